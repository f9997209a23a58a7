"""Kernel generators against scipy, formulas written out here and the app's presets.

Gaussian, LoG and DoG are compared with ``scipy.ndimage`` filtering an impulse; Gabor with
OpenCV's ``getGaborKernel`` loop transcribed below (the module was also checked against cv2
itself by hand, which is not a test dependency); Farid with scikit-image's published weights
typed in here; the steerable edge kernels with a linear ramp filtered by ``scipy.ndimage``;
motion blur with a dense sampling of the line; disk and box with loops.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi

from convgui.core.generators import (
    EDGE_OPERATORS,
    GENERATORS,
    MAX_SIDE,
    ParamSpec,
    box_kernel,
    disk_kernel,
    dog_kernel,
    edge_gradients,
    edge_kernel,
    gabor_kernel,
    gaussian_kernel,
    log_kernel,
    motion_blur_kernel,
)
from convgui.core.kernels import get_preset


def impulse_response(filt, size: int, **kw) -> np.ndarray:
    """Filter a centred impulse with ``filt`` (zero padding); the result is the kernel."""
    img = np.zeros((3 * size, 3 * size))
    img[img.shape[0] // 2, img.shape[1] // 2] = 1.0
    out = filt(img, mode="constant", cval=0.0, **kw)
    c, h = img.shape[0] // 2, size // 2
    return out[c - h : c + h + 1, c - h : c + h + 1]


def test_the_size_limit_is_the_apps() -> None:
    from convgui.state import MAX_KERNEL_SIDE

    assert MAX_SIDE == MAX_KERNEL_SIDE


# --- Gaussian, LoG, DoG --------------------------------------------------------------------------


@pytest.mark.parametrize(("sigma", "size"), [(0.5, 3), (1.0, 7), (1.3, 9), (2.0, 13), (4.0, 15)])
def test_gaussian_matches_scipy_gaussian_filter(sigma, size) -> None:
    k = gaussian_kernel(sigma, size=size)
    ref = impulse_response(ndi.gaussian_filter, size, sigma=sigma, truncate=(size // 2) / sigma)
    np.testing.assert_allclose(k, ref, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sigma", [0.3, 0.8, 1.7, 3.0])
def test_gaussian_is_the_normalised_formula(sigma) -> None:
    k = gaussian_kernel(sigma, size=9)
    y, x = np.mgrid[-4:5, -4:5]
    f = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    np.testing.assert_allclose(k, f / f.sum(), rtol=1e-13)
    assert k.dtype == np.float64
    assert math.isclose(k.sum(), 1.0, abs_tol=1e-14)


@pytest.mark.parametrize(
    ("sigma", "side"),
    [
        (0.1, 3),
        (1 / 3, 3),
        (0.34, 5),
        (0.5, 5),
        (1.0, 7),
        (1.5, 11),
        (7 / 3, 15),
        (2.4, 15),
        (5, 15),
    ],
)
def test_default_size_is_2_ceil_3_sigma_plus_1_within_3_and_15(sigma, side) -> None:
    assert gaussian_kernel(sigma).shape == (side, side)
    assert log_kernel(sigma).shape == (side, side)
    assert math.isclose(gaussian_kernel(sigma).sum(), 1.0, abs_tol=1e-14)


@pytest.mark.parametrize(("sigma", "size"), [(0.6, 5), (1.0, 7), (1.4, 9), (2.0, 15)])
def test_log_is_scipy_gaussian_laplace_made_zero_sum(sigma, size) -> None:
    ref = impulse_response(ndi.gaussian_laplace, size, sigma=sigma, truncate=(size // 2) / sigma)
    k = log_kernel(sigma, size=size)
    np.testing.assert_allclose(k, ref - ref.mean(), rtol=0, atol=1e-14)
    assert abs(k.sum()) < 1e-14
    assert k[size // 2, size // 2] == k.min() < 0  # centre negative, like the Laplacian preset


def test_log_formula() -> None:
    sigma, size = 1.2, 9
    y, x = np.mgrid[-4:5, -4:5].astype(float)
    g = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    g /= g.sum()
    f = g * (x**2 + y**2 - 2 * sigma**2) / sigma**4
    np.testing.assert_allclose(log_kernel(sigma, size=size), f - f.mean(), atol=1e-15)


def test_small_log_is_close_to_the_laplacian_preset_shape() -> None:
    k = log_kernel(0.5, size=3)
    lap = get_preset("laplacian")
    # Same signs where the Laplacian is nonzero: negative centre, positive edge neighbours.
    assert np.array_equal(np.sign(k[lap != 0]), np.sign(lap[lap != 0]))


@pytest.mark.parametrize(("s1", "s2", "size"), [(1.0, 2.0, 13), (0.5, 1.0, 7), (2.0, 1.0, 11)])
def test_dog_is_the_difference_of_two_scipy_gaussians(s1, s2, size) -> None:
    h = size // 2
    g1 = impulse_response(ndi.gaussian_filter, size, sigma=s1, truncate=h / s1)
    g2 = impulse_response(ndi.gaussian_filter, size, sigma=s2, truncate=h / s2)
    k = dog_kernel(s1, s2, size=size)
    np.testing.assert_allclose(k, g1 - g2, atol=1e-15)
    assert abs(k.sum()) < 1e-14
    assert (k[h, h] > 0) == (s1 < s2)


def test_dog_default_size_follows_the_larger_sigma() -> None:
    assert dog_kernel(1.0, 2.0).shape == (13, 13)
    assert dog_kernel(2.0, 0.5).shape == (13, 13)


# --- Gabor ---------------------------------------------------------------------------------------


def opencv_gabor(n, sigma, theta_rad, lambd, gamma, psi_rad) -> np.ndarray:
    """cv::getGaborKernel (imgproc/src/gabor.cpp) transcribed loop for loop, ksize n × n."""
    sigma_x, sigma_y = sigma, sigma / gamma
    c, s = math.cos(theta_rad), math.sin(theta_rad)
    xmax = ymax = n // 2
    kernel = np.zeros((2 * ymax + 1, 2 * xmax + 1))
    ex, ey = -0.5 / (sigma_x * sigma_x), -0.5 / (sigma_y * sigma_y)
    cscale = math.pi * 2 / lambd
    for y in range(-ymax, ymax + 1):
        for x in range(-xmax, xmax + 1):
            xr = x * c + y * s
            yr = -x * s + y * c
            v = math.exp(ex * xr * xr + ey * yr * yr) * math.cos(cscale * xr + psi_rad)
            kernel[ymax - y, xmax - x] = v
    return kernel


@pytest.mark.parametrize(
    ("sigma", "theta", "lambd", "psi", "gamma", "size"),
    [
        (2.0, 0.0, 4.0, 0.0, 1.0, 9),
        (2.0, 30.0, 5.0, 90.0, 0.5, 11),
        (1.5, 137.0, 3.0, -45.0, 1.7, 7),
        (3.0, 90.0, 8.0, 180.0, 0.8, 15),
    ],
)
def test_gabor_is_opencvs_getgaborkernel(sigma, theta, lambd, psi, gamma, size) -> None:
    ref = opencv_gabor(size, sigma, math.radians(theta), lambd, gamma, math.radians(psi))
    np.testing.assert_allclose(
        gabor_kernel(sigma, theta, lambd, psi, gamma, size=size), ref, rtol=0, atol=1e-14
    )


def test_gabor_orientation_and_phase() -> None:
    even = gabor_kernel(2.0, 0.0, 4.0, 0.0, 1.0, size=9)
    assert np.allclose(even, even[::-1, ::-1])  # psi = 0: even
    assert even[4, 4] == 1.0  # envelope peak 1, not normalised (as OpenCV)
    odd = gabor_kernel(2.0, 0.0, 4.0, 90.0, 1.0, size=9)
    assert np.allclose(odd, -odd[::-1, ::-1])
    assert odd[4, 5] > 0 > odd[4, 3]  # responds to brightness increasing to the right
    down = gabor_kernel(2.0, 90.0, 4.0, 90.0, 1.0, size=9)
    np.testing.assert_allclose(down, odd.T, atol=1e-15)  # 90° points down
    assert gabor_kernel(1.0, 0.0, 4.0, 0.0, 0.5).shape == (13, 13)  # from σ/γ = 2
    assert gabor_kernel(2.0, 0.0, 4.0, 0.0, 0.5).shape == (15, 15)  # σ/γ = 4: capped at 15


# --- edges ---------------------------------------------------------------------------------------

# scikit-image's skimage.filters.edges weights (Farid & Simoncelli 2004, 5-tap), typed in here.
SK_FARID_SMOOTH = [0.0376593171958126, 0.249153396177344, 0.426374573253687,
                   0.249153396177344, 0.0376593171958126]  # fmt: skip
SK_FARID_EDGE = [0.109603762960254, 0.276690988455557, 0, -0.276690988455557, -0.109603762960254]


@pytest.mark.parametrize("op", ["sobel", "prewitt", "scharr"])
def test_edge_at_0_and_90_degrees_is_the_preset(op) -> None:
    np.testing.assert_array_equal(edge_kernel(0, op), get_preset(f"{op}_x"))
    np.testing.assert_array_equal(edge_kernel(90, op), get_preset(f"{op}_y"))
    np.testing.assert_array_equal(edge_kernel(180, op), -get_preset(f"{op}_x"))
    np.testing.assert_array_equal(edge_kernel(-90, op), -get_preset(f"{op}_y"))


def test_farid_is_scikit_images_weights_as_correlation() -> None:
    # skimage convolves (flips) with HFARID = edge.T * smooth; the correlation kernel is its
    # 180° rotation, which responds positively to brightness increasing downwards.
    hfarid = np.array(SK_FARID_EDGE)[:, None] * np.array(SK_FARID_SMOOTH)[None, :]
    gx, gy = edge_gradients("farid")
    np.testing.assert_allclose(gy, hfarid[::-1, ::-1], rtol=0, atol=1e-17)
    np.testing.assert_allclose(gx, gy.T, rtol=0, atol=0)
    np.testing.assert_allclose(edge_kernel(90, "farid"), gy, atol=0)


GAIN = {"sobel": 8.0, "scharr": 32.0, "prewitt": 6.0, "farid": 0.99179702875}


@pytest.mark.parametrize("op", EDGE_OPERATORS)
@pytest.mark.parametrize("theta", [0.0, 30.0, 45.0, 100.0, 225.0, 333.0])
@pytest.mark.parametrize("phi", [0.0, 60.0, 135.0])
def test_steered_kernel_on_a_ramp_gives_gain_times_cos(op, theta, phi) -> None:
    y, x = np.mgrid[0:21, 0:21].astype(float)
    p = math.radians(phi)
    ramp = x * math.cos(p) + y * math.sin(p)  # brightness increasing towards phi (y down)
    out = ndi.correlate(ramp, edge_kernel(theta, op), mode="nearest")
    expected = GAIN[op] * math.cos(math.radians(theta - phi))
    assert math.isclose(out[10, 10], expected, rel_tol=1e-9, abs_tol=1e-9)


def test_edge_at_45_degrees_cancels_to_exact_zeros() -> None:
    k = edge_kernel(45)
    assert k[0, 2] == 0.0 and k[2, 0] == 0.0 and k[1, 1] == 0.0
    np.testing.assert_array_equal(k, -k[::-1, ::-1])


# --- motion, disk, box ---------------------------------------------------------------------------


def sampled_line(length: float, angle: float, side: int, samples: int = 400_000) -> np.ndarray:
    """Weight of each cell by the share of evenly spaced points of the segment falling in it."""
    t = (np.arange(samples) + 0.5) / samples - 0.5
    a = math.radians(angle)
    xs, ys = t * length * math.cos(a), t * length * math.sin(a)
    h = side // 2
    edges = np.arange(-h - 0.5, h + 1.0, 1.0)
    counts, _, _ = np.histogram2d(ys, xs, bins=(edges, edges))
    return counts / samples


@pytest.mark.parametrize(
    ("length", "angle"),
    [(5, 0), (4, 0), (7.5, 20), (9, 45), (11, 72), (15, 90), (6, 135), (3, 200)],
)
def test_motion_blur_matches_a_dense_sampling_of_the_line(length, angle) -> None:
    k = motion_blur_kernel(length, angle)
    assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1 and k.shape[0] <= MAX_SIDE
    np.testing.assert_allclose(k, sampled_line(length, angle, k.shape[0]), atol=2e-5)
    assert math.isclose(k.sum(), 1.0, abs_tol=1e-14)
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)  # a line through the centre


def test_motion_blur_exact_cases() -> None:
    for n in (3, 5, 7, 15):
        line = np.zeros((n, n))
        line[n // 2] = 1 / n
        np.testing.assert_array_equal(motion_blur_kernel(n, 0), line)
        np.testing.assert_array_equal(motion_blur_kernel(n, 90), line.T)
        np.testing.assert_array_equal(motion_blur_kernel(n, 180), line)
    # The preset: a 45° line over five diagonal cells has length 5·√2.
    np.testing.assert_allclose(motion_blur_kernel(5 * math.sqrt(2), 45), np.eye(5) / 5, atol=1e-12)
    assert motion_blur_kernel(1, 33).shape == (1, 1)
    np.testing.assert_allclose(motion_blur_kernel(6, 10), motion_blur_kernel(6, 190), atol=1e-15)


@pytest.mark.parametrize("radius", [0, 0.5, 1, 1.5, 2, 2.9, 3, 7])
def test_disk_counts_the_cells_whose_centre_is_inside(radius) -> None:
    k = disk_kernel(radius)
    side = 2 * int(radius) + 1
    assert k.shape == (side, side)
    h = side // 2
    inside = [
        (r, c) for r in range(side) for c in range(side) if (r - h) ** 2 + (c - h) ** 2 <= radius**2
    ]
    expected = np.zeros((side, side))
    for r, c in inside:
        expected[r, c] = 1 / len(inside)
    np.testing.assert_allclose(k, expected, atol=1e-16)


@pytest.mark.parametrize("size", [1, 3, 5, 15])
def test_box(size) -> None:
    k = box_kernel(size)
    assert k.shape == (size, size)
    assert np.all(k == 1 / size**2)
    np.testing.assert_array_equal(box_kernel(3), get_preset("box_blur"))


# --- bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "quoted"),
    [
        (lambda: gaussian_kernel(0), "0"),
        (lambda: gaussian_kernel(-1.5), "-1.5"),
        (lambda: gaussian_kernel(float("nan")), "nan"),
        (lambda: gaussian_kernel(1, size=4), "4"),
        (lambda: gaussian_kernel(1, size=17), "17"),
        (lambda: gaussian_kernel(1, size=2.5), "2.5"),
        (lambda: gaussian_kernel("1"), "'1'"),
        (lambda: log_kernel(1, size=0), "0"),
        (lambda: dog_kernel(1.5, 1.5), "1.5"),
        (lambda: dog_kernel(1, -2), "-2"),
        (lambda: gabor_kernel(2, 0, 0, 0, 1), "0"),
        (lambda: gabor_kernel(2, 0, 4, 0, -1), "-1"),
        (lambda: gabor_kernel(2, float("inf"), 4, 0, 1), "inf"),
        (lambda: edge_kernel(0, "canny"), "'canny'"),
        (lambda: edge_kernel(None), "None"),
        (lambda: motion_blur_kernel(0.5, 0), "0.5"),
        (lambda: motion_blur_kernel(16, 0), "16"),
        (lambda: disk_kernel(7.5), "7.5"),
        (lambda: disk_kernel(-1), "-1"),
        (lambda: box_kernel(4), "4"),
        (lambda: box_kernel(True), "True"),
    ],
)
def test_bad_values_raise_valueerror_quoting_them(call, quoted) -> None:
    with pytest.raises(ValueError, match=re.escape(quoted)):
        call()


# --- GENERATORS ----------------------------------------------------------------------------------


def test_every_generator_is_described() -> None:
    names = {"gaussian", "log", "dog", "gabor", "edge", "motion_blur", "disk", "box"}
    assert set(GENERATORS) == names
    for name, g in GENERATORS.items():
        assert g.name == name and g.title and g.description
        assert len({p.name for p in g.params}) == len(g.params)
        for p in g.params:
            if p.is_choice:
                assert p.default in p.choices
            else:
                assert p.minimum <= p.default <= p.maximum and p.step > 0
                assert p.decimals >= 0


def _values(p: ParamSpec) -> list[float | str]:
    if p.is_choice:
        return list(p.choices)
    return sorted({p.minimum, p.default, p.maximum})


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_parameter_at_its_limits_gives_a_kernel_within_the_app_limit(name) -> None:
    g = GENERATORS[name]
    for p in g.params:
        for v in _values(p):
            other = {"sigma1": "sigma2", "sigma2": "sigma1"}.get(p.name)
            if name == "dog" and other and v == g.defaults()[other]:
                continue  # equal σ₁ and σ₂ are refused (tested above)
            k = g.make(**{p.name: v})
            assert k.dtype == np.float64 and k.ndim == 2
            assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1
            assert 1 <= k.shape[0] <= MAX_SIDE, (name, p.name, v, k.shape)
            assert np.all(np.isfinite(k)) and np.any(k != 0)


def test_make_passes_values_to_the_function() -> None:
    np.testing.assert_array_equal(GENERATORS["gaussian"].make(sigma=2.0), gaussian_kernel(2.0))
    np.testing.assert_array_equal(
        GENERATORS["gaussian"].make(sigma=2.0, size=5), gaussian_kernel(2.0, size=5)
    )
    np.testing.assert_array_equal(
        GENERATORS["edge"].make(angle_deg=30, operator="farid"), edge_kernel(30, "farid")
    )
    np.testing.assert_array_equal(
        GENERATORS["gabor"].make(theta=45, psi=90),
        gabor_kernel(2.0, 45, 5.0, 90, 1.0),
    )
    np.testing.assert_array_equal(GENERATORS["box"].make(size=1), np.ones((1, 1)))


@pytest.mark.parametrize(
    ("name", "values", "quoted"),
    [
        ("gaussian", {"sigma": 99}, "99"),
        ("gaussian", {"sigam": 1}, "'sigam'"),
        ("edge", {"operator": "roberts"}, "'roberts'"),
        ("box", {"size": 4}, "4"),
        ("motion_blur", {"length": "long"}, "'long'"),
    ],
)
def test_make_refuses_bad_values_quoting_them(name, values, quoted) -> None:
    with pytest.raises(ValueError, match=re.escape(quoted)):
        GENERATORS[name].make(**values)


SUMS = {"gaussian": 1.0, "log": 0.0, "dog": 0.0, "edge": 0.0, "motion_blur": 1.0, "disk": 1.0,
        "box": 1.0}  # fmt: skip


@st.composite
def generator_values(draw):
    name = draw(st.sampled_from(list(GENERATORS)))
    values = {}
    for p in GENERATORS[name].params:
        if p.is_choice:
            values[p.name] = draw(st.sampled_from(p.choices))
        elif p.name == "size":
            values[p.name] = draw(st.sampled_from(range(1, MAX_SIDE + 1, 2)))
        else:
            values[p.name] = draw(
                st.floats(p.minimum, p.maximum, allow_nan=False, allow_infinity=False)
            )
    if name == "dog":
        assume(values["sigma1"] != values["sigma2"])
    return name, values


@settings(max_examples=300, deadline=None)
@given(generator_values())
def test_any_slider_position_gives_a_valid_kernel(case) -> None:
    name, values = case
    k = GENERATORS[name].make(**values)
    assert k.dtype == np.float64 and k.shape[0] == k.shape[1]
    assert k.shape[0] % 2 == 1 and k.shape[0] <= MAX_SIDE
    assert np.all(np.isfinite(k)) and np.any(k != 0)
    if name in SUMS:
        assert math.isclose(k.sum(), SUMS[name], abs_tol=1e-12 * max(1.0, np.abs(k).sum()))
    if name in ("gaussian", "motion_blur", "disk", "box"):
        assert np.all(k >= 0)
    if name in ("gaussian", "log", "dog", "disk", "box", "motion_blur"):
        np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)  # centred: flip changes nothing
    if name == "edge":
        np.testing.assert_allclose(k, -k[::-1, ::-1], atol=1e-15)
