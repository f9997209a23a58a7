"""Numbers in cells: never smaller than readable; fewer digits, or none with a hint."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from convgui.gui.image_view import MIN_LABEL_PX, label_plan, short_value


@pytest.mark.parametrize("px", [20, 26, 30, 34, 40, 60, 120])
@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_labels_are_never_below_the_readable_size(px: float, scale: float) -> None:
    values = np.array([2.0, 198.0, 2030.0, 0.00390625, -12.5])
    plan = label_plan(values, px, scale)
    if plan is None:
        return
    fmt, size = plan
    assert size >= MIN_LABEL_PX * scale - 1e-9
    longest = max(len(fmt(float(v))) for v in values)
    assert longest * 0.62 * size <= px - 4 + 1e-9, "the longest label fits its cell"


def test_fewer_digits_before_none() -> None:
    values = np.array([2030.0, 3040.0, 12.0])
    full = label_plan(values, 60, 1.0)
    assert full is not None and full[0](2030.0) == "2030"
    short = label_plan(values, 28, 1.0)
    assert short is not None and short[0](2030.0) == "2k" and short[1] >= MIN_LABEL_PX
    assert label_plan(values, 24, 1.0) is None
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
