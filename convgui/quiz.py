"""Predict, then reveal: the quiz's model (which cell is asked, the expected value, the score).

No Qt here. The window's quiz panel (:mod:`convgui.gui.quiz`) shows a :class:`Quiz` and writes
the learner's answers to it; the values come from a published result (what the app shows),
the hard cells from the layer's geometry.

The rule for a right answer
---------------------------
The expected value is the one the output map holds (float32, after divisor, bias and
activation; the red channel of a colour result), exactly what the arithmetic panel writes
with :func:`convgui.core.text.format_value`. An answer is right when it lies within half a
unit of the last digit written there: ``198`` accepts 197.5 to 198.5, ``12.3`` accepts 12.25
to 12.35, ``0.125`` accepts 0.1245 to 0.1255 (see :func:`shown_tolerance`). Answers are read
as a kernel cell is (:func:`convgui.core.parse_cell`): a number or a fraction such as ``37/3``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .core import CellParseError, parse_cell
from .core.layout import LayerGeometry
from .core.text import format_value, pretty_number

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


# --- the rule ----------------------------------------------------------------------------------


def shown_tolerance(value: float) -> float:
    """Half a unit of the last digit of ``value`` as the app writes it.

    Parameters
    ----------
    value : float
        The expected value.

    Returns
    -------
    float
        The largest difference an answer may have and still count as right; 0.0 for a
        non-finite value (nothing can match it).

    Examples
    --------
    >>> shown_tolerance(198.0), shown_tolerance(12.3333), shown_tolerance(2.25)
    (0.5, 0.05, 0.005)
    >>> shown_tolerance(1530.4), shown_tolerance(0.00025)
    (0.5, 5e-06)
    """
    if not math.isfinite(value):
        return 0.0
    text = format_value(float(value))
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    power = -decimals + (int(exponent) if exponent else 0)
    return float(0.5 * 10.0**power)


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


def is_right(answer: float, expected: float) -> bool:
    """True when ``answer`` is within :func:`shown_tolerance` of ``expected``.

    Examples
    --------
    >>> is_right(198.4, 198.0), is_right(198.6, 198.0), is_right(37 / 3, 12.333333)
    (True, False, True)
    """
    if not (math.isfinite(answer) and math.isfinite(expected)):
        return False
    # A hair of slack so that 12.35 typed for 12.3 (float rounding) still counts.
    return abs(answer - expected) <= shown_tolerance(expected) * (1 + 1e-9) + 1e-12


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
        :func:`shown_tolerance` of ``expected``.
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

    def rule(self) -> str:
        """The tolerance in words, e.g. ``"answers from 197.5 to 198.5 count as right"``."""
        lo, hi = self.expected - self.tolerance, self.expected + self.tolerance
        return (
            f"answers from {_plain(lo)} to {_plain(hi)} count as right "
            "(half a unit of the last digit the app shows)"
        )


def _plain(v: float) -> str:
    # Enough digits to state a bound exactly (12.25, not 12.2), with a typographic minus.
    return f"{v:.10g}".replace("-", "−")


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
    """

    question: Question
    right: bool
    answer: float | None
    revealed: bool = False

    def text(self) -> str:
        """One sentence for the panel."""
        q = self.question
        if self.revealed:
            return f"The answer is {q.shown}. Counted as not right; the sum is worked out below."
        assert self.answer is not None
        if self.right:
            exact = "" if self.answer == q.expected else f" (the app shows {q.shown})"
            return f"Right: {pretty_number(self.answer)}{exact}. The sum is worked out below."
        return (
            f"Wrong: you wrote {pretty_number(self.answer)}, the value is {q.shown}; "
            f"{q.rule()}. The sum is worked out below."
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
            shown_tolerance(expected),
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
        right = is_right(value, q.expected)
        self.verdict = Verdict(q, right, value)
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
    "STRIDE",
    "Question",
    "Quiz",
    "QuizMap",
    "Score",
    "Verdict",
    "describe_reasons",
    "hard_reasons",
    "is_right",
    "parse_answer",
    "pooled_readers",
    "shown_tolerance",
]
