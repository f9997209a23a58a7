"""Draw a digit with the mouse and see the 28×28 image the network reads.

:class:`DigitCanvas` is a square drawing surface over a float canvas of
:data:`~convgui.core.digits.CANVAS_SIDE` pixels (5 per MNIST pixel), white ink on black as in
MNIST, with a faint 28×28 grid so the learner sees the resolution the network reads. The pen is
soft and thick (:func:`~convgui.core.digits.stamp_segment`); each stroke is one undo step, and
so are Clear and showing a sample, so nothing drawn is lost to a slip. While the mouse draws,
every move that adds ink emits :attr:`DigitCanvas.digit_changed` with the MNIST-preprocessed
28×28 image (:func:`~convgui.core.digits.mnist_preprocess`).

:class:`DigitPanel` is what a page shows: the canvas, "Clear" and "Undo Stroke" buttons, the pen
width, and a small "The network sees" preview. Its interface is plain data (no network state
inside): ``digit_changed(object)``, :meth:`DigitPanel.set_digit`, :meth:`DigitPanel.clear`,
:meth:`DigitPanel.undo_stroke`, :meth:`DigitPanel.digit`.

Keys, only while the canvas has the keyboard focus (a click on it gives it the focus):
Ctrl+Z takes back the last stroke, Ctrl+Shift+Z (or Ctrl+Y) puts it back, Delete or Backspace
clears. The canvas claims these keys through ``ShortcutOverride`` (as a text field claims its
own Ctrl+Z), so the window's Undo and Redo (kernel edits) are not triggered from the canvas and
work everywhere else as before. A ``QShortcut`` would not do: two shortcuts on one key, active
at once, are ambiguous in Qt and neither fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QHideEvent,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..core.digits import (
    CANVAS_SIDE,
    DIGIT_SIDE,
    mnist_preprocess,
    stamp_segment,
    upscale_digit,
)

#: Pen widths (stroke diameter) in canvas pixels: 5 canvas pixels are one grid cell.
PEN_MIN, PEN_MAX, PEN_DEFAULT = 4, 30, 12
#: Width of the pen's soft rim, in canvas pixels.
PEN_SOFTNESS = 2.0
#: The smallest and the preferred side of the drawing square, in screen pixels.
CANVAS_MIN_SIDE = 200
CANVAS_PREFERRED_SIDE = 320
#: Side of the "The network sees" preview (3 screen pixels per digit pixel).
PREVIEW_SIDE = 84
#: How many steps Undo Stroke can take back.
UNDO_DEPTH = 100
#: The grid's colour: faint, but visible on black and on white ink.
GRID_COLOUR = QColor(110, 150, 220, 70)

#: What the user reads: labels, tooltips, the empty canvas's hint.
TEXTS = {
    "hint": "Draw a digit 0–9\nwith the mouse",
    "clear": "Clear",
    "clear_tip": (
        "Wipe the canvas (Delete or Backspace while the canvas has the focus). "
        "Undo Stroke brings the drawing back."
    ),
    "undo": "Undo Stroke",
    "undo_tip": (
        "Take back the last stroke, Clear or sample (Ctrl+Z while the canvas has the focus, "
        "Ctrl+Shift+Z puts it back; elsewhere these keys undo and redo kernel edits)"
    ),
    "pen": "Pen width",
    "pen_tip": (
        "Width of the pen in canvas pixels: one cell of the grid is 5 canvas pixels, "
        "one pixel of the 28×28 image the network reads"
    ),
    "sees": "The network sees",
    "sees_narrow": "The network\nsees",
    "sees_tip": (
        "Your drawing as MNIST digits were made: the ink's box scaled so its longer side is "
        "20 pixels, then moved so its centre of mass is at the centre of a 28×28 image"
    ),
    "canvas_tip": (
        "Draw with the left mouse button. The grid shows the 28×28 pixels the network reads. "
        "Ctrl+Z: undo stroke; Delete: clear"
    ),
}

#: Keys the canvas takes while it has the focus: Ctrl+Z undoes a stroke, Ctrl+Shift+Z (or
#: Ctrl+Y) redoes it, Delete/Backspace clear. Key sequences are made on first use: a standard
#: key needs the running application's platform theme.
_CLEAR_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


@cache
def _sequences() -> dict[str, tuple[QKeySequence, ...]]:
    return {
        "undo": (QKeySequence(QKeySequence.StandardKey.Undo), QKeySequence("Ctrl+Z")),
        "redo": (
            QKeySequence(QKeySequence.StandardKey.Redo),
            QKeySequence("Ctrl+Shift+Z"),
            QKeySequence("Ctrl+Y"),
        ),
    }


Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class _Step:
    """One undo step: the canvas in ``box`` before it, and the digit the network read then."""

    box: Box
    before: np.ndarray
    digit: np.ndarray


#: How far beyond the canvas a stroke is kept (more than the widest pen reaches): a pointer
#: dragged thousands of pixels away is cut here, so its ink on the canvas is the same.
STROKE_MARGIN = 64.0

Point = tuple[float, float]


def clip_segment(p0: Point, p1: Point, lo: float, hi: float) -> tuple[Point, Point] | None:
    """The part of the segment ``p0``–``p1`` inside the square ``[lo, hi]²`` (Liang–Barsky).

    None when the segment misses the square.

    Examples
    --------
    >>> clip_segment((0.0, 5.0), (100.0, 5.0), 0.0, 10.0)
    ((0.0, 5.0), (10.0, 5.0))
    >>> clip_segment((20.0, 20.0), (30.0, 20.0), 0.0, 10.0) is None
    True
    """
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - lo), (dx, hi - x0), (-dy, y0 - lo), (dy, hi - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
    if t0 > t1:
        return None
    return (x0 + t0 * dx, y0 + t0 * dy), (x0 + t1 * dx, y0 + t1 * dy)


def _gray_image(values: np.ndarray) -> QImage:
    """A 2-D array of 0–1 as a grey RGB32 QImage (a copy: it owns its pixels).

    RGB32 rather than 8-bit grey: Qt scales it smoothly about twice as fast.
    """
    grey = np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint32)
    pixels = np.ascontiguousarray(0xFF000000 | (grey << 16) | (grey << 8) | grey)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w * 4, QImage.Format.Format_RGB32).copy()


def _grid_image(side: int, ratio: float) -> QImage:
    """The faint 28×28 grid, transparent between its lines, for a square of ``side`` pixels.

    Drawn once per size and laid over the canvas: 54 translucent lines cost about 2 ms a
    paint, the ready image a tenth of that.
    """
    n = max(1, round(side * ratio))
    img = QImage(n, n, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    q = QPainter(img)
    q.setPen(GRID_COLOUR)
    for k in range(1, DIGIT_SIDE):
        v = round(k * n / DIGIT_SIDE)
        q.drawLine(v, 0, v, n - 1)
        q.drawLine(0, v, n - 1, v)
    q.end()
    img.setDevicePixelRatio(ratio)
    return img


def _key_action(event: QKeyEvent) -> str | None:
    """``"undo"``, ``"redo"``, ``"clear"`` or None for a key press the canvas handles itself."""
    combo = QKeySequence(event.keyCombination())
    for action, keys in _sequences().items():
        if any(combo.matches(k) == QKeySequence.SequenceMatch.ExactMatch for k in keys):
            return action
    plain = event.modifiers() in (
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.KeypadModifier,
    )
    if plain and event.key() in _CLEAR_KEYS:
        return "clear"
    return None


class DigitCanvas(QWidget):
    """A square canvas to draw a digit on with a soft, thick pen.

    Signals
    -------
    digit_changed(object)
        The preprocessed ``(28, 28)`` float32 image (a copy), after every change the user
        makes: each mouse move that adds ink, each :meth:`undo_stroke` or :meth:`redo_stroke`
        that changed something, a :meth:`clear` that wiped ink. :meth:`set_digit` does not emit
        it (the caller knows the digit).
    history_changed()
        Whether there is something to undo, or ink to clear, may have changed.
    """

    digit_changed = Signal(object)
    history_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitCanvas")
        self._canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.float32)
        self._digit = np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32)
        self._image = _gray_image(self._canvas)
        self._grid = QImage()
        self._grid_key: tuple[int, float] | None = None
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._pen_width = float(PEN_DEFAULT)
        # The stroke being drawn: the canvas and digit before it, the union of the boxes it
        # touched, and the last point (canvas coordinates).
        self._stroke_before: np.ndarray | None = None
        self._stroke_digit: np.ndarray | None = None
        self._stroke_box: Box | None = None
        self._last: tuple[float, float] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(CANVAS_MIN_SIDE, CANVAS_MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip(TEXTS["canvas_tip"])

    # ------------------------------------------------------------------ reading

    def canvas(self) -> np.ndarray:
        """A copy of the drawing: ``(CANVAS_SIDE, CANVAS_SIDE)`` float32 ink in 0–1."""
        return self._canvas.copy()

    def digit(self) -> np.ndarray:
        """What the network reads: ``(28, 28)`` float32 in 0–1 (a copy)."""
        return self._digit.copy()

    @property
    def pen_width(self) -> float:
        """Diameter of the pen, in canvas pixels."""
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        """Set the pen's diameter in canvas pixels (clamped to ``PEN_MIN``–``PEN_MAX``)."""
        try:
            w = float(width)
        except (TypeError, ValueError):
            return
        if not np.isfinite(w):
            return
        self._pen_width = float(min(max(w, PEN_MIN), PEN_MAX))

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo_stroke` has a step to take back."""
        return bool(self._undo)

    @property
    def has_ink(self) -> bool:
        """Whether anything is drawn."""
        return bool(self._canvas.any())

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_PREFERRED_SIDE, CANVAS_PREFERRED_SIDE)

    def minimumSizeHint(self) -> QSize:
        return QSize(CANVAS_MIN_SIDE, CANVAS_MIN_SIDE)

    def square(self) -> QRectF:
        """Where the canvas is painted in the widget: the largest centred square (whole pixels)."""
        side = max(1, min(self.width(), self.height()))
        return QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def to_canvas(self, pos: QPointF) -> tuple[float, float]:
        """A widget position as canvas index coordinates ``(x, y)`` (pixel centres at integers)."""
        sq = self.square()
        scale = CANVAS_SIDE / sq.width()
        return (pos.x() - sq.left()) * scale - 0.5, (pos.y() - sq.top()) * scale - 0.5

    # ------------------------------------------------------------------ changing

    def clear(self) -> bool:
        """Wipe the canvas (one undo step). Returns False when it was already empty."""
        self._end_stroke()
        if not self.has_ink:
            return False
        self._push(_Step((0, CANVAS_SIDE, 0, CANVAS_SIDE), self._canvas.copy(), self._digit))
        self._canvas[:] = 0.0
        self._digit = np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32)
        self._changed(emit=True)
        return True

    def undo_stroke(self) -> bool:
        """Take back the last stroke (or Clear, or sample). Returns False with nothing to undo."""
        self._end_stroke()
        if not self._undo:
            return False
        self._redo.append(self._restore(self._undo.pop()))
        self._changed(emit=True)
        return True

    def redo_stroke(self) -> bool:
        """Put back the step :meth:`undo_stroke` took back. Returns False with nothing to redo."""
        self._end_stroke()
        if not self._redo:
            return False
        self._undo.append(self._restore(self._redo.pop()))
        self._changed(emit=True)
        return True

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo_stroke` has a step to put back."""
        return bool(self._redo)

    def set_digit(self, digit: np.ndarray) -> None:
        """Show a 28×28 digit (0–1, white on black) on the canvas, to look at or draw over.

        One undo step (Undo Stroke brings the previous drawing back), none when the digit is
        already shown. The network reads the digit itself until the user draws over it. Does
        not emit :attr:`digit_changed`.

        Raises
        ------
        ValueError
            For anything but a ``(28, 28)`` array of finite numbers.
        """
        arr = np.asarray(digit)
        if arr.shape != (DIGIT_SIDE, DIGIT_SIDE):
            raise ValueError(
                f"a digit must be a {DIGIT_SIDE}×{DIGIT_SIDE} image, got shape {arr.shape}"
            )
        big = upscale_digit(arr)  # checks the values; 0–1 (uint8 read as 0–255)
        small = upscale_digit(arr, factor=1)  # the digit as given, clipped to 0–1
        self._end_stroke()
        if np.array_equal(big, self._canvas) and np.array_equal(small, self._digit):
            return  # already shown: no undo step that would change nothing
        self._push(_Step((0, CANVAS_SIDE, 0, CANVAS_SIDE), self._canvas.copy(), self._digit))
        self._canvas[:] = big
        self._digit = small
        self._changed(emit=False)

    # ------------------------------------------------------------------ internals

    def _push(self, step: _Step) -> None:
        """Record a new change: it can be undone, and what was undone before is gone."""
        self._undo.append(step)
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def _restore(self, step: _Step) -> _Step:
        """Put ``step``'s pixels and digit back; returns the step that reverses this."""
        top, bottom, left, right = step.box
        now = _Step(step.box, self._canvas[top:bottom, left:right].copy(), self._digit)
        self._canvas[top:bottom, left:right] = step.before
        self._digit = step.digit
        return now

    def _changed(self, *, emit: bool) -> None:
        self._image = _gray_image(self._canvas)
        self.update()
        self.history_changed.emit()
        if emit:
            self.digit_changed.emit(self._digit.copy())

    def _stamp(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        """Draw one segment of the stroke; recompute and emit the digit when ink was added."""
        if not all(np.isfinite(v) for v in (*p0, *p1)):
            return
        clipped = clip_segment(p0, p1, -STROKE_MARGIN, CANVAS_SIDE - 1 + STROKE_MARGIN)
        if clipped is None:
            return  # far outside the canvas: no ink could reach it
        p0, p1 = clipped
        before = self._canvas.copy()
        box = stamp_segment(self._canvas, p0, p1, radius=self._pen_width / 2, softness=PEN_SOFTNESS)
        top, bottom, left, right = box
        if top == bottom or left == right:
            return
        if np.array_equal(before[top:bottom, left:right], self._canvas[top:bottom, left:right]):
            return
        if self._stroke_box is None:
            self._stroke_box = box
        else:
            t, b, lf, r = self._stroke_box
            self._stroke_box = (min(t, top), max(b, bottom), min(lf, left), max(r, right))
        self._digit = mnist_preprocess(self._canvas)
        self._image = _gray_image(self._canvas)
        self.update()
        self.digit_changed.emit(self._digit.copy())

    def _end_stroke(self) -> None:
        """Finish the stroke being drawn: one undo step if it added ink."""
        before, digit, box = self._stroke_before, self._stroke_digit, self._stroke_box
        self._stroke_before = self._stroke_digit = self._stroke_box = None
        self._last = None
        if before is None or digit is None or box is None:
            return
        top, bottom, left, right = box
        self._push(_Step(box, before[top:bottom, left:right].copy(), digit))
        self.history_changed.emit()

    # ------------------------------------------------------------------ Qt events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._end_stroke()
        self._stroke_before = self._canvas.copy()
        self._stroke_digit = self._digit
        p = self.to_canvas(event.position())
        self._last = p
        self._stamp(p, p)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is None or not event.buttons() & Qt.MouseButton.LeftButton:
            super().mouseMoveEvent(event)
            return
        p = self.to_canvas(event.position())
        self._stamp(self._last, p)
        self._last = p
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._last is None:
            super().mouseReleaseEvent(event)
            return
        p = self.to_canvas(event.position())
        self._stamp(self._last, p)
        self._end_stroke()
        event.accept()

    def event(self, event: QEvent) -> bool:
        # Claim Ctrl+Z, Ctrl+Shift+Z, Delete and Backspace before the window's shortcuts see them.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and _key_action(event) is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = _key_action(event)
        if action == "undo":
            self.undo_stroke()
        elif action == "redo":
            self.redo_stroke()
        elif action == "clear":
            self.clear()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def hideEvent(self, event: QHideEvent) -> None:
        self._end_stroke()  # a stroke cut short by hiding the page is still one undo step
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        sq = self.square()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(sq, self._image)
        # The 28×28 grid the network reads.
        key = (round(sq.width()), self.devicePixelRatioF())
        if self._grid_key != key:
            self._grid, self._grid_key = _grid_image(*key), key
        p.drawImage(sq.topLeft(), self._grid)
        # Frame: the highlight colour while the canvas has the keyboard focus (its keys work).
        focused = self.hasFocus()
        frame = QPen(
            self.palette().color(QPalette.ColorRole.Highlight)
            if focused
            else self.palette().color(QPalette.ColorRole.Mid)
        )
        frame.setWidthF(2.0 if focused else 1.0)
        p.setPen(frame)
        p.drawRect(sq.adjusted(0.5, 0.5, -0.5, -0.5))
        if not self.has_ink:
            p.setPen(QColor(170, 170, 170))
            p.drawText(sq, Qt.AlignmentFlag.AlignCenter, TEXTS["hint"])
        p.end()


class DigitPreview(QWidget):
    """The 28×28 image the network reads, drawn with square pixels (nearest neighbour)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitPreview")
        self._image = _gray_image(np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32))
        self.setFixedSize(PREVIEW_SIDE + 2, PREVIEW_SIDE + 2)

    def set_digit(self, digit: np.ndarray) -> None:
        """Show ``digit`` (28×28, 0–1)."""
        self._image = _gray_image(np.asarray(digit, dtype=np.float32))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(QRectF(1, 1, PREVIEW_SIDE, PREVIEW_SIDE), self._image)
        p.setPen(self.palette().color(QPalette.ColorRole.Mid))
        p.drawRect(0, 0, PREVIEW_SIDE + 1, PREVIEW_SIDE + 1)
        p.end()


class DigitPanel(QWidget):
    """The digit canvas with Clear, Undo Stroke, the pen width and a "The network sees" preview.

    Signals
    -------
    digit_changed(object)
        The preprocessed ``(28, 28)`` float32 digit, live while drawing (see
        :attr:`DigitCanvas.digit_changed`).
    """

    digit_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitPanel")
        self.canvas = DigitCanvas(self)
        self.preview = DigitPreview(self)
        self.preview.setToolTip(TEXTS["sees_tip"])

        self.clear_button = QPushButton(TEXTS["clear"], self)
        self.clear_button.setObjectName("digitClearButton")
        self.clear_button.setToolTip(TEXTS["clear_tip"])
        self.undo_button = QPushButton(TEXTS["undo"], self)
        self.undo_button.setObjectName("digitUndoButton")
        self.undo_button.setToolTip(TEXTS["undo_tip"])
        for b in (self.clear_button, self.undo_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus on the canvas

        self.pen_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.pen_slider.setObjectName("digitPenSlider")
        self.pen_slider.setRange(PEN_MIN, PEN_MAX)
        self.pen_slider.setValue(PEN_DEFAULT)
        self.pen_slider.setToolTip(TEXTS["pen_tip"])
        self.pen_slider.setMinimumWidth(80)
        pen_label = QLabel(TEXTS["pen"], self)
        pen_label.setToolTip(TEXTS["pen_tip"])
        pen_label.setBuddy(self.pen_slider)
        self.pen_value = QLabel(self)
        self.pen_value.setToolTip(TEXTS["pen_tip"])
        sees = QLabel(TEXTS["sees"], self)
        sees.setToolTip(TEXTS["sees_tip"])
        sees.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.sees_label = sees

        # Three arrangements (see _arrange): the controls in a row below the canvas, or in
        # a column beside it when the panel is wide (whichever leaves the larger drawing
        # square), or, when the panel is narrow, below it with the buttons stacked and the pen
        # width's label above its slider, so the panel is never much wider than the canvas.
        self._buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._buttons.addWidget(self.clear_button)
        self._buttons.addWidget(self.undo_button)
        self._pen_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._pen_row.addWidget(pen_label)
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.pen_slider, 1)
        slider_row.addWidget(self.pen_value)
        self._pen_row.addLayout(slider_row, 1)
        self._tools = QVBoxLayout()
        self._tools.addLayout(self._buttons)
        self._tools.addLayout(self._pen_row)
        self._tools.addStretch(1)
        self._seen = QVBoxLayout()
        self._seen.setSpacing(2)
        self._seen.addWidget(sees, 0, Qt.AlignmentFlag.AlignHCenter)
        self._seen.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        self._controls = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._controls.addLayout(self._tools, 1)
        self._controls.addSpacing(8)
        self._controls.addLayout(self._seen, 0)
        self._controls.addStretch(0)
        self._outer = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(self.canvas, 1)
        self._outer.addLayout(self._controls, 0)
        self._beside = False
        self._narrow = False

        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self.pen_slider.valueChanged.connect(self._on_pen_changed)
        self.canvas.digit_changed.connect(self._on_digit_changed)
        self.canvas.history_changed.connect(self._update_buttons)
        self._on_pen_changed(self.pen_slider.value())
        self._update_buttons()

    @property
    def controls_beside(self) -> bool:
        """Whether the controls are in a column beside the canvas (else below it)."""
        return self._beside

    @property
    def controls_narrow(self) -> bool:
        """Whether the controls below the canvas are stacked (a narrow panel)."""
        return self._narrow

    def _control_sizes(self) -> tuple[int, int, int, int, int]:
        """Sizes of the controls in each arrangement, in pixels.

        Returns the height and width of the row below the canvas, the height and width of
        the stacked controls below a narrow canvas, and the width of the column beside it.
        """
        sp = max(0, self._tools.spacing())
        csp = max(0, self._controls.spacing())
        clear, undo = self.clear_button.sizeHint(), self.undo_button.sizeHint()
        label = self._pen_row.itemAt(0).sizeHint()
        slider = self._pen_row.itemAt(1).minimumSize()
        fm = self.sees_label.fontMetrics()
        lines = TEXTS["sees_narrow"].split("\n")
        seen_w = max(PREVIEW_SIDE + 2, fm.horizontalAdvance(TEXTS["sees"]))
        seen_narrow_w = max(PREVIEW_SIDE + 2, *(fm.horizontalAdvance(t) for t in lines))
        seen_h = fm.height() + 2 + PREVIEW_SIDE + 2
        button_h = max(clear.height(), undo.height())
        below_h = max(button_h + sp + max(label.height(), slider.height()), seen_h)
        tools_w = max(clear.width() + sp + undo.width(), label.width() + sp + slider.width())
        below_w = tools_w + csp + 8 + seen_w
        column_w = max(clear.width(), undo.width(), label.width(), slider.width())
        narrow_h = max(
            2 * button_h + 3 * sp + label.height() + slider.height(),
            seen_h + (len(lines) - 1) * fm.height(),
        )
        narrow_w = column_w + csp + 8 + seen_narrow_w
        beside_w = max(column_w, label.width() + sp + slider.width(), seen_w)
        return below_h, below_w, narrow_h, narrow_w, beside_w

    def minimumSizeHint(self) -> QSize:
        # The stacked controls under the canvas: the narrowest the panel can be.
        _, _, narrow_h, narrow_w, _ = self._control_sizes()
        gap = max(0, self._outer.spacing())
        return QSize(max(CANVAS_MIN_SIDE, narrow_w), CANVAS_MIN_SIDE + gap + narrow_h)

    def _arrange(self) -> None:
        """Put the controls where they leave the larger square for the canvas."""
        below_h, below_w, narrow_h, _, beside_w = self._control_sizes()
        gap = max(0, self._outer.spacing())
        w, h = self.width(), self.height()
        # Stacked when the row of controls would not fit under the canvas.
        narrow = w < below_w + (4 if self._narrow else 0)
        square_below = min(w, h - (narrow_h if narrow else below_h) - gap)
        square_beside = min(w - beside_w - gap, h)
        # A few pixels of hysteresis, so a panel at the tipping size does not flip back.
        margin = 8 if self._beside else -8
        beside = square_beside + margin > square_below
        narrow = narrow and not beside
        if (beside, narrow) == (self._beside, self._narrow):
            return
        self._beside, self._narrow = beside, narrow
        self.sees_label.setText(TEXTS["sees_narrow"] if narrow else TEXTS["sees"])
        self._pen_row.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )
        stacked = beside or narrow
        self._buttons.setDirection(
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )
        if beside:
            self._outer.setDirection(QBoxLayout.Direction.LeftToRight)
            self._controls.setDirection(QBoxLayout.Direction.TopToBottom)
            self._controls.setStretch(0, 0)
            self._controls.setStretch(3, 1)  # the column's spare room goes below it
        else:
            self._outer.setDirection(QBoxLayout.Direction.TopToBottom)
            self._controls.setDirection(QBoxLayout.Direction.LeftToRight)
            self._controls.setStretch(0, 1)
            self._controls.setStretch(3, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    # The plain-data interface of the page.

    def digit(self) -> np.ndarray:
        """What the network reads: ``(28, 28)`` float32 in 0–1 (a copy)."""
        return self.canvas.digit()

    def set_digit(self, digit: np.ndarray) -> None:
        """Show a 28×28 digit on the canvas (an undo step unless already shown; no signal).

        See :meth:`DigitCanvas.set_digit`.
        """
        self.canvas.set_digit(digit)
        self.preview.set_digit(self.canvas.digit())

    def clear(self) -> bool:
        """Wipe the canvas (an undo step); emits :attr:`digit_changed` when ink was wiped."""
        return self.canvas.clear()

    def undo_stroke(self) -> bool:
        """Take back the last stroke; emits :attr:`digit_changed`. False with nothing to undo."""
        return self.canvas.undo_stroke()

    # Handlers.

    def _on_clear_clicked(self) -> None:
        self.canvas.clear()
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_undo_clicked(self) -> None:
        self.canvas.undo_stroke()
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_pen_changed(self, value: int) -> None:
        self.canvas.set_pen_width(value)
        self.pen_value.setText(str(value))

    def _on_digit_changed(self, digit: np.ndarray) -> None:
        self.preview.set_digit(digit)
        self.digit_changed.emit(digit)

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self.canvas.can_undo)
        self.clear_button.setEnabled(self.canvas.has_ink)
        self.preview.set_digit(self.canvas.digit())


__all__ = [
    "CANVAS_MIN_SIDE",
    "CANVAS_SIDE",
    "PEN_DEFAULT",
    "PEN_MAX",
    "PEN_MIN",
    "PEN_SOFTNESS",
    "STROKE_MARGIN",
    "TEXTS",
    "DigitCanvas",
    "DigitPanel",
    "DigitPreview",
    "clip_segment",
]
