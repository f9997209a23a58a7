"""Independent reference implementations for the tests of ``convgui.core``.

Nothing here imports the engine: padding comes from ``np.pad``, the "same" split is written
out from the TensorFlow/Keras formula in issue 2, and the convolution and pooling are plain
Python loops over output positions and kernel taps. Tests compare the engine with these (or
with scipy / Pillow), never with itself.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np

#: The engine's six boundary names.
BOUNDARIES = ("zero", "constant", "replicate", "reflect", "mirror", "wrap")

#: ``np.pad`` mode for each non-constant boundary (aaa|abcd|ddd, cba|abcd|dcb, dcb|abcd|cba,
#: bcd|abcd|abc).
NP_PAD_MODES = {"replicate": "edge", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap"}

#: ``scipy.ndimage`` mode (and whether ``cval`` applies) for each boundary.
NDIMAGE_MODES = {
    "zero": "constant",
    "constant": "constant",
    "replicate": "nearest",
    "reflect": "reflect",
    "mirror": "mirror",
    "wrap": "grid-wrap",
}

DTYPES = (np.uint8, np.int16, np.float32, np.float64)


def pair(v: int | Sequence[int]) -> tuple[int, int]:
    """``v`` as a (rows, cols) pair."""
    if isinstance(v, int):
        return (v, v)
    return (int(v[0]), int(v[1]))


def keras_same_axis(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow "SAME": output ceil(n/s); total padding split with the extra cell after."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def ref_pads(
    shape: Sequence[int],
    kshape: Sequence[int],
    padding: str | int | Sequence[int],
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for a padding spec, from the issue's definitions."""
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    kh, kw = kshape
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        return keras_same_axis(shape[0], kh, sr, dr) + keras_same_axis(shape[1], kw, sc, dc)
    if padding == "full":
        return ((kh - 1) * dr, (kh - 1) * dr, (kw - 1) * dc, (kw - 1) * dc)
    if isinstance(padding, int):
        return (padding,) * 4
    t, b, lft, r = padding
    return (t, b, lft, r)


def ref_out_len(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """o = floor((n + p_before + p_after - d(k-1) - 1)/s) + 1; 0 or less when it does not fit."""
    span = n + before + after - d * (k - 1) - 1
    return span // s + 1 if span >= 0 else 0


def np_pad(image: np.ndarray, pads: Sequence[int], boundary: str, cval: float = 0.0) -> np.ndarray:
    """Padded float64 copy of a 2-D or (H, W, C) image, built with ``np.pad``."""
    t, b, lft, r = pads
    width = ((t, b), (lft, r)) + ((0, 0),) * (image.ndim - 2)
    x = np.asarray(image, dtype=np.float64)
    if boundary == "zero":
        return np.pad(x, width, mode="constant", constant_values=0.0)
    if boundary == "constant":
        return np.pad(x, width, mode="constant", constant_values=cval)
    return np.pad(x, width, mode=NP_PAD_MODES[boundary])


def naive_correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    padding: str | int | Sequence[int] = "same",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation by a loop over output positions and kernel taps, in float64.

    Returns ``(out, scale)`` where ``scale`` is the sum of |products| of each output value,
    the natural yardstick for its rounding error.
    """
    k = np.asarray(kernel, dtype=np.float64)
    if flip:
        k = k[::-1, ::-1]
    kh, kw = k.shape
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    pads = ref_pads(image.shape, k.shape, padding, stride, dilation)
    padded = np_pad(image, pads, boundary, cval)
    ho = ref_out_len(image.shape[0], pads[0], pads[1], kh, sr, dr)
    wo = ref_out_len(image.shape[1], pads[2], pads[3], kw, sc, dc)
    assert ho > 0 and wo > 0, "the window does not fit: the caller should expect an error"
    out = np.zeros((ho, wo) + image.shape[2:])
    scale = np.zeros_like(out)
    for r in range(ho):
        for c in range(wo):
            for i in range(kh):
                for j in range(kw):
                    p = k[i, j] * padded[r * sr + i * dr, c * sc + j * dc]
                    out[r, c] += p
                    scale[r, c] += np.abs(p)
    return out, scale


def extent(
    image: np.ndarray, kernel: np.ndarray, pads: Sequence[int], boundary: str, cval: float = 0.0
) -> float:
    """max |padded input| x sum |kernel|: the largest sum |products| any window could have."""
    padded = np_pad(image, pads, boundary, cval)
    return float(np.max(np.abs(padded))) * float(np.sum(np.abs(kernel)))


def naive_pool(
    x: np.ndarray,
    size: int | Sequence[int] = 2,
    *,
    stride: int | Sequence[int] | None = None,
    padding: str = "valid",
    op: str = "max",
) -> np.ndarray:
    """Keras pooling by a loop: only real cells take part (padded cells neither win nor count)."""
    kh, kw = pair(size)
    sr, sc = pair(size if stride is None else stride)
    h, w = x.shape[:2]
    if padding == "same":
        (t, _), (lft, _) = keras_same_axis(h, kh, sr, 1), keras_same_axis(w, kw, sc, 1)
        ho, wo = math.ceil(h / sr), math.ceil(w / sc)
    else:
        t = lft = 0
        ho, wo = (h - kh) // sr + 1, (w - kw) // sc + 1
    x64 = np.asarray(x, dtype=np.float64)
    out = np.zeros((ho, wo) + x.shape[2:])
    for r in range(ho):
        for c in range(wo):
            cells = [
                x64[y, z]
                for y in range(r * sr - t, r * sr - t + kh)
                for z in range(c * sc - lft, c * sc - lft + kw)
                if 0 <= y < h and 0 <= z < w
            ]
            assert cells, "a Keras pooling window always holds a real cell"
            stack = np.stack(cells)
            out[r, c] = stack.max(axis=0) if op == "max" else stack.mean(axis=0)
    return out


def seed_of(*params: object) -> int:
    """A seed derived from test parameters, the same in every run (unlike ``hash``)."""
    return zlib.crc32(repr(params).encode())


def random_image(
    rng: np.random.Generator, shape: Sequence[int], dtype: type[np.generic]
) -> np.ndarray:
    """Random image of ``dtype`` spanning a typical range for it (negative where possible)."""
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape).astype(np.uint8)
    if dtype == np.int16:
        return rng.integers(-1000, 1001, size=shape).astype(np.int16)
    return rng.standard_normal(shape).astype(dtype)


def tolerance(
    scale: np.ndarray, dtype: type[np.generic], extent: float | None = None
) -> np.ndarray | float:
    """Allowed error of each output value.

    ``scale`` is each value's sum |products|; ``extent`` (default ``max(scale)``) is the
    largest sum any window of the input could have, max |padded input| x sum |kernel|. An FFT
    spreads its rounding over the whole output, so even a window of zeros may come out as
    eps x extent instead of 0.

    float64 input: 1e-10 of the value's own sum |products| plus 1e-12 of the extent. Other
    input (float32 arithmetic): 1e-5 of the extent.
    """
    big = max(float(np.max(scale)), extent or 0.0)
    if np.dtype(dtype) == np.float64:
        return 1e-10 * scale + 1e-12 * big + 1e-300
    return 1e-5 * big + 1e-30


def assert_matches(
    got: np.ndarray,
    want: np.ndarray,
    scale: np.ndarray,
    dtype: type,
    *,
    extent: float | None = None,
) -> None:
    """``got`` has the reference's shape, the engine's dtype rule and values within tolerance."""
    expected_dtype = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    assert got.dtype == expected_dtype, f"dtype {got.dtype}, expected {expected_dtype}"
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    err = np.abs(got.astype(np.float64) - want)
    tol = tolerance(scale, dtype, extent)
    bad = err > tol
    if np.any(bad):
        idx = tuple(int(v) for v in np.argwhere(bad)[0])
        raise AssertionError(
            f"{int(bad.sum())} of {bad.size} values differ; first at {idx}: "
            f"got {got[idx]!r}, expected {want[idx]!r} (max error {err.max():.3g})"
        )
