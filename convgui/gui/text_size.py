"""View ▸ Text Size: one scale factor applied to the application font, for a projector.

Every label, the kernel table and the menus follow the application font. Views that draw their
own numbers read :attr:`TextSize.scale` and listen to :attr:`TextSize.changed`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from .texts import TEXT_SCALES

#: The application property holding the font convgui found at start (scale 1.0).
_BASE_FONT = "convguiBaseFont"


def scaled_font(base: QFont, scale: float) -> QFont:
    """``base`` with its size multiplied by ``scale`` (points or pixels, as ``base`` is given)."""
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * scale)
    elif base.pixelSize() > 0:
        font.setPixelSize(max(1, round(base.pixelSize() * scale)))
    return font


class TextSize(QObject):
    """The text scale factor, in the steps of :data:`convgui.gui.texts.TEXT_SCALES`.

    Signals
    -------
    changed(float)
        The new scale, after the application font was changed.
    """

    changed = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        assert app is not None, "TextSize needs a QApplication"
        base = app.property(_BASE_FONT)
        if not isinstance(base, QFont):
            base = QFont(QApplication.font())
            app.setProperty(_BASE_FONT, base)
        self._base: QFont = base
        self._scale = 1.0
        self.apply()

    @property
    def scale(self) -> float:
        """The factor applied to the system font size (1.0: as the system sets it)."""
        return self._scale

    def set_scale(self, scale: float) -> None:
        """Apply ``scale``, clamped to the first and last step; non-finite values are ignored."""
        if not math.isfinite(scale):
            return
        scale = min(max(float(scale), TEXT_SCALES[0]), TEXT_SCALES[-1])
        if scale == self._scale:
            return
        self._scale = scale
        self.apply()
        self.changed.emit(scale)

    def larger(self) -> None:
        """The next step up (View ▸ Text Size ▸ Larger)."""
        bigger = [s for s in TEXT_SCALES if s > self._scale + 1e-9]
        if bigger:
            self.set_scale(bigger[0])

    def smaller(self) -> None:
        """The next step down (View ▸ Text Size ▸ Smaller)."""
        less = [s for s in TEXT_SCALES if s < self._scale - 1e-9]
        if less:
            self.set_scale(less[-1])

    def reset(self) -> None:
        """Back to the system size."""
        self.set_scale(1.0)

    def apply(self) -> None:
        """Set the application font for the current scale."""
        QApplication.setFont(scaled_font(self._base, self._scale))

    def release(self) -> None:
        """Give the application its original font back (when the window closes)."""
        QApplication.setFont(self._base)
