"""The padded top-left corner of an image under each boundary mode (the border comparator).

Pure numpy: which value every padded cell holds, taken from the *whole* image (a wrapped corner
copies the far edges, not the corner's own cells), through the engine's own
:func:`~convgui.core.padding.source_index`, so what is shown is what the convolution reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar, check_image
from .geometry import PaddingSpec, effective_size, resolve_padding
from .padding import BOUNDARIES, source_index

#: At most this many padded rows (columns) are drawn: wider padding is cut, and said so.
MAX_SHOWN_PAD = 6
#: At most this many image rows (columns) are drawn next to the padding.
MAX_SHOWN_IMAGE = 6


@dataclass(frozen=True)
class CornerView:
    """The top-left corner of a padded image.

    Attributes
    ----------
    values : ndarray of float64, shape (pad_rows + rows, pad_cols + cols)
        The padded cells' values first (top rows, left columns), then the image's corner.
    padded : ndarray of bool, same shape
        True where the cell is padding (outside the image).
    source_rows, source_cols : ndarray of intp
        For each row (column) of ``values``, the image row (column) it copies, or ``-1``
        where a constant is used (``"zero"``, ``"constant"``).
    pad_rows, pad_cols : int
        How many padded rows and columns are shown.
    full_pad : (int, int)
        The padding the layer really adds at the top and on the left (may exceed the shown).
    boundary : str
        The boundary mode.
    """

    values: NDArray[np.float64]
    padded: NDArray[np.bool_]
    source_rows: NDArray[np.intp]
    source_cols: NDArray[np.intp]
    pad_rows: int
    pad_cols: int
    full_pad: tuple[int, int]
    boundary: str


def corner_pads(
    image_shape: tuple[int, ...],
    kernel_shape: tuple[int, int],
    padding: PaddingSpec = "same",
    *,
    stride: tuple[int, int] = (1, 1),
    dilation: tuple[int, int] = (1, 1),
) -> tuple[int, int]:
    """The top and left padding to show: the layer's own, or its kernel's "same" padding.

    When the layer pads nothing at the top-left (``"valid"`` padding), the comparator still
    shows what a boundary mode would copy, with the padding ``"same"`` would add for the
    kernel and dilation at stride 1 (at least one cell).

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``.
    kernel_shape : (int, int)
        ``(kh, kw)``.
    padding : str, int or 4-tuple
        The layer's padding (see :func:`convgui.core.resolve_padding`).
    stride, dilation : (int, int), keyword-only
        The layer's stride and dilation.

    Returns
    -------
    (int, int)
        ``(top, left)``.

    Examples
    --------
    >>> corner_pads((6, 6), (5, 5))
    (2, 2)
    >>> corner_pads((6, 6), (3, 3), "valid", dilation=(2, 2))
    (2, 2)
    >>> corner_pads((6, 6), (1, 1), "valid")
    (1, 1)
    """
    top, _, left, _ = resolve_padding(
        image_shape, kernel_shape, padding, stride=stride, dilation=dilation
    )
    if top == 0 and left == 0:
        top = (effective_size(int(kernel_shape[0]), int(dilation[0])) - 1) // 2
        left = (effective_size(int(kernel_shape[1]), int(dilation[1])) - 1) // 2
    return max(1, top), max(1, left)


def padded_corner(
    image: ArrayLike,
    pads: tuple[int, int],
    boundary: str,
    *,
    cval: float = 0.0,
    shown: tuple[int, int] = (MAX_SHOWN_IMAGE, MAX_SHOWN_IMAGE),
    max_pad: int = MAX_SHOWN_PAD,
) -> CornerView:
    """The top-left corner of ``image`` padded by ``pads`` under ``boundary``.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        The image; a colour image shows its first channel. Not modified.
    pads : (int, int)
        Padding at the top and on the left (each at least 0).
    boundary : str
        One of :data:`convgui.core.BOUNDARIES`.
    cval : float, keyword-only
        The padded value of the ``"constant"`` boundary.
    shown : (int, int), keyword-only
        How many image rows and columns to show at most (fewer when the image is smaller).
    max_pad : int, keyword-only
        How many padded rows (columns) to show at most; the ones nearest the image are kept.

    Returns
    -------
    CornerView

    Raises
    ------
    ValueError
        For an unknown boundary, negative pads, an empty image or a non-finite ``cval``.

    Examples
    --------
    >>> img = np.arange(16.0).reshape(4, 4)
    >>> c = padded_corner(img, (1, 2), "wrap", shown=(2, 2))
    >>> c.values.tolist()
    [[14.0, 15.0, 12.0, 13.0], [2.0, 3.0, 0.0, 1.0], [6.0, 7.0, 4.0, 5.0]]
    >>> c.padded.sum(), c.source_rows.tolist()
    (np.int64(8), [3, 0, 1])
    """
    arr = check_image(image)
    check_choice(boundary, BOUNDARIES, "boundary")
    fill = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    top, left = (int(p) for p in pads)
    if top < 0 or left < 0:
        raise ValueError(f"pads must not be negative, got {tuple(pads)!r}")
    plane = arr if arr.ndim == 2 else arr[..., 0]
    h, w = plane.shape
    pr, pc = min(top, max_pad), min(left, max_pad)
    rows = np.arange(-pr, min(h, max(1, int(shown[0]))))
    cols = np.arange(-pc, min(w, max(1, int(shown[1]))))
    src_r = source_index(rows, h, boundary)
    src_c = source_index(cols, w, boundary)
    outside = (rows[:, None] < 0) | (cols[None, :] < 0)
    constant = (src_r[:, None] < 0) | (src_c[None, :] < 0)
    vals = plane[np.clip(src_r, 0, None)[:, None], np.clip(src_c, 0, None)[None, :]]
    values = np.where(constant, fill, vals.astype(np.float64))
    return CornerView(
        values=values,
        padded=outside,
        source_rows=src_r,
        source_cols=src_c,
        pad_rows=pr,
        pad_cols=pc,
        full_pad=(top, left),
        boundary=boundary,
    )


__all__ = ["MAX_SHOWN_IMAGE", "MAX_SHOWN_PAD", "CornerView", "corner_pads", "padded_corner"]
