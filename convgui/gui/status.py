"""Status text: what the pointer is over (hover) and what is loaded (the info label)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import source_index
from ..state import ExplorerState
from .image_view import ImageView, format_value


def value_text(v: Any) -> str:
    """A pixel's value for the status bar: one number, or R, G, B."""
    return ", ".join(format_value(float(c)) for c in v) if np.ndim(v) else format_value(float(v))


def info_text(state: ExplorerState) -> str:
    """The permanent label: image name and size, engine time, and "computing…"."""
    r = state.result
    parts = []
    if state.doc is not None:
        parts.append(f"{state.doc.name}: {state.doc.describe()}")
    if r is not None:
        parts.append(f"engine {r.engine_ms:.1f} ms")
    if state.busy:
        parts.append("computing…")
    return "  ·  ".join(parts)


def hover_text(
    x: float, y: float, views: Sequence[tuple[str, ImageView]], padding: str = ""
) -> str:
    """The value under the pointer at image coordinates (x, y) in each of ``views``.

    ``views`` are (name, view) pairs of the views shown; ``padding`` describes a padded cell
    under the pointer (see :func:`padding_hover_text`). NaN coordinates give "".
    """
    if math.isnan(x):
        return ""
    parts = [padding] if padding else []
    for name, view in views:
        cell = view.cell_at(x, y)
        d = view.data
        if cell is None or d is None:
            continue
        parts.append(f"{name} (row {cell[0]}, col {cell[1]}) = {value_text(d[cell])}")
    return "   ·   ".join(parts)


def padding_hover_text(
    padded: np.ndarray | None,
    pads: tuple[int, int, int, int],
    state: ExplorerState,
    x: float,
    y: float,
) -> str:
    """Describe the padded cell under (x, y) while the padding ring is shown, else "".

    Parameters
    ----------
    padded
        The padded image the ring shows, or None when no ring is shown.
    pads
        (top, bottom, left, right) cells of padding.
    state
        For the image's shape and the boundary rule.
    x, y
        Image coordinates of the pointer.
    """
    doc = state.doc
    if padded is None or doc is None:
        return ""
    h, w = doc.shape
    t, _, lft, _ = pads
    row, col = math.floor(y), math.floor(x)
    ph, pw = padded.shape[:2]
    if not (-t <= row < ph - t and -lft <= col < pw - lft) or (0 <= row < h and 0 <= col < w):
        return ""
    text = value_text(padded[row + t, col + lft])
    b = state.params.boundary
    if b in ("zero", "constant"):
        return f"padding (row {row}, col {col}) = {text} ({b} padding)"
    sr = int(source_index([row], h, b)[0])
    sc = int(source_index([col], w, b)[0])
    return f"padding (row {row}, col {col}) = {text}: a {b} copy of input (row {sr}, col {sc})"
