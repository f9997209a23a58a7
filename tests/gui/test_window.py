"""The main window as a whole: what it opens on, names, tooltips, colour, scale, display."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import (
    LESSON,
    OBJECT_NAMES,
    assert_output_is_exact,
    choose,
)
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QWidget,
)

from convgui.gui.window import MainWindow
from convgui.state import DISPLAY_MODES


def test_opens_on_the_lesson_sample(window: MainWindow) -> None:
    s = window.state
    assert s.doc is not None
    assert s.doc.name == "Lesson 6×6 grid"
    assert np.array_equal(window.input_view.data, LESSON)
    assert "Lesson 6×6 grid" in window.windowTitle()
    assert "6×6 grayscale, 8-bit" in window.windowTitle()
    assert np.array_equal(assert_output_is_exact(window), LESSON)  # identity kernel
    assert "6×6 grayscale" in window.info_label.text()


@pytest.mark.parametrize("name", OBJECT_NAMES)
def test_object_names_exist(window: MainWindow, name: str) -> None:
    found = window.findChild(QWidget, name)
    assert found is not None, f"no widget named {name!r}"
    assert found.window() is window


def test_every_control_has_a_tooltip(window: MainWindow) -> None:
    controls = (QComboBox, QAbstractSpinBox, QAbstractButton, QAbstractItemView)
    checked = []

    def part_of_a_control(w: QWidget, panel: QWidget) -> bool:
        # Qt's own parts: a table's headers and corner button, a combo's popup list.
        p = w.parentWidget()
        while p is not None and p is not panel:
            if isinstance(p, controls) or p.inherits("QComboBoxPrivateContainer"):
                return True
            p = p.parentWidget()
        return False

    for panel in (window.kernel_panel, window.layer_panel):
        for w in panel.findChildren(QWidget):
            if not isinstance(w, controls) or part_of_a_control(w, panel):
                continue
            checked.append(w.objectName())
            assert w.toolTip().strip(), f"{type(w).__name__} {w.objectName()!r} has no tooltip"
    assert {"kernelTable", "presetCombo", "strideSpin", "poolCombo", "divisorSpin"} <= set(checked)


def test_colour_switch(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    rgb = np.random.default_rng(4).integers(0, 256, (7, 8, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    assert window.open_path(tmp_path / "c.png")
    window.state.apply_preset("sharpen")
    check = window.color_check
    assert check.isEnabled() and not check.isChecked()
    luma = np.asarray(Image.fromarray(rgb).convert("L")).astype(np.float32)
    assert np.array_equal(window.input_view.data, luma)
    assert_output_is_exact(window)
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert window.state.color_mode == "rgb"
    out = assert_output_is_exact(window)
    assert out.shape == (7, 8, 3)
    # The clipped count is of pixels (any channel out of range), as its tooltip says.
    n_pixels = int(np.count_nonzero(((out < 0) | (out > 255)).any(axis=2)))
    assert 0 < n_pixels < int(np.count_nonzero((out < 0) | (out > 255)))
    assert window.clipped_label.text() == f"{n_pixels:,} clipped"


def test_value_scale_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    at_255 = np.array(window.output_view.data)
    choose(qtbot, window.scale_combo, "0-1")
    out = assert_output_is_exact(window)
    np.testing.assert_allclose(out, at_255 / 255, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(window.input_view.data, LESSON / 255, rtol=1e-6)
    assert window.input_view.image_item.getLevels() == pytest.approx((0.0, 1.0))


@pytest.mark.parametrize("robust", [False, True])
def test_display_modes_change_levels_not_data(
    window: MainWindow, qtbot: Any, robust: bool
) -> None:
    window.state.set_robust_limits(robust)
    window.state.apply_preset("sobel_x")
    data = window.output_view.data
    copy = np.array(data)
    if robust:  # percentiles, computed here with numpy on the whole output
        lo, hi = (float(v) for v in np.percentile(copy, [0.25, 99.75]))
        m = float(np.percentile(np.abs(copy), 99.5))
    else:
        lo, hi = float(copy.min()), float(copy.max())
        m = max(abs(lo), abs(hi))
    want = {"clip": (0.0, 255.0), "stretch": (lo, hi), "abs": (-m, m), "diverging": (-m, m)}
    seen = {}
    for mode in DISPLAY_MODES:
        choose(qtbot, window.display_combo, mode)
        assert window.state.display_mode == mode
        assert window.output_view.data is data
        assert np.array_equal(window.output_view.data, copy)
        seen[mode] = tuple(float(v) for v in window.output_view.colorbar.levels())
        assert seen[mode] == pytest.approx(want[mode])
        assert window.display_actions[mode].isChecked()
    choose(qtbot, window.display_combo, "clip")
    n_clipped = int(np.count_nonzero(copy < 0) + np.count_nonzero(copy > 255))
    assert window.clipped_label.text() == f"{n_clipped:,} clipped"
