"""Key routing: Space, Left, Right, Home and End drive the animation from anywhere in the window.

Space plays or pauses wherever the focus is, except where it types or chooses: a text field (a line
edit, a spin box, an open cell editor of the kernel table, an editable text box), a drop-down list
(Space opens it), or a button the user reached with Tab (Space presses it). A button that got the
focus from a mouse click gives Space to the animation: the user clicked it, then wants to play.
Left/Right/Home/End drive the animation unless the focused control uses them itself: text
fields, the kernel table, sliders, spin boxes and drop-down lists. In the kernel table (no cell
open) Space plays: a student edits a weight, presses Enter, then Space to watch; a cell opened
by Space would only be an empty editor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

ANIMATION_KEYS = (
    Qt.Key.Key_Space,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
)
#: Controls that use the arrow keys, Home and End themselves.
_MOVING_WIDGETS = (QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox)


def is_text_field(widget: QWidget) -> bool:
    """Whether typing in ``widget`` enters text (so Space is a character there)."""
    if isinstance(widget, QLineEdit | QAbstractSpinBox):
        return True
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QComboBox) and widget.isEditable()


def widget_keeps_key(widget: QWidget, key: int, *, clicked: bool = False) -> bool:
    """Whether ``key`` belongs to the focused ``widget`` rather than to the animation.

    Parameters
    ----------
    widget
        The widget with the keyboard focus.
    key
        One of :data:`ANIMATION_KEYS`.
    clicked
        The widget got the focus from a mouse click (a clicked button gives Space away).
    """
    if is_text_field(widget):
        return True
    if key == Qt.Key.Key_Space:
        if isinstance(widget, QComboBox):
            return True
        return isinstance(widget, QAbstractButton) and not clicked
    return isinstance(widget, _MOVING_WIDGETS)


class AnimationKeys(QObject):
    """An application-wide event filter giving the animation keys to ``handle``.

    Parameters
    ----------
    window
        Keys count only while this window is active and the focus is inside it.
    handle
        ``handle(key) -> bool``: apply an animation key; True when it was one.
    """

    def __init__(self, window: QWidget, handle: Callable[[int], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.handle = handle
        self._clicked: QWidget | None = None  # the widget last focused by a mouse click

    def install(self) -> None:
        """Start filtering the application's key presses."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        """Stop filtering (the window is closing)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            # The style sees the same event after the widget: only widgets count.
            if isinstance(obj, QWidget):
                mouse = event.reason() == Qt.FocusReason.MouseFocusReason
                self._clicked = obj if mouse else None
            return False
        if kind != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not self.window.isActiveWindow():
            return False
        key = event.key()
        if key not in ANIMATION_KEYS or event.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        focus = QApplication.focusWidget()
        if focus is not None:
            if focus is not self.window and not self.window.isAncestorOf(focus):
                return False
            if widget_keeps_key(focus, key, clicked=focus is self._clicked):
                return False
        return self.handle(key)
