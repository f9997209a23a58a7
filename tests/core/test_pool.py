"""``pool2d`` against a naive loop with Keras ``MaxPooling2D``/``AveragePooling2D`` semantics.

The reference (``reference.naive_pool``) visits every window and keeps only the real cells,
so a padded cell can neither win a max nor count in an average.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference import DTYPES, keras_same_axis, naive_pool, random_image, seed_of

from convgui.core import POOL_OPS, pool2d, pool_output_shape, pool_padding

SIZES_STRIDES = [
    (2, None),
    (3, None),
    (2, 1),
    (3, 2),
    (2, 3),  # stride larger than the window: cells are skipped
    ((1, 3), None),
    ((3, 1), (2, 1)),
    ((2, 3), (1, 2)),
    (1, None),
    (1, 2),
]


@pytest.mark.parametrize("channels", [None, 3], ids=["2d", "hwc"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize(("size", "stride"), SIZES_STRIDES, ids=str)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("op", POOL_OPS)
def test_pool_matches_naive_loop(op, padding, size, stride, dtype, channels) -> None:
    rng = np.random.default_rng(seed_of(op, padding, size, stride))
    for shape in [(7, 9), (6, 6), (5, 11)]:
        full_shape = shape if channels is None else (*shape, channels)
        x = random_image(rng, full_shape, dtype)
        want = naive_pool(x, size, stride=stride, padding=padding, op=op)
        got = pool2d(x, size, stride=stride, padding=padding, op=op)
        assert got.dtype == (np.float64 if dtype == np.float64 else np.float32)
        assert got.shape == want.shape
        assert pool_output_shape(full_shape, size, stride=stride, padding=padding) == want.shape[:2]
        if op == "max":  # a max is one of the inputs: exact
            np.testing.assert_array_equal(got, want.astype(got.dtype))
        else:
            rtol = 1e-12 if dtype == np.float64 else 1e-6
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.parametrize(("size", "stride"), [(2, None), (3, None), (3, 2), ((2, 3), (1, 2))])
def test_same_padding_never_wins_a_max_of_negative_values(size, stride) -> None:
    # Every value is negative: if a padded cell held 0 (or anything but -inf) it would win.
    rng = np.random.default_rng(1)
    x = -rng.uniform(1.0, 100.0, size=(5, 7))
    got = pool2d(x, size, stride=stride, padding="same")
    assert np.all(got < 0)
    np.testing.assert_array_equal(got, naive_pool(x, size, stride=stride, padding="same"))


def test_same_average_counts_only_real_cells() -> None:
    # 5x5 with a 2x2 window: the last row/column of windows holds 2 real cells, the corner one.
    x = np.full((5, 5), 8.0)
    got = pool2d(x, 2, padding="same", op="avg")
    np.testing.assert_array_equal(got, np.full((3, 3), 8.0))
    x = np.arange(25.0).reshape(5, 5)
    got = pool2d(x, 2, padding="same", op="avg")
    assert got[0, 2] == (4 + 9) / 2  # column 4 only
    assert got[2, 0] == (20 + 21) / 2  # row 4 only
    assert got[2, 2] == 24.0  # the corner cell alone
    assert got[0, 0] == (0 + 1 + 5 + 6) / 4


def test_max_pool_worked_example() -> None:
    x = np.array([[1, 3, 2, 9], [5, 6, 1, 1], [0, 2, 8, 4], [7, 1, 3, 5]], dtype=np.uint8)
    np.testing.assert_array_equal(pool2d(x), [[6, 9], [7, 8]])
    np.testing.assert_array_equal(pool2d(x, op="avg"), [[3.75, 3.25], [2.5, 5.0]])
    np.testing.assert_array_equal(pool2d(x, 3, stride=1), [[8, 9], [8, 8]])


@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_pool_same_geometry_is_keras(k, s) -> None:
    for n in range(1, 12):
        before, after = keras_same_axis(n, k, s, 1)
        assert pool_padding((n, n), k, stride=s, padding="same") == (before, after) * 2
        assert pool_output_shape((n, n), k, stride=s, padding="same") == (math.ceil(n / s),) * 2
        if n >= k:
            assert pool_output_shape((n, n), k, stride=s) == ((n - k) // s + 1,) * 2
            assert pool_padding((n, n), k, stride=s) == (0, 0, 0, 0)


def test_stride_defaults_to_size() -> None:
    x = np.arange(36.0).reshape(6, 6)
    np.testing.assert_array_equal(pool2d(x, 3), pool2d(x, 3, stride=3))
    assert pool2d(x, (2, 3)).shape == (3, 2)


@pytest.mark.parametrize("op", POOL_OPS)
def test_channels_are_pooled_on_their_own(op) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 8, 3))
    got = pool2d(x, 2, padding="same", op=op)
    for c in range(3):
        want = naive_pool(x[..., c], 2, padding="same", op=op)
        np.testing.assert_allclose(got[..., c], want, rtol=1e-13)


@pytest.mark.parametrize("op", POOL_OPS)
@pytest.mark.parametrize("size", [1, 2, (1, 2)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_input_not_modified_and_read_only_ok(dtype, size, op) -> None:
    rng = np.random.default_rng(3)
    x = random_image(rng, (6, 5), dtype)
    copy = x.copy()
    x.setflags(write=False)
    for padding in ("valid", "same"):
        got = pool2d(x, size, padding=padding, op=op)
        assert got.flags.writeable
        assert not np.shares_memory(got, x)
        got[...] = 0  # writing the result must not reach the input
    np.testing.assert_array_equal(x, copy)


def test_large_map() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((512, 384)).astype(np.float32)
    want = x.reshape(256, 2, 192, 2).max(axis=(1, 3))
    np.testing.assert_array_equal(pool2d(x), want)
    want_avg = x.astype(np.float64).reshape(256, 2, 192, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(pool2d(x, op="avg"), want_avg, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        (np.zeros((0, 4)), {}, r"empty.*\(0, 4\)"),
        (np.zeros((2, 2, 2, 2)), {}, r"\(2, 2, 2, 2\)"),
        (np.zeros((4, 4)), {"op": "min"}, r"op.*'min'"),
        (np.zeros((4, 4)), {"padding": "full"}, r"padding.*'full'"),
        (np.zeros((4, 4)), {"size": 0}, r"size.*at least 1.*0"),
        (np.zeros((4, 4)), {"size": (2, 0)}, r"size.*\(2, 0\)"),
        (np.zeros((4, 4)), {"stride": 0}, r"stride.*at least 1.*0"),
        (np.zeros((4, 4)), {"stride": (0, 1)}, r"stride.*\(0, 1\)"),
        (np.zeros((3, 4)), {"size": 4}, r"pooling window \(4x4\).*\(3x4\)"),
        (np.zeros((3, 4)), {"size": (1, 5)}, r"pooling window \(1x5\).*\(3x4\)"),
    ],
)
def test_bad_arguments(x, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        pool2d(x, **kwargs)


def test_same_padding_accepts_a_window_larger_than_the_map() -> None:
    # Keras pads "same" up to the window, so a 3x3 pool of a 2x2 map is one window.
    x = np.array([[-4.0, -3.0], [-2.0, -5.0]])
    np.testing.assert_array_equal(pool2d(x, 3, padding="same"), [[-2.0]])
    np.testing.assert_array_equal(pool2d(x, 3, padding="same", op="avg"), [[-3.5]])
