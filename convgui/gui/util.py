"""Small Qt helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QMenu,
    QScrollArea,
    QScrollBar,
    QWidget,
)

#: Controls whose value the mouse wheel changes.
_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration (so updates from the state don't echo)."""
    previous = [o.blockSignals(True) for o in objects]
    try:
        yield
    finally:
        for o, was in zip(objects, previous):
            o.blockSignals(was)


class WheelGuard(QObject):
    """The mouse wheel scrolls a panel instead of changing the control under the pointer.

    Inside a scroll area, a drop-down, spin box or slider takes wheel steps only once it has
    the keyboard focus (clicked or tabbed to); otherwise the wheel scrolls the panel, so
    scrolling down a column of settings never changes one on the way. Install it on the
    application (``app.installEventFilter(guard)``).
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, _GUARDED):
            return False
        if isinstance(obj, QScrollBar):  # a scroll bar's wheel is scrolling already
            return False
        widget = obj
        if not isinstance(widget, QWidget) or widget.hasFocus():
            return False
        scroll = _scroll_area_of(widget)
        if scroll is None:
            return False
        # The control keeps its value; the scroll area scrolls as if the pointer were on it.
        QCoreApplication.sendEvent(scroll.viewport(), event)
        return True


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


#: What the status bar says when a single-kernel tool is asked for in another mode.
SWITCHED_TO_KERNEL = "{what} works on the single kernel: switched to View ▸ Single Kernel"


def to_single_kernel(window: object, what: str) -> None:
    """Show the single-kernel mode (and say so) when ``window`` shows another mode.

    A tool that reads or changes the single kernel (code export, the worksheet, the kernel
    lab's dialogs), used from the layer mode, would act on a kernel the user cannot see.
    """
    if getattr(window, "mode", "kernel") != "kernel":
        window.show_mode("kernel")  # type: ignore[attr-defined]
        window.show_message("status", SWITCHED_TO_KERNEL.format(what=what))  # type: ignore[attr-defined]


def mode_undo_actions(window: Any, state: Any, prefix: str) -> tuple[QAction, QAction]:
    """A mode's own Undo and Redo, acting on ``state`` (its ``undo()`` and ``redo()``).

    The Edit menu's Undo/Redo act on the single-kernel state: in another mode they are hidden
    (a hidden action's shortcut is off) and these, with the same keys and placed beside them in
    the menu, are shown instead. Both start hidden; ``objectName`` is ``<prefix>UndoAction``.
    """
    undo = QAction("&Undo", window, objectName=f"{prefix}UndoAction")
    undo.setShortcuts(window.undo_action.shortcuts())
    undo.triggered.connect(state.undo)
    redo = QAction("&Redo", window, objectName=f"{prefix}RedoAction")
    redo.setShortcuts(window.redo_action.shortcuts())
    redo.triggered.connect(state.redo)
    for obj in window.undo_action.associatedObjects():
        if isinstance(obj, QMenu):
            obj.insertAction(window.undo_action, undo)
            obj.insertAction(window.undo_action, redo)
    window.addAction(undo)
    window.addAction(redo)
    undo.setVisible(False)
    redo.setVisible(False)
    return undo, redo


def show_history(undo: QAction, redo: QAction, state: Any) -> None:
    """Enable and name a mode's Undo/Redo from its state's history ("Undo Edit conv1 …")."""
    undo.setEnabled(state.can_undo)
    redo.setEnabled(state.can_redo)
    undo.setText(f"&Undo {state.undo_label}" if state.can_undo else "&Undo")
    redo.setText(f"&Redo {state.redo_label}" if state.can_redo else "&Redo")
