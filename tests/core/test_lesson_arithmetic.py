"""The lesson's worked example, with its arithmetic written out by hand.

A 6x6 grid of 0-255 values and the kernel [[1, 2, 1], [2, 4, 2], [1, 2, 1]]: the lesson sums
the products at one interior pixel (198) and, after zero-padding, at the top-left corner
(22). Here both sums are spelled out as literal arithmetic and the engine must give exactly
these numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lesson_grid import GRID, KERNEL
from PIL import Image
from reference import naive_correlate, naive_pool

from convgui.core import correlate2d, get_preset, pool2d, scan_window

# Output (2, 3): the 3x3 window centred on row 2, column 3 (the 25) holds
#   2  5  4
#  10 25 12
#   6 11 10
INTERIOR = 2 * 1 + 5 * 2 + 4 * 1 + 10 * 2 + 25 * 4 + 12 * 2 + 6 * 1 + 11 * 2 + 10 * 1
# Output (0, 0) with zero-padding: the window holds
#   0 0 0
#   0 2 3
#   0 2 4
CORNER = 0 * 1 + 0 * 2 + 0 * 1 + 0 * 2 + 2 * 4 + 3 * 2 + 0 * 1 + 2 * 2 + 4 * 1

REPO = Path(__file__).resolve().parents[2]


def test_hand_sums_are_the_lessons_numbers() -> None:
    assert INTERIOR == 198
    assert CORNER == 22


@pytest.mark.parametrize("method", ["auto", "direct", "separable", "fft"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
def test_engine_gives_exactly_the_hand_sums(dtype, method) -> None:
    out = correlate2d(GRID.astype(dtype), KERNEL, padding="same", boundary="zero", method=method)
    assert out.shape == (6, 6)
    if method in ("auto", "direct"):  # the direct path sums small integers exactly
        assert out[2, 3] == INTERIOR
        assert out[0, 0] == CORNER
    else:  # float32 rounding of sums up to 255 x 16
        tol = 1e-5 * 255 * KERNEL.sum() if dtype != np.float64 else 1e-9
        assert out[2, 3] == pytest.approx(INTERIOR, abs=tol)
        assert out[0, 0] == pytest.approx(CORNER, abs=tol)


def test_lesson_preset_is_the_lessons_kernel() -> None:
    np.testing.assert_array_equal(get_preset("lesson"), KERNEL)


def test_whole_same_output_matches_the_naive_loop_exactly() -> None:
    want, _ = naive_correlate(GRID, KERNEL)
    got = correlate2d(GRID, KERNEL)
    np.testing.assert_array_equal(got, want)  # integers below 2**24: exact in float32


def test_valid_is_the_interior_of_same() -> None:
    same = correlate2d(GRID, KERNEL, padding="same")
    valid = correlate2d(GRID, KERNEL, padding="valid")
    assert valid.shape == (4, 4)
    np.testing.assert_array_equal(valid, same[1:5, 1:5])
    assert valid[1, 2] == INTERIOR  # (2, 3) of "same" is (1, 2) of "valid"


def test_scan_shows_the_nine_products() -> None:
    s = scan_window(GRID, KERNEL, (2, 3))
    np.testing.assert_array_equal(s.values, [[2, 5, 4], [10, 25, 12], [6, 11, 10]])
    np.testing.assert_array_equal(
        s.products, [[2 * 1, 5 * 2, 4 * 1], [10 * 2, 25 * 4, 12 * 2], [6 * 1, 11 * 2, 10 * 1]]
    )
    assert s.total == INTERIOR
    assert not s.is_padding.any()


def test_scan_of_the_zero_padded_corner() -> None:
    s = scan_window(GRID, KERNEL, (0, 0))
    np.testing.assert_array_equal(s.values, [[0, 0, 0], [0, 2, 3], [0, 2, 4]])
    np.testing.assert_array_equal(
        s.is_padding, [[True, True, True], [True, False, False], [True, False, False]]
    )
    assert s.total == CORNER


def test_max_pooling_of_the_result() -> None:
    conv = correlate2d(GRID, KERNEL)
    want = naive_pool(conv, 2)
    got = pool2d(conv, 2)
    assert got.shape == (3, 3)
    np.testing.assert_array_equal(got, want)
    # The pooling window of rows 2-3, columns 2-3 holds the 198, but output (3, 3) beats it:
    #  10 25 12
    #   6 11 10
    #  60 75 80
    out_3_3 = 10 * 1 + 25 * 2 + 12 * 1 + 6 * 2 + 11 * 4 + 10 * 2 + 60 * 1 + 75 * 2 + 80 * 1
    assert conv[2, 3] == INTERIOR
    assert got[1, 1] == out_3_3 == 438


def test_sample_png_holds_the_grid() -> None:
    with Image.open(REPO / "resources" / "samples" / "lesson6x6.png") as im:
        assert im.mode == "L"
        assert im.size == (6, 6)
        pixels = np.asarray(im)
    np.testing.assert_array_equal(pixels, GRID)
