"""The layer settings, chosen as a user chooses them; outputs and shapes checked exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
from gui_helpers import (
    LESSON,
    assert_output_is_exact,
    choose,
    conv_of,
    step_spin,
)
from PySide6.QtCore import Qt

from convgui.core import pool2d
from convgui.gui.window import MainWindow


def test_valid_padding_shrinks_the_output(window: MainWindow, qtbot: Any) -> None:
    combo = window.layer_panel.padding_combo
    label = window.layer_panel.shape_label
    assert "(6 + 1 + 1 − 3)/1 + 1 = 6" in label.text()
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        choose(qtbot, combo, "valid")
    assert window.state.params.padding == "valid"
    out = assert_output_is_exact(window)
    assert out.shape == (4, 4)
    assert np.array_equal(out, LESSON[1:5, 1:5])
    assert "(6 + 0 + 0 − 3)/1 + 1 = 4" in label.text()
    assert window.output_panel.subtitle.text() == "4×4"


def test_padding_by_keyboard_on_the_closed_combo(window: MainWindow, qtbot: Any) -> None:
    combo = window.layer_panel.padding_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # same -> full
    assert window.state.params.padding == "full"
    assert assert_output_is_exact(window).shape == (8, 8)


def test_custom_padding(window: MainWindow, qtbot: Any) -> None:
    choose(qtbot, window.layer_panel.padding_combo, "custom")
    assert window.state.params.padding == (1, 1, 1, 1)
    assert window.layer_panel.custom_row.isVisible()
    top = window.layer_panel.pad_spins[0]
    step_spin(qtbot, top)
    assert window.state.params.padding == (2, 1, 1, 1)
    assert assert_output_is_exact(window).shape == (7, 6)
    assert "(6 + 2 + 1 − 3)/1 + 1 = 7" in window.layer_panel.shape_label.text()


def test_custom_padding_from_a_wide_full_padding(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.set_kernel(np.ones((15, 15)))
    s.set_params(padding="full", dilation=8)
    choose(qtbot, window.layer_panel.padding_combo, "custom")
    assert s.params.padding == (112, 112, 112, 112)
    assert [sp.value() for sp in window.layer_panel.pad_spins] == [112] * 4  # shown as held
    step_spin(qtbot, window.layer_panel.pad_spins[0], Qt.Key.Key_Down)
    assert s.params.padding == (111, 112, 112, 112)  # the other sides are not changed
    assert_output_is_exact(window)


def test_boundary_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("box_blur")
    choose(qtbot, window.layer_panel.boundary_combo, "replicate")
    assert window.state.params.boundary == "replicate"
    assert_output_is_exact(window)


def test_stride_spin(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        step_spin(qtbot, window.layer_panel.stride_spin)
    assert window.state.params.stride == (2, 2)
    assert assert_output_is_exact(window).shape == (3, 3)
    assert "(6 + 0 + 1 − 3)/2 + 1 = 3" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    assert assert_output_is_exact(window).shape == (2, 2)
    assert "⌊(6 + 0 + 0 − 3)/2⌋ + 1 = 2" in window.layer_panel.shape_label.text()


def test_dilation_spin(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    step_spin(qtbot, window.layer_panel.dilation_spin)
    assert window.state.params.dilation == (2, 2)
    assert assert_output_is_exact(window).shape == (2, 2)
    assert "(6 + 0 + 0 − 5)/1 + 1 = 2" in window.layer_panel.shape_label.text()


def test_activation_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("sobel_x")
    conv = conv_of(window.state)
    choose(qtbot, window.layer_panel.activation_combo, "relu")
    assert window.state.params.activation == "relu"
    assert np.array_equal(window.output_view.data, np.maximum(conv, 0))


def test_pooling_shows_the_pooled_map(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    assert not window.pooled_view.isVisible()
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        choose(qtbot, window.layer_panel.pool_combo, "max")
    assert window.pooled_view.isVisible()
    out = assert_output_is_exact(window)
    pooled = window.pooled_view.data
    assert pooled is not None
    assert np.array_equal(pooled, pool2d(out, 2, stride=2, op="max"))
    assert pooled.shape == (3, 3)
    assert "<b>Pooled</b> rows: (6 + 0 + 0 − 2)/2 + 1 = 3" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.pool_combo, "avg")
    assert np.array_equal(window.pooled_view.data, pool2d(out, 2, stride=2, op="avg"))
    choose(qtbot, window.layer_panel.pool_combo, "none")
    assert not window.pooled_view.isVisible()


def test_no_output_is_explained_and_recovers(window: MainWindow, qtbot: Any) -> None:
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    window.state.resize_kernel(7, 7)
    assert window.output_view.data is None
    assert window.state.layer_error
    assert "No output" in window.message_bar.text
    assert "no output" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.padding_combo, "same")
    assert_output_is_exact(window)
    assert not window.message_bar.isVisible()
