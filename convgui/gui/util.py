"""Small Qt helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
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
