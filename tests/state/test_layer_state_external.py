"""The layer mode's state reading an external input (a network layer's input) instead of the
explorer's image: exact numbers against loops written here, one undo step, and the way back to
the explorer's image (an input choice or another image)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from convgui.core.network import LayerSpec
from convgui.imageio import ImageDoc
from convgui.layer_state import (
    LayerSettings,
    LayerState,
    external_input,
    network_bank,
)
from convgui.state import ExplorerState, SyncExecutor

RNG = np.random.default_rng(11)
COLOUR = RNG.integers(0, 256, (12, 17, 3)).astype(np.uint8)
GREY = RNG.integers(0, 256, (9, 11)).astype(np.uint8)


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    e.set_image(ImageDoc(COLOUR, name="colour"))
    yield e
    e.close()


@pytest.fixture
def layer(explorer: ExplorerState) -> Iterator[LayerState]:
    s = LayerState(explorer, SyncExecutor())
    yield s
    s.close()


def naive_conv(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    pad: tuple[int, int] = (0, 0),
    stride: int = 1,
    dilation: int = 1,
    groups: int = 1,
) -> np.ndarray:
    """Keras Conv2D with symmetric zero padding, one multiply-add at a time (float64)."""
    x = np.pad(x.astype(np.float64), ((pad[0], pad[0]), (pad[1], pad[1]), (0, 0)))
    h, wd, _ = x.shape
    kh, kw, cg, c_out = w.shape
    per = c_out // groups
    oh = (h - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow, c_out))
    for o in range(c_out):
        g = o // per
        for i in range(oh):
            for j in range(ow):
                total = 0.0
                for c in range(cg):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * stride + u * dilation, j * stride + v * dilation
                            total += w[u, v, c, o] * x[r, q, g * cg + c]
                out[i, j, o] = total + b[o]
    return out


def maps(layer: LayerState) -> np.ndarray:
    assert layer.result is not None, layer.layer_error
    return layer.result.stacked()


def test_external_input_is_read_exactly_and_named(layer: LayerState) -> None:
    x = RNG.normal(size=(13, 13, 16)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 16, 32))
    b = RNG.normal(size=32)
    images: list[int] = []
    layer.image_changed.connect(lambda: images.append(1))
    assert layer.set_external_input(
        x, "network: conv2's input", weights=w, bias=b, settings=LayerSettings(padding="valid")
    )
    assert images == [1]  # one signal for one user action
    assert layer.input_choice == "external" and layer.input_mode == "rgb"
    assert layer.image is not None and np.array_equal(layer.image, x)
    assert layer.c_in == 16 and layer.channel_names == tuple(f"ch{i}" for i in range(1, 17))
    assert layer.external is not None
    assert layer.external.title == "network: conv2's input (13×13×16)"
    assert layer.value_max == pytest.approx(float(np.abs(x).max()))
    assert np.array_equal(layer.weights, w) and np.array_equal(layer.bias, b)
    got = maps(layer)
    assert got.shape == (11, 11, 32)
    np.testing.assert_allclose(got, naive_conv(x, w, b), rtol=1e-4, atol=1e-4)


def test_external_input_with_stride_dilation_groups(layer: LayerState) -> None:
    x = RNG.normal(size=(15, 14, 4))
    w = RNG.normal(size=(3, 3, 2, 6))
    b = RNG.normal(size=6)
    s = LayerSettings(padding=(2, 1), stride=(2, 2), dilation=(2, 2), groups=2)
    layer.set_external_input(x, "x", ["a", "b", "c", "d"], weights=w, bias=b, settings=s)
    assert layer.channel_names == ("a", "b", "c", "d")
    want = naive_conv(x, w, b, pad=(2, 1), stride=2, dilation=2, groups=2)
    np.testing.assert_allclose(maps(layer), want, rtol=1e-4, atol=1e-4)


def test_showing_an_external_input_is_one_undo_step(
    explorer: ExplorerState, layer: LayerState
) -> None:
    layer.set_weight(0, 1, 1, 1, "7")
    before_w, before_b, before_s = layer.weights, layer.bias, layer.settings
    before_img = np.array(layer.image)
    x = RNG.random((8, 9, 5))
    w = RNG.normal(size=(3, 3, 5, 2))
    layer.set_external_input(x, "net", weights=w, settings=LayerSettings(stride=(2, 2)))
    assert layer.undo_label == "Show net"
    layer.set_weight(1, 4, 0, 0, "2.5")  # an edit while it is shown is undone first
    assert layer.undo()
    assert layer.input_choice == "external" and layer.weights[0, 0, 4, 1] == w[0, 0, 4, 1]
    assert layer.undo()  # back to what the layer had: its image, bank and settings
    assert layer.input_choice == "rgb" and layer.c_in == 3
    assert layer.channel_names == ("R", "G", "B")
    assert np.array_equal(layer.image, before_img)
    assert np.array_equal(layer.weights, before_w) and np.array_equal(layer.bias, before_b)
    assert layer.settings == before_s
    np.testing.assert_allclose(
        maps(layer)[..., 0],
        naive_conv(before_img, before_w, before_b, pad=(1, 1))[..., 0],
        rtol=1e-4,
        atol=1e-2,
    )
    assert layer.redo()  # and forward again to the network's input
    assert layer.input_choice == "external" and np.array_equal(layer.image, x.astype(np.float32))
    assert np.array_equal(layer.weights, w)
    assert layer.undo_label == "Show net"


def test_picking_rgb_again_follows_the_explorer(
    explorer: ExplorerState, layer: LayerState
) -> None:
    before = layer.weights
    layer.set_external_input(RNG.random((6, 6, 16)), "net", weights=np.ones((3, 3, 16, 4)))
    assert layer.set_input_mode("rgb")  # the same mode as before: the input changes all the same
    assert layer.input_choice == "rgb" and layer.external is None
    assert layer.c_in == 3 and layer.image is not None
    assert np.array_equal(layer.image, COLOUR.astype(np.float32))
    # The bank followed the channel count as for any new image: each filter's sum over the
    # channels (16 ones) spread evenly over R, G, B.
    np.testing.assert_allclose(layer.weights, np.full((3, 3, 3, 4), 16 / 3))
    assert not layer.set_input_mode("rgb")  # nothing more to change
    assert layer.undo_label == "Back to the image"
    assert layer.undo()  # nothing is lost: the network's input and its bank come back
    assert layer.input_choice == "external" and layer.c_in == 16
    assert np.array_equal(layer.weights, np.ones((3, 3, 16, 4)))
    assert layer.undo()  # and then the bank the layer had before
    assert layer.input_choice == "rgb" and np.array_equal(layer.weights, before)
    assert layer.redo() and layer.redo()
    assert layer.input_choice == "rgb" and layer.weights.shape == (3, 3, 3, 4)


def test_opening_an_image_leaves_the_external_input(
    explorer: ExplorerState, layer: LayerState
) -> None:
    x = RNG.random((6, 6, 2))
    layer.set_external_input(x, "net", weights=RNG.normal(size=(3, 3, 2, 3)))
    explorer.set_value_scale("0-1")  # not another image: the external input stays
    assert layer.input_choice == "external" and np.array_equal(layer.image, x.astype(np.float32))
    explorer.set_image(ImageDoc(GREY, name="grey"))
    assert layer.input_choice == "rgb" and layer.c_in == 1 and layer.channel_names == ("grey",)
    assert layer.image is not None
    np.testing.assert_allclose(layer.image[..., 0], GREY / 255.0, rtol=1e-6)
    assert layer.weights.shape == (3, 3, 1, 3)
    assert maps(layer).shape == (9, 11, 3)
    assert layer.undo() and layer.input_choice == "external" and layer.c_in == 2
    # Undo then reaches the bank made for the colour image, adapted to grey as it changed.
    assert layer.undo() and layer.c_in == 1 and layer.weights.shape[2] == 1
    assert layer.image is not None and layer.image.shape == (9, 11, 1)


def test_external_input_without_a_bank_adapts_the_current_one(layer: LayerState) -> None:
    total = layer.weights.sum(axis=2)
    layer.set_external_input(RNG.random((7, 7, 4)), "four")
    assert layer.weights.shape[2] == 4
    np.testing.assert_allclose(layer.weights.sum(axis=2), total)


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        (np.zeros((5, 5, 65)), {}, "at most 64 input channels"),
        (np.zeros((5, 5, 2)), {"weights": np.zeros((3, 3, 2, 65))}, "1 to 64 filters"),
        (np.zeros((20, 20, 1)), {"weights": np.zeros((16, 16, 1, 1))}, "15×15"),
        (np.full((4, 4), np.nan), {}, "finite"),
        (np.zeros((4, 4, 2)), {"channel_names": ["a"]}, "2 channel"),
        (np.zeros((4, 4, 2)), {"weights": np.zeros((3, 3, 3, 1))}, "channel"),
        (np.array([["a"]]), {}, "real numbers"),
        (np.zeros((0, 4, 1)), {}, "not empty"),
        (np.full((3, 3), 1e38), {"weights": np.full((3, 3, 1, 1), 1e3)}, "too large"),
        (np.broadcast_to(np.float32(0), (11000, 11000, 1)), {}, "pixels"),
    ],
)
def test_refused_external_inputs_change_nothing(
    layer: LayerState, x: np.ndarray, kwargs: dict[str, Any], match: str
) -> None:
    w, img, hist = layer.weights, layer.image, layer.can_undo
    with pytest.raises(ValueError, match=match):
        layer.set_external_input(x, "bad", **kwargs)
    assert layer.weights is w and layer.image is img and layer.can_undo == hist
    assert layer.input_choice == "rgb"


def test_external_input_defaults() -> None:
    e = external_input(np.arange(6.0).reshape(2, 3), "  ")
    assert e.name == "external input" and e.channel_names == ("ch1",)
    assert e.image.dtype == np.float32 and not e.image.flags.writeable
    assert e.value_max == 5.0
    assert external_input(np.zeros((2, 2, 1)), "z").value_max == 1.0  # a grey scale, not 0


# --- a network's convolution layer as a bank -------------------------------------------------


def test_network_conv_layer_becomes_the_bank() -> None:
    spec = LayerSpec("conv2d", "conv2", filters=6, kernel_size=3, strides=2, groups=2,
                     dilation_rate=2, padding="same")
    kernel = RNG.normal(size=(3, 3, 2, 6)).astype(np.float32)
    bias = RNG.normal(size=6).astype(np.float32)
    w, b, s = network_bank(spec, {"kernel": kernel, "bias": bias}, (11, 10, 4))
    assert np.array_equal(w, kernel) and np.array_equal(b, bias)
    assert w.dtype == np.float64
    assert s == LayerSettings(padding="same", stride=(2, 2), dilation=(2, 2), groups=2)
    assert s.activation == "none"


def test_network_full_and_explicit_padding() -> None:
    spec = LayerSpec("conv2d", "c", filters=1, kernel_size=(3, 5), padding="full",
                     dilation_rate=(1, 2))
    _, b, s = network_bank(spec, {"kernel": np.ones((3, 5, 1, 1))}, (9, 9, 1))
    assert s.padding == (2, 8) and b.tolist() == [0.0]  # no bias: zeros
    spec = spec.evolve(padding=(1, 1, 0, 0), dilation_rate=1)
    assert network_bank(spec, {"kernel": np.ones((3, 5, 1, 1))}, (9, 9, 1))[2].padding == (1, 0)
    with pytest.raises(ValueError, match="pads 1, 2, 0, 0 cells"):
        network_bank(spec.evolve(padding=(1, 2, 0, 0)), {"kernel": np.ones((3, 5, 1, 1))},
                     (9, 9, 1))


def test_network_transposed_layer_is_read_in_the_conv2d_layout(layer: LayerState) -> None:
    spec = LayerSpec("conv2d_transpose", "up", filters=3, kernel_size=3, strides=2,
                     padding="valid", output_padding=(1, 1))
    kernel = RNG.normal(size=(3, 3, 3, 2))  # (kh, kw, filters, C_in)
    w, _, s = network_bank(spec, {"kernel": kernel, "bias": np.zeros(3)}, (4, 5, 2))
    assert np.array_equal(w, kernel.transpose(0, 1, 3, 2))
    assert s.layer_type == "transposed" and s.output_padding == (1, 1) and s.stride == (2, 2)
    x = RNG.normal(size=(4, 5, 2))
    layer.set_external_input(x, "up's input", weights=w, settings=s)
    assert np.array_equal(layer.keras_kernel, kernel)
    # Keras Conv2DTranspose by stamping: every input pixel adds value × kernel.
    want = np.zeros((2 * 3 + 3 + 1, 2 * 4 + 3 + 1, 3))
    for i in range(4):
        for j in range(5):
            for c in range(2):
                want[2 * i : 2 * i + 3, 2 * j : 2 * j + 3, :] += x[i, j, c] * kernel[:, :, :, c]
    np.testing.assert_allclose(maps(layer), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("spec", "in_shape", "match"),
    [
        (LayerSpec("dense", "dense", units=10), (5,), "Dense layer"),
        (LayerSpec("max_pool", "pool1"), (4, 4, 1), "MaxPooling2D"),
        (LayerSpec("conv2d", "big", filters=65), (8, 8, 1), "65 filters"),
        (LayerSpec("conv2d", "wide", filters=4), (8, 8, 80), "80 channels"),
        (LayerSpec("conv2d", "far", filters=4, strides=9), (30, 30, 1), "stride must be 1 to 8"),
        (LayerSpec("conv2d", "spread", filters=4, dilation_rate=9), (30, 30, 1), "dilation"),
    ],
)
def test_network_layers_the_mode_cannot_show(
    spec: LayerSpec, in_shape: tuple[int, ...], match: str
) -> None:
    kernel = np.zeros((3, 3, in_shape[-1], spec.filters))
    with pytest.raises(ValueError, match=match):
        network_bank(spec, {"kernel": kernel}, in_shape)


def test_network_weights_of_the_wrong_shape_are_refused() -> None:
    spec = LayerSpec("conv2d", "conv", filters=4)
    with pytest.raises(ValueError, match=r"must be \(3, 3, 2, 4\)"):
        network_bank(spec, {"kernel": np.zeros((3, 3, 1, 4))}, (8, 8, 2))
