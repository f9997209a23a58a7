"""Predict, then reveal: the quiz's model (which cell is asked, the expected value, the score).

No Qt here. The window's quiz panel (:mod:`convgui.gui.quiz`) shows a :class:`Quiz` and writes
the learner's answers to it; the values come from a published result (what the app shows),
the hard cells from the layer's geometry.

The rule for a right answer
---------------------------
The expected value is the one the output map holds (float32, after divisor, bias and
activation; the red channel of a colour result, as the arithmetic panel works it out). An
answer is right when it is closer to it than

* half a unit of the value's 3rd significant digit (:func:`value_tolerance`): 3 significant
  digits are enough, ``12.3`` for ``37/3``, but ``127`` and ``128`` are both 0.5 from
  ``127.5``, so neither counts; and
* half a unit of the last digit typed (:func:`typed_tolerance`): every digit typed must be
  right, so ``197.6`` is wrong for ``198`` (a fraction such as ``37/3`` is exact);

or when it is the value itself to float32 rounding (any number of digits typed). The panel
states the rule before the answer and the numbers of it only after (:data:`RULE_TEXT`,
:meth:`Question.rule`). Answers are read as a kernel cell is (:func:`convgui.core.parse_cell`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .core import CellParseError, parse_cell
from .core.layout import LayerGeometry
from .core.text import pretty_number

if TYPE_CHECKING:  # only its type: the model itself imports no Qt at all
    from .state import ComputeResult

#: How the next cell is chosen: along the scan (row by row), at random, or among hard cells.
ORDERS: tuple[str, ...] = ("scan", "random", "hard")
#: The maps a question can be about: the convolution's output, or the pooled map.
QUIZ_STAGES: tuple[str, ...] = ("conv", "pool")

#: Why a cell is hard (bits of :attr:`QuizMap.reasons`).
PADDING = 1
EDGE = 2
STRIDE = 4
REASON_TEXTS: dict[int, str] = {
    PADDING: "its window reaches into the padding",
    EDGE: "it lies on the edge of the map",
    STRIDE: "with the stride, its window is easy to misplace",
}

ANSWER_HELP = "Type a number such as 198, −0.5 or 37/3."
#: The rule in words, shown before the learner answers (never the range of right answers).
RULE_TEXT = (
    "Type the value; 3 significant digits are enough, and every digit you type must be "
    "right (198, not 197.6; 127.5, not 127 or 128)"
)
#: A decimal as typed: sign, integer digits, decimals, exponent (``−`` read as ``-``).
_DECIMAL_RE = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-"})


# --- the rule ----------------------------------------------------------------------------------


def value_tolerance(value: float) -> float:
    """Half a unit of the 3rd significant digit of ``value``: how far a right answer may be.

    Parameters
    ----------
    value : float
        The expected value.

    Returns
    -------
    float
        Answers closer than this (strictly) may count as right; 0.5 for 0 (written ``0``);
        0.0 for a non-finite value (nothing can match it).

    Examples
    --------
    >>> value_tolerance(198.0), value_tolerance(127.5), value_tolerance(12.3333)
    (0.5, 0.5, 0.05)
    >>> value_tolerance(-0.5755), value_tolerance(1530.4), value_tolerance(0.0)
    (0.0005, 5.0, 0.5)
    """
    if not math.isfinite(value):
        return 0.0
    if value == 0:
        return 0.5
    # The exponent of the value rounded to 3 significant digits (99.97 is 1.00e+02).
    exponent = int(f"{abs(value):.2e}".partition("e")[2])
    return float(0.5 * 10.0 ** (exponent - 2))


def typed_tolerance(text: str) -> float | None:
    """Half a unit of the last significant digit of a typed decimal; None for a fraction.

    Zeros that end a number without a decimal point are not counted as digits
    (``1230`` is good to the tens); with a point they are (``0.50`` to the hundredths).

    Parameters
    ----------
    text : str
        The answer as typed.

    Returns
    -------
    float or None
        None when ``text`` is not a plain decimal (``37/3`` is exact: no digit was rounded).

    Examples
    --------
    >>> typed_tolerance("197.6"), typed_tolerance("198"), typed_tolerance("1230")
    (0.05, 0.5, 5.0)
    >>> typed_tolerance("−0.575"), typed_tolerance("2.5e-3"), typed_tolerance("37/3") is None
    (0.0005, 5e-05, True)
    """
    m = _DECIMAL_RE.match(text.strip().translate(_MINUSES))
    if m is None or not (m["int"] or m["frac"]):
        return None
    exponent = int(m["exp"]) if m["exp"] else 0
    if m["frac"] is not None:
        place = -len(m["frac"])
    else:
        digits = m["int"]
        stripped = digits.rstrip("0")
        place = len(digits) - len(stripped) if stripped else 0
    return float(0.5 * 10.0 ** (place + exponent))


def same_float32(answer: float, expected: float) -> bool:
    """True when ``answer`` rounds to the same finite float32 as ``expected``.

    Examples
    --------
    >>> same_float32(0.10000000000001, 0.1), same_float32(1e300, 1e308)
    (True, False)
    """
    big = float(np.finfo(np.float32).max)
    if not (abs(answer) <= big and abs(expected) <= big):  # also False for NaN
        return False
    return bool(np.float32(answer) == np.float32(expected))


def allowed_error(expected: float, typed: str | None = None) -> float:
    """How far an answer may be from ``expected`` (strictly less counts as right).

    The smaller of :func:`value_tolerance` and, when the answer's text is given and is a
    decimal, :func:`typed_tolerance`.

    Examples
    --------
    >>> allowed_error(198.0), allowed_error(198.0, "197.6"), allowed_error(12.3333, "37/3")
    (0.5, 0.05, 0.05)
    """
    tol = value_tolerance(expected)
    typed_tol = None if typed is None else typed_tolerance(typed)
    return tol if typed_tol is None else min(tol, typed_tol)


def parse_answer(text: str) -> float:
    """Read a typed answer: a number or a fraction, as a kernel cell is read.

    Raises
    ------
    ValueError
        With a message that says what to type (the quiz shows it as it is).

    Examples
    --------
    >>> parse_answer(" 37/3 ") == 37 / 3, parse_answer("−2")
    (True, -2.0)
    """
    shown = text.strip()
    if not shown:
        raise ValueError(f"Type your answer first. {ANSWER_HELP}")
    try:
        return parse_cell(shown)
    except CellParseError as exc:
        if "decimal comma" in str(exc):
            raise ValueError(
                f"{shown!r} uses a decimal comma: write {shown.replace(',', '.')} with a point."
            ) from None
        brief = shown if len(shown) <= 24 else shown[:21] + "..."
        raise ValueError(f"{brief!r} is not a number the quiz can read. {ANSWER_HELP}") from None


def is_right(answer: float, expected: float, typed: str | None = None) -> bool:
    """True when ``answer`` is right for ``expected`` by the rule of the module docstring.

    Parameters
    ----------
    answer : float
        The value read.
    expected : float
        The value the map holds.
    typed : str, optional
        The answer as typed: its last digit must be right too (see :func:`allowed_error`).

    Examples
    --------
    >>> is_right(127.5, 127.5), is_right(127.0, 127.5), is_right(128.0, 127.5)
    (True, False, False)
    >>> is_right(198.0, 198.0, "198"), is_right(197.6, 198.0, "197.6")
    (True, False)
    >>> is_right(37 / 3, 12.333333, "37/3"), is_right(12.3, 12.333333, "12.3")
    (True, True)
    """
    if not (math.isfinite(answer) and math.isfinite(expected)):
        return False
    if same_float32(answer, expected):
        return True
    return abs(answer - expected) < allowed_error(expected, typed)


# --- hard cells --------------------------------------------------------------------------------


def _axis_reasons(n: int, first: int, size: int, step: int, extent: int) -> NDArray[np.uint8]:
    """Reasons along one axis for ``n`` cells whose windows start at ``first + i*step``.

    A window spans ``size`` cells of an axis ``extent`` long (anything outside is padding).
    """
    i = np.arange(n)
    start = first + i * step
    out = np.zeros(n, dtype=np.uint8)
    out[(start < 0) | (start + size - 1 > extent - 1)] |= PADDING
    if n:
        out[[0, n - 1]] |= EDGE
    if step > 1 and n > 1:
        # Forgetting the stride misplaces the first jump (index 1: ``step`` cells on, not one)
        # and, most of all, the last window (``(n - 1) * step`` cells on).
        out[[1, n - 1]] |= STRIDE
    return out


def hard_reasons(geometry: LayerGeometry, stage: str = "conv") -> NDArray[np.uint8]:
    """Why each cell of a map is hard, as bits (:data:`PADDING`, :data:`EDGE`, :data:`STRIDE`).

    A cell is hard when its window reaches into the padding, when it sits on the first or
    last row or column, or, with a stride above 1, when it is where a learner who forgets the
    stride puts the window most wrongly: the second row or column (the first jump of
    ``stride`` pixels) and the last one (``(n - 1) × stride`` pixels on, which also decides
    whether the last input pixels are read at all).

    Parameters
    ----------
    geometry : LayerGeometry
        The result's geometry.
    stage : {"conv", "pool"}
        The convolution output or the pooled map (windows over the output).

    Returns
    -------
    ndarray of uint8, shape of the map

    Raises
    ------
    ValueError
        For an unknown stage, or ``"pool"`` on a layer without pooling.

    Examples
    --------
    >>> from convgui.core import LayerParams
    >>> from convgui.core.layout import layer_geometry
    >>> g = layer_geometry((4, 4), (3, 3), LayerParams(padding="same"))
    >>> (hard_reasons(g) & PADDING).astype(bool).astype(int).tolist()[0]
    [1, 1, 1, 1]
    >>> int(hard_reasons(g)[1, 1])
    0
    """
    if stage == "conv":
        h, w = geometry.out_shape
        eh, ew = geometry.effective_kernel
        sr, sc = geometry.stride
        t, _, lft, _ = geometry.pads
        ih, iw = geometry.image_shape
        rows = _axis_reasons(h, -t, eh, sr, ih)
        cols = _axis_reasons(w, -lft, ew, sc, iw)
    elif stage == "pool":
        if geometry.pooled_shape is None or geometry.pool_size is None:
            raise ValueError("stage 'pool' needs a layer with pooling")
        assert geometry.pool_stride is not None and geometry.pool_pads is not None
        h, w = geometry.pooled_shape
        oh, ow = geometry.out_shape
        rows = _axis_reasons(
            h, -geometry.pool_pads[0], geometry.pool_size[0], geometry.pool_stride[0], oh
        )
        cols = _axis_reasons(
            w, -geometry.pool_pads[2], geometry.pool_size[1], geometry.pool_stride[1], ow
        )
    else:
        raise ValueError(f"stage must be one of {QUIZ_STAGES}, got {stage!r}")
    return rows[:, None] | cols[None, :]


def describe_reasons(bits: int) -> str:
    """The reasons a cell is hard, in words ("" when it is not).

    Examples
    --------
    >>> describe_reasons(PADDING | EDGE)
    'its window reaches into the padding; it lies on the edge of the map'
    """
    return "; ".join(text for bit, text in REASON_TEXTS.items() if bits & bit)


def pooled_readers(geometry: LayerGeometry, row: int, col: int) -> list[tuple[int, int]]:
    """The pooled cells whose window reads output cell ``(row, col)`` (none without pooling).

    Their values would give a hidden output cell away (a max pooling copies it).

    Examples
    --------
    >>> from convgui.core import LayerParams
    >>> from convgui.core.layout import layer_geometry
    >>> pooled_readers(layer_geometry((6, 6), (3, 3), LayerParams(pool="max")), 3, 2)
    [(1, 1)]
    """
    if geometry.pooled_shape is None:
        return []
    out = []
    for i in range(geometry.pooled_shape[0]):
        rows, _ = geometry.pool_window(i, 0)
        if not rows[0] <= row <= rows[-1]:
            continue
        for j in range(geometry.pooled_shape[1]):
            _, cols = geometry.pool_window(i, j)
            if cols[0] <= col <= cols[-1]:
                out.append((i, j))
    return out


# --- what is asked -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizMap:
    """The map questions are about: its values as shown, and why each cell is hard.

    Attributes
    ----------
    stage : {"conv", "pool"}
        The convolution output or the pooled map.
    values : ndarray, 2-D
        The values the app shows (the red channel of a colour result; a view of the result's
        read-only map, never a copy: a quiz over a large photo costs no memory).
    reasons : ndarray of uint8, same shape
        :func:`hard_reasons` of each cell.
    channel_note : str
        ``" (red channel)"`` for a colour result, else ``""``.
    geometry : LayerGeometry or None
        The result's geometry (for the pooled cells that read an output cell).
    """

    stage: str
    values: NDArray[Any]
    reasons: NDArray[np.uint8]
    channel_note: str = ""
    geometry: LayerGeometry | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @cached_property
    def hard_cells(self) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Flat indices of the askable hard cells and their cumulative weights.

        A cell's weight is its number of reasons, so a cell that is hard in two ways comes up
        twice as often. Computed once per map.
        """
        bits = self.reasons.ravel()
        pool = np.flatnonzero(bits)
        pool = pool[self.askable.ravel()[pool]]
        hard = bits[pool]
        count = (
            ((hard & PADDING) > 0).astype(np.float64) + ((hard & EDGE) > 0) + ((hard & STRIDE) > 0)
        )
        cumulative: NDArray[np.float64] = np.cumsum(count)
        return pool, cumulative

    @cached_property
    def askable(self) -> NDArray[np.bool_]:
        """Cells whose value can be written (finite), computed once per map."""
        finite: NDArray[np.bool_] = np.isfinite(self.values)
        return finite

    @classmethod
    def of_result(cls, result: ComputeResult, stage: str = "conv") -> QuizMap | None:
        """The map of ``result`` for ``stage`` (None for ``"pool"`` without pooling)."""
        if stage not in QUIZ_STAGES:
            raise ValueError(f"stage must be one of {QUIZ_STAGES}, got {stage!r}")
        data: NDArray[Any] | None = result.activated if stage == "conv" else result.pooled
        if data is None:
            return None
        color = data.ndim == 3
        values = data[..., 0] if color else data
        return cls(
            stage,
            values,
            hard_reasons(result.geometry, stage),
            " (red channel)" if color else "",
            result.geometry,
        )


@dataclass(frozen=True)
class Question:
    """One question: a cell of a map and the value it holds.

    Attributes
    ----------
    stage : {"conv", "pool"}
    row, col : int
    expected : float
        The value the map holds there.
    shown : str
        ``expected`` as the app writes it.
    tolerance : float
        :func:`value_tolerance` of ``expected``.
    reasons : int
        Why the cell is hard (bits), 0 when it is not.
    channel_note : str
        ``" (red channel)"`` for a colour result.
    give_away : tuple of (int, int)
        Pooled cells that read this output cell (they would tell the answer): hide them too.
    """

    stage: str
    row: int
    col: int
    expected: float
    shown: str
    tolerance: float
    reasons: int = 0
    channel_note: str = ""
    give_away: tuple[tuple[int, int], ...] = ()

    @property
    def cell(self) -> tuple[int, int]:
        """``(row, col)``."""
        return (self.row, self.col)

    @property
    def map_name(self) -> str:
        """``"output"`` or ``"pooled map"``."""
        return "output" if self.stage == "conv" else "pooled map"

    def text(self) -> str:
        """The question as the panel asks it."""
        return (
            f"What value goes in the highlighted {self.map_name} cell "
            f"(row {self.row}, col {self.col}){self.channel_note}?"
        )

    def value_text(self) -> str:
        """The value as the app writes it, and as the map holds it when that is not exact.

        ``"127.5"``; ``"−0.576 (−0.5755 in the map)"``.
        """
        exact = float(self.shown.replace("−", "-"))
        if abs(exact - self.expected) <= 1e-6 * abs(self.expected):
            return self.shown
        return f"{self.shown} ({_plain(self.expected)} in the map)"

    def rule(self) -> str:
        """The numbers of the rule, for after the answer.

        E.g. ``"answers closer than 0.5 to 127.5 count as right (half a unit of its 3rd
        significant digit) when every digit typed is right"``.
        """
        return (
            f"answers closer than {_plain(self.tolerance)} to {self.shown} count as right "
            "(half a unit of its 3rd significant digit) when every digit typed is right"
        )


def _plain(v: float) -> str:
    # Up to 7 significant digits (what float32 holds), without an exponent where that reads
    # well (0.00005, not 5e-05), with a typographic minus.
    if v == 0 or 1e-6 <= abs(v) < 1e7:
        text = np.format_float_positional(v, precision=7, unique=True, fractional=False, trim="-")
    else:
        text = f"{v:.7g}"
    return text.replace("-", "−")


@dataclass(frozen=True)
class Verdict:
    """What an answer was judged.

    Attributes
    ----------
    question : Question
    right : bool
    answer : float or None
        The value read (None when the answer was revealed without one).
    revealed : bool
        The learner asked for the answer ("Show answer").
    typed : str or None
        The answer as typed (its last digit counts, see :func:`typed_tolerance`).
    """

    question: Question
    right: bool
    answer: float | None
    revealed: bool = False
    typed: str | None = None

    def text(self) -> str:
        """One or two sentences for the panel: the verdict, the value and, when wrong, why."""
        q = self.question
        value = q.value_text()
        if self.revealed:
            return (
                f"The answer is {value}: {q.rule()}. Counted as not right; the sum is worked "
                "out below."
            )
        assert self.answer is not None
        a = pretty_number(self.answer)
        if self.right:
            exact = "" if self.answer == q.expected else f" (the value is {value})"
            return f"Right: {a}{exact}. The sum is worked out below."
        why = self.why()
        return f"Wrong: you wrote {a}, the value is {value}; {why}. The sum is worked out below."

    def why(self) -> str:
        """Why a wrong answer is wrong, with the numbers of the rule ("" when it is right)."""
        q = self.question
        if self.right or self.answer is None:
            return ""
        if not math.isfinite(self.answer) or not math.isfinite(q.expected):
            return "no number can match a value that is not finite"
        off = abs(self.answer - q.expected)
        a = pretty_number(self.answer)
        typed_tol = None if self.typed is None else typed_tolerance(self.typed)
        if off >= q.tolerance or typed_tol is None:
            return (
                f"{a} is {_plain(off)} from it, and a right answer is closer than "
                f"{_plain(q.tolerance)} (half a unit of its 3rd significant digit)"
            )
        return (
            f"{a} is {_plain(off)} from it: the last digit you typed is wrong (an answer "
            f"written to that digit is right when it is closer than {_plain(typed_tol)})"
        )


@dataclass
class Score:
    """The score over a session: right out of asked, the current and best streak."""

    asked: int = 0
    right: int = 0
    streak: int = 0
    best_streak: int = 0

    def add(self, right: bool) -> None:
        """Count one answer."""
        self.asked += 1
        if right:
            self.right += 1
            self.streak += 1
            self.best_streak = max(self.best_streak, self.streak)
        else:
            self.streak = 0

    def text(self) -> str:
        """``"Score 3/4 · streak 2 (best 3)"``."""
        return f"Score {self.right}/{self.asked} · streak {self.streak} (best {self.best_streak})"


@dataclass
class Quiz:
    """A quiz over a session: the map asked about, the open question, the score.

    Parameters
    ----------
    order : {"scan", "random", "hard"}
        How :meth:`ask` picks the next cell: the next one along the scan (row by row), any
        cell at random, or a hard cell (:func:`hard_reasons`; cells with more reasons are
        picked more often). Random and hard picks go through every candidate once before one
        comes again.
    seed : int or None
        Seed of the random choices (tests pass one to make them repeatable).
    """

    order: str = "scan"
    seed: int | None = None
    score: Score = field(default_factory=Score)
    map: QuizMap | None = None
    question: Question | None = None
    verdict: Verdict | None = None

    def __post_init__(self) -> None:
        self.set_order(self.order)
        self._rng = np.random.default_rng(self.seed)
        self._asked: set[tuple[int, int]] = set()
        self._last: tuple[int, int] | None = None

    # --- reading -----------------------------------------------------------------------

    @property
    def open(self) -> bool:
        """True while a question waits for its answer."""
        return self.question is not None and self.verdict is None

    # --- settings ----------------------------------------------------------------------

    def set_order(self, order: str) -> None:
        """Change how the next cell is picked (the open question stays)."""
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
        self.order = order

    def set_map(self, quiz_map: QuizMap | None) -> bool:
        """A new map (a new result, or the other stage): the open question is replaced.

        The same cell is asked again when it exists in the new map (its value may have
        changed, so the old answer would be wrong); otherwise the next one is picked.

        Returns
        -------
        bool
            True when a question was open (it was replaced, or withdrawn without a map);
            it is not counted.
        """
        was_open = self.open
        old = self.question
        self.map = quiz_map
        self._asked = set()
        self.question = self.verdict = None
        if not was_open or quiz_map is None:
            return was_open
        assert old is not None
        if not self.ask_at(old.row, old.col):
            self.ask()
        return True

    # --- asking ------------------------------------------------------------------------

    def _candidates(self) -> NDArray[np.bool_]:
        assert self.map is not None
        return self.map.askable

    def ask_at(self, row: int, col: int) -> Question | None:
        """Ask about cell ``(row, col)``; an open question is withdrawn without being counted.

        Returns None (asking nothing) when the map has no such cell or its value is not finite.
        """
        m = self.map
        if m is None:
            return None
        h, w = m.shape
        if not (0 <= row < h and 0 <= col < w) or not np.isfinite(m.values[row, col]):
            return None
        expected = float(m.values[row, col])
        give_away: tuple[tuple[int, int], ...] = ()
        if m.stage == "conv" and m.geometry is not None:
            give_away = tuple(pooled_readers(m.geometry, row, col))
        self.question = Question(
            m.stage,
            int(row),
            int(col),
            expected,
            pretty_number(expected),
            value_tolerance(expected),
            int(m.reasons[row, col]),
            m.channel_note,
            give_away,
        )
        self.verdict = None
        self._asked.add((row, col))
        self._last = (row, col)
        return self.question

    def ask(self) -> Question | None:
        """Ask about the next cell (see ``order``); None when the map has no cell to ask."""
        cell = self.pick()
        return None if cell is None else self.ask_at(*cell)

    def pick(self) -> tuple[int, int] | None:
        """The next cell to ask about (without asking it), or None when there is none."""
        m = self.map
        if m is None or m.values.size == 0:
            return None
        flat = m.askable.ravel()
        if self.order == "scan":
            w = m.shape[1]
            start = 0 if self._last is None else (self._last[0] * w + self._last[1] + 1)
            start %= flat.size
            if flat[start]:  # the usual case: the next cell has a value
                return self._cell(start)
            after = np.flatnonzero(flat[start:])
            if after.size:
                return self._cell(start + int(after[0]))
            before = np.flatnonzero(flat[:start])
            return self._cell(int(before[0])) if before.size else None
        if not flat.any():
            return None
        if self.order == "hard":
            pool, cumulative = m.hard_cells
            if pool.size:
                return self._draw(pool, cumulative)
        return self._draw(None, None)  # no hard cell at all: any cell will do

    def _cell(self, flat_index: int) -> tuple[int, int]:
        assert self.map is not None
        r, c = divmod(int(flat_index), self.map.shape[1])
        return (int(r), int(c))

    def _draw(
        self, pool: NDArray[np.intp] | None, cumulative: NDArray[np.float64] | None
    ) -> tuple[int, int]:
        """A cell of ``pool`` (flat indices; None: every askable cell) not asked in this round.

        ``cumulative`` holds the pool's cumulative weights (None: uniform). A few draws are
        tried first (cheap on a large map, where nearly every cell is still fresh); when they
        all land on asked cells the fresh cells are listed and drawn from exactly. Both give
        the same distribution: the weights restricted to the fresh cells.
        """
        m = self.map
        assert m is not None
        w = m.shape[1]
        flat = m.askable.ravel()
        n = flat.size if pool is None else pool.size
        last = None if self._last is None else self._last[0] * w + self._last[1]
        asked = {r * w + c for r, c in self._asked}
        for _ in range(64):
            if cumulative is None:
                k = int(self._rng.integers(n))
            else:
                k = int(np.searchsorted(cumulative, self._rng.random() * cumulative[-1], "right"))
            i = k if pool is None else int(pool[min(k, n - 1)])
            if flat[i] and i not in asked and i != last:
                return self._cell(i)
        candidates = np.flatnonzero(flat) if pool is None else pool
        weights = None if cumulative is None else np.diff(cumulative, prepend=0.0)
        fresh = ~np.isin(candidates, np.fromiter(asked, np.intp, len(asked)))
        if not fresh.any():  # every candidate asked once: a new round
            self._asked = set()
            fresh[:] = True
        if last is not None and np.count_nonzero(fresh) > 1:
            fresh &= candidates != last  # never the same cell twice in a row
        chosen = candidates[fresh]
        if weights is None:
            return self._cell(int(chosen[self._rng.integers(chosen.size)]))
        p = weights[fresh]
        return self._cell(int(chosen[self._rng.choice(chosen.size, p=p / p.sum())]))

    # --- answering ---------------------------------------------------------------------

    def answer(self, text: str) -> Verdict:
        """Judge a typed answer to the open question and count it.

        Raises
        ------
        ValueError
            When no question is open, or the text is not a number (not counted; the message
            says what to type).
        """
        q = self.question
        if q is None or self.verdict is not None:
            raise ValueError("No question is open: press Next for a new one.")
        value = parse_answer(text)
        right = is_right(value, q.expected, text)
        self.verdict = Verdict(q, right, value, typed=text.strip())
        self.score.add(right)
        return self.verdict

    def reveal(self) -> Verdict:
        """Show the answer of the open question (counted as not right).

        Raises
        ------
        ValueError
            When no question is open.
        """
        q = self.question
        if q is None or self.verdict is not None:
            raise ValueError("No question is open: press Next for a new one.")
        self.verdict = Verdict(q, False, None, revealed=True)
        self.score.add(False)
        return self.verdict

    def reset_score(self) -> None:
        """Start the score again."""
        self.score = Score()

    def cells_asked(self) -> Iterable[tuple[int, int]]:
        """Cells asked in this round (for tests and tools)."""
        return frozenset(self._asked)


__all__ = [
    "ANSWER_HELP",
    "EDGE",
    "ORDERS",
    "PADDING",
    "QUIZ_STAGES",
    "RULE_TEXT",
    "STRIDE",
    "Question",
    "Quiz",
    "QuizMap",
    "Score",
    "Verdict",
    "allowed_error",
    "describe_reasons",
    "hard_reasons",
    "is_right",
    "parse_answer",
    "pooled_readers",
    "same_float32",
    "typed_tolerance",
    "value_tolerance",
]
