"""The layer scan the animation replays: one output cell of one filter at a time.

For :func:`convgui.core.layer.conv2d_layer`, :func:`conv_layer_step` gives the window on every
input channel the filter reads (padded coordinates, padding cells and the image cells they
copy), each channel's products and sum, the sum of sums, the bias and the value. For
:func:`convgui.core.layer.conv_transpose2d` there are two views of the same numbers: the
scatter (:func:`transpose_scatter`: the output cells one input pixel stamps, kernel × value;
:func:`transpose_contributions`: every product that adds into one output cell) and the
equivalent direct correlation (:func:`transpose_direct`: zeros inserted between the input
pixels, padded by ``d(k − 1) − p``, correlated with the flipped kernel). All sums equal the
layer's output to float64 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar, work_dtype
from .geometry import IntOrPair, Padding4, PaddingSpec, as_pair, output_shape, resolve_padding
from .layer import (
    TransposeGeometry,
    _as_hwc,
    _check_bias,
    _check_int,
    _check_transpose,
    _check_weights,
    check_layer_args,
    transpose_geometry,
)
from .padding import BOUNDARIES, source_index

#: Cell kinds of :attr:`TransposeDirect.kind`.
PIXEL, INSERTED, PADDING = 0, 1, 2


def _index(value: object, name: str, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if not 0 <= int(value) < n:
        raise ValueError(f"{name} {value!r} is outside 0..{n - 1}")
    return int(value)


def _position(row: object, col: object, shape: tuple[int, int], what: str) -> tuple[int, int]:
    for name, v in (("row", row), ("col", col)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {v!r}")
    r, c = int(row), int(col)  # type: ignore[call-overload]
    if not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"position ({row!r}, {col!r}) is outside the {what} of shape {shape}")
    return r, c


# --------------------------------------------------------------------------- conv2d_layer


@dataclass(frozen=True)
class ChannelStep:
    """One input channel's share of a layer step.

    Attributes
    ----------
    channel : int
        Index of the input channel.
    values : ndarray of float64, shape (kh, kw)
        What the window reads on this channel (padding values included).
    weights : ndarray of float64, shape (kh, kw)
        The filter's kernel for this channel.
    products : ndarray of float64, shape (kh, kw)
        ``values * weights``.
    total : float
        Sum of the products: this channel's sum.
    """

    channel: int
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    products: NDArray[np.float64]
    total: float


@dataclass(frozen=True)
class LayerStep:
    """One output cell of one filter of :func:`convgui.core.layer.conv2d_layer`.

    Attributes
    ----------
    position : (int, int)
        Output ``(row, col)``.
    filter : int
        The filter (output channel).
    group : int
        The filter's channel group; it reads :attr:`channels`' channel indices.
    pads : (int, int, int, int)
        Padding ``(top, bottom, left, right)`` of the layer.
    rows, cols : ndarray of int, shapes (kh,) and (kw,)
        Padded coordinates of the kernel taps (``image coordinate + top`` / ``+ left``),
        the same on every channel.
    src_rows, src_cols : ndarray of int, shape (kh, kw)
        Image cell each tap reads; ``-1`` for a constant (zero or ``cval``) padded cell.
    is_padding : ndarray of bool, shape (kh, kw)
        Taps that fall outside the image.
    channels : tuple of ChannelStep
        One per input channel of the filter's group, in channel order.
    sum_of_sums : float
        Sum of the channels' totals.
    bias : float
        The filter's bias (0 without a bias).
    value : float
        ``sum_of_sums + bias``: the layer's output at this cell.
    """

    position: tuple[int, int]
    filter: int
    group: int
    pads: Padding4
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    src_rows: NDArray[np.intp]
    src_cols: NDArray[np.intp]
    is_padding: NDArray[np.bool_]
    channels: tuple[ChannelStep, ...]
    sum_of_sums: float
    bias: float
    value: float

    @property
    def channel_sums(self) -> tuple[float, ...]:
        """Each channel's sum, in channel order."""
        return tuple(c.total for c in self.channels)


def conv_layer_step(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None,
    filter: int,
    row: int,
    col: int,
    *,
    padding: PaddingSpec = "valid",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> LayerStep:
    """Return the arithmetic of output cell ``(row, col)`` of filter ``filter``.

    Parameters
    ----------
    x, weights, bias, padding, boundary, cval, stride, dilation, groups
        As for :func:`convgui.core.layer.conv2d_layer`.
    filter : int
        Output channel, ``0 <= filter < C_out``.
    row, col : int
        Output position.

    Returns
    -------
    LayerStep

    Raises
    ------
    ValueError
        As :func:`convgui.core.layer.conv2d_layer`, or for a filter or position outside the
        output.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(3, 3, 2)
    >>> s = conv_layer_step(x, np.ones((2, 2, 2, 1)), [0.5], 0, 0, 0)
    >>> s.channel_sums, s.sum_of_sums, s.value
    ((16.0, 20.0), 36.0, 36.5)
    """
    arr = _as_hwc(x)
    w = _check_weights(weights)
    _, c_out, g = check_layer_args(arr.shape, w.shape, groups)
    b = _check_bias(bias, c_out)
    check_choice(boundary, BOUNDARIES, "boundary")
    cv = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    (sr, sc), (dr, dc) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    kh, kw, cg, _ = w.shape
    o = _index(filter, "filter", c_out)
    pads = resolve_padding(arr.shape, (kh, kw), padding, stride=(sr, sc), dilation=(dr, dc))
    shape = output_shape(arr.shape, (kh, kw), padding=pads, stride=(sr, sc), dilation=(dr, dc))
    r, c = _position(row, col, shape, "output")
    h, wd = arr.shape[:2]
    rows = r * sr + np.arange(kh) * dr
    cols = c * sc + np.arange(kw) * dc
    img_r, img_c = rows - pads[0], cols - pads[2]
    src_r = np.broadcast_to(source_index(img_r, h, boundary)[:, None], (kh, kw)).copy()
    src_c = np.broadcast_to(source_index(img_c, wd, boundary)[None, :], (kh, kw)).copy()
    outside = ((img_r < 0) | (img_r >= h))[:, None] | ((img_c < 0) | (img_c >= wd))[None, :]
    const = (src_r < 0) | (src_c < 0)
    src_r[const] = -1
    src_c[const] = -1
    group = o // (c_out // g)
    first = group * cg
    window = arr[np.maximum(src_r, 0), np.maximum(src_c, 0), first : first + cg]
    values = np.where(const[:, :, None], cv, window.astype(np.float64))
    steps = []
    for ci in range(cg):
        vals = values[:, :, ci].copy()
        wts = w[:, :, ci, o].copy()
        prods = vals * wts
        steps.append(ChannelStep(first + ci, vals, wts, prods, float(prods.sum())))
    total = float(sum(s.total for s in steps))
    bias_value = 0.0 if b is None else float(b[o])
    return LayerStep(
        position=(r, c),
        filter=o,
        group=group,
        pads=pads,
        rows=rows,
        cols=cols,
        src_rows=src_r,
        src_cols=src_c,
        is_padding=outside,
        channels=tuple(steps),
        sum_of_sums=total,
        bias=bias_value,
        value=total + bias_value,
    )


# --------------------------------------------------------------------------- transposed


def _geometry(
    arr: NDArray[np.generic],
    w: NDArray[np.float64],
    stride: IntOrPair,
    padding: str | IntOrPair,
    output_padding: IntOrPair | None,
    dilation: IntOrPair,
) -> TransposeGeometry:
    return transpose_geometry(
        arr.shape,
        w.shape,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )


@dataclass(frozen=True)
class ScatterStep:
    """What one input pixel stamps onto the output of a transposed layer.

    Attributes
    ----------
    position : (int, int)
        The input pixel ``(row, col)``.
    in_channel : int
        Its channel.
    value : float
        The pixel's value.
    rows, cols : ndarray of int, shapes (kh,) and (kw,)
        Output coordinates of the stamp's taps (``i*s + a*d - top``); may lie outside the
        output, where the stamp is cropped.
    inside : ndarray of bool, shape (kh, kw)
        Taps that land inside the output.
    weights : ndarray of float64, shape (kh, kw, C_out)
        ``weights[:, :, :, in_channel]``: one kernel per output channel.
    stamps : ndarray of float64, shape (kh, kw, C_out)
        ``value * weights``: what is added to each output channel.
    out_shape : (int, int)
        The output ``(H', W')``.
    """

    position: tuple[int, int]
    in_channel: int
    value: float
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    inside: NDArray[np.bool_]
    weights: NDArray[np.float64]
    stamps: NDArray[np.float64]
    out_shape: tuple[int, int]


def transpose_scatter(
    x: ArrayLike,
    weights: ArrayLike,
    in_channel: int,
    row: int,
    col: int,
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> ScatterStep:
    """Return the stamp input pixel ``(row, col)`` of ``in_channel`` adds to the output.

    Parameters
    ----------
    x, weights, stride, padding, output_padding, dilation
        As for :func:`convgui.core.layer.conv_transpose2d`.
    in_channel : int
        Input channel of the pixel.
    row, col : int
        Input position.

    Returns
    -------
    ScatterStep

    Raises
    ------
    ValueError
        As :func:`convgui.core.layer.conv_transpose2d`, or for a channel or position outside
        the input.

    Examples
    --------
    >>> import numpy as np
    >>> s = transpose_scatter([[1, 2], [3, 4]], np.ones((2, 2, 1, 1)), 0, 1, 1, stride=2)
    >>> s.rows.tolist(), s.cols.tolist(), s.stamps[..., 0].tolist()
    ([2, 3], [2, 3], [[4.0, 4.0], [4.0, 4.0]])
    """
    arr, w, _ = _check_transpose(x, weights, None)
    geo = _geometry(arr, w, stride, padding, output_padding, dilation)
    c = _index(in_channel, "in_channel", arr.shape[2])
    r, q = _position(row, col, geo.in_shape, "input")
    (sr, sc), (dr, dc) = geo.stride, geo.dilation
    kh, kw = geo.kernel
    rows = r * sr + np.arange(kh) * dr - geo.crop[0]
    cols = q * sc + np.arange(kw) * dc - geo.crop[1]
    inside = ((rows >= 0) & (rows < geo.out_shape[0]))[:, None] & (
        (cols >= 0) & (cols < geo.out_shape[1])
    )[None, :]
    value = float(arr[r, q, c])
    wts = w[:, :, :, c].copy()
    return ScatterStep(
        position=(r, q),
        in_channel=c,
        value=value,
        rows=rows,
        cols=cols,
        inside=inside,
        weights=wts,
        stamps=value * wts,
        out_shape=geo.out_shape,
    )


@dataclass(frozen=True)
class TransposeCell:
    """Every product that adds into one output cell of a transposed layer.

    The ``n`` contributions are in the order (input channel, tap row, tap column).

    Attributes
    ----------
    position : (int, int)
        Output ``(row, col)``.
    out_channel : int
        The output channel.
    channels, in_rows, in_cols : ndarray of int, shape (n,)
        Input channel and pixel of each contribution.
    tap_rows, tap_cols : ndarray of int, shape (n,)
        The kernel tap ``(a, b)`` that carries it.
    values, weights, products : ndarray of float64, shape (n,)
        Pixel value, ``weights[a, b, out_channel, channel]`` and their product.
    channel_sums : ndarray of float64, shape (C_in,)
        Sum of the products per input channel (0 for a channel with none).
    total : float
        Sum of all products.
    bias : float
        The output channel's bias (0 without a bias).
    value : float
        ``total + bias``: the layer's output at this cell.
    """

    position: tuple[int, int]
    out_channel: int
    channels: NDArray[np.intp]
    in_rows: NDArray[np.intp]
    in_cols: NDArray[np.intp]
    tap_rows: NDArray[np.intp]
    tap_cols: NDArray[np.intp]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    products: NDArray[np.float64]
    channel_sums: NDArray[np.float64]
    total: float
    bias: float
    value: float


def _taps_onto(y: int, n: int, k: int, s: int, d: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Taps ``a`` and input indices ``i`` with ``i*s + a*d == y`` (full-scatter coordinate)."""
    a = np.arange(k)
    num = y - a * d
    ok = (num >= 0) & (num % s == 0) & (num // s < n)
    return a[ok].astype(np.intp), (num[ok] // s).astype(np.intp)


def transpose_contributions(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None,
    out_channel: int,
    row: int,
    col: int,
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> TransposeCell:
    """Return every (input channel, pixel, tap, product) adding into one output cell.

    Parameters
    ----------
    x, weights, bias, stride, padding, output_padding, dilation
        As for :func:`convgui.core.layer.conv_transpose2d`.
    out_channel : int
        Output channel.
    row, col : int
        Output position.

    Returns
    -------
    TransposeCell

    Raises
    ------
    ValueError
        As :func:`convgui.core.layer.conv_transpose2d`, or for a channel or position outside
        the output.

    Examples
    --------
    >>> import numpy as np
    >>> cell = transpose_contributions([[1, 2]], np.ones((1, 3, 1, 1)), [10], 0, 0, 2)
    >>> cell.in_cols.tolist(), cell.tap_cols.tolist(), cell.total, cell.value
    ([1, 0], [1, 2], 3.0, 13.0)
    """
    arr, w, b = _check_transpose(x, weights, bias)
    geo = _geometry(arr, w, stride, padding, output_padding, dilation)
    o = _index(out_channel, "out_channel", w.shape[2])
    r, q = _position(row, col, geo.out_shape, "output")
    (sr, sc), (dr, dc) = geo.stride, geo.dilation
    a, i = _taps_onto(r + geo.crop[0], geo.in_shape[0], geo.kernel[0], sr, dr)
    bb, j = _taps_onto(q + geo.crop[1], geo.in_shape[1], geo.kernel[1], sc, dc)
    c_in = arr.shape[2]
    # every (channel, a, b) combination, channel outermost
    ch = np.repeat(np.arange(c_in, dtype=np.intp), len(a) * len(bb))
    ai = np.tile(np.repeat(np.arange(len(a)), len(bb)), c_in)
    bj = np.tile(np.tile(np.arange(len(bb)), len(a)), c_in)
    in_rows, in_cols = i[ai], j[bj]
    tap_rows, tap_cols = a[ai], bb[bj]
    values = arr[in_rows, in_cols, ch].astype(np.float64)
    wts = w[tap_rows, tap_cols, o, ch]
    prods = values * wts
    sums = np.zeros(c_in)
    np.add.at(sums, ch, prods)
    total = float(prods.sum())
    bias_value = 0.0 if b is None else float(b[o])
    return TransposeCell(
        position=(r, q),
        out_channel=o,
        channels=ch,
        in_rows=in_rows,
        in_cols=in_cols,
        tap_rows=tap_rows,
        tap_cols=tap_cols,
        values=values,
        weights=wts,
        products=prods,
        channel_sums=sums,
        total=total,
        bias=bias_value,
        value=total + bias_value,
    )


@dataclass(frozen=True)
class TransposeDirect:
    """The transposed layer as a plain stride-1 correlation (the "equivalent direct" view).

    ``conv2d_layer(padded, kernel, bias, dilation=dilation)`` equals
    ``conv_transpose2d(x, weights, bias, ...)``.

    Attributes
    ----------
    padded : ndarray, shape (H'', W'', C_in)
        The input with ``s - 1`` zeros inserted between neighbouring pixels, padded by
        :attr:`pads` (zeros). float32, or float64 for a float64 input.
    kind : ndarray of int8, shape (H'', W'')
        :data:`PIXEL` for an input pixel, :data:`INSERTED` for an inserted zero,
        :data:`PADDING` for a padded zero.
    pixel_rows, pixel_cols : ndarray of int, shapes (H,) and (W,)
        Where each input row and column sits in :attr:`padded` (outside ``[0, H'')`` when
        cropped away).
    pads : (int, int, int, int)
        ``(top, bottom, left, right)`` around the zero-inserted input: ``d(k − 1) − p`` before;
        negative means that many cells are cut off.
    kernel : ndarray of float64, shape (kh, kw, C_in, C_out)
        The weights rotated by 180 degrees and with their channel axes swapped: a
        ``conv2d_layer`` kernel.
    dilation : (int, int)
        The layer's dilation (the direct correlation has stride 1).
    out_shape : (int, int)
        The output ``(H', W')``.
    """

    padded: NDArray[np.floating]
    kind: NDArray[np.int8]
    pixel_rows: NDArray[np.intp]
    pixel_cols: NDArray[np.intp]
    pads: tuple[int, int, int, int]
    kernel: NDArray[np.float64]
    dilation: tuple[int, int]
    out_shape: tuple[int, int]


def _inserted_axis(n: int, s: int, before: int, after: int) -> tuple[int, int, int, int]:
    """``(offset, size, start, length)`` of one axis of the zero-inserted, padded input.

    Pixels sit at ``offset + i*s`` of a buffer of ``size`` cells padded by the non-negative
    parts of ``before``/``after``; the result is ``buffer[start : start + length]`` (a negative
    amount cuts cells off).
    """
    offset = max(before, 0)
    span = (n - 1) * s + 1
    return offset, offset + span + max(after, 0), offset - before, before + span + after


def transpose_direct(
    x: ArrayLike,
    weights: ArrayLike,
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> TransposeDirect:
    """Return the zero-inserted, padded input and the flipped kernel of a transposed layer.

    Parameters
    ----------
    x, weights, stride, padding, output_padding, dilation
        As for :func:`convgui.core.layer.conv_transpose2d`.

    Returns
    -------
    TransposeDirect

    Raises
    ------
    ValueError
        As :func:`convgui.core.layer.conv_transpose2d`.

    Examples
    --------
    >>> import numpy as np
    >>> d = transpose_direct([[1, 2]], np.ones((1, 2, 1, 1)), stride=(1, 2))
    >>> d.padded[..., 0].tolist(), d.pads
    ([[0.0, 1.0, 0.0, 2.0, 0.0]], (0, 0, 1, 1))
    >>> d.kind.tolist()
    [[2, 0, 1, 0, 2]]
    """
    arr, w, _ = _check_transpose(x, weights, None)
    geo = _geometry(arr, w, stride, padding, output_padding, dilation)
    (sr, sc) = geo.stride
    h, wd, c_in = arr.shape
    top, bottom, left, right = geo.direct_pads
    oy, bh, y0, lh = _inserted_axis(h, sr, top, bottom)
    ox, bw, x0, lw = _inserted_axis(wd, sc, left, right)
    buf = np.zeros((bh, bw, c_in), dtype=work_dtype(arr))
    buf[oy : oy + (h - 1) * sr + 1 : sr, ox : ox + (wd - 1) * sc + 1 : sc] = arr
    kind = np.full((bh, bw), PADDING, dtype=np.int8)
    kind[oy : oy + (h - 1) * sr + 1, ox : ox + (wd - 1) * sc + 1] = INSERTED
    kind[oy : oy + (h - 1) * sr + 1 : sr, ox : ox + (wd - 1) * sc + 1 : sc] = PIXEL
    return TransposeDirect(
        padded=buf[y0 : y0 + lh, x0 : x0 + lw].copy(),
        kind=kind[y0 : y0 + lh, x0 : x0 + lw].copy(),
        pixel_rows=(top + np.arange(h) * sr).astype(np.intp),
        pixel_cols=(left + np.arange(wd) * sc).astype(np.intp),
        pads=geo.direct_pads,
        kernel=np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2)),
        dilation=geo.dilation,
        out_shape=geo.out_shape,
    )


def covering_filters(c_in: int, c_out: int, groups: int = 1) -> list[list[int]]:
    """Return, for each filter, the input channels it reads (groups and depthwise layers).

    Examples
    --------
    >>> covering_filters(4, 2, groups=2)
    [[0, 1], [2, 3]]
    >>> covering_filters(3, 2)
    [[0, 1, 2], [0, 1, 2]]
    """
    g = _check_int(groups, "groups", 1)
    _check_int(c_in, "c_in", 1)
    check_layer_args((1, 1, c_in), (1, 1, c_in // g, c_out), g)
    cg, og = c_in // g, c_out // g
    return [list(range((o // og) * cg, (o // og + 1) * cg)) for o in range(c_out)]


__all__ = [
    "INSERTED",
    "PADDING",
    "PIXEL",
    "ChannelStep",
    "LayerStep",
    "ScatterStep",
    "TransposeCell",
    "TransposeDirect",
    "conv_layer_step",
    "covering_filters",
    "transpose_contributions",
    "transpose_direct",
    "transpose_scatter",
]
