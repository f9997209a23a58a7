"""A block-averaged preview of a layer's output, at 1/f² of the layer's work.

A view that shows an ``H×W`` output on fewer screen pixels paints its ``f×f`` block averages.
The average of a correlation over an ``f×f`` block is itself a correlation: the input
correlated, at stride ``f``, with the kernel convolved with an ``f×f`` box. Rather than build
that larger kernel, :func:`block_mean_preview` splits every tap's offset ``o`` into a block
step and a phase (``o = f·q + r``): the input's ``f``-row (then ``f``-column) sums at each
phase are formed once, with one pass over the input, and the taps of each phase pair are
applied to those block sums with :func:`convgui.core.correlate2d`. The work is one pass over
the input plus ``output values × taps / f²`` multiply-adds.

Pure numpy: no Qt, no state. Safe to call from any thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core import LayerParams, correlate2d, layer_shapes, pad_image, resolve_padding, source_index

__all__ = ["block_mean_preview", "preview_supported"]

#: Bytes of block sums per strip of output rows (about half of a typical L2 cache).
_STRIP_BYTES = 1 << 22

Array = NDArray[Any]


def preview_supported(p: LayerParams) -> bool:
    """True when the block average of the output is a correlation (see Notes).

    Parameters
    ----------
    p : LayerParams
        The layer settings.

    Returns
    -------
    bool
        False for a stride other than 1 (the output is already smaller) and for an activation
        (the average of ``relu(x)`` is not ``relu`` of the average); True otherwise.

    Notes
    -----
    Divisor and bias are affine, so they commute with averaging and are supported.

    Examples
    --------
    >>> preview_supported(LayerParams()), preview_supported(LayerParams(activation="relu"))
    (True, False)
    """
    return p.stride == (1, 1) and p.activation == "none"


def _padded_rows_at(
    img: Array, rows: Array, top: int, boundary: str, fill: float
) -> NDArray[np.float64]:
    """Rows ``rows`` of the row-padded image (padded-row coordinates), columns not padded."""
    src = source_index(rows - top, img.shape[0], boundary)
    out = img[np.maximum(src, 0)].astype(np.float64)
    if np.any(src < 0):
        out[src < 0] = fill
    return out


def _row_phase_sums(
    img: Array,
    f: int,
    phases: list[int],
    i0: int,
    n: int,
    top: int,
    boundary: str,
    fill: float,
) -> dict[int, NDArray[np.float64]]:
    """Sums of ``f`` consecutive padded rows from ``f·i + r``, ``i0 <= i < i0 + n``, per ``r``.

    The padded rows are never built: blocks inside the image are summed from a view of it,
    the few blocks that reach into the padding are gathered, and each phase after the first
    is the previous one slid down row by row (two strided row gathers per step).
    """
    h = img.shape[0]
    first = phases[0]
    # Blocks (counted from i0) whose f rows all lie inside the image.
    i_lo = min(n, max(0, -(-(top - first) // f) - i0))
    i_hi = max(i_lo, min(n, (top + h - first - f) // f + 1 - i0))
    s = np.empty((n,) + img.shape[1:], dtype=np.float64)
    if i_hi > i_lo:
        a = first + f * (i0 + i_lo) - top
        inner = img[a : a + f * (i_hi - i_lo)]
        s[i_lo:i_hi] = inner.reshape((i_hi - i_lo, f) + img.shape[1:]).sum(axis=1)
    for i in (*range(i_lo), *range(i_hi, n)):
        start = first + f * (i0 + i)
        s[i] = _padded_rows_at(img, np.arange(start, start + f), top, boundary, fill).sum(axis=0)
    out = {first: s}
    r = first
    step = (np.arange(n) + i0) * f
    for target in phases[1:]:
        while r < target:
            s = s - _padded_rows_at(img, step + r, top, boundary, fill)
            s += _padded_rows_at(img, step + r + f, top, boundary, fill)
            r += 1
        out[target] = s
    return out


def _col_phase_sums(y: Array, f: int, phases: list[int], m: int) -> dict[int, Array]:
    """Sums of ``f`` consecutive columns of ``y`` starting at ``f·j + c``, ``j < m``, per ``c``."""
    first = phases[0]
    s = y[:, first : first + f * m : f].copy()
    for u in range(1, f):  # f strided adds: faster than reducing a short last axis
        s += y[:, first + u : first + u + f * m : f]
    out = {first: s}
    c = first
    for target in phases[1:]:
        while c < target:
            s = s - y[:, c : c + f * m : f] + y[:, c + f : c + f + f * m : f]
            c += 1
        out[target] = s
    return out


def block_mean_preview(
    image: ArrayLike, kernel: ArrayLike, params: LayerParams, factor: int
) -> NDArray[np.float64]:
    """The ``factor×factor`` block averages of the layer's (activated) output.

    Equal, up to floating-point rounding, to
    ``pool2d(out[:hh, :ww], factor, op="avg")`` where ``out`` is the layer's output
    (``post_stage(conv_stage(image, kernel, params), params)``) and ``hh, ww`` its height
    and width rounded down to multiples of ``factor``: the picture a view paints when it
    shows ``factor`` output cells per screen pixel.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        The engine's input. Not modified.
    kernel : array_like, shape (kh, kw)
        The kernel (finite).
    params : LayerParams
        Layer settings; must satisfy :func:`preview_supported`.
    factor : int
        Block side ``f``, at least 1 and at most the output's smaller side.

    Returns
    -------
    ndarray of float64, shape (H_out // f, W_out // f[, C])

    Raises
    ------
    ValueError
        For settings the preview does not cover (stride, activation), a factor outside
        ``1 .. min(output shape)``, or settings that give no output.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(36, dtype=np.float32).reshape(6, 6)
    >>> block_mean_preview(img, np.ones((3, 3)), LayerParams(), 3).round(2)
    array([[ 62.22,  80.  ],
           [168.89, 186.67]])
    """
    if not preview_supported(params):
        raise ValueError(
            "a block-average preview needs stride 1 and no activation, got stride "
            f"{params.stride} and activation {params.activation!r}"
        )
    img = np.asarray(image)
    k = np.asarray(kernel, dtype=np.float64)
    if params.flip:
        k = k[::-1, ::-1]
    (ho, wo), _ = layer_shapes(img.shape, k.shape, params.evolve(pool="none"))
    f = int(factor)
    if not 1 <= f <= min(ho, wo):
        raise ValueError(f"the preview factor must be 1 to {min(ho, wo)}, got {factor!r}")
    pads = resolve_padding(img.shape, k.shape, params.padding, dilation=params.dilation)
    top, _bottom, left, right = pads
    fill = params.cval if params.boundary == "constant" else 0.0
    hb, wb = ho // f, wo // f
    dr, dc = params.dilation
    kh, kw = k.shape
    # Each tap (a, b) reads the input at offset (dr·a, dc·b) = (f·q + r, f·q' + r').
    row_ph = sorted({(dr * a) % f for a in range(kh)})
    col_ph = sorted({(dc * b) % f for b in range(kw)})
    qh, qw = (dr * (kh - 1)) // f, (dc * (kw - 1)) // f
    # The taps of each phase pair, as a small kernel over block steps (q, q').
    subs: dict[tuple[int, int], Array] = {}
    for a in range(kh):
        for b in range(kw):
            if k[a, b] != 0:
                key = ((dr * a) % f, (dc * b) % f)
                sub = subs.setdefault(key, np.zeros((qh + 1, qw + 1)))
                sub[(dr * a) // f, (dc * b) // f] = k[a, b]
    out = np.zeros((hb, wb) + img.shape[2:], dtype=np.float64)
    # Strips of output block rows small enough for the intermediate sums to stay in cache.
    row_bytes = 8 * (wo + left + right + f) * (img.shape[2] if img.ndim == 3 else 1)
    strip = max(4 * (qh + 1), _STRIP_BYTES // max(1, row_bytes))
    for i0 in range(0, hb, strip):
        i1 = min(hb, i0 + strip)
        rows = _row_phase_sums(img, f, row_ph, i0, i1 - i0 + qh, top, params.boundary, fill)
        dst = out[i0:i1]
        for r in row_ph:
            # Column padding of a sum of f padded rows: the same columns, f times the
            # constant. f spare columns let phases past the last tap's run in bounds.
            y = pad_image(rows[r], (0, 0, left, right + f), boundary=params.boundary, cval=f * fill)
            cols = _col_phase_sums(y, f, col_ph, wb + qw)
            for c in col_ph:
                if (r, c) not in subs:
                    continue
                sub = subs[(r, c)]
                sums = cols[c]  # (strip + qh, wb + qw[, C]) block sums
                nz = np.argwhere(sub)
                if len(nz) == 1:
                    q, qq = (int(v) for v in nz[0])
                    dst += sub[q, qq] * sums[q : q + i1 - i0, qq : qq + wb]
                else:
                    dst += correlate2d(sums, sub, padding="valid")[: i1 - i0, :wb]
    out /= float(f * f)
    if params.divisor != 1:
        out /= params.divisor
    if params.bias != 0:
        out += params.bias
    return out
