"""Small building blocks of the main window: the inline message bar and an eliding label."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget


class MessageBar(QWidget):
    """An inline, dismissable message at the top of the window (never blocks the user)."""

    COLORS: ClassVar[dict[str, str]] = {"error": "#fde2e1", "warning": "#fff4d6", "info": "#e3f0ff"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel(objectName="messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(text="✕", objectName="messageClose")
        close.setToolTip("Dismiss this message (Esc)")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.level = ""
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        """Show ``text``; ``level`` is "error", "warning" or "info"."""
        self.level = level
        self.setStyleSheet(
            f"#messageBar {{ background: {self.COLORS.get(level, '#eeeeee')}; "
            "border-bottom: 1px solid #c8c8c8; } QLabel { color: #202020; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        """The message shown."""
        return self.label.text() if self.isVisible() else ""


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when it has less room than its text.

    The whole text is its tooltip. It never asks for more width than it gets, so it cannot
    squeeze its neighbours (the status bar's pixel readout, a panel's controls).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, **kw: object) -> None:
        super().__init__(text, parent, **kw)  # type: ignore[arg-type]
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(20)

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        self.setToolTip(text)
        self.update()

    def paintEvent(self, event: object) -> None:
        from PySide6.QtGui import QPainter

        p = QPainter(self)
        r = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, r.width())
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(r, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
