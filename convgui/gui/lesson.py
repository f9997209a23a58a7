"""Help ▸ Lesson: a guided tour of the lesson's story, one step at a time, in the window itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..core import LayerParams, get_preset
from ..resources import samples

if TYPE_CHECKING:
    from .window import MainWindow


@dataclass(frozen=True)
class Step:
    """One step of the tour: a title, an explanation, what to set up, what to highlight."""

    title: str
    text: str
    setup: Callable[[MainWindow], None]
    highlight: Callable[[MainWindow], QWidget | None]


def _layer(w: MainWindow, **kw: object) -> None:
    params = LayerParams(**kw)  # type: ignore[arg-type]
    w.state.set_all(get_preset("lesson"), params, "Lesson step")


def _load_lesson_image(w: MainWindow) -> None:
    doc = w.state.doc
    if doc is None or doc.name != samples()[0].title:
        w.open_sample(samples()[0])
    if w.state.color_mode != "gray":
        w.state.set_color_mode("gray")
    if w.state.value_scale != "0-255":
        w.state.set_value_scale("0-255")


def _show(w: MainWindow, pos: tuple[int, int] | None, stage: str = "conv") -> None:
    if pos is None:
        w.anim.stop()
        return
    w.anim.pause()
    w.anim.seek_rc(pos[0], pos[1], stage)


def _steps() -> list[Step]:
    def s1(w: MainWindow) -> None:
        _load_lesson_image(w)
        _layer(w, padding="same")
        w.state.set_display_mode("clip")
        _show(w, None)
        w.input_view.fit()

    def s2(w: MainWindow) -> None:
        _layer(w, padding="same")
        _show(w, None)

    def s3(w: MainWindow) -> None:
        _layer(w, padding="same")
        _show(w, (2, 3))

    def s4(w: MainWindow) -> None:
        # The corner window hangs over the edge; the cells out there are still unknown ("?").
        _layer(w, padding="same", boundary="zero")
        w.overlay.ring.unknown = True
        _show(w, (0, 0))

    def s5(w: MainWindow) -> None:
        _layer(w, padding="valid")
        _show(w, (0, 0))

    def s6(w: MainWindow) -> None:
        _layer(w, padding="same", boundary="zero")
        _show(w, (0, 0))

    def s7(w: MainWindow) -> None:
        _layer(w, padding="same", boundary="zero")
        w.anim.to_start()
        w.anim.set_speed(4.0)
        w.anim.play()

    def s8(w: MainWindow) -> None:
        _layer(w, padding="same", boundary="zero", pool="max", pool_size=(2, 2), pool_stride=(2, 2))
        _show(w, (0, 0), "pool")

    return [
        Step(
            "A greyscale image is a grid of numbers",
            "This 6×6 image is what the computer sees: one number per pixel, from 0 (black) to "
            "255 (white). Zoom in on any view to read the values.",
            s1,
            lambda w: w.input_panel,
        ),
        Step(
            "The kernel",
            "A convolutional layer has a small grid of numbers called the kernel (or filter). "
            "This one is 3×3. You can type into its cells at any time.",
            s2,
            lambda w: w.kernel_panel,
        ),
        Step(
            "Multiply and sum",
            "Centre the kernel on the pixel with value 25 (row 2, column 3). Multiply each "
            "pixel under the kernel by the weight above it: 2×1, 5×2, 4×1, … and add them all "
            "up: 198. That is the output pixel at the same place.",
            s3,
            lambda w: w.arithmetic,
        ),
        Step(
            "What about the edge pixels?",
            "Centre the kernel on the corner pixel and five of its nine cells hang outside "
            "the image (marked ?). There are no pixels there to multiply, so the output pixel "
            "is still unknown. What should the layer do?",
            s4,
            lambda w: w.input_panel,
        ),
        Step(
            "Option 1: ignore them (“valid”)",
            "Only positions where the kernel fits completely are computed. The output shrinks "
            "to 4×4 and the border is lost: (6 + 0 + 0 − 3)/1 + 1 = 4.",
            s5,
            lambda w: w.layer_panel,
        ),
        Step(
            "Option 2: zero padding (“same”)",
            "Add a ring of zeros around the image (shown in blue). Now the corner has a full "
            "window: 0×1 + 0×2 + … + 2×4 + 3×2 + 2×2 + 4×1 = 22, and the output keeps its 6×6 "
            "size.",
            s6,
            lambda w: w.arithmetic,
        ),
        Step(
            "Slide over the whole image",
            "The kernel moves one pixel at a time, row by row, and every position fills one "
            "output pixel. Use Space to pause, Left/Right to step, and click any output pixel "
            "to see its arithmetic.",
            s7,
            lambda w: w.output_panel,
        ),
        Step(
            "Max pooling",
            "Max pooling shrinks the result: each 2×2 window of the output keeps only its "
            "largest value (the gold square), so 6×6 becomes 3×3. Step through it with Right.",
            s8,
            lambda w: w.pooled_panel,
        ),
    ]


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
            QTimer.singleShot(0, self._place)
        top_left = t.mapTo(parent, visible.topLeft())
        self.setGeometry(QRect(top_left, visible.size()).adjusted(-3, -3, 3, 3))
        self.raise_()
        self.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self._place()
        return False

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        pen = QPen(QColor(255, 140, 0), 4)
        p.setPen(pen)
        p.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)


class LessonTour(QFrame):
    """The tour panel: step title and text, Back / Next / Close."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("lessonPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#lessonPanel { background: #fff8e6; } QLabel { color: #202020; }")
        self.win = window
        self.steps = _steps()
        self.index = 0
        self.title = QLabel(objectName="lessonTitle")
        self.text = QLabel(objectName="lessonText")
        self.text.setWordWrap(True)
        self.counter = QLabel()
        self.back = QPushButton("◀ Back", objectName="lessonBack")
        self.next = QPushButton("Next ▶", objectName="lessonNext")
        self.close_btn = QPushButton("Close", objectName="lessonClose")
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.close_btn.clicked.connect(self.finish)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter)
        buttons.addStretch(1)
        for b in (self.back, self.next, self.close_btn):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addLayout(buttons)
        self.highlight = Highlight(window.centralWidget())
        window.bottom_layout.insertWidget(0, self)
        self.hide()

    def start(self) -> None:
        """Open the tour at its first step."""
        self.show()
        self.go(0)

    def go(self, index: int) -> None:
        """Show step ``index`` (clamped): set the window up and highlight what it is about."""
        self.index = max(0, min(len(self.steps) - 1, index))
        step = self.steps[self.index]
        self.win.overlay.ring.unknown = False
        _load_lesson_image(self.win)  # every step's numbers assume the 6×6 grid on 0–255
        step.setup(self.win)
        self.title.setText(f"<b>{step.title}</b>")
        self.text.setText(step.text)
        self.counter.setText(f"Step {self.index + 1} of {len(self.steps)}")
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.steps) - 1)
        self.highlight.point_at(step.highlight(self.win))

    def finish(self) -> None:
        """Close the tour (the window keeps its current state)."""
        if self.win.overlay.ring.unknown:
            self.win.overlay.ring.unknown = False
            self.win._update_animation()
        self.highlight.point_at(None)
        self.hide()
