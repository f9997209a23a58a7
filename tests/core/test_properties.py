"""Hypothesis property tests: random shapes, dtypes and parameters against the naive loops.

Every drawn parameter set either fits (then ``correlate2d``/``pool2d`` equal the naive loop
and the shape helpers agree with the issue's formula) or does not (then the engine and the
shape helper both raise ``ValueError``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import (
    BOUNDARIES,
    DTYPES,
    assert_matches,
    extent,
    naive_correlate,
    naive_pool,
    pair,
    random_image,
    ref_out_len,
    ref_pads,
)

from convgui.core import (
    correlate2d,
    output_shape,
    pool2d,
    pool_output_shape,
    pool_padding,
    resolve_padding,
)

small = st.integers(1, 12)
int_or_pair_1_3 = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 3),
    st.tuples(*[st.integers(0, 3)] * 4),
)


def _kernel(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "integer":
        return rng.integers(-4, 5, size=shape).astype(np.float64)
    if kind == "rank1":  # takes the separable path when the image is large enough
        return np.outer(rng.standard_normal(shape[0]), rng.standard_normal(shape[1]))
    k = rng.standard_normal(shape)  # sparse: most taps zero
    k[rng.random(shape) < 0.7] = 0.0
    return k


@settings(max_examples=1500, deadline=None)
@given(
    h=small,
    w=small,
    channels=st.sampled_from([None, 1, 3]),
    dtype=st.sampled_from(DTYPES),
    kshape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    kind=st.sampled_from(["normal", "integer", "rank1", "sparse"]),
    padding=paddings,
    boundary=st.sampled_from(BOUNDARIES),
    cval=st.floats(-10, 10),
    stride=int_or_pair_1_3,
    dilation=st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2))),
    flip=st.booleans(),
    method=st.sampled_from(["auto", "direct", "separable", "fft"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_correlate2d_equals_naive_loop(
    h,
    w,
    channels,
    dtype,
    kshape,
    kind,
    padding,
    boundary,
    cval,
    stride,
    dilation,
    flip,
    method,
    seed,
) -> None:
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels is None else (h, w, channels)
    image = random_image(rng, shape, dtype)
    kernel = _kernel(rng, kind, kshape)
    kw = dict(padding=padding, boundary=boundary, cval=cval, stride=stride, dilation=dilation)
    pads = ref_pads(shape, kshape, padding, stride, dilation)
    assert resolve_padding(shape, kshape, padding, stride=stride, dilation=dilation) == pads
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    ho = ref_out_len(h, pads[0], pads[1], kshape[0], sr, dr)
    wo = ref_out_len(w, pads[2], pads[3], kshape[1], sc, dc)
    if ho <= 0 or wo <= 0:
        with pytest.raises(ValueError, match="larger than the padded input"):
            output_shape(shape, kshape, padding=padding, stride=stride, dilation=dilation)
        with pytest.raises(ValueError, match="larger than the padded input"):
            correlate2d(image, kernel, flip=flip, method=method, **kw)
        return
    assert output_shape(shape, kshape, padding=padding, stride=stride, dilation=dilation) == (
        ho,
        wo,
    )
    if padding == "same":
        assert (ho, wo) == (math.ceil(h / sr), math.ceil(w / sc))
    want, scale = naive_correlate(image, kernel, flip=flip, **kw)
    image_copy = image.copy()
    got = correlate2d(image, kernel, flip=flip, method=method, **kw)
    np.testing.assert_array_equal(image, image_copy)
    big = extent(image, kernel, pads, boundary, cval)
    assert_matches(got, want, scale, dtype, extent=big)


@settings(max_examples=800, deadline=None)
@given(
    h=small,
    w=small,
    channels=st.sampled_from([None, 2]),
    dtype=st.sampled_from(DTYPES),
    size=st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    stride=st.one_of(st.none(), st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    padding=st.sampled_from(["valid", "same"]),
    op=st.sampled_from(["max", "avg"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool2d_equals_naive_loop(h, w, channels, dtype, size, stride, padding, op, seed) -> None:
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels is None else (h, w, channels)
    x = random_image(rng, shape, dtype)
    kh, kw = pair(size)
    sr, sc = pair(size if stride is None else stride)
    if padding == "valid" and (kh > h or kw > w):
        with pytest.raises(ValueError, match="pooling window"):
            pool_output_shape(shape, size, stride=stride, padding=padding)
        with pytest.raises(ValueError, match="pooling window"):
            pool2d(x, size, stride=stride, padding=padding, op=op)
        return
    want = naive_pool(x, size, stride=stride, padding=padding, op=op)
    assert pool_output_shape(shape, size, stride=stride, padding=padding) == want.shape[:2]
    if padding == "same":
        assert want.shape[:2] == (math.ceil(h / sr), math.ceil(w / sc))
        assert pool_padding(shape, size, stride=stride, padding="same") == ref_pads(
            shape, (kh, kw), "same", (sr, sc)
        )
    got = pool2d(x, size, stride=stride, padding=padding, op=op)
    assert got.dtype == (np.float64 if dtype == np.float64 else np.float32)
    assert got.shape == want.shape
    if op == "max":
        np.testing.assert_array_equal(got, want.astype(got.dtype))
    else:
        rtol = 1e-12 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * max(1.0, np.abs(want).max()))


@settings(max_examples=500, deadline=None)
@given(
    n=st.tuples(st.integers(1, 200), st.integers(1, 200)),
    k=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    padding=st.one_of(
        st.sampled_from(["valid", "same", "full"]),
        st.integers(0, 20),
        st.tuples(*[st.integers(0, 20)] * 4),
    ),
    stride=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    dilation=st.tuples(st.integers(1, 5), st.integers(1, 5)),
)
def test_output_shape_is_the_formula(n, k, padding, stride, dilation) -> None:
    pads = ref_pads(n, k, padding, stride, dilation)
    assert resolve_padding(n, k, padding, stride=stride, dilation=dilation) == pads
    rows = ref_out_len(n[0], pads[0], pads[1], k[0], stride[0], dilation[0])
    cols = ref_out_len(n[1], pads[2], pads[3], k[1], stride[1], dilation[1])
    if rows > 0 and cols > 0:
        assert output_shape(n, k, padding=padding, stride=stride, dilation=dilation) == (rows, cols)
    else:
        with pytest.raises(ValueError, match="larger than the padded input"):
            output_shape(n, k, padding=padding, stride=stride, dilation=dilation)
