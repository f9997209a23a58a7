"""Attacks on the network mode's state: each test is a bug found by attacking it, now refused.

The digits network is a digits-shaped one with seeded random weights (monkeypatched in), so
these tests do not depend on the trained files. Every refused call must emit an error message
that says what was wrong, raise nothing and leave the network as it was (the same object).
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import convgui.net_state as ns
from convgui.core.network import LayerSpec
from convgui.imageio import ImageDoc
from convgui.net import Network, digits_layers
from convgui.net_state import (
    MAX_NETWORK_VALUES,
    MAX_NETWORK_WORK,
    NetState,
    check_cost,
    layer_work,
    rebuild,
    settings_of,
)
from convgui.state import ExplorerState, SyncExecutor

SPECS = digits_layers((16, 32))
DIGITS = Network(SPECS, None, (28, 28, 1), name="digits", seed=7)
RNG = np.random.default_rng(4)
IMAGES = RNG.random((100, 28, 28)).astype(np.float32)
LABELS = np.arange(100, dtype=np.int64) % 10


@pytest.fixture(autouse=True)
def digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Network, "digits", classmethod(lambda cls: DIGITS))
    monkeypatch.setattr(ns, "digit_samples", lambda: (IMAGES.copy(), LABELS.copy()))


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    yield e
    e.close()


@pytest.fixture
def state(explorer: ExplorerState) -> Iterator[NetState]:
    s = NetState(explorer, executor=SyncExecutor())
    s.open_digits()
    yield s
    s.close()


@pytest.fixture
def messages(state: NetState) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    state.message.connect(lambda level, text: got.append((level, text)))
    return got


def refused(state: NetState, messages: list[tuple[str, str]], call: Any, *words: str) -> str:
    """Run ``call``; assert it was refused with an error naming ``words`` and changed nothing."""
    before_net, before_input = state.network, state.input
    messages.clear()
    result = call()
    assert result in (False, None)
    assert state.network is before_net
    assert state.input is before_input
    errors = [t for level, t in messages if level == "error"]
    assert len(errors) == 1, messages
    for w in words:
        assert w in errors[0], errors[0]
    return errors[0]


# --- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [["conv2d"], {}, None, 3])
def test_a_layer_kind_that_is_not_text_is_refused(
    state: NetState, messages: list[tuple[str, str]], kind: Any
) -> None:
    # A list or a dict used to raise "unhashable type" out of add_layer.
    refused(state, messages, lambda: state.add_layer(kind), "no layer type", "Choose one of")


@pytest.mark.parametrize(
    ("index", "changes"),
    [
        (0, {"units": "3"}),  # a conv2d has no units: the text was stored in the layer
        (0, {"activation": None}),
        (1, {"filters": 10**9}),  # an activation has no filters
        (2, {"groups": 3}),  # a pooling layer has no groups
        (7, {"kernel_size": (15, 15)}),  # a dense layer has no kernel size
        (6, {"use_bias": False}),
    ],
)
def test_a_setting_the_layer_type_does_not_read_is_refused(
    state: NetState, messages: list[tuple[str, str]], index: int, changes: dict[str, Any]
) -> None:
    undo = state.undo_label
    text = refused(
        state, messages, lambda: state.set_layer(index, **changes), "has no setting", "it reads"
    )
    assert next(iter(changes)) in text
    assert state.undo_label == undo, "a refused setting made an undo step"


def test_settings_of_each_type_are_the_ones_its_file_holds() -> None:
    for kind in ("conv2d", "max_pool", "dense", "activation", "flatten"):
        keys = {"kernel_size" if k == "pool_size" else k for k in LayerSpec(kind).to_dict()}
        assert keys <= settings_of(kind)
    assert "output_padding" in settings_of("conv2d_transpose")
    assert "units" not in settings_of("conv2d")


def test_changing_the_type_with_its_settings_is_accepted(state: NetState) -> None:
    assert state.set_layer(1, type="conv2d", filters=16, padding="same")
    assert state.network.layers[1].type == "conv2d"
    assert state.outputs is not None
    assert [o.shape for o in state.outputs] == state.network.output_shapes


def test_outputs_that_together_exceed_the_cap_are_refused_before_anything_is_computed(
    state: NetState, messages: list[tuple[str, str]]
) -> None:
    # Each layer stays under the one-layer cap (100 M values), but together they do not: four
    # transposed layers in front of 512 filters allocated 2.3 GB and took a minute.
    assert state.set_layer(0, filters=256, padding="same")
    assert state.add_layer("conv2d_transpose", 0)  # 56×56×8 in front of conv1
    tracemalloc.start()
    try:
        text = refused(
            state,
            messages,
            lambda: state.set_layer(0, strides=(16, 16)),  # 448×448×256 twice, then pooled
            "values in all",
            f"{MAX_NETWORK_VALUES:,}",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "The network is unchanged" in text
    assert peak < 20 * 2**20
    specs = [
        LayerSpec("conv2d_transpose", "t", filters=8, strides=(16, 16), padding="same"),
        LayerSpec("conv2d", "c", filters=256, padding="same"),
        LayerSpec("activation", "r"),
    ]
    shapes = [(448, 448, 8), (448, 448, 256), (448, 448, 256)]
    assert max(math.prod(s) for s in shapes) < ns.MAX_LAYER_VALUES
    with pytest.raises(ValueError, match="values in all"):
        rebuild(specs, (28, 28, 1))


def test_a_forward_pass_beyond_the_work_cap_is_refused() -> None:
    specs = [
        LayerSpec("conv2d_transpose", "t", filters=512, strides=(8, 8), padding="same"),
        LayerSpec("conv2d", "c", filters=64, kernel_size=(15, 15)),
    ]
    ins = [(28, 28, 1), (224, 224, 512)]
    outs = [(224, 224, 512), (210, 210, 64)]
    work = sum(layer_work(s, i, o) for s, i, o in zip(specs, ins, outs))
    assert work == 28 * 28 * 9 * 512 + 210 * 210 * 64 * 225 * 512 > MAX_NETWORK_WORK
    with pytest.raises(ValueError, match="multiply-adds"):
        check_cost(specs, (28, 28, 1), outs)
    with pytest.raises(ValueError, match="multiply-adds"):
        rebuild(specs, (28, 28, 1))


def test_a_saved_network_too_costly_for_the_input_is_refused_on_open(
    explorer: ExplorerState, state: NetState, messages: list[tuple[str, str]], tmp_path: Path
) -> None:
    # Under the cap on its own 8×8 input, beyond it on the current 28×28 one.
    big = Network(
        [
            LayerSpec("conv2d_transpose", "t", filters=512, strides=(8, 8), padding="same"),
            LayerSpec("conv2d", "c", filters=16, kernel_size=(15, 15), padding="same"),
        ],
        None,
        (8, 8, 1),
        name="big",
    )
    big.save(tmp_path / "big.json")
    refused(
        state, messages, lambda: state.open_network(tmp_path / "big.json"), "multiply-adds", "kept"
    )


def test_a_new_network_too_large_for_the_image_is_refused(
    explorer: ExplorerState, messages: list[tuple[str, str]]
) -> None:
    # 3000×3000: conv 8 same (72 M values) + ReLU (72 M) + pool: each under 100 M, not together.
    s = NetState(explorer, executor=SyncExecutor())
    got: list[tuple[str, str]] = []
    s.message.connect(lambda level, text: got.append((level, text)))
    try:
        s.set_layer(0, strides=(4, 4))
        explorer.set_image(ImageDoc(np.zeros((3000, 3000), np.uint8), 8, "big"))
        assert s.set_input_source("image")
        before = s.network
        got.clear()
        s.new_network()
        assert s.network is before
        assert got and got[-1][0] == "error" and "values in all" in got[-1][1]
    finally:
        s.close()


# --- weights --------------------------------------------------------------------------------


@pytest.mark.parametrize(("filt", "chan"), [(None, 0), (0, None), (1.5, 0), (0, 0.0), (True, 0)])
def test_a_kernel_picked_by_something_other_than_whole_numbers_is_refused(
    state: NetState, messages: list[tuple[str, str]], filt: Any, chan: Any
) -> None:
    # None raised TypeError out of set_kernel; 1.5 silently meant filter 1.
    refused(
        state,
        messages,
        lambda: state.set_kernel(0, filt, chan, np.ones((3, 3))),
        "whole numbers",
        "Pick a kernel",
    )
    with pytest.raises(ValueError, match="whole numbers"):
        state.kernel_of(0, filt, chan)


def test_logits_beyond_float32_never_give_nan_probabilities(state: NetState) -> None:
    assert state.set_weight(7, "bias", (0,), "3e38")
    assert state.set_weight(7, "bias", (1,), "-3.4e38")
    p = state.probabilities
    assert p is not None and np.isfinite(p).all()
    assert p[0] == pytest.approx(1.0) and p.sum() == pytest.approx(1.0)
    assert state.set_weight(7, "bias", (2,), "3e38")
    p = state.probabilities
    assert p is not None and np.isfinite(p).all()
    np.testing.assert_allclose(p[[0, 2]], [0.5, 0.5], atol=1e-6)


# --- input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digit", "words"),
    [
        ([[1, 2], [3]], ("28×28",)),  # ragged: raised out of set_drawn
        (-np.ones((28, 28)), ("0 to 1", "-1")),
        (np.full((28, 28), 255, np.uint8), ("0 to 1", "divide it by 255")),
        (np.full((28, 28), 1e39), ("0 to 1",)),  # was an inf input and an overflow warning
    ],
)
def test_a_drawn_digit_that_is_not_ink_in_0_to_1_is_refused(
    state: NetState, messages: list[tuple[str, str]], digit: Any, words: tuple[str, ...]
) -> None:
    refused(state, messages, lambda: state.set_drawn(digit), *words)


def test_a_drawn_bool_digit_is_ink(state: NetState) -> None:
    d = np.zeros((28, 28), bool)
    d[10:20, 12:15] = True
    state.set_drawn(d)
    np.testing.assert_array_equal(state.input[:, :, 0], d.astype(np.float32))


@pytest.mark.parametrize("unit", [0, None, 1.5, (1.5, 2), (True, 0), "ab", ()])
def test_a_unit_that_is_not_a_place_says_so_in_words(
    state: NetState, messages: list[tuple[str, str]], unit: Any
) -> None:
    # It said "'int' object is not iterable".
    text = refused(state, messages, lambda: state.set_unit(0, unit), "row, column", "Click a unit")
    assert "object" not in text
    assert state.unit is None


def test_selecting_an_infinite_layer_is_refused(
    state: NetState, messages: list[tuple[str, str]]
) -> None:
    # OverflowError escaped select().
    refused(state, messages, lambda: state.select(float("inf")), "chosen by number")


@pytest.mark.parametrize("path", [None, 3, ["a.json"], "", "   "])
def test_opening_something_that_is_not_a_file_name_is_refused(
    state: NetState, messages: list[tuple[str, str]], path: Any
) -> None:
    refused(state, messages, lambda: state.open_network(path), "not a file name", "kept")


def test_a_4096_image_is_taken_at_once_and_computed_on_the_worker(
    explorer: ExplorerState,
) -> None:
    # A network that reads 4096×4096 (a 4×4 average pool first): the GUI thread only converts
    # the image; the forward pass runs on the worker.
    s = NetState(explorer)
    try:
        assert s.add_layer("avg_pool", 0)
        assert s.set_layer(0, kernel_size=(4, 4), strides=(4, 4))
        img = np.random.default_rng(0).integers(0, 65536, (4096, 4096), dtype=np.uint16)
        explorer.set_image(ImageDoc(img, 16, "big"))
        busy: list[bool] = []
        s.busy_changed.connect(busy.append)
        t = time.perf_counter()
        assert s.set_input_source("image")
        took = time.perf_counter() - t
        assert took < 1.5, f"set_input_source took {took:.2f} s on the GUI thread"
        assert busy == [True]
        # Switching the source while the worker runs: the digit wins, the old result is dropped.
        s.set_sample(3)
        assert s.input.shape == (28, 28, 1)
        assert s.wait_idle(60)
        assert s.outputs is not None
        assert [o.shape for o in s.outputs] == s.network.output_shapes
        want = s.network.forward(IMAGES[3][:, :, None])
        np.testing.assert_allclose(s.outputs[-1], want[-1], rtol=1e-5, atol=1e-6)
    finally:
        s.close()


def test_removing_the_flatten_before_dense_and_pooling_after_it_are_refused(
    state: NetState, messages: list[tuple[str, str]]
) -> None:
    refused(state, messages, lambda: state.remove_layer(6), "dense", "flatten", "unchanged")
    refused(
        state, messages, lambda: state.add_layer("max_pool", 7), "before the flatten", "unchanged"
    )
    refused(state, messages, lambda: state.move_layer(6, 0), "flatten", "unchanged")


def test_removing_every_layer_stops_at_one_and_undo_gets_everything_back(
    state: NetState, messages: list[tuple[str, str]]
) -> None:
    start = state.network
    removed = 0
    while len(state.network.layers) > 1:
        # The first layer whose removal the others can take (a dense needs its flatten).
        for i in range(len(state.network.layers)):
            if state.remove_layer(i):
                removed += 1
                break
        else:
            pytest.fail(f"no layer of {state.network.layers} could be removed")
    refused(state, messages, lambda: state.remove_layer(0), "at least one layer")
    for _ in range(removed):
        assert state.undo()
    assert state.network.layers == start.layers
    for got, want in zip(state.network.weights, start.weights):
        assert got.keys() == want.keys()
        for key in got:
            np.testing.assert_array_equal(got[key], want[key])


def test_a_dense_layer_of_too_many_weights_on_a_big_image_is_refused(
    explorer: ExplorerState, state: NetState, messages: list[tuple[str, str]]
) -> None:
    explorer.set_image(ImageDoc(np.zeros((256, 256), np.uint8), 8, "big"))
    assert state.set_input_source("image")
    assert state.network.weights[7]["kernel"].shape == (62 * 62 * 32, 10)
    # 512 filters: the flatten gives 62·62·512 values, the dense kernel 19.7 M weights.
    tracemalloc.start()
    try:
        refused(state, messages, lambda: state.set_layer(3, filters=512), "weights", "16,000,000")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


@pytest.mark.parametrize("follow", [False, True])
def test_an_image_larger_than_a_network_input_is_refused_before_it_is_converted(
    explorer: ExplorerState, state: NetState, messages: list[tuple[str, str]], follow: bool
) -> None:
    # A 5000×4200 colour photo was converted to float32 (250 MB, then its grey) before the
    # size was refused.
    photo = np.zeros((4200, 5000, 3), np.uint8)
    if follow:  # the image is the input; the explorer opens the large one
        explorer.set_image(ImageDoc(np.zeros((40, 30), np.uint8), 8, "small"))
        assert state.set_input_source("image")
    before_net, before_input = state.network, state.input
    messages.clear()
    if follow:
        explorer.set_image(ImageDoc(photo, 8, "photo"))
    else:
        explorer.set_image(ImageDoc(photo, 8, "photo"))  # the explorer's own work, not traced
        tracemalloc.start()
        try:
            assert not state.set_input_source("image")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2 * 2**20, f"{peak:,} bytes"
    assert state.network is before_net and state.input is before_input
    errors = [t for level, t in messages if level == "error"]
    assert errors and "5000×4200" in errors[-1] and "smaller image" in errors[-1]


def test_renaming_a_layer_keeps_its_weights_and_reset_still_restores_them(
    state: NetState, messages: list[tuple[str, str]]
) -> None:
    # A renamed layer silently got new random weights (they are found by name), the prediction
    # changed, and Reset to Trained Weights could no longer restore them.
    before = state.network
    p = state.probabilities
    assert p is not None
    messages.clear()
    assert state.set_layer(0, name="first")
    assert state.set_layer(7, name="head")
    assert messages == []
    assert [s.name for s in state.network.layers][:1] == ["first"]
    for got, want in zip(state.network.weights, before.weights):
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])
    assert state.probabilities is not None
    np.testing.assert_array_equal(state.probabilities, p)
    assert not state.weights_modified
    assert state.set_weight(0, "kernel", (0, 0, 0, 0), "2.5")
    assert state.weights_modified
    assert state.reset_weights()
    np.testing.assert_array_equal(state.network.weights[0]["kernel"], before.weights[0]["kernel"])
    assert state.network.layers[0].name == "first"
    # Undo back through the renames: the original names, weights and trained network.
    for _ in range(4):
        assert state.undo()
    assert state.network.layers == before.layers
    assert state.trained is not None and state.trained.layers == before.layers
    assert not state.weights_modified
