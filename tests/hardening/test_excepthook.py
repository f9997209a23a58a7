"""An exception escaping a slot is logged and shown; the app and its state carry on."""

import logging
import sys
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication, QMessageBox

from convgui import errors


def test_hook_logs_shows_details_and_keeps_running(qtbot, tmp_path: Path, caplog) -> None:
    hook = errors.ExceptionHook(parent=None, log_file=tmp_path / "convgui.log")
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    with caplog.at_level(logging.ERROR, logger="convgui"):
        hook(exc_type, exc, tb)
    assert hook.count == 1
    assert "boom in a slot" in caplog.text and "Traceback" in caplog.text
    box = hook.last_dialog
    assert isinstance(box, QMessageBox)
    qtbot.addWidget(box)
    assert box.isVisible() and not box.isModal()  # never blocks the window
    assert "RuntimeError: boom in a slot" in box.text()
    assert "still running" in box.text() and str(tmp_path / "convgui.log") in box.text()
    assert "raise RuntimeError" in box.detailedText()  # the details to copy
    box.close()


def test_an_exception_in_a_slot_leaves_the_window_state_intact(window, qtbot, monkeypatch) -> None:
    before_kernel = window.state.kernel.copy()
    before_result = window.state.result

    def broken(*args: object) -> None:
        raise ValueError("a bug in a handler")

    monkeypatch.setattr(window, "_on_hover", broken)
    window.input_view.hovered.disconnect()
    window.input_view.hovered.connect(window._on_hover)
    with qtbot.captureExceptions() as raised:
        window.input_view.hovered.emit(1.0, 1.0)
    assert len(raised) == 1 and raised[0][0] is ValueError
    assert np.array_equal(window.state.kernel, before_kernel)
    assert window.state.result is before_result
    window.state.apply_preset("box_blur")  # and it still works
    assert window.state.result is not before_result


def test_a_repeating_error_opens_one_dialog_and_counts(qtbot, monkeypatch) -> None:
    from convgui.errors import ExceptionHook

    monkeypatch.delenv("CONVGUI_NO_DIALOGS", raising=False)
    hook = ExceptionHook(None, None)
    for _ in range(5):
        try:
            raise ValueError("every tick")
        except ValueError as exc:
            hook(type(exc), exc, exc.__traceback__)
    first = hook.last_dialog
    assert first is not None and first.isVisible()
    assert hook.count == 5 and hook.repeated == 4
    assert "5 times" in first.informativeText()
    assert (
        len(
            [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()
            ]
        )
        == 1
    )
    first.close()
