"""The network mode's state: inputs, weight and structure edits with undo, refused changes,
partial recompute from the edited layer, latest-wins background work, the explorer's image.

The digits network is a digits-shaped network with seeded random weights (monkeypatched in),
so these tests do not depend on the trained files; every number is checked against a fresh
:class:`convgui.net.Network` computed on its own (``with_weight``/``predict``/``forward``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import convgui.core.network as netcore
import convgui.net_state as ns
from convgui.core.network import LayerSpec, receptive_field
from convgui.core.pipeline import OutputTooLargeError
from convgui.imageio import ImageDoc
from convgui.net import Network, digits_layers
from convgui.net_state import NetState, first_change, for_input_shape, network_work
from convgui.state import ExplorerState, SyncExecutor

SPECS = digits_layers((16, 32))
DIGITS = Network(SPECS, None, (28, 28, 1), name="digits", seed=7)
RNG = np.random.default_rng(3)
IMAGES = RNG.random((100, 28, 28)).astype(np.float32)
LABELS = np.arange(100, dtype=np.int64) % 10
PHOTO = RNG.integers(0, 256, (30, 40, 3)).astype(np.uint8)


class ManualExecutor(Executor):
    """Holds submitted work until the test runs it (to see latest-wins at work)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[Any], Callable[[], Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        self.jobs.append((fut, lambda: fn(*args, **kwargs)))
        return fut

    def run_next(self) -> None:
        fut, fn = self.jobs.pop(0)
        fut.set_result(fn())


@pytest.fixture(autouse=True)
def digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Network, "digits", classmethod(lambda cls: DIGITS))
    monkeypatch.setattr(ns, "digit_samples", lambda: (IMAGES.copy(), LABELS.copy()))


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    yield e
    e.close()


class Recorder:
    """Counts every signal of a NetState and keeps its messages."""

    NAMES = (
        "network_changed",
        "structure_changed",
        "input_changed",
        "outputs_changed",
        "selection_changed",
        "unit_changed",
        "history_changed",
    )

    def __init__(self, s: NetState) -> None:
        self.counts = dict.fromkeys(self.NAMES, 0)
        self.messages: list[tuple[str, str]] = []
        for name in self.NAMES:
            getattr(s, name).connect(lambda *a, n=name: self._hit(n))
        s.message.connect(lambda level, text: self.messages.append((level, text)))

    def _hit(self, name: str) -> None:
        self.counts[name] += 1

    def reset(self) -> None:
        self.counts = dict.fromkeys(self.NAMES, 0)
        self.messages.clear()

    def fired(self) -> dict[str, int]:
        return {k: v for k, v in self.counts.items() if v}


@pytest.fixture
def state(explorer: ExplorerState) -> Iterator[NetState]:
    s = NetState(explorer, executor=SyncExecutor())
    s.open_digits()
    yield s
    s.close()


@pytest.fixture
def rec(state: NetState) -> Recorder:
    return Recorder(state)


def same_network(a: Network, b: Network) -> bool:
    return first_change(a, b) == len(a.layers) == len(b.layers)


# --- opening ---------------------------------------------------------------------------------


def test_open_digits_shows_sample_zero_and_its_prediction(state: NetState) -> None:
    assert state.network is DIGITS and state.trained is DIGITS and state.path is None
    assert state.input_source == "digit" and state.sample_index == 0
    np.testing.assert_array_equal(state.input, IMAGES[0][:, :, None])
    assert state.input.dtype == np.float32 and not state.input.flags.writeable
    want = DIGITS.forward(IMAGES[0])
    assert state.outputs is not None and len(state.outputs) == len(want) == 9
    for got, ref in zip(state.outputs, want):
        np.testing.assert_array_equal(got, ref)
    assert state.probabilities is not None
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[0]))
    assert state.error is None and not state.weights_modified
    assert state.undo_label == "Open digits network"


def test_state_before_any_network_is_the_default_stack_on_a_blank_digit(
    explorer: ExplorerState,
) -> None:
    s = NetState(explorer, executor=SyncExecutor())
    try:
        assert [x.type for x in s.network.layers] == ["conv2d", "activation", "max_pool"]
        assert s.input.shape == (28, 28, 1) and not s.input.any()
        assert s.outputs is not None and s.outputs[-1].shape == (14, 14, 8)
        assert s.probabilities is None and s.trained is None and not s.can_undo
    finally:
        s.close()


def test_open_digits_is_undoable(explorer: ExplorerState) -> None:
    s = NetState(explorer, executor=SyncExecutor())
    try:
        before = s.network
        s.open_digits()
        assert s.network is DIGITS
        assert s.undo()
        assert s.network is before and s.trained is None
        assert s.redo() and s.network is DIGITS and s.trained is DIGITS
    finally:
        s.close()


def test_open_digits_refused_when_files_are_missing(
    explorer: ExplorerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> Network:
        raise OSError("no such file digits.json")

    monkeypatch.setattr(Network, "digits", staticmethod(missing))
    s = NetState(explorer, executor=SyncExecutor())
    r = Recorder(s)
    try:
        before = s.network
        s.open_digits()
        assert s.network is before and not s.can_undo
        assert r.messages and r.messages[-1][0] == "error"
        assert "digits.json" in r.messages[-1][1] and "kept" in r.messages[-1][1]
    finally:
        s.close()


# --- inputs ----------------------------------------------------------------------------------


def test_set_sample_changes_input_and_prediction(state: NetState, rec: Recorder) -> None:
    state.set_sample(7)
    assert state.sample_index == 7
    np.testing.assert_array_equal(state.input[:, :, 0], IMAGES[7])
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[7]))
    assert rec.fired() == {"input_changed": 1, "outputs_changed": 1}
    assert state.undo_label == "Open digits network"  # input changes are not undo steps


@pytest.mark.parametrize("bad", [-1, 100, 2.5, "3", True, None])
def test_set_sample_refuses_a_digit_that_is_not_there(
    state: NetState, rec: Recorder, bad: Any
) -> None:
    state.set_sample(bad)
    assert state.sample_index == 0 and rec.fired() == {}
    assert rec.messages[-1][0] == "error" and "0 to 99" in rec.messages[-1][1]


def test_set_drawn_changes_input_and_prediction(state: NetState, rec: Recorder) -> None:
    drawn = np.zeros((28, 28), np.float32)
    drawn[5:23, 12:16] = 1.0
    state.set_drawn(drawn)
    assert state.sample_index is None and state.input_source == "digit"
    np.testing.assert_array_equal(state.input[:, :, 0], drawn)
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(drawn))
    assert rec.fired() == {"input_changed": 1, "outputs_changed": 1}


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((28, 27)),
        np.zeros((28, 28, 3)),
        np.full((28, 28), np.nan),
        np.full((28, 28), "a"),
    ],
)
def test_set_drawn_refuses_what_is_not_a_digit(
    state: NetState, rec: Recorder, bad: np.ndarray
) -> None:
    before = state.input
    state.set_drawn(bad)
    assert state.input is before and rec.fired() == {}
    level, text = rec.messages[-1]
    assert level == "error" and ("Draw it" in text or "draw again" in text)


def test_image_input_is_bt601_grey_in_0_1_and_the_net_is_rebuilt(
    explorer: ExplorerState, state: NetState, rec: Recorder
) -> None:
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    rec.reset()
    assert state.set_input_source("image")
    grey = (0.299 * PHOTO[..., 0] + 0.587 * PHOTO[..., 1] + 0.114 * PHOTO[..., 2]) / 255.0
    assert state.input.shape == (30, 40, 1) and state.input.dtype == np.float32
    np.testing.assert_allclose(state.input[:, :, 0], grey, atol=1e-6)
    net = state.network
    assert net.input_shape == (30, 40, 1)
    np.testing.assert_array_equal(net.weights[0]["kernel"], DIGITS.weights[0]["kernel"])
    np.testing.assert_array_equal(net.weights[3]["kernel"], DIGITS.weights[3]["kernel"])
    assert net.weights[7]["kernel"].shape == (6 * 8 * 32, 10)
    info = [t for lv, t in rec.messages if lv == "info"]
    assert len(info) == 1 and "dense" in info[0] and "40×30" in info[0]
    np.testing.assert_array_equal(state.probabilities, net.predict(state.input))
    assert rec.counts["structure_changed"] == 1 and rec.counts["input_changed"] == 1
    assert state.sample_index is None and state.input_source == "image"
    # Back to the digit: the dense layer's weights for 28×28 come back.
    assert state.set_input_source("digit")
    assert same_network(state.network, DIGITS)
    assert not state.weights_modified


def test_image_input_is_rgb_for_a_three_channel_network(
    explorer: ExplorerState, state: NetState, tmp_path: Path
) -> None:
    rgb_net = Network(SPECS[:3], None, (28, 28, 3), name="rgb", seed=2)
    rgb_net.save(tmp_path / "rgb")
    assert state.open_network(tmp_path / "rgb.json")
    # The digit is repeated over the three channels.
    np.testing.assert_array_equal(state.input, np.repeat(IMAGES[0][:, :, None], 3, axis=2))
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    assert state.set_input_source("image")
    np.testing.assert_allclose(state.input, PHOTO / 255.0, atol=1e-7)
    for got, ref in zip(state.outputs or [], state.network.forward(PHOTO / 255.0)):
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


def test_sixteen_bit_image_is_scaled_by_its_bit_depth(
    explorer: ExplorerState, state: NetState
) -> None:
    px = RNG.integers(0, 65536, (20, 24)).astype(np.uint16)
    explorer.set_image(ImageDoc(px, bit_depth=16, name="deep"))
    assert state.set_input_source("image")
    np.testing.assert_allclose(state.input[:, :, 0], px / 65535.0, rtol=1e-6)


def test_image_source_follows_the_explorer(explorer: ExplorerState, state: NetState) -> None:
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    state.set_input_source("image")
    version = state.input_version
    other = RNG.integers(0, 256, (36, 44)).astype(np.uint8)
    explorer.set_image(ImageDoc(other, name="other"))
    assert state.input_version == version + 1
    np.testing.assert_allclose(state.input[:, :, 0], other / 255.0, atol=1e-7)
    assert state.network.input_shape == (36, 44, 1)
    # The value scale or colour switch does not change what the network reads.
    explorer.set_value_scale("0-1")
    assert state.input_version == version + 1
    # Not followed while the input is a digit.
    state.set_sample(3)
    explorer.set_image(ImageDoc(PHOTO, name="photo again"))
    np.testing.assert_array_equal(state.input[:, :, 0], IMAGES[3])


def test_image_source_refused_without_an_image(state: NetState, rec: Recorder) -> None:
    assert not state.set_input_source("image")
    assert state.input_source == "digit" and rec.fired() == {}
    assert rec.messages[-1][0] == "error" and "File ▸ Open" in rec.messages[-1][1]
    assert not state.set_input_source("webcam")
    assert "digit" in rec.messages[-1][1]


def test_image_the_network_cannot_read_is_an_error_not_a_crash(
    explorer: ExplorerState, state: NetState, rec: Recorder
) -> None:
    explorer.set_image(ImageDoc(np.zeros((4, 5), np.uint8), name="tiny"))
    rec.reset()
    before_net, before_in = state.network, state.input
    assert not state.set_input_source("image")
    assert state.network is before_net and state.input is before_in
    assert rec.fired() == {}
    level, text = rec.messages[-1]
    assert level == "error" and "5×4" in text and "stays as it was" in text


def test_a_too_large_output_is_refused(
    explorer: ExplorerState, state: NetState, rec: Recorder
) -> None:
    # A 64-filter 3×3 'same' convolution on 1500×1500: 144 M values, past the engine's limit.
    assert state.add_layer("conv2d", 0)
    assert state.set_layer(0, filters=64)
    big = np.zeros((1500, 1500), np.uint8)
    explorer.set_image(ImageDoc(big, name="huge"))
    rec.reset()
    assert not state.set_input_source("image")
    assert rec.messages[-1][0] == "error" and "more than" in rec.messages[-1][1]
    assert state.input.shape == (28, 28, 1)


# --- weights ---------------------------------------------------------------------------------


def test_weight_edit_matches_a_fresh_network(state: NetState, rec: Recorder) -> None:
    assert state.set_weight(0, "kernel", (1, 2, 0, 3), "2.5")
    kernel = np.array(DIGITS.weights[0]["kernel"])
    kernel[1, 2, 0, 3] = 2.5
    fresh = DIGITS.with_weight(0, "kernel", kernel)
    np.testing.assert_array_equal(state.probabilities, fresh.predict(IMAGES[0]))
    assert not np.array_equal(state.probabilities, DIGITS.predict(IMAGES[0]))
    assert state.undo_label == "Edit conv1 kernel 3, channel 0"
    assert state.weights_modified
    assert state.kernel_of(0, 3, 0)[1, 2] == np.float32(2.5)
    assert rec.fired() == {"network_changed": 1, "outputs_changed": 1, "history_changed": 1}


@pytest.mark.parametrize(
    ("layer", "key", "index", "value", "number", "label"),
    [
        (3, "kernel", (0, 0, 5, 7), "1/9", 1 / 9, "Edit conv2 kernel 7, channel 5"),
        (3, "bias", (2,), 0.5, 0.5, "Edit conv2 bias 2"),
        (7, "kernel", (100, 4), " 2e-1 ", 0.2, "Edit dense weight 100, 4"),
        (7, "bias", (9,), "−3", -3.0, "Edit dense bias 9"),
    ],
)
def test_every_weight_kind_matches_a_fresh_network(
    state: NetState,
    layer: int,
    key: str,
    index: tuple[int, ...],
    value: Any,
    number: float,
    label: str,
) -> None:
    assert state.set_weight(layer, key, index, value)
    arr = np.array(DIGITS.weights[layer][key])
    arr[index] = number
    fresh = DIGITS.with_weight(layer, key, arr)
    np.testing.assert_array_equal(state.probabilities, fresh.predict(IMAGES[0]))
    assert state.undo_label == label


@pytest.mark.parametrize(
    ("layer", "key", "index", "value", "says"),
    [
        (0, "kernel", (0, 0, 0, 0), "abc", "not a number"),
        (0, "kernel", (0, 0, 0, 0), "", "empty"),
        (0, "kernel", (0, 0, 0, 0), "0,5", "decimal comma"),
        (0, "kernel", (0, 0, 0, 0), float("nan"), "not a finite"),
        (0, "kernel", (0, 0, 0, 0), float("inf"), "not a finite"),
        (0, "kernel", (0, 0, 0, 0), 1e39, "too large"),
        (0, "kernel", (0, 0, 0, 0), [1.0], "not a number"),
        (0, "kernel", (3, 0, 0, 0), 1.0, "not a place"),
        (0, "kernel", (0, 0, 0), 1.0, "not a place"),
        (0, "kernel", (0, 0, 0, -1), 1.0, "not a place"),
        (0, "kernel", (0, 0, 0, 1.5), 1.0, "not a place"),
        (0, "kernel", 3, 1.0, "not a place"),
        (1, "kernel", (0,), 1.0, "has no 'kernel'"),
        (0, "gamma", (0,), 1.0, "has no 'gamma'"),
        (9, "kernel", (0, 0, 0, 0), 1.0, "no layer 9"),
    ],
)
def test_refused_weight_edits_change_nothing(
    state: NetState,
    rec: Recorder,
    layer: int,
    key: str,
    index: tuple[int, ...],
    value: Any,
    says: str,
) -> None:
    assert not state.set_weight(layer, key, index, value)
    assert state.network is DIGITS and state.undo_label == "Open digits network"
    assert rec.fired() == {}
    level, text = rec.messages[-1]
    assert level == "error" and says in text, text
    assert (text[0].isupper() and "kept" in text) or "Pick" in text


def test_weight_that_overflows_the_outputs_is_refused(state: NetState, rec: Recorder) -> None:
    # Finite in float32, but the dense layer's sum overflows to infinity.
    assert state.outputs is not None
    flat = state.outputs[6]
    i = int(np.argmax(flat))
    assert flat[i] > 0.2  # so 3e38 · x + 3e38 > float32's 3.4e38
    assert state.set_weight(7, "bias", (0,), "3e38")
    rec.reset()
    probs, net = state.probabilities, state.network
    assert not state.set_weight(7, "kernel", (i, 0), 3e38)
    assert state.network is net and state.probabilities is probs and rec.fired() == {}
    level, text = rec.messages[-1]
    assert level == "error" and "dense" in text and "overflow" in text


def test_overflow_from_a_new_input_is_shown_and_does_not_block_edits(
    state: NetState, rec: Recorder
) -> None:
    flats = np.stack([DIGITS.forward(img)[6] for img in IMAGES])
    # A flattened value that is 0 for digit 0 but large for another digit k.
    cols = np.flatnonzero((flats[0] == 0) & (flats.max(axis=0) > 0.2))
    assert cols.size
    i = int(cols[0])
    k = int(np.argmax(flats[:, i]))
    assert state.set_weight(7, "bias", (0,), 3e38)
    assert state.set_weight(7, "kernel", (i, 0), 3e38)  # reads a 0 here: no overflow yet
    assert state.error is None
    state.set_sample(k)
    assert state.error is not None and "dense" in state.error and "overflow" in state.error
    assert state.probabilities is None and state.outputs is not None
    # An edit elsewhere is not blamed for the overflow; resetting removes it.
    assert state.set_weight(0, "bias", (0,), 0.5)
    assert state.reset_weights()
    assert state.error is None
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[k]))


def test_setting_the_same_value_is_no_change(state: NetState, rec: Recorder) -> None:
    v = float(DIGITS.weights[0]["kernel"][0, 0, 0, 0])
    assert not state.set_weight(0, "kernel", (0, 0, 0, 0), v)
    assert rec.fired() == {} and not rec.messages


def test_set_kernel_and_kernel_of(state: NetState) -> None:
    k = np.arange(9, dtype=np.float64).reshape(3, 3) / 10
    assert state.set_kernel(3, 4, 2, k)
    np.testing.assert_array_equal(state.kernel_of(3, 4, 2), k.astype(np.float32))
    np.testing.assert_array_equal(
        state.network.weights[3]["kernel"][:, :, 2, 4], k.astype(np.float32)
    )
    assert state.undo_label == "Set conv2 kernel 4, channel 2"
    arr = np.array(DIGITS.weights[3]["kernel"])
    arr[:, :, 2, 4] = k
    fresh = DIGITS.with_weight(3, "kernel", arr)
    np.testing.assert_array_equal(state.probabilities, fresh.predict(IMAGES[0]))
    with pytest.raises(ValueError, match="no 2-D kernels"):
        state.kernel_of(7, 0, 0)
    with pytest.raises(ValueError, match="filters 0 to 31"):
        state.kernel_of(3, 32, 0)


@pytest.mark.parametrize(
    "bad", [np.ones((2, 3)), np.full((3, 3), np.inf), np.full((3, 3), "x"), np.ones((3, 3, 1))]
)
def test_set_kernel_refuses_a_kernel_that_does_not_fit(
    state: NetState, rec: Recorder, bad: np.ndarray
) -> None:
    assert not state.set_kernel(0, 0, 0, bad)
    assert state.network is DIGITS and rec.fired() == {}
    assert rec.messages[-1][0] == "error" and "unchanged" in rec.messages[-1][1]


def test_transposed_kernel_layout(state: NetState) -> None:
    assert state.add_layer("conv2d_transpose", 1)
    spec = state.network.layers[1]
    assert spec.type == "conv2d_transpose"
    kernel = state.network.weights[1]["kernel"]  # (kh, kw, filters, C_in)
    assert kernel.shape == (3, 3, 8, 16)
    assert state.filter_count(1) == 8 and state.channel_count(1) == 16
    np.testing.assert_array_equal(state.kernel_of(1, 5, 11), kernel[:, :, 5, 11])
    k = np.full((3, 3), 0.25)
    assert state.set_kernel(1, 5, 11, k)
    np.testing.assert_array_equal(state.network.weights[1]["kernel"][:, :, 5, 11], k)
    assert state.set_weight(1, "kernel", (0, 0, 6, 2), 1)
    assert state.undo_label == f"Edit {spec.name} kernel 6, channel 2"


def test_reset_weights_restores_trained_and_is_undoable(state: NetState) -> None:
    state.set_weight(0, "kernel", (0, 0, 0, 0), 5)
    state.set_weight(7, "bias", (3,), 5)
    edited = state.network
    assert state.weights_modified
    assert state.reset_weights()
    assert same_network(state.network, DIGITS) and not state.weights_modified
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[0]))
    assert state.undo_label == "Reset to trained weights"
    assert state.undo() and state.network is edited and state.weights_modified


def test_reset_without_trained_weights_says_so(state: NetState, rec: Recorder) -> None:
    state.new_network()
    rec.reset()
    assert state.trained is None and not state.reset_weights()
    assert rec.messages[-1][0] == "info" and "no trained weights" in rec.messages[-1][1]


# --- partial recompute -----------------------------------------------------------------------


@pytest.fixture
def layer_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = netcore.run_layer

    def counting(spec: LayerSpec, w: Any, x: Any) -> Any:
        calls.append(spec.name)
        return real(spec, w, x)

    monkeypatch.setattr(netcore, "run_layer", counting)
    return calls


def test_weight_edit_recomputes_from_its_layer_only(
    state: NetState, layer_calls: list[str]
) -> None:
    state.set_weight(3, "kernel", (0, 0, 0, 0), 2)
    assert layer_calls == ["conv2", "relu2", "pool2", "flatten", "dense", "softmax"]
    layer_calls.clear()
    state.set_weight(7, "bias", (0,), 2)
    assert layer_calls == ["dense", "softmax"]
    layer_calls.clear()
    state.undo()  # back to the conv2 edit: only the dense layer differs
    assert layer_calls == ["dense", "softmax"]


def test_input_change_recomputes_everything(state: NetState, layer_calls: list[str]) -> None:
    state.set_sample(4)
    assert layer_calls == [s.name for s in SPECS]


def test_selection_and_unit_compute_nothing(
    state: NetState, rec: Recorder, layer_calls: list[str]
) -> None:
    state.select(3, 5, 2)
    state.set_unit(3, (4, 4))
    state.clear_unit()
    assert layer_calls == []
    assert rec.counts["outputs_changed"] == 0


def test_structure_edit_after_a_layer_keeps_the_earlier_outputs(
    state: NetState, layer_calls: list[str]
) -> None:
    before = state.outputs
    assert before is not None
    assert state.set_layer(4, activation="tanh")
    assert layer_calls == ["relu2", "pool2", "flatten", "dense", "softmax"]
    assert state.outputs is not None and state.outputs[3] is before[3]


def test_a_failing_forward_pass_is_an_error_not_a_crash(
    state: NetState, rec: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = netcore.run_layer

    def failing(spec: LayerSpec, w: Any, x: Any) -> Any:
        if spec.name == "conv2":
            raise OutputTooLargeError("the padded input would hold too many values")
        return real(spec, w, x)

    monkeypatch.setattr(netcore, "run_layer", failing)
    # An edit is computed before it is accepted: refused, nothing changes.
    assert not state.set_weight(3, "bias", (0,), 1)
    assert state.network is DIGITS and state.probabilities is not None
    assert rec.messages[-1][0] == "error" and "too many values" in rec.messages[-1][1]
    # A new input cannot be refused: no outputs, the error said.
    state.set_sample(2)
    assert state.outputs is None and state.probabilities is None
    assert state.error is not None and "too many values" in state.error
    assert rec.messages[-1][0] == "error" and "could not be computed" in rec.messages[-1][1]
    monkeypatch.setattr(netcore, "run_layer", real)
    state.set_sample(3)
    assert state.error is None
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[3]))


# --- structure -------------------------------------------------------------------------------


def test_add_layer_with_label_and_selection(state: NetState, rec: Recorder) -> None:
    assert state.add_layer("max_pool", 3)
    net = state.network
    assert [s.type for s in net.layers][3] == "max_pool"
    assert net.layers[3].name == "max_pool" and net.output_shapes[3] == (6, 6, 16)
    assert state.undo_label == "Add max_pool layer"
    assert state.selected_layer == 3
    assert rec.counts["structure_changed"] == 1 and rec.counts["network_changed"] == 1
    for got, ref in zip(state.outputs or [], net.forward(IMAGES[0])):
        np.testing.assert_array_equal(got, ref)
    # The dense layer reads another size now: new weights, said in a message.
    assert any(lv == "info" and "dense" in t for lv, t in rec.messages)
    np.testing.assert_array_equal(net.weights[0]["kernel"], DIGITS.weights[0]["kernel"])
    assert state.undo() and state.network is DIGITS
    assert state.redo() and state.network is net


def test_added_layer_names_never_reuse_a_removed_layers_weights(state: NetState) -> None:
    assert state.add_layer("conv2d", 1)
    assert state.set_layer(1, filters=16)
    first = state.network.layers[1].name
    assert state.add_layer("conv2d", 2)
    assert state.set_layer(2, filters=16)
    names = [s.name for s in state.network.layers]
    assert len(set(names)) == len(names) and first in names


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda s: s.add_layer("dense", 0), "flatten"),
        (lambda s: s.add_layer("conv2d", 8), "before the flatten"),
        (lambda s: s.add_layer("lstm"), "no layer type"),
        (lambda s: s.add_layer("relu", 20), "no layer type"),
        (lambda s: s.add_layer("activation", 20), "0 to 9"),
        (lambda s: s.set_layer(0, kernel_size=(29, 29)), "conv1"),
        (lambda s: s.set_layer(3, kernel_size=(15, 15)), "larger than"),
        (lambda s: s.set_layer(2, padding="full"), "pool padding"),
        (lambda s: s.set_layer(0, filters="x"), "filters"),
        (lambda s: s.set_layer(0, size=3), "no setting 'size'"),
        (lambda s: s.set_layer(3, groups=3), "groups"),
        (lambda s: s.set_layer(0, name="conv2"), "conv2"),
        (lambda s: s.set_layer(1, activation="swish"), "swish"),
        (lambda s: s.remove_layer(6), "reads a vector"),
        (lambda s: s.remove_layer(12), "no layer 12"),
        (lambda s: s.move_layer(7, 0), "flatten"),
        (lambda s: s.move_layer(0, -1), "no layer -1"),
        (lambda s: s.set_layer(7, units=5000), "units"),
    ],
)
def test_refused_structure_edits_change_nothing(
    state: NetState, rec: Recorder, call: Callable[[NetState], bool], says: str
) -> None:
    assert call(state) is False
    assert state.network is DIGITS and state.undo_label == "Open digits network"
    assert rec.fired() == {}
    level, text = rec.messages[-1]
    assert level == "error" and says in text, text
    assert text[0].isupper()


def test_remove_and_move_layers(state: NetState) -> None:
    assert state.remove_layer(8)
    assert [s.name for s in state.network.layers][-1] == "dense"
    assert state.undo_label == "Remove softmax"
    # Without a softmax layer the probabilities are the softmax of the scores (as predict).
    np.testing.assert_allclose(state.probabilities, DIGITS.predict(IMAGES[0]), rtol=1e-6)
    assert state.move_layer(1, 2)  # relu after pool: same numbers for ReLU and max
    assert [s.name for s in state.network.layers][:3] == ["conv1", "pool1", "relu1"]
    assert state.undo_label == "Move relu1"
    np.testing.assert_allclose(state.probabilities, DIGITS.predict(IMAGES[0]), rtol=1e-6)
    assert state.undo() and state.undo() and state.network is DIGITS


def test_set_layer_keeps_kernels_that_still_fit(state: NetState, rec: Recorder) -> None:
    assert state.set_layer(0, padding="same")
    net = state.network
    np.testing.assert_array_equal(net.weights[0]["kernel"], DIGITS.weights[0]["kernel"])
    np.testing.assert_array_equal(net.weights[3]["kernel"], DIGITS.weights[3]["kernel"])
    assert net.weights[7]["kernel"].shape == (6 * 6 * 32, 10)
    assert state.undo_label == "Change conv1 padding"
    assert [t for lv, t in rec.messages if lv == "info"] == [
        "dense got new random weights: its weight shapes changed. Undo to get the old ones back"
    ]
    # Unchanged settings: no step.
    assert not state.set_layer(0, padding="same")


def test_selection_is_clamped_and_signals_once(state: NetState, rec: Recorder) -> None:
    state.select(3, 40, 20)
    assert (state.selected_layer, state.selected_filter, state.selected_channel) == (3, 31, 15)
    assert rec.counts["selection_changed"] == 1
    state.select(3, 31, 15)
    assert rec.counts["selection_changed"] == 1
    # A layer never shown takes the current filter (clamped: relu1 has 16 maps, no channels).
    state.select(1)
    assert (state.selected_layer, state.selected_filter, state.selected_channel) == (1, 15, 0)
    state.select(99)
    assert state.selected_layer == 8
    state.select("x")  # type: ignore[arg-type]
    assert rec.messages[-1][0] == "error"
    # Removing the selected layer moves the selection.
    state.select(8)
    state.remove_layer(8)
    assert state.selected_layer == 7


def test_each_layer_gets_back_the_filter_and_channel_it_was_shown_with(
    state: NetState, rec: Recorder
) -> None:
    def sel() -> tuple[int, int, int]:
        return (state.selected_layer, state.selected_filter, state.selected_channel)

    live = sel()
    assert live == (0, 7, 0)  # what open_digits chose for conv1 (its live filter)
    state.select(3, 20, 9)  # conv2: filter 20 on input channel 9
    state.select(7)  # dense: one "filter"
    assert sel() == (7, 0, 0)
    state.select(0)
    assert sel() == live  # not filter 0: the one conv1 had
    state.select(3)
    assert sel() == (3, 20, 9)
    # A filter given is taken; the channel the layer had comes back with it.
    state.select(0, 4)
    state.select(3, 2)
    assert sel() == (3, 2, 9)
    # Selecting the selected layer keeps what is selected.
    state.select(3)
    assert sel() == (3, 2, 9)
    # Remembered by name: a layer inserted before conv2 moves it to index 4.
    assert state.add_layer("activation", 0)
    assert state.network.layers[4].name == "conv2"
    state.select(4)
    assert sel() == (4, 2, 9)
    state.select(1)  # conv1, at index 1 now
    assert sel() == (1, 4, 0)
    # A remembered filter is clamped to what the layer has now.
    assert state.set_layer(4, filters=2)
    state.select(1)
    state.select(4)
    assert sel() == (4, 1, 9)
    # A layer an edit selects gets back what it had too (conv1, moved after the activation).
    assert state.move_layer(1, 0) and state.network.layers[0].name == "conv1"
    assert sel() == (0, 4, 0)
    assert all(level != "error" for level, _ in rec.messages)


def test_receptive_field_of_a_unit(state: NetState, rec: Recorder) -> None:
    state.set_unit(3, (2, 5))
    assert state.unit == (3, (2, 5))
    ref = receptive_field(SPECS, (28, 28, 1), 3, (2, 5))
    assert state.receptive == ref and ref.size == (8, 8)
    assert rec.counts["unit_changed"] == 1
    state.set_unit(3, (2, 5))
    assert rec.counts["unit_changed"] == 1
    state.set_unit(3, (11, 0))  # conv2's map is 11×11
    assert rec.messages[-1][0] == "error" and state.unit == (3, (2, 5))
    # A structure change recomputes it.
    state.set_layer(0, padding="same")
    assert state.receptive == receptive_field(state.network.layers, (28, 28, 1), 3, (2, 5))
    state.clear_unit()
    assert state.unit is None and state.receptive is None
    state.set_unit(7, (3,))
    assert state.receptive is not None and state.receptive.on_input.whole


# --- undo / redo -----------------------------------------------------------------------------


def test_undo_redo_round_trip(state: NetState, rec: Recorder) -> None:
    nets = [state.network]
    state.set_weight(0, "kernel", (0, 0, 0, 0), 1)
    nets.append(state.network)
    state.add_layer("activation", 2)
    nets.append(state.network)
    state.set_weight(4, "bias", (0,), 4)
    nets.append(state.network)
    probs = state.probabilities
    labels = []
    for want in reversed(nets[:-1]):
        labels.append(state.undo_label)
        assert state.undo()
        assert state.network is want
        np.testing.assert_array_equal(state.probabilities, state.network.predict(IMAGES[0]))
    assert labels == [
        "Edit conv2 bias 0",
        "Add activation layer",
        "Edit conv1 kernel 0, channel 0",
    ]
    assert state.undo()  # the opening
    assert not state.can_undo and not state.undo()
    for _ in range(4):
        assert state.redo()
    assert state.network is nets[-1] and not state.can_redo and not state.redo()
    np.testing.assert_array_equal(state.probabilities, probs)
    # A new edit clears redo.
    state.undo()
    state.set_weight(0, "bias", (0,), 1)
    assert not state.can_redo


def test_undo_across_an_input_size_change(explorer: ExplorerState, state: NetState) -> None:
    state.set_weight(0, "kernel", (0, 0, 0, 0), 3)
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    state.set_input_source("image")
    assert state.undo()  # back to DIGITS' weights, rebuilt for the photo
    assert state.network.input_shape == (30, 40, 1)
    np.testing.assert_array_equal(state.network.weights[0]["kernel"], DIGITS.weights[0]["kernel"])
    np.testing.assert_array_equal(state.probabilities, state.network.predict(state.input))


# --- files -----------------------------------------------------------------------------------


def test_save_and_open_round_trip(state: NetState, tmp_path: Path) -> None:
    state.set_weight(3, "kernel", (1, 1, 1, 1), 0.125)
    saved = state.network
    path = state.save_network(tmp_path / "mine")
    assert path == tmp_path / "mine.json" and state.path == path
    assert (tmp_path / "mine.npz").exists()
    state.new_network()
    assert state.trained is None and state.path is None
    assert state.open_network(tmp_path / "mine.npz")
    assert same_network(state.network, saved) and state.path == path
    assert state.trained is not None and not state.weights_modified
    assert state.undo_label == "Open mine"
    assert state.undo() and state.trained is None


def test_open_refuses_a_bad_file(state: NetState, rec: Recorder, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    assert not state.open_network(tmp_path / "bad.json")
    assert state.network is DIGITS and rec.fired() == {}
    assert rec.messages[-1][0] == "error" and "bad.json" in rec.messages[-1][1]
    assert not state.open_network(tmp_path / "missing.json")
    assert rec.messages[-1][0] == "error" and "kept" in rec.messages[-1][1]


def test_new_network_for_the_current_input(state: NetState) -> None:
    state.new_network()
    assert [s.type for s in state.network.layers] == ["conv2d", "activation", "max_pool"]
    assert state.network.layers[0].padding == "same"
    assert state.network.input_shape == (28, 28, 1)
    assert state.undo_label == "New network" and state.probabilities is None
    np.testing.assert_array_equal(
        state.outputs[-1] if state.outputs else None, state.network.forward(IMAGES[0])[-1]
    )


# --- background work -------------------------------------------------------------------------


def big_state(explorer: ExplorerState, executor: Executor) -> NetState:
    explorer.set_image(ImageDoc(RNG.integers(0, 256, (256, 256)).astype(np.uint8), name="big"))
    s = NetState(explorer, executor=executor, sync_work_limit=2_000_000)
    s.open_digits()
    return s


def test_latest_wins_only_the_last_result_lands(explorer: ExplorerState) -> None:
    ex = ManualExecutor()
    s = big_state(explorer, ex)
    r = Recorder(s)
    try:
        assert not ex.jobs  # the digits are small: computed at once
        s.set_input_source("image")
        # The old outputs have other shapes: none are shown while the new ones compute.
        assert s.busy and len(ex.jobs) == 1 and s.outputs is None
        s.set_weight(0, "kernel", (0, 0, 0, 0), 1)
        s.set_weight(0, "kernel", (0, 0, 0, 1), 2)
        assert len(ex.jobs) == 1  # still the first: the others wait, the newest only
        r.reset()
        ex.run_next()  # stale: dropped
        assert r.counts["outputs_changed"] == 0 and len(ex.jobs) == 1 and s.busy
        ex.run_next()
        assert r.counts["outputs_changed"] == 1 and not s.busy and not ex.jobs
        want = s.network.forward(s.input)
        assert s.network.weights[0]["kernel"][0, 0, 0, 1] == 2
        for got, ref in zip(s.outputs or [], want):
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    finally:
        s.close()


def test_worker_thread_publishes_only_the_newest(
    explorer: ExplorerState, qtbot: Any, no_leftover_work: None
) -> None:
    s = big_state(explorer, None)  # type: ignore[arg-type]
    busy: list[bool] = []
    landed: list[float] = []
    s.busy_changed.connect(busy.append)

    def on_outputs() -> None:
        if s.outputs is not None:
            # What landed is the output of the network the state holds at that moment.
            landed.append(float(s.network.weights[3]["kernel"][0, 0, 0, 0]))
            want = s.network.forward(s.input)
            for got, ref in zip(s.outputs, want):
                np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)

    s.outputs_changed.connect(on_outputs)
    try:
        s.set_input_source("image")
        for v in (0.5, 0.25, 0.125, 2.0):
            s.set_weight(3, "kernel", (0, 0, 0, 0), v)
        assert s.busy
        assert s.wait_idle(60)
        assert busy[0] is True and busy[-1] is False and not s.busy
        assert landed == [2.0]  # the first request and the middle edits never land
        assert s.outputs is not None and s.probabilities is not None
    finally:
        s.close()


def test_inactive_state_computes_nothing_until_shown(
    state: NetState, rec: Recorder, layer_calls: list[str]
) -> None:
    state.set_active(False)
    state.set_sample(9)
    assert layer_calls == [] and not state.active
    np.testing.assert_array_equal(state.input[:, :, 0], IMAGES[9])
    state.set_active(True)
    assert layer_calls == [s.name for s in SPECS]
    np.testing.assert_array_equal(state.probabilities, DIGITS.predict(IMAGES[9]))


def test_inactive_state_drops_outputs_of_other_shapes(
    explorer: ExplorerState, state: NetState
) -> None:
    state.set_active(False)
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    state.set_input_source("image")
    assert state.outputs is None and state.network.input_shape == (30, 40, 1)
    state.set_active(True)
    assert state.outputs is not None and state.outputs[0].shape == (28, 38, 16)


def test_following_an_image_the_network_cannot_read(
    explorer: ExplorerState, state: NetState, rec: Recorder
) -> None:
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    state.set_input_source("image")
    before = state.input
    rec.reset()
    explorer.set_image(ImageDoc(np.zeros((6, 6), np.uint8), name="tiny"))
    assert state.input is before and state.input_source == "image"
    assert rec.messages[-1][0] == "error" and "6×6" in rec.messages[-1][1]
    # Asking again is refused again; the next readable image is followed.
    assert not state.set_input_source("image")
    other = RNG.integers(0, 256, (32, 32)).astype(np.uint8)
    explorer.set_image(ImageDoc(other, name="other"))
    np.testing.assert_allclose(state.input[:, :, 0], other / 255.0, atol=1e-7)


def test_choosing_the_current_source_again_changes_nothing(
    explorer: ExplorerState, state: NetState, rec: Recorder
) -> None:
    assert state.set_input_source("digit")
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    assert state.set_input_source("image")
    rec.reset()
    assert state.set_input_source("image")
    assert rec.fired() == {} and not rec.messages


def test_a_weight_edit_is_fast(state: NetState) -> None:
    # The budget is 33 ms from edit to repaint; the state's part is a small fraction.
    times = []
    for i in range(21):
        t0 = time.thread_time()
        state.set_weight(3, "kernel", (1, 1, 0, i % 32), i * 0.01 + 0.5)
        times.append(time.thread_time() - t0)
        assert state.probabilities is not None
    assert sorted(times)[10] < 0.010


# --- helpers ---------------------------------------------------------------------------------


def test_for_input_shape_keeps_what_fits_and_takes_donors() -> None:
    net, renewed = for_input_shape(DIGITS, (40, 40, 1))
    assert renewed == ["dense"] and net.input_shape == (40, 40, 1)
    back, renewed = for_input_shape(net, (28, 28, 1), donors=[DIGITS])
    assert renewed == [] and same_network(back, DIGITS)
    same, renewed = for_input_shape(DIGITS, (28, 28, 1))
    assert same is DIGITS and renewed == []
    with pytest.raises(ValueError, match="pool2"):
        for_input_shape(DIGITS, (8, 8, 1))


def test_network_work_counts_multiply_adds() -> None:
    # conv1: 26·26·16 outputs × 9 taps; relu1: 26·26·16; pool1: 13·13·16 × 4; conv2: 11·11·32
    # × 9 × 16; relu2; pool2 5·5·32 × 4; flatten 800; dense 800 × 10; softmax 10.
    want = (
        26 * 26 * 16 * 9
        + 26 * 26 * 16
        + 13 * 13 * 16 * 4
        + 11 * 11 * 32 * 9 * 16
        + 11 * 11 * 32
        + 5 * 5 * 32 * 4
        + 800
        + 800 * 10
        + 10
    )
    assert network_work(DIGITS) == want
    assert network_work(DIGITS, 7) == 800 * 10 + 10


def test_close_stops_following_the_explorer(
    explorer: ExplorerState, no_leftover_work: None
) -> None:
    s = NetState(explorer)
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    s.set_input_source("image")
    s.close()
    version = s.input_version
    explorer.set_image(ImageDoc(PHOTO[:20], name="cut"))
    assert s.input_version == version


def test_open_digits_twice_is_one_undo_step(state: NetState) -> None:
    state.set_sample(5)
    state.open_digits()
    assert state.sample_index == 0 and state.network is DIGITS
    state.undo()
    assert not state.can_undo


def test_history_is_limited_by_the_weights_it_holds(
    explorer: ExplorerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = sum(a.nbytes for w in DIGITS.weights for a in w.values())
    monkeypatch.setattr(ns, "HISTORY_BYTES", 5 * one)  # the bound a new state takes
    state = NetState(explorer, executor=SyncExecutor())
    try:
        state.open_digits()
        for i in range(12):
            assert state.set_weight(7, "bias", (0,), i + 1)
        # Four steps (and the trained network they share) fit in five networks' weights.
        assert len([1 for _ in iter(lambda: state.undo() or None, None)]) == 4
        assert float(state.network.weights[7]["bias"][0]) == 8.0
        # Redo walks the four back (a redo never drops a step) to the last edit.
        assert sum(state.redo() for _ in range(6)) == 4
        assert float(state.network.weights[7]["bias"][0]) == 12.0
    finally:
        state.close()


def test_history_is_limited_to_history_limit_steps(
    explorer: ExplorerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ns, "HISTORY_LIMIT", 3)
    state = NetState(explorer, executor=SyncExecutor())
    try:
        state.open_digits()
        for i in range(6):
            assert state.set_weight(7, "bias", (0,), i + 1)
        labels = []
        while state.can_undo:
            labels.append(state.undo_label)
            assert state.undo()
        assert labels == ["Edit dense bias 0"] * 3
        assert float(state.network.weights[7]["bias"][0]) == 3.0
        assert state.redo_label == "Edit dense bias 0" and not state.undo()
    finally:
        state.close()


def test_the_shipped_digits_network(
    explorer: ExplorerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the real files, not the stand-in
    from convgui.net import digit_samples

    images, labels = digit_samples()
    shipped = Network.digits()
    s = NetState(explorer, executor=SyncExecutor())
    try:
        s.open_digits()
        assert s.network is shipped and not s.weights_modified
        right = 0
        for i in range(len(images)):
            s.set_sample(i)
            assert s.probabilities is not None
            right += int(np.argmax(s.probabilities)) == labels[i]
        np.testing.assert_array_equal(s.probabilities, shipped.predict(images[-1]))
        assert right >= 95
    finally:
        s.close()


def test_close_twice_is_harmless(qtbot: Any) -> None:
    """A window closed by a test and again by pytest-qt closes its state twice."""
    from convgui.state import ExplorerState, SyncExecutor

    explorer = ExplorerState(SyncExecutor())
    net = NetState(explorer)
    net.close()
    net.close()  # raised SystemError on the second disconnect


# --- round 2: what a newcomer found --------------------------------------------------------


def test_a_structure_without_its_weights_file_is_not_recorded_as_trained(
    state: NetState, rec: Recorder, tmp_path: Path
) -> None:
    DIGITS.save(tmp_path / "alone", confirmed=True)
    (tmp_path / "alone.npz").unlink()
    assert state.open_network(tmp_path / "alone.json")
    assert state.trained is None  # Reset has nothing to restore
    assert not state.reset_weights()
    level, text = rec.messages[0]
    assert level == "warning" and "alone.npz" in text and "alone.json" in text
    assert "random weights" in text
    # with its weights file beside it, the opened network is the trained one
    DIGITS.save(tmp_path / "both", confirmed=True)
    rec.reset()
    assert state.open_network(tmp_path / "both.json")
    assert state.trained is not None and not rec.messages


def test_open_digits_selects_the_conv1_filter_with_the_largest_relu_response(
    explorer: ExplorerState,
) -> None:
    # an independent reference: conv1 by a naive loop, ReLU, summed over the map
    x = IMAGES[0].astype(np.float64)
    k = DIGITS.weights[0]["kernel"].astype(np.float64)  # (3, 3, 1, 16)
    b = DIGITS.weights[0]["bias"].astype(np.float64)
    out = np.zeros((26, 26, 16))
    for r in range(26):
        for c in range(26):
            out[r, c] = np.tensordot(x[r : r + 3, c : c + 3], k[:, :, 0, :], axes=2) + b
    want = int(np.argmax(np.maximum(out, 0).sum(axis=(0, 1))))
    assert want != 0  # the test network is seeded so that filter 0 is not the most active
    s = NetState(explorer, executor=SyncExecutor())
    try:
        s.open_digits()
        assert (s.selected_layer, s.selected_filter, s.selected_channel) == (0, want, 0)
        assert ns.live_filter(DIGITS, s.input) == want
    finally:
        s.close()


def test_the_sample_comes_back_with_the_digit_source(
    explorer: ExplorerState, state: NetState
) -> None:
    state.set_sample(3)
    explorer.set_image(ImageDoc(PHOTO, name="photo"))
    assert state.set_input_source("image")
    assert state.input_source == "image" and state.sample_index is None
    assert state.set_input_source("digit")
    assert state.sample_index == 3
    np.testing.assert_array_equal(state.input[:, :, 0], IMAGES[3])


def test_a_drawing_undone_back_to_the_sample_is_the_sample_again(state: NetState) -> None:
    state.set_sample(5)
    drawn = IMAGES[5].copy()
    drawn[10:12, 10:12] = 1.0
    state.set_drawn(drawn)
    assert state.sample_index is None
    state.set_drawn(IMAGES[5].copy())  # what the canvas gives back when the stroke is undone
    assert state.sample_index == 5


def test_an_opened_or_kept_network_shows_its_most_active_first_filter(
    state: NetState, tmp_path: Path
) -> None:
    """Not filter 0 by default: it may be dead (the shipped net's conv1 filter 0 is)."""
    net = state.network
    x = np.asarray(state.input, dtype=np.float64)
    # An independent ranking: the ReLU response of each conv1 filter, written out here.
    k = np.asarray(net.weights[0]["kernel"], dtype=np.float64)[:, :, 0, :]
    b = np.asarray(net.weights[0]["bias"], dtype=np.float64)
    kh, kw, nf = k.shape
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    resp = np.zeros(nf)
    for f in range(nf):
        conv = sum(k[i, j, f] * x[i : i + h, j : j + w, 0] for i in range(kh) for j in range(kw))
        resp[f] = np.maximum(conv + b[f], 0).sum()
    want = int(np.argmax(resp))
    state.select(0, 0, 0)
    net.save(tmp_path / "n")
    assert state.open_network(tmp_path / "n.json")
    assert (state.selected_layer, state.selected_filter) == (0, want)
    state.select(0, 0, 0)
    assert state.open_remembered(net, trained=None, path=None)
    assert (state.selected_layer, state.selected_filter) == (0, want)
