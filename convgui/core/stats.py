"""Robust display statistics: percentile limits that ignore a few extreme values.

A min–max or ±max|x| scale lets a handful of strong responses (a bright specular highlight,
the image border under an edge kernel) squeeze every other value into a few grey levels.
These helpers give percentile limits instead, and count what falls outside them, so a view
can say "1,234 clipped (robust limits)".

Non-finite values (NaN, ±inf) are ignored by the percentile functions. Arrays of up to
``max_samples`` values are measured exactly (:func:`numpy.percentile`); larger ones on a
deterministic strided subsample (see :func:`robust_abs_limit`, Notes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Arrays larger than this are measured on a strided subsample of about this many values.
DEFAULT_MAX_SAMPLES = 1_000_000


def _sample(a: NDArray[Any], max_samples: int) -> NDArray[Any]:
    """The values of ``a`` (flattened), or a strided subsample of at most ``max_samples``."""
    if max_samples < 1:
        raise ValueError(f"max_samples must be at least 1, got {max_samples!r}")
    flat = a.reshape(-1)  # a view when possible; never modifies the input
    n = flat.size
    if n <= max_samples:
        return flat
    step = -(-n // max_samples)  # ceil: at most max_samples values
    # A step sharing a factor with the row length (times channels) would only ever visit some
    # columns (or channels) of an image; move it to the next step coprime with that length.
    row = int(np.prod(a.shape[1:])) if a.ndim >= 2 else 1
    while row > 1 and math.gcd(step, row) != 1:
        step += 1
    return flat[::step]


def _finite(values: NDArray[Any]) -> NDArray[Any]:
    finite = np.isfinite(values)
    return values if finite.all() else values[finite]


def _check_q(name: str, q: float) -> float:
    q = float(q)
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"{name} must be a percentile between 0 and 100, got {q!r}")
    return q


def robust_abs_limit(
    data: ArrayLike, q: float = 99.5, *, max_samples: int = DEFAULT_MAX_SAMPLES
) -> float:
    """The ``q``-th percentile of ``|x|`` over the finite values of ``data``.

    Used as the symmetric limit ``±L`` of a diverging (signed) display, so that strong edges
    saturate and weak ones are still visible.

    Parameters
    ----------
    data : array_like
        Any shape (2-D grey or (H, W, C) colour results); any real dtype. Not modified.
    q : float, optional
        Percentile in [0, 100]. ``100`` gives ``max |x|``.
    max_samples : int, keyword-only
        Arrays with more values are measured on a strided subsample of at most this many.

    Returns
    -------
    float
        The limit (``>= 0``); ``0.0`` when ``data`` has no finite value.

    Raises
    ------
    ValueError
        If ``q`` is outside [0, 100] or ``max_samples < 1``.

    Notes
    -----
    Up to ``max_samples`` values the result equals ``np.percentile(np.abs(finite), q)``
    exactly. Above, every ``s``-th value is used, with ``s = ceil(n / max_samples)`` raised
    to the next integer coprime with the row length so every column and channel is visited.
    The result is then the exact ``q'``-th percentile of the whole array for some ``q'`` near
    ``q``. When the positions of values are not correlated with the stride (true of natural
    images and of filter responses), the sample behaves like a random one and, by the
    Dvoretzky–Kiefer–Wolfowitz inequality, ``|q' - q| <= 0.2`` percentage points with
    probability at least ``1 - 2 exp(-2 m 0.002²)`` for ``m`` sampled values: above 0.999
    for ``m = 1,000,000``. An adversarial pattern that puts its extreme values exactly
    between sampled positions can defeat any subsample; pass a larger ``max_samples`` for
    an exact answer.

    Examples
    --------
    >>> robust_abs_limit([[-4.0, 1.0], [2.0, float("nan")]], 100)
    4.0
    >>> robust_abs_limit([[-4.0, 1.0], [2.0, 3.0]], 50)
    2.5
    """
    q = _check_q("q", q)
    values = _finite(_sample(np.asarray(data), max_samples))
    if values.size == 0:
        return 0.0
    return float(np.percentile(np.abs(values), q))


def robust_range(
    data: ArrayLike,
    q_lo: float = 0.25,
    q_hi: float = 99.75,
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
) -> tuple[float, float]:
    """The ``q_lo``-th and ``q_hi``-th percentiles of the finite values of ``data``.

    Used as the levels of a robust "stretch min–max" display.

    Parameters
    ----------
    data : array_like
        Any shape; any real dtype. Not modified.
    q_lo, q_hi : float, optional
        Percentiles with ``0 <= q_lo <= q_hi <= 100``; ``(0, 100)`` gives (min, max).
    max_samples : int, keyword-only
        Arrays with more values are measured on a strided subsample (see
        :func:`robust_abs_limit`, Notes, for the error bound).

    Returns
    -------
    (float, float)
        ``(lo, hi)`` with ``lo <= hi``; ``(0.0, 0.0)`` when ``data`` has no finite value.

    Raises
    ------
    ValueError
        If a percentile is outside [0, 100], ``q_lo > q_hi`` or ``max_samples < 1``.

    Examples
    --------
    >>> robust_range([0.0, 1.0, 2.0, 3.0, float("inf")], 0, 100)
    (0.0, 3.0)
    """
    q_lo, q_hi = _check_q("q_lo", q_lo), _check_q("q_hi", q_hi)
    if q_lo > q_hi:
        raise ValueError(f"q_lo must not exceed q_hi, got q_lo={q_lo!r} and q_hi={q_hi!r}")
    values = _finite(_sample(np.asarray(data), max_samples))
    if values.size == 0:
        return 0.0, 0.0
    lo, hi = np.percentile(values, [q_lo, q_hi])
    return float(lo), float(hi)


def count_outside(data: ArrayLike, lo: float, hi: float, *, channel_axis: int | None = None) -> int:
    """How many values of ``data`` are below ``lo`` or above ``hi`` (every value, exact).

    Parameters
    ----------
    data : array_like
        Any shape; any real dtype. Not modified. ``±inf`` and NaN count as outside (neither
        can be shown on a scale).
    lo, hi : float
        The shown range, ``lo <= hi``.
    channel_axis : int or None, keyword-only
        For colour data, the axis of the channels: a pixel then counts once however many of
        its channels are outside (as :func:`convgui.core.value_stats` counts).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``lo > hi`` or either is NaN.

    Examples
    --------
    >>> count_outside([[-1.0, 0.5], [2.0, float("inf")]], 0.0, 1.0)
    3
    >>> count_outside([[[0.5, 2.0], [0.5, 0.5]]], 0.0, 1.0, channel_axis=-1)
    1
    """
    lo, hi = float(lo), float(hi)
    if not lo <= hi:  # also catches NaN
        raise ValueError(f"need lo <= hi, got lo={lo!r} and hi={hi!r}")
    a = np.asarray(data)
    out = a < lo
    out |= a > hi
    if a.dtype.kind == "f":
        out |= np.isnan(a)  # cannot be shown either: never "none clipped" over NaN
    if channel_axis is not None and a.ndim > 0:
        out = np.asarray(out.any(axis=channel_axis))
    return int(np.count_nonzero(out))


@dataclass(frozen=True)
class RobustStats:
    """Robust display limits of one array and how many values fall outside each.

    Attributes
    ----------
    abs_limit : float
        The 99.5th percentile of ``|x|`` (diverging and absolute displays use ``±abs_limit``).
    lo, hi : float
        The 0.25th and 99.75th percentiles (a robust stretch).
    outside_abs, outside_range : int
        Values (colour: pixels) outside ``±abs_limit`` and outside ``lo..hi``, counted exactly.
    """

    abs_limit: float
    lo: float
    hi: float
    outside_abs: int
    outside_range: int


def robust_stats(data: ArrayLike, *, max_samples: int = 262_144) -> RobustStats:
    """Compute :class:`RobustStats` (meant for a worker thread: it scans ``data`` twice).

    Examples
    --------
    >>> import numpy as np
    >>> r = robust_stats(np.r_[np.zeros(999), 1000.0])
    >>> r.abs_limit < 1000, r.outside_abs
    (True, 1)
    """
    a = np.asarray(data)
    axis = -1 if a.ndim == 3 else None
    m = robust_abs_limit(a, 99.5, max_samples=max_samples)
    lo, hi = robust_range(a, 0.25, 99.75, max_samples=max_samples)
    return RobustStats(
        m,
        lo,
        hi,
        count_outside(a, -m, m, channel_axis=axis),
        count_outside(a, lo, hi, channel_axis=axis),
    )


__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "RobustStats",
    "count_outside",
    "robust_abs_limit",
    "robust_range",
    "robust_stats",
]
