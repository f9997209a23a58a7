"""Kernel ▸ Compare…: outputs A and B and A − B, checked against run_layer computed here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QAction

from convgui.core import LayerParams, get_preset, run_layer
from convgui.gui.kernel_lab import lab
from convgui.gui.lab_compare import CompareDialog
from convgui.gui.window import MainWindow
from convgui.imageio import ImageDoc


def final(image: np.ndarray, kernel: np.ndarray, p: LayerParams) -> np.ndarray:
    r = run_layer(image, kernel, p)
    return r.pooled if r.pooled is not None else r.activated


def open_compare(window: MainWindow) -> CompareDialog:
    act = window.findChild(QAction, "compareKernelsAction")
    assert act is not None and act.shortcut().toString() == "Ctrl+Alt+K"
    act.trigger()
    dlg = lab(window).compare
    assert isinstance(dlg, CompareDialog) and dlg.isVisible()
    return dlg


def test_a_minus_b_is_exact(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.apply_preset("sharpen")
    dlg = open_compare(window)  # A = sharpen
    with qtbot.waitSignal(dlg.compared, timeout=3000):
        s.apply_preset("box_blur")  # B = box blur: the views follow
    img = s.engine_image()
    a = final(img, get_preset("sharpen"), s.params)
    b = final(img, get_preset("box_blur"), s.params)
    np.testing.assert_array_equal(dlg.view_a.data, a)
    np.testing.assert_array_equal(dlg.view_b.data, b)
    np.testing.assert_array_equal(dlg.view_d.data, a.astype(np.float64) - b)
    assert not np.all(dlg.view_d.data == 0)
    lo, hi = dlg.view_d._levels
    assert lo == -hi == -np.max(np.abs(a.astype(np.float64) - b))  # symmetric levels
    assert "Largest difference" in dlg.summary.text()
    # A new layer setting recomputes both (with pooling, the pooled maps are compared).
    with qtbot.waitSignal(dlg.compared, timeout=3000):
        s.set_params(pool="max", stride=(2, 1))
    a = final(img, get_preset("sharpen"), s.params)
    b = final(img, get_preset("box_blur"), s.params)
    np.testing.assert_array_equal(dlg.view_d.data, a.astype(np.float64) - b)
    dlg.close()


def test_swap_and_take(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.apply_preset("sobel_x")
    dlg = open_compare(window)
    s.apply_preset("sobel_y")
    undo_depth = s.can_undo
    dlg.swap_button.click()
    np.testing.assert_array_equal(s.kernel, get_preset("sobel_x"))  # A went into the table
    np.testing.assert_array_equal(dlg.kernel_a, get_preset("sobel_y"))
    assert undo_depth and s.undo_label == "Swap kernels A and B"
    img = s.engine_image()
    want = final(img, get_preset("sobel_y"), s.params).astype(np.float64) - final(
        img, get_preset("sobel_x"), s.params
    )
    np.testing.assert_array_equal(dlg.view_d.data, want)
    dlg.take_button.click()
    assert dlg.summary.text().startswith("A and B give the same output")
    assert np.all(dlg.view_d.data == 0)
    dlg.close()


def test_sizes_that_differ_are_explained(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.set_params(padding="valid")
    dlg = open_compare(window)  # A: 3×3
    s.set_kernel(np.ones((5, 5)))
    assert dlg.view_d.data is None
    assert "different sizes (A: 4×4, B: 2×2)" in dlg.summary.text()
    assert "same" in dlg.summary.text()
    s.set_kernel(np.ones((7, 7)))  # no output for B at all: said, no crash
    assert "No comparison" in dlg.summary.text()
    dlg.close()


@pytest.mark.parametrize("kind", ["colour", "int16", "1x1"])
def test_any_image(window: MainWindow, qtbot: Any, kind: str) -> None:
    s = window.state
    if kind == "colour":
        s.set_color_mode("rgb")
        px = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
        doc = ImageDoc(px, 8, "c")
    elif kind == "int16":
        doc = ImageDoc(np.arange(-500, 500, dtype=np.int16).reshape(20, 50), 16, "s")
    else:
        doc = ImageDoc(np.array([[7]], dtype=np.uint8), 8, "one")
    window.set_document(doc)
    dlg = open_compare(window)
    s.apply_preset("laplacian")
    img = s.engine_image()
    a = final(img, get_preset("identity"), s.params).astype(np.float64)
    d = a - final(img, get_preset("laplacian"), s.params)
    if d.ndim == 3:
        d = d.mean(axis=2)
        assert "mean over R, G and B" in dlg.summary.text()
    np.testing.assert_allclose(dlg.view_d.data, d)
    dlg.grab()
    dlg.close()


def test_large_image_on_the_worker_latest_wins(
    window: MainWindow, qtbot: Any, state: Any
) -> None:
    s = window.state
    big = np.random.default_rng(0).integers(0, 256, (600, 700), dtype=np.uint8)
    dlg = CompareDialog(s, window, sync_work_limit=0)  # every comparison on the worker
    lab(window).compare = dlg
    window.set_document(ImageDoc(big, 8, "big"))
    dlg.show()
    assert dlg.busy
    for name in ("box_blur", "sharpen", "outline"):  # bursts: only the last one shows
        s.apply_preset(name)
    qtbot.waitUntil(lambda: not dlg.busy and dlg.comparison is not None, timeout=20000)
    img = s.engine_image()
    want = final(img, get_preset("identity"), s.params).astype(np.float64) - final(
        img, get_preset("outline"), s.params
    )
    np.testing.assert_array_equal(dlg.view_d.data, want)
    dlg.close()  # stops the worker thread


def test_a_display_change_relevels_without_recomputing(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.apply_preset("sharpen")
    dlg = open_compare(window)
    s.apply_preset("box_blur")
    c = dlg.comparison
    assert c is not None and dlg.view_a._levels == (0.0, 255.0)  # Clip: 0–255 grey
    s.set_display_mode("stretch")
    assert dlg.comparison is c  # the same arrays, shown with new levels
    lo, hi = dlg.view_a._levels
    assert lo == min(c.a.min(), c.b.min()) and hi == max(c.a.max(), c.b.max())
    assert dlg.view_b._levels == (lo, hi)  # A and B share their levels
    dlg.close()


def test_narrow_or_tall_it_shows_the_views_one_under_the_other(
    window: MainWindow, qtbot: Any
) -> None:
    dlg = open_compare(window)
    window.state.apply_preset("sobel_x")  # B differs from A (the identity)
    dlg.resize(1100, 560)
    qtbot.waitUntil(lambda: dlg.view_b.x() > dlg.view_a.x() + 100, timeout=2000)
    assert abs(dlg.view_b.y() - dlg.view_a.y()) < 5 and dlg.kernel_a_label.isVisible()
    dlg.resize(360, 620)
    qtbot.waitUntil(lambda: dlg.view_b.y() > dlg.view_a.y() + 50, timeout=2000)
    assert dlg.view_d.y() > dlg.view_b.y() + 50
    assert abs(dlg.view_b.x() - dlg.view_a.x()) < 5
    assert dlg.width() < 400  # nothing forces it wider
    # The kernels' numbers move to the titles' tooltips.
    assert not dlg.kernel_a_label.isVisible()
    assert "−1" in dlg.title_b.toolTip() or "-1" in dlg.title_b.toolTip()
    assert "1" in dlg.title_a.toolTip()
    dlg.close()
