"""How numbers are written for people (convgui.core.text): exact where that is short.

The reference for "exact" is numpy's shortest round-trip text of the float32 value
(``np.format_float_positional``), not the tolerance test the module uses.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convgui.core.text import exact_decimal, format_factor, format_value, pretty_number


def shortest_f32(v: float) -> str:
    """The shortest decimal that reads back as the same float32 (numpy's own algorithm)."""
    return np.format_float_positional(np.float32(v), trim="-")


def is_short(text: str) -> bool:
    """At most 3 decimals and 5 significant digits."""
    d = Decimal(text).normalize()
    _sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    return -exponent <= 3 and len(digits) <= 5


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (127.5, "127.5"),  # the worked sum 124 ÷ 1 + 3.5: no longer written 128
        (12.25, "12.25"),
        (54.45, "54.45"),
        (-0.575, "-0.575"),
        (22 / 16, "1.375"),
        (1234.6, "1234.6"),
        (-99.99, "-99.99"),
        (0.001, "0.001"),
        (198.0, "198"),
        (-3.0, "-3"),
        (0.0, "0"),
        (198.00001, "198"),  # float32 noise around an integer
    ],
)
def test_short_decimals_are_written_exactly_from_float32(value: float, text: str) -> None:
    f32 = float(np.float32(value))
    assert format_value(f32) == text
    assert format_value(value) == text
    assert shortest_f32(round(value, 3)) == text  # the reference agrees


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1 / 3, "0.333"),  # not a short decimal: 3 significant digits as before
        (-0.5755, "-0.576"),  # 4 decimals
        (12345.5, "12346"),  # 6 significant digits: no decimals from 100 on
        (37 / 3, "12.3"),
        (2.5e-4, "2.5e-04"),
        (1e7 + 0.5, "10000000"),
    ],
)
def test_other_values_keep_three_significant_digits(value: float, text: str) -> None:
    assert format_value(value) == text
    assert exact_decimal(value) is None


@pytest.mark.parametrize("v", [math.nan, math.inf, -math.inf])
def test_non_finite(v: float) -> None:
    assert format_value(v) == str(v)
    assert exact_decimal(v) is None


@given(
    st.integers(min_value=-99_999, max_value=99_999).filter(lambda n: n % 10 != 0),
    st.integers(min_value=1, max_value=3),
)
def test_every_short_decimal_reads_back_exactly(digits: int, decimals: int) -> None:
    want = Decimal(digits).scaleb(-decimals)
    if not is_short(str(want)):
        return  # more than 5 significant digits: not written exactly
    shown = format_value(float(np.float32(float(want))))
    assert Decimal(shown) == want, (want, shown)


@given(st.floats(min_value=-1e5, max_value=1e5, width=32, allow_subnormal=False))
def test_written_exactly_only_when_the_float32_is_a_short_decimal(v: float) -> None:
    shown = format_value(v)
    ref = shortest_f32(v)
    if abs(v - round(v)) < 1e-6:  # an integer up to float32 noise
        assert shown == str(round(v))
    elif is_short(ref):
        assert shown == ref
    else:
        # Not a short decimal in float32: within the module's tolerance of one (float32
        # noise of a computed sum), or 3 significant digits (no decimals from 100 on,
        # two significant digits below 0.001, as 9.2e-04).
        near = exact_decimal(v)
        if near is not None:
            assert shown == near and abs(float(near) - v) <= 1e-6 * abs(v)
        else:
            digits = 3 if abs(v) >= 0.001 else 2
            unit = 10.0 ** (math.floor(math.log10(abs(v))) - digits + 1)
            unit = 1.0 if abs(v) >= 100 else unit
            assert abs(float(shown) - v) <= 0.5 * unit * (1 + 1e-9), (v, shown)


def test_worked_sum_adds_up() -> None:
    # 124 ÷ 1 + 3.5 as the arithmetic panel writes it.
    total, bias = np.float32(124.0), np.float32(3.5)
    written = f"{pretty_number(float(total))} ÷ 1 + {format_factor(float(bias))}"
    written += f" = {pretty_number(float(total + bias))}"
    assert written == "124 ÷ 1 + 3.5 = 127.5"
    assert format_factor(float(np.float32(-0.575))) == "(−0.575)"
