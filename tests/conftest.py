"""Test configuration shared by every test: headless Qt, and no thread or timer left behind."""

from __future__ import annotations

import os
import threading
import traceback
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Set before anything imports Qt, so tests run on a machine with no screen.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

#: Threads of the engine's process-wide pool (``convgui.core.convolve``): created once and
#: kept for the life of the process by design, so they are not a leak.
PERSISTENT_THREAD_PREFIXES = ("convgui-core",)


def _convgui_threads() -> set[threading.Thread]:
    return {
        t
        for t in threading.enumerate()
        if t.name.startswith("convgui-") and not t.name.startswith(PERSISTENT_THREAD_PREFIXES)
    }


@pytest.fixture
def no_leftover_work(monkeypatch: pytest.MonkeyPatch, qtbot: Any) -> Iterator[None]:
    """Fail the test if it leaves a QTimer, a QThread or a ``convgui-*`` thread running.

    In the spirit of napari's ``_dangling_qtimers``/``_dangling_qthreads``: ``QTimer.start``,
    ``QTimer.singleShot`` and ``QThread.start`` are wrapped to remember where each was started.
    Single-shot timers get a short grace period to fire (they cannot be stopped by their owner).
    """
    from PySide6.QtCore import QThread, QTimer

    timers: weakref.WeakKeyDictionary[QTimer, str] = weakref.WeakKeyDictionary()
    threads: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    single_shots: list[tuple[QTimer, str]] = []
    base_timer_start = QTimer.start
    base_thread_start = QThread.start
    base_single_shot = QTimer.singleShot

    def timer_start(self: QTimer, *args: Any) -> None:
        timers[self] = "".join(traceback.format_stack(limit=8)[:-1])
        base_timer_start(self, *args)

    def thread_start(self: QThread, *args: Any) -> None:
        threads[self] = "".join(traceback.format_stack(limit=8)[:-1])
        base_thread_start(self, *args)

    def single_shot(msec: int, *args: Any) -> None:
        if len(args) != 1 or not callable(args[0]):
            base_single_shot(msec, *args)  # receiver/slot overloads: not used by convgui
            return
        t = QTimer()
        t.setSingleShot(True)
        t.timeout.connect(args[0])
        single_shots.append((t, "".join(traceback.format_stack(limit=8)[:-1])))
        base_timer_start(t, msec)

    before = _convgui_threads()
    monkeypatch.setattr(QTimer, "start", timer_start)
    monkeypatch.setattr(QThread, "start", thread_start)
    monkeypatch.setattr(QTimer, "singleShot", staticmethod(single_shot))
    yield
    # Let pending single shots (a first-paint check, a status-bar timeout) fire first.
    qtbot.waitUntil(lambda: not any(t.isActive() for t, _ in single_shots), timeout=2000)
    problems = [f"QTimer still active, started at:\n{s}" for t, s in timers.items() if t.isActive()]
    problems += [
        f"QThread still running, started at:\n{s}" for t, s in threads.items() if t.isRunning()
    ]
    leftover = _convgui_threads() - before
    problems += [f"thread {t.name!r} still alive" for t in leftover if t.is_alive()]
    for t, _ in timers.items():
        t.stop()
    if problems:
        pytest.fail("Work left running after the test:\n" + "\n".join(problems))


@pytest.fixture
def state(qapp: Any) -> Iterator[Any]:
    """An ExplorerState whose every recompute runs synchronously; closed at teardown."""
    from convgui.state import ExplorerState, SyncExecutor

    s = ExplorerState(SyncExecutor())
    yield s
    s.close()


@pytest.fixture
def lesson_sample() -> Any:
    """The lesson's 6×6 grid sample."""
    from convgui.resources import samples

    return next(s for s in samples() if s.file.startswith("lesson"))


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    """A private settings file for one test."""
    return tmp_path / "s.ini"


@pytest.fixture
def window(qtbot: Any, state: Any, settings_path: Path, lesson_sample: Any) -> Iterator[Any]:
    """The main window on the lesson's 6×6 sample, shown offscreen, with private settings."""
    from PySide6.QtCore import QSettings

    from convgui.gui.window import MainWindow

    w = MainWindow(state, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.open_sample(lesson_sample)
    assert state.result is not None
    yield w
    w.close()


#: Folders whose every test must leave no timer or thread running.
_LEAK_CHECKED = ("state", "gui")


@pytest.fixture(autouse=True)
def _leak_check_in_qt_folders(request: pytest.FixtureRequest) -> None:
    """Apply :func:`no_leftover_work` to every test under ``tests/state`` and ``tests/gui``."""
    here = Path(__file__).parent
    path = Path(str(request.node.path))
    if any(path.is_relative_to(here / d) for d in _LEAK_CHECKED):
        request.getfixturevalue("no_leftover_work")
