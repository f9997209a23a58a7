"""A deferred call posted by a widget is dropped when the widget is deleted before it runs.

Zero-delay single-shot timers bound to their widget (``QTimer.singleShot(0, self, f)``) are
cancelled by Qt when the widget goes; a bare callable would run on a deleted C++ object and raise.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QApplication

from convgui.gui.image_view import ImageView


def test_value_hint_after_the_view_is_deleted_does_not_raise(qtbot):
    view = ImageView()
    view._on_values_fit(True)  # posts the hint update for after the paint
    shiboken6.delete(view)  # gone before the event loop runs the posted call
    # The posted call must not reach the deleted view (pytest-qt fails on the exception).
    for _ in range(5):
        QApplication.processEvents()
        qtbot.wait(5)
