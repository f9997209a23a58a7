"""value_stats: the clipped count never says "none" over values that cannot be shown."""

from __future__ import annotations

import numpy as np
import pytest

from convgui.core import value_stats


def _naive(a: np.ndarray, vmax: float) -> int:
    n = 0
    pixels = a.reshape(-1, a.shape[2]) if a.ndim == 3 else a.reshape(-1, 1)
    for px in pixels:
        if any(not np.isfinite(v) or v < 0 or v > vmax for v in px):
            n += 1
    return n


@pytest.mark.parametrize("shape", [(7, 9), (5, 6, 3)])
@pytest.mark.parametrize("vmax", [255.0, 1.0])
def test_clipped_count_matches_a_naive_loop_with_nan_and_inf(shape: tuple, vmax: float) -> None:
    rng = np.random.default_rng(4)
    a = rng.uniform(-0.2 * vmax, 1.2 * vmax, shape).astype(np.float32)
    flat = a.reshape(-1)
    flat[3], flat[10], flat[17] = np.nan, np.inf, -np.inf
    lo, hi, clipped = value_stats(a, vmax)
    assert clipped == _naive(a, vmax)
    finite = a[np.isfinite(a)]
    assert (lo, hi) == (float(finite.min()), float(finite.max()))


def test_in_range_values_with_one_nan_are_not_none_clipped() -> None:
    a = np.full((4, 4), 100.0)
    a[2, 2] = np.nan
    assert value_stats(a, 255.0)[2] == 1
    a[2, 2] = np.inf
    assert value_stats(a, 255.0)[2] == 1
    assert value_stats(np.full((2, 2), 3.0), 255.0)[2] == 0
