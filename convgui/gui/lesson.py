"""Help ▸ Lesson: a guided tour of the lesson's story, one step at a time, in the window itself.

The steps are data (:data:`STEPS`); :class:`LessonTour` runs them against a small
:class:`TourHost` protocol, never the window's private members. The user's image, kernel,
settings and undo history are saved when the tour starts and put back exactly when it closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..core import LayerParams, get_preset
from ..state import ExplorerState, Session
from .animation import AnimationController

#: Names of the parts of the window a step can point at.
TARGETS = ("input", "kernel", "layer", "arithmetic", "output", "pooled")


class TourHost(Protocol):
    """What the tour needs of the window."""

    state: ExplorerState
    anim: AnimationController

    def open_lesson_sample(self) -> None:
        """Show the lesson's 6×6 grid on 0–255 in grey."""

    def fit_views(self) -> None:
        """Zoom the views so the whole image shows."""

    def tour_target(self, name: str) -> QWidget | None:
        """The widget for one of :data:`TARGETS` (scrolled into view), or None."""

    def tour_parent(self) -> QWidget:
        """The widget the highlight frame is drawn over."""

    def add_tour_panel(self, panel: QWidget) -> None:
        """Place the tour's panel in the window."""

    def show_controls(self, on: bool) -> None:
        """Show or hide the kernel and layer controls (hidden: the pictures get their room)."""


@dataclass(frozen=True)
class Step:
    """One step of the tour: what it says, what it sets up, what it points at."""

    title: str
    text: str
    target: str
    layer: dict[str, Any] = field(default_factory=lambda: {"padding": "same"})
    #: Output (or pooled) position to show, or None for the whole output, window hidden.
    at: tuple[int, int] | None = None
    stage: str = "conv"
    play: bool = False
    #: The padding cells are shown as "?" (the edge question).
    question: bool = False
    #: The output is covered past the position (filling in); False shows it whole.
    fill: bool = True


STEPS: tuple[Step, ...] = (
    Step(
        "A greyscale image is a grid of numbers",
        "This 6×6 image is what the computer sees: one number per pixel, from 0 (black) to "
        "255 (white). The numbers are written in the cells.",
        "input",
    ),
    Step(
        "The kernel",
        "A convolutional layer has a small grid of numbers called the kernel (or filter). "
        "This one is 3×3. You can type into its cells at any time.",
        "kernel",
    ),
    Step(
        "Multiply and sum",
        "Centre the kernel on the pixel with value 25 (row 2, column 3). Multiply each "
        "pixel under the kernel by the weight above it: 2×1, 5×2, 4×1, … and add them all "
        "up: 198. That is the output pixel at the same place.",
        "arithmetic",
        at=(2, 3),
    ),
    Step(
        "What about the edge pixels?",
        "Centre the kernel on the corner pixel and five of its nine cells hang outside "
        "the image (marked ?). There are no pixels there to multiply, so the output pixel "
        "is still unknown. What should the layer do?",
        "input",
        layer={"padding": "same", "boundary": "zero"},
        at=(0, 0),
        question=True,
    ),
    Step(
        "Option 1: ignore them (“valid”)",
        "Only positions where the kernel fits completely are computed. The output shrinks "
        "to 4×4 and the border is lost: (6 + 0 + 0 − 3)/1 + 1 = 4.",
        "layer",
        layer={"padding": "valid"},
        at=(0, 0),
        fill=False,
    ),
    Step(
        "Option 2: zero padding (“same”)",
        "Add a ring of zeros around the image (shown in blue). Now the corner has a full "
        "window: 0×1 + 0×2 + … + 2×4 + 3×2 + 2×2 + 4×1 = 22, and the output keeps its 6×6 "
        "size.",
        "arithmetic",
        layer={"padding": "same", "boundary": "zero"},
        at=(0, 0),
    ),
    Step(
        "Slide over the whole image",
        "The kernel moves one pixel at a time, row by row, and every position fills one "
        "output pixel. Use Space to pause, Left/Right to step, and click any output pixel "
        "to see its arithmetic.",
        "output",
        layer={"padding": "same", "boundary": "zero"},
        play=True,
    ),
    Step(
        "Why do the outputs pass 255?",
        "This kernel's weights add up to 1+2+1+2+4+2+1+2+1 = 16, so a flat patch of 100 "
        "becomes 1600: outputs reach far beyond 255 and show as white (“clipped”). Dividing "
        "by 16 (the Divisor, or Kernel ▸ Normalize) makes the weights sum to 1: the output "
        "is a blur of the image on the same 0–255 scale. Here the divisor is 16.",
        "output",
        layer={"padding": "same", "boundary": "zero", "divisor": 16.0},
        at=(2, 3),
        fill=False,
    ),
    Step(
        "Max pooling",
        "Max pooling shrinks the result: each 2×2 window of the output keeps only its "
        "largest value (the gold square), so 6×6 becomes 3×3. Step through it with Right.",
        "pooled",
        layer={
            "padding": "same",
            "boundary": "zero",
            "pool": "max",
            "pool_size": (2, 2),
            "pool_stride": (2, 2),
        },
        at=(0, 0),
        stage="pool",
    ),
)


class Highlight(QWidget):
    """An orange frame drawn over a widget of the window (clicks pass through)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.target: QWidget | None = None
        parent.installEventFilter(self)
        self.hide()

    def point_at(self, target: QWidget | None) -> None:
        """Frame ``target`` (None: hide); the frame follows it when it moves or resizes."""
        if self.target is not None and self.target is not target:
            self.target.removeEventFilter(self)
        if target is not None and target is not self.target:
            target.installEventFilter(self)
        self.target = target
        self._place()

    def _place(self) -> None:
        t, parent = self.target, self.parentWidget()
        if t is None or parent is None or not t.isVisible():
            self.hide()
            return
        # Only the part of the target that is on screen (it may sit in a scroll area).
        visible = t.visibleRegion().boundingRect()
        if visible.isEmpty():  # shown but not laid out yet: place it once the layout is done
            visible = t.rect()
            QTimer.singleShot(0, self, self._place)
        top_left = t.mapTo(parent, visible.topLeft())
        self.setGeometry(QRect(top_left, visible.size()).adjusted(-3, -3, 3, 3))
        self.raise_()
        self.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.Move,
            QEvent.Type.LayoutRequest,
            QEvent.Type.Show,
            QEvent.Type.Hide,
        ):
            self._place()
        return False

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        pen = QPen(QColor(255, 140, 0), 4)
        p.setPen(pen)
        p.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)


class LessonTour(QFrame):
    """The tour panel: step title and text, Back / Next / Close."""

    def __init__(self, host: TourHost, steps: tuple[Step, ...] = STEPS) -> None:
        super().__init__()
        self.setObjectName("lessonPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#lessonPanel { background: #fff8e6; } QLabel { color: #202020; }")
        self.host = host
        self.steps = steps
        self.index = 0
        self._saved: Session | None = None
        self._saved_speed = 4.0
        self.title = QLabel(objectName="lessonTitle")
        self.text = QLabel(objectName="lessonText")
        self.text.setWordWrap(True)
        # Read from the back of a classroom: larger than the window's other text.
        for label, factor in ((self.title, 1.35), (self.text, 1.2)):
            f = QFont(label.font())
            f.setPointSizeF(f.pointSizeF() * factor)
            label.setFont(f)
        self.counter = QLabel()
        self.back = QPushButton("◀ Back", objectName="lessonBack")
        self.next = QPushButton("Next ▶", objectName="lessonNext")
        self.close_btn = QPushButton("Close", objectName="lessonClose")
        self.close_btn.setToolTip("End the lesson and get your own image and kernel back")
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.close_btn.clicked.connect(self.finish)
        # Title, counter and buttons share one row: on a 700-pixel-high projector every line
        # the panel saves goes to the pictures above it.
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.counter)
        for b in (self.back, self.next, self.close_btn):
            head.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 6)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.text)
        self.highlight = Highlight(host.tour_parent())
        host.add_tour_panel(self)
        self.hide()

    @property
    def running(self) -> bool:
        """True while the tour is open."""
        return self._saved is not None

    def start(self) -> None:
        """Open the tour at its first step (the user's work is saved first)."""
        if self._saved is None:
            self._saved = self.host.state.session()
            self._saved_speed = self.host.anim.playback.speed
        self.show()
        self.go(0)

    def go(self, index: int) -> None:
        """Show step ``index`` (clamped): set the window up and highlight what it is about."""
        self.index = max(0, min(len(self.steps) - 1, index))
        step = self.steps[self.index]
        h, state, anim = self.host, self.host.state, self.host.anim
        anim.model.set_question(False)
        h.open_lesson_sample()  # every step's numbers assume the 6×6 grid on 0–255
        state.set_all(get_preset("lesson"), LayerParams(**step.layer), "Lesson step")
        state.set_display_mode("clip")
        if step.play:
            anim.to_start()
            anim.set_speed(4.0)
            anim.play()
        elif step.at is None:
            anim.stop()
        else:
            anim.pause()
            anim.seek_rc(step.at[0], step.at[1], step.stage, filling=step.fill)
        anim.model.set_question(step.question)
        # The kernel and layer controls only where the step is about them: on a small screen
        # the pictures need the room for their numbers.
        h.show_controls(step.target in ("kernel", "layer"))
        if self.index == 0:
            h.fit_views()
        self.title.setText(f"<b>{step.title}</b>")
        self.text.setText(step.text)
        self.counter.setText(f"Step {self.index + 1} of {len(self.steps)}")
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.steps) - 1)
        self.highlight.point_at(h.tour_target(step.target))

    def finish(self) -> None:
        """Close the tour and put the user's image, kernel, settings and history back."""
        self.host.anim.model.set_question(False)
        self.host.anim.stop()
        self.highlight.point_at(None)
        self.hide()
        self.host.show_controls(True)
        saved, self._saved = self._saved, None
        if saved is not None:
            self.host.state.restore_session(saved)
            self.host.anim.set_speed(self._saved_speed)
            self.host.fit_views()
