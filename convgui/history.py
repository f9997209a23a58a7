"""An undo/redo history of snapshots, shared by the states (no Qt).

A state keeps what one user action may change in a frozen snapshot carrying a ``label``. Before
a change it pushes the snapshot of what it has now; undo hands back the snapshot to restore and
keeps the current one for redo. The history never restores anything itself and emits nothing:
the state does both, in its own order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar


class Labelled(Protocol):
    """A snapshot: anything with the name of the change that made it."""

    @property
    def label(self) -> str:
        """The name shown as "Undo <label>"."""
        ...


T = TypeVar("T", bound=Labelled)


class UndoHistory(Generic[T]):
    """Two stacks of snapshots, the newest last, with optional bounds.

    Parameters
    ----------
    limit : int or None
        At most this many undo steps are kept; a push drops the oldest beyond it. None: no bound.
    size : callable or None
        Given every step held (undo steps then redo steps), how much they weigh (bytes, say).
    max_size : int or None
        With ``size``: after a push the oldest undo steps are dropped while the steps weigh more
        than this, always keeping the newest one.

    Raises
    ------
    ValueError
        When ``limit`` is below 1, or only one of ``size`` and ``max_size`` is given.

    Notes
    -----
    Only :meth:`push` applies the bounds; undo and redo move steps between the stacks as they
    are (a redo never drops an undo step).

    Examples
    --------
    >>> from typing import NamedTuple
    >>> class Step(NamedTuple):
    ...     value: int
    ...     label: str
    >>> h: UndoHistory[Step] = UndoHistory(limit=2)
    >>> h.push(Step(0, "one"))
    >>> h.push(Step(1, "two"))
    >>> h.undo_label
    'two'
    >>> h.undo(Step(2, "two"))
    Step(value=1, label='two')
    >>> h.redo_label, h.can_redo
    ('two', True)
    """

    def __init__(
        self,
        limit: int | None = None,
        *,
        size: Callable[[Sequence[T]], int] | None = None,
        max_size: int | None = None,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"the history limit must be at least 1 step, got {limit!r}")
        if (size is None) != (max_size is None):
            raise ValueError("give both size and max_size, or neither")
        self._limit = limit
        self._size = size
        self._max_size = max_size
        self._undo: list[T] = []
        self._redo: list[T] = []

    # --- reading ---------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """True when there is a change to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone change to redo."""
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        """Name of the change :meth:`undo` would revert ("" when there is none)."""
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_label(self) -> str:
        """Name of the change :meth:`redo` would re-apply ("" when there is none)."""
        return self._redo[-1].label if self._redo else ""

    @property
    def next_undo(self) -> T | None:
        """The snapshot :meth:`undo` would hand back, or None (for a restore that may fail)."""
        return self._undo[-1] if self._undo else None

    @property
    def next_redo(self) -> T | None:
        """The snapshot :meth:`redo` would hand back, or None."""
        return self._redo[-1] if self._redo else None

    @property
    def undo_steps(self) -> tuple[T, ...]:
        """The undo steps, oldest first."""
        return tuple(self._undo)

    @property
    def redo_steps(self) -> tuple[T, ...]:
        """The redo steps, the one :meth:`redo` would take last."""
        return tuple(self._redo)

    # --- changing --------------------------------------------------------------------------

    def push(self, snapshot: T) -> None:
        """Record ``snapshot`` (the state before a change) as the newest undo step.

        The redo steps are forgotten, then the bounds drop the oldest undo steps.
        """
        self._redo.clear()
        self._undo.append(snapshot)
        if self._limit is not None:
            del self._undo[: -self._limit]
        if self._size is not None and self._max_size is not None:
            while len(self._undo) > 1 and self._size((*self._undo, *self._redo)) > self._max_size:
                del self._undo[0]

    def undo(self, current: T) -> T | None:
        """Take the newest undo step and keep ``current`` for redo.

        Parameters
        ----------
        current : T
            What the state holds now (give it the undo step's label: see :attr:`redo_label`).

        Returns
        -------
        T or None
            The snapshot to restore, or None (nothing changes) when there is nothing to undo.
        """
        if not self._undo:
            return None
        snap = self._undo.pop()
        self._redo.append(current)
        return snap

    def redo(self, current: T) -> T | None:
        """Take the newest redo step and keep ``current`` for undo (see :meth:`undo`)."""
        if not self._redo:
            return None
        snap = self._redo.pop()
        self._undo.append(current)
        return snap

    def clear(self) -> None:
        """Forget every undo and redo step."""
        self._undo.clear()
        self._redo.clear()

    def replace(self, undo: Iterable[T], redo: Iterable[T]) -> None:
        """Put back steps saved from :attr:`undo_steps` and :attr:`redo_steps`, as they were."""
        self._undo = list(undo)
        self._redo = list(redo)

    def map(self, change: Callable[[T], T]) -> None:
        """Replace every step by ``change(step)`` (e.g. adapt each to a new input), in order."""
        self._undo = [change(s) for s in self._undo]
        self._redo = [change(s) for s in self._redo]


class HasHistory:
    """What a state with an :class:`UndoHistory` in ``self._history`` says about it.

    A mixin: the state class lists it after its Qt base class and sets ``self._history`` in
    its ``__init__``; it gains the read-only properties the undo and redo menu entries read.
    """

    _history: UndoHistory[Any]

    @property
    def can_undo(self) -> bool:
        """True when there is a change to undo."""
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        """True when there is an undone change to redo."""
        return self._history.can_redo

    @property
    def undo_label(self) -> str:
        """Name of the change :meth:`undo` would revert."""
        return self._history.undo_label

    @property
    def redo_label(self) -> str:
        """Name of the change :meth:`redo` would re-apply."""
        return self._history.redo_label
