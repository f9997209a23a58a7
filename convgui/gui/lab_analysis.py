"""View ▸ Kernel Analysis: what the kernel does, read from its numbers, in step with the table.

A dock with the sum (what a flat region becomes), the output range for the input's range (and
whether the Clip display cuts it), the symmetry (and whether flipping matters), the rank with
the row × column factors (exact integers when they exist), the frequency response's magnitude
as an image with axes in cycles per pixel, its profiles through DC, and the low/high/band-pass
label. The numbers come from :mod:`convgui.core.analysis`; the panel redraws on every
``kernel_changed`` (and the value scale) while it is shown, and follows the window's text size.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis import KernelAnalysis, analyze_kernel, frequency_response, response_kind
from ..core.text import format_value, pretty_number
from ..state import ExplorerState

TITLE = "Kernel Analysis"
#: The frequency grid (n × n) of the response image.
RESPONSE_N = 64
#: Decimal (not integer) factors longer than this are in the tooltip, not the text.
MAX_FACTOR_VALUES = 5
#: The profile plot's title says which curve is which (a legend would cover the curves).
PROFILE_TITLE = "|H| through DC"
PROFILE_AXIS = (
    "<span style='color:#2166ac'>— fx</span> <span style='color:#b2182b'>- - fy</span> "
    "(cycles per pixel)"
)
KIND_TEXT = {
    "low-pass": "Low-pass: keeps slow changes (smooth areas), weakens fine detail: a blur.",
    "high-pass": "High-pass: keeps fine detail and edges, removes smooth areas.",
    "band-pass": "Band-pass: keeps detail of a middle size; smooth areas and the finest "
    "detail are weakened (edge and texture detectors).",
    "": "Neither clearly low-, high- nor band-pass (e.g. the identity keeps every frequency).",
}


def sum_text(total: float, value_max: float) -> str:
    """What the sum means for a flat region.

    Examples
    --------
    >>> sum_text(1.0, 255)
    'Sum 1: a flat region keeps its value (brightness is kept).'
    >>> sum_text(0.0, 255)
    'Sum 0: a flat region becomes 0 (only changes show: edges, detail).'
    >>> sum_text(16.0, 255)
    'Sum 16: a flat region of value v becomes 16 × v (brighter; 16 × 255 = 4080).'
    """
    t = pretty_number(total)
    if abs(total) < 1e-12:
        return f"Sum {t}: a flat region becomes 0 (only changes show: edges, detail)."
    if abs(total - 1) < 1e-9:
        return f"Sum {t}: a flat region keeps its value (brightness is kept)."
    how = "brighter" if total > 1 else ("darker" if total > 0 else "sign flipped")
    top = pretty_number(total * value_max)
    return (
        f"Sum {t}: a flat region of value v becomes {t} × v ({how}; "
        f"{t} × {format_value(value_max)} = {top})."
    )


def range_text(lo: float, hi: float, value_max: float) -> str:
    """The output range for an input in 0..value_max, and whether the Clip display cuts it.

    Examples
    --------
    >>> range_text(-1020.0, 1020.0, 255.0)  # doctest: +ELLIPSIS
    'Output from −1020 to 1020 for an input of 0–255. It clips: the Clip display cuts ...'
    >>> range_text(0.0, 255.0, 255.0)
    'Output from 0 to 255 for an input of 0–255: it fits, nothing clips.'
    """
    top = format_value(value_max)
    head = f"Output from {pretty_number(lo)} to {pretty_number(hi)} for an input of 0–{top}"
    tol = 1e-9 * max(1.0, value_max)
    below, above = lo < -tol, hi > value_max + tol
    if not (below or above):
        return head + ": it fits, nothing clips."
    parts = []
    if below:
        parts.append("below 0 (black)")
    if above:
        parts.append(f"above {top} (white)")
    return (
        f"{head}. It clips: the Clip display cuts values {' and '.join(parts)}; a Stretch "
        "or Diverging display, or a divisor, shows them."
    )


def rank_text(a: KernelAnalysis) -> str:
    """The rank and, for a separable kernel, its factors.

    Examples
    --------
    >>> import numpy as np
    >>> rank_text(analyze_kernel(np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])))
    'Rank 1, separable: a column × a row, exact integers: [1 2 1]ᵀ × [−1 0 1]'
    """
    if a.rank == 0:
        return "Rank 0: every weight is 0."
    if not a.separable:
        return (
            f"Rank {a.rank}: not separable (not one column × one row; it is a sum of "
            f"{a.rank} such products)."
        )
    if a.exact:
        return f"Rank 1, separable: a column × a row, exact integers: {a.factor_text}"
    n = len(a.column) if a.column is not None else 0
    if n > MAX_FACTOR_VALUES:
        return (
            f"Rank 1, separable: a column × a row of {n} decimals each (not small integers; "
            "hover here for them)."
        )
    return f"Rank 1, separable: a column × a row, approximately: {a.factor_text}"


def symmetry_text(a: KernelAnalysis) -> str:
    """The symmetry, and whether flipping (true convolution) changes the result."""
    others = [s for s in a.symmetries if s != a.symmetry]
    also = f" (also {', '.join(others)})" if others else ""
    flip = "Flip matters." if a.flip_matters else "Flip does not matter."
    return f"{a.symmetry.capitalize()}{also}. {a.symmetry_note} {flip}"


class AnalysisPanel(QWidget):
    """The analysis of the state's kernel: texts, the response image and its profiles."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.analysis: KernelAnalysis | None = None
        self.kind = ""
        self._dirty = True
        self.labels: dict[str, QLabel] = {}
        # One column: each text starts with what it is about ("Sum 0: …", "Rank 1, …"), so
        # the narrow dock gives all its width to the words (large text on a projector).
        texts = QVBoxLayout()
        texts.setSpacing(6)
        for key in ("sum", "range", "symmetry", "rank", "kind"):
            label = QLabel(objectName=f"analysis_{key}")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            texts.addWidget(label)
            self.labels[key] = label

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("analysisPlots")
        self.plots.setBackground(QColor(255, 255, 255))
        self.plots.setMinimumHeight(420)
        self.response_plot: pg.PlotItem = self.plots.addPlot(row=0, col=0)
        self.response_plot.setTitle("|H| (frequency response)")
        self.response_plot.setLabel("bottom", "fx (cycles per pixel)")
        self.response_plot.setLabel("left", "fy (cycles per pixel)")
        self.response_plot.setAspectLocked(True)
        self.response_plot.invertY(True)  # fy grows downwards, as image rows do
        self.response_plot.setMouseEnabled(False, False)
        self.response_plot.hideButtons()
        self.response_image = pg.ImageItem()
        self.response_image.setColorMap(pg.colormap.get("viridis"))
        self.response_plot.addItem(self.response_image)
        self.colorbar = pg.ColorBarItem(
            values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False, width=10
        )
        self.colorbar.setImageItem(self.response_image)
        self.plots.addItem(self.colorbar, row=0, col=1)
        self.profile_plot: pg.PlotItem = self.plots.addPlot(row=1, col=0, colspan=2)
        self.profile_plot.setTitle(PROFILE_TITLE)
        self.profile_plot.setLabel("bottom", PROFILE_AXIS)
        self.profile_plot.setLabel("left", "|H|")
        self.profile_plot.setMouseEnabled(False, False)
        self.profile_plot.hideButtons()
        self.profile_plot.showGrid(x=True, y=True, alpha=0.3)
        self.profile_x = self.profile_plot.plot(
            pen=pg.mkPen(QColor(33, 102, 172), width=2)
        )
        self.profile_y = self.profile_plot.plot(
            pen=pg.mkPen(QColor(178, 24, 43), width=2, style=Qt.PenStyle.DashLine)
        )
        for plot in (self.response_plot, self.profile_plot):
            for name in ("bottom", "left"):
                plot.getAxis(name).enableAutoSIPrefix(False)  # plain cycles per pixel
        self.plots.ci.layout.setRowStretchFactor(0, 3)
        self.plots.ci.layout.setRowStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(texts)
        layout.addWidget(self.plots, 1)
        state.kernel_changed.connect(self._on_changed)
        state.image_changed.connect(self._on_changed)  # the value scale sets the range
        self.set_text_scale(1.0)

    def _on_changed(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Analyse the state's kernel and redraw everything."""
        self._dirty = False
        s = self.state
        k = np.asarray(s.kernel, dtype=np.float64)
        vmax = s.value_max
        a = analyze_kernel(k, input_range=(0.0, vmax))
        self.analysis = a
        self.kind = response_kind(k)
        self.labels["sum"].setText(sum_text(a.total, vmax))
        self.labels["range"].setText(range_text(a.out_min, a.out_max, vmax))
        self.labels["symmetry"].setText(symmetry_text(a))
        self.labels["rank"].setText(rank_text(a))
        self.labels["rank"].setToolTip(a.factor_text if a.separable else "")
        self.labels["kind"].setText(KIND_TEXT[self.kind])
        r = frequency_response(k, n=RESPONSE_N)
        d = 1.0 / RESPONSE_N
        top = float(r.magnitude.max())
        levels = (0.0, top if top > 0 else 1.0)
        self.response_image.setImage(r.magnitude, levels=levels, autoLevels=False)
        self.response_image.setRect(
            float(r.fx[0]) - d / 2, float(r.fy[0]) - d / 2, RESPONSE_N * d, RESPONSE_N * d
        )
        self.colorbar.setLevels(levels)
        self.response_plot.setRange(
            xRange=(float(r.fx[0]) - d / 2, float(r.fx[-1]) + d / 2),
            yRange=(float(r.fy[0]) - d / 2, float(r.fy[-1]) + d / 2),
            padding=0,
        )
        fx, hx = r.profile(1)
        fy, hy = r.profile(0)
        self.profile_x.setData(fx, hx)
        self.profile_y.setData(fy, hy)
        self.profile_plot.setYRange(0, levels[1] * 1.05, padding=0)
        self.profile_plot.setXRange(-0.5, 0.5, padding=0.02)

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: the plots' axes and titles grow with the window's text."""
        base = QApplication.font().pointSizeF()
        pt = base if base > 0 else 9.0 * factor
        font = QFont(QApplication.font())
        font.setPointSizeF(max(6.0, pt * 0.9))
        for plot in (self.response_plot, self.profile_plot):
            for name in ("bottom", "left"):
                axis = plot.getAxis(name)
                axis.setStyle(tickFont=font)
                axis.label.setFont(font)
            plot.titleLabel.item.setFont(font)
        self.colorbar.getAxis("right").setStyle(tickFont=font)


class AnalysisDock(QDockWidget):
    """The dock holding an :class:`AnalysisPanel` (scrolls when the window is short).

    Signals
    -------
    closed()
        The user closed the dock with its own close button.
    """

    closed = Signal()

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.setObjectName("kernelAnalysisDock")
        self.panel = AnalysisPanel(state)
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(scroll)
        self.setMinimumWidth(300)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


__all__ = [
    "AnalysisDock",
    "AnalysisPanel",
    "range_text",
    "rank_text",
    "sum_text",
    "symmetry_text",
]
