"""The actions table: menus, shortcuts, undo/redo keys, samples, reset layer, text size."""

from __future__ import annotations

from typing import Any

import numpy as np
from gui_helpers import (
    assert_output_is_exact,
    choose,
)
from PySide6.QtCore import Qt

from convgui.core import get_preset
from convgui.gui.window import MainWindow
from convgui.resources import samples


def test_undo_redo_keys(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    window.activateWindow()
    choose(qtbot, window.kernel_panel.preset_combo, "sharpen")
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    ctrl = Qt.KeyboardModifier.ControlModifier
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert s.params.padding == "same"
    assert window.layer_panel.padding_combo.currentData() == "same"
    assert np.array_equal(s.kernel, get_preset("sharpen"))
    assert_output_is_exact(window)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert np.array_equal(s.kernel, get_preset("identity"))
    assert not window.undo_action.isEnabled()
    assert_output_is_exact(window)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl | shift)
    assert np.array_equal(s.kernel, get_preset("sharpen"))
    assert window.redo_action.text() == "&Redo Change padding"
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl | shift)
    assert s.params.padding == "valid"
    assert window.layer_panel.padding_combo.currentData() == "valid"
    assert assert_output_is_exact(window).shape == (4, 4)
    assert not window.redo_action.isEnabled()


def test_samples_menu(window: MainWindow, qtbot: Any) -> None:
    acts = [a for a in window.samples_menu.actions() if a.text()]
    assert [a.text() for a in acts] == [s.title for s in samples()]
    scene = next(a for a in acts if a.text().startswith("Scene"))
    with qtbot.waitSignal(window.output_painted, timeout=5000):
        scene.trigger()
    assert window.state.doc.shape == (384, 512)
    assert_output_is_exact(window)
