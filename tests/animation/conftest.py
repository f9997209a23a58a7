"""Fixtures for the animation tests: the window on the lesson's 6×6 grid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from animation_helpers import LESSON, check_no_timer


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, no_leftover_work: None, lesson_sample: Any) -> Iterator[Any]:
    """The main window on the lesson's 6×6 grid (synchronous recomputes, private settings).

    At teardown the window is closed and no animation timer (nor any other timer or
    convgui thread, via ``no_leftover_work``) may still be running.
    """
    from PySide6.QtCore import QSettings

    from convgui.gui.window import MainWindow
    from convgui.resources import samples
    from convgui.state import ExplorerState, SyncExecutor

    assert samples()[0] == lesson_sample  # the brief's "samples()[0]" is the lesson grid
    state = ExplorerState(SyncExecutor())
    w = MainWindow(state, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.open_sample(samples()[0])
    assert state.result is not None
    assert np.array_equal(state.engine_image(), LESSON)
    yield w
    w.close()
    check_no_timer(w)
    state.close()
