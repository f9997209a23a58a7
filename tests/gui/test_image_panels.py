"""What the output display says is what it shows, for every way a result arrives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convgui.imageio import ImageDoc


def _file(tmp_path: Path, kernel: list[list[float]]) -> Path:
    p = tmp_path / "k.json"
    p.write_text(json.dumps({"kernel": kernel}))
    return p


def test_automatic_diverging_is_undone_by_a_kernel_file(window: Any, tmp_path: Path) -> None:
    s = window.state
    s.apply_preset("sobel_x")
    assert s.display_mode == "diverging"
    assert "negative" in window.display_label.text()
    assert window.display_combo.currentData() == "diverging"
    assert window.open_kernel_path(_file(tmp_path, [[1, 2, 1], [2, 4, 2], [1, 2, 1]]))
    assert s.display_mode == "clip"
    assert window.display_combo.currentData() == "clip"
    assert window.display_actions["clip"].isChecked()
    assert "negative" not in window.display_label.text()
    assert window.output_view.colorbar.levels() == pytest.approx((0.0, 255.0))


@pytest.mark.parametrize(
    "how",
    [
        lambda s: s.set_kernel(np.array([[-1.0, 0.0, 1.0]])),
        lambda s: [
            s.set_kernel_cell(r, c, v)
            for r, c, v in [(1, 1, "-4"), (0, 1, "1"), (1, 0, "1"), (1, 2, "1"), (2, 1, "1")]
        ],
    ],
    ids=["set kernel", "cell edits"],
)
def test_automatic_switch_follows_every_result_not_only_presets(window: Any, how: Any) -> None:
    s = window.state
    how(s)
    assert s.result.act_stats[0] < 0
    assert s.display_mode == "diverging"
    while float(s.kernel.sum()) == 0 and s.can_undo:
        s.undo()  # back to a kernel that does not sum to 0: the automatic switch is undone
    assert float(s.kernel.sum()) != 0
    assert s.display_mode == "clip"
    assert "negative values in blue" not in window.display_label.text().lower()


def test_an_explicit_choice_is_kept(window: Any, qtbot: Any) -> None:
    from gui_helpers import choose

    s = window.state
    choose(qtbot, window.display_combo, "stretch")
    s.apply_preset("sobel_x")
    assert s.display_mode == "stretch"
    s.apply_preset("box_blur")
    assert s.display_mode == "stretch"


def test_colour_results_say_how_they_are_shown_in_the_drop_down(window: Any) -> None:
    s = window.state
    rgb = np.random.default_rng(2).integers(0, 255, (20, 24, 3)).astype(np.uint8)
    window.set_document(ImageDoc(rgb, 8, "colour"))
    s.set_color_mode("rgb")
    s.apply_preset("sobel_x")
    combo = window.display_combo
    assert "colour" in combo.currentText().lower()
    assert combo.currentData() == "stretch"
    assert "stretched" in window.display_label.text().lower()
    assert not window.display_actions["diverging"].isEnabled()


def test_robust_limits_make_faint_edges_visible_and_count_what_they_leave_out(
    window: Any,
) -> None:
    s = window.state
    rng = np.random.default_rng(3)
    img = rng.normal(100, 5, (64, 64))
    img[30:34, 30:34] = 255  # one very strong edge among faint ones
    window.set_document(ImageDoc(np.clip(img, 0, 255).astype(np.uint8), 8, "photo"))
    s.set_params(boundary="replicate")  # no artificial edge along the border
    s.apply_preset("sobel_x")
    out = s.result.activated
    m = float(np.percentile(np.abs(out), 99.5))
    lo, hi = window.output_view.colorbar.levels()
    assert (lo, hi) == pytest.approx((-m, m), rel=1e-6)
    assert m < 0.5 * float(np.abs(out).max())
    n = int(np.count_nonzero(np.abs(out) > m))
    assert window.clipped_label.text() == f"{n:,} clipped"
    assert "robust" in window.clipped_label.toolTip()
    window.robust_action.trigger()
    assert not s.robust_limits
    assert window.output_view.colorbar.levels()[1] == pytest.approx(float(np.abs(out).max()))


def test_saved_output_is_what_is_shown(window: Any, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    s = window.state
    s.apply_preset("sobel_x")  # diverging, robust limits
    path = tmp_path / "out.png"
    assert window.save_output_path(path, confirm=False)
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    disp = window.images.display_of("output")
    assert disp is not None and disp.mode == "diverging" and disp.robust
    from convgui.gui.display import to_display_rgba

    want = to_display_rgba(s.result.activated, disp)[..., :3]
    buf = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    got = buf[:, : img.width() * 3].reshape(img.height(), img.width(), 3)
    assert np.array_equal(got, want)


def test_arithmetic_panel_is_one_line_until_it_has_something_to_show(
    window: Any, qtbot: Any
) -> None:
    panel = window.arithmetic
    window.anim.stop()
    qtbot.wait(10)
    one_line = panel.fontMetrics().lineSpacing()
    assert panel.is_hint
    assert panel.height() <= 2 * one_line + 16
    window.anim.seek_rc(2, 3)
    qtbot.wait(10)
    assert not panel.is_hint
    assert panel.height() > 5 * one_line  # the grids and the sum
    assert panel.height() <= window.height() * 0.45
    window.anim.stop()
    qtbot.wait(10)
    assert panel.height() <= 2 * one_line + 16


def test_text_size_reaches_the_numbers_in_the_cells_and_the_arithmetic(
    window: Any, qtbot: Any
) -> None:
    from PySide6.QtGui import QAction

    before = window.arithmetic.fontMetrics().height()
    window.findChild(QAction, "textLargerAction").trigger()
    qtbot.wait(10)
    assert window.text_scale > 1
    for v in (window.input_view, window.output_view, window.pooled_view):
        assert v.values.text_scale == pytest.approx(window.text_scale)
    assert window.arithmetic.fontMetrics().height() > before


def test_previews_are_painted_only_where_they_pay_off(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings

    from convgui import state as state_mod
    from convgui.gui import image_panels
    from convgui.gui.window import MainWindow
    from convgui.state import ExplorerState

    assert not image_panels.previews_pay_off(2) and image_panels.previews_pay_off(8)
    monkeypatch.setattr(image_panels, "previews_pay_off", lambda cores=None: True)
    monkeypatch.setattr(state_mod, "PREVIEW_MIN_VALUES", 10_000)
    monkeypatch.setattr(state_mod, "PREVIEW_SIDE", 32)
    s = ExplorerState(sync_work_limit=0)  # every recompute on the worker
    w = MainWindow(s, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    try:
        img = np.random.default_rng(5).integers(0, 255, (256, 256)).astype(np.uint8)
        w.set_document(ImageDoc(img, 8, "big"))
        qtbot.waitUntil(lambda: s.result is not None, timeout=5000)
        painted = []
        monkeypatch.setattr(w.output_view, "set_preview", lambda b, r: painted.append(b.shape))
        with qtbot.waitSignal(s.result_changed, timeout=5000):
            s.apply_preset("box_blur")
        assert painted and painted[0] == (256 // 8, 256 // 8)  # 8×8 blocks: 32 cells a side
        assert w.output_view.data is s.result.activated  # then the exact result
    finally:
        w.close()
        s.close()
