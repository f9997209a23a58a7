"""The undo history the states share: compared with two plain lists driven by the same steps,
its bounds, and the states' undo through it (labels, limit, signal order)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convgui import layer_state, state
from convgui.history import HasHistory, UndoHistory
from convgui.layer_state import LayerState
from convgui.state import ExplorerState, SyncExecutor, wait_until


class Step(NamedTuple):
    value: int
    label: str


def test_push_undo_redo_swap_snapshots_and_labels() -> None:
    h: UndoHistory[Step] = UndoHistory()
    assert (h.can_undo, h.can_redo, h.undo_label, h.redo_label) == (False, False, "", "")
    h.push(Step(0, "first"))
    h.push(Step(1, "second"))
    assert (h.can_undo, h.can_redo, h.undo_label) == (True, False, "second")
    assert h.undo(Step(2, "second")) == Step(1, "second")
    assert (h.undo_label, h.redo_label) == ("first", "second")
    assert h.next_redo == Step(2, "second")
    assert h.redo(Step(1, "second")) == Step(2, "second")
    assert h.undo_steps == (Step(0, "first"), Step(1, "second"))
    assert h.redo_steps == ()


def test_push_forgets_redo() -> None:
    h: UndoHistory[Step] = UndoHistory()
    h.push(Step(0, "a"))
    h.undo(Step(1, "a"))
    assert h.can_redo
    h.push(Step(0, "b"))
    assert not h.can_redo and h.redo_label == ""
    assert h.undo_steps == (Step(0, "b"),)


def test_undo_and_redo_on_empty_history_change_nothing() -> None:
    h: UndoHistory[Step] = UndoHistory()
    assert h.undo(Step(5, "x")) is None
    assert h.redo(Step(5, "x")) is None
    assert h.next_undo is None and h.next_redo is None
    assert h.undo_steps == () and h.redo_steps == ()


def test_count_limit_drops_the_oldest_on_push_only() -> None:
    h: UndoHistory[Step] = UndoHistory(3)
    for i in range(5):
        h.push(Step(i, f"s{i}"))
    assert [s.value for s in h.undo_steps] == [2, 3, 4]
    # Undo everything then redo everything: the stacks move, nothing is dropped.
    for i in range(3):
        h.undo(Step(10 + i, h.undo_label))
    assert len(h.redo_steps) == 3
    for i in range(3):
        h.redo(Step(20 + i, h.redo_label))
    assert len(h.undo_steps) == 3 and not h.can_redo


def test_size_bound_drops_oldest_but_keeps_the_newest() -> None:
    seen: list[int] = []

    def weight(steps: Sequence[Step]) -> int:
        seen.append(len(steps))
        return sum(s.value for s in steps)

    h: UndoHistory[Step] = UndoHistory(10, size=weight, max_size=10)
    h.push(Step(4, "a"))
    h.push(Step(4, "b"))
    assert [s.label for s in h.undo_steps] == ["a", "b"]  # 8 <= 10
    h.push(Step(4, "c"))  # 12 > 10: "a" goes
    assert [s.label for s in h.undo_steps] == ["b", "c"]
    h.push(Step(50, "huge"))  # alone over the bound: still kept, the others go
    assert [s.label for s in h.undo_steps] == ["huge"]
    assert seen  # the size function was asked


def test_size_sees_the_redo_steps_too() -> None:
    totals: list[tuple[int, ...]] = []

    def weight(steps: Sequence[Step]) -> int:
        totals.append(tuple(s.value for s in steps))
        return 0

    h: UndoHistory[Step] = UndoHistory(size=weight, max_size=1)
    h.push(Step(1, "a"))
    h.push(Step(2, "b"))
    assert totals[-1] == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "quoted"),
    [
        ({"limit": 0}, "got 0"),
        ({"limit": -3}, "got -3"),
        ({"size": len}, "both size and max_size"),
        ({"max_size": 10}, "both size and max_size"),
    ],
)
def test_bad_bounds_are_refused(kwargs: dict[str, object], quoted: str) -> None:
    with pytest.raises(ValueError, match=quoted):
        UndoHistory(**kwargs)  # type: ignore[arg-type]


def test_clear_replace_and_map() -> None:
    h: UndoHistory[Step] = UndoHistory()
    h.push(Step(1, "a"))
    h.push(Step(2, "b"))
    h.undo(Step(3, "b"))
    h.map(lambda s: Step(s.value * 10, s.label))
    assert h.undo_steps == (Step(10, "a"),)
    assert h.redo_steps == (Step(30, "b"),)
    saved = (h.undo_steps, h.redo_steps)
    h.clear()
    assert not h.can_undo and not h.can_redo
    h.replace(*saved)
    assert (h.undo_steps, h.redo_steps) == saved


class _ListReference:
    """The states' former code: two lists, the bound applied by slicing after an append."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.undo: list[Step] = []
        self.redo: list[Step] = []

    def push(self, snap: Step) -> None:
        self.undo.append(snap)
        del self.undo[: -self.limit]
        self.redo.clear()

    def do_undo(self, current: int) -> Step | None:
        if not self.undo:
            return None
        snap = self.undo.pop()
        self.redo.append(Step(current, snap.label))
        return snap

    def do_redo(self, current: int) -> Step | None:
        if not self.redo:
            return None
        snap = self.redo.pop()
        self.undo.append(Step(current, snap.label))
        return snap


@given(
    limit=st.integers(1, 6),
    ops=st.lists(st.tuples(st.sampled_from(["push", "undo", "redo"]), st.integers(0, 9))),
)
def test_matches_the_two_list_reference(limit: int, ops: list[tuple[str, int]]) -> None:
    h: UndoHistory[Step] = UndoHistory(limit)
    ref = _ListReference(limit)
    for n, (op, value) in enumerate(ops):
        if op == "push":
            h.push(Step(value, f"op{n}"))
            ref.push(Step(value, f"op{n}"))
        elif op == "undo":
            assert h.undo(Step(value, h.undo_label)) == ref.do_undo(value)
        else:
            assert h.redo(Step(value, h.redo_label)) == ref.do_redo(value)
        assert h.undo_steps == tuple(ref.undo)
        assert h.redo_steps == tuple(ref.redo)
        assert h.undo_label == (ref.undo[-1].label if ref.undo else "")
        assert h.redo_label == (ref.redo[-1].label if ref.redo else "")


# --- the states through it -------------------------------------------------------------------


@pytest.fixture
def explorer(qtbot: object) -> Iterator[ExplorerState]:
    s = ExplorerState(SyncExecutor())
    yield s
    s.close()


def test_explorer_state_keeps_its_limit_and_labels(explorer: ExplorerState) -> None:
    n = state.HISTORY_LIMIT + 3
    for i in range(n):
        assert explorer.set_kernel(np.full((3, 3), float(i + 1)), label=f"Edit {i}")
    steps = 0
    while explorer.can_undo:
        assert explorer.undo_label == f"Edit {n - 1 - steps}"
        assert explorer.undo()
        steps += 1
    assert steps == state.HISTORY_LIMIT
    assert explorer.redo_label == f"Edit {n - state.HISTORY_LIMIT}"
    np.testing.assert_array_equal(explorer.kernel, np.full((3, 3), 3.0))  # 3 edits were dropped


def test_explorer_undo_moves_the_step_before_it_announces(explorer: ExplorerState) -> None:
    explorer.set_kernel(np.eye(3), label="Eye")
    seen: list[tuple[str, bool, bool, str]] = []

    def note(name: str) -> None:
        seen.append((name, explorer.can_undo, explorer.can_redo, explorer.redo_label))

    explorer.kernel_changed.connect(lambda: note("kernel"))
    explorer.history_changed.connect(lambda: note("history"))
    assert explorer.undo()
    assert seen == [("kernel", False, True, "Eye"), ("history", False, True, "Eye")]
    assert not explorer.undo()
    assert len(seen) == 2  # nothing to undo: nothing announced


def test_layer_state_keeps_its_limit_and_labels(explorer: ExplorerState, qtbot: object) -> None:
    layer = LayerState(explorer, SyncExecutor())
    try:
        n = layer_state.HISTORY_LIMIT + 2
        for i in range(n):
            assert layer.set_bias(0, float(i + 100))
        steps = 0
        while layer.can_undo:
            assert layer.undo()
            steps += 1
        assert steps == layer_state.HISTORY_LIMIT
        assert float(layer.bias[0]) == 101.0  # the state before the first two edits was dropped
        seen: list[tuple[str, bool, str]] = []
        layer.bank_changed.connect(lambda: seen.append(("bank", layer.can_undo, layer.undo_label)))
        layer.history_changed.connect(
            lambda: seen.append(("history", layer.can_undo, layer.undo_label))
        )
        assert layer.redo()
        assert seen == [("bank", True, "Edit bias"), ("history", True, "Edit bias")]
        assert layer.redo_label == "Edit bias"
    finally:
        layer.close()


def test_has_history_reads_the_history_it_is_given() -> None:
    class Holder(HasHistory):
        def __init__(self) -> None:
            self._history: UndoHistory[Step] = UndoHistory()

    holder = Holder()
    assert (holder.can_undo, holder.can_redo, holder.undo_label, holder.redo_label) == (
        False,
        False,
        "",
        "",
    )
    holder._history.push(Step(0, "Paint"))
    holder._history.push(Step(1, "Erase"))
    holder._history.undo(Step(2, "Erase"))
    assert (holder.can_undo, holder.can_redo) == (True, True)
    assert (holder.undo_label, holder.redo_label) == ("Paint", "Erase")


def test_wait_until_gives_up_after_the_timeout(qtbot: object) -> None:
    asked: list[int] = []

    def never() -> bool:
        asked.append(1)
        return False

    t0 = time.perf_counter()
    assert not wait_until(never, 0.05)
    assert 0.04 <= time.perf_counter() - t0 < 2.0
    assert len(asked) > 1  # asked again after each round of events
    assert wait_until(lambda: True, 0.0)
