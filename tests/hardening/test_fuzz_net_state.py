"""Fuzzing the network mode's state: random sequences of edits with hostile values.

Each example opens a digits-shaped network (seeded random weights, so the trained files are not
needed) in a :class:`NetState` whose recomputes are synchronous, then runs a random sequence of
structure edits (add / remove / move / set_layer with 0, negative, huge, bool, float, text,
None, NaN, lists of the wrong length, kernels larger than the map, strides beyond the input,
groups that do not divide...), weight edits (typed text such as ``"1e400"``, ``"1/0"``,
``"1,5"``; indices out of range; kernels of the wrong shape or with NaN), input changes,
selections, receptive-field units, undo and redo.

After every call:

- nothing is raised out of a public method;
- a refused edit (False) leaves the network as it was (the very same object), and an edit
  refused with an error message changes nothing either;
- an accepted network's outputs have the shapes ``output_shapes`` says and equal a fresh
  forward pass of that network on that input (or there are none and :attr:`NetState.error`
  says why); probabilities, when given, are finite, non-negative and sum to 1;
- nothing large is allocated (``tracemalloc`` peak under :data:`PEAK_BYTES`; the total of the
  outputs is capped lower for this test so hostile stacks stay fast);
- undo and redo walk back and forth through exactly the networks the edits made.

Examples are derandomized, so CI sees the same sequences.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convgui.net_state as ns
from convgui.net import Network, digits_layers
from convgui.net_state import NetState, first_change
from convgui.state import ExplorerState, SyncExecutor

SPECS = digits_layers((4, 4))
DIGITS = Network(SPECS, None, (28, 28, 1), name="digits", seed=11)
RNG = np.random.default_rng(5)
IMAGES = RNG.random((100, 28, 28)).astype(np.float32)
LABELS = np.arange(100, dtype=np.int64) % 10

#: The outputs of every accepted network together (lowered from the real cap for speed).
TEST_MAX_VALUES = 3_000_000
#: The most one call may allocate: the outputs at the cap, the weights, the engine's buffers.
PEAK_BYTES = 160 * 2**20

HOSTILE: list[Any] = [
    0, -1, 1, 2, 3, 15, 16, 17, 512, 513, 4096, 10**9, 2**64, True, False, 1.5, float("nan"),
    float("inf"), "3", "", None, [], [1], [1, 2, 3], (15, 15), (16, 16), (1, 1), (2, 2),
    (0, 0), (3, -1), (1, 2, 3, 4), "same", "valid", "full", "relu", "nope", {}, np.int64(2),
    np.float32(2.0), b"x", "conv1", "relu1", "a/b", " x", "x" * 80,
]  # fmt: skip
FIELDS = [
    "type", "name", "filters", "units", "kernel_size", "strides", "padding", "dilation_rate",
    "groups", "use_bias", "activation", "output_padding", "bogus",
]  # fmt: skip
KINDS: list[Any] = [
    "conv2d", "conv2d_transpose", "activation", "max_pool", "avg_pool", "flatten", "dense",
    "softmax", "lstm", "", None, 3, ["conv2d"],
]  # fmt: skip
INDICES: list[Any] = [0, 1, 2, 3, 5, 6, 7, 8, 9, 63, 64, -1, 10**9, None, 1.0, True, "0", (0,)]
TEXTS: list[Any] = [
    "1e400", "nan", "inf", "-inf", "1/0", "", "  ", "1,5", "0x10", "9" * 400, "1/9", "-0.5",
    "3e38", "-3.4e38", "1e-45", 0.25, -2, 1e39, float("nan"), None, True, [1.0],
]  # fmt: skip
WEIGHT_INDICES: list[Any] = [
    (0,), (0, 0), (1, 1, 0, 0), (2, 2, 0, 3), (0, 0, 0, 0), (99, 0, 0, 0), (-1, 0, 0, 0),
    (0, 0, 0, 0, 0), (True, 0, 0, 0), (0.0, 0, 0, 0), 0, None, "00", (5, 3), (10**9, 0),
]  # fmt: skip

hostile = st.sampled_from(HOSTILE)
index = st.sampled_from(INDICES)

ops = st.one_of(
    st.tuples(st.just("add_layer"), st.sampled_from(KINDS), st.one_of(st.none(), index)),
    st.tuples(st.just("remove_layer"), index),
    st.tuples(st.just("move_layer"), index, index),
    st.tuples(
        st.just("set_layer"),
        index,
        st.dictionaries(st.sampled_from(FIELDS), hostile, min_size=1, max_size=2),
    ),
    st.tuples(
        st.just("set_weight"),
        index,
        st.sampled_from(["kernel", "bias", "gamma", None]),
        st.sampled_from(WEIGHT_INDICES),
        st.sampled_from(TEXTS),
    ),
    st.tuples(
        st.just("set_kernel"),
        index,
        st.sampled_from([0, 1, 3, -1, None, 1.5]),
        st.sampled_from([0, 1, -1, None]),
        st.sampled_from(["zeros3", "ones3", "nan3", "big3", "shape5", "text", "ragged", "none"]),
    ),
    st.tuples(st.just("set_sample"), st.sampled_from([0, 7, 99, 100, -1, None, 2.0, True])),
    st.tuples(
        st.just("set_drawn"),
        st.sampled_from(["ok", "nan", "inf", "shape", "neg", "255", "bool", "ragged", "none"]),
    ),
    st.tuples(st.just("select"), hostile, hostile, hostile),
    st.tuples(st.just("set_unit"), index, st.sampled_from([(0, 0), (1, 2), (0,), 0, None, (9, 9)])),
    st.tuples(st.just("clear_unit")),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
    st.tuples(st.just("reset_weights")),
    st.tuples(st.just("new_network")),
    st.tuples(st.just("open_digits")),
)

KERNELS: dict[str, Any] = {
    "zeros3": np.zeros((3, 3)),
    "ones3": np.ones((3, 3), np.float32),
    "nan3": np.full((3, 3), np.nan),
    "big3": np.full((3, 3), 1e39),
    "shape5": np.zeros((5, 5)),
    "text": [["a"] * 3] * 3,
    "ragged": [[1, 2], [3]],
    "none": None,
}
DRAWN: dict[str, Any] = {
    "ok": RNG.random((28, 28)).astype(np.float32),
    "nan": np.full((28, 28), np.nan),
    "inf": np.full((28, 28), np.inf),
    "shape": np.zeros((27, 28)),
    "neg": -np.ones((28, 28)),
    "255": np.full((28, 28), 255, np.uint8),
    "bool": np.ones((28, 28), bool),
    "ragged": [[1, 2], [3]],
    "none": None,
}

#: Calls that change the network as an undo step when they return True.
UNDOABLE = {
    "add_layer", "remove_layer", "move_layer", "set_layer", "set_weight", "set_kernel",
    "reset_weights", "new_network", "open_digits",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _digits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Network, "digits", classmethod(lambda cls: DIGITS))
    monkeypatch.setattr(ns, "digit_samples", lambda: (IMAGES.copy(), LABELS.copy()))
    monkeypatch.setattr(ns, "MAX_NETWORK_VALUES", TEST_MAX_VALUES)
    yield


def same_network(a: Network, b: Network) -> bool:
    return (
        a.input_shape == b.input_shape
        and len(a.layers) == len(b.layers)
        and first_change(a, b) == len(a.layers)
    )


def call(state: NetState, op: tuple[Any, ...]) -> Any:
    name, *args = op
    if name == "set_layer":
        return state.set_layer(args[0], **args[1])
    if name == "set_kernel":
        return state.set_kernel(args[0], args[1], args[2], KERNELS[args[3]])
    if name == "set_drawn":
        return state.set_drawn(DRAWN[args[0]])
    return getattr(state, name)(*args)


def check_outputs(state: NetState) -> None:
    net = state.network
    outs = state.outputs
    if outs is None:
        assert state.error, "no outputs and no error saying why"
        return
    assert [o.shape for o in outs] == net.output_shapes
    values = sum(math.prod(s) for s in net.output_shapes)
    assert values <= TEST_MAX_VALUES
    want = net.forward(state.input)
    for got, ref in zip(outs, want):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    p = state.probabilities
    if p is not None:
        assert np.isfinite(p).all() and (p >= 0).all()
        assert abs(float(p.sum()) - 1.0) < 1e-4


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(ops, min_size=1, max_size=20))
def test_random_edit_sequences_never_raise_or_lose_work(qapp: Any, sequence: list[Any]) -> None:
    explorer = ExplorerState(SyncExecutor())
    state = NetState(explorer, executor=SyncExecutor())
    messages: list[tuple[str, str]] = []
    state.message.connect(lambda level, text: messages.append((level, text)))
    try:
        blank = state.network
        state.open_digits()
        undo: list[Network] = [blank]  # opening the digits network is an undo step
        redo: list[Network] = []
        for op in sequence:
            before = state.network
            messages.clear()
            tracemalloc.start()
            try:
                result = call(state, op)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < PEAK_BYTES, f"{op[0]} allocated {peak:,} bytes"
            errors = [t for level, t in messages if level == "error"]
            for text in errors:
                assert text.strip() and "Traceback" not in text
            name = op[0]
            if name in ("undo", "redo"):
                src, dst = (undo, redo) if name == "undo" else (redo, undo)
                if result:
                    assert same_network(state.network, src.pop())
                    dst.append(before)
                else:
                    assert state.network is before
            elif name in UNDOABLE:
                if result is False or (errors and result is not True):
                    assert state.network is before, f"refused {op!r} changed the network"
                elif state.network is not before:
                    undo.append(before)
                    redo.clear()
            elif errors:
                assert state.network is before
            check_outputs(state)
        # Undo all the way back, then redo all the way forward: exactly the same networks.
        path = [state.network]
        while state.can_undo and undo:
            assert state.undo()
            assert same_network(state.network, undo.pop())
            path.append(state.network)
        for net in reversed(path[:-1]):
            assert state.redo()
            assert same_network(state.network, net)
        check_outputs(state)
    finally:
        state.close()
        explorer.close()
