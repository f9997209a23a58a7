"""Animation ▸ Quiz: Predict the Output, the predict-then-reveal quiz in the window.

The output cell under the kernel window is hidden, the learner types the value they expect,
the app says right or wrong, then shows the worked sum.

The questions, the rule for a right answer and the score live in the Qt-free
:class:`convgui.quiz.Quiz`; this module shows it: a panel above the animation bar, an opaque
cell drawn over the hidden value (and over the pooled cells that would give it away), the
arithmetic panel blanked while a question is open, and the hover readout masked there. Before
an answer the panel states the rule in words only (the range of right answers would tell the
value). A question zooms and centres the views on its window, so its values are written in the
cells (:meth:`QuizMode.zoom_to_question`). Leaving the quiz (uncheck, Escape in the panel,
another mode, the lesson, opening an image) puts all of it back, the user's zoom too (not over
the lesson's or a new image's own fit).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.layout import Placement
from ..quiz import RULE_TEXT, Question, Quiz, QuizMap, Verdict, describe_reasons
from ..state import ExplorerState
from . import texts
from .actions import ActionSpec, Entry, Separator
from .animation import AnimationController
from .arithmetic import ArithmeticPanel
from .image_view import MIN_CELL_PX_FOR_TEXT, ImageView, format_value, label_plan
from .text_size import scaled_font
from .util import signals_blocked

#: Every string of the quiz the user reads.
TEXTS: dict[str, str] = {
    "menu": "&Quiz: Predict the Output",
    "menu_tip": (
        "Hide the output cell under the kernel window, type the value you expect, then see "
        "the worked sum"
    ),
    "title": "Predict, then reveal",
    "answer_label": "Your answer:",
    "answer_placeholder": "e.g. 198, −0.5 or 37/3",
    "answer_tip": (
        "A number or a fraction; Enter checks it (and, once answered, asks the next question). "
        "Click an output cell to be asked about it."
    ),
    "check": "Check",
    "check_tip": "Check your answer (Enter)",
    "show": "Show answer",
    "show_tip": "Show the value and the worked sum (counted as not right)",
    "next": "Next",
    "next_tip": "Another cell (a question left open is not counted)",
    "hard": "Hard cells",
    "hard_tip": (
        "Ask only cells whose window reaches into the padding, cells on the edge and, with a "
        "stride, the cells that are easiest to misplace"
    ),
    "pooled": "Pooled map",
    "pooled_tip": "Ask about the pooled map instead of the convolution output",
    "order_scan": "In scan order",
    "order_random": "At random",
    "order_tip": "Which cell comes next (when Hard cells is off)",
    "leave": "Leave quiz",
    "leave_tip": "Leave the quiz and show everything again (Esc)",
    "arithmetic_hidden": (
        "The sum for this cell is hidden until you answer: work it out from the window on the "
        "input and the kernel."
    ),
    "hint": "{rule}; press Enter to check.",
    "color_note": (
        "A colour image: every number here is the red channel's (the input cells show the red "
        "values, the worked sum is the red channel's, as in the arithmetic panel): answer for "
        "red."
    ),
    "changed": (
        "The image, kernel or settings changed, so the old answer would be wrong: "
        "here is the question for the new output."
    ),
    "changed_answered": "The output changed: a new question about it.",
    "no_output": (
        "These settings give no output, so there is nothing to ask: change the layer "
        "settings (or Layer ▸ Reset Layer Settings), or leave the quiz."
    ),
    "no_cell": "No cell of this map has a value that can be written: nothing to ask.",
    "no_pool": "Pooling is off: the questions are about the convolution output.",
    "hard_note": "A hard cell: {why}.",
    "hidden_hover": "{name} (row {row}, col {col}) = ? (the quiz asks for it)",
}

#: The cover: opaque, in the views' "not computed" colour, outlined in amber.
COVER_FILL = QColor(58, 62, 74)
COVER_EDGE = QColor(255, 176, 0)
MARK_COLOR = QColor(255, 214, 102)
#: Above the value texts (10), the animation covers (20–21) and window outlines (29–31).
COVER_Z = 35.0
#: The question and the "?" on a cover, relative to the window's text.
QUESTION_SCALE = 1.2
MARK_SCALE = 1.3
RIGHT_COLOR = "#1b7a2f"
WRONG_COLOR = "#b42318"


def _bold(base: QFont, factor: float) -> QFont:
    font = scaled_font(base, factor)
    font.setBold(True)
    return font


def _around(centre: Any, width: float, height: float) -> QRectF:
    """A ``width`` × ``height`` rectangle centred on ``centre``."""
    return QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height)


def _px_for_values(values: np.ndarray, scale: float) -> float:
    """The smallest cell width (screen pixels) at which every value is written in full.

    Found by bisection over :func:`~convgui.gui.image_view.label_plan`, so it follows the
    views' own rule for when and how large numbers are drawn.
    """

    def full(px: float) -> bool:
        plan = label_plan(values, px, scale)
        return plan is not None and plan[0] is format_value

    lo, hi = 1.0, 64.0
    while not full(hi):
        if hi > 4096:
            return hi
        lo, hi = hi, hi * 2
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if full(mid) else (mid, hi)
    return hi


def entries() -> list[Entry]:
    """The quiz's menu entries (Animation ▸ Quiz: Predict the Output)."""
    return [
        Separator(texts.MENU_ANIMATION),
        ActionSpec(
            "quizAction",
            TEXTS["menu"],
            lambda w, on: toggle_quiz(w, on),
            texts.MENU_ANIMATION,
            ("Ctrl+Shift+P",),
            TEXTS["menu_tip"],
            checkable=True,
            attr="quiz_action",
        ),
    ]


def toggle_quiz(window: Any, on: bool) -> None:
    """Turn the quiz on or off (the menu entry's callback); made on first use as ``window.quiz``."""
    quiz: QuizMode | None = getattr(window, "quiz", None)
    if quiz is None:
        if not on:
            return
        quiz = QuizMode(window)
        window.quiz = quiz
    if on:
        quiz.start()
    else:
        quiz.leave()


class QuizHost(Protocol):
    """What the quiz needs of the window."""

    state: ExplorerState
    anim: AnimationController
    arithmetic: ArithmeticPanel
    input_view: ImageView
    output_view: ImageView
    pooled_view: ImageView
    hover_label: QLabel
    mode_changed: Signal

    @property
    def mode(self) -> str:
        """The mode page shown."""

    def show_mode(self, name: str) -> None:
        """Show a mode page."""

    def add_tour_panel(self, panel: QWidget) -> None:
        """Place a panel above the animation bar."""


# --- the cover ---------------------------------------------------------------------------------


class CoverItem(QGraphicsRectItem):
    """An opaque cell outlined in amber with a "?" that always fits it on screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setBrush(QBrush(COVER_FILL))
        pen = QPen(COVER_EDGE, 3)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setZValue(COVER_Z)
        self.text_scale = MARK_SCALE

    def paint(self, painter: QPainter, option: Any, widget: QWidget | None = None) -> None:
        super().paint(painter, option, widget)
        # The view flips y and zooms: write the mark in device pixels, sized to the cell there.
        screen = painter.transform().mapRect(self.rect())
        base = QApplication.font()
        wanted = QFontMetricsF(base).height() * self.text_scale
        size = min(wanted, 0.8 * min(screen.width(), screen.height()))
        if size < 6:
            return  # too small to read: the amber outline marks the cell
        painter.save()
        painter.resetTransform()
        font = QFont(base)
        font.setPixelSize(max(1, round(size)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(MARK_COLOR)
        painter.drawText(screen, int(Qt.AlignmentFlag.AlignCenter), "?")
        painter.restore()


class CellCover:
    """A :class:`CoverItem` over one cell of a map on a view."""

    def __init__(self, view: ImageView) -> None:
        self.rect = CoverItem()
        self.cell: tuple[int, int] | None = None
        view.view.addItem(self.rect)
        self.rect.hide()

    def apply_font(self) -> None:
        """Repaint with the window's text size."""
        self.rect.update()

    def show(self, place: Placement, cell: tuple[int, int]) -> None:
        """Cover ``cell`` of the map drawn at ``place``."""
        left, top, w, h = place.cell_rect(*cell)
        self.rect.setRect(QRectF(left, top, w, h))
        self.cell = cell
        self.rect.show()

    def hide(self) -> None:
        """Uncover."""
        self.cell = None
        self.rect.hide()

    @property
    def shown(self) -> bool:
        """True while covering a cell."""
        return self.rect.isVisible()


class CoverSet:
    """As many :class:`CellCover` as needed on one view (made on demand, kept for reuse)."""

    def __init__(self, view: ImageView) -> None:
        self.view = view
        self.covers: list[CellCover] = []

    def show(self, place: Placement | None, cells: list[tuple[int, int]]) -> None:
        """Cover exactly ``cells`` (none when ``place`` is None)."""
        cells = [] if place is None else cells
        while len(self.covers) < len(cells):
            self.covers.append(CellCover(self.view))
        for i, cover in enumerate(self.covers):
            if i < len(cells):
                assert place is not None
                cover.show(place, cells[i])
            else:
                cover.hide()

    def hide(self) -> None:
        """Uncover every cell."""
        self.show(None, [])

    def apply_font(self) -> None:
        """Follow View ▸ Text Size."""
        for cover in self.covers:
            cover.apply_font()

    def cells(self) -> list[tuple[int, int]]:
        """The cells covered now."""
        return [c.cell for c in self.covers if c.shown and c.cell is not None]


# --- the panel ---------------------------------------------------------------------------------


class QuizPanel(QFrame):
    """The question, the answer field, Check / Show answer / Next, the score and the options."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#quizPanel { background: #eef6ff; } QLabel { color: #202020; }")
        self.question = QLabel(objectName="quizQuestion")
        self.question.setWordWrap(True)
        self.score = QLabel(objectName="quizScore")
        self.answer = QLineEdit(objectName="quizAnswer")
        self.answer.setPlaceholderText(TEXTS["answer_placeholder"])
        self.answer.setToolTip(TEXTS["answer_tip"])
        self.answer.setMaxLength(64)
        self.check = QPushButton(TEXTS["check"], objectName="quizCheck")
        self.check.setToolTip(TEXTS["check_tip"])
        self.show_answer = QPushButton(TEXTS["show"], objectName="quizShow")
        self.show_answer.setToolTip(TEXTS["show_tip"])
        self.next = QPushButton(TEXTS["next"], objectName="quizNext")
        self.next.setToolTip(TEXTS["next_tip"])
        self.hard = QCheckBox(TEXTS["hard"], objectName="quizHard")
        self.hard.setToolTip(TEXTS["hard_tip"])
        self.pooled = QCheckBox(TEXTS["pooled"], objectName="quizPooled")
        self.pooled.setToolTip(TEXTS["pooled_tip"])
        self.order = QComboBox(objectName="quizOrder")
        self.order.addItem(TEXTS["order_scan"], "scan")
        self.order.addItem(TEXTS["order_random"], "random")
        self.order.setToolTip(TEXTS["order_tip"])
        self.leave = QPushButton(TEXTS["leave"], objectName="quizLeave")
        self.leave.setToolTip(TEXTS["leave_tip"])
        self.feedback = QLabel(objectName="quizFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        for b in (self.check, self.show_answer, self.next, self.leave):
            b.setAutoDefault(False)

        head = QHBoxLayout()
        head.addWidget(self.question, 1)
        head.addWidget(self.score)
        self.answer_row = QHBoxLayout()
        self.answer_row.addWidget(QLabel(TEXTS["answer_label"]))
        self.answer_row.addWidget(self.answer, 1)
        for w in (self.check, self.show_answer, self.next):
            self.answer_row.addWidget(w)
        self.answer_row.addSpacing(12)
        self.answer_row.addStretch(1)
        # The options share the answer's row when it is wide enough, else get a row of their
        # own (a narrow window, or larger text): see _arrange.
        self.options_row = QHBoxLayout()
        self.options = (self.hard, self.order, self.pooled, self.leave)
        self.options_inline = True
        for w in self.options:
            self.answer_row.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 6)
        lay.setSpacing(3)
        lay.addLayout(head)
        lay.addLayout(self.answer_row)
        lay.addLayout(self.options_row)
        lay.addWidget(self.feedback)
        self.apply_font()

    def apply_font(self) -> None:
        """Every widget in the window's text size (View ▸ Text Size), the question a fifth larger.

        The panel's style sheet keeps Qt from passing a new application font on to its
        widgets, so each gets it here, and the answer field is sized for its placeholder.
        """
        base = QApplication.font()
        for w in self.findChildren(QWidget):
            if w is not self.question:
                w.setFont(base)
        self.setFont(base)
        self.question.setFont(_bold(base, QUESTION_SCALE))
        fm = QFontMetricsF(base)
        room = fm.horizontalAdvance(TEXTS["answer_placeholder"]) + 24
        self.answer.setMinimumWidth(math.ceil(room * 0.7))
        self.answer.setMaximumWidth(math.ceil(room * 1.4))
        self._arrange()

    def _row_width(self) -> int:
        """The width the answer row and the options need side by side."""
        lay = self.layout()
        margins = 0 if lay is None else lay.contentsMargins().left() + lay.contentsMargins().right()
        widths = [self.answer.minimumWidth()]
        for i in range(self.answer_row.count()):
            item = self.answer_row.itemAt(i)
            w = None if item is None else item.widget()
            if w is not None and w is not self.answer:
                widths.append(w.sizeHint().width())
        if not self.options_inline:
            widths += [w.sizeHint().width() for w in self.options]
        spacing = max(0, int(self.answer_row.spacing()))
        return int(sum(widths) + spacing * (len(widths) + 2) + 12 + margins)

    def _arrange(self) -> None:
        """The options beside the answer when they fit the panel's width, else below it."""
        inline = self.width() <= 0 or self._row_width() <= self.width()
        if inline == self.options_inline:
            return
        self.options_inline = inline
        source, target = (
            (self.options_row, self.answer_row) if inline else (self.answer_row, self.options_row)
        )
        for w in self.options:
            source.removeWidget(w)
        while self.options_row.count():  # the stretch before Leave quiz
            self.options_row.takeAt(0)
        for w in self.options:
            if w is self.leave and not inline:
                target.addStretch(1)
            target.addWidget(w)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange()

    def say(self, html_text: str, color: str | None = None) -> None:
        """Write the feedback line (rich text; ``color`` for right or wrong)."""
        if color is not None:
            html_text = f"<span style='color:{color}'>{html_text}</span>"
        self.feedback.setText(html_text)


# --- the mode ----------------------------------------------------------------------------------


class QuizMode(QObject):
    """The quiz in the window: shows a :class:`Quiz`, hides what would give the answer away.

    Parameters
    ----------
    host
        The window (see :class:`QuizHost`).
    seed
        Seed of the random and hard-cell choices (None: a new sequence every session).
    """

    def __init__(self, host: Any, seed: int | None = None) -> None:
        super().__init__(host)
        self.host = host
        self.quiz = Quiz(order="scan", seed=seed)
        self.active = False
        self.panel = QuizPanel()
        self.output_covers = CoverSet(host.output_view)
        self.pooled_covers = CoverSet(host.pooled_view)
        #: The input view's range and fit mode before the quiz first zoomed (put back after).
        self._saved_view: tuple[QRectF, bool] | None = None
        host.add_tour_panel(self.panel)
        self.panel.hide()
        p = self.panel
        p.check.clicked.connect(self.check)
        p.show_answer.clicked.connect(self.reveal)
        p.next.clicked.connect(self.next_question)
        p.leave.clicked.connect(lambda: self.leave())
        p.answer.returnPressed.connect(self._on_return)
        p.hard.toggled.connect(lambda _on: self._on_order())
        p.order.activated.connect(lambda _i: self._on_order())
        p.pooled.toggled.connect(lambda _on: self._on_stage())
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), p)
        self.escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape.activated.connect(lambda: self.leave())
        s, anim = host.state, host.anim
        s.result_changed.connect(self._on_result)
        # After the arithmetic panel's own handlers (connected when the window was built):
        # while a question is open its text is replaced by the hint.
        anim.position_changed.connect(self._blank_arithmetic)
        anim.state_changed.connect(self._blank_arithmetic)
        host.mode_changed.connect(self._on_mode)
        files = getattr(host, "files", None)
        if files is not None:
            # The window fits the views to the new image: that zoom stays.
            files.opening.connect(lambda: self.leave(restore_zoom=False))
        lesson_action: QAction | None = getattr(host, "lesson_action", None)
        if lesson_action is not None:
            lesson_action.triggered.connect(lambda *_: self._on_lesson())
        for view in (host.input_view, host.output_view, host.pooled_view):
            view.hovered.connect(lambda *_a: self._mask_hover())
        text_scale_changed = getattr(host, "text_scale_changed", None)
        if text_scale_changed is not None:
            text_scale_changed.connect(lambda _f: self._apply_fonts())
        host.output_view.clicked.connect(lambda x, y: self._on_clicked("conv", x, y))
        # A larger text or a smaller window shrinks the views: zoom again if need be.
        host.input_view.view.sigResized.connect(lambda *_a: self._on_view_resized())
        host.pooled_view.clicked.connect(lambda x, y: self._on_clicked("pool", x, y))

    def _on_view_resized(self) -> None:
        if self.active and self.quiz.question is not None:
            self.zoom_to_question()

    def _apply_fonts(self) -> None:
        self.panel.apply_font()
        self.output_covers.apply_font()
        self.pooled_covers.apply_font()
        if self.active and self.quiz.question is not None:
            self.zoom_to_question()  # larger numbers need larger cells

    # --- reading -----------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        """The question shown (open or answered)."""
        return self.quiz.question

    @property
    def hiding(self) -> bool:
        """True while a question is open (its cell hidden, the arithmetic blanked)."""
        return self.active and self.quiz.open

    # --- on and off --------------------------------------------------------------------

    def start(self) -> None:
        """Turn the quiz on: the panel, a question, its cell hidden."""
        if self.active:
            return
        lesson = getattr(self.host, "lesson", None)
        if lesson is not None and lesson.running:
            lesson.finish()  # the quiz is about the user's own image and kernel
        if self.host.mode != "kernel":
            self.host.show_mode("kernel")
        self.active = True
        self._set_action(True)
        self.panel.show()
        self._load_map(announce=False)
        self._focus_answer()

    def leave(self, *, touch_animation: bool = True, restore_zoom: bool | None = None) -> None:
        """Turn the quiz off and put everything back (covers, arithmetic, hover, animation).

        ``restore_zoom`` (default: as ``touch_animation``) puts back the zoom the views had
        before the quiz zoomed in on its questions; the lesson and a new image set their own.
        """
        if not self.active:
            return
        self.active = False
        self._set_action(False)
        self.panel.hide()
        self.output_covers.hide()
        self.pooled_covers.hide()
        self.quiz.set_map(None)
        if touch_animation:
            self.host.anim.stop()
        self._restore_zoom(touch_animation if restore_zoom is None else restore_zoom)
        self.host.arithmetic.refresh()

    def _set_action(self, on: bool) -> None:
        action: QAction | None = getattr(self.host, "quiz_action", None)
        if action is not None and action.isChecked() != on:
            with signals_blocked(action):
                action.setChecked(on)

    def _on_mode(self, name: str) -> None:
        if name != "kernel":
            self.leave(touch_animation=False, restore_zoom=True)

    def _on_lesson(self) -> None:
        # The lesson has set the window up for its first step: leave that as it is.
        self.leave(touch_animation=False)

    def _lesson_running(self) -> bool:
        lesson = getattr(self.host, "lesson", None)
        return bool(lesson is not None and lesson.running)

    # --- questions ---------------------------------------------------------------------

    def _stage(self) -> str:
        r = self.host.state.result
        has_pool = r is not None and r.pooled is not None
        return "pool" if has_pool and self.panel.pooled.isChecked() else "conv"

    def _load_map(self, *, announce: bool) -> None:
        """Take the current result's map and ask about it (the same cell when it exists)."""
        r = self.host.state.result
        self._update_options()
        old = self.quiz.question
        was_open = self.quiz.open
        m = None if r is None else QuizMap.of_result(r, self._stage())
        self.quiz.set_map(m)
        if m is None:
            self._show_nothing(TEXTS["no_output"])
            return
        if self.quiz.question is None:
            same = old is not None and old.stage == m.stage
            if not (same and old is not None and self.quiz.ask_at(old.row, old.col)):
                self.quiz.ask()
        if self.quiz.question is None:
            self._show_nothing(TEXTS["no_cell"])
            return
        note = "" if not announce else TEXTS["changed" if was_open else "changed_answered"]
        self._show_question(note)

    def next_question(self) -> None:
        """Ask about the next cell."""
        if not self.active:
            return
        if self.quiz.map is None:
            self._load_map(announce=False)
            return
        if self.quiz.ask() is None:
            self._show_nothing(TEXTS["no_cell"])
            return
        self._show_question("")
        self._focus_answer()

    def _focus_answer(self) -> None:
        # Only after the learner's own quiz actions: a kernel edit keeps the table's focus.
        if self.panel.isVisible() and self.panel.answer.isEnabled():
            self.panel.answer.setFocus()

    def ask_at(self, stage: str, row: int, col: int) -> bool:
        """Ask about one cell (a click on it); False when it does not exist."""
        if not self.active:
            return False
        current = None if self.quiz.map is None else self.quiz.map.stage
        if stage != current:
            r = self.host.state.result
            if stage == "pool" and (r is None or r.pooled is None):
                return False
            with signals_blocked(self.panel.pooled):
                self.panel.pooled.setChecked(stage == "pool")
            self.quiz.set_map(None if r is None else QuizMap.of_result(r, stage))
        if self.quiz.ask_at(row, col) is None:
            return False
        self._show_question("")
        self._focus_answer()
        return True

    def _show_nothing(self, text: str) -> None:
        self.output_covers.hide()
        self.pooled_covers.hide()
        p = self.panel
        p.question.setText(TEXTS["title"])
        p.say(text)
        for b in (p.check, p.show_answer, p.next):
            b.setEnabled(False)
        p.answer.setEnabled(False)
        self._update_score()
        self.host.arithmetic.refresh()

    def _show_question(self, note: str) -> None:
        q = self.quiz.question
        assert q is not None
        p = self.panel
        p.question.setText(q.text())
        # The rule in words only: the range of right answers would tell the value.
        hint = TEXTS["hint"].format(rule=RULE_TEXT)
        if q.channel_note:
            hint += " " + TEXTS["color_note"]
        if q.reasons:
            hint += " " + TEXTS["hard_note"].format(why=describe_reasons(q.reasons))
        p.say(f"<b>{note}</b> {hint}" if note else hint)
        p.answer.setEnabled(True)
        p.answer.clear()
        for b in (p.check, p.show_answer, p.next):
            b.setEnabled(True)
        self._update_score()
        anim = self.host.anim
        anim.pause()
        anim.seek_rc(q.row, q.col, q.stage, filling=False)
        self._cover()
        self._blank_arithmetic()
        self.zoom_to_question()
        self._mask_hover()  # the pointer may rest on the cell just hidden

    def _cover(self) -> None:
        """Hide the open question's cell (and the pooled cells that would tell it)."""
        r, q = self.host.state.result, self.quiz.question
        if r is None or q is None or not self.quiz.open:
            self.output_covers.hide()
            self.pooled_covers.hide()
            return
        g = r.geometry
        if q.stage == "conv":
            self.output_covers.show(g.output, [q.cell])
            self.pooled_covers.show(g.pooled, list(q.give_away))
        else:
            self.output_covers.hide()
            self.pooled_covers.show(g.pooled, [q.cell])

    # --- zoom --------------------------------------------------------------------------

    def _window_rect(self, q: Question) -> QRectF | None:
        """Where the open question's window lies, in input coordinates (padding included)."""
        r = self.host.state.result
        if r is None:
            return None
        g = r.geometry
        if q.stage == "conv":
            rows, cols = g.window_taps(q.row, q.col)
            height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
            return QRectF(float(cols[0]), float(rows[0]), float(width), float(height))
        if g.pooled_shape is None:  # pooling was just turned off: the question goes next
            return None
        rows, cols = g.pool_window(q.row, q.col)
        left, top, _, _ = g.output.cell_rect(int(rows[0]), int(cols[0]))
        x, y, w, h = g.output.cell_rect(int(rows[-1]), int(cols[-1]))
        return QRectF(left, top, x + w - left, y + h - top)

    def _cell_px_needed(self, area: QRectF) -> float:
        """Screen pixels per input pixel at which every value around ``area`` is written.

        The input's values there, and the output's (and pooled map's) cells over it, each
        written in full at a readable size (as :func:`~convgui.gui.image_view.label_plan`
        decides; an output cell is ``stride`` input pixels wide).
        """
        scale = float(self.host.input_view.values.text_scale)
        needed = 0.0
        views = (self.host.input_view, self.host.output_view, self.host.pooled_view)
        for view in views:
            data = view.data
            rect = view.rect
            if data is None or rect.isNull() or not view.isVisible():
                continue
            h, w = data.shape[:2]
            cell = rect.width() / w  # input pixels per cell of this map
            c0 = max(0, int((area.left() - rect.left()) / cell))
            c1 = min(w, math.ceil((area.right() - rect.left()) / cell))
            r0 = max(0, int((area.top() - rect.top()) / cell))
            r1 = min(h, math.ceil((area.bottom() - rect.top()) / cell))
            if r1 <= r0 or c1 <= c0:
                continue
            block = data[r0:r1, c0:c1]
            values = np.ravel(block if block.ndim == 2 else block[..., 0])
            needed = max(needed, _px_for_values(values, scale) / cell)
        return needed

    def zoom_to_question(self) -> bool:
        """Zoom and centre the views on the open question's window so its values are written.

        The views are left as they are when the window already shows in full with its
        numbers written. The user's zoom is remembered the first time and put back when the
        quiz is left. Returns True when the views were moved.
        """
        q = self.quiz.question
        view = self.host.input_view
        vb = view.view
        if q is None or vb.width() <= 0 or vb.height() <= 0:
            return False
        window = self._window_rect(q)
        if window is None:
            return False
        # The window with two pixels around it, as Follow frames it (at least 9 pixels).
        span = max(9.0, window.width() + 4, window.height() + 4)
        centre = window.center()
        shown = vb.viewRect()
        px = view.pixel_size_on_screen()
        # (Below MIN_CELL_PX_FOR_TEXT no number is written: no need to look at the values.)
        if (
            px >= MIN_CELL_PX_FOR_TEXT
            and shown.contains(window)
            and px >= self._cell_px_needed(shown) * 0.999
        ):
            return False
        # As large as Follow shows the window, but never so small that numbers are left out
        # of what the views show (checked twice: a smaller span shows fewer, other values).
        room = min(vb.width(), vb.height())
        for _ in range(2):
            visible = _around(centre, span * vb.width() / room, span * vb.height() / room)
            needed = self._cell_px_needed(visible)
            if needed > 0:
                span = min(span, room / needed)
        # The whole window in any case: where the view is too small for both (a large text
        # in a small window), its numbers are written shorter rather than cut off.
        span = max(span, window.width() + 0.5, window.height() + 0.5)
        target = _around(centre, span, span)
        if self._saved_view is None:
            auto = any(bool(a) for a in vb.autoRangeEnabled())
            self._saved_view = (QRectF(shown), auto)
        vb.setRange(target, padding=0)
        return True

    def _restore_zoom(self, restore: bool) -> None:
        saved, self._saved_view = self._saved_view, None
        if saved is None or not restore:
            return
        rect, auto = saved
        if auto:
            self.host.input_view.fit()
        else:
            self.host.input_view.view.setRange(rect, padding=0)

    # --- answers -----------------------------------------------------------------------

    def _on_return(self) -> None:
        if self.quiz.open:
            self.check()
        else:
            self.next_question()

    def check(self) -> Verdict | None:
        """Check the typed answer (an unreadable one is explained, not counted)."""
        if not self.hiding:
            return None
        try:
            verdict = self.quiz.answer(self.panel.answer.text())
        except ValueError as exc:
            self.panel.say(str(exc), WRONG_COLOR)
            self.panel.answer.selectAll()
            return None
        self._show_verdict(verdict)
        return verdict

    def reveal(self) -> Verdict | None:
        """Show the answer (counted as not right)."""
        if not self.hiding:
            return None
        verdict = self.quiz.reveal()
        self._show_verdict(verdict)
        return verdict

    def _show_verdict(self, verdict: Verdict) -> None:
        p = self.panel
        p.say(verdict.text(), RIGHT_COLOR if verdict.right else WRONG_COLOR)
        p.check.setEnabled(False)
        p.show_answer.setEnabled(False)
        self._update_score()
        self._cover()  # uncovered: the value is there to see
        q = verdict.question
        self.host.anim.seek_rc(q.row, q.col, q.stage, filling=False)
        self.host.arithmetic.refresh()  # the worked sum
        self._focus_answer()
        p.answer.selectAll()

    def _update_score(self) -> None:
        self.panel.score.setText(self.quiz.score.text())

    # --- options -----------------------------------------------------------------------

    def _update_options(self) -> None:
        r = self.host.state.result
        has_pool = r is not None and r.pooled is not None
        p = self.panel
        p.pooled.setEnabled(has_pool)
        p.pooled.setToolTip(TEXTS["pooled_tip"] if has_pool else TEXTS["no_pool"])
        p.order.setEnabled(not p.hard.isChecked())

    def _on_order(self) -> None:
        p = self.panel
        self.quiz.set_order("hard" if p.hard.isChecked() else str(p.order.currentData()))
        self._update_options()
        if self.active and self.quiz.open and self.quiz.order == "hard":
            q = self.quiz.question
            if q is not None and not q.reasons:
                self.next_question()  # an easy cell is open: move on to a hard one

    def _on_stage(self) -> None:
        if self.active:
            self.quiz.set_map(None)
            self._load_map(announce=False)

    # --- the window's events -----------------------------------------------------------

    def _on_result(self) -> None:
        if not self.active:
            return
        if self._lesson_running():
            self.leave(touch_animation=False)
            return
        self._load_map(announce=True)

    def _blank_arithmetic(self) -> None:
        if self.active and self._lesson_running():
            self.leave(touch_animation=False)  # the lesson started (not from the menu)
            return
        if self.hiding:
            self.host.arithmetic.show_hint(TEXTS["arithmetic_hidden"])

    def _on_clicked(self, stage: str, x: float, y: float) -> None:
        if not self.active:
            return
        view = self.host.output_view if stage == "conv" else self.host.pooled_view
        cell = view.cell_at(x, y)
        if cell is not None:
            self.ask_at(stage, cell[0], cell[1])

    def hidden_cells(self) -> dict[str, list[tuple[int, int]]]:
        """The cells hidden now, per map (``"output"``, ``"pooled"``)."""
        return {"output": self.output_covers.cells(), "pooled": self.pooled_covers.cells()}

    def _mask_hover(self) -> None:
        """Take the hidden cells' values out of the hover readout (the window wrote it first)."""
        if not self.hiding:
            return
        label = self.host.hover_label
        text = label.text()
        if not text:
            return
        hidden = [(name, cell) for name, cells in self.hidden_cells().items() for cell in cells]
        parts = text.split("   ·   ")
        changed = False
        for i, part in enumerate(parts):
            for name, (row, col) in hidden:
                if part.startswith(f"{name} (row {row}, col {col}) = "):
                    parts[i] = TEXTS["hidden_hover"].format(name=name, row=row, col=col)
                    changed = True
        if changed:
            label.setText("   ·   ".join(parts))


__all__ = ["TEXTS", "CellCover", "CoverItem", "QuizMode", "QuizPanel", "entries", "toggle_quiz"]
