"""``correlate2d`` against scipy and a naive loop, for every boundary, padding and method.

References: ``scipy.ndimage.correlate``/``convolve`` for the six boundaries (with the origin
shifted so even kernels sit where Keras puts them), ``scipy.signal`` for "full"/"valid" and
true convolution, and the loop of ``reference.naive_correlate`` for padding x stride x
dilation geometry. The engine is never compared with itself, except that every ``method=``
must reproduce the same reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as sig
from reference import (
    BOUNDARIES,
    DTYPES,
    NDIMAGE_MODES,
    assert_matches,
    keras_same_axis,
    naive_correlate,
    random_image,
    ref_out_len,
    ref_pads,
    seed_of,
)

import convgui.core.convolve as engine
from convgui.core import (
    METHODS,
    choose_method,
    correlate2d,
    output_formula,
    output_shape,
    resolve_padding,
)

EXPLICIT_METHODS = tuple(m for m in METHODS if m != "auto")
ALL_METHODS = ("auto", *EXPLICIT_METHODS)
KERNEL_SHAPES = [(1, 1), (2, 2), (3, 3), (1, 4), (4, 1), (3, 4), (5, 4), (5, 5)]
PADDINGS = ["valid", "same", "full", 2, (0, 3, 1, 2)]
CVAL = 2.5


def keras_origin(kshape: tuple[int, ...]) -> tuple[int, ...]:
    """scipy origin that puts a kernel's anchor where Keras "same" puts it: (k - 1) // 2."""
    return tuple((k - 1) // 2 - k // 2 for k in kshape)


def scipy_same(image: np.ndarray, kernel: np.ndarray, boundary: str, *, flip: bool = False):
    """scipy.ndimage result (and sum |products|) for "same", stride 1, channel by channel."""
    x = np.asarray(image, dtype=np.float64)
    mode = NDIMAGE_MODES[boundary]
    cval = CVAL if boundary == "constant" else 0.0
    if flip:
        # scipy's convolve anchors an even kernel so that it matches Keras "same" applied to
        # the rotated kernel without any origin shift.
        def f(a, k):
            return ndi.convolve(a, k, mode=mode, cval=cval)
    else:

        def f(a, k):
            return ndi.correlate(a, k, mode=mode, cval=cval, origin=keras_origin(k.shape))

    chans = [x] if x.ndim == 2 else [x[..., c] for c in range(x.shape[2])]
    out = [f(c, kernel) for c in chans]
    scale = [
        ndi.correlate(
            np.abs(c),
            np.abs(kernel[::-1, ::-1] if flip else kernel),
            mode=mode,
            cval=abs(cval),
            origin=keras_origin(kernel.shape),
        )
        for c in chans
    ]
    if x.ndim == 2:
        return out[0], scale[0]
    return np.stack(out, axis=-1), np.stack(scale, axis=-1)


def run_all_methods(image, kernel, want, scale, **kw) -> None:
    for method in ALL_METHODS:
        got = correlate2d(image, kernel, method=method, **kw)
        try:
            assert_matches(got, want, scale, image.dtype.type)
        except AssertionError as e:
            raise AssertionError(f"method={method!r}: {e}") from None


# --- scipy: every boundary, cross-correlation and true convolution ----------------------------


@pytest.mark.parametrize("channels", [None, 3], ids=["2d", "rgb"])
@pytest.mark.parametrize("kshape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_same_matches_scipy_ndimage(boundary, dtype, kshape, channels) -> None:
    rng = np.random.default_rng(seed_of(boundary, kshape, channels))
    shape = (9, 11) if channels is None else (9, 11, channels)
    image = random_image(rng, shape, dtype)
    kernel = rng.standard_normal(kshape)
    want, scale = scipy_same(image, kernel, boundary)
    run_all_methods(image, kernel, want, scale, boundary=boundary, cval=CVAL)


@pytest.mark.parametrize("kshape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_flip_is_true_convolution_scipy_ndimage(boundary, kshape) -> None:
    rng = np.random.default_rng(7)
    image = rng.standard_normal((10, 8))
    kernel = rng.standard_normal(kshape)
    want, scale = scipy_same(image, kernel, boundary, flip=True)
    run_all_methods(image, kernel, want, scale, boundary=boundary, cval=CVAL, flip=True)


@pytest.mark.parametrize("kshape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["full", "valid"])
@pytest.mark.parametrize("flip", [False, True], ids=["correlate", "convolve"])
def test_full_and_valid_match_scipy_signal(mode, kshape, flip) -> None:
    rng = np.random.default_rng(11)
    image = rng.standard_normal((7, 9))
    kernel = rng.standard_normal(kshape)
    ref = sig.convolve2d if flip else sig.correlate2d
    want = ref(image, kernel, mode=mode)
    scale = ref(np.abs(image), np.abs(kernel), mode=mode)
    run_all_methods(image, kernel, want, scale, padding=mode, flip=flip)


@pytest.mark.parametrize(("boundary", "scipy_boundary"), [("reflect", "symm"), ("wrap", "wrap")])
@pytest.mark.parametrize("kshape", [(3, 3), (2, 5), (5, 4)], ids=str)
def test_full_with_boundaries_matches_scipy_signal(boundary, scipy_boundary, kshape) -> None:
    rng = np.random.default_rng(12)
    image = rng.standard_normal((8, 9))
    kernel = rng.standard_normal(kshape)
    want = sig.correlate2d(image, kernel, mode="full", boundary=scipy_boundary)
    scale = sig.correlate2d(np.abs(image), np.abs(kernel), mode="full", boundary=scipy_boundary)
    run_all_methods(image, kernel, want, scale, padding="full", boundary=boundary)


def test_flip_rotates_the_kernel_by_180_degrees() -> None:
    # With the 3x3 kernel holding a single 1 at the top left, cross-correlation reads the
    # up-left neighbour and true convolution the down-right one.
    image = np.arange(1.0, 26.0).reshape(5, 5)
    kernel = np.zeros((3, 3))
    kernel[0, 0] = 1
    corr = correlate2d(image, kernel, padding="valid")
    conv = correlate2d(image, kernel, padding="valid", flip=True)
    np.testing.assert_array_equal(corr, image[:3, :3])
    np.testing.assert_array_equal(conv, image[2:, 2:])


# --- padding x stride x dilation geometry against the naive loop ------------------------------


@pytest.mark.parametrize("kshape", [(1, 1), (2, 2), (3, 3), (1, 4), (5, 4), (4, 3)], ids=str)
@pytest.mark.parametrize("dilation", [1, 2, (1, 2), (2, 1)], ids=str)
@pytest.mark.parametrize("stride", [1, 2, 3, (1, 2), (3, 1)], ids=str)
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_padding_stride_dilation_match_naive_loop(padding, stride, dilation, kshape) -> None:
    rng = np.random.default_rng(3)
    image = rng.standard_normal((10, 13))
    kernel = rng.standard_normal(kshape)
    want, scale = naive_correlate(
        image, kernel, padding=padding, boundary="mirror", stride=stride, dilation=dilation
    )
    run_all_methods(
        image,
        kernel,
        want,
        scale,
        padding=padding,
        boundary="mirror",
        stride=stride,
        dilation=dilation,
    )


@pytest.mark.parametrize("channels", [None, 2], ids=["2d", "hwc"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_padding_boundary_dtype_match_naive_loop(padding, boundary, dtype, channels) -> None:
    rng = np.random.default_rng(5)
    shape = (7, 8) if channels is None else (7, 8, channels)
    image = random_image(rng, shape, dtype)
    kernel = rng.standard_normal((3, 2))
    kw = dict(padding=padding, boundary=boundary, cval=-1.5, stride=(2, 1), dilation=(1, 2))
    want, scale = naive_correlate(image, kernel, **kw)
    run_all_methods(image, kernel, want, scale, **kw)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (5, 1), (2, 3)], ids=str)
def test_tiny_images_padding_wider_than_the_image(shape, boundary) -> None:
    # Padding several times the image size: the ring repeats the boundary rule.
    rng = np.random.default_rng(8)
    image = rng.standard_normal(shape)
    kernel = rng.standard_normal((5, 4))
    for padding in ["same", "full", (4, 0, 7, 2)]:
        want, scale = naive_correlate(image, kernel, padding=padding, boundary=boundary, cval=3.0)
        run_all_methods(image, kernel, want, scale, padding=padding, boundary=boundary, cval=3.0)


def test_zero_boundary_ignores_cval_and_constant_uses_it() -> None:
    image = np.ones((3, 3))
    kernel = np.ones((3, 3))
    zero = correlate2d(image, kernel, boundary="zero", cval=100.0)
    const = correlate2d(image, kernel, boundary="constant", cval=100.0)
    assert zero[0, 0] == 4.0  # 4 image cells, 5 zeros
    assert const[0, 0] == 4.0 + 5 * 100.0
    assert const[1, 1] == 9.0


# --- Keras "same" ------------------------------------------------------------------------------


@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_same_padding_is_tensorflows(k, d, s) -> None:
    """Output ceil(n/s); total max((out-1)s + (k-1)d + 1 - n, 0); the odd cell at the end."""
    for n in range(1, 13):
        out = math.ceil(n / s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        before, after = total // 2, total - total // 2
        assert after - before in (0, 1)
        pads = resolve_padding((n, 2 * n), (k, 1), "same", stride=(s, 1), dilation=(d, 1))
        assert pads[:2] == (before, after), (n, k, s, d)
        assert pads[2:] == keras_same_axis(2 * n, 1, 1, 1) == (0, 0)
        shape = output_shape((n, n), (k, k), padding="same", stride=s, dilation=d)
        assert shape == (out, out)


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "expected"),
    [
        (6, 3, 1, 1, (1, 1)),
        (5, 2, 1, 1, (0, 1)),  # even kernel: the extra cell at the bottom/right
        (6, 4, 1, 1, (1, 2)),
        (6, 3, 2, 1, (0, 1)),  # out 3, total (3-1)*2 + 3 - 6 = 1
        (7, 4, 3, 1, (1, 2)),  # out 3, total 2*3 + 4 - 7 = 3
        (8, 3, 2, 2, (1, 2)),  # out 4, total 3*2 + 5 - 8 = 3
        (4, 1, 3, 1, (0, 0)),
        (2, 5, 1, 1, (2, 2)),  # kernel larger than the image
    ],
)
def test_same_padding_worked_examples(n, k, s, d, expected) -> None:
    assert resolve_padding((n, n), (k, k), "same", stride=s, dilation=d) == expected * 2


@pytest.mark.parametrize("kshape", KERNEL_SHAPES, ids=str)
def test_same_delta_at_keras_anchor_copies_the_image(kshape) -> None:
    # Keras anchors a kernel at ((kh-1)//2, (kw-1)//2); a 1 there reproduces the image.
    rng = np.random.default_rng(1)
    image = rng.standard_normal((6, 7))
    kernel = np.zeros(kshape)
    kernel[(kshape[0] - 1) // 2, (kshape[1] - 1) // 2] = 1.0
    for method in ALL_METHODS:
        got = correlate2d(image, kernel, method=method)
        np.testing.assert_allclose(got, image, rtol=0, atol=1e-13)


@pytest.mark.parametrize("stride", [2, 3, (2, 3)], ids=str)
@pytest.mark.parametrize("kshape", [(2, 2), (4, 3), (3, 3)], ids=str)
def test_same_with_stride_has_ceil_outputs_and_matches_naive(kshape, stride) -> None:
    rng = np.random.default_rng(2)
    image = rng.standard_normal((11, 10))
    kernel = rng.standard_normal(kshape)
    sr, sc = (stride, stride) if isinstance(stride, int) else stride
    got = correlate2d(image, kernel, stride=stride)
    assert got.shape == (math.ceil(11 / sr), math.ceil(10 / sc))
    want, scale = naive_correlate(image, kernel, stride=stride)
    assert_matches(got, want, scale, np.float64)


@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_output_shape_and_formula(padding, k, d, s) -> None:
    for n in range(1, 10):
        image_shape, kshape = (n, n + 1), (k, k)
        pads = ref_pads(image_shape, kshape, padding, s, d)
        assert resolve_padding(image_shape, kshape, padding, stride=s, dilation=d) == pads
        rows = ref_out_len(n, pads[0], pads[1], k, s, d)
        cols = ref_out_len(n + 1, pads[2], pads[3], k, s, d)
        text = output_formula(n, pads[0], pads[1], k, s, d)
        if rows > 0 and cols > 0:
            assert output_shape(image_shape, kshape, padding=padding, stride=s, dilation=d) == (
                rows,
                cols,
            )
        else:
            with pytest.raises(ValueError, match="larger than the padded input"):
                output_shape(image_shape, kshape, padding=padding, stride=s, dilation=d)
        if rows > 0:
            assert text.endswith(f"= {rows}"), text
        else:
            assert "no output" in text, text


# --- channels, inputs, dtypes --------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
def test_each_channel_is_filtered_on_its_own(method) -> None:
    rng = np.random.default_rng(4)
    image = rng.standard_normal((8, 9, 4))
    kernel = rng.standard_normal((3, 4))
    got = correlate2d(image, kernel, boundary="wrap", stride=(1, 2), method=method)
    for c in range(4):
        want, scale = naive_correlate(image[..., c], kernel, boundary="wrap", stride=(1, 2))
        assert_matches(got[..., c], want, scale, np.float64)
    # Changing one channel changes only that channel of the output.
    changed = image.copy()
    changed[..., 1] += 100.0
    got2 = correlate2d(changed, kernel, boundary="wrap", stride=(1, 2), method=method)
    np.testing.assert_array_equal(got2[..., [0, 2, 3]], got[..., [0, 2, 3]])
    assert not np.allclose(got2[..., 1], got[..., 1])


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_inputs_are_not_modified_and_may_be_read_only(dtype, method) -> None:
    rng = np.random.default_rng(6)
    image = random_image(rng, (70, 80, 2), dtype)  # large enough that "auto" leaves "direct"
    kernel = np.outer([1.0, 4.0, 6.0, 4.0, 1.0], [1.0, 2.0, 1.0]) / 64.0
    image_copy, kernel_copy = image.copy(), kernel.copy()
    image.setflags(write=False)
    kernel.setflags(write=False)
    got = correlate2d(image, kernel, boundary="reflect", method=method)
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(kernel, kernel_copy)
    assert got.flags.writeable
    want, scale = scipy_same(image_copy, kernel_copy, "reflect")
    assert_matches(got, want, scale, dtype)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_non_contiguous_views_and_lists(method) -> None:
    rng = np.random.default_rng(9)
    base = rng.standard_normal((30, 40, 3))
    kernel = rng.standard_normal((4, 3))
    for image in (base[::2, ::-3, 1], np.asfortranarray(base[..., 0]), base.transpose(1, 0, 2)):
        want, scale = naive_correlate(image, kernel, boundary="replicate")
        got = correlate2d(image, kernel, boundary="replicate", method=method)
        assert_matches(got, want, scale, np.float64)
    got = correlate2d([[1, 2], [3, 4]], [[1, 1]], padding="valid", method=method)
    np.testing.assert_array_equal(got, [[3.0], [7.0]])
    assert got.dtype == np.float32


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.bool_, np.float32),
        (np.uint8, np.float32),
        (np.int16, np.float32),
        (np.uint16, np.float32),
        (np.int64, np.float32),
        (np.float16, np.float32),
        (np.float32, np.float32),
        (np.float64, np.float64),
    ],
)
def test_output_dtype_rule(dtype, expected) -> None:
    image = np.ones((4, 5), dtype=dtype)
    assert correlate2d(image, np.ones((2, 2))).dtype == expected
    # An integer or float32 kernel does not change the rule.
    assert correlate2d(image, np.ones((2, 2), dtype=np.int8)).dtype == expected


def test_integer_images_sum_exactly_in_the_direct_path() -> None:
    # uint8 sums well below 2**24 are exact in float32.
    rng = np.random.default_rng(10)
    image = rng.integers(0, 256, size=(6, 6)).astype(np.uint8)
    kernel = rng.integers(-5, 6, size=(3, 3))
    want, _ = naive_correlate(image, kernel)
    np.testing.assert_array_equal(correlate2d(image, kernel), want.astype(np.float32))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_zero_kernel_gives_zeros(method) -> None:
    # All kernel cells typed as 0 is a legal edit; every method must still return zeros.
    image = np.arange(30.0 * 40.0).reshape(30, 40)
    got = correlate2d(image, np.zeros((3, 3)), method=method)
    np.testing.assert_array_equal(got, np.zeros((30, 40)))


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "kernel", "kwargs", "match"),
    [
        (np.zeros((0, 5)), np.ones((3, 3)), {}, r"empty.*\(0, 5\)"),
        (np.zeros((4, 0, 3)), np.ones((3, 3)), {}, r"empty.*\(4, 0, 3\)"),
        (np.zeros((2, 3, 4, 5)), np.ones((3, 3)), {}, r"\(H, W\).*\(2, 3, 4, 5\)"),
        (np.zeros(5), np.ones((3, 3)), {}, r"\(H, W\).*\(5,\)"),
        (np.zeros((4, 4), dtype=complex), np.ones((3, 3)), {}, "real numbers"),
        (np.zeros((4, 4)), np.ones(3), {}, r"2-D.*\(3,\)"),
        (np.zeros((4, 4)), np.ones((0, 3)), {}, "kernel is empty"),
        (np.zeros((4, 4)), [[1, np.nan], [0, 0]], {}, r"finite.*nan.*row 0, column 1"),
        (np.zeros((4, 4)), [[1, 0], [0, np.inf]], {}, r"finite.*inf.*row 1, column 1"),
        (np.zeros((4, 4)), [[-np.inf]], {}, r"finite.*-inf"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"stride": 0}, r"stride.*at least 1.*got 0"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"stride": (1, 0)}, r"stride.*\(1, 0\)"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"stride": -2}, r"stride.*-2"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"stride": 1.5}, r"stride.*1\.5"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"stride": (1, 2, 3)}, r"stride.*\(1, 2, 3\)"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"dilation": 0}, r"dilation.*at least 1.*got 0"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"dilation": (0, 2)}, r"dilation.*\(0, 2\)"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"boundary": "bogus"}, r"boundary.*'bogus'"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"boundary": "Zero"}, r"boundary.*'Zero'"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"padding": "bogus"}, r"padding.*'bogus'"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"padding": -1}, r"padding.*-1"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"padding": (1, 2, 3)}, r"padding.*\(1, 2, 3\)"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"padding": (1, 1, -1, 1)}, r"\(1, 1, -1, 1\)"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"method": "bogus"}, r"method.*'bogus'"),
        (np.zeros((4, 4)), np.ones((3, 3)), {"boundary": "constant", "cval": np.nan}, "cval"),
    ],
)
def test_bad_arguments_raise_value_errors_that_quote_them(image, kernel, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        correlate2d(image, kernel, **kwargs)


@pytest.mark.parametrize(
    ("shape", "kshape", "kwargs", "window", "padded"),
    [
        ((3, 3), (5, 5), {"padding": "valid"}, "5x5", "3x3"),
        ((4, 6), (2, 7), {"padding": "valid"}, "2x7", "4x6"),
        ((4, 4), (3, 3), {"padding": "valid", "dilation": 2}, "5x5", "4x4"),
        ((2, 9), (3, 1), {"padding": (0, 0, 1, 1)}, "3x1", "2x11"),
    ],
)
def test_window_larger_than_padded_input_gives_the_sizes(shape, kshape, kwargs, window, padded):
    with pytest.raises(ValueError, match="larger than the padded input") as info:
        correlate2d(np.ones(shape), np.ones(kshape), **kwargs)
    assert window in str(info.value) and padded in str(info.value), str(info.value)


# --- large images: the separable, FFT and threaded paths ---------------------------------------


def _rank1(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.outer(rng.standard_normal(n), rng.standard_normal(n))


LARGE_KERNELS = {
    "random3": (lambda rng: rng.standard_normal((3, 3)), "direct"),
    "rank1_7": (lambda rng: _rank1(7, rng), "separable"),
    "random15": (lambda rng: rng.standard_normal((15, 15)), "fft"),
    "random31": (lambda rng: rng.standard_normal((31, 31)), "fft"),
}


def _scipy_valid_or_same(image64: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Zero-padded Keras "same" via scipy.signal's FFT correlation (fast for 31x31)."""
    full = sig.correlate(image64, kernel, mode="full", method="fft")
    (t, _), (lft, _) = (keras_same_axis(n, k, 1, 1) for n, k in zip(image64.shape, kernel.shape))
    h, w = image64.shape
    return full[kernel.shape[0] - 1 - t :][:h, kernel.shape[1] - 1 - lft :][:, :w]


@pytest.mark.parametrize("name", list(LARGE_KERNELS))
def test_large_image_every_method_matches_scipy(name) -> None:
    rng = np.random.default_rng(20)
    image = rng.standard_normal((300, 400)).astype(np.float32)
    make, expected_method = LARGE_KERNELS[name]
    kernel = make(rng)
    assert choose_method(kernel, image.size) == expected_method
    image64 = image.astype(np.float64)
    want = ndi.correlate(image64, kernel, mode="constant", origin=keras_origin(kernel.shape))
    scale = ndi.correlate(
        np.abs(image64), np.abs(kernel), mode="constant", origin=keras_origin(kernel.shape)
    )
    run_all_methods(image, kernel, want, scale)


@pytest.mark.parametrize("channels", [None, 3], ids=["2d", "rgb"])
@pytest.mark.parametrize("boundary", ["reflect", "wrap", "constant"])
@pytest.mark.parametrize("method", EXPLICIT_METHODS)
def test_large_image_boundaries_match_scipy(method, boundary, channels) -> None:
    rng = np.random.default_rng(21)
    shape = (200, 260) if channels is None else (200, 260, channels)
    image = rng.standard_normal(shape).astype(np.float32)
    kernel = rng.standard_normal((9, 8))
    want, scale = scipy_same(image, kernel, boundary)
    got = correlate2d(image, kernel, boundary=boundary, cval=CVAL, method=method)
    assert_matches(got, want, scale, np.float32)


@pytest.mark.parametrize("method", EXPLICIT_METHODS)
@pytest.mark.parametrize(("stride", "dilation"), [(2, 1), ((3, 2), 1), (1, 2), ((2, 3), (2, 1))])
def test_large_image_stride_and_dilation_match_scipy(stride, dilation, method) -> None:
    # 300x1100 with a 31-wide window: several FFT tiles across, strided outputs in each.
    rng = np.random.default_rng(22)
    image = rng.standard_normal((300, 1100))
    kernel = rng.standard_normal((16, 31))
    (sr, sc), (dr, dc) = (np.broadcast_to(v, 2).tolist() for v in (stride, dilation))
    dilated = np.zeros(((16 - 1) * dr + 1, (31 - 1) * dc + 1))
    dilated[::dr, ::dc] = kernel
    want = sig.correlate(image, dilated, mode="valid", method="fft")[::sr, ::sc]
    scale = sig.correlate(np.abs(image), np.abs(dilated), mode="valid", method="fft")[::sr, ::sc]
    got = correlate2d(
        image, kernel, padding="valid", stride=stride, dilation=dilation, method=method
    )
    assert_matches(got, want, scale, np.float64)


@pytest.fixture
def pool_jobs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every job the engine hands to its thread pool (and still run it there)."""
    jobs: list[object] = []
    real = engine._executor()

    class Spy:
        def submit(self, fn, *args):
            jobs.append(fn)
            return real.submit(fn, *args)

    monkeypatch.setattr(engine, "_executor", Spy)
    return jobs


def _assert_threaded(jobs: list[object]) -> None:
    if engine._N_WORKERS > 1:  # on a one-core machine the engine rightly stays serial
        assert len(jobs) >= 2, "a 1-megapixel output should be split across the thread pool"


@pytest.mark.parametrize("name", list(LARGE_KERNELS))
def test_threaded_paths_match_scipy(name, pool_jobs) -> None:
    # 1024x1024 outputs cross _PARALLEL_MIN, so the work is split across the thread pool.
    rng = np.random.default_rng(23)
    image = rng.standard_normal((1024, 1024)).astype(np.float32)
    assert image.size >= engine._PARALLEL_MIN
    make, expected_method = LARGE_KERNELS[name]
    kernel = make(rng)
    assert choose_method(kernel, image.size) == expected_method
    image64 = image.astype(np.float64)
    want = _scipy_valid_or_same(image64, kernel)
    scale = _scipy_valid_or_same(np.abs(image64), np.abs(kernel))
    assert_matches(correlate2d(image, kernel), want, scale, np.float32)
    _assert_threaded(pool_jobs)
    if expected_method == "separable":  # the FFT must agree on a rank-1 kernel too
        pool_jobs.clear()
        assert_matches(correlate2d(image, kernel, method="fft"), want, scale, np.float32)
        _assert_threaded(pool_jobs)


def test_threaded_direct_path_on_a_colour_image(pool_jobs) -> None:
    rng = np.random.default_rng(24)
    image = rng.integers(0, 256, size=(512, 512, 4)).astype(np.uint8)
    assert image.size >= engine._PARALLEL_MIN
    kernel = rng.standard_normal((3, 3))
    got = correlate2d(image, kernel, boundary="replicate")
    assert choose_method(kernel, image.size) == "direct"
    want, scale = scipy_same(image, kernel, "replicate")
    assert_matches(got, want, scale, np.uint8)
    _assert_threaded(pool_jobs)


def test_small_threshold_keeps_tiny_outputs_on_the_direct_path() -> None:
    # Below _SMALL outputs the direct (exact for small integers) path is always used.
    blur = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0])
    assert choose_method(blur, engine._SMALL - 1) == "direct"
    assert choose_method(blur, engine._SMALL * 64) == "separable"
    assert choose_method(np.ones((31, 31)), engine._SMALL - 1) == "direct"
    assert choose_method(np.ones((31, 31)), engine._SMALL * 64) in ("separable", "fft")


def test_engine_threads_yield_to_the_callers_thread() -> None:
    """Helper threads run at a lower priority (Linux), so a GUI thread is never starved."""
    import os
    import sys
    import threading

    from convgui.core.convolve import BACKGROUND_NICENESS, lower_thread_priority

    if not sys.platform.startswith("linux"):
        assert lower_thread_priority() in (True, False)
        return
    seen: list[tuple[int, int, bool]] = []

    def run() -> None:
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        ok = lower_thread_priority()
        seen.append((before, os.getpriority(os.PRIO_PROCESS, tid), ok))

    t = threading.Thread(target=run)
    t.start()
    t.join()
    before, after, ok = seen[0]
    assert ok and after == min(19, before + BACKGROUND_NICENESS)
    main = threading.get_native_id()
    assert os.getpriority(os.PRIO_PROCESS, main) == before  # the caller's own is unchanged
