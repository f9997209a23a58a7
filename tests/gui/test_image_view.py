"""Numbers in cells: never smaller than readable; fewer digits, or none with a hint."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from convgui.gui.image_view import MIN_LABEL_PX, label_plan, short_value

VALUES = np.array([2.0, 198.0, 2030.0, 0.00390625, -12.5, 1530.0])


@pytest.mark.parametrize("px", [20, 26, 28, 30, 34, 40, 60, 120])
@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_labels_are_never_below_the_readable_size(px: float, scale: float) -> None:
    plan = label_plan(VALUES, px, scale)
    if plan is None:
        assert px / 2.4 < MIN_LABEL_PX * scale
        return
    text, size = plan
    assert size >= int(MIN_LABEL_PX * scale)
    for v in VALUES:
        t = text(float(v))
        if t is not None:
            assert len(t) * 0.62 * size <= px - 4 + 1e-9, (v, t, "fits its cell")


def test_full_numbers_then_fewer_digits_then_none_per_cell() -> None:
    full = label_plan(VALUES, 80, 1.0)
    assert full is not None and full[0](2030.0) == "2030"
    text, size = label_plan(VALUES, 28, 1.0) or (None, 0)
    assert text is not None and size == MIN_LABEL_PX
    assert text(22.0) == "22"  # short values are written in full
    assert text(2030.0) == "2k"  # long ones with fewer digits
    assert text(1530.0) is None  # and what does not fit even then is left out
    assert label_plan(VALUES, 24, 1.0) is None  # cells too small for any number
    assert short_value(1530.0) == "1.5k" and short_value(0.00390625) == ".0039"


def test_a_larger_text_scale_draws_larger_numbers() -> None:
    values = np.array([1.0, 25.0])
    a, b = label_plan(values, 80, 1.0), label_plan(values, 80, 1.5)
    assert a is not None and b is not None and b[1] > a[1]


def test_the_view_says_zoom_in_when_cells_are_too_small_for_numbers(
    window: Any, qtbot: Any
) -> None:
    view = window.output_view
    window.state.apply_preset("lesson")  # outputs in the thousands: "2030" needs room
    window.resize(1024, 700)
    qtbot.wait(20)
    vb = view.view
    # Zoom so an output cell is about 16 screen pixels: too small for any number.
    vb.setRange(xRange=(0, vb.width() / 16), yRange=(0, vb.height() / 16), padding=0)
    qtbot.waitUntil(lambda: view.hint.isVisible(), timeout=2000)
    assert view.hint.text() == "zoom in for values"
    # Zoomed in, the numbers come back and the hint goes.
    vb.setRange(xRange=(0, vb.width() / 70), yRange=(0, vb.height() / 70), padding=0)
    qtbot.waitUntil(lambda: not view.hint.isVisible(), timeout=2000)
    assert view.values.fits is True
