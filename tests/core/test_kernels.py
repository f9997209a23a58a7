"""Kernel presets, ``normalize_kernel``, ``resize_centered``, ``parse_cell`` and ``format_number``.

Preset values are checked against their textbook definitions written out here; ``parse_cell``
against a list of accepted and rejected texts and, with hypothesis, against every finite
float and arbitrary text.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import naive_correlate

from convgui.core import (
    ACCEPTED_HELP,
    PRESETS,
    CellParseError,
    correlate2d,
    format_number,
    get_preset,
    normalize_kernel,
    parse_cell,
    resize_centered,
)

# The presets the issue names, by their key in PRESETS.
REQUIRED = {
    "identity": "identity",
    "box blur": "box_blur",
    "Gaussian 3x3": "gaussian_3",
    "Gaussian 5x5": "gaussian_5",
    "sharpen": "sharpen",
    "unsharp mask 5x5": "unsharp_5",
    "Laplacian": "laplacian",
    "outline": "outline",
    "Sobel x": "sobel_x",
    "Sobel y": "sobel_y",
    "Prewitt x": "prewitt_x",
    "Prewitt y": "prewitt_y",
    "Scharr": "scharr_x",
    "emboss": "emboss",
    "motion blur": "motion_blur",
}
BLURS = ["box_blur", "box_blur_5", "gaussian_3", "gaussian_5", "motion_blur"]
EDGES = [
    "laplacian",
    "outline",
    "sobel_x",
    "sobel_y",
    "prewitt_x",
    "prewitt_y",
    "scharr_x",
    "scharr_y",
]
X_GRADIENTS = ["sobel_x", "prewitt_x", "scharr_x"]
Y_GRADIENTS = ["sobel_y", "prewitt_y", "scharr_y"]

B3 = np.array([1.0, 2.0, 1.0])
B5 = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
TEXTBOOK = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box_blur": np.full((3, 3), 1 / 9),
    "gaussian_3": np.outer(B3, B3) / 16,
    "gaussian_5": np.outer(B5, B5) / 256,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt_y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "scharr_x": [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]],
}


# --- presets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "key"), list(REQUIRED.items()))
def test_every_preset_of_the_issue_exists(label, key) -> None:
    assert key in PRESETS, label
    p = PRESETS[key]
    assert p.name == key
    assert p.title and p.description
    k = get_preset(key)
    assert k.dtype == np.float64 and k.ndim == 2
    assert np.all(np.isfinite(k))


def test_preset_shapes() -> None:
    assert get_preset("gaussian_3").shape == (3, 3)
    assert get_preset("gaussian_5").shape == (5, 5)
    assert get_preset("unsharp_5").shape == (5, 5)


@pytest.mark.parametrize("key", list(TEXTBOOK))
def test_preset_values_are_the_textbook_ones(key) -> None:
    np.testing.assert_allclose(get_preset(key), TEXTBOOK[key], rtol=1e-15, atol=0)


def test_unsharp_mask_is_two_identities_minus_the_gaussian() -> None:
    identity = np.zeros((5, 5))
    identity[2, 2] = 1
    np.testing.assert_allclose(
        get_preset("unsharp_5"), 2 * identity - np.outer(B5, B5) / 256, atol=1e-15
    )


def test_motion_blur_is_a_normalized_line() -> None:
    k = get_preset("motion_blur")
    assert np.count_nonzero(k) == k.shape[0] >= 3
    assert np.all(k[k != 0] == k[k != 0][0])


@pytest.mark.parametrize("key", [*BLURS, "identity", "sharpen", "unsharp_5", "emboss"])
def test_brightness_preserving_presets_sum_to_one(key) -> None:
    assert get_preset(key).sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("key", EDGES)
def test_edge_presets_sum_to_zero(key) -> None:
    assert get_preset(key).sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("key", BLURS)
def test_blurs_are_non_negative(key) -> None:
    assert np.all(get_preset(key) >= 0)


def _step(vertical_edge: bool) -> np.ndarray:
    """Dark (0) left/top half, bright (200) right/bottom half."""
    x = np.zeros((8, 8), dtype=np.uint8)
    if vertical_edge:
        x[:, 4:] = 200
    else:
        x[4:, :] = 200
    return x


@pytest.mark.parametrize("key", X_GRADIENTS)
def test_x_gradients_respond_positively_to_dark_left_bright_right(key) -> None:
    k = get_preset(key)
    out = correlate2d(_step(vertical_edge=True), k, padding="valid")
    # Windows straddling the edge (columns 3 and 4 of the image at their centre) are positive,
    # windows on flat areas are zero.
    strength = 200 * k[:, 2].sum()
    np.testing.assert_array_equal(out[:, 2:4], strength)
    assert strength > 0
    np.testing.assert_array_equal(out[:, [0, 1, 4, 5]], 0)
    # No flip: true convolution sees the step the other way round.
    np.testing.assert_array_equal(
        correlate2d(_step(vertical_edge=True), k, padding="valid", flip=True), -out
    )
    # A horizontal edge gives no x-gradient.
    np.testing.assert_array_equal(correlate2d(_step(vertical_edge=False), k, padding="valid"), 0)


@pytest.mark.parametrize("key", Y_GRADIENTS)
def test_y_gradients_respond_positively_to_dark_top_bright_bottom(key) -> None:
    k = get_preset(key)
    out = correlate2d(_step(vertical_edge=False), k, padding="valid")
    assert np.all(out[2:4, :] > 0)
    np.testing.assert_array_equal(out[[0, 1, 4, 5], :], 0)
    np.testing.assert_array_equal(correlate2d(_step(vertical_edge=True), k, padding="valid"), 0)


def test_get_preset_returns_a_new_array_and_rejects_unknown_names() -> None:
    k = get_preset("sobel_x")
    k[...] = 99
    assert get_preset("sobel_x")[0, 0] == -1
    with pytest.raises(ValueError, match=r"'sobelx'"):
        get_preset("sobelx")


# --- normalize_kernel ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kernel",
    [[[1, 2], [3, 2]], [[5.0]], np.outer(B5, B5), [[-1, -2], [-3, -2]], [[0.5, -0.25, 1e-3]]],
    ids=["2x2", "1x1", "binomial5", "negative", "mixed"],
)
def test_normalize_divides_by_the_sum(kernel) -> None:
    k = np.array(kernel, dtype=np.float64)
    copy = k.copy()
    got = normalize_kernel(k)
    np.testing.assert_allclose(got, copy / copy.sum(), rtol=1e-15)
    assert got.sum() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(k, copy)


@pytest.mark.parametrize("key", EDGES)
def test_normalize_refuses_zero_sum_kernels(key) -> None:
    with pytest.raises(ValueError, match="sum"):
        normalize_kernel(get_preset(key))


@pytest.mark.parametrize("kernel", [[[0, 0], [0, 0]], [[1, -1]], [[1e300, -1e300]]])
def test_normalize_refuses_other_zero_sums(kernel) -> None:
    with pytest.raises(ValueError, match="cannot be normalized"):
        normalize_kernel(kernel)


# --- resize_centered -----------------------------------------------------------------------------


def test_resize_odd_sizes_keeps_the_centre_cell_in_the_centre() -> None:
    k = np.arange(1.0, 10.0).reshape(3, 3)
    grown = resize_centered(k, 5, 7)
    assert grown.shape == (5, 7)
    np.testing.assert_array_equal(grown[1:4, 2:5], k)
    assert grown[2, 3] == 5.0  # centre stays centre
    assert np.count_nonzero(grown) == 9
    shrunk = resize_centered(np.arange(25.0).reshape(5, 5), 3, 1)
    np.testing.assert_array_equal(shrunk, [[7.0], [12.0], [17.0]])
    assert resize_centered(k, 1, 1)[0, 0] == 5.0


def test_resize_worked_examples_for_even_sizes() -> None:
    # The centre cell, index (n - 1) // 2 on each axis, stays where it is.
    k2 = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        resize_centered(k2, 3, 3), [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [0.0, 3.0, 4.0]]
    )
    k3 = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(resize_centered(k3, 2, 2), [[5.0, 6.0], [8.0, 9.0]])
    np.testing.assert_array_equal(resize_centered(k3, 4, 4)[:3, :3], k3)
    np.testing.assert_array_equal(resize_centered(k2, 4, 4)[1:3, 1:3], k2)
    np.testing.assert_array_equal(resize_centered([[1.0, 2.0, 3.0]], 1, 4), [[1, 2, 3, 0]])


@pytest.mark.parametrize("old", [(1, 1), (2, 2), (3, 3), (2, 3), (5, 4)], ids=str)
def test_resize_grow_then_shrink_round_trips(old) -> None:
    rng = np.random.default_rng(0)
    k = rng.standard_normal(old)
    for rows in range(old[0], 8):
        for cols in range(old[1], 8):
            grown = resize_centered(k, rows, cols, fill=0.5)
            assert grown.shape == (rows, cols)
            assert np.sum(grown == 0.5) == rows * cols - k.size  # fill only around
            np.testing.assert_array_equal(resize_centered(grown, *old), k)


@pytest.mark.parametrize("new", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("old", [1, 2, 3, 4, 5, 6])
def test_resize_keeps_the_keras_anchor(old, new) -> None:
    # The cell that "same" padding lines up with a pixel, (k - 1) // 2, keeps its value.
    k = np.arange(1.0, old * old + 1).reshape(old, old)
    out = resize_centered(k, new, new)
    c_old, c_new = (old - 1) // 2, (new - 1) // 2
    assert out[c_new, c_new] == k[c_old, c_old]


@pytest.mark.parametrize("boundary", ["zero", "reflect"])
@pytest.mark.parametrize("old", [(1, 1), (2, 2), (3, 2), (2, 5)], ids=str)
def test_growing_with_zeros_keeps_the_same_output(old, boundary) -> None:
    # A zero-filled grown kernel filters exactly like the original under "same" padding.
    rng = np.random.default_rng(1)
    image = rng.standard_normal((7, 8))
    k = rng.standard_normal(old)
    want, scale = naive_correlate(image, k, boundary=boundary)
    for rows in range(old[0], 6):
        for cols in range(old[1], 6):
            got = correlate2d(image, resize_centered(k, rows, cols), boundary=boundary)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale.max())


def test_resize_rejects_empty_sizes_and_keeps_its_input() -> None:
    k = np.ones((2, 2))
    with pytest.raises(ValueError, match="0x3"):
        resize_centered(k, 0, 3)
    out = resize_centered(k, 3, 3)
    out[...] = 7
    np.testing.assert_array_equal(k, 1)


# --- parse_cell ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", 2.0),
        ("-0.5", -0.5),
        ("1/9", 1 / 9),
        ("2e-3", 2e-3),
        ("\u22121", -1.0),  # U+2212 MINUS SIGN, as typed on macOS or pasted from a document
        (" 3 ", 3.0),
        (".5", 0.5),
        ("-3/4", -0.75),
        ("-3 / 4", -0.75),
        ("\u22123/4", -0.75),
        ("+4", 4.0),
        ("0", 0.0),
        ("1E2", 100.0),
        ("10.", 10.0),
        ("1e-400", 0.0),  # underflows to zero: finite, accepted
    ],
)
def test_parse_cell_accepts(text, value) -> None:
    got = parse_cell(text)
    assert type(got) is float
    assert got == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\t\n",
        "abc",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e309",
        "-1e309",
        "1/0",
        "1/0.0",
        "0/0",
        "1e300/1e-300",
        "2+3",
        "2*3",
        "__import__('os')",
        "__import__('os').system('true')",
        "1" * 10_000,
        "x" * 10_000,
        "1/2/3",
        "1 2",
        "0x10",
        "1_000",
        "--1",
        "(1)",
        "e5",
        ".",
        "/",
        "1/",
        "/2",
    ],
)
def test_parse_cell_rejects_with_a_message_saying_what_is_accepted(text) -> None:
    with pytest.raises(CellParseError) as info:
        parse_cell(text)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert ACCEPTED_HELP in message
    assert "1/9" in message and "2e-3" in message
    assert len(message) < 200  # a 10,000-character input is not echoed back whole


def test_parse_cell_rejects_non_text() -> None:
    with pytest.raises(CellParseError):
        parse_cell(None)  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_round_trips(x) -> None:
    for text in (repr(x), str(x), f"  {x!r}  ", repr(x).replace("-", "\u2212")):
        got = parse_cell(text)
        assert got == x, text
        assert math.copysign(1.0, got) == math.copysign(1.0, x), text


def _never_crashes(text: str) -> None:
    try:
        value = parse_cell(text)
    except CellParseError as e:
        assert ACCEPTED_HELP in str(e)
        return
    assert type(value) is float
    assert math.isfinite(value)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_parses_to_a_finite_float_or_raises_cell_parse_error(text) -> None:
    _never_crashes(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.eE+-/ \u2212\u2013naifNI()_x*", max_size=30))
def test_number_like_text_parses_to_a_finite_float_or_raises_cell_parse_error(text) -> None:
    _never_crashes(text)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**6), 10**6).filter(lambda d: d != 0),
)
def test_fractions_are_divided(num, den) -> None:
    assert parse_cell(f"{num}/{den}") == num / den


# --- format_number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (1 / 9, "0.1111"),
        (-0.5, "-0.5"),
        (0.0, "0"),
        (-0.0, "0"),
        (2e-5, "2e-05"),
        (100.0, "100"),
        (0.25, "0.25"),
        (-3.0, "-3"),
        (123456.0, "1.235e+05"),
    ],
)
def test_format_number(value, text) -> None:
    assert format_number(value) == text


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_format_number_reads_back_through_parse_cell(x) -> None:
    got = parse_cell(format_number(x))
    assert got == pytest.approx(x, rel=5e-4, abs=1e-300)
