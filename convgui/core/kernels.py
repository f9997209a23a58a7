"""Kernel presets, kernel helpers and parsing of what a person types into a kernel cell."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_kernel


@dataclass(frozen=True)
class Preset:
    """A named kernel with a one-line description of what it does."""

    name: str
    title: str
    description: str
    values: tuple[tuple[float, ...], ...]

    @property
    def kernel(self) -> NDArray[np.float64]:
        """The kernel as a new float64 array."""
        return np.array(self.values, dtype=np.float64)


def _t(a: ArrayLike) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(a, dtype=np.float64))


_B3 = np.array([1.0, 2.0, 1.0])
_B5 = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
_UNSHARP = -np.outer(_B5, _B5)
_UNSHARP[2, 2] += 512.0  # 2*identity - gaussian, all over 256 (GIMP's "unsharp masking")

_PRESET_LIST: tuple[Preset, ...] = (
    Preset(
        "identity",
        "Identity",
        "Copies the image unchanged: only the centre weight is 1.",
        _t([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    ),
    Preset(
        "lesson",
        "Lesson 3×3",
        "The kernel of the lesson's worked example (198 and 22).",
        _t(np.outer(_B3, _B3)),
    ),
    Preset(
        "box_blur",
        "Box blur 3×3",
        "Replaces each pixel by the mean of its 3×3 neighbourhood.",
        _t(np.full((3, 3), 1 / 9)),
    ),
    Preset(
        "box_blur_5",
        "Box blur 5×5",
        "Mean of the 5×5 neighbourhood: a stronger blur.",
        _t(np.full((5, 5), 1 / 25)),
    ),
    Preset(
        "gaussian_3",
        "Gaussian 3×3",
        "Weighted blur: near pixels count more than far ones.",
        _t(np.outer(_B3, _B3) / 16),
    ),
    Preset(
        "gaussian_5",
        "Gaussian 5×5",
        "A wider Gaussian blur (binomial weights).",
        _t(np.outer(_B5, _B5) / 256),
    ),
    Preset(
        "sharpen",
        "Sharpen",
        "Boosts a pixel against its four neighbours: edges get crisper.",
        _t([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    ),
    Preset(
        "unsharp_5",
        "Unsharp mask 5×5",
        "Image plus (image − Gaussian blur): sharpens detail.",
        _t(_UNSHARP / 256),
    ),
    Preset(
        "laplacian",
        "Laplacian",
        "Second derivative: zero on flat areas, large at edges.",
        _t([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    ),
    Preset(
        "outline",
        "Outline",
        "Pixel minus its eight neighbours: draws the outlines.",
        _t([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    ),
    Preset(
        "sobel_x",
        "Sobel x",
        "Horizontal gradient: responds to vertical edges.",
        _t([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    ),
    Preset(
        "sobel_y",
        "Sobel y",
        "Vertical gradient: responds to horizontal edges.",
        _t([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    ),
    Preset(
        "prewitt_x",
        "Prewitt x",
        "Horizontal gradient with equal weights.",
        _t([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    ),
    Preset(
        "prewitt_y",
        "Prewitt y",
        "Vertical gradient with equal weights.",
        _t([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    ),
    Preset(
        "scharr_x",
        "Scharr x",
        "Horizontal gradient, more rotation-invariant than Sobel.",
        _t([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]),
    ),
    Preset(
        "scharr_y",
        "Scharr y",
        "Vertical gradient, more rotation-invariant than Sobel.",
        _t([[-3, -10, -3], [0, 0, 0], [3, 10, 3]]),
    ),
    Preset(
        "emboss",
        "Emboss",
        "Lights the image from the top left: a relief effect.",
        _t([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    ),
    Preset(
        "motion_blur",
        "Motion blur",
        "Averages along a diagonal, as if the camera moved.",
        _t(np.eye(5) / 5),
    ),
)

#: The presets by name, in menu order.
PRESETS: dict[str, Preset] = {p.name: p for p in _PRESET_LIST}


def get_preset(name: str) -> NDArray[np.float64]:
    """Return a new array holding the preset kernel ``name``.

    Raises
    ------
    ValueError
        If there is no preset of that name.

    Examples
    --------
    >>> get_preset("sobel_x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    try:
        return PRESETS[name].kernel
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


def normalize_kernel(kernel: ArrayLike) -> NDArray[np.float64]:
    """Return the kernel divided by its sum, so a flat image keeps its brightness.

    Raises
    ------
    ValueError
        If the sum is zero (edge kernels such as Sobel sum to zero and cannot be normalized).

    Examples
    --------
    >>> normalize_kernel([[1, 2], [3, 2]])
    array([[0.125, 0.25 ],
           [0.375, 0.25 ]])
    """
    k = check_kernel(kernel)
    total = float(k.sum())
    scale = float(np.abs(k).sum())
    if scale == 0 or abs(total) <= 1e-12 * scale:
        raise ValueError(
            f"the kernel's sum is {total:g}, so it cannot be normalized (edge and gradient "
            "kernels sum to zero on purpose)"
        )
    return k / total


def resize_centered(
    kernel: ArrayLike, rows: int, cols: int, fill: float = 0.0
) -> NDArray[np.float64]:
    """Return a ``rows`` x ``cols`` kernel holding ``kernel``'s values, kept centred.

    Growing adds ``fill`` around the values; shrinking crops the borders. The centre cell
    (index ``(n - 1) // 2`` on each axis) stays the centre, so resizing one step at a time and
    back restores the kernel; for even sizes the extra row/column is at the bottom/right.

    Examples
    --------
    >>> resize_centered([[1.0]], 3, 3)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    >>> resize_centered(np.arange(9.0).reshape(3, 3), 1, 1)
    array([[4.]])
    >>> resize_centered([[1.0, 2.0, 3.0]], 1, 4)
    array([[1., 2., 3., 0.]])
    """
    k = check_kernel(kernel)
    if rows < 1 or cols < 1:
        raise ValueError(f"a kernel needs at least 1 row and 1 column, got {rows}x{cols}")
    out = np.full((rows, cols), float(fill), dtype=np.float64)
    kh, kw = k.shape

    def spans(old: int, new: int) -> tuple[slice, slice]:
        # Keep the centre cell ((n - 1) // 2, the one the window is centred on) where it is,
        # so growing or shrinking one step at a time never drifts the values.
        d = (new - 1) // 2 - (old - 1) // 2
        lo, hi = max(0, -d), min(old, new - d)
        return slice(lo + d, hi + d), slice(lo, hi)

    (dr, sr), (dc, sc) = spans(kh, rows), spans(kw, cols)
    out[dr, dc] = k[sr, sc]
    return out


class CellParseError(ValueError):
    """Raised by :func:`parse_cell` for text that is not an accepted number."""


ACCEPTED_HELP = "Type a number such as 2, -0.5, 1/9 or 2e-3."
_MAX_CELL_CHARS = 64
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
# ASCII digits only: \d would also take Arabic-Indic or full-width digits.
_CELL_RE = re.compile(rf"^(?P<num>{_NUMBER})(?:\s*/\s*(?P<den>{_NUMBER}))?$", re.ASCII)
_MINUSES = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-", "\uff0d": "-"}
)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 24 else text[:21] + "...")


def parse_cell(text: str) -> float:
    """Parse what a person typed into a kernel cell.

    Accepted: a decimal number (``"2"``, ``"-0.5"``, ``".5"``, ``"2e-3"``), with an ASCII or
    unicode minus (``"−1"``), or a fraction of two such numbers (``"1/9"``, ``"-3 / 4"``).
    Surrounding spaces are ignored. No ``eval``: nothing else is interpreted.

    Parameters
    ----------
    text : str
        The cell's text.

    Returns
    -------
    float
        The finite value.

    Raises
    ------
    CellParseError
        For empty text, anything that is not a number or fraction, NaN, infinities, values too
        large for a float (``"1e309"``) and division by zero; the message says what is accepted.

    Examples
    --------
    >>> parse_cell("1/9") == 1 / 9
    True
    >>> parse_cell("−1")
    -1.0
    >>> parse_cell("abc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convgui.core.kernels.CellParseError: 'abc' is not a number. Type a number such as 2, ...
    """
    if not isinstance(text, str):
        raise CellParseError(f"{text!r} is not text. {ACCEPTED_HELP}")
    s = text.strip().translate(_MINUSES)
    if not s:
        raise CellParseError(f"The cell is empty. {ACCEPTED_HELP}")
    if len(s) > _MAX_CELL_CHARS:
        raise CellParseError(f"{_shown(s)} is too long for a number. {ACCEPTED_HELP}")
    m = _CELL_RE.match(s)
    if m is None:
        if "," in s and _CELL_RE.match(s.replace(",", ".")):
            raise CellParseError(
                f"{_shown(s)} uses a decimal comma; write {s.replace(',', '.')} with a point. "
                f"{ACCEPTED_HELP}"
            )
        raise CellParseError(f"{_shown(s)} is not a number. {ACCEPTED_HELP}")
    num = float(m["num"])
    if m["den"] is not None:
        den = float(m["den"])
        if den == 0:
            raise CellParseError(f"{_shown(s)} divides by zero. {ACCEPTED_HELP}")
        value = num / den
    else:
        value = num
    if not math.isfinite(value) or not math.isfinite(num):
        raise CellParseError(f"{_shown(s)} is too large for a kernel weight. {ACCEPTED_HELP}")
    return value


def format_number(value: float, digits: int = 4) -> str:
    """Format a kernel value compactly (``1``, ``-0.5``, ``0.1111``, ``2e-05``).

    Examples
    --------
    >>> format_number(2.0), format_number(1 / 9), format_number(-0.5)
    ('2', '0.1111', '-0.5')
    """
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


__all__ = [
    "ACCEPTED_HELP",
    "PRESETS",
    "CellParseError",
    "Preset",
    "format_number",
    "get_preset",
    "normalize_kernel",
    "parse_cell",
    "resize_centered",
]
