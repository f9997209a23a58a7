"""Robust display statistics against numpy's own percentiles on the whole array."""

from __future__ import annotations

import time

import numpy as np
import pytest

from convgui.core import count_outside, robust_abs_limit, robust_range
from convgui.core.stats import _sample


def _laplace(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Edge-response-like data: mostly small values with heavy tails, float32."""
    return np.random.default_rng(seed).laplace(0.0, 10.0, size=shape).astype(np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(37, 53), (20, 30, 3)])
@pytest.mark.parametrize("q", [50.0, 99.0, 99.5, 100.0])
def test_abs_limit_is_exactly_numpys_percentile_up_to_max_samples(dtype, shape, q) -> None:
    data = _laplace(shape).astype(dtype)
    want = np.percentile(np.abs(data.astype(np.float64)), q)
    assert robust_abs_limit(data, q) == pytest.approx(want, rel=1e-6, abs=0)


@pytest.mark.parametrize("q_lo,q_hi", [(0.25, 99.75), (0.0, 100.0), (5.0, 95.0)])
def test_range_is_exactly_numpys_percentiles_up_to_max_samples(q_lo, q_hi) -> None:
    data = _laplace((64, 48)) + 100.0
    lo, hi = robust_range(data, q_lo, q_hi)
    want_lo, want_hi = np.percentile(data.astype(np.float64), [q_lo, q_hi])
    assert lo == pytest.approx(want_lo, rel=1e-6)
    assert hi == pytest.approx(want_hi, rel=1e-6)
    if (q_lo, q_hi) == (0.0, 100.0):
        assert (lo, hi) == (float(data.min()), float(data.max()))


def test_nan_and_inf_are_ignored() -> None:
    clean = _laplace((40, 40))
    dirty = clean.copy()
    extra = np.array([np.nan, np.inf, -np.inf, np.nan], dtype=np.float32)
    dirty_flat = np.concatenate([dirty.ravel(), extra])
    assert robust_abs_limit(dirty_flat, 99.5) == robust_abs_limit(clean, 99.5)
    assert robust_range(dirty_flat) == robust_range(clean)
    assert np.isfinite(robust_abs_limit(dirty_flat, 100))
    # and the input is not modified
    assert np.isnan(dirty_flat[-1]) and np.isinf(dirty_flat[-3])


def test_no_finite_value_gives_zero_and_constant_arrays_give_the_constant() -> None:
    allnan = np.full((5, 5), np.nan, np.float32)
    assert robust_abs_limit(allnan) == 0.0
    assert robust_range(allnan) == (0.0, 0.0)
    assert robust_abs_limit(np.empty((0, 3), np.float32)) == 0.0
    const = np.full((30, 30), -7.0, np.float32)
    assert robust_abs_limit(const) == 7.0
    assert robust_range(const) == (-7.0, -7.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"q": -1.0}, {"q": 100.5}, {"q": float("nan")}, {"max_samples": 0}],
)
def test_bad_arguments_are_refused_with_the_value(kwargs) -> None:
    with pytest.raises(ValueError, match=r"got"):
        robust_abs_limit(np.zeros((3, 3)), **kwargs)


def test_range_refuses_crossed_percentiles() -> None:
    with pytest.raises(ValueError, match=r"q_lo=90\.0"):
        robust_range(np.zeros(4), 90, 10)


def test_subsample_is_deterministic_small_and_visits_every_column_and_channel() -> None:
    data = np.arange(64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    s = _sample(data, 1000)
    assert s.size <= 1000
    assert np.array_equal(s, _sample(data, 1000))
    idx = s.astype(np.int64)  # values are their flat index
    cols_channels = idx % (64 * 3)
    assert np.unique(cols_channels).size == 64 * 3
    assert np.shares_memory(s, data)  # no copy of the big array


@pytest.mark.parametrize("shape", [(2048, 2048), (1024, 1024, 3)])
def test_subsampled_limit_is_within_0_2_percentile_points_of_the_exact_one(shape) -> None:
    data = _laplace(shape, seed=3)
    # A structured part too: a bright border band like an edge kernel's frame response.
    data[:8] += 400.0
    exact_abs = np.abs(data.astype(np.float64))
    got = robust_abs_limit(data, 99.5, max_samples=200_000)
    lo, hi = np.percentile(exact_abs, [99.3, 99.7])
    assert lo <= got <= hi
    assert got != np.percentile(exact_abs, 99.5)  # it really was subsampled
    got_lo, got_hi = robust_range(data, 0.25, 99.75, max_samples=200_000)
    flat = data.astype(np.float64)
    assert np.percentile(flat, 0.05) <= got_lo <= np.percentile(flat, 0.45)
    assert np.percentile(flat, 99.55) <= got_hi <= np.percentile(flat, 99.95)


def test_count_outside_counts_every_value_and_pixels_once_per_channel_axis() -> None:
    data = _laplace((50, 60, 3))
    lo, hi = -5.0, 12.0
    want = int(((data < lo) | (data > hi)).sum())
    assert count_outside(data, lo, hi) == want
    want_px = int(((data < lo) | (data > hi)).any(axis=2).sum())
    assert count_outside(data, lo, hi, channel_axis=-1) == want_px
    assert 0 < want_px < want
    special = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert count_outside(special, 0.0, 2.0) == 3  # NaN cannot be shown either
    with pytest.raises(ValueError, match=r"lo=3\.0"):
        count_outside(special, 3.0, 1.0)


def test_4096_squared_float32_is_measured_quickly() -> None:
    data = _laplace((4096, 4096))
    robust_abs_limit(data)  # warm-up
    t0 = time.perf_counter()
    robust_abs_limit(data)
    robust_range(data)
    ms = (time.perf_counter() - t0) * 1e3
    assert ms < 500, f"robust limits of a 4096² image took {ms:.0f} ms"
