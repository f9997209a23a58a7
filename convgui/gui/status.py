"""Status text: what the pointer is over (hover) and what is loaded (the info label)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import source_index
from ..core.layout import LayerGeometry
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
    x: float,
    y: float,
    views: Sequence[tuple[str, ImageView]],
    padding: str = "",
    *,
    source: str = "input",
    geometry: LayerGeometry | None = None,
) -> str:
    """What the pointer is over in the ``source`` view, and the cells it is tied to.

    ``views`` are (name, view) pairs of the views shown; ``padding`` describes a padded cell
    under the pointer (see :func:`padding_hover_text`). The cells named besides the one under
    the pointer come from the layer's ``geometry``, never from screen positions: an input pixel
    and the output at the same place (stride 1), an output pixel, the input pixel its window
    is centred on and the pooled cell that reads it, a pooled cell and the output cells it
    pools. NaN coordinates give "".
    """
    if math.isnan(x):
        return ""
    parts = [padding] if padding else []
    vmap = dict(views)
    view = vmap.get(source)
    cell = None if view is None else view.cell_at(x, y)
    if view is None or cell is None or view.data is None:
        return "   ·   ".join(parts)
    parts.append(f"{source} (row {cell[0]}, col {cell[1]}) = {value_text(view.data[cell])}")
    g = geometry
    if g is None:
        return "   ·   ".join(parts)
    out = vmap.get("output")
    pooled = vmap.get("pooled")
    if source == "input" and g.stride == (1, 1) and out is not None and out.data is not None:
        oc = out.cell_at(x, y)
        if oc is not None:
            parts.append(f"output (row {oc[0]}, col {oc[1]}) = {value_text(out.data[oc])}")
    elif source == "output":
        rows, cols = g.window_taps(*cell)
        cy, cx = (rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2
        parts.append(f"its window is centred on input (row {cy:g}, col {cx:g})")
        pc = _pooled_reading(g, cell)
        if pc is not None and pooled is not None and pooled.data is not None:
            parts.append(f"pooled (row {pc[0]}, col {pc[1]}) = {value_text(pooled.data[pc])}")
    elif source == "pooled" and g.pooled_shape is not None:
        rows, cols = g.pool_window(*cell)
        ho, wo = g.out_shape
        r0, r1 = max(0, int(rows[0])), min(ho - 1, int(rows[-1]))
        c0, c1 = max(0, int(cols[0])), min(wo - 1, int(cols[-1]))
        parts.append(f"pools output rows {r0}–{r1}, cols {c0}–{c1}")
    return "   ·   ".join(parts)


def _pooled_reading(g: LayerGeometry, cell: tuple[int, int]) -> tuple[int, int] | None:
    """The first pooled cell whose window holds output ``cell``, or None."""
    if g.pooled_shape is None or g.pool_size is None or g.pool_stride is None:
        return None
    assert g.pool_pads is not None
    found = []
    for axis in (0, 1):
        s, k, p = g.pool_stride[axis], g.pool_size[axis], g.pool_pads[axis * 2]
        v = cell[axis] + p
        first = max(0, -(-(v - k + 1) // s))
        if first * s > v or first >= g.pooled_shape[axis]:
            return None
        found.append(first)
    return found[0], found[1]


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
