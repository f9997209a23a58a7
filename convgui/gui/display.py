"""How float results are shown: levels and colour maps per display mode (data never rewritten)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from ..core import value_stats
from .image_view import make_lut_cmap, rounded_lut


@dataclass(frozen=True)
class Display:
    """Levels and colour map for one array, and how many values fall outside the levels."""

    levels: tuple[float, float]
    cmap: pg.ColorMap
    mode: str
    clipped: int
    note: str = ""


def display_for(
    data: np.ndarray,
    mode: str,
    value_max: float,
    stats: tuple[float, float, int] | None = None,
) -> Display:
    """Pick levels and a colour map for ``data``.

    ``clip`` shows 0..value_max in grey (values outside are clipped and counted); ``stretch``
    maps min..max to black..white; ``abs`` shows |x| (black at 0); ``diverging`` maps negative
    to blue and positive to red with symmetric limits. Colour images support clip and stretch.
    ``stats`` is :func:`convgui.core.value_stats` of ``data`` when already known (the worker
    computes it), so large results are not scanned again on the GUI thread.
    """
    lo, hi, clipped = stats if stats is not None else value_stats(data, value_max)
    note = ""
    if data.ndim == 3 and mode in ("abs", "diverging"):
        mode, note = "stretch", "colour results are shown stretched"
    if mode == "clip":
        return Display((0.0, value_max), make_lut_cmap("gray"), mode, clipped, note)
    if mode == "stretch":
        if hi <= lo:
            hi = lo + (1.0 if value_max > 1 else 1e-3)
        return Display((lo, hi), make_lut_cmap("gray"), mode, 0, note)
    m = max(abs(lo), abs(hi))
    if m == 0:
        m = 1.0 if value_max > 1 else 1e-3
    return Display((-m, m), make_lut_cmap(mode), mode, 0, note)


def to_display_rgba(data: np.ndarray, disp: Display) -> np.ndarray:
    """The array as the view shows it: uint8 RGBA (H, W, 4)."""
    lo, hi = disp.levels
    scaled = (np.asarray(data, dtype=np.float64) - lo) / (hi - lo)
    np.clip(scaled, 0.0, 1.0, out=scaled)
    scaled = np.nan_to_num(scaled, nan=0.0)
    if data.ndim == 3:
        rgb = (scaled * 255 + 0.5).astype(np.uint8)
        alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
        return np.concatenate([rgb[..., :3], alpha], axis=2)
    # Round the table ourselves: pyqtgraph's byte tables truncate (grey 57 would come out as 56).
    lut = rounded_lut(disp.cmap)
    idx = (scaled * 255 + 0.5).astype(np.intp)
    return np.ascontiguousarray(lut[idx])


def to_display_gray16(data: np.ndarray, disp: Display) -> np.ndarray:
    """A grayscale 2-D result as 16-bit values over the display levels."""
    lo, hi = disp.levels
    scaled = np.clip((np.asarray(data, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    return (np.nan_to_num(scaled) * 65535 + 0.5).astype(np.uint16)
