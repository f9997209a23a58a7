"""How float results are shown: levels and colour maps per display mode (data never rewritten)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QWidget

from ..core import count_outside, robust_abs_limit, robust_range, value_stats
from ..core.stats import RobustStats
from ..display_policy import DISPLAY_MODES, GREY_ONLY_MODES
from ..state import DISPLAY_TITLES, ComputeResult, ExplorerState
from .image_view import make_lut_cmap, rounded_lut
from .util import signals_blocked

#: Percentile of |x| used as the robust diverging / absolute-value limit.
ROBUST_ABS_Q = 99.5
#: Percentiles used as the robust stretch range.
ROBUST_RANGE_Q = (0.25, 99.75)
COLOUR_NOTE = "colour results are shown stretched"


@dataclass(frozen=True)
class Display:
    """Levels and colour map for one array, and how many values fall outside the levels.

    ``clipped`` counts pixels outside ``levels`` (a colour pixel once): in "clip" mode always,
    in the other modes when the levels are robust (without robust limits they hold every value).
    """

    levels: tuple[float, float]
    cmap: pg.ColorMap
    mode: str
    clipped: int
    note: str = ""
    robust: bool = False

    def clipped_text(self) -> str:
        """What the clipped-count label says, e.g. ``"1,234 clipped (robust limits)"`` or ``""``."""
        if self.mode == "clip" or self.robust:
            text = f"{self.clipped:,} clipped" if self.clipped else "none clipped"
            return f"{text} (robust limits)" if self.robust else text
        return ""


def _fallback_span(value_max: float) -> float:
    return 1.0 if value_max > 1 else 1e-3


def _robust_stretch(
    data: np.ndarray, robust_limit: float | tuple[float, float] | None
) -> tuple[float, float]:
    if robust_limit is None:
        return robust_range(data, *ROBUST_RANGE_Q)
    if isinstance(robust_limit, tuple) and len(robust_limit) == 2:
        return float(robust_limit[0]), float(robust_limit[1])
    raise ValueError(
        f"a robust stretch needs a (lo, hi) pair as robust_limit, got {robust_limit!r}"
    )


def _robust_abs(data: np.ndarray, robust_limit: float | tuple[float, float] | None) -> float:
    if robust_limit is None:
        return robust_abs_limit(data, ROBUST_ABS_Q)
    if isinstance(robust_limit, (int, float, np.floating)):
        return abs(float(robust_limit))
    raise ValueError(
        f"a robust diverging or absolute display needs one |x| limit, got {robust_limit!r}"
    )


def display_for(
    data: np.ndarray,
    mode: str,
    value_max: float,
    stats: tuple[float, float, int] | None = None,
    *,
    robust: bool = False,
    robust_limit: float | tuple[float, float] | None = None,
    robust_stats: RobustStats | None = None,
) -> Display:
    """Pick levels and a colour map for ``data``.

    Parameters
    ----------
    data : ndarray
        (H, W) grey or (H, W, C) colour values. Not modified.
    mode : str
        ``clip`` shows 0..value_max in grey (values outside are clipped and counted);
        ``stretch`` maps min..max to black..white; ``abs`` shows |x| (black at 0);
        ``diverging`` maps negative to blue and positive to red with symmetric limits.
        Colour images support clip and stretch; ``abs``/``diverging`` are drawn stretched.
    value_max : float
        Top of the pixel range (255 or 1).
    stats : (float, float, int), optional
        :func:`convgui.core.value_stats` of ``data`` when already known (the worker computes
        it), so large results are not scanned again on the GUI thread.
    robust : bool, keyword-only
        Use percentile limits instead of min/max: ``stretch`` spans the 0.25th..99.75th
        percentiles, ``abs``/``diverging`` ±the 99.5th percentile of |x| (so a few strong
        edges no longer make every other edge faint). ``clipped`` then counts the pixels
        outside those limits. No effect on ``clip``. When the robust limits collapse (a result
        that is almost everywhere one value), the min/max limits are used.
    robust_limit : float or (float, float), keyword-only
        The robust limit when already computed: one |x| limit for ``abs``/``diverging``, a
        ``(lo, hi)`` pair for ``stretch``.
    robust_stats : RobustStats, keyword-only
        Limits *and* counts computed on the worker (:func:`convgui.core.stats.robust_stats`):
        nothing is scanned on the GUI thread. Takes precedence over ``robust_limit``.

    Returns
    -------
    Display

    Raises
    ------
    ValueError
        If ``robust_limit`` has the wrong form for the mode drawn.
    """
    lo, hi, clipped = stats if stats is not None else value_stats(data, value_max)
    note = ""
    channel_axis = -1 if data.ndim == 3 else None
    if data.ndim == 3 and mode in GREY_ONLY_MODES:
        mode, note = "stretch", COLOUR_NOTE
    if mode == "clip":
        return Display((0.0, value_max), make_lut_cmap("gray"), mode, clipped, note)
    if robust and robust_stats is not None and mode != "clip":
        rs = robust_stats
        if mode == "stretch" and rs.hi > rs.lo:
            return Display(
                (rs.lo, rs.hi), make_lut_cmap("gray"), mode, rs.outside_range, note, True
            )
        if mode != "stretch" and rs.abs_limit > 0:
            m = rs.abs_limit
            return Display((-m, m), make_lut_cmap(mode), mode, rs.outside_abs, note, True)
        robust = False  # collapsed limits: min/max, as below
    if mode == "stretch":
        used_robust = False
        if robust:
            rlo, rhi = _robust_stretch(data, robust_limit)
            if rhi > rlo:
                lo, hi, used_robust = rlo, rhi, True
        if hi <= lo:
            hi = lo + _fallback_span(value_max)
        n = count_outside(data, lo, hi, channel_axis=channel_axis) if used_robust else 0
        return Display((lo, hi), make_lut_cmap("gray"), mode, n, note, used_robust)
    m = max(abs(lo), abs(hi))
    used_robust = False
    if robust:
        r = _robust_abs(data, robust_limit)
        if r > 0:
            m, used_robust = r, True
    if m == 0:
        m = _fallback_span(value_max)
    n = count_outside(data, -m, m, channel_axis=channel_axis) if used_robust else 0
    return Display((-m, m), make_lut_cmap(mode), mode, n, note, used_robust)


def result_display(state: ExplorerState, result: ComputeResult, which: str = "output") -> Display:
    """How ``which`` map of ``result`` is shown: the state's decision, robust limits and all.

    The one place the window's views, saved files and exported frames get their levels, so
    what is saved or exported is what is shown.
    """
    pooled = which == "pooled"
    data = result.pooled if pooled else result.activated
    if data is None:
        raise ValueError(f"the result has no {which} map")
    d = state.display_decision
    mode = d.mode if d is not None else state.display_mode
    rs = None
    if state.robust_limits and mode != "clip" and result is state.result:
        rs = state.robust_of(which)
    stats = result.pooled_stats if pooled else result.act_stats
    return display_for(
        np.asarray(data), mode, state.value_max, stats, robust=rs is not None, robust_stats=rs
    )


def _qualified(title: str, qualifiers: list[str]) -> str:
    """``"Diverging (signed)"`` + ``["robust"]`` -> ``"Diverging (signed, robust)"``."""
    if not qualifiers:
        return title
    extra = ", ".join(qualifiers)
    if title.endswith(")"):
        return f"{title[:-1]}, {extra})"
    return f"{title} ({extra})"


class DisplayCombo(QComboBox):
    """The output display drop-down; its current text says what is actually drawn.

    The window sets the object name and calls :meth:`show_decision` for every result; a
    colour result shows "Stretch min–max (colour)" with the grey-only modes disabled.

    Signals
    -------
    mode_chosen(str)
        The user picked a mode (mouse or keyboard); never emitted by :meth:`show_decision`.
    """

    mode_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for m in DISPLAY_MODES:
            self.addItem(DISPLAY_TITLES[m], m)
        self.setToolTip(
            "How output values become grey levels: clip to the pixel range, stretch min–max, "
            "absolute value, or blue (negative) to red (positive) for edge kernels."
        )
        longest = max(
            len(_qualified(DISPLAY_TITLES[m], ["colour", "robust"])) for m in DISPLAY_MODES
        )
        self.setMinimumContentsLength(longest)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.activated.connect(self._on_activated)

    def mode_at(self, index: int) -> str:
        """The display mode of item ``index``."""
        return str(self.itemData(index))

    def current_mode(self) -> str:
        """The display mode of the current item."""
        return self.mode_at(self.currentIndex())

    def show_decision(self, mode: str, is_color: bool, robust: bool) -> None:
        """Select what is drawn for ``mode`` and say it in the current item's text.

        Parameters
        ----------
        mode : str
            The requested mode (the state's); a colour result draws "stretch" for
            "abs"/"diverging", and that is what gets selected.
        is_color : bool
            The result is colour: the grey-only modes are disabled with a tooltip.
        robust : bool
            Robust (percentile) limits are on; said for every mode but "clip".

        Raises
        ------
        ValueError
            If ``mode`` is not a display mode.
        """
        if mode not in DISPLAY_MODES:
            raise ValueError(
                f"display mode must be one of {', '.join(DISPLAY_MODES)}; got {mode!r}"
            )
        shown = "stretch" if is_color and mode in GREY_ONLY_MODES else mode
        model = self.model()
        with signals_blocked(self):
            for i in range(self.count()):
                m = self.mode_at(i)
                quals = []
                if m == shown and is_color:
                    quals.append("colour")
                if m == shown and robust and m != "clip":
                    quals.append("robust")
                self.setItemText(i, _qualified(DISPLAY_TITLES[m], quals))
                grey_only = m in GREY_ONLY_MODES
                if isinstance(model, QStandardItemModel):
                    item = model.item(i)
                    if item is not None:
                        item.setEnabled(not (is_color and grey_only))
                self.setItemData(
                    i,
                    COLOUR_NOTE if is_color and grey_only else None,
                    Qt.ItemDataRole.ToolTipRole,
                )
            self.setCurrentIndex(self.findData(shown))

    def _on_activated(self, index: int) -> None:
        self.mode_chosen.emit(self.mode_at(index))


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
