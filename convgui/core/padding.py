"""Boundary handling: which image cell a padded cell copies, and padded copies of an image.

Both the engine and the step-by-step scan use :func:`source_index`, so the values the
animation shows in the padding ring are the values the convolution used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar, check_image, work_dtype

#: Boundary modes: what the padded cells hold.
BOUNDARIES: tuple[str, ...] = ("zero", "constant", "replicate", "reflect", "mirror", "wrap")

BOUNDARY_DESCRIPTIONS: dict[str, str] = {
    "zero": "zeros around the image (the lesson's zero-padding)",
    "constant": "a constant value around the image",
    "replicate": "edge pixels repeated: aaa|abcd|ddd",
    "reflect": "image reflected, edge repeated: cba|abcd|dcb (scipy and OpenCV 'reflect'; "
    "'symmetric' in TensorFlow and NumPy)",
    "mirror": "image mirrored about the edge pixel: dcb|abcd|cba ('reflect' in TensorFlow, "
    "PyTorch and NumPy)",
    "wrap": "image tiled, as if on a torus: bcd|abcd|abc",
}


def source_index(index: ArrayLike, n: int, boundary: str) -> NDArray[np.intp]:
    """Map image coordinates, possibly outside ``[0, n)``, to the image cell they read.

    Parameters
    ----------
    index : array_like of int
        Coordinates along one axis, relative to the image (negative = before the image).
    n : int
        Length of the image along that axis (at least 1).
    boundary : str
        One of :data:`BOUNDARIES`.

    Returns
    -------
    ndarray of intp
        The image coordinate each entry copies, or ``-1`` where the cell holds a constant
        (``"zero"`` and ``"constant"`` boundaries).

    Examples
    --------
    >>> source_index([-3, -2, -1, 0, 3, 4, 5, 6], 4, "reflect").tolist()
    [2, 1, 0, 0, 3, 3, 2, 1]
    >>> source_index([-3, -2, -1, 4, 5, 6], 4, "mirror").tolist()
    [3, 2, 1, 2, 1, 0]
    >>> source_index([-1, 4], 4, "wrap").tolist()
    [3, 0]
    """
    check_choice(boundary, BOUNDARIES, "boundary")
    i = np.asarray(index, dtype=np.intp)
    if boundary in ("zero", "constant"):
        return np.where((i >= 0) & (i < n), i, -1)
    if boundary == "replicate":
        return np.clip(i, 0, n - 1)
    if boundary == "wrap":
        return np.mod(i, n)
    if boundary == "reflect":  # period 2n, edge repeated
        m = np.mod(i, 2 * n)
        return np.where(m < n, m, 2 * n - 1 - m)
    # mirror: period 2n - 2, edge not repeated; a single cell mirrors onto itself
    if n == 1:
        return np.zeros_like(i)
    m = np.mod(i, 2 * n - 2)
    return np.where(m < n, m, 2 * n - 2 - m)


def pad_image(
    image: ArrayLike,
    pads: Sequence[int],
    *,
    boundary: str = "zero",
    cval: float = 0.0,
    dtype: type[np.floating] | None = None,
) -> NDArray[np.floating]:
    """Return a padded float copy of ``image``.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        The image; it is not modified.
    pads : sequence of 4 int
        ``(top, bottom, left, right)``, each at least 0 (may exceed the image size).
    boundary : str
        One of :data:`BOUNDARIES`.
    cval : float
        Value of the padded cells for ``boundary="constant"``.
    dtype : numpy float type, optional
        Output dtype; float32 unless ``image`` is float64.

    Returns
    -------
    ndarray
        Shape ``(H + top + bottom, W + left + right[, C])``.

    Examples
    --------
    >>> pad_image([[1, 2, 3]], (0, 0, 2, 2), boundary="reflect")
    array([[2., 1., 1., 2., 3., 3., 2.]], dtype=float32)
    """
    arr = check_image(image)
    check_choice(boundary, BOUNDARIES, "boundary")
    fill = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    top, bottom, left, right = (int(p) for p in pads)
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"pads must not be negative, got {tuple(pads)!r}")
    dt = dtype or work_dtype(arr)
    h = arr.shape[0]
    out = np.empty((h + top + bottom, arr.shape[1] + left + right, *arr.shape[2:]), dtype=dt)
    padded_rows(arr, (top, bottom, left, right), boundary, fill, 0, out.shape[0], out)
    return out


def padded_rows(
    arr: NDArray[np.generic],
    pads: tuple[int, int, int, int],
    boundary: str,
    fill: float,
    r0: int,
    r1: int,
    out: NDArray[np.floating],
) -> None:
    """Write rows ``r0:r1`` of the padded image into ``out`` (shape ``(r1 - r0, Wp[, C])``).

    The engine builds its padded input one cache-sized block of rows at a time with this,
    instead of a full padded copy. Arguments are trusted (checked by the callers).
    """
    top, _, left, right = pads
    h, w = arr.shape[:2]
    lo, hi = max(r0, top), min(r1, top + h)  # rows that lie inside the image
    if hi > lo:
        out[lo - r0 : hi - r0, left : left + w] = arr[lo - top : hi - top]
    constant = boundary in ("zero", "constant")
    for a, b in ((r0, min(r1, top)), (max(r0, top + h), r1)):
        if b <= a:
            continue
        if constant:
            out[a - r0 : b - r0, left : left + w] = fill
        else:
            out[a - r0 : b - r0, left : left + w] = arr[
                source_index(np.arange(a - top, b - top), h, boundary)
            ]
    if constant:
        out[:, :left] = fill
        out[:, left + w :] = fill
        return
    # Columns from the row-padded block, so corners copy the corner-most cells exactly as
    # source_index says.
    if left:
        out[:, :left] = out[:, left + source_index(np.arange(-left, 0), w, boundary)]
    if right:
        out[:, left + w :] = out[:, left + source_index(np.arange(w, w + right), w, boundary)]
