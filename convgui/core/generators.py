"""Kernel generators with parameters: Gaussian, LoG, DoG, Gabor, steerable edges, motion, disk, box.

Every generator returns a new float64 array of odd, square size (centre cell ``(n - 1) // 2``)
no larger than :data:`MAX_SIDE` × :data:`MAX_SIDE`, the app's kernel limit.

Conventions, shared by all generators:

- Kernels are applied as the app applies them: cross-correlation (no flip).
- ``x`` grows to the right (columns) and ``y`` grows **down** (rows), as in the image.
- Angles are in **degrees**, measured from the +x axis towards +y: 0° points right, 90° points
  down, so positive angles turn clockwise as the image is drawn (row 0 at the top). This is
  OpenCV's convention for ``getGaborKernel`` and the one that makes ``edge_kernel(90)`` the
  Sobel y preset.
- A gradient kernel responds positively to intensity increasing along its direction, as the
  Sobel, Prewitt and Scharr presets of :mod:`convgui.core.kernels` do.

:data:`GENERATORS` describes each generator's parameters (:class:`ParamSpec`) so that a user
interface can build one slider or choice per parameter, and :meth:`Generator.make` builds the
kernel from those values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._checks import check_choice, check_finite_scalar

#: The largest kernel side a generator produces (the app's kernel limit, ``MAX_KERNEL_SIDE``).
MAX_SIDE = 15

#: The largest half-width, ``(MAX_SIDE - 1) // 2``.
_MAX_HALF = (MAX_SIDE - 1) // 2

Kernel = NDArray[np.float64]

# ---------------------------------------------------------------------------------------------
# argument checks


def _positive(value: object, name: str) -> float:
    v = check_finite_scalar(value, name)
    if v <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value!r}")
    return v


def _in_range(value: object, name: str, lo: float, hi: float) -> float:
    v = check_finite_scalar(value, name)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return v


def _odd_size(value: object, name: str = "size") -> int:
    """Return ``value`` as an odd integer from 1 to MAX_SIDE (integral floats accepted)."""
    v = check_finite_scalar(value, name)
    if v != int(v) or int(v) % 2 == 0 or not 1 <= v <= MAX_SIDE:
        raise ValueError(
            f"{name} must be an odd whole number from 1 to {MAX_SIDE} (so the kernel has a "
            f"centre cell), got {value!r}"
        )
    return int(v)


def _size_from_sigma(sigma: float) -> int:
    """``2·ceil(3σ) + 1``, at least 3 and at most MAX_SIDE."""
    half = min(max(math.ceil(3.0 * sigma - 1e-9), 1), _MAX_HALF)
    return 2 * half + 1


def _cos_sin(angle_deg: float) -> tuple[float, float]:
    """Return the cosine and sine of an angle in degrees, exact at multiples of 45°.

    At 45° both are ``sqrt(0.5)`` (``math.cos`` and ``math.sin`` differ in the last bit there,
    which would leave -1e-16 where a steered kernel's weights should cancel to 0).
    """
    eighth = angle_deg / 45.0
    if eighth == round(eighth):
        h = math.sqrt(0.5)
        table = ((1.0, 0.0), (h, h), (0.0, 1.0), (-h, h))
        c, s = table[round(eighth) % 4]
        return (c, s) if round(eighth) % 8 < 4 else (-c, -s)
    rad = math.radians(angle_deg)
    return math.cos(rad), math.sin(rad)


def _offsets(size: int) -> NDArray[np.float64]:
    """Offsets ``-h .. h`` of a size ``2h + 1`` axis, as float64."""
    h = (size - 1) // 2
    return np.arange(-h, h + 1, dtype=np.float64)


def _gaussian_1d(sigma: float, size: int) -> NDArray[np.float64]:
    x = _offsets(size)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return np.asarray(g / g.sum(), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# generators


def gaussian_kernel(sigma: float, *, size: int | None = None) -> Kernel:
    """Return a normalised Gaussian kernel ``exp(-(x² + y²) / 2σ²)`` that sums to 1.

    The weights are the samples of the Gaussian at the cell centres divided by their sum, built
    as the outer product of the normalised 1-D samples (so the kernel is exactly separable).

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, greater than 0.
    size : int, optional
        Odd side from 1 to :data:`MAX_SIDE`. By default ``2·ceil(3σ) + 1`` (the Gaussian cut
        at 3σ), at least 3 and at most :data:`MAX_SIDE`; beyond σ = 7/3 the Gaussian is cut
        at 15 × 15 and the weights still sum to 1.

    Returns
    -------
    ndarray of float64, shape (size, size)
        The kernel; it equals ``scipy.ndimage.gaussian_filter`` applied to an impulse with
        ``truncate = (size // 2) / sigma``.

    Raises
    ------
    ValueError
        If ``sigma`` is not a positive number or ``size`` is not an odd whole number in range.

    Examples
    --------
    >>> k = gaussian_kernel(1.0)
    >>> k.shape, round(float(k.sum()), 12)
    ((7, 7), 1.0)
    >>> gaussian_kernel(0.5, size=3).round(4)
    array([[0.0113, 0.0838, 0.0113],
           [0.0838, 0.6193, 0.0838],
           [0.0113, 0.0838, 0.0113]])
    """
    s = _positive(sigma, "sigma")
    n = _size_from_sigma(s) if size is None else _odd_size(size)
    g = _gaussian_1d(s, n)
    return np.outer(g, g)


def log_kernel(sigma: float, *, size: int | None = None) -> Kernel:
    """Return a Laplacian-of-Gaussian kernel that sums to exactly 0 (centre negative).

    The normalisation is MATLAB's ``fspecial('log')``: with ``g`` the normalised Gaussian of
    :func:`gaussian_kernel`, the kernel is ``g · (x² + y² − 2σ²) / σ⁴`` (the Laplacian of the
    Gaussian, which is also what ``scipy.ndimage.gaussian_laplace`` gives for an impulse) minus
    its mean, so a flat region becomes exactly 0. The sign follows the Laplacian preset: the
    centre is negative, so a bright spot gives a negative response.

    Parameters
    ----------
    sigma : float
        Standard deviation of the Gaussian in pixels, greater than 0.
    size : int, optional
        Odd side; by default ``2·ceil(3σ) + 1`` within 3 and :data:`MAX_SIDE`, as for
        :func:`gaussian_kernel`.

    Returns
    -------
    ndarray of float64, shape (size, size)

    Raises
    ------
    ValueError
        If ``sigma`` is not a positive number or ``size`` is not an odd whole number in range.

    Examples
    --------
    >>> k = log_kernel(1.0, size=5)
    >>> bool(abs(k.sum()) < 1e-15), bool(k[2, 2] < 0), k.shape
    (True, True, (5, 5))
    """
    s = _positive(sigma, "sigma")
    n = _size_from_sigma(s) if size is None else _odd_size(size)
    x = _offsets(n)
    g = np.outer(_gaussian_1d(s, n), _gaussian_1d(s, n))
    r2 = x[:, None] ** 2 + x[None, :] ** 2
    k = g * (r2 - 2.0 * s * s) / s**4
    return np.asarray(k - k.mean(), dtype=np.float64)


def dog_kernel(sigma1: float, sigma2: float, *, size: int | None = None) -> Kernel:
    """Return a difference of Gaussians: ``gaussian(σ₁) − gaussian(σ₂)``, summing to 0.

    Both Gaussians are normalised to sum 1 on the same grid, so the kernel sums to 0. With
    ``σ₁ < σ₂`` the centre is positive (a band-pass "Mexican hat", roughly −LoG); swapping the
    two negates the kernel.

    Parameters
    ----------
    sigma1, sigma2 : float
        Standard deviations in pixels, greater than 0 and different from each other.
    size : int, optional
        Odd side; by default from the larger σ: ``2·ceil(3·max(σ₁, σ₂)) + 1`` within 3 and
        :data:`MAX_SIDE`.

    Returns
    -------
    ndarray of float64, shape (size, size)

    Raises
    ------
    ValueError
        If a σ is not a positive number, the two are equal (the difference would be all
        zeros), or ``size`` is not an odd whole number in range.

    Examples
    --------
    >>> k = dog_kernel(1.0, 2.0)
    >>> k.shape, bool(abs(k.sum()) < 1e-15), bool(k[6, 6] > 0)
    ((13, 13), True, True)
    """
    s1 = _positive(sigma1, "sigma1")
    s2 = _positive(sigma2, "sigma2")
    if s1 == s2:
        raise ValueError(
            f"sigma1 and sigma2 must differ (both are {sigma1!r}, so the difference is all "
            "zeros); make one larger"
        )
    n = _size_from_sigma(max(s1, s2)) if size is None else _odd_size(size)
    return gaussian_kernel(s1, size=n) - gaussian_kernel(s2, size=n)


def gabor_kernel(
    sigma: float,
    theta: float,
    lambd: float,
    psi: float,
    gamma: float,
    *,
    size: int | None = None,
) -> Kernel:
    """Return a Gabor kernel with OpenCV's ``getGaborKernel`` convention (angles in degrees).

    For the cell at column offset ``x`` and row offset ``y`` from the centre (y down)::

        x' =  x·cos θ + y·sin θ
        y' = −x·sin θ + y·cos θ
        g  = exp(−(x'² + γ²·y'²) / 2σ²) · cos(ψ − 2π·x'/λ)

    This is exactly ``cv2.getGaborKernel((size, size), sigma, radians(theta), lambd, gamma,
    radians(psi), cv2.CV_64F)`` (OpenCV stores its kernel flipped, which turns its
    ``cos(2π·x'/λ + ψ)`` into the ``cos(ψ − 2π·x'/λ)`` above); checked by hand against OpenCV
    5.0 for odd and even ψ at several angles, to 1e-15. As in OpenCV the kernel is not
    normalised: the envelope's peak is 1. ``θ`` is the direction across the stripes (0°: the
    stripes are vertical); with ``ψ = 90°`` the kernel is odd and, like a gradient, responds
    positively to intensity increasing along θ.

    Parameters
    ----------
    sigma : float
        Standard deviation of the Gaussian envelope along x', in pixels, greater than 0.
    theta : float
        Orientation in degrees (0° right, 90° down).
    lambd : float
        Wavelength of the stripes in pixels, greater than 0 (2 is the finest a pixel grid shows).
    psi : float
        Phase offset in degrees (0: even, centre stripe bright; 90: odd).
    gamma : float
        Spatial aspect ratio, greater than 0: the envelope's σ across x' is ``σ/γ``.
    size : int, optional
        Odd side. By default ``2·ceil(3·max(σ, σ/γ)) + 1`` within 3 and :data:`MAX_SIDE`
        (square, unlike OpenCV's default which depends on θ).

    Returns
    -------
    ndarray of float64, shape (size, size)

    Raises
    ------
    ValueError
        If a value is not finite, ``sigma``, ``lambd`` or ``gamma`` is not positive, or
        ``size`` is not an odd whole number in range.

    Examples
    --------
    >>> k = gabor_kernel(2.0, 0.0, 4.0, 0.0, 1.0, size=5)
    >>> k[2].round(3)
    array([-0.607,  0.   ,  1.   ,  0.   , -0.607])
    >>> bool(gabor_kernel(2.0, 0.0, 4.0, 90.0, 1.0, size=5)[2, 3] > 0)
    True
    """
    s = _positive(sigma, "sigma")
    t = check_finite_scalar(theta, "theta")
    lam = _positive(lambd, "lambd")
    p = check_finite_scalar(psi, "psi")
    gam = _positive(gamma, "gamma")
    n = _size_from_sigma(max(s, s / gam)) if size is None else _odd_size(size)
    c, sn = _cos_sin(t)
    off = _offsets(n)
    y, x = off[:, None], off[None, :]
    xr = x * c + y * sn
    yr = -x * sn + y * c
    envelope = np.exp(-0.5 * (xr**2 + (gam * yr) ** 2) / (s * s))
    return np.asarray(envelope * np.cos(math.radians(p) - 2.0 * math.pi * xr / lam), np.float64)


#: The smoothing and derivative taps of each edge operator, as correlation weights: the
#: derivative responds positively to intensity increasing with the index. Farid: the 5-tap
#: filters of Farid & Simoncelli (2004), the same numbers as scikit-image's ``farid_h/v``.
_EDGE_TAPS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "sobel": ((1.0, 2.0, 1.0), (-1.0, 0.0, 1.0)),
    "scharr": ((3.0, 10.0, 3.0), (-1.0, 0.0, 1.0)),
    "prewitt": ((1.0, 1.0, 1.0), (-1.0, 0.0, 1.0)),
    "farid": (
        (0.0376593171958126, 0.249153396177344, 0.426374573253687, 0.249153396177344,
         0.0376593171958126),
        (-0.109603762960254, -0.276690988455557, 0.0, 0.276690988455557, 0.109603762960254),
    ),
}  # fmt: skip

#: The edge operators :func:`edge_kernel` knows.
EDGE_OPERATORS: tuple[str, ...] = tuple(_EDGE_TAPS)


def edge_gradients(operator: str = "sobel") -> tuple[Kernel, Kernel]:
    """Return the operator's ``(Gx, Gy)`` correlation kernels.

    ``Gx`` responds positively to intensity increasing to the right and ``Gy`` to intensity
    increasing downwards (the Sobel x and y presets). Sobel, Scharr and Prewitt keep their
    integer weights (a unit ramp gives 8, 32 and 6); Farid's weights are the published
    unit-gain ones (a unit ramp gives about 0.99). Checked by hand against scikit-image 0.26:
    correlating a random image with Farid's ``Gx`` and ``Gy`` gives exactly ``farid_v`` and
    ``farid_h`` away from the border (scikit-image convolves with the 180°-rotated weights).

    Raises
    ------
    ValueError
        If ``operator`` is not one of :data:`EDGE_OPERATORS`.

    Examples
    --------
    >>> gx, gy = edge_gradients("prewitt")
    >>> gx
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    """
    check_choice(operator, EDGE_OPERATORS, "operator")
    smooth, deriv = (np.array(t, dtype=np.float64) for t in _EDGE_TAPS[operator])
    gx = np.outer(smooth, deriv)
    return gx, np.ascontiguousarray(gx.T)


def edge_kernel(angle_deg: float, operator: str = "sobel") -> Kernel:
    """Return a steerable edge kernel ``cos θ·Gx + sin θ·Gy``.

    It responds most to intensity increasing in the direction θ (0° right, 90° down); see
    :func:`edge_gradients` for ``Gx``, ``Gy`` and their scale. At 0° and 90° it is exactly the
    Sobel (Prewitt, Scharr) x and y preset.

    Parameters
    ----------
    angle_deg : float
        Direction in degrees, measured clockwise on screen from "to the right".
    operator : {"sobel", "scharr", "prewitt", "farid"}
        Which derivative filters (3 × 3, Farid 5 × 5).

    Returns
    -------
    ndarray of float64, shape (3, 3) or (5, 5)

    Raises
    ------
    ValueError
        If the angle is not finite or the operator unknown.

    Examples
    --------
    >>> edge_kernel(90)
    array([[-1., -2., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  2.,  1.]])
    >>> edge_kernel(45).round(3)
    array([[-1.414, -1.414,  0.   ],
           [-1.414,  0.   ,  1.414],
           [ 0.   ,  1.414,  1.414]])
    """
    a = check_finite_scalar(angle_deg, "angle_deg")
    gx, gy = edge_gradients(operator)
    c, s = _cos_sin(a)
    return c * gx + s * gy


def motion_blur_kernel(length: float, angle_deg: float) -> Kernel:
    """Return a motion blur: a straight line of ``length`` pixels through the centre, sum 1.

    The line is a segment of zero width centred on the centre cell's middle, in the direction
    ``angle_deg`` (0° horizontal, 45° from top left to bottom right). Each cell weighs the
    length of the segment inside it, divided by the total: an exact, antialiased rasterisation.
    A horizontal line of odd whole length ``L`` gives ``L`` weights of ``1/L``; a 45° line of
    length ``L·√2`` gives ``eye(L)/L`` (the motion blur preset).

    Parameters
    ----------
    length : float
        Length in pixels, from 1 to :data:`MAX_SIDE` (any angle then fits).
    angle_deg : float
        Direction in degrees (0° right, 90° down); θ and θ + 180° are the same line.

    Returns
    -------
    ndarray of float64, odd square shape
        The smallest odd square holding the line.

    Raises
    ------
    ValueError
        If the length is out of range or a value is not finite.

    Examples
    --------
    A length of 4 covers the centre cell and one and a half cells on each side:

    >>> motion_blur_kernel(4, 0)
    array([[0.   , 0.   , 0.   , 0.   , 0.   ],
           [0.   , 0.   , 0.   , 0.   , 0.   ],
           [0.125, 0.25 , 0.25 , 0.25 , 0.125],
           [0.   , 0.   , 0.   , 0.   , 0.   ],
           [0.   , 0.   , 0.   , 0.   , 0.   ]])
    """
    n_len = _in_range(length, "length", 1.0, float(MAX_SIDE))
    c, s = _cos_sin(check_finite_scalar(angle_deg, "angle_deg"))
    ex, ey = 0.5 * n_len * c, 0.5 * n_len * s  # the segment runs from -e to +e
    half = max(math.ceil(abs(e) - 0.5 - 1e-9) for e in (ex, ey))
    half = min(max(half, 0), _MAX_HALF)
    off = _offsets(2 * half + 1)
    # Clip the segment p(u) = u·(cos, sin), u in [-length/2, length/2] (u in pixels along the
    # line), to every cell's slab on each axis; what is left is the length inside the cell.
    lo = np.full((off.size, off.size), -0.5 * n_len)
    hi = np.full((off.size, off.size), 0.5 * n_len)
    for e, d, centre in ((ex, c, off[None, :]), (ey, s, off[:, None])):
        if abs(e) <= 0.5:
            # The segment stays within the centre cell's slab on this axis (this also keeps a
            # tiny d, at an angle of 1e-308°, out of the division below).
            inside = np.abs(centre) < 0.5
            lo = np.where(inside, lo, 0.0)
            hi = np.where(inside, hi, 0.0)
        else:
            u0, u1 = (centre - 0.5) / d, (centre + 0.5) / d
            lo = np.maximum(lo, np.minimum(u0, u1))
            hi = np.minimum(hi, np.maximum(u0, u1))
    w = np.clip(hi - lo, 0.0, None)
    return np.asarray(w / w.sum(), dtype=np.float64)


def disk_kernel(radius: float) -> Kernel:
    """Return a flat disk ("pillbox"): equal weights on the cells within ``radius``, sum 1.

    A cell belongs to the disk when its centre is at most ``radius`` from the kernel's centre
    (``x² + y² ≤ r²``); the weights are not antialiased, so the disk is the set of cells a
    learner can count.

    Parameters
    ----------
    radius : float
        Radius in pixels, from 0 (the 1 × 1 identity) to 7 (the 15 × 15 limit).

    Returns
    -------
    ndarray of float64, shape (2·floor(r) + 1, 2·floor(r) + 1)

    Raises
    ------
    ValueError
        If ``radius`` is out of range or not a number.

    Examples
    --------
    >>> disk_kernel(1) * 5
    array([[0., 1., 0.],
           [1., 1., 1.],
           [0., 1., 0.]])
    """
    r = _in_range(radius, "radius", 0.0, float(_MAX_HALF))
    off = _offsets(2 * math.floor(r + 1e-9) + 1)
    inside = off[:, None] ** 2 + off[None, :] ** 2 <= r * r + 1e-9
    return np.asarray(inside / float(inside.sum()), dtype=np.float64)


def box_kernel(size: int) -> Kernel:
    """Return a ``size`` × ``size`` box (mean) filter: every weight ``1/size²``.

    Parameters
    ----------
    size : int
        Odd side from 1 to :data:`MAX_SIDE`.

    Returns
    -------
    ndarray of float64, shape (size, size)

    Raises
    ------
    ValueError
        If ``size`` is not an odd whole number in range.

    Examples
    --------
    >>> box_kernel(3) * 9
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    n = _odd_size(size)
    return np.full((n, n), 1.0 / (n * n))


# ---------------------------------------------------------------------------------------------
# descriptions for a user interface

ParamValue = float | str


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a generator, enough to build its slider (or choice box).

    Numeric parameters run from ``minimum`` to ``maximum`` in steps of ``step`` and are shown
    with ``decimals`` decimals and ``unit`` after them. A parameter with ``choices`` is a
    choice among those strings instead (its ``default`` is one of them; the numeric fields are
    unused). When ``special_text`` is set, the ``minimum`` stands for that choice (as Qt's
    ``QSpinBox.specialValueText``): for ``size`` it means "from σ".
    """

    name: str
    title: str
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    default: ParamValue = 0.0
    unit: str = ""
    decimals: int = 0
    choices: tuple[str, ...] = ()
    special_text: str = ""

    @property
    def is_choice(self) -> bool:
        """True for a choice among strings, False for a number."""
        return bool(self.choices)

    def check(self, value: object) -> ParamValue:
        """Return ``value`` if it is allowed for this parameter.

        Raises
        ------
        ValueError
            Quoting the value and what is allowed.

        Examples
        --------
        >>> ParamSpec("sigma", "σ", 0.5, 5.0, 0.1, 1.0).check(7)
        Traceback (most recent call last):
        ...
        ValueError: σ must be between 0.5 and 5, got 7
        """
        if self.choices:
            return check_choice(value, self.choices, self.title)
        return _in_range(value, self.title, self.minimum, self.maximum)


@dataclass(frozen=True)
class Generator:
    """A kernel generator: its name, texts for people, its parameters and the function.

    ``function`` is called with one keyword argument per parameter name. A ``size`` parameter
    at its ``special_text`` minimum is passed as ``size=None`` (the size follows σ).
    """

    name: str
    title: str
    description: str
    params: tuple[ParamSpec, ...]
    function: Callable[..., Kernel]

    def defaults(self) -> dict[str, ParamValue]:
        """The default value of each parameter, by name."""
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> ParamSpec:
        """The parameter called ``name``.

        Raises
        ------
        ValueError
            If this generator has no such parameter.
        """
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(
            f"{self.title} has no parameter {name!r}; its parameters are "
            f"{', '.join(p.name for p in self.params)}"
        )

    def make(self, **values: Any) -> Kernel:
        """Build the kernel; parameters not given take their defaults.

        Raises
        ------
        ValueError
            For an unknown parameter name or a value out of its range, quoting it.

        Examples
        --------
        >>> GENERATORS["box"].make(size=3).shape
        (3, 3)
        >>> GENERATORS["gaussian"].make(sigma=1.0).shape  # size 1 means "from σ"
        (7, 7)
        """
        chosen: dict[str, ParamValue] = self.defaults()
        for key, value in values.items():
            chosen[key] = self.param(key).check(value)
        kwargs: dict[str, Any] = {}
        for p in self.params:
            v = chosen[p.name]
            kwargs[p.name] = None if p.special_text and v == p.minimum else v
        return self.function(**kwargs)


def _size_spec(what: str = "σ") -> ParamSpec:
    return ParamSpec("size", "Size", 1, MAX_SIDE, 2, 1, "px", 0, special_text=f"from {what}")


_SIGMA = ParamSpec("sigma", "σ", 0.3, 5.0, 0.1, 1.0, "px", 1)

_GENERATOR_LIST: tuple[Generator, ...] = (
    Generator(
        "gaussian",
        "Gaussian",
        "A smooth blur: weights fall off with distance as a bell curve of width σ; sum 1.",
        (_SIGMA, _size_spec()),
        gaussian_kernel,
    ),
    Generator(
        "log",
        "Laplacian of Gaussian",
        "Blur by σ, then the Laplacian: finds blobs and edges at that scale; sum 0.",
        (_SIGMA, _size_spec()),
        log_kernel,
    ),
    Generator(
        "dog",
        "Difference of Gaussians",
        "A narrow Gaussian minus a wide one: keeps the details between the two sizes; sum 0.",
        (
            ParamSpec("sigma1", "σ₁", 0.3, 5.0, 0.1, 1.0, "px", 1),
            ParamSpec("sigma2", "σ₂", 0.3, 5.0, 0.1, 2.0, "px", 1),
            _size_spec("the larger σ"),
        ),
        dog_kernel,
    ),
    Generator(
        "gabor",
        "Gabor",
        "Stripes of wavelength λ under a Gaussian window: responds to texture at angle θ "
        "(OpenCV's getGaborKernel).",
        (
            ParamSpec("sigma", "σ", 0.5, 5.0, 0.1, 2.0, "px", 1),
            ParamSpec("theta", "θ", 0.0, 180.0, 5.0, 0.0, "°", 0),
            ParamSpec("lambd", "λ", 2.0, 20.0, 0.5, 5.0, "px", 1),
            ParamSpec("psi", "ψ", -180.0, 180.0, 15.0, 0.0, "°", 0),
            ParamSpec("gamma", "γ", 0.2, 2.0, 0.1, 1.0, "", 1),
            _size_spec("σ and γ"),
        ),
        gabor_kernel,
    ),
    Generator(
        "edge",
        "Edge at an angle",
        "cos θ·Gx + sin θ·Gy: responds to brightness increasing towards θ (0° right, 90° down).",
        (
            ParamSpec("angle_deg", "Angle", 0.0, 360.0, 5.0, 0.0, "°", 0),
            ParamSpec("operator", "Operator", default="sobel", choices=EDGE_OPERATORS),
        ),
        edge_kernel,
    ),
    Generator(
        "motion_blur",
        "Motion blur",
        "Averages along a line, as if the camera moved that far in that direction; sum 1.",
        (
            ParamSpec("length", "Length", 1.0, float(MAX_SIDE), 0.5, 5.0, "px", 1),
            ParamSpec("angle_deg", "Angle", 0.0, 180.0, 5.0, 0.0, "°", 0),
        ),
        motion_blur_kernel,
    ),
    Generator(
        "disk",
        "Disk",
        "Equal weights on every cell within the radius: a lens out of focus; sum 1.",
        (ParamSpec("radius", "Radius", 0.0, float(_MAX_HALF), 0.5, 2.0, "px", 1),),
        disk_kernel,
    ),
    Generator(
        "box",
        "Box",
        "Equal weights on a square: the mean of the neighbourhood; sum 1.",
        (ParamSpec("size", "Size", 1, MAX_SIDE, 2, 3, "px", 0),),
        box_kernel,
    ),
)

#: The generators by name, in menu order.
GENERATORS: dict[str, Generator] = {g.name: g for g in _GENERATOR_LIST}

__all__ = [
    "EDGE_OPERATORS",
    "GENERATORS",
    "MAX_SIDE",
    "Generator",
    "ParamSpec",
    "ParamValue",
    "box_kernel",
    "disk_kernel",
    "dog_kernel",
    "edge_gradients",
    "edge_kernel",
    "gabor_kernel",
    "gaussian_kernel",
    "log_kernel",
    "motion_blur_kernel",
]
