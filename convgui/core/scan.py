"""The step-by-step scan that the animation replays: one output position at a time.

For a position it gives the window's cells in padded coordinates, which of them are padding
(and which image cell a padded cell copies), the window values, the products with the kernel
and their sum. The sums equal :func:`convgui.core.correlate2d` to float64 rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar, check_image, check_kernel
from .geometry import (
    IntOrPair,
    Padding4,
    PaddingSpec,
    as_pair,
    output_shape,
    pool_output_shape,
    pool_padding,
    resolve_padding,
)
from .padding import BOUNDARIES, source_index
from .pool import POOL_OPS


@dataclass(frozen=True)
class WindowScan:
    """One step of the convolution scan.

    Attributes
    ----------
    position : (int, int)
        Output ``(row, col)``.
    pads : (int, int, int, int)
        Padding ``(top, bottom, left, right)`` of the whole scan.
    rows, cols : ndarray of int, shapes (kh,) and (kw,)
        Padded coordinates of the kernel taps (``image coordinate + top`` / ``+ left``).
    src_rows, src_cols : ndarray of int, shape (kh, kw)
        Image cell each tap reads; ``-1`` for a constant (zero) padded cell.
    is_padding : ndarray of bool, shape (kh, kw)
        Taps that fall outside the image.
    values : ndarray of float64, shape (kh, kw)
        What each tap reads (for one channel).
    weights : ndarray of float64, shape (kh, kw)
        The kernel as applied (rotated 180 degrees when ``flip``).
    products : ndarray of float64, shape (kh, kw)
        ``values * weights``.
    total : float
        Sum of the products: the output value.
    """

    position: tuple[int, int]
    pads: Padding4
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    src_rows: NDArray[np.intp]
    src_cols: NDArray[np.intp]
    is_padding: NDArray[np.bool_]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    products: NDArray[np.float64]
    total: float


def _check_position(position: Sequence[int], shape: tuple[int, int]) -> tuple[int, int]:
    try:
        r, c = (int(v) for v in position)
    except (TypeError, ValueError):
        raise ValueError(f"position must be (row, col), got {position!r}") from None
    if not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"position {position!r} is outside the output of shape {shape}")
    return r, c


def _channel(arr: NDArray[np.generic], channel: int | None) -> NDArray[np.float64]:
    if arr.ndim == 2:
        if channel not in (None, 0):
            raise ValueError(f"channel {channel!r} given for a 2-D image, which has only one")
        return arr.astype(np.float64, copy=False)
    c = 0 if channel is None else int(channel)
    if not 0 <= c < arr.shape[2]:
        raise ValueError(f"channel {channel!r} is outside 0..{arr.shape[2] - 1}")
    return arr[..., c].astype(np.float64)


def scan_window(
    image: ArrayLike,
    kernel: ArrayLike,
    position: Sequence[int],
    *,
    padding: PaddingSpec = "same",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    flip: bool = False,
    channel: int | None = None,
) -> WindowScan:
    """Return the arithmetic of one output position of :func:`convgui.core.correlate2d`.

    Parameters
    ----------
    image, kernel, padding, boundary, cval, stride, dilation, flip
        As for :func:`convgui.core.correlate2d`.
    position : (int, int)
        Output ``(row, col)``.
    channel : int, optional
        Channel of an (H, W, C) image to read (default 0).

    Returns
    -------
    WindowScan

    Raises
    ------
    ValueError
        As :func:`convgui.core.correlate2d`, or for a position outside the output.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(1, 10).reshape(3, 3)
    >>> s = scan_window(img, np.ones((3, 3)), (0, 0))
    >>> s.values
    array([[0., 0., 0.],
           [0., 1., 2.],
           [0., 4., 5.]])
    >>> s.total
    12.0
    """
    arr = check_image(image)
    k = check_kernel(kernel)
    check_choice(boundary, BOUNDARIES, "boundary")
    cv = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    (sr, sc), (dr, dc) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    if flip:
        k = k[::-1, ::-1].copy()
    pads = resolve_padding(arr.shape, k.shape, padding, stride=(sr, sc), dilation=(dr, dc))
    shape = output_shape(arr.shape, k.shape, padding=pads, stride=(sr, sc), dilation=(dr, dc))
    r, c = _check_position(position, shape)
    h, w = arr.shape[:2]
    kh, kw = k.shape
    rows = r * sr + np.arange(kh) * dr
    cols = c * sc + np.arange(kw) * dc
    img_r, img_c = rows - pads[0], cols - pads[2]
    src_r = np.broadcast_to(source_index(img_r, h, boundary)[:, None], (kh, kw)).copy()
    src_c = np.broadcast_to(source_index(img_c, w, boundary)[None, :], (kh, kw)).copy()
    outside = ((img_r < 0) | (img_r >= h))[:, None] | ((img_c < 0) | (img_c >= w))[None, :]
    const = (src_r < 0) | (src_c < 0)
    src_r[const] = -1
    src_c[const] = -1
    data = _channel(arr, channel)
    values = np.where(const, cv, data[np.maximum(src_r, 0), np.maximum(src_c, 0)])
    products = values * k
    return WindowScan(
        position=(r, c),
        pads=pads,
        rows=rows,
        cols=cols,
        src_rows=src_r,
        src_cols=src_c,
        is_padding=outside,
        values=values,
        weights=k,
        products=products,
        total=float(products.sum()),
    )


def covering_positions(
    image_shape: Sequence[int],
    kernel_shape: Sequence[int],
    pixel: Sequence[int],
    *,
    padding: PaddingSpec = "same",
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
) -> NDArray[np.intp]:
    """Return every output position whose window reads image pixel ``pixel`` directly.

    Copies of the pixel in a replicate/reflect/mirror/wrap padding ring are not counted.

    Returns
    -------
    ndarray of int, shape (n, 2)
        ``(row, col)`` pairs in row-major order.

    Examples
    --------
    >>> covering_positions((6, 6), (3, 3), (0, 0)).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    (sr, sc), (dr, dc) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    pads = resolve_padding(image_shape, (kh, kw), padding, stride=(sr, sc), dilation=(dr, dc))
    ho, wo = output_shape(image_shape, (kh, kw), padding=pads, stride=(sr, sc), dilation=(dr, dc))
    y, x = int(pixel[0]) + pads[0], int(pixel[1]) + pads[2]

    def axis(p: int, k: int, s: int, d: int, n_out: int) -> NDArray[np.intp]:
        # o*s + i*d == p for some tap i in [0, k)
        i = np.arange(k)
        num = p - i * d
        ok = (num >= 0) & (num % s == 0)
        outs = np.unique(num[ok] // s)
        return outs[outs < n_out].astype(np.intp)

    ra, ca = axis(y, kh, sr, dr, ho), axis(x, kw, sc, dc, wo)
    grid = np.stack(np.meshgrid(ra, ca, indexing="ij"), axis=-1)
    return grid.reshape(-1, 2)


@dataclass(frozen=True)
class PoolScan:
    """One step of the pooling scan.

    Attributes
    ----------
    position : (int, int)
        Pooled ``(row, col)``.
    pads : (int, int, int, int)
        Padding of the pooled map.
    rows, cols : ndarray of int
        Coordinates of the window in the map (may be outside it where padded).
    is_padding : ndarray of bool, shape (kh, kw)
        Cells outside the map (never win a max, not counted in an average).
    values : ndarray of float64, shape (kh, kw)
        The window; NaN where padded.
    result : float
        The pooled value.
    winner : (int, int) or None
        Map coordinates of the cell that won a max (the first one in row-major order on a tie);
        None for average pooling.
    count : int
        Number of real cells in the window.
    """

    position: tuple[int, int]
    pads: Padding4
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    is_padding: NDArray[np.bool_]
    values: NDArray[np.float64]
    result: float
    winner: tuple[int, int] | None
    count: int


def scan_pool(
    x: ArrayLike,
    position: Sequence[int],
    size: IntOrPair = 2,
    *,
    stride: IntOrPair | None = None,
    padding: str = "valid",
    op: str = "max",
    channel: int | None = None,
) -> PoolScan:
    """Return the window, result and winning cell of one position of :func:`pool2d`.

    Examples
    --------
    >>> import numpy as np
    >>> s = scan_pool(np.arange(16).reshape(4, 4), (1, 0))
    >>> s.result, s.winner
    (13.0, (3, 1))
    """
    arr = check_image(x, "x")
    check_choice(op, POOL_OPS, "op")
    kh, kw = as_pair(size, "size")
    sr, sc = as_pair(size if stride is None else stride, "stride")
    pads = pool_padding(arr.shape, (kh, kw), stride=(sr, sc), padding=padding)
    shape = pool_output_shape(arr.shape, (kh, kw), stride=(sr, sc), padding=padding)
    r, c = _check_position(position, shape)
    h, w = arr.shape[:2]
    rows = r * sr + np.arange(kh) - pads[0]
    cols = c * sc + np.arange(kw) - pads[2]
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    data = _channel(arr, channel)
    values = np.full((kh, kw), np.nan)
    values[inside] = data[np.clip(rows, 0, h - 1)[:, None], np.clip(cols, 0, w - 1)[None, :]][
        inside
    ]
    count = int(inside.sum())
    winner: tuple[int, int] | None = None
    if op == "max":
        flat = np.where(inside, values, -np.inf)
        i, j = np.unravel_index(int(np.argmax(flat)), flat.shape)
        winner = (int(rows[i]), int(cols[j]))
        result = float(flat[i, j])
    else:
        result = float(np.sum(values[inside]) / count)
    return PoolScan(
        position=(r, c),
        pads=pads,
        rows=rows,
        cols=cols,
        is_padding=~inside,
        values=values,
        result=result,
        winner=winner,
        count=count,
    )


__all__ = ["PoolScan", "WindowScan", "covering_positions", "scan_pool", "scan_window"]
