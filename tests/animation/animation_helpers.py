"""Helpers shared by the animation tests: the lesson grid and an independent reference."""

from __future__ import annotations

from typing import Any

import numpy as np
from lesson_grid import GRID

#: The lesson's 6×6 grid (resources/samples/lesson6x6.txt), as the engine sees it.
LESSON = GRID.astype(np.float64)

#: convgui boundary name -> numpy.pad mode (an independent implementation of the padding).
NP_PAD_MODES = {
    "zero": "constant",
    "constant": "constant",
    "replicate": "edge",
    "reflect": "symmetric",  # cba|abcd|dcb: the edge pixel repeated
    "mirror": "reflect",  # dcb|abcd|cba: mirrored about the edge pixel
    "wrap": "wrap",
}


def naive_correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    pads: tuple[int, int, int, int],
    *,
    boundary: str = "zero",
    cval: float = 0.0,
    stride: tuple[int, int] = (1, 1),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Cross-correlation by a plain loop over a ``numpy.pad``-ed image, in float64."""
    t, b, lft, r = pads
    mode = NP_PAD_MODES[boundary]
    kw: dict[str, Any] = {}
    if mode == "constant":
        kw["constant_values"] = cval if boundary == "constant" else 0.0
    padded = np.pad(np.asarray(image, np.float64), ((t, b), (lft, r)), mode=mode, **kw)
    kh, kwid = kernel.shape
    (sr, sc), (dr, dc) = stride, dilation
    eh, ew = (kh - 1) * dr + 1, (kwid - 1) * dc + 1
    ho = (padded.shape[0] - eh) // sr + 1
    wo = (padded.shape[1] - ew) // sc + 1
    out = np.empty((ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = padded[i * sr : i * sr + eh : dr, j * sc : j * sc + ew : dc]
            out[i, j] = float(np.sum(win * kernel))
    return out


def check_no_timer(window: Any) -> None:
    assert not window.anim.timer.isActive(), "the animation timer is still running"
