"""Layer ▸ Compare Borders: each mode's padded corner against np.pad written here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gui_helpers import LESSON
from PySide6.QtGui import QAction

from convgui.core import BOUNDARIES
from convgui.core.border_corner import padded_corner
from convgui.gui.kernel_lab import lab
from convgui.gui.lab_borders import BorderCompareDialog
from convgui.gui.window import MainWindow
from convgui.imageio import ImageDoc

#: Our boundary names in numpy's words (reflect/mirror swap names between the libraries).
NP_MODE = {
    "zero": ("constant", {"constant_values": 0}),
    "constant": ("constant", {"constant_values": 7.5}),
    "replicate": ("edge", {}),
    "reflect": ("symmetric", {}),
    "mirror": ("reflect", {}),
    "wrap": ("wrap", {}),
}


def np_corner(img: np.ndarray, pad: int, boundary: str, rows: int, cols: int) -> np.ndarray:
    mode, kw = NP_MODE[boundary]
    full = np.pad(img.astype(np.float64), pad, mode=mode, **kw)
    return full[: pad + rows, : pad + cols]


def open_borders(window: MainWindow) -> BorderCompareDialog:
    act = window.findChild(QAction, "compareBordersAction")
    assert act is not None and act.shortcut().toString() == "Ctrl+Alt+B"
    act.trigger()
    dlg = lab(window).borders
    assert isinstance(dlg, BorderCompareDialog) and dlg.isVisible()
    return dlg


def test_each_mode_shows_what_np_pad_copies(window: MainWindow, qtbot: Any) -> None:
    window.state.set_params(boundary="constant", cval=7.5)
    window.state.set_kernel(np.ones((5, 5)))  # "same": 2 padded rows and columns
    dlg = open_borders(window)
    for mode in BOUNDARIES:
        view = dlg.panel.grids[mode].view
        assert view is not None
        want = np_corner(LESSON, 2, mode, 6, 6)
        assert view.values.shape == want.shape == (8, 8)
        np.testing.assert_array_equal(view.values, want, err_msg=mode)
        assert view.padded[:2].all() and view.padded[:, :2].all()
        assert not view.padded[2:, 2:].any()
    # The copies differ: replicate repeats the corner, mirror skips the edge pixel.
    rep, mir = dlg.panel.grids["replicate"].view, dlg.panel.grids["mirror"].view
    assert rep is not None and mir is not None
    assert rep.values[0, 2] == LESSON[0, 0] and mir.values[0, 2] == LESSON[2, 0]
    assert "2 rows above and 2 columns on the left" in dlg.panel.caption.text()
    assert "the layer's" in dlg.panel.boxes["constant"].title()
    dlg.close()


def test_follows_the_kernel_and_dilation(window: MainWindow, qtbot: Any) -> None:
    dlg = open_borders(window)
    view = dlg.panel.grids["wrap"].view
    assert view is not None and view.pad_rows == 1  # the 3×3 identity, "same"
    window.state.set_params(dilation=(3, 3), padding="valid")  # pads nothing: shows "same"'s
    view = dlg.panel.grids["wrap"].view
    assert view is not None and (view.pad_rows, view.pad_cols) == (3, 3)
    np.testing.assert_array_equal(view.values, np_corner(LESSON, 3, "wrap", 6, 6))
    assert "“same” would add" in dlg.panel.caption.text()
    dlg.close()


@pytest.mark.parametrize(
    "pixels",
    [
        np.array([[200]], dtype=np.uint8),  # 1×1
        np.arange(-600, 600, dtype=np.int16).reshape(30, 40),  # signed 16-bit
        np.dstack([LESSON.astype(np.uint8)] * 3) + np.uint8(1),  # colour
    ],
    ids=["1x1", "int16", "colour"],
)
def test_any_image(window: MainWindow, qtbot: Any, pixels: np.ndarray) -> None:
    window.state.set_color_mode("rgb")
    depth = 16 if pixels.dtype == np.int16 else 8
    window.set_document(ImageDoc(pixels, depth, "test"))
    dlg = open_borders(window)
    img = window.state.engine_image()
    assert img is not None
    plane = img if img.ndim == 2 else img[..., 0]
    for mode in BOUNDARIES:
        view = dlg.panel.grids[mode].view
        assert view is not None
        rows = min(6, plane.shape[0])
        cols = min(6, plane.shape[1])
        if mode == "constant":
            continue  # cval 0: same as zero
        np.testing.assert_array_equal(view.values, np_corner(plane, 1, mode, rows, cols))
    if pixels.ndim == 3:
        assert "red channel" in dlg.panel.caption.text()
    dlg.grab()  # paints without error
    dlg.close()


def test_wide_padding_is_cut_and_said(qapp: Any) -> None:
    img = np.arange(100.0).reshape(10, 10)
    view = padded_corner(img, (9, 2), "reflect")
    assert (view.pad_rows, view.pad_cols, view.full_pad) == (6, 2, (9, 2))
    want = np.pad(img, ((9, 0), (2, 0)), mode="symmetric")[3:15, :8]
    np.testing.assert_array_equal(view.values, want)


def test_hovering_a_padded_cell_says_what_it_copies(window: MainWindow, qtbot: Any) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from convgui.gui.lab_borders import cell_note

    dlg = open_borders(window)  # 3×3 identity, "same": one padded row and column
    g = dlg.panel.grids["mirror"]
    view = g.view
    assert view is not None
    c = g.cell_size()
    ox = max(1.0, (g.width() - view.values.shape[1] * c) / 2)
    # The top-left padded cell mirrors image cell (1, 1) (numpy's "reflect").
    assert g.cell_at(ox + c / 2, 1 + c / 2) == (0, 0)
    note = cell_note(view, 0, 0)
    want = f"Padding (row −1, column −1): a copy of image row 1, column 1 = {LESSON[1, 1]:g}."
    assert note == want
    assert cell_note(view, 1, 1) == f"Image row 0, column 0 = {LESSON[0, 0]:g}."
    zero = dlg.panel.grids["zero"].view
    assert zero is not None and "the constant 0" in cell_note(zero, 0, 3)
    assert g.cell_at(ox - 5, 1 + c / 2) is None
    pos = QPoint(int(ox + c / 2), int(1 + c / 2))
    QApplication.sendEvent(g, QHelpEvent(QHelpEvent.Type.ToolTip, pos, g.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == note
    QToolTip.hideText()
    dlg.close()


def test_larger_text_gives_larger_numbers_and_nothing_is_cut_off(
    window: MainWindow, qtbot: Any
) -> None:
    window.resize(1024, 700)
    window.state.apply_preset("gaussian_5")  # 2 padded rows and columns
    dlg = open_borders(window)
    grid = dlg.panel.grids["zero"]
    qtbot.waitUntil(lambda: grid.height() > 0, timeout=2000)
    before = grid.number_font().pixelSize()
    for _ in range(4):  # 1.0 → 2.0
        with qtbot.waitSignal(window.text_scale_changed, timeout=2000):
            window.text_size.larger()
    qtbot.wait(50)
    after = grid.number_font().pixelSize()
    assert after >= 1.6 * before, (before, after)
    for mode, g in dlg.panel.grids.items():
        rows, cols = g.view.values.shape
        c = g.cell_size()
        # Every row and column is drawn in full, in cells at least as large as the numbers
        # need; a grid taller than the room scrolls.
        assert c >= g.min_cell() - 1e-9, mode
        assert g.height() >= rows * c + 1 and g.width() >= cols * c + 1, mode
        assert g.number_font().pixelSize() >= 0.8 * after, mode
    assert dlg.frameGeometry().height() <= dlg.screen().availableGeometry().height() + 40
    dlg.close()
