"""Remembered settings: restored exactly, and unreadable ones never stop the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from gui_helpers import (
    assert_output_is_exact,
)
from PySide6.QtCore import QSettings

from convgui.core import LayerParams, get_preset
from convgui.gui.window import MainWindow
from convgui.state import ExplorerState, SyncExecutor


def test_settings_are_remembered(
    window: MainWindow, qtbot: Any, settings_path: Path, lesson_sample: Any
) -> None:
    s = window.state
    s.set_kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0.25]])
    s.set_params(padding="valid", stride=2, pool="max", activation="relu")
    s.set_display_mode("stretch")
    s.set_value_scale("0-1")
    kernel, params = np.array(s.kernel), s.params
    window.close()
    saved = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert saved.value("geometry") and saved.value("splitter")

    state2 = ExplorerState(SyncExecutor())
    try:
        w2 = MainWindow(state2, QSettings(str(settings_path), QSettings.Format.IniFormat))
        qtbot.addWidget(w2)
        w2.restore_settings()
        w2.show()
        w2.open_sample(lesson_sample)
        assert np.array_equal(state2.kernel, kernel)
        assert state2.params == params
        assert state2.display_mode == "stretch"
        assert state2.value_scale == "0-1"
        assert not state2.can_undo  # restoring is not an edit
        assert w2.layer_panel.padding_combo.currentData() == "valid"
        assert w2.display_combo.currentData() == "stretch"
        assert_output_is_exact(w2)
        w2.close()
    finally:
        state2.close()


def test_corrupt_kernel_setting_falls_back_to_identity(
    qtbot: Any, state: ExplorerState, settings_path: Path
) -> None:
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    st.setValue("kernel", "{not json")
    st.setValue("displayMode", "sepia")
    st.sync()
    w = MainWindow(state, st)
    qtbot.addWidget(w)
    w.restore_settings()
    assert np.array_equal(state.kernel, get_preset("identity"))
    assert state.display_mode == "clip"
    assert state.params == LayerParams()
    w.close()
