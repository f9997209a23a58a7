"""Kernel analysis against independent references.

The output range against every black/white 3 × 3 image; symmetry and ``flip_matters`` against
``scipy.ndimage`` correlation and convolution; the rank against ``np.linalg.matrix_rank``; the
frequency response against a DFT written out as a sum here; the low/high/band-pass label on
kernels whose response is known.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi

from convgui.core.analysis import (
    SYMMETRIES,
    analyze_kernel,
    frequency_response,
    response_bands,
    response_kind,
)
from convgui.core.generators import (
    EDGE_OPERATORS,
    box_kernel,
    disk_kernel,
    dog_kernel,
    edge_kernel,
    gabor_kernel,
    gaussian_kernel,
    log_kernel,
    motion_blur_kernel,
)
from convgui.core.kernels import get_preset

RNG = np.random.default_rng(12)

# --- sum and output range ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lesson", "sharpen", "sobel_x", "emboss", "outline", "box_blur"])
def test_output_range_is_the_extremes_over_every_black_and_white_image(name) -> None:
    k = get_preset(name)
    outputs = [
        float(np.sum(k * np.array(bits, dtype=float).reshape(3, 3) * 255))
        for bits in itertools.product((0, 1), repeat=9)
    ]
    a = analyze_kernel(k)
    assert math.isclose(a.out_min, min(outputs), abs_tol=1e-9)
    assert math.isclose(a.out_max, max(outputs), abs_tol=1e-9)
    assert math.isclose(a.total, float(k.sum()), abs_tol=1e-12)
    # A flat region of value v becomes total × v.
    flat = np.full((7, 7), 100.0)
    assert math.isclose(ndi.correlate(flat, k)[3, 3], a.total * 100, rel_tol=1e-12, abs_tol=1e-9)


def test_known_sums_and_ranges() -> None:
    a = analyze_kernel(get_preset("lesson"))
    assert (a.total, a.out_min, a.out_max) == (16.0, 0.0, 16 * 255.0)
    a = analyze_kernel(get_preset("sharpen"))
    assert (a.total, a.out_min, a.out_max) == (1.0, -4 * 255.0, 5 * 255.0)
    a = analyze_kernel([[-1, 2]], input_range=(-1.0, 1.0))
    assert (a.out_min, a.out_max) == (-3.0, 3.0)


# --- symmetry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel", "symmetry", "also"),
    [
        (
            get_preset("gaussian_5"),
            "rotation-180 symmetric",
            {"mirror left-right", "mirror up-down"},
        ),
        (get_preset("motion_blur"), "rotation-180 symmetric", set()),
        (get_preset("sobel_x"), "antisymmetric", {"mirror up-down"}),
        (get_preset("sobel_y"), "antisymmetric", {"mirror left-right"}),
        ([[1, 2, 1], [0, 0, 0], [0, 0, 0]], "mirror left-right", set()),
        ([[1, 0, 0], [2, 0, 0], [1, 0, 0]], "mirror up-down", set()),
        (get_preset("emboss"), "no symmetry", set()),
        (edge_kernel(30, "farid"), "antisymmetric", set()),
        (gabor_kernel(2.0, 30.0, 5.0, 0.0, 0.7), "rotation-180 symmetric", set()),
    ],
)
def test_symmetry_labels(kernel, symmetry, also) -> None:
    a = analyze_kernel(kernel)
    assert a.symmetry == symmetry
    assert set(a.symmetries) - {symmetry} == also
    assert a.symmetry_note == SYMMETRIES[symmetry]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([1, 3, 5]),
    st.sampled_from([1, 3, 5]),
    st.sampled_from(["random", "symmetric", "antisymmetric"]),
    st.integers(0, 2**32 - 1),
)
def test_flip_matters_iff_convolution_differs_from_correlation(rows, cols, kind, seed) -> None:
    rng = np.random.default_rng(seed)
    k = rng.integers(-3, 4, size=(rows, cols)).astype(float)
    if kind == "symmetric":
        k = k + k[::-1, ::-1]
    elif kind == "antisymmetric":
        k = k - k[::-1, ::-1]
    img = rng.random((12, 12))
    differs = not np.allclose(ndi.correlate(img, k), ndi.convolve(img, k), atol=1e-12)
    a = analyze_kernel(k)
    assert a.flip_matters == differs
    if kind == "symmetric":
        assert not a.flip_matters and a.symmetry == "rotation-180 symmetric"
    if kind == "antisymmetric" and np.any(k):
        assert a.symmetry == "antisymmetric"


def test_flip_of_an_antisymmetric_kernel_negates_the_output() -> None:
    img = RNG.random((10, 10))
    k = get_preset("sobel_x")
    assert analyze_kernel(k).symmetry == "antisymmetric"
    np.testing.assert_allclose(ndi.convolve(img, k), -ndi.correlate(img, k), atol=1e-12)
    k = get_preset("emboss")
    assert analyze_kernel(k).flip_matters
    assert not np.allclose(ndi.convolve(img, k), ndi.correlate(img, k))
    k = get_preset("gaussian_3")
    assert not analyze_kernel(k).flip_matters
    np.testing.assert_allclose(ndi.convolve(img, k), ndi.correlate(img, k), atol=1e-12)


# --- rank and factors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("sobel_x", "[1 2 1]ᵀ × [−1 0 1]"),
        ("sobel_y", "[−1 0 1]ᵀ × [1 2 1]"),
        ("scharr_x", "[3 10 3]ᵀ × [−1 0 1]"),
        ("prewitt_y", "[−1 0 1]ᵀ × [1 1 1]"),
        ("lesson", "[1 2 1]ᵀ × [1 2 1]"),
        ("gaussian_3", "[1 2 1]ᵀ × [1 2 1] / 16"),
        ("gaussian_5", "[1 4 6 4 1]ᵀ × [1 4 6 4 1] / 256"),
        ("box_blur", "[1 1 1]ᵀ × [1 1 1] / 9"),
        ("box_blur_5", "[1 1 1 1 1]ᵀ × [1 1 1 1 1] / 25"),
        ("identity", "[0 1 0]ᵀ × [0 1 0]"),
    ],
)
def test_exact_small_integer_factors_of_presets(name, text) -> None:
    k = get_preset(name)
    a = analyze_kernel(k)
    assert a.rank == 1 and a.separable and a.exact
    assert a.factor_text == text
    np.testing.assert_array_equal(np.outer(a.int_column, a.int_row) / a.divisor, k)
    assert a.column is not None and a.row is not None
    np.testing.assert_allclose(np.outer(a.column, a.row), k, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["sharpen", "laplacian", "outline", "emboss", "unsharp_5"])
def test_presets_that_are_not_separable(name) -> None:
    k = get_preset(name)
    a = analyze_kernel(k)
    assert a.rank == np.linalg.matrix_rank(k) >= 2
    assert not a.separable and not a.exact
    assert a.column is None and a.row is None and a.factor_text == ""


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(-9, 9), min_size=1, max_size=7),
    st.lists(st.integers(-9, 9), min_size=1, max_size=7),
    st.integers(1, 300),
)
def test_random_integer_products_are_factored_exactly(col, row, d) -> None:
    a_vec, b_vec = np.array(col), np.array(row)
    k = np.outer(a_vec, b_vec) / d
    a = analyze_kernel(k)
    if not np.any(k):
        assert a.rank == 0 and not a.separable
        return
    assert a.rank == 1 and a.exact
    np.testing.assert_allclose(np.outer(a.int_column, a.int_row) / a.divisor, k, atol=1e-15)
    assert a.divisor <= d
    # Fully reduced: no integer divides both factors and the divisor.
    assert math.gcd(*a.int_column, *a.int_row, a.divisor) == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_rank_is_numpys_and_factors_reproduce_the_kernel(rows, cols, rank, seed) -> None:
    rng = np.random.default_rng(seed)
    k = sum(
        np.outer(rng.normal(size=rows), rng.normal(size=cols)) for _ in range(min(rank, rows, cols))
    )
    k = np.atleast_2d(k)
    a = analyze_kernel(k)
    assert a.rank == np.linalg.matrix_rank(k)
    sv = np.linalg.svd(k, compute_uv=False)
    np.testing.assert_allclose(a.singular_values, sv, rtol=1e-9, atol=1e-12 * sv[0])
    if a.separable:
        assert a.column is not None and a.row is not None
        np.testing.assert_allclose(np.outer(a.column, a.row), k, atol=1e-12)
        assert a.factor_text.count("ᵀ × ") == 1


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda r: st.integers(1, 6).flatmap(
            lambda c: st.lists(
                st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=c, max_size=c),
                min_size=r,
                max_size=r,
            )
        )
    )
)
def test_any_finite_kernel_is_analysed_without_error_or_warning(rows) -> None:
    # Warnings are errors in this suite: weights up to 1e308 must not overflow into NaN.
    k = np.array(rows, dtype=float)
    a = analyze_kernel(k)
    assert not math.isnan(a.out_min) and not math.isnan(a.out_max)
    assert a.out_min <= a.out_max
    assert 0 <= a.rank <= min(k.shape)
    if a.separable and np.all(np.abs(k) < 1e150):
        assert a.column is not None and a.row is not None
        np.testing.assert_allclose(np.outer(a.column, a.row), k, atol=1e-9 * np.abs(k).max())
    r = frequency_response(k, n=8)
    assert not np.any(np.isnan(r.magnitude))
    assert response_kind(k) in ("low-pass", "high-pass", "band-pass", "")


def test_typed_decimals_are_separable_but_not_exact() -> None:
    a = analyze_kernel(np.full((3, 3), 0.1111))
    assert a.separable and not a.exact and a.divisor == 1 and a.int_column == ()
    assert a.factor_text == "[0.3333 0.3333 0.3333]ᵀ × [0.3333 0.3333 0.3333]"


def test_generated_kernels_rank() -> None:
    assert analyze_kernel(gaussian_kernel(1.5)).rank == 1
    assert analyze_kernel(edge_kernel(30)).rank == 2
    assert analyze_kernel(edge_kernel(90, "farid")).rank == 1
    assert analyze_kernel(motion_blur_kernel(5, 0)).factor_text == "[0 0 1 0 0]ᵀ × [1 1 1 1 1] / 5"
    assert analyze_kernel(box_kernel(5)).exact
    assert analyze_kernel(disk_kernel(2)).rank > 1


def test_zero_kernel() -> None:
    a = analyze_kernel(np.zeros((3, 3)))
    assert (a.total, a.out_min, a.out_max, a.rank) == (0.0, 0.0, 0.0, 0)
    assert not a.separable and not a.flip_matters and a.factor_text == ""


def test_the_input_is_not_modified() -> None:
    k = get_preset("sobel_y")
    before = k.copy()
    analyze_kernel(k)
    frequency_response(k)
    np.testing.assert_array_equal(k, before)


@pytest.mark.parametrize(
    ("call", "quoted"),
    [
        (lambda: analyze_kernel([[1, float("nan")]]), "nan"),
        (lambda: analyze_kernel([1, 2, 3]), "(3,)"),
        (lambda: analyze_kernel([[1]], input_range=(255, 0)), "(255, 0)"),
        (lambda: analyze_kernel([[1]], rank_tol=-1), "-1"),
        (lambda: frequency_response(np.ones((5, 5)), n=4), "4"),
        (lambda: frequency_response([[1]], n=2.5), "2.5"),
        (lambda: frequency_response([[1]]).profile(2), "2"),
    ],
)
def test_bad_values_raise_valueerror_quoting_them(call, quoted) -> None:
    with pytest.raises(ValueError, match=re.escape(quoted)):
        call()


# --- frequency response --------------------------------------------------------------------------


def naive_dft_magnitude(k: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """|Σ k[y, x] exp(−2πi (fy·y + fx·x))| summed term by term."""
    out = np.zeros((freqs.size, freqs.size))
    for i, fy in enumerate(freqs):
        for j, fx in enumerate(freqs):
            h = 0j
            for (y, x), v in np.ndenumerate(k):
                h += v * complex(math.cos(-2 * math.pi * (fy * y + fx * x)),
                                 math.sin(-2 * math.pi * (fy * y + fx * x)))  # fmt: skip
            out[i, j] = abs(h)
    return out


@pytest.mark.parametrize(
    ("kernel", "n"),
    [
        (get_preset("sobel_x"), 8),
        (get_preset("emboss"), 16),
        (RNG.normal(size=(3, 5)), 10),
        (log_kernel(1.0, size=5), 9),
    ],
)
def test_frequency_response_is_the_dft_written_out(kernel, n) -> None:
    r = frequency_response(kernel, n=n)
    freqs = (np.arange(n) - n // 2) / n
    np.testing.assert_allclose(r.fx, freqs, atol=1e-15)
    np.testing.assert_allclose(r.fy, freqs, atol=1e-15)
    assert r.magnitude.shape == (n, n)
    np.testing.assert_allclose(r.magnitude, naive_dft_magnitude(kernel, freqs), atol=1e-12)
    assert math.isclose(r.magnitude[n // 2, n // 2], abs(kernel.sum()), abs_tol=1e-12)


def test_profile_is_the_line_through_dc() -> None:
    k = get_preset("sobel_x")  # varies along x: no response to purely vertical frequencies
    r = frequency_response(k, n=16)
    f, h = r.profile(1)
    np.testing.assert_array_equal(f, r.fx)
    # Sobel x along fx: |4 · 2 sin(2π fx)| (the [1 2 1] factor is 4 at fy = 0).
    np.testing.assert_allclose(h, np.abs(8 * np.sin(2 * np.pi * f)), atol=1e-12)
    f0, h0 = r.profile(0)
    np.testing.assert_array_equal(f0, r.fy)
    np.testing.assert_allclose(h0, 0, atol=1e-12)


def test_box_response_is_the_dirichlet_kernel() -> None:
    r = frequency_response(box_kernel(3), n=12)
    f, h = r.profile(1)
    np.testing.assert_allclose(h, np.abs(1 + 2 * np.cos(2 * np.pi * f)) / 3, atol=1e-12)


# --- low / high / band-pass ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel", "kind"),
    [
        (box_kernel(3), "low-pass"),
        (box_kernel(7), "low-pass"),
        (get_preset("lesson"), "low-pass"),
        (gaussian_kernel(1.0), "low-pass"),
        (gaussian_kernel(3.0), "low-pass"),
        (disk_kernel(3), "low-pass"),
        (motion_blur_kernel(9, 30), "low-pass"),
        (get_preset("motion_blur"), "low-pass"),
        (get_preset("laplacian"), "high-pass"),
        (get_preset("outline"), "high-pass"),
        (get_preset("sharpen"), "high-boost"),  # |H| 1 at DC rising to 9 at the corner
        (get_preset("unsharp_5"), "high-boost"),
        (-get_preset("unsharp_5"), "high-boost"),  # the same |H|
        (2 * get_preset("unsharp_5"), ""),  # |H(DC)| = 2: brighter, not just sharper
        (2 * get_preset("sharpen"), "high-pass"),
        # |H(DC)| = 1 and a rise, but the rise drops clearly near Nyquist: still band-pass.
        (get_preset("emboss"), "band-pass"),
        (log_kernel(0.5), "high-pass"),
        (dog_kernel(1.0, 2.0), "band-pass"),
        (dog_kernel(0.8, 1.6), "band-pass"),
        (dog_kernel(2.0, 4.0), "band-pass"),
        # σ₁ = 0.5 is about one pixel: the narrow Gaussian passes Nyquist, so the DoG is
        # a high-pass on the pixel grid (|H| near Nyquist is 0.45 against 0.55 in between).
        (dog_kernel(0.5, 1.0), "high-pass"),
        (log_kernel(1.5), "band-pass"),
        (gabor_kernel(2.0, 30.0, 4.0, 90.0, 1.0), "band-pass"),
        (get_preset("identity"), ""),
        (np.zeros((3, 3)), ""),
    ],
)
def test_response_kind(kernel, kind) -> None:
    assert response_kind(kernel) == kind


@pytest.mark.parametrize("op", EDGE_OPERATORS)
@pytest.mark.parametrize("angle", [0, 30, 45, 90, 200])
def test_first_derivative_kernels_are_band_pass(op, angle) -> None:
    assert response_kind(edge_kernel(angle, op)) == "band-pass"


def test_response_bands_are_read_from_the_magnitude() -> None:
    k = get_preset("laplacian")
    dc, mid, high = response_bands(k)
    assert dc == 0.0
    # Near Nyquist the Laplacian reaches |−4 + 2cos π + 2cos π| = 8 at the corner; the mean is
    # below that and above the mid rings'.
    assert mid < high < 8
    r = frequency_response(k)
    assert math.isclose(r.magnitude.max(), 8.0, rel_tol=1e-12)


def test_unsharp_mask_is_a_high_boost_from_1_at_dc_to_2() -> None:
    # Unsharp mask 5×5 = 2·identity − the binomial Gaussian [1 4 6 4 1]ᵀ[1 4 6 4 1] / 256,
    # whose response per axis is cos⁴(πf): H = 2 − cos⁴(πfx)·cos⁴(πfy), real and ≥ 1.
    k = get_preset("unsharp_5")
    b = np.array([1.0, 4, 6, 4, 1])
    ident = np.zeros((5, 5))
    ident[2, 2] = 1
    np.testing.assert_allclose(k, 2 * ident - np.outer(b, b) / 256, atol=1e-15)
    r = frequency_response(k)
    fy, fx = np.meshgrid(r.fy, r.fx, indexing="ij")
    want = 2 - np.cos(np.pi * fx) ** 4 * np.cos(np.pi * fy) ** 4
    np.testing.assert_allclose(r.magnitude, want, atol=1e-12)
    dc, _mid, high = response_bands(k)
    assert math.isclose(dc, 1.0) and high >= 1.9
    assert response_kind(k) == "high-boost"
