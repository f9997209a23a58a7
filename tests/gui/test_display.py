"""Display levels (plain and robust), clipped counts, and the display drop-down."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

from convgui.core import correlate2d, get_preset
from convgui.gui.display import COLOUR_NOTE, DisplayCombo, display_for, to_display_rgba


def _photo_like(seed: int = 1) -> np.ndarray:
    """Smooth shading, fine texture and one very strong step: like a photo under Sobel."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:128, 0:128].astype(np.float64)
    img = 90 + 40 * np.sin(x / 17) * np.cos(y / 23) + rng.normal(0, 6, (128, 128))
    img[60:70, 100:110] = 255.0  # a small white object: the few strongest edges
    return np.clip(img, 0, 255).astype(np.float32)


@pytest.fixture
def sobel_out() -> np.ndarray:
    return correlate2d(
        _photo_like(), get_preset("sobel_x"), padding="same", boundary="reflect"
    ).astype(np.float32)


def test_plain_levels_are_unchanged(sobel_out: np.ndarray) -> None:
    m = float(np.abs(sobel_out).max())
    d = display_for(sobel_out, "diverging", 255.0)
    assert d.levels == pytest.approx((-m, m)) and d.clipped == 0 and not d.robust
    s = display_for(sobel_out, "stretch", 255.0)
    assert s.levels == pytest.approx((float(sobel_out.min()), float(sobel_out.max())))
    assert s.clipped == 0 and s.clipped_text() == ""
    c = display_for(sobel_out, "clip", 255.0, robust=True)  # robust has no effect on clip
    assert c.levels == (0.0, 255.0) and not c.robust
    assert c.clipped == int(((sobel_out < 0) | (sobel_out > 255)).sum())
    assert c.clipped_text() == f"{c.clipped:,} clipped"


@pytest.mark.parametrize("mode", ["diverging", "abs"])
def test_robust_signed_limits_are_the_99_5th_percentile_of_abs(
    sobel_out: np.ndarray, mode: str
) -> None:
    want = float(np.percentile(np.abs(sobel_out.astype(np.float64)), 99.5))
    d = display_for(sobel_out, mode, 255.0, robust=True)
    assert d.levels == pytest.approx((-want, want), rel=1e-6)
    assert d.mode == mode and d.robust
    outside = int((np.abs(sobel_out) > d.levels[1]).sum())
    assert d.clipped == outside and 0 < outside <= 0.006 * sobel_out.size
    assert d.clipped_text() == f"{outside:,} clipped (robust limits)"


def test_robust_stretch_is_the_0_25_to_99_75_percentile_range(sobel_out: np.ndarray) -> None:
    lo, hi = np.percentile(sobel_out.astype(np.float64), [0.25, 99.75])
    d = display_for(sobel_out, "stretch", 255.0, robust=True)
    assert d.levels == pytest.approx((lo, hi), rel=1e-6)
    assert d.clipped == int(((sobel_out < d.levels[0]) | (sobel_out > d.levels[1])).sum())


def test_robust_limits_make_photo_edges_visible(sobel_out: np.ndarray) -> None:
    """With ±max|x| most edges are near white; robust limits give them colour."""

    def coloured(disp) -> float:
        rgba = to_display_rgba(sobel_out, disp).astype(int)
        return float((np.abs(rgba[..., :3] - 247).max(axis=2) > 60).mean())

    plain = coloured(display_for(sobel_out, "diverging", 255.0))
    robust = coloured(display_for(sobel_out, "diverging", 255.0, robust=True))
    assert robust > 3 * plain


def test_precomputed_robust_limits_are_used_and_checked(sobel_out: np.ndarray) -> None:
    d = display_for(sobel_out, "diverging", 255.0, robust=True, robust_limit=-10.0)
    assert d.levels == (-10.0, 10.0)
    assert d.clipped == int((np.abs(sobel_out) > 10).sum())
    s = display_for(sobel_out, "stretch", 255.0, robust=True, robust_limit=(-5.0, 20.0))
    assert s.levels == (-5.0, 20.0)
    with pytest.raises(ValueError, match=r"\(lo, hi\) pair"):
        display_for(sobel_out, "stretch", 255.0, robust=True, robust_limit=3.0)
    with pytest.raises(ValueError, match=r"one \|x\| limit"):
        display_for(sobel_out, "diverging", 255.0, robust=True, robust_limit=(1.0, 2.0))


def test_robust_limits_that_collapse_fall_back_to_min_max() -> None:
    sparse = np.zeros((100, 100), np.float32)
    sparse[50, 50], sparse[10, 10] = 40.0, -8.0  # 99.5% zeros: percentile limits are 0
    d = display_for(sparse, "diverging", 255.0, robust=True)
    assert d.levels == (-40.0, 40.0) and not d.robust and d.clipped == 0
    s = display_for(sparse, "stretch", 255.0, robust=True)
    assert s.levels == (-8.0, 40.0) and not s.robust


@pytest.mark.parametrize("mode", ["abs", "diverging"])
def test_colour_results_are_stretched_and_counted_per_pixel(mode: str) -> None:
    rgb = np.random.default_rng(0).laplace(0, 10, (40, 50, 3)).astype(np.float32)
    d = display_for(rgb, mode, 255.0, robust=True)
    assert d.mode == "stretch" and d.note == COLOUR_NOTE
    lo, hi = d.levels
    assert d.clipped == int(((rgb < lo) | (rgb > hi)).any(axis=2).sum())


def test_nan_and_inf_do_not_break_robust_levels(sobel_out: np.ndarray) -> None:
    dirty = sobel_out.copy()
    dirty[0, :4] = [np.nan, np.inf, -np.inf, np.nan]
    d = display_for(dirty, "diverging", 255.0, robust=True)
    assert np.isfinite(d.levels).all() and d.levels[1] > 0
    assert d.clipped >= 2  # the infinities are outside any level


# --- the drop-down -------------------------------------------------------------------------


def _item_enabled(combo: DisplayCombo, mode: str) -> bool:
    idx = combo.model().index(combo.findData(mode), 0)
    return bool(combo.model().flags(idx) & Qt.ItemFlag.ItemIsEnabled)


def test_colour_result_says_stretch_colour_and_disables_grey_only_modes(qtbot) -> None:
    combo = DisplayCombo()
    qtbot.addWidget(combo)
    with qtbot.assertNotEmitted(combo.mode_chosen):
        combo.show_decision("diverging", True, False)
    assert combo.currentText() == "Stretch min–max (colour)"
    assert combo.current_mode() == "stretch"
    for mode in ("abs", "diverging"):
        assert not _item_enabled(combo, mode)
        tip = combo.itemData(combo.findData(mode), Qt.ItemDataRole.ToolTipRole)
        assert tip == "colour results are shown stretched"
    assert _item_enabled(combo, "clip")
    # Back to a grey result: everything enabled, the user's mode shown by its own name.
    combo.show_decision("diverging", False, True)
    assert combo.currentText() == "Diverging (signed, robust)"
    assert all(_item_enabled(combo, m) for m in ("clip", "stretch", "abs", "diverging"))
    assert combo.itemText(combo.findData("stretch")) == "Stretch min–max"
    assert combo.itemData(combo.findData("abs"), Qt.ItemDataRole.ToolTipRole) is None
    combo.show_decision("clip", False, True)
    assert combo.currentText() == "Clip to range"  # robust limits do not apply to clip


def test_mode_chosen_only_on_user_activation(qtbot) -> None:
    combo = DisplayCombo()
    qtbot.addWidget(combo)
    combo.show()
    combo.show_decision("stretch", True, False)
    combo.setFocus()
    with qtbot.waitSignal(combo.mode_chosen, timeout=1000) as blocker:
        qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert blocker.args == ["clip"]
    # Down from clip skips nothing enabled but stretch; the disabled modes are not reachable.
    with qtbot.waitSignal(combo.mode_chosen, timeout=1000) as blocker:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert blocker.args == ["stretch"]
    with qtbot.assertNotEmitted(combo.mode_chosen):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.current_mode() == "stretch"
    with qtbot.assertNotEmitted(combo.mode_chosen):
        combo.show_decision("diverging", False, False)
        combo.setCurrentIndex(0)


def test_bad_mode_is_refused(qtbot) -> None:
    combo = DisplayCombo()
    qtbot.addWidget(combo)
    with pytest.raises(ValueError, match="'Diverging'"):
        combo.show_decision("Diverging", False, False)


@pytest.mark.parametrize(
    "mode,is_color,robust",
    [("diverging", True, True), ("diverging", False, True), ("stretch", False, True)],
)
def test_the_longest_texts_fit_the_combo(qtbot, mode: str, is_color: bool, robust: bool) -> None:
    combo = DisplayCombo()
    qtbot.addWidget(combo)
    combo.resize(combo.sizeHint())
    combo.show()
    combo.show_decision(mode, is_color, robust)
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    assert combo.fontMetrics().horizontalAdvance(combo.currentText()) <= field.width()
