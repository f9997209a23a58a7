"""The engine's entry points agree on what they accept."""

import numpy as np
import pytest

from convgui.core import CellParseError, correlate2d, pad_image, parse_cell, scan_window

IMG = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("boundary", ["zero", "replicate", "reflect", "mirror", "wrap"])
def test_cval_is_ignored_unless_the_boundary_is_constant(boundary: str) -> None:
    k = np.ones((3, 3))
    a = correlate2d(IMG, k, boundary=boundary, cval=np.nan)
    assert np.array_equal(a, correlate2d(IMG, k, boundary=boundary))
    assert np.all(np.isfinite(pad_image(IMG, (1, 1, 1, 1), boundary=boundary, cval=np.nan)))
    assert np.isfinite(scan_window(IMG, k, (0, 0), boundary=boundary, cval=np.nan).total)


@pytest.mark.parametrize(
    "call",
    [
        lambda: correlate2d(IMG, np.ones((3, 3)), boundary="constant", cval=np.nan),
        lambda: pad_image(IMG, (1, 1, 1, 1), boundary="constant", cval=np.inf),
        lambda: scan_window(IMG, np.ones((3, 3)), (0, 0), boundary="constant", cval=np.nan),
    ],
)
def test_a_constant_boundary_needs_a_finite_value(call) -> None:
    with pytest.raises(ValueError, match="cval"):
        call()


def test_a_channel_of_a_grey_image_other_than_0_is_refused() -> None:
    assert scan_window(IMG, np.ones((1, 1)), (1, 1), channel=0).total == IMG[1, 1]
    with pytest.raises(ValueError, match="channel 2"):
        scan_window(IMG, np.ones((1, 1)), (1, 1), channel=2)


@pytest.mark.parametrize("text", ["١/٣", "１２", "٣", "𝟙"])
def test_only_ascii_digits_are_numbers(text: str) -> None:
    with pytest.raises(CellParseError, match="Type a number"):
        parse_cell(text)
