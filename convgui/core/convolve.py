"""2-D cross-correlation ("convolution" in CNN libraries) with several execution methods.

The method is picked from the kernel: shifted-slice accumulation for small kernels, one or a
few separable 1-D passes for kernels of low rank (box, Gaussian, Sobel are rank 1), and
overlap-save FFT tiles for large kernels. Work is done in cache-sized row blocks and, for large
images, split over the machine's cores (numpy releases the GIL inside its loops).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar, check_image, check_kernel, work_dtype
from .geometry import (
    IntOrPair,
    PaddingSpec,
    as_pair,
    ceil_div,
    effective_size,
    output_shape,
    resolve_padding,
)
from .padding import BOUNDARIES, padded_rows

#: Execution methods of :func:`correlate2d`; ``"auto"`` picks by cost.
METHODS: tuple[str, ...] = ("auto", "direct", "separable", "fft")

# Elements per block of temporaries: small enough to stay in L2 cache.
_BLOCK_ELEMS = 1 << 16
# Below this many output values a thread pool costs more than it saves.
_PARALLEL_MIN = 1 << 20
# Cost of the FFT path per output value, in units of one shifted multiply-add pass
# (measured on the 2-core reference machine; see benchmarks/bench_core.py).
_FFT_COST = 28.0
# Target FFT tile length (overlap-save): long enough that the kernel's halo is a small share,
# short enough that a tile's spectra stay in cache.
_FFT_TILE = 320
# Images this small always use the direct path: it is exact for small integers, which the
# lesson's hand-worked sums rely on.
_SMALL = 1 << 12

_N_WORKERS = max(1, min(4, os.cpu_count() or 1))
_pool: ThreadPoolExecutor | None = None
#: How much lower than the caller the engine's helper threads run (Linux "nice" steps).
BACKGROUND_NICENESS = 10


def lower_thread_priority(steps: int = BACKGROUND_NICENESS) -> bool:
    """Make the calling thread yield the CPU to the process's other threads (Linux).

    The engine's helper threads and an application's worker call this, so on a machine with
    few cores a GUI thread is never starved by a long convolution: the work still uses every
    idle core, but the GUI thread runs first. Elsewhere (no per-thread priority) it does
    nothing.

    Returns
    -------
    bool
        True when the priority was lowered.
    """
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + steps)
    except (AttributeError, OSError):
        return False
    return True


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=_N_WORKERS,
            thread_name_prefix="convgui-core",
            initializer=lower_thread_priority,
        )
    return _pool


def _run_chunks(n_rows: int, n_cols: int, work: Callable[[int, int], None]) -> None:
    """Call ``work(r0, r1)`` over ``[0, n_rows)``, split across cores when it pays."""
    if _N_WORKERS == 1 or n_rows * n_cols < _PARALLEL_MIN or n_rows < 2 * _N_WORKERS:
        work(0, n_rows)
        return
    bounds = np.linspace(0, n_rows, _N_WORKERS + 1).astype(int)
    futures = [
        _executor().submit(work, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a
    ]
    for f in futures:
        f.result()


def _block_rows(row_elems: int) -> int:
    return max(1, _BLOCK_ELEMS // max(1, row_elems))


def _taps(kernel: NDArray[np.float64]) -> list[tuple[int, int, float]]:
    return [(int(i), int(j), float(kernel[i, j])) for i, j in zip(*np.nonzero(kernel))]


def _accumulate(
    acc: NDArray[np.floating],
    tmp: NDArray[np.floating],
    terms: list[tuple[NDArray[np.floating], float]],
) -> None:
    """``acc = sum(w * src)`` without allocating; ``acc`` is zeroed when ``terms`` is empty."""
    if not terms:
        acc[...] = 0
        return
    src, w = terms[0]
    np.multiply(src, w, out=acc)
    for src, w in terms[1:]:
        np.multiply(src, w, out=tmp)
        np.add(acc, tmp, out=acc)


@dataclass(frozen=True)
class _Padded:
    """The padded input, produced a block of rows at a time (never as one full copy)."""

    arr: NDArray[np.generic]
    pads: tuple[int, int, int, int]
    boundary: str
    fill: float
    dtype: type[np.floating]

    @property
    def width(self) -> int:
        return int(self.arr.shape[1] + self.pads[2] + self.pads[3])

    def buffer(self, rows: int) -> NDArray[np.floating]:
        return np.empty((rows, self.width, *self.arr.shape[2:]), dtype=self.dtype)

    def rows(self, r0: int, r1: int, buf: NDArray[np.floating]) -> NDArray[np.floating]:
        view = buf[: r1 - r0]
        padded_rows(self.arr, self.pads, self.boundary, self.fill, r0, r1, view)
        return view


def _block_plan(ho: int, row_elems: int, eh: int, sr: int) -> int:
    """Output rows per block: about _BLOCK_ELEMS values, and many more rows than the halo."""
    return max(_block_rows(row_elems), 2 * eh // sr + 1, 4)


def _direct(
    src: _Padded,
    kernel: NDArray[np.float64],
    out: NDArray[np.floating],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    (sr, sc), (dr, dc) = stride, dilation
    ho, wo = out.shape[:2]
    eh = effective_size(kernel.shape[0], dr)
    taps = _taps(kernel)
    row_elems = int(np.prod(out.shape[1:]))

    def work(r0: int, r1: int) -> None:
        step = min(_block_plan(ho, row_elems, eh, sr), r1 - r0)
        buf = src.buffer((step - 1) * sr + eh)
        tmp_full = np.empty((step, *out.shape[1:]), dtype=out.dtype)
        for b0 in range(r0, r1, step):
            b1 = min(b0 + step, r1)
            m = b1 - b0
            block = src.rows(b0 * sr, (b1 - 1) * sr + eh, buf)
            terms = [
                (
                    block[
                        i * dr : (m - 1) * sr + i * dr + 1 : sr,
                        j * dc : (wo - 1) * sc + j * dc + 1 : sc,
                    ],
                    w,
                )
                for i, j, w in taps
            ]
            _accumulate(out[b0:b1], tmp_full[:m], terms)

    _run_chunks(ho, row_elems, work)


Factors = list[tuple[NDArray[np.float64], NDArray[np.float64]]]


def _rank1_factors(kernel: NDArray[np.float64], rtol: float) -> Factors | None:
    """Return ``(col, row)`` with ``outer(col, row) == kernel`` if the kernel has rank 1.

    The factors are read off the kernel itself (a pivot column and the pivot row divided by
    the pivot), so integer kernels such as Sobel factor exactly instead of through an SVD.
    """
    pi, pj = np.unravel_index(int(np.argmax(np.abs(kernel))), kernel.shape)
    pivot = kernel[pi, pj]
    if pivot == 0:
        return None
    col = kernel[:, pj].copy()
    row = kernel[pi, :] / pivot
    scale = np.abs(kernel).max()
    if np.max(np.abs(np.outer(col, row) - kernel)) <= rtol * scale:
        return [(col, row)]
    return None


def _low_rank(
    kernel: NDArray[np.float64], max_rank: int, dtype: type[np.floating]
) -> Factors | None:
    """Separable components summing to the kernel within the rounding of ``dtype``, or None.

    The tolerance follows the working dtype: a float32 kernel that is rank 1 before rounding
    is still treated as rank 1, since float32 arithmetic cannot tell the difference.
    """
    rtol = 8 * float(np.finfo(dtype).eps)
    exact = _rank1_factors(kernel, rtol)
    if exact is not None:
        return exact
    u, s, vt = np.linalg.svd(kernel)
    tol = s[0] * max(kernel.shape) * rtol
    rank = int(np.sum(s > tol))
    if rank > max_rank:
        return None
    return [(u[:, m] * s[m], vt[m]) for m in range(rank)]


def _separable(
    src: _Padded,
    components: Factors,
    out: NDArray[np.floating],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    (sr, sc), (dr, dc) = stride, dilation
    ho, wo = out.shape[:2]
    inner = out.shape[2:]
    wp = src.width
    eh = effective_size(len(components[0][0]), dr)
    row_elems = int(wp * int(np.prod(inner)))
    col_taps = [[(i, float(v)) for i, v in enumerate(col) if v != 0] for col, _ in components]
    row_taps = [[(j, float(v)) for j, v in enumerate(row) if v != 0] for _, row in components]

    def work(r0: int, r1: int) -> None:
        n = min(_block_plan(ho, row_elems, eh, sr), r1 - r0)
        buf = src.buffer((n - 1) * sr + eh)
        vert = np.empty((n, wp, *inner), dtype=out.dtype)
        vtmp = np.empty_like(vert)
        acc = np.empty((n, wo, *inner), dtype=out.dtype) if len(components) > 1 else None
        htmp = np.empty((n, wo, *inner), dtype=out.dtype)
        for b0 in range(r0, r1, n):
            b1 = min(b0 + n, r1)
            m = b1 - b0
            target = out[b0:b1]
            block = src.rows(b0 * sr, (b1 - 1) * sr + eh, buf)
            for c, (ct, rt) in enumerate(zip(col_taps, row_taps)):
                _accumulate(
                    vert[:m],
                    vtmp[:m],
                    [(block[i * dr : (m - 1) * sr + i * dr + 1 : sr], w) for i, w in ct],
                )
                dest = target if c == 0 or acc is None else acc[:m]
                _accumulate(
                    dest,
                    htmp[:m],
                    [(vert[:m, j * dc : (wo - 1) * sc + j * dc + 1 : sc], w) for j, w in rt],
                )
                if c > 0 and acc is not None:
                    np.add(target, acc[:m], out=target)

    _run_chunks(ho, row_elems, work)


def _fast_len(n: int) -> int:
    """Smallest 2**a * 3**b * 5**c at least ``n`` (lengths pocketfft handles fastest)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _fft(
    src: _Padded,
    kernel: NDArray[np.float64],
    out: NDArray[np.floating],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    (sr, sc), (dr, dc) = stride, dilation
    ho, wo = out.shape[:2]
    kh, kw = kernel.shape
    eh, ew = effective_size(kh, dr), effective_size(kw, dc)
    dilated = np.zeros((eh, ew), dtype=out.dtype)
    dilated[::dr, ::dc] = kernel
    # Stride-1 output extent needed to cover every strided output position.
    fh, fw = (ho - 1) * sr + 1, (wo - 1) * sc + 1

    def tile_len(full: int, e: int) -> int:
        target = max(_FFT_TILE, 4 * e)
        return _fast_len(full + e - 1) if full + e - 1 <= 1.5 * target else _fast_len(target)

    lh, lw = tile_len(fh, eh), tile_len(fw, ew)
    th, tw = lh - eh + 1, lw - ew + 1
    # Correlation = convolution with the kernel rotated by 180 degrees.
    spec = np.fft.rfft2(dilated[::-1, ::-1], s=(lh, lw))
    if out.ndim == 3:
        spec = spec[..., None]
    tiles = [(r0, c0) for r0 in range(0, fh, th) for c0 in range(0, fw, tw)]

    hp = src.arr.shape[0] + src.pads[0] + src.pads[1]
    # Each tile-row band of the padded input is built once and shared by its tiles.
    bands = sorted({r0 for r0, _ in tiles})

    def do_band(r0: int) -> None:
        buf = src.buffer(min(lh, hp - r0))
        band = src.rows(r0, min(r0 + lh, hp), buf)
        for c0 in range(0, fw, tw):
            do_tile(band, r0, c0)

    def do_tile(band: NDArray[np.floating], r0: int, c0: int) -> None:
        seg = band[:, c0 : c0 + lw]
        full = np.fft.irfft2(
            np.fft.rfft2(seg, s=(lh, lw), axes=(0, 1)) * spec, s=(lh, lw), axes=(0, 1)
        )
        res = full[eh - 1 :, ew - 1 :]
        # Output positions (strided) whose stride-1 index falls in this tile.
        a0, a1 = ceil_div(r0, sr), min(ho, ceil_div(min(r0 + th, fh), sr))
        b0, b1 = ceil_div(c0, sc), min(wo, ceil_div(min(c0 + tw, fw), sc))
        if a1 > a0 and b1 > b0:
            out[a0:a1, b0:b1] = res[
                a0 * sr - r0 : (a1 - 1) * sr - r0 + 1 : sr,
                b0 * sc - c0 : (b1 - 1) * sc - c0 + 1 : sc,
            ]

    if len(bands) > 1 and _N_WORKERS > 1 and ho * wo >= _PARALLEL_MIN:
        futures = [_executor().submit(do_band, r0) for r0 in bands]
        for f in futures:
            f.result()
    else:
        for r0 in bands:
            do_band(r0)


def choose_method(kernel: ArrayLike, n_out: int, dtype: type[np.floating] = np.float32) -> str:
    """Return the method :func:`correlate2d` would use for ``kernel`` and ``n_out`` outputs.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        The kernel (already flipped if a true convolution is wanted).
    n_out : int
        Number of output values (pixels times channels).
    dtype : numpy float type, optional
        Working dtype; sets the tolerance for treating the kernel as low-rank.

    Returns
    -------
    {"direct", "separable", "fft"}

    Examples
    --------
    >>> choose_method([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 10**6)
    'separable'
    >>> choose_method([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 36)
    'direct'
    """
    k = check_kernel(kernel)
    taps = int(np.count_nonzero(k))
    if n_out < _SMALL or taps <= 4:
        return "direct"
    kh, kw = k.shape
    max_rank = int(min(taps, _FFT_COST) // (kh + kw))
    comps = _low_rank(k, max_rank, dtype) if max_rank >= 1 else None
    sep_cost = len(comps) * (kh + kw) if comps else np.inf
    best = min(taps, sep_cost, _FFT_COST)
    if best == taps:
        return "direct"
    return "separable" if best == sep_cost else "fft"


def correlate2d(
    image: ArrayLike,
    kernel: ArrayLike,
    *,
    padding: PaddingSpec = "same",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    flip: bool = False,
    method: str = "auto",
) -> NDArray[np.floating]:
    """Slide ``kernel`` over ``image`` and sum the products (a CNN "convolution").

    This is cross-correlation, as in Keras ``Conv2D``: the kernel is not flipped unless
    ``flip=True``, which gives the true convolution of signal processing.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Any real dtype. Each channel is filtered on its own with the same kernel. Not modified.
    kernel : array_like, shape (kh, kw)
        Any 2-D shape from 1x1 up, odd or even, square or not; must be finite.
    padding : {"same", "valid", "full"}, int or 4-tuple of int, optional
        See :func:`convgui.core.resolve_padding`; ``"same"`` follows TensorFlow/Keras exactly.
    boundary : {"zero", "constant", "replicate", "reflect", "mirror", "wrap"}, optional
        What the padded cells hold.
    cval : float, optional
        Value of the padded cells for ``boundary="constant"``.
    stride, dilation : int or (rows, cols), optional
        Step between output positions and spacing between kernel taps, each at least 1.
    flip : bool, optional
        Rotate the kernel by 180 degrees first (true convolution).
    method : {"auto", "direct", "separable", "fft"}, optional
        Execution method; ``"auto"`` picks the cheapest. ``"separable"`` needs a kernel of low
        rank (it sums one pair of 1-D passes per singular value). All give the same values up
        to floating-point rounding.

    Returns
    -------
    ndarray
        Shape ``output_shape(...)`` (plus the channel axis). float32, or float64 when
        ``image`` is float64.

    Raises
    ------
    ValueError
        For an empty or 4-D image, a non-finite kernel, an unknown mode or method, a stride or
        dilation below 1, or a (dilated) kernel larger than the padded image.

    Notes
    -----
    ``out[r, c] = sum_ij kernel[i, j] * padded[r*sr + i*dr, c*sc + j*dc]``.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(16).reshape(4, 4)
    >>> correlate2d(img, [[0, 0, 0], [0, 0, 1], [0, 0, 0]])[0]
    array([1., 2., 3., 0.], dtype=float32)
    >>> correlate2d(img, np.ones((2, 2)), padding="valid", stride=2)
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    arr = check_image(image)
    k = check_kernel(kernel)
    check_choice(boundary, BOUNDARIES, "boundary")
    check_choice(method, METHODS, "method")
    # cval only matters (and is only checked) for the constant boundary, as in pad_image.
    cv = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    st = as_pair(stride, "stride")
    dl = as_pair(dilation, "dilation")
    if flip:
        k = k[::-1, ::-1]
    pads = resolve_padding(arr.shape, k.shape, padding, stride=st, dilation=dl)
    ho, wo = output_shape(arr.shape, k.shape, padding=pads, stride=st, dilation=dl)
    dt = work_dtype(arr)
    out = np.empty((ho, wo) + arr.shape[2:], dtype=dt)
    n_out = out.size
    chosen = choose_method(k, n_out, dt) if method == "auto" else method
    fill = cv
    padded = _Padded(arr, pads, boundary, fill, dt)
    if chosen == "direct":
        _direct(padded, k, out, st, dl)
    elif chosen == "separable":
        comps = _low_rank(k, max(k.shape), dt)
        assert comps is not None  # any kernel is a sum of at most min(kh, kw) components
        if comps:
            _separable(padded, comps, out, st, dl)
        else:  # the zero kernel has rank 0
            out[...] = 0
    else:
        _fft(padded, k, out, st, dl)
    return out


__all__ = ["METHODS", "choose_method", "correlate2d"]
