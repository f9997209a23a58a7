"""Image helpers: grayscale conversion and value scales."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: ITU-R BT.601 luma weights for R, G and B (Pillow's "L" mode uses the same).
BT601 = (0.299, 0.587, 0.114)

#: Value scales the window can show: pixel values as stored, or divided to 0..1 as a network
#: sees them after normalisation.
SCALES: tuple[str, ...] = ("0-255", "0-1")


def to_grayscale(image: ArrayLike) -> NDArray[np.generic]:
    """Convert an (H, W, 3) or (H, W, 4) RGB(A) image to (H, W) luma by ITU-R BT.601.

    Integer images give the same dtype, rounded exactly as Pillow's ``convert("L")``
    (``(19595 R + 38470 G + 7471 B + 2**15) >> 16``); float images give float32 (float64 for
    float64 input) ``0.299 R + 0.587 G + 0.114 B``. Alpha is ignored. A 2-D image is returned
    unchanged (as a copy).

    Raises
    ------
    ValueError
        For shapes other than (H, W), (H, W, 3) and (H, W, 4).

    Examples
    --------
    >>> import numpy as np
    >>> to_grayscale(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8))
    array([[ 76, 150,  29]], dtype=uint8)
    """
    arr: NDArray[np.generic] = np.asarray(image)
    if arr.ndim == 2:
        same: NDArray[np.generic] = arr.copy()
        return same
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {arr.shape}")
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    if arr.dtype.kind in "ui":
        acc = r.astype(np.uint64) * 19595 + g.astype(np.uint64) * 38470 + b.astype(np.uint64) * 7471
        luma: NDArray[np.generic] = ((acc + 32768) >> 16).astype(arr.dtype)
        return luma
    dt = np.float64 if arr.dtype == np.float64 else np.float32
    rf, gf, bf = (c.astype(np.float64) for c in (r, g, b))
    out: NDArray[np.generic] = (BT601[0] * rf + BT601[1] * gf + BT601[2] * bf).astype(dt)
    return out


def scale_factor(bit_depth: int, scale: str) -> float:
    """Factor that maps stored integer values of ``bit_depth`` bits onto a value scale.

    ``"0-255"`` keeps 8-bit values as they are (16-bit values are divided by 257 so white is
    still 255); ``"0-1"`` divides by the largest value.

    Examples
    --------
    >>> scale_factor(8, "0-1") == 1 / 255
    True
    >>> scale_factor(16, "0-255") == 255 / 65535
    True
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth!r}")
    top = float((1 << bit_depth) - 1)
    return (255.0 if scale == "0-255" else 1.0) / top


def to_scale(image: ArrayLike, bit_depth: int = 8, scale: str = "0-255") -> NDArray[np.float32]:
    """Return stored integer pixel values as float32 on the chosen value scale.

    Examples
    --------
    >>> to_scale(np.array([[0, 255]], dtype=np.uint8), 8, "0-1")
    array([[0., 1.]], dtype=float32)
    """
    arr = np.asarray(image)
    f = scale_factor(bit_depth, scale)
    out = arr.astype(np.float32)
    if f != 1.0:
        out *= np.float32(f)
    return out


def value_stats(x: ArrayLike, value_max: float) -> tuple[float, float, int]:
    """Minimum, maximum (over finite values) and how many pixels fall outside 0..value_max.

    For an (H, W, C) array a pixel counts once however many of its channels are out of range.
    NaN and ±inf cannot be shown either: they count as outside, so a view never says "none
    clipped" over them. Costs two passes over ``x`` in the usual case (no out-of-range values).

    Examples
    --------
    >>> value_stats([[-1.0, 5.0], [300.0, 7.0]], 255)
    (-1.0, 300.0, 2)
    >>> value_stats([[float("nan"), 5.0], [float("inf"), 7.0]], 255)
    (5.0, 7.0, 2)
    """
    a = np.asarray(x)
    lo, hi = float(np.min(a)), float(np.max(a))
    nonfinite = not (np.isfinite(lo) and np.isfinite(hi))
    if nonfinite:
        finite = a[np.isfinite(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    clipped = 0
    if lo < 0 or hi > value_max or nonfinite:
        out = (a < 0) | (a > value_max)
        if nonfinite:
            out |= ~np.isfinite(a)
        clipped = int(np.count_nonzero(out.any(axis=2) if a.ndim == 3 else out))
    return lo, hi, clipped


__all__ = ["BT601", "SCALES", "scale_factor", "to_grayscale", "to_scale", "value_stats"]
