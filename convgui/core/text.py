"""How numbers are written for people: in cells, in sums, in the arithmetic panel and exports.

One place, so the window, the arithmetic panel and the exported frames never disagree on how
``-0.5`` or ``198.00001`` is written.
"""

from __future__ import annotations

import math


def format_value(v: float) -> str:
    """Short text for a pixel value: integers as integers, others with 3 significant digits.

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
    >>> format_value(198.0), format_value(0.5), format_value(-2.25), format_value(1234.6)
    ('198', '0.5', '-2.25', '1235')
    """
    if not math.isfinite(v):
        return str(v)
    if abs(v - round(v)) < 1e-6 and abs(v) < 1e6:
        return str(round(v))
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


__all__ = ["format_factor", "format_value", "pretty_number"]
