"""The actions table: menus, shortcuts, undo/redo keys, samples, reset layer, text size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, choose, step_spin
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow

from convgui.core import LayerParams, get_preset
from convgui.gui.actions import ActionSpec, action_table, build_actions, resolve
from convgui.gui.window import MainWindow
from convgui.resources import samples
from convgui.state import ExplorerState, SyncExecutor


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
    acts = [a for a in window.samples_menu.actions() if a.objectName().startswith("sample_")]
    assert [a.text() for a in acts] == [s.title for s in samples()]
    # The image samples come first; the digits network (a feature's entry) after them.
    titles = [a.text() for a in window.samples_menu.actions() if a.text()]
    assert titles[: len(acts)] == [s.title for s in samples()]
    assert titles[len(acts) :] == ["&Digits Network"]
    scene = next(a for a in acts if a.text().startswith("Scene"))
    with qtbot.waitSignal(window.output_painted, timeout=5000):
        scene.trigger()
    assert window.state.doc.shape == (384, 512)
    assert_output_is_exact(window)


# --- the table ------------------------------------------------------------------------------

SK = QKeySequence.StandardKey
#: Every action the tests and users find by name, with the shortcuts it had before the table.
EXISTING = {
    "openAction": SK.Open,
    "saveOutputAction": SK.Save,
    "saveNpyAction": ["Ctrl+Shift+S"],
    "copyOutputAction": ["Ctrl+Shift+C"],
    "openKernelAction": ["Ctrl+Shift+O"],
    "saveKernelAction": ["Ctrl+Shift+K"],
    "quitAction": ["Ctrl+Q"],  # the platform binding is empty without a desktop theme
    "undoAction": SK.Undo,
    "redoAction": ["Ctrl+Shift+Z", "Ctrl+Y"],
    "exportGifAction": [],
    "exportFramesAction": [],
    "lessonAction": SK.HelpContents,
    "normalizeAction": ["Ctrl+Alt+N"],
    "resetKernelAction": ["Ctrl+Alt+R"],
    "zoomInAction": SK.ZoomIn,
    "fitAction": ["Ctrl+0"],
}


def keys_of(act: QAction) -> list[str]:
    return [s.toString() for s in act.shortcuts() if not s.isEmpty()]


def want_keys(spec: Any) -> list[str]:
    if isinstance(spec, list):
        return spec
    primary = QKeySequence(spec)  # as before the table: the platform's primary binding
    return [primary.toString()] if not primary.isEmpty() else []


def test_the_table_builds_every_existing_action_and_shortcut(qtbot: Any) -> None:
    host = QMainWindow()  # no convgui window: the table builds on any main window
    qtbot.addWidget(host)
    built = build_actions(host)
    for name, spec in EXISTING.items():
        act = host.findChild(QAction, name)
        assert act is not None, name
        assert act is built.actions[name]
        assert keys_of(act) == want_keys(spec), name
    samples_menu = built.menus["&Samples"]
    sample_keys = [keys_of(a) for a in samples_menu.actions()]
    assert sample_keys[:3] == [["Ctrl+1"], ["Ctrl+2"], ["Ctrl+3"]]
    texts = [a.text() for a in host.menuBar().actions()]
    assert texts == [
        "&File",
        "&Edit",
        "&Kernel",
        "&Layer",
        "&Samples",
        "&View",
        "&Animation",
        "&Network",
        "&Help",
    ]
    assert host.open_action is built.actions["openAction"]  # type: ignore[attr-defined]


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    owner: dict[str, str] = {}
    for act in window.findChildren(QAction):
        for key in keys_of(act):
            assert key not in owner, f"{key} is both {owner[key]} and {act.objectName()}"
            owner[key] = act.objectName()
    assert owner["Ctrl+="] == "textLargerAction"
    assert owner["Ctrl+-"] == "textSmallerAction"


def test_every_table_entry_has_a_unique_id_and_a_callback_that_resolves(
    window: MainWindow,
) -> None:
    specs = [e for e in action_table() if isinstance(e, ActionSpec)]
    ids = [s.id for s in specs]
    assert len(ids) == len(set(ids))
    for s in specs:
        if isinstance(s.callback, str):
            assert callable(resolve(window, s.callback)), s.id


def test_stop_says_what_it_does(window: MainWindow) -> None:
    stop = window.findChild(QAction, "stopAction")
    assert stop.text().replace("&", "") == "Stop: Show the Whole Output"
    assert stop.toolTip() == "Stop: show the whole output"
    assert window.anim_bar.stop_btn.toolTip() == "Stop: show the whole output"


# --- Layer ▸ Reset Layer Settings ------------------------------------------------------------


def test_reset_layer_settings_is_one_undo_step(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    window.activateWindow()
    s.apply_preset("lesson")
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    step_spin(qtbot, window.layer_panel.stride_spin)
    choose(qtbot, window.layer_panel.pool_combo, "max")
    changed, kernel = s.params, np.array(s.kernel)
    assert changed != LayerParams()
    window.findChild(QAction, "resetLayerAction").trigger()
    assert s.params == LayerParams()
    assert np.array_equal(s.kernel, kernel)  # the kernel is not a layer setting
    assert window.layer_panel.padding_combo.currentData() == "same"
    assert window.layer_panel.stride_spin.value() == 1
    assert_output_is_exact(window)
    assert window.undo_action.text() == "&Undo Reset layer settings"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.params == changed  # one Ctrl+Z brings every setting back
    assert window.layer_panel.pool_combo.currentData() == "max"
    assert_output_is_exact(window)


# --- View ▸ Text Size -------------------------------------------------------------------------


def test_text_size_keys_scale_the_application_font_and_are_remembered(
    window: MainWindow, qtbot: Any, settings_path: Path
) -> None:
    base = QApplication.font().pointSizeF()
    assert base > 0
    window.activateWindow()
    ctrl = Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(window.text_scale_changed, timeout=2000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Equal, ctrl)
    assert blocker.args == [1.15]
    assert window.text_scale == 1.15
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.15)
    # Every label, the kernel table and the menus follow (once Qt delivered the font change).
    for w in (window.info_label, window.kernel_panel.table, window.menuBar()):
        qtbot.waitUntil(
            lambda w=w: w.font().pointSizeF() == pytest.approx(base * 1.15), timeout=2000
        )
    qtbot.keyClick(window, Qt.Key.Key_Equal, ctrl)
    assert window.text_scale == 1.3
    qtbot.keyClick(window, Qt.Key.Key_Minus, ctrl)
    assert window.text_scale == 1.15
    window.close()
    assert QApplication.font().pointSizeF() == pytest.approx(base)  # given back on close

    state2 = ExplorerState(SyncExecutor())
    try:
        w2 = MainWindow(state2, QSettings(str(settings_path), QSettings.Format.IniFormat))
        qtbot.addWidget(w2)
        w2.restore_settings()
        assert w2.text_scale == 1.15
        assert QApplication.font().pointSizeF() == pytest.approx(base * 1.15)
        w2.findChild(QAction, "textResetAction").trigger()
        assert w2.text_scale == 1.0
        assert QApplication.font().pointSizeF() == pytest.approx(base)
        w2.close()
    finally:
        state2.close()


def test_text_size_stops_at_its_limits(window: MainWindow) -> None:
    ts = window.text_size
    for _ in range(20):
        ts.larger()
    assert ts.scale == 3.0
    for _ in range(20):
        ts.smaller()
    assert ts.scale == 0.8
    ts.set_scale(float("nan"))
    assert ts.scale == 0.8
