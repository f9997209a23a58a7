"""``conv2d_layer`` and ``conv_transpose2d`` mean exactly what PyTorch and Keras mean.

Issue 10 promises that Keras ``Conv2D`` / ``DepthwiseConv2D`` / ``Conv2DTranspose`` weights
load unchanged, that an int or (rows, cols) padding of the transposed layer is PyTorch
``ConvTranspose2d``'s, and that its ``"valid"``/``"same"`` (output size included, when
``output_padding`` is None) are Keras's. The frameworks are the references here: their layers
and functional ops compute every expected value and shape; the engine's geometry is never used
to build one. Torch gets the weights transposed to its own layout, Keras gets the very arrays
the engine takes.

The frameworks are optional: each test asks for the ``torch`` or ``keras`` fixture, which
skips it in a venv without that framework (CI installs both). What TensorFlow cannot run is
compared with PyTorch only: a stride and a dilation both above 1 (Keras refuses them), unequal
strides of a depthwise layer, an ``output_padding`` not below the stride (with an int padding,
PyTorch's rule allows it below the dilation). TensorFlow's CPU transposed op takes a dilation
in float32 only, so those cases run in float32. Where Keras refuses a transposed layer with a
named padding, the engine must refuse it too.
"""

from __future__ import annotations

import itertools
import os
import warnings
import zlib
from typing import Any

import numpy as np
import pytest

from convgui.core.layer import (
    LAYER_METHODS,
    conv2d_layer,
    conv_layer_shape,
    conv_transpose2d,
    layer_param_count,
    layer_summary,
    transpose_output_shape,
)

ROUTES = [m for m in LAYER_METHODS if m != "auto"] + ["auto"]

#: Tolerances: float64 is exact up to summation order, float32 to its rounding.
RTOL = {np.float64: 1e-10, np.float32: 1e-5}


@pytest.fixture(scope="module")
def torch() -> Any:
    """PyTorch, or a skip when it is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def keras() -> Any:
    """``tf.keras`` (Keras 3 on TensorFlow), or a skip when TensorFlow is not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    return tf.keras


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def rng_for(*params: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(params).encode()))


def assert_close(got: np.ndarray, want: np.ndarray, dtype: type) -> None:
    assert got.shape == want.shape
    assert got.dtype == np.dtype(dtype)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


# --------------------------------------------------------------------------- PyTorch helpers


def torch_conv2d(torch: Any, x, w, b, *, padding, stride, dilation, groups, mode="zeros"):
    """``torch.nn.functional.conv2d`` on (H, W, C) data and Keras-layout weights.

    ``padding`` is torch's (an int, (rows, cols), "valid" or "same") or a 4-tuple
    ``(top, bottom, left, right)``, applied with ``F.pad`` in ``mode`` first.
    """
    f = torch.nn.functional
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (C_out, C_in/g, kh, kw)
    bt = None if b is None else torch.from_numpy(b)
    if isinstance(padding, tuple) and len(padding) == 4:
        t, bo, lf, r = padding
        xt = f.pad(xt, (lf, r, t, bo), mode=mode if mode != "zeros" else "constant")
        padding = 0
    elif mode != "zeros":
        ph, pw = pair(padding)
        xt = f.pad(xt, (pw, pw, ph, ph), mode=mode)
        padding = 0
    with warnings.catch_warnings():  # torch notes that an even "same" kernel copies the input
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
        y = f.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return y[0].permute(1, 2, 0).numpy()


def torch_conv_transpose2d(torch: Any, x, w, b, *, stride, padding, output_padding, dilation):
    """``torch.nn.functional.conv_transpose2d`` on (H, W, C) data, weights (kh, kw, out, in)."""
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (C_in, C_out, kh, kw)
    bt = None if b is None else torch.from_numpy(b)
    y = torch.nn.functional.conv_transpose2d(
        xt,
        wt,
        bt,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    return y[0].permute(1, 2, 0).numpy()


def engine_padding(padding):
    """The engine's spelling of a torch padding: (rows, cols) becomes four sides."""
    if isinstance(padding, tuple) and len(padding) == 2:
        return (padding[0], padding[0], padding[1], padding[1])
    return padding


# --------------------------------------------------------------------------- conv2d vs torch

# (H, W, C_in, C_out, kernel, stride, dilation, groups, padding); padding is torch's, or four
# sides (F.pad first). Covers 1x1 to 9x9 kernels, even and non-square ones, both GEMM layouts
# (few and many channels per group), grouped and depthwise layers (multiplier 1 and 2) and
# every padding spelling.
TORCH_CONV_CASES = [
    (8, 9, 3, 4, (3, 3), 1, 1, 1, "valid"),
    (9, 8, 3, 5, (3, 3), 2, 1, 1, 1),
    (10, 11, 4, 6, (3, 2), (2, 3), 1, 2, (1, 2)),
    (11, 10, 6, 6, (3, 3), 1, 2, 6, 2),
    (12, 9, 4, 8, (3, 3), 2, 1, 4, 1),
    (10, 10, 4, 4, (5, 5), 3, 1, 1, 2),
    (9, 12, 6, 9, (2, 4), 1, (2, 1), 3, (0, 3)),
    (13, 11, 8, 4, (3, 3), 2, 2, 2, (2, 1, 0, 3)),
    (7, 7, 1, 3, (4, 4), 1, 1, 1, "same"),
    (8, 8, 2, 2, (3, 3), 1, 3, 1, "same"),
    (6, 6, 3, 2, (1, 1), 2, 1, 1, "valid"),
    (9, 9, 16, 16, (3, 3), 1, 1, 1, 1),
    (10, 10, 8, 16, (3, 3), 2, 1, 2, 1),
    (14, 13, 3, 3, (9, 9), 1, 1, 3, 4),
    (12, 12, 5, 3, (2, 2), (3, 2), (2, 3), 1, (3, 1)),
    (10, 13, 4, 8, (2, 3), (1, 2), (2, 1), 4, (1, 0)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "case", TORCH_CONV_CASES, ids=[str(i) for i in range(len(TORCH_CONV_CASES))]
)
def test_conv2d_layer_matches_torch_conv2d(torch: Any, case, dtype) -> None:
    h, w_, c_in, c_out, k, stride, dil, groups, padding = case
    rng = rng_for("torch-conv", case)
    x = rng.standard_normal((h, w_, c_in)).astype(dtype)
    w = rng.standard_normal((*k, c_in // groups, c_out)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    want = torch_conv2d(torch, x, w, b, padding=padding, stride=stride, dilation=dil, groups=groups)
    for method in ROUTES if dtype == np.float64 else ["auto"]:
        got = conv2d_layer(
            x,
            w,
            b,
            padding=engine_padding(padding),
            stride=stride,
            dilation=dil,
            groups=groups,
            method=method,
        )
        assert_close(got, want, dtype)


def test_conv2d_layer_of_a_grey_image_matches_torch(torch: Any) -> None:
    """A 2-D input is one channel: torch's (1, 1, H, W) input."""
    rng = rng_for("torch-grey")
    x = rng.standard_normal((9, 7))
    w = rng.standard_normal((3, 3, 1, 4))
    want = torch_conv2d(torch, x[:, :, None], w, None, padding=1, stride=2, dilation=1, groups=1)
    assert_close(conv2d_layer(x, w, padding=1, stride=2), want, np.float64)


# engine boundary -> F.pad mode; the engine's "reflect" (edge repeated) has no torch twin.
TORCH_PAD_MODES = {"replicate": "replicate", "mirror": "reflect", "wrap": "circular"}


@pytest.mark.parametrize("boundary", sorted(TORCH_PAD_MODES))
def test_conv2d_layer_boundaries_match_torch_padding_modes(torch: Any, boundary: str) -> None:
    rng = rng_for("torch-boundary", boundary)
    x = rng.standard_normal((7, 8, 3))
    w = rng.standard_normal((3, 4, 3, 2))
    for padding in [(2, 3), (1, 2, 3, 0)]:
        want = torch_conv2d(
            torch,
            x,
            w,
            None,
            padding=padding,
            stride=(1, 2),
            dilation=1,
            groups=1,
            mode=TORCH_PAD_MODES[boundary],
        )
        got = conv2d_layer(x, w, padding=engine_padding(padding), boundary=boundary, stride=(1, 2))
        assert_close(got, want, np.float64)


def test_full_padding_is_torch_padding_of_the_kernel_span(torch: Any) -> None:
    """ "full" pads d(k - 1) on each side: every position the kernel touches the image."""
    rng = rng_for("torch-full")
    x = rng.standard_normal((6, 7, 2))
    w = rng.standard_normal((3, 4, 2, 3))
    want = torch_conv2d(torch, x, w, None, padding=(4, 3), stride=(2, 1), dilation=(2, 1),
                        groups=1)  # fmt: skip
    got = conv2d_layer(x, w, padding="full", stride=(2, 1), dilation=(2, 1))
    assert_close(got, want, np.float64)


# --------------------------------------------------------------------------- transposed vs torch

# (H, W, C_in, C_out, kernel, stride, dilation, padding, output_padding); the output_padding
# may reach the dilation when it is not below the stride (torch accepts it, Keras does not).
TORCH_TRANSPOSE_CASES = [
    (4, 5, 3, 2, (3, 3), 1, 1, 0, 0),
    (4, 5, 3, 2, (3, 3), 2, 1, 1, 1),
    (5, 4, 2, 3, (4, 4), 2, 1, 1, 0),
    (5, 5, 2, 2, (3, 3), 3, 1, 2, 2),
    (4, 6, 3, 4, (2, 3), (2, 3), 1, (0, 1), (1, 2)),
    (6, 4, 2, 2, (3, 3), 1, 2, 1, 1),
    (5, 5, 2, 3, (3, 2), 2, (3, 2), (2, 0), (2, 1)),
    (3, 3, 1, 1, (1, 1), 3, 1, 0, 2),
    (4, 4, 4, 2, (5, 5), 2, 1, 3, 1),
    (6, 5, 8, 8, (3, 3), 2, 1, 1, 1),
    (1, 1, 2, 2, (3, 3), 2, 1, 0, 1),
    (5, 3, 3, 1, (4, 2), (3, 1), (1, 2), (1, 1), (2, 1)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "case", TORCH_TRANSPOSE_CASES, ids=[str(i) for i in range(len(TORCH_TRANSPOSE_CASES))]
)
def test_conv_transpose2d_matches_torch(torch: Any, case, dtype) -> None:
    h, w_, c_in, c_out, k, stride, dil, padding, out_pad = case
    rng = rng_for("torch-transpose", case)
    x = rng.standard_normal((h, w_, c_in)).astype(dtype)
    w = rng.standard_normal((*k, c_out, c_in)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    want = torch_conv_transpose2d(
        torch, x, w, b, stride=stride, padding=padding, output_padding=out_pad, dilation=dil
    )
    got = conv_transpose2d(
        x, w, b, stride=stride, padding=padding, output_padding=out_pad, dilation=dil
    )
    assert_close(got, want, dtype)
    shape = transpose_output_shape(
        x.shape, k, stride=stride, padding=padding, output_padding=out_pad, dilation=dil
    )
    assert shape == want.shape[:2]


# --------------------------------------------------------------------------- shapes vs torch


def shape_grid(axis_configs: list[tuple[int, ...]]) -> list[tuple[tuple[int, ...], ...]]:
    """Every per-axis config as the rows, paired with a different one as the columns."""
    n = len(axis_configs)
    return [(cfg, axis_configs[(i * 7 + 3) % n]) for i, cfg in enumerate(axis_configs)]


CONV_AXES = list(itertools.product(range(1, 9), range(1, 5), (1, 2, 3), (1, 2, 3), (0, 1, 2)))


def test_conv_layer_shape_matches_torch_over_a_grid(torch: Any) -> None:
    """(n, k, s, d, p) per axis; where torch refuses (no output cell) the engine raises."""
    f = torch.nn.functional
    agree = refused = 0
    for (n, k, s, d, p), (n2, k2, s2, d2, p2) in shape_grid(CONV_AXES):
        x = torch.zeros((1, 1, n, n2))
        wt = torch.zeros((1, 1, k, k2))
        kwargs = {"stride": (s, s2), "dilation": (d, d2)}
        try:
            want = tuple(f.conv2d(x, wt, padding=(p, p2), **kwargs).shape[2:])
        except RuntimeError:
            want = None
        if want is None or min(want) < 1:
            with pytest.raises(ValueError):
                conv_layer_shape((n, n2), (k, k2), padding=(p, p, p2, p2), **kwargs)
            with pytest.raises(ValueError):
                conv2d_layer(
                    np.zeros((n, n2)), np.zeros((k, k2, 1, 1)), padding=(p, p, p2, p2), **kwargs
                )
            refused += 1
        else:
            assert conv_layer_shape((n, n2), (k, k2), padding=(p, p, p2, p2), **kwargs) == want
            agree += 1
    assert agree > 500 and refused > 50


TRANSPOSE_AXES = [
    (n, k, s, d, p, op)
    for n, k, s, d, p in itertools.product(range(1, 7), range(1, 5), (1, 2, 3), (1, 2, 3), range(4))
    for op in range(max(s, d))
]


def test_transpose_output_shape_matches_torch_over_a_grid(torch: Any) -> None:
    """(n, k, s, d, p, output_padding) per axis, including outputs torch refuses as empty."""
    f = torch.nn.functional
    agree = refused = 0
    for (n, k, s, d, p, op), (n2, k2, s2, d2, p2, op2) in shape_grid(TRANSPOSE_AXES):
        x = torch.zeros((1, 1, n, n2))
        wt = torch.zeros((1, 1, k, k2))
        kwargs = {
            "stride": (s, s2),
            "padding": (p, p2),
            "output_padding": (op, op2),
            "dilation": (d, d2),
        }
        try:
            want = tuple(f.conv_transpose2d(x, wt, **kwargs).shape[2:])
        except RuntimeError:
            want = None
        if want is None or min(want) < 1:
            with pytest.raises(ValueError):
                transpose_output_shape((n, n2), (k, k2), **kwargs)
            refused += 1
        else:
            assert transpose_output_shape((n, n2), (k, k2), **kwargs) == want
            agree += 1
    assert agree > 1000 and refused > 50


# --------------------------------------------------------------------------- Keras layers


def keras_run(layer: Any, x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """Build ``layer`` for ``x``, load ``weights`` unchanged, return its output for ``x``."""
    layer.build((None, *x.shape))
    layer.set_weights(weights)
    return np.asarray(layer(x[None]))[0]


def keras_summary_line(kind: str, out_shape: tuple[int, ...], layer: Any) -> str:
    """The engine's summary line built from what Keras reports: output shape, parameters."""
    return f"{kind}   (None, {', '.join(map(str, out_shape))})   {layer.count_params():,}"


def keras_conv_cases() -> list[tuple[Any, ...]]:
    """(kernel, stride, dilation, groups, padding): odd, even and non-square kernels,
    strides 1-3 (also per axis), dilation with stride 1 (Keras forbids both above 1)."""
    geos = [
        ((3, 3), 1, 1),
        ((3, 3), 2, 1),
        ((3, 3), 3, 1),
        ((2, 2), 1, 1),
        ((2, 2), 2, 1),
        ((4, 4), 3, 1),
        ((4, 3), (2, 3), 1),
        ((5, 2), (3, 1), 1),
        ((1, 1), 2, 1),
        ((3, 3), 1, 2),
        ((2, 3), 1, (3, 2)),
        ((4, 4), 1, 2),
    ]
    cases = [(k, s, d, 1, pad) for k, s, d in geos for pad in ("valid", "same")]
    cases += [((3, 3), 2, 1, 2, "same"), ((2, 4), 1, 2, 4, "valid")]
    return cases


KERAS_CONV_CASES = keras_conv_cases()


@pytest.mark.parametrize("case", KERAS_CONV_CASES, ids=[str(c) for c in KERAS_CONV_CASES])
def test_conv2d_layer_matches_keras_conv2d_with_its_weights(keras: Any, case) -> None:
    k, stride, dil, groups, padding = case
    rng = rng_for("keras-conv", case)
    x = rng.standard_normal((11, 10, 4))
    c_out = 6 if groups < 4 else 8
    layer = keras.layers.Conv2D(
        c_out,
        k,
        strides=stride,
        padding=padding,
        dilation_rate=dil,
        groups=groups,
        dtype="float64",
    )
    w = rng.standard_normal((*k, 4 // groups, c_out))
    b = rng.standard_normal(c_out)
    want = keras_run(layer, x, [w, b])
    got = conv2d_layer(x, w, b, padding=padding, stride=stride, dilation=dil, groups=groups)
    assert_close(got, want, np.float64)
    assert (
        conv_layer_shape(x.shape, w.shape, padding=padding, stride=stride, dilation=dil)
        == (want.shape[:2])
    )
    assert layer_param_count(*k, 4, c_out, groups) == layer.count_params()
    line = layer_summary(
        x.shape, w.shape, padding=padding, stride=stride, dilation=dil, groups=groups
    )
    # groups = C_in is summarised as the DepthwiseConv2D it equals (same shape and count)
    kind = "depthwise_conv2d (DepthwiseConv2D)" if groups == 4 else "conv2d (Conv2D)"
    assert line == keras_summary_line(kind, want.shape, layer)


def test_conv2d_layer_matches_keras_in_float32(keras: Any) -> None:
    rng = rng_for("keras-conv-f32")
    x = rng.standard_normal((12, 9, 3)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    layer = keras.layers.Conv2D(5, (4, 3), strides=2, padding="same", dtype="float32")
    want = keras_run(layer, x, [w, b])
    assert_close(conv2d_layer(x, w, b, padding="same", stride=2), want, np.float32)


KERAS_DEPTHWISE_CASES = [
    (k, s, d, pad, mult)
    for (k, s, d, pad) in [
        ((3, 3), 1, 1, "valid"),
        ((3, 3), 2, 1, "same"),
        ((4, 4), 2, 1, "same"),
        ((2, 3), 2, 1, "valid"),
        ((3, 3), 1, 2, "same"),
        ((5, 5), 3, 1, "valid"),
    ]
    for mult in (1, 2)
]


@pytest.mark.parametrize("case", KERAS_DEPTHWISE_CASES, ids=[str(c) for c in KERAS_DEPTHWISE_CASES])
def test_depthwise_layer_matches_keras_depthwise_conv2d(keras: Any, case) -> None:
    """groups = C_in; Keras's (kh, kw, C_in, multiplier) kernel is filter ``c*mult + m``.

    TensorFlow's depthwise op takes equal strides only; unequal ones are checked against torch.
    """
    k, stride, dil, padding, mult = case
    rng = rng_for("keras-depthwise", case)
    c_in = 3
    x = rng.standard_normal((10, 11, c_in))
    dw = rng.standard_normal((*k, c_in, mult))
    b = rng.standard_normal(c_in * mult)
    layer = keras.layers.DepthwiseConv2D(
        k,
        strides=stride,
        padding=padding,
        depth_multiplier=mult,
        dilation_rate=dil,
        dtype="float64",
    )
    want = keras_run(layer, x, [dw, b])
    w = dw.reshape(*k, 1, c_in * mult)
    got = conv2d_layer(x, w, b, padding=padding, stride=stride, dilation=dil, groups=c_in)
    assert_close(got, want, np.float64)
    assert layer_param_count(*k, c_in, c_in * mult, c_in) == layer.count_params()
    line = layer_summary(x.shape, w.shape, padding=padding, stride=stride, dilation=dil, groups=3)
    assert line == keras_summary_line("depthwise_conv2d (DepthwiseConv2D)", want.shape, layer)


def keras_transpose_cases() -> list[tuple[Any, ...]]:
    """(kernel, stride, dilation, padding, output_padding): None, and the largest Keras allows.

    A given output_padding of 0 with "same" and an even kernel span is one Keras refuses
    (see the refusal test below), so it is left out here.
    """
    geos = [
        ((3, 3), 1, 1),
        ((3, 3), 2, 1),
        ((3, 3), 3, 1),
        ((2, 2), 1, 1),
        ((2, 2), 2, 1),
        ((4, 4), 2, 1),
        ((4, 4), 3, 1),
        ((1, 1), 3, 1),
        ((3, 2), (2, 3), 1),
        ((2, 5), (3, 2), 1),
        ((3, 3), 1, 2),
        ((2, 3), 1, (2, 3)),
    ]
    cases = []
    for k, s, d in geos:
        (sr, sc), (dr, dc) = pair(s), pair(d)
        even = (dr * (k[0] - 1)) % 2 or (dc * (k[1] - 1)) % 2
        for padding in ("valid", "same"):
            cases.append((k, s, d, padding, None))
            if not (padding == "same" and even and min(sr, sc) == 1):
                cases.append((k, s, d, padding, (sr - 1, sc - 1)))
    cases.append(((4, 3), 3, 1, "same", (1, 0)))
    return cases


KERAS_TRANSPOSE_CASES = keras_transpose_cases()


@pytest.mark.parametrize("case", KERAS_TRANSPOSE_CASES, ids=[str(c) for c in KERAS_TRANSPOSE_CASES])
def test_conv_transpose2d_matches_keras_conv2d_transpose(keras: Any, case) -> None:
    """Same weights array, same output shape (Keras's rule) and values, "valid" and "same".

    TensorFlow's CPU transposed op takes a dilation in float32 only, so those run in float32.
    """
    k, stride, dil, padding, out_pad = case
    dtype = np.float64 if dil == 1 else np.float32
    rng = rng_for("keras-transpose", case)
    c_in, c_out = 3, 2
    x = rng.standard_normal((5, 4, c_in)).astype(dtype)
    w = rng.standard_normal((*k, c_out, c_in)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    layer = keras.layers.Conv2DTranspose(
        c_out,
        k,
        strides=stride,
        padding=padding,
        output_padding=out_pad,
        dilation_rate=dil,
        dtype=np.dtype(dtype).name,
    )
    want = keras_run(layer, x, [w, b])
    got = conv_transpose2d(
        x, w, b, stride=stride, padding=padding, output_padding=out_pad, dilation=dil
    )
    assert_close(got, want, dtype)
    assert layer_param_count(*k, c_in, c_out) == layer.count_params()
    line = layer_summary(
        x.shape,
        w.shape,
        padding=padding,
        stride=stride,
        dilation=dil,
        transpose=True,
        output_padding=out_pad,
    )
    assert line == keras_summary_line("conv2d_transpose (Conv2DTranspose)", want.shape, layer)


# (kernel, stride, dilation, padding, output_padding) Keras refuses: an output_padding not
# below the stride (its constructor), and "same" with an even kernel span and an
# output_padding of 0 (TensorFlow: the output does not map back to the input's size).
KERAS_REFUSED_TRANSPOSE = [
    ((2, 2), 1, 1, "same", 0),
    ((4, 4), 2, 1, "same", (0, 1)),
    ((2, 2), 2, 1, "same", (1, 0)),
    ((2, 3), 1, (3, 2), "same", 0),
    ((3, 3), 1, 2, "valid", 1),
    ((3, 3), 1, 2, "same", (0, 1)),
]


@pytest.mark.parametrize(
    "case", KERAS_REFUSED_TRANSPOSE, ids=[str(c) for c in KERAS_REFUSED_TRANSPOSE]
)
def test_conv_transpose2d_refuses_what_keras_refuses(keras: Any, case) -> None:
    """A named padding means Keras's layer, so the engine has no output where Keras has none
    (torch's int padding accepts an output_padding below the dilation; see the torch cases)."""
    k, stride, dil, padding, out_pad = case
    x = np.ones((5, 4, 2), np.float32)
    w = np.ones((*k, 3, 2), np.float32)
    with pytest.raises(Exception):  # noqa: B017 - Keras raises ValueError, TensorFlow its own
        layer = keras.layers.Conv2DTranspose(
            3, k, strides=stride, padding=padding, output_padding=out_pad, dilation_rate=dil
        )
        keras_run(layer, x, [w, np.zeros(3, np.float32)])
    with pytest.raises(ValueError, match="output_padding") as info:
        conv_transpose2d(x, w, stride=stride, padding=padding, output_padding=out_pad, dilation=dil)
    assert repr(out_pad) in str(info.value) and repr(padding) in str(info.value)


def test_conv_transpose2d_matches_keras_in_float32(keras: Any) -> None:
    rng = rng_for("keras-transpose-f32")
    x = rng.standard_normal((6, 5, 4)).astype(np.float32)
    w = rng.standard_normal((4, 4, 3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    layer = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same", dtype="float32")
    want = keras_run(layer, x, [w, b])
    assert_close(conv_transpose2d(x, w, b, stride=2, padding="same"), want, np.float32)


# --------------------------------------------------------------------------- shapes vs Keras

KERAS_AXES = [
    (n, k, s, d)
    for n, k, s, d in itertools.product(range(1, 8), range(1, 5), (1, 2, 3), (1, 2, 3))
    if s == 1 or d == 1
]


def test_conv_layer_shape_matches_keras_ops_over_a_grid(keras: Any) -> None:
    """``keras.ops.conv`` (what ``Conv2D`` calls) for "valid" and "same".

    A "valid" window larger than the input is left out: TensorFlow's float32 CPU op then
    returns a non-empty output (1x2 for a 1x2 input and a 2x4 kernel) and its float64 op
    fails inside Keras; torch refuses it, and so does the engine (the torch grid above).
    """
    ops = keras.ops
    count = 0
    for ((n, k, s, d), (n2, k2, s2, d2)), padding in itertools.product(
        shape_grid(KERAS_AXES), ("valid", "same")
    ):
        if (s > 1 or s2 > 1) and (d > 1 or d2 > 1):
            continue  # TensorFlow forbids a stride and a dilation both above 1
        if padding == "valid" and (n < d * (k - 1) + 1 or n2 < d2 * (k2 - 1) + 1):
            continue
        x, wt = np.zeros((1, n, n2, 1), np.float32), np.zeros((k, k2, 1, 1), np.float32)
        kwargs = {"strides": (s, s2), "dilation_rate": (d, d2), "padding": padding}
        want = tuple(ops.conv(x, wt, **kwargs).shape[1:3])
        got = conv_layer_shape((n, n2), (k, k2), padding=padding, stride=(s, s2), dilation=(d, d2))
        assert got == want, (n, n2, k, k2, kwargs)
        count += 1
    assert count > 150


def test_transpose_output_shape_matches_keras_ops_over_a_grid(keras: Any) -> None:
    """``keras.ops.conv_transpose`` (what ``Conv2DTranspose`` calls): its output-size rule
    with and without ``output_padding``; where TensorFlow refuses, the engine refuses too."""
    ops = keras.ops
    agree = refused = 0
    for ((n, k, s, d), (n2, k2, s2, d2)), padding in itertools.product(
        shape_grid(KERAS_AXES), ("valid", "same")
    ):
        if (s > 1 or s2 > 1) and (d > 1 or d2 > 1):
            continue
        for out_pad in [None, (0, 0), (s - 1, s2 - 1)]:
            kwargs = {"strides": (s, s2), "padding": padding, "dilation_rate": (d, d2)}
            try:
                want = tuple(
                    ops.conv_transpose(  # float32: the CPU op refuses a dilation in float64
                        np.zeros((1, n, n2, 1), np.float32),
                        np.zeros((k, k2, 1, 1), np.float32),
                        output_padding=out_pad,
                        **kwargs,
                    ).shape[1:3]
                )
            except Exception:  # the gradient op: its input size does not map back to n
                want = None
            if want is not None and min(want) < 1:  # TensorFlow returns an empty output
                want = None
            engine = {
                "stride": (s, s2),
                "padding": padding,
                "output_padding": out_pad,
                "dilation": (d, d2),
            }
            if want is None:
                with pytest.raises(ValueError):
                    transpose_output_shape((n, n2), (k, k2), **engine)
                refused += 1
            else:
                assert transpose_output_shape((n, n2), (k, k2), **engine) == want, (
                    n,
                    n2,
                    k,
                    k2,
                    kwargs,
                    out_pad,
                )
                agree += 1
    assert agree > 300 and refused > 30
