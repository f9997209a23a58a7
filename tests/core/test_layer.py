"""``conv2d_layer`` and ``conv_transpose2d`` against independent references.

References: ``scipy.ndimage.correlate`` channel by channel for the six boundaries ("same",
stride 1; origin shifted so even kernels sit where Keras puts them); a naive loop written here
over output positions, filters, channels and taps (padding from ``np.pad`` and the Keras
formula in ``reference.py``) for groups, stride, dilation and asymmetric "same" padding; for
the transposed layer the scatter definition as nested loops, the adjoint identity with
``conv2d_layer``, and Keras's output-size rule written out here. The engine's own padding and
shape arithmetic is never used to build an expected value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
from reference import BOUNDARIES, NDIMAGE_MODES, np_pad, ref_out_len, ref_pads, seed_of

from convgui.core.layer import (
    LAYER_METHODS,
    check_layer_args,
    conv2d_filter,
    conv2d_layer,
    conv_layer_shape,
    conv_transpose2d,
    layer_formula,
    layer_param_count,
    layer_summary,
    param_formula,
    transpose_formula,
    transpose_geometry,
    transpose_output_shape,
)

ROUTES = [m for m in LAYER_METHODS if m != "auto"] + ["auto"]
CVAL = 1.5


# --------------------------------------------------------------------------- references


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_layer(x, w, bias=None, *, padding="valid", boundary="zero", cval=0.0, stride=1,
                dilation=1, groups=1):  # fmt: skip
    """The layer's definition as loops, in float64: filters x positions x channels x taps."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    w = np.asarray(w, dtype=np.float64)
    kh, kw, cg, c_out = w.shape
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    pads = ref_pads(x.shape, (kh, kw), padding, stride, dilation)
    xp = np_pad(x, pads, boundary, cval)
    ho = ref_out_len(x.shape[0], pads[0], pads[1], kh, sr, dr)
    wo = ref_out_len(x.shape[1], pads[2], pads[3], kw, sc, dc)
    og = c_out // groups
    out = np.zeros((ho, wo, c_out))
    scale = np.zeros_like(out)
    for o in range(c_out):
        first = (o // og) * cg
        for r in range(ho):
            for c in range(wo):
                for ci in range(cg):
                    for i in range(kh):
                        for j in range(kw):
                            p = w[i, j, ci, o] * xp[r * sr + i * dr, c * sc + j * dc, first + ci]
                            out[r, c, o] += p
                            scale[r, c, o] += abs(p)
        if bias is not None:
            out[:, :, o] += bias[o]
            scale[:, :, o] += abs(bias[o])
    return out, scale


def naive_transpose(x, w, bias=None, *, stride=1, pad=(0, 0), out_shape=None, dilation=1):
    """The scatter definition: every pixel adds value x kernel, then ``pad`` is cropped.

    ``pad`` is (rows, cols) cropped from the start; ``out_shape`` defaults to PyTorch's
    ``(n - 1)s - 2p + d(k - 1) + 1``.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    w = np.asarray(w, dtype=np.float64)
    kh, kw, c_out, c_in = w.shape
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    h, wd = x.shape[:2]
    if out_shape is None:
        out_shape = (
            (h - 1) * sr - 2 * pad[0] + dr * (kh - 1) + 1,
            (wd - 1) * sc - 2 * pad[1] + dc * (kw - 1) + 1,
        )
    out = np.zeros((*out_shape, c_out))
    scale = np.zeros_like(out)
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for b in range(kw):
                    y, z = i * sr + a * dr - pad[0], j * sc + b * dc - pad[1]
                    if not (0 <= y < out_shape[0] and 0 <= z < out_shape[1]):
                        continue
                    for o in range(c_out):
                        for c in range(c_in):
                            p = x[i, j, c] * w[a, b, o, c]
                            out[y, z, o] += p
                            scale[y, z, o] += abs(p)
    if bias is not None:
        out += bias
        scale += np.abs(bias)
    return out, scale


def check(got, want, scale, *, float64: bool) -> None:
    assert got.dtype == (np.float64 if float64 else np.float32), got.dtype
    assert got.shape == want.shape, (got.shape, want.shape)
    tol = (1e-12 * scale + 1e-300) if float64 else (2e-6 * scale.max() + 1e-30)
    err = np.abs(got - want)
    assert np.all(err <= tol), (
        f"max error {err.max():.3g} at {np.unravel_index(err.argmax(), err.shape)}"
    )


def keras_origin(kshape):
    return tuple((k - 1) // 2 - k // 2 for k in kshape)


# --------------------------------------------------------------------------- conv2d_layer


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kshape", [(1, 1), (2, 2), (3, 3), (2, 5), (4, 3)], ids=str)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_same_matches_scipy_per_channel(boundary, kshape, route) -> None:
    rng = np.random.default_rng(seed_of("layer-scipy", boundary, kshape))
    x = rng.standard_normal((9, 8, 3))
    w = rng.standard_normal((*kshape, 3, 4))
    bias = rng.standard_normal(4)
    mode, cv = NDIMAGE_MODES[boundary], (CVAL if boundary == "constant" else 0.0)
    want = np.zeros((9, 8, 4))
    scale = np.zeros_like(want)
    for o in range(4):
        for c in range(3):
            k = w[:, :, c, o]
            org = keras_origin(k.shape)
            want[:, :, o] += ndi.correlate(x[:, :, c], k, mode=mode, cval=cv, origin=org)
            scale[:, :, o] += ndi.correlate(
                np.abs(x[:, :, c]), np.abs(k), mode=mode, cval=abs(cv), origin=org
            )
        want[:, :, o] += bias[o]
        scale[:, :, o] += abs(bias[o])
    got = conv2d_layer(x, w, bias, padding="same", boundary=boundary, cval=CVAL, method=route)
    check(got, want, scale, float64=True)


GEOMETRY = [
    # (padding, stride, dilation)
    ("valid", 1, 1),
    ("same", 2, 1),
    ("same", (2, 3), 1),
    ("same", 1, 2),
    ("full", 1, (1, 2)),
    (1, 2, 2),
    ((0, 2, 1, 0), (1, 2), 1),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("padding", "stride", "dilation"), GEOMETRY, ids=str)
@pytest.mark.parametrize(
    ("c_in", "c_out", "groups"),
    [(1, 3, 1), (3, 2, 1), (4, 6, 2), (4, 4, 4), (3, 6, 3), (16, 4, 2), (9, 2, 1)],
    ids=str,
)
def test_matches_naive_loop(c_in, c_out, groups, padding, stride, dilation, route) -> None:
    rng = np.random.default_rng(seed_of("layer-naive", c_in, c_out, groups, padding, stride))
    x = rng.standard_normal((10, 9, c_in))
    w = rng.standard_normal((3, 2, c_in // groups, c_out))
    bias = rng.standard_normal(c_out)
    want, scale = naive_layer(
        x, w, bias, padding=padding, stride=stride, dilation=dilation, groups=groups,
        boundary="reflect",
    )  # fmt: skip
    got = conv2d_layer(
        x, w, bias, padding=padding, stride=stride, dilation=dilation, groups=groups,
        boundary="reflect", method=route,
    )  # fmt: skip
    check(got, want, scale, float64=True)


def test_asymmetric_same_padding_puts_the_odd_cell_after() -> None:
    # 5 rows, 2x2 kernel: "same" pads 0 before and 1 after (TensorFlow); a kernel that reads
    # only its top-left tap gives back the input, the bottom-right tap shifts it up/left.
    x = np.arange(25.0).reshape(5, 5, 1)
    tl = np.zeros((2, 2, 1, 1))
    tl[0, 0] = 1
    br = np.zeros((2, 2, 1, 1))
    br[1, 1] = 1
    np.testing.assert_array_equal(conv2d_layer(x, tl, padding="same")[..., 0], x[..., 0])
    shifted = np.zeros((5, 5))
    shifted[:4, :4] = x[1:, 1:, 0]
    np.testing.assert_array_equal(conv2d_layer(x, br, padding="same")[..., 0], shifted)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
def test_dtype_rule_and_exact_small_integers(dtype, route) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 100, size=(7, 6, 3)).astype(dtype)
    w = rng.integers(-3, 4, size=(3, 3, 3, 5)).astype(np.float64)
    bias = np.arange(5.0)
    got = conv2d_layer(x, w, bias, padding="same", method=route)
    want, _ = naive_layer(x, w, bias, padding="same")
    assert got.dtype == (np.float64 if dtype == np.float64 else np.float32)
    np.testing.assert_array_equal(got, want)  # integer sums well inside float32's 2**24


def test_grey_image_is_one_channel_and_inputs_are_not_modified() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 7))
    w = rng.standard_normal((3, 3, 1, 2))
    x0, w0 = x.copy(), w.copy()
    got = conv2d_layer(x, w, padding="same")
    want, scale = naive_layer(x, w, padding="same")
    check(got, want, scale, float64=True)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


def test_large_layer_gemm_route_splits_into_blocks_and_threads() -> None:
    # Over a million output values: several im2col blocks, BLAS items and the engine's
    # threads. Seams between any of them must not show.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((270, 250, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 8, 32)).astype(np.float32)
    got = conv2d_layer(x, w, padding="same", boundary="replicate", stride=(1, 2), method="gemm")
    assert got.size >= 1 << 20
    want = np.zeros((270, 125, 32))
    for o in range(32):
        for c in range(8):
            full = ndi.correlate(x[:, :, c].astype(np.float64), w[:, :, c, o], mode="nearest")
            # TensorFlow "same" with stride 2 on 250 columns pads 0 left, 1 right: the
            # windows are centred on columns 1, 3, 5, ... of the stride-1 result.
            want[:, :, o] += full[:, 1::2]
    scale = np.abs(want).max() + 10.0
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) < 1e-5 * scale


def scatter_by_taps(x, w, stride, pad, out_shape, dilation=(1, 1)):
    """The scatter definition vectorised over pixels (one loop over kernel taps), float64."""
    (sr, sc), (dr, dc) = stride, dilation
    h, wd = x.shape[:2]
    kh, kw, c_out, _ = w.shape
    full = np.zeros(((h - 1) * sr + dr * (kh - 1) + 1 + out_shape[0],
                     (wd - 1) * sc + dc * (kw - 1) + 1 + out_shape[1], c_out))  # fmt: skip
    for a in range(kh):
        for b in range(kw):
            stamp = np.einsum("ijc,oc->ijo", x.astype(np.float64), w[a, b])
            full[
                a * dr : a * dr + (h - 1) * sr + 1 : sr, b * dc : b * dc + (wd - 1) * sc + 1 : sc
            ] += stamp
    return full[pad[0] : pad[0] + out_shape[0], pad[1] : pad[1] + out_shape[1]]


def test_large_transposed_layer_in_blocks() -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((60, 50, 4)).astype(np.float32)
    w = rng.standard_normal((3, 3, 64, 4))
    got = conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    want = scatter_by_taps(x, w, (2, 2), (1, 1), (120, 100))
    assert got.shape == want.shape == (120, 100, 64)
    assert np.max(np.abs(got - want)) < 1e-5 * np.abs(want).max()


@pytest.mark.parametrize(("c_in", "c_out", "groups"), [(3, 4, 1), (4, 6, 2), (5, 5, 5)], ids=str)
def test_one_filter_is_its_feature_map(c_in, c_out, groups) -> None:
    rng = np.random.default_rng(seed_of("filter", c_in, c_out, groups))
    x = rng.standard_normal((9, 7, c_in))
    w = rng.standard_normal((3, 3, c_in // groups, c_out))
    bias = rng.standard_normal(c_out)
    kw = dict(padding="same", boundary="wrap", stride=(2, 1), groups=groups)
    want, scale = naive_layer(x, w, bias, **kw)
    for o in range(c_out):
        got = conv2d_filter(x, w, bias, o, **kw)
        check(got, want[:, :, o], scale[:, :, o], float64=True)
    with pytest.raises(ValueError, match=f"filter {c_out} is outside"):
        conv2d_filter(x, w, bias, c_out, **kw)
    with pytest.raises(ValueError, match=r"filter must be an int, got 1\.0"):
        conv2d_filter(x, w, bias, 1.0, **kw)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "quoted"),
    [
        ((6, 6, 3), (3, 3, 2, 4), {}, "(3, 3, 2, 4)"),  # channel mismatch
        ((6, 6, 4), (3, 3, 2, 3), {"groups": 2}, "groups=2"),  # groups not dividing C_out
        ((6, 6, 3), (3, 3, 1, 4), {"groups": 2}, "groups=2"),  # groups not dividing C_in
        ((6, 6, 3), (3, 3, 3), {}, "(3, 3, 3)"),  # weights of the wrong rank
        ((6, 6, 3), (3, 3, 3, 2), {"groups": 0}, "0"),
        ((6, 6, 3), (3, 3, 3, 2), {"groups": 1.5}, "1.5"),
        ((6, 6, 3), (3, 3, 3, 2), {"stride": 0}, "0"),
        ((6, 6, 3), (3, 3, 3, 2), {"dilation": (1, -1)}, "(1, -1)"),
        ((6, 6, 3), (3, 3, 3, 2), {"padding": "sideways"}, "sideways"),
        ((6, 6, 3), (3, 3, 3, 2), {"boundary": "torus"}, "torus"),
        ((6, 6, 3), (3, 3, 3, 2), {"method": "magic"}, "magic"),
        ((6, 6, 3), (3, 3, 3, 2), {"boundary": "constant", "cval": float("nan")}, "nan"),
        ((2, 2, 3), (3, 3, 3, 2), {}, "3x3"),  # kernel larger than the input
        ((6, 6, 3), (0, 3, 3, 2), {}, "empty"),
        ((6, 6, 3, 1), (3, 3, 3, 2), {}, "(6, 6, 3, 1)"),  # x of the wrong rank
    ],
)
def test_bad_arguments_raise_value_error_quoting_them(x_shape, w_shape, kwargs, quoted) -> None:
    x = np.ones(x_shape)
    w = np.ones(w_shape)
    with pytest.raises(ValueError) as info:
        conv2d_layer(x, w, **kwargs)
    assert quoted in str(info.value)


@pytest.mark.parametrize(
    ("bias", "quoted"), [(np.ones(3), "(3,)"), (np.ones((2, 1)), "(2, 1)"), ([1, np.inf], "inf")]
)
def test_bad_bias_raises(bias, quoted) -> None:
    with pytest.raises(ValueError) as info:
        conv2d_layer(np.ones((5, 5, 3)), np.ones((3, 3, 3, 2)), bias)
    assert quoted in str(info.value)


def test_non_finite_weights_raise_with_their_index() -> None:
    w = np.ones((3, 3, 1, 2))
    w[1, 2, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"nan at index \(1, 2, 0, 1\)"):
        conv2d_layer(np.ones((5, 5)), w)
    with pytest.raises(ValueError, match="real numbers"):
        conv2d_layer(np.ones((5, 5)), np.full((1, 1, 1, 1), "a"))


# --------------------------------------------------------------------------- geometry


def test_parameter_counts_are_keras_numbers() -> None:
    # Keras model.summary(): Conv2D(32, 3) on MNIST 320, on RGB 896; Conv2D(64, 3) after it 18496.
    assert layer_param_count(3, 3, 1, 32) == 320
    assert layer_param_count(3, 3, 3, 32) == 896
    assert layer_param_count(3, 3, 32, 64) == 18496
    assert layer_param_count(3, 3, 8, 8, groups=8) == 80  # DepthwiseConv2D(3) on 8 channels
    assert layer_param_count(5, 5, 16, 32, groups=4, use_bias=False) == 5 * 5 * 4 * 32
    with pytest.raises(ValueError, match="groups=3"):
        layer_param_count(3, 3, 4, 6, groups=3)
    with pytest.raises(ValueError, match="0"):
        layer_param_count(3, 0, 4, 6)


def test_formulas_and_summary() -> None:
    text = layer_formula((32, 32, 3), (3, 3, 3, 16), padding="same", stride=2)
    assert layer_formula((8, 7), (3, 3, 1, 2), stride=2).splitlines()[0] == (
        "H′ = ⌊(8 + 0 + 0 − 3)/2⌋ + 1 = 3"
    )
    assert text.splitlines() == [
        "H′ = (32 + 0 + 1 − 3)/2 + 1 = 16",
        "W′ = (32 + 0 + 1 − 3)/2 + 1 = 16",
        "params = 3·3·3·16 + 16 = 448",
    ]
    assert param_formula(3, 3, 16, 32, groups=4, use_bias=False) == "3·3·(16/4)·32 = 1152"
    assert layer_summary((28, 28, 1), (3, 3, 1, 32)) == "conv2d (Conv2D)   (None, 26, 26, 32)   320"
    assert layer_summary((64, 64, 32), (3, 3, 32, 64), padding="same").endswith(
        "(None, 64, 64, 64)   18,496"
    )
    assert transpose_formula((128, 128, 16), (3, 3), stride=2).splitlines() == [
        "H′ = 128·2 + max(3 − 2, 0) = 257",
        "W′ = 128·2 + max(3 − 2, 0) = 257",
    ]
    assert transpose_formula((7, 7), (3, 3), stride=2, padding="same", output_padding=1) == (
        "H′ = (7 − 1)·2 + 3 − 2·1 + 1 = 14\nW′ = (7 − 1)·2 + 3 − 2·1 + 1 = 14"
    )


@pytest.mark.parametrize("n", [1, 4, 7, 10])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("d", [1, 2])
def test_layer_shape_matches_keras_formula(n, k, s, d) -> None:
    eff = d * (k - 1) + 1
    assert conv_layer_shape((n, n + 1, 2), (k, k), padding="same", stride=s, dilation=d) == (
        math.ceil(n / s),
        math.ceil((n + 1) / s),
    )
    if eff <= n:
        got = conv_layer_shape((n, n), (k, k, 2, 5), stride=s, dilation=d)
        assert got == ((n - eff) // s + 1,) * 2
    # Keras deconv_output_length, written out here.
    assert transpose_output_shape((n, n), (k, k), stride=s, dilation=d, padding="valid") == (
        (n * s + max(eff - s, 0),) * 2
    )
    assert transpose_output_shape((n, n), (k, k), stride=s, dilation=d, padding="same") == (
        (n * s,) * 2
    )
    for p in range(3):
        for op in range(max(s, d)):
            want = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            if want < 1:
                with pytest.raises(ValueError, match="crops away"):
                    transpose_output_shape((n, n), (k, k), stride=s, dilation=d, padding=p,
                                           output_padding=op)  # fmt: skip
                continue
            got = transpose_output_shape(
                (n, n), (k, k), stride=s, dilation=d, padding=p, output_padding=op
            )
            assert got == (want, want)


def test_check_layer_args_reports_what_to_use() -> None:
    with pytest.raises(ValueError, match=r"use weights of shape \(3, 3, 4, 8\)"):
        check_layer_args((5, 5, 8), (3, 3, 8, 8), groups=2)


# --------------------------------------------------------------------------- transposed


@pytest.mark.parametrize("stride", [1, 2, (3, 2)], ids=str)
@pytest.mark.parametrize("dilation", [1, (2, 1)], ids=str)
@pytest.mark.parametrize("pad", [0, 1, (2, 0)], ids=str)
@pytest.mark.parametrize("kshape", [(3, 3), (2, 4), (1, 1)], ids=str)
def test_transpose_matches_scatter_loop(kshape, pad, dilation, stride) -> None:
    rng = np.random.default_rng(seed_of("tr", kshape, pad, dilation, stride))
    x = rng.standard_normal((4, 5, 3))
    w = rng.standard_normal((*kshape, 2, 3))
    bias = rng.standard_normal(2)
    (sr, sc), (dr, dc), (pr, pc) = pair(stride), pair(dilation), pair(pad)
    op = (min(1, max(sr, dr) - 1), min(1, max(sc, dc) - 1))
    shape = (
        (4 - 1) * sr - 2 * pr + dr * (kshape[0] - 1) + op[0] + 1,
        (5 - 1) * sc - 2 * pc + dc * (kshape[1] - 1) + op[1] + 1,
    )
    if min(shape) < 1:
        with pytest.raises(ValueError, match="crops away"):
            conv_transpose2d(x, w, stride=stride, padding=pad, dilation=dilation,
                             output_padding=op)  # fmt: skip
        return
    want, scale = naive_transpose(
        x, w, bias, stride=stride, pad=(pr, pc), out_shape=shape, dilation=dilation
    )
    got = conv_transpose2d(
        x, w, bias, stride=stride, padding=pad, dilation=dilation, output_padding=op
    )
    check(got, want, scale, float64=True)


def test_transpose_float32_and_grey() -> None:
    x = np.arange(6, dtype=np.uint8).reshape(2, 3)
    w = np.arange(8.0).reshape(2, 2, 2, 1)
    got = conv_transpose2d(x, w, stride=2)
    want, _ = naive_transpose(x, w, stride=2)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def inner(a, b) -> float:
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


@pytest.mark.parametrize("stride", [1, 2, (3, 2)], ids=str)
@pytest.mark.parametrize("dilation", [1, 2], ids=str)
@pytest.mark.parametrize("pad", [0, 1, (2, 1)], ids=str)
def test_adjoint_of_conv2d_layer_integer_padding(stride, dilation, pad) -> None:
    rng = np.random.default_rng(seed_of("adj", stride, dilation, pad))
    w = rng.standard_normal((3, 2, 4, 3))  # conv2d_layer: 4 in, 3 out; transposed: 3 in, 4 out
    (sr, sc), (pr, pc) = pair(stride), pair(pad)
    y = rng.standard_normal((11, 10, 4))
    # conv2d_layer's output size, written out: floor((n + 2p - d(k-1) - 1)/s) + 1.
    h = (11 + 2 * pr - dilation * 2 - 1) // sr + 1
    wd = (10 + 2 * pc - dilation * 1 - 1) // sc + 1
    x = rng.standard_normal((h, wd, 3))
    # output_padding making the transposed output 11x10 again.
    op = (
        11 - ((h - 1) * sr - 2 * pr + dilation * 2 + 1),
        10 - ((wd - 1) * sc - 2 * pc + dilation * 1 + 1),
    )
    conv = conv2d_layer(y, w, padding=(pr, pr, pc, pc), stride=stride, dilation=dilation)
    tr = conv_transpose2d(x, w, padding=pad, stride=stride, dilation=dilation, output_padding=op)
    assert conv.shape == x.shape
    assert tr.shape == y.shape
    lhs, rhs = inner(conv, x), inner(y, tr)
    assert abs(lhs - rhs) <= 1e-12 * (inner(np.abs(conv), np.abs(x)) + 1)


@pytest.mark.parametrize("n", [5, 6, 7])
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_keras_padding_is_the_gradient_of_conv2d(padding, s, k, n) -> None:
    # TensorFlow defines conv2d_transpose as the gradient (adjoint) of conv2d with the same
    # padding name on an input of the transposed output's size: checked here as the adjoint
    # identity with conv2d_layer's "valid"/"same" (each tested above against references).
    rng = np.random.default_rng(seed_of("keras", padding, s, k, n))
    w = rng.standard_normal((k, k, 2, 3))
    x = rng.standard_normal((n, n - 1, 3))
    tr = conv_transpose2d(x, w, padding=padding, stride=s)
    y = rng.standard_normal(tr.shape[:2] + (2,))
    conv = conv2d_layer(y, w, padding=padding, stride=s)
    assert conv.shape == x.shape
    assert abs(inner(conv, x) - inner(y, tr)) <= 1e-12 * (inner(np.abs(conv), np.abs(x)) + 1)


def test_keras_same_transposed_known_values() -> None:
    # 2x2 input of ones, 3x3 kernel of ones, stride 2, "same": 4x4 output. TensorFlow crops
    # total = (2-1)*2 + 3 - 4 = 1 cell: 0 before, 1 after (its conv2d "same" rule).
    got = conv_transpose2d(np.ones((2, 2)), np.ones((3, 3, 1, 1)), stride=2, padding="same")
    row = np.array([1.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(got[..., 0], np.outer(row, row))


@pytest.mark.parametrize(
    ("kwargs", "quoted"),
    [
        ({"output_padding": 2, "stride": 2}, "output_padding 2"),
        ({"output_padding": (0, 1)}, "(0, 1)"),
        ({"output_padding": -1, "stride": 2}, "-1"),
        ({"padding": "full"}, "full"),
        ({"padding": -1}, "-1"),
        ({"padding": (1, 2, 3)}, "(1, 2, 3)"),
        ({"stride": 0}, "0"),
        ({"padding": 5}, "crops away"),
    ],
)
def test_transpose_bad_arguments(kwargs, quoted) -> None:
    with pytest.raises(ValueError) as info:
        conv_transpose2d(np.ones((3, 3, 2)), np.ones((3, 3, 4, 2)), **kwargs)
    assert quoted in str(info.value)


def test_transpose_channel_mismatch_and_bias() -> None:
    with pytest.raises(ValueError, match=r"use weights of shape \(3, 3, 4, 2\)"):
        conv_transpose2d(np.ones((3, 3, 2)), np.ones((3, 3, 4, 3)))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        conv_transpose2d(np.ones((3, 3, 2)), np.ones((3, 3, 4, 2)), np.ones(2))
    with pytest.raises(ValueError, match="4-D"):
        conv_transpose2d(np.ones((3, 3, 2)), np.ones((3, 3, 2)))


def test_output_padding_below_dilation_is_allowed() -> None:
    geo = transpose_geometry((3, 3), (3, 3), stride=1, dilation=2, padding=0, output_padding=1)
    assert geo.out_shape == (8, 8)
    assert geo.crop_end == (-1, -1)


# --- sizes: refused before anything is allocated ---------------------------------------------


@pytest.mark.parametrize(
    ("call", "quoted"),
    [
        (lambda: conv2d_layer(np.ones((4, 4)), np.ones((3, 3, 1, 1)), padding=10**6),
         "2000004×2000004"),
        (lambda: conv2d_layer(np.ones((4, 4)), np.ones((3, 3, 1, 1)), padding="same",
                              dilation=10**12), "2000000000004×2000000000004"),
        (lambda: conv2d_layer(np.ones((4, 4)), np.ones((3, 3, 1, 1)), padding="full",
                              dilation=10**6), "4000004×4000004"),
        (lambda: conv2d_layer(np.ones((4, 4, 64)), np.ones((3, 3, 64, 1)), padding="same",
                              dilation=2000), "4001 padded rows"),
        (lambda: conv2d_layer(np.ones((100, 100)), np.ones((1, 1, 1, 20_000))),
         "100×100×20000"),
        (lambda: conv_transpose2d(np.ones((4, 4)), np.ones((3, 3, 1, 1)), stride=10**6),
         "4000000×4000000×1"),
        (lambda: conv_transpose2d(np.ones((4, 4)), np.ones((3, 3, 1, 1)), dilation=10**6),
         "2000004×2000004×1"),
        (lambda: conv_transpose2d(np.ones((1, 10**6), np.float32),
                                  np.ones((1, 1, 10**6, 1), np.float32)), "1×1000000×1000000"),
        # the output is small (padding crops it) but one row of stamps is 10**6 × 225 × 64
        (lambda: conv_transpose2d(np.ones((1, 10**6), np.float32),
                                  np.ones((15, 15, 64, 1), np.float32), padding=(0, 499_999)),
         "1000000 pixels × 15×15 taps × 64 channels"),
    ],
)  # fmt: skip
def test_sizes_beyond_the_limit_are_refused_quoting_them(call, quoted) -> None:
    """Each of these would allocate terabytes (MemoryError) or hit numpy's "array is too big";
    the engine refuses them with the sizes, before any allocation."""
    from convgui.core.pipeline import OutputTooLargeError

    with pytest.raises(OutputTooLargeError) as info:
        call()
    assert quoted in str(info.value)
    assert "100,000,000" in str(info.value)


def test_size_limits_are_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the limit the layer computes (against the naive sum); one value more is refused."""
    from convgui.core import layer as layer_mod
    from convgui.core.pipeline import OutputTooLargeError

    x = np.arange(36.0).reshape(6, 6)
    monkeypatch.setattr(layer_mod, "MAX_LAYER_VALUES", 6 * 6 * 2)
    monkeypatch.setattr(layer_mod, "MAX_PIXELS", 8 * 8)
    y = conv2d_layer(x, np.ones((3, 3, 1, 2)), padding=1)
    assert y.shape == (6, 6, 2)
    padded = np.pad(x, 1)
    assert y[2, 3, 1] == padded[2:5, 3:6].sum()
    with pytest.raises(OutputTooLargeError, match="6×6×3"):
        conv2d_layer(x, np.ones((3, 3, 1, 3)), padding=1)
    with pytest.raises(OutputTooLargeError, match="9×9"):
        conv2d_layer(x, np.ones((3, 3, 1, 1)), padding=(1, 2, 1, 2))
    t = conv_transpose2d(np.ones((6, 6)), np.ones((1, 1, 2, 1)))
    assert t.shape == (6, 6, 2) and np.all(t == 1)
    with pytest.raises(OutputTooLargeError, match="6×6×3"):
        conv_transpose2d(np.ones((6, 6)), np.ones((1, 1, 3, 1)))


def test_a_layer_whose_im2col_row_is_too_large_sums_channels_instead() -> None:
    """'same' with a 1×100000 kernel over a 1×100000 input: one output row of im2col columns
    is 10**10 values (80 GB), so "auto" takes the per-channel route; the values match a
    window sum from cumulative sums (TF 'same': 49999 cells before, 50000 after)."""
    from convgui.core.pipeline import OutputTooLargeError

    n = 100_000
    x = np.random.default_rng(seed_of("im2col-row")).random((1, n))
    y = conv2d_layer(x, np.ones((1, n, 1, 1)), padding="same")[0, :, 0]
    c = np.concatenate([[0.0], np.cumsum(x[0])])
    j = np.arange(n)
    expected = c[np.minimum(j + n // 2 + 1, n)] - c[np.maximum(j - (n // 2 - 1), 0)]
    np.testing.assert_allclose(y, expected, rtol=1e-9, atol=1e-6)
    with pytest.raises(OutputTooLargeError, match="im2col"):
        conv2d_layer(x, np.ones((1, n, 1, 1)), padding="same", method="gemm")


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_an_int_beyond_the_float_range_is_a_value_error(value: int) -> None:
    """``float(10**400)`` raises OverflowError; the shared scalar check turns it into a
    ValueError naming the argument and the size (for the engine's cval and every kernel
    generator's parameters), not a 400-digit wall of text."""
    from convgui.core.generators import GENERATORS

    with pytest.raises(ValueError, match=r"cval is too large: .*\(401 digits\)") as info:
        conv2d_layer(np.ones((4, 4)), np.ones((3, 3, 1, 1)), boundary="constant", cval=value,
                     padding=1)  # fmt: skip
    assert len(str(info.value)) < 200
    spec = next(s for g in GENERATORS.values() for s in g.params if not s.is_choice)
    gen = next(g for g in GENERATORS.values() if spec in g.params)
    with pytest.raises(ValueError, match=r"too large: .*\(401 digits\)"):
        gen.make(**{spec.name: value})
