"""What a kernel does, read from its numbers: sum, output range, symmetry, rank, frequency response.

:func:`analyze_kernel` gathers the numbers a learner checks before applying a kernel (the sum,
the output range for a 0–255 image, whether flipping matters, whether the kernel is a row ×
column product and with which small integers); :func:`frequency_response` and
:func:`response_kind` describe which spatial frequencies it keeps (low-, high- or band-pass,
or a high-boost that sharpens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_kernel
from .kernels import format_number

#: The symmetry labels of :class:`KernelAnalysis`, in the order they are tested, with what
#: each means for flipping the kernel (true convolution against correlation).
SYMMETRIES: dict[str, str] = {
    "rotation-180 symmetric": "Equal to its 180° rotation: flipping changes nothing.",
    "antisymmetric": "Its 180° rotation is its negative: flipping negates the output.",
    "mirror left-right": "Equal to its left-right mirror: flipping mirrors it up-down.",
    "mirror up-down": "Equal to its up-down mirror: flipping mirrors it left-right.",
    "no symmetry": "Flipping gives a different kernel and a different output.",
}

#: Largest denominator tried when looking for exact small-integer factors.
MAX_DENOMINATOR = 4096

#: Relative tolerance (of the largest weight) for "exact" integer factors: float rounding in a
#: generated kernel (0.2 computed as 0.19999999999999998) still counts as exact.
_EXACT_RTOL = 1e-12

#: Relative tolerance (of the largest weight) for "equal" in the symmetry tests.
_SYM_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class KernelAnalysis:
    """The numbers :func:`analyze_kernel` reads from a kernel.

    Attributes
    ----------
    total : float
        The sum of the weights: a flat region of value ``v`` becomes ``total × v``.
    out_min, out_max : float
        The lowest and highest output for an input in ``input_range`` (0–255 by default):
        the negative weights times the top of the range plus the positive weights times its
        bottom, and the other way round. Outside 0–255 the shown result clips.
    symmetry : str
        The first of :data:`SYMMETRIES` that holds.
    symmetries : tuple of str
        All of :data:`SYMMETRIES` (but "no symmetry") that hold, e.g. Sobel y is both
        antisymmetric and mirror left-right.
    flip_matters : bool
        False exactly when the kernel equals its 180° rotation (flipped, it is the same).
    rank : int
        The number of singular values above ``rank_tol`` × the largest.
    singular_values : ndarray of float64
        All singular values, largest first.
    separable : bool
        True when the rank is 1: the kernel is ``outer(column, row)``.
    column, row : ndarray of float64 or None
        The 1-D factors when separable (``None`` otherwise). When ``exact``, ``column`` holds
        the integers and ``row`` the integers divided by ``divisor``; otherwise both come from
        the SVD with equal norms. Signs: a factor with no negative weights when there is one
        (the smoothing factor), else the column's first nonzero weight positive.
    exact : bool
        True when small integers reproduce the kernel exactly:
        ``kernel == outer(int_column, int_row) / divisor`` to float rounding (1e-12 of the
        largest weight).
    int_column, int_row : tuple of int
        Those integers (empty when not exact).
    divisor : int
        The common denominator (1 when the weights are whole numbers).
    factor_text : str
        The factors as text, e.g. ``"[1 2 1]ᵀ × [−1 0 1]"`` or ``"[1 2 1]ᵀ × [1 2 1] / 16"``;
        decimals when not exact; empty when not separable.
    """

    total: float
    out_min: float
    out_max: float
    symmetry: str
    symmetries: tuple[str, ...]
    flip_matters: bool
    rank: int
    singular_values: NDArray[np.float64]
    separable: bool
    column: NDArray[np.float64] | None
    row: NDArray[np.float64] | None
    exact: bool
    int_column: tuple[int, ...]
    int_row: tuple[int, ...]
    divisor: int
    factor_text: str

    @property
    def symmetry_note(self) -> str:
        """One sentence on what the symmetry means for flipping."""
        return SYMMETRIES[self.symmetry]


def _same(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    return bool(np.all(np.abs(a - b) <= _SYM_RTOL))


def _symmetries(k: NDArray[np.float64]) -> tuple[str, ...]:
    scale = float(np.abs(k).max())
    u = k / scale if scale > 0 else k  # largest weight 1: no overflow in the differences
    rot = u[::-1, ::-1]
    tests = {
        "rotation-180 symmetric": _same(u, rot),
        "antisymmetric": _same(u, -rot),
        "mirror left-right": _same(u, u[:, ::-1]),
        "mirror up-down": _same(u, u[::-1, :]),
    }
    return tuple(name for name, holds in tests.items() if holds)


def _integer_matrix(k: NDArray[np.float64]) -> tuple[NDArray[np.int64], int] | None:
    """Return ``(K, d)`` with ``k == K / d`` exactly (K integer, d <= MAX_DENOMINATOR)."""
    d = 1
    for v in np.unique(k):
        fr = Fraction(float(v)).limit_denominator(MAX_DENOMINATOR)
        d = d * fr.denominator // math.gcd(d, fr.denominator)
        if d > MAX_DENOMINATOR:
            return None
    with np.errstate(over="ignore"):
        scaled = np.rint(k * d)
    if not np.all(np.abs(scaled) <= 2**31):
        return None
    ints = scaled.astype(np.int64)
    if np.any(np.abs(ints / d - k) > _EXACT_RTOL * float(np.abs(k).max())):
        return None
    return ints, d


def _gcd_all(values: NDArray[np.int64]) -> int:
    return math.gcd(*(int(v) for v in values))


def _integer_factors(
    k: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], int] | None:
    """Small integers ``a``, ``b`` and a divisor ``d`` with ``k == outer(a, b) / d``."""
    found = _integer_matrix(k)
    if found is None:
        return None
    ints, d = found
    nonzero_rows = np.flatnonzero(np.any(ints != 0, axis=1))
    if nonzero_rows.size == 0:
        return None
    first = ints[nonzero_rows[0]]
    b = first // _gcd_all(first)  # primitive: every row is an integer multiple of it
    j = int(np.flatnonzero(b)[0])
    a = ints[:, j] // b[j]
    if not np.array_equal(np.outer(a, b), ints):
        return None
    # Take out what all weights share, so [2 4 2]ᵀ × [1 1] / 8 reads [1 2 1]ᵀ × [1 1] / 4.
    common = math.gcd(_gcd_all(a), d)
    a, d = a // common, d // common
    return a, b, d


def _orient(
    col: NDArray[np.float64], row: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Choose the factors' signs: a factor without negative weights, else column first > 0."""

    def has_smoothing(c: NDArray[np.float64], r: NDArray[np.float64]) -> bool:
        return bool(np.all(c >= 0) or np.all(r >= 0))

    keep, flipped = has_smoothing(col, row), has_smoothing(-col, -row)
    flip = flipped if keep != flipped else bool(col[np.flatnonzero(col)[0]] < 0)
    return (-col, -row) if flip else (col, row)


def _times(a: float, b: float) -> float:
    """``a × b`` with 0 × inf = 0 (a zero weight sum or a zero range end contributes 0)."""
    return 0.0 if a == 0 or b == 0 else a * b


def _vector_text(values: NDArray[np.float64] | tuple[int, ...]) -> str:
    return "[" + " ".join(format_number(float(v)).replace("-", "−") for v in values) + "]"


def analyze_kernel(
    kernel: ArrayLike,
    *,
    input_range: tuple[float, float] = (0.0, 255.0),
    rank_tol: float = 1e-10,
) -> KernelAnalysis:
    """Read a kernel's sum, output range, symmetry, rank and factors.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        Finite real weights. Not modified.
    input_range : (float, float), optional
        The lowest and highest input value, 0–255 by default.
    rank_tol : float, optional
        Singular values at most ``rank_tol`` × the largest count as zero (float noise in a
        kernel built as a product does not make it "rank 2").

    Returns
    -------
    KernelAnalysis

    Raises
    ------
    ValueError
        If the kernel is not a finite 2-D real array, or the range or tolerance are invalid.

    Notes
    -----
    Exact factors: the weights are written as fractions with a common denominator ``d`` of at
    most :data:`MAX_DENOMINATOR` (checked to reproduce every weight to float rounding); the integer
    matrix ``K = d·kernel`` has rank 1, so its first nonzero row divided by the gcd of its
    entries is a primitive integer row ``b`` and every row of ``K`` is a whole multiple of it,
    giving the column ``a``. Typed decimals such as 0.1111 for 1/9 are not exact fractions, so
    that kernel gets decimal factors.

    Examples
    --------
    >>> a = analyze_kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    >>> a.total, a.out_min, a.out_max, a.symmetry, a.flip_matters
    (0.0, -1020.0, 1020.0, 'antisymmetric', True)
    >>> a.rank, a.exact, a.factor_text
    (1, True, '[1 2 1]ᵀ × [−1 0 1]')
    >>> analyze_kernel(np.outer([1, 2, 1], [1, 2, 1]) / 16).factor_text
    '[1 2 1]ᵀ × [1 2 1] / 16'
    >>> analyze_kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0]]).rank
    2
    """
    k = check_kernel(kernel)
    lo, hi = (float(v) for v in input_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"input_range must be two finite numbers, low first; got {input_range!r}")
    if not (math.isfinite(rank_tol) and 0 <= rank_tol < 1):
        raise ValueError(f"rank_tol must be at least 0 and below 1, got {rank_tol!r}")
    with np.errstate(over="ignore", invalid="ignore"):  # weights near 1e308: ±inf, no warning
        pos = float(k[k > 0].sum())
        neg = float(k[k < 0].sum())
        total = float(k.sum())
        out_min = _times(pos, lo) + _times(neg, hi) + 0.0
        out_max = _times(pos, hi) + _times(neg, lo) + 0.0

    found = _symmetries(k)
    symmetry = found[0] if found else "no symmetry"
    flip_matters = "rotation-180 symmetric" not in found

    # The SVD of the kernel scaled to a largest weight of 1: no overflow near 1e308.
    scale = float(np.abs(k).max())
    u, sv, vt = np.linalg.svd(k / scale if scale > 0 else k)
    rank = int(np.sum(sv > rank_tol * sv[0])) if sv[0] > 0 else 0
    with np.errstate(over="ignore"):
        singular_values = np.asarray(sv * scale, dtype=np.float64)
    separable = rank == 1
    column: NDArray[np.float64] | None = None
    row: NDArray[np.float64] | None = None
    exact = False
    int_col: tuple[int, ...] = ()
    int_row: tuple[int, ...] = ()
    divisor = 1
    text = ""
    if separable:
        factors = _integer_factors(k)
        if factors is not None:
            a, b, d = factors
            ca, rb = _orient(a.astype(np.float64), b.astype(np.float64))
            int_col = tuple(int(v) for v in ca)
            int_row = tuple(int(v) for v in rb)
            divisor = d
            column, row = ca, rb / d
            exact = True
            text = f"{_vector_text(int_col)}ᵀ × {_vector_text(int_row)}"
            if d != 1:
                text += f" / {d}"
        else:
            root = math.sqrt(float(sv[0])) * math.sqrt(scale)
            column, row = _orient(u[:, 0] * root, vt[0] * root)
            text = f"{_vector_text(column)}ᵀ × {_vector_text(row)}"
    return KernelAnalysis(
        total=total + 0.0,
        out_min=out_min,
        out_max=out_max,
        symmetry=symmetry,
        symmetries=found,
        flip_matters=flip_matters,
        rank=rank,
        singular_values=singular_values,
        separable=separable,
        column=column,
        row=row,
        exact=exact,
        int_column=int_col,
        int_row=int_row,
        divisor=divisor,
        factor_text=text,
    )


@dataclass(frozen=True, eq=False)
class FrequencyResponse:
    """The magnitude of a kernel's 2-D discrete Fourier transform on an ``n`` × ``n`` grid.

    Attributes
    ----------
    fy, fx : ndarray of float64, shape (n,)
        Frequencies in cycles per pixel, ``(i − n // 2) / n``: from −0.5 (for an even ``n``;
        −(n − 1)/2n for an odd one) to just below 0.5, with 0 (DC) at index ``n // 2``.
    magnitude : ndarray of float64, shape (n, n)
        ``|H(fy, fx)|`` with rows along ``fy`` and columns along ``fx``, DC at the centre.
        ``H(0, 0)`` is the kernel's sum; the magnitude is the same for correlation and
        convolution (flipping conjugates H).
    """

    fy: NDArray[np.float64]
    fx: NDArray[np.float64]
    magnitude: NDArray[np.float64]

    def profile(self, axis: int = 1) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return ``(f, |H|)`` along one axis through DC.

        Parameters
        ----------
        axis : {0, 1}
            1 for the horizontal frequencies ``fx`` (the row through DC, stripes that change
            from column to column), 0 for the vertical frequencies ``fy``.

        Raises
        ------
        ValueError
            If ``axis`` is not 0 or 1.
        """
        if axis == 1:
            return self.fx, self.magnitude[self.fy.size // 2, :].copy()
        if axis == 0:
            return self.fy, self.magnitude[:, self.fx.size // 2].copy()
        raise ValueError(f"axis must be 0 (vertical frequencies) or 1 (horizontal), got {axis!r}")


def frequency_response(kernel: ArrayLike, *, n: int = 64) -> FrequencyResponse:
    """Return the magnitude of the kernel's 2-D DFT, zero-padded to ``n`` × ``n`` and centred.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        Finite real weights. Not modified.
    n : int, optional
        Grid size, from the kernel's larger side to 1024; frequencies are spaced ``1/n``.

    Returns
    -------
    FrequencyResponse

    Raises
    ------
    ValueError
        If the kernel is invalid or ``n`` is out of range.

    Examples
    --------
    >>> r = frequency_response(np.full((3, 3), 1 / 9), n=4)
    >>> r.fx
    array([-0.5 , -0.25,  0.  ,  0.25])
    >>> r.profile(1)[1].round(4)
    array([0.3333, 0.3333, 1.    , 0.3333])
    """
    k = check_kernel(kernel)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not max(k.shape) <= n <= 1024:
        raise ValueError(
            f"n must be a whole number from the kernel's larger side ({max(k.shape)}) to 1024, "
            f"got {n!r}"
        )
    size = int(n)
    # Transform the kernel scaled to a largest weight of 1 and scale back: weights near 1e308
    # give infinite magnitudes, not NaN and overflow warnings.
    scale = float(np.abs(k).max())
    spectrum = np.fft.fftshift(np.fft.fft2(k / scale if scale > 0 else k, s=(size, size)))
    with np.errstate(over="ignore"):
        magnitude = np.abs(spectrum) * scale if scale > 0 else np.abs(spectrum)
    freqs = np.fft.fftshift(np.fft.fftfreq(size)).astype(np.float64)
    return FrequencyResponse(fy=freqs, fx=freqs.copy(), magnitude=magnitude)


#: Ring edges (cycles per pixel) of :func:`response_kind`: below MID_BAND[0] but not DC is
#: ignored, MID_BAND is "mid", at or above HIGH_BAND is "near Nyquist".
MID_BAND = (0.05, 0.45)
HIGH_BAND = 0.45


def response_bands(kernel: ArrayLike, *, n: int = 64) -> tuple[float, float, float]:
    """Return ``(dc, mid, high)``: the magnitudes :func:`response_kind` compares.

    ``dc`` is ``|H(0, 0)|`` (the absolute sum); ``high`` is the mean of ``|H|`` over the
    frequencies at radius ``≥ 0.45`` cycles per pixel (near Nyquist, corners included); ``mid``
    is the largest mean of ``|H|`` over the rings of width 0.05 between radius 0.05 and 0.45.
    Ring means, not maxima, so a kernel that blurs along one direction only (motion blur) still
    counts as keeping the low frequencies more than the high.

    Examples
    --------
    >>> [round(v, 3) for v in response_bands([[0, 1, 0], [1, -4, 1], [0, 1, 0]])]
    [0.0, 4.519, 5.976]
    """
    k = check_kernel(kernel)
    r = frequency_response(k, n=max(n, max(k.shape)))
    radius = np.hypot(r.fy[:, None], r.fx[None, :])
    mag = r.magnitude
    dc = float(mag[r.fy.size // 2, r.fx.size // 2])
    high = float(mag[radius >= HIGH_BAND].mean())
    edges = np.arange(MID_BAND[0], MID_BAND[1] + 1e-9, 0.05)
    rings = [mag[(radius >= a) & (radius < b)] for a, b in zip(edges[:-1], edges[1:])]
    mid = max(float(ring.mean()) for ring in rings if ring.size)
    return dc, mid, high


#: ``|H(DC)|`` within this of 1 counts as "about 1" for :func:`response_kind`'s high-boost.
UNIT_DC_TOL = 0.05
#: A high-boost's response near Nyquist is at least this many times its response at DC.
BOOST_RISE = 1.5


def response_kind(kernel: ArrayLike) -> str:
    """Return ``"low-pass"``, ``"high-pass"``, ``"band-pass"``, ``"high-boost"`` or ``""``.

    The rule compares the three numbers of :func:`response_bands`: ``dc`` (|H| at DC),
    ``mid`` (the strongest ring in between) and ``high`` (near Nyquist), where a "clear" drop is
    to half or less:

    - low-pass: ``dc`` is at least ``mid`` and ``high`` is at most half of ``dc``
      (box, Gaussian, disk, motion blur);
    - high-boost (sharpening): ``|H(DC)|`` is about 1 (within :data:`UNIT_DC_TOL`: a flat
      region keeps its value), ``high`` is at least :data:`BOOST_RISE` times ``dc`` and does
      not drop clearly below ``mid``: the image plus a high-pass, as the sharpen and unsharp
      mask kernels are (unsharp mask 5×5 rises from 1 at DC to 2);
    - high-pass: ``dc`` is at most half of ``high`` and ``high`` does not drop clearly below
      ``mid`` (more than half of it): Laplacian, outline, small-σ LoG;
    - band-pass: ``dc`` and ``high`` are both at most half of ``mid`` (difference of Gaussians,
      LoG, Gabor, emboss; first-derivative kernels such as Sobel, Scharr, Prewitt and Farid,
      which are zero at DC and at Nyquist along their own axis);
    - otherwise ``""`` (identity, an all-zero kernel).

    The cases exclude each other (they are tested in this order).

    Examples
    --------
    >>> response_kind(np.full((3, 3), 1 / 9))
    'low-pass'
    >>> response_kind([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    'high-pass'
    >>> response_kind([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    'high-boost'
    >>> response_kind([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    'band-pass'
    >>> response_kind([[1]])
    ''
    """
    k = check_kernel(kernel)
    scale = float(np.abs(k).max())
    dc, mid, high = response_bands(k / scale if scale > 0 else k)  # the kind ignores scale
    top = max(dc, mid, high)
    if top <= 0:
        return ""
    if dc >= mid and high <= 0.5 * dc:
        return "low-pass"
    with np.errstate(over="ignore"):
        unit_dc = abs(dc * scale - 1.0) <= UNIT_DC_TOL  # |H(DC)| of the kernel as it is
    if unit_dc and high >= BOOST_RISE * dc and high > 0.5 * mid:
        return "high-boost"
    if dc <= 0.5 * high and high > 0.5 * mid:
        return "high-pass"
    if dc <= 0.5 * mid and high <= 0.5 * mid:
        return "band-pass"
    return ""


__all__ = [
    "BOOST_RISE",
    "MAX_DENOMINATOR",
    "SYMMETRIES",
    "UNIT_DC_TOL",
    "FrequencyResponse",
    "KernelAnalysis",
    "analyze_kernel",
    "frequency_response",
    "response_bands",
    "response_kind",
]
