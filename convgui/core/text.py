"""How numbers are written for people: in cells, in sums, in the arithmetic panel and exports.

One place, so the window, the arithmetic panel and the exported frames never disagree on how
``-0.5`` or ``198.00001`` is written.
"""

from __future__ import annotations

import math

#: Values within this relative distance of a short decimal are written as that decimal: the
#: float32 rounding of 127.5 is exact, that of -0.575 is -0.57499998807907 (2e-8 away), and a
#: float32 sum carries a few units of 6e-8 more.
EXACT_RTOL = 1e-6
#: A short decimal has at most this many decimals (3, so that -0.575 and 22/16 = 1.375 are
#: written exactly) ...
EXACT_DECIMALS = 3
#: ... and at most this many significant digits.
EXACT_DIGITS = 5


def exact_decimal(v: float) -> str | None:
    """``v`` as a short exact decimal (at most 3 decimals, 5 significant digits), else None.

    A float32 value is exact when it lies within float32 rounding of such a decimal
    (relative distance :data:`EXACT_RTOL`): the map's ``-0.57499998807907`` is ``-0.575``.
    Integers are not handled here (see :func:`format_value`).

    Parameters
    ----------
    v : float
        The value.

    Returns
    -------
    str or None
        The decimal without trailing zeros (``-`` for minus), or None when ``v`` has more
        decimals or digits than that, or is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> exact_decimal(127.5), exact_decimal(54.45), exact_decimal(float(np.float32(-0.575)))
    ('127.5', '54.45', '-0.575')
    >>> exact_decimal(1 / 3), exact_decimal(12345.5), exact_decimal(0.0005), exact_decimal(1.375)
    (None, None, None, '1.375')
    """
    if not math.isfinite(v) or v == 0 or abs(v) >= 10**EXACT_DIGITS:
        return None
    for decimals in range(1, EXACT_DECIMALS + 1):
        scaled = round(abs(v) * 10**decimals)
        if scaled == 0 or len(str(scaled).strip("0")) > EXACT_DIGITS:
            continue
        near = math.copysign(scaled / 10**decimals, v)
        if abs(v - near) <= EXACT_RTOL * abs(v):
            return f"{near:.{decimals}f}".rstrip("0").rstrip(".")
    return None


def format_value(v: float) -> str:
    """Text for a pixel value, exact where that is short, else with 3 significant digits.

    Integers are written as integers; a value that is a decimal with at most 3 decimals and
    at most 5 significant digits (to float32 rounding, see :func:`exact_decimal`) is written
    exactly, so a worked sum adds up (``124 + 3.5 = 127.5``, not ``128``); any other value
    with 3 significant digits, and without decimals from 100 on.

    Parameters
    ----------
    v : float
        The value.

    Returns
    -------
    str
        ASCII text (``-`` for minus); ``"nan"``/``"inf"`` for non-finite values.

    Examples
    --------
    >>> format_value(198.0), format_value(0.5), format_value(-2.25), format_value(127.5)
    ('198', '0.5', '-2.25', '127.5')
    >>> import numpy as np
    >>> format_value(54.45), format_value(1234.6), format_value(1 / 3), format_value(12345.67)
    ('54.45', '1234.6', '0.333', '12346')
    >>> format_value(float(np.float32(-0.575))), format_value(-0.5755), format_value(2.5e-4)
    ('-0.575', '-0.576', '2.5e-04')
    """
    if not math.isfinite(v):
        return str(v)
    if abs(v - round(v)) < 1e-6 and abs(v) < 1e6:
        return str(round(v))
    exact = exact_decimal(v)
    if exact is not None:
        return exact
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}" if abs(v) >= 0.001 else f"{v:.1e}"


def pretty_number(v: float) -> str:
    """:func:`format_value` with a typographic minus sign, for text people read.

    Examples
    --------
    >>> pretty_number(-3.0)
    '−3'
    """
    return format_value(v).replace("-", "−")


def format_factor(v: float) -> str:
    """A factor of a product: negative numbers in parentheses, ``5×(−2)`` not ``5×-2``.

    Examples
    --------
    >>> format_factor(-2.0), format_factor(4.0)
    ('(−2)', '4')
    """
    s = pretty_number(v)
    return f"({s})" if v < 0 else s


__all__ = ["exact_decimal", "format_factor", "format_value", "pretty_number"]
