"""Argument checks shared by the engine functions (early ``ValueError`` that quote the value)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _describe(a: object) -> str:
    if isinstance(a, np.ndarray):
        return f"array of shape {a.shape} and dtype {a.dtype}"
    return repr(a) if len(repr(a)) < 80 else f"{type(a).__name__} object"


def _short(value: object) -> str:
    """``repr(value)``, its middle cut when long (a 400-digit int stays readable)."""
    text = repr(value)
    if len(text) <= 40:
        return text
    if isinstance(value, numbers.Integral):
        return f"{text[:12]}…{text[-6:]} ({len(str(abs(int(value))))} digits)"
    return f"{text[:15]}…{text[-15:]} ({len(text)} characters)"


def check_image(image: ArrayLike, name: str = "image") -> NDArray[np.generic]:
    """Return ``image`` as an ndarray of shape (H, W) or (H, W, C) with a real dtype."""
    arr = np.asarray(image)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got {_describe(arr)}")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (H, W) or (H, W, C), got {_describe(arr)}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: {_describe(arr)}")
    return arr


def work_dtype(arr: NDArray[np.generic]) -> type[np.floating]:
    """float64 for float64 input, float32 for everything else (the engine's one dtype rule)."""
    return np.float64 if arr.dtype == np.float64 else np.float32


def check_kernel(kernel: ArrayLike) -> NDArray[np.float64]:
    """Return ``kernel`` as a finite 2-D float64 array."""
    arr = np.asarray(kernel)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"kernel must hold real numbers, got {_describe(arr)}")
    if arr.ndim != 2:
        raise ValueError(f"kernel must be 2-D (rows, cols), got {_describe(arr)}")
    if arr.size == 0:
        raise ValueError(f"kernel is empty: {_describe(arr)}")
    k = arr.astype(np.float64)
    if not np.all(np.isfinite(k)):
        bad = np.argwhere(~np.isfinite(k))[0]
        raise ValueError(
            f"kernel must be finite, got {k[tuple(bad)]!r} at row {bad[0]}, column {bad[1]}"
        )
    return k


def check_choice(value: object, choices: tuple[str, ...], name: str) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_finite_scalar(value: object, name: str) -> float:
    """Return ``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        raise ValueError(
            f"{name} is too large: {_short(value)} is beyond the floating-point range "
            f"(about ±1.8e308); use a smaller value"
        ) from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v
