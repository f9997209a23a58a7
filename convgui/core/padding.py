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
    "reflect": "image reflected, edge repeated: cba|abcd|dcb",
    "mirror": "image mirrored about the edge pixel: dcb|abcd|cba",
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
    fill = 0.0 if boundary == "zero" else check_finite_scalar(cval, "cval")
    dt = dtype or work_dtype(arr)
    top, bottom, left, right = (int(p) for p in pads)
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"pads must not be negative, got {tuple(pads)!r}")
    h, w = arr.shape[:2]
    out = np.empty((h + top + bottom, w + left + right) + arr.shape[2:], dtype=dt)
    out[top : top + h, left : left + w] = arr
    if boundary in ("zero", "constant"):
        out[:top] = fill
        out[top + h :] = fill
        out[top : top + h, :left] = fill
        out[top : top + h, left + w :] = fill
        return out
    # Rows first (within the image's columns), then whole columns from the row-padded array,
    # so corners copy the corner-most cells exactly as source_index says.
    if top:
        out[:top, left : left + w] = arr[source_index(np.arange(-top, 0), h, boundary)]
    if bottom:
        out[top + h :, left : left + w] = arr[source_index(np.arange(h, h + bottom), h, boundary)]
    if left:
        out[:, :left] = out[:, left + source_index(np.arange(-left, 0), w, boundary)]
    if right:
        out[:, left + w :] = out[:, left + source_index(np.arange(w, w + right), w, boundary)]
    return out
