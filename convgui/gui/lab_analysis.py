"""View ▸ Kernel Analysis: what the kernel does, read from its numbers, in step with the table.

A dock with the sum (what a flat region becomes), the output range for the input's range (and
whether the Clip display cuts it), the symmetry (and whether flipping matters), the rank with
the row × column factors (exact integers when they exist), the frequency response's magnitude
as an image with axes in cycles per pixel, its profiles through DC, and the low/high/band-pass
label. The numbers come from :mod:`convgui.core.analysis`; the panel redraws on every
``kernel_changed`` (and the value scale) while it is shown, and follows the window's text size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis import KernelAnalysis, analyze_kernel, frequency_response, response_kind
from ..core.text import format_value, pretty_number
from ..state import ExplorerState
from .util import signals_blocked

TITLE = "Kernel Analysis"
#: The frequency grid (n × n) of the response image.
RESPONSE_N = 64
#: Decimal (not integer) factors longer than this are in the tooltip, not the text.
MAX_FACTOR_VALUES = 5
#: The profile plot's title says which curve is which (a legend would cover the curves).
PROFILE_TITLE = "|H| through DC"
RESPONSE_TITLE = "|H| (response)"  # short: the dock is narrow at large text
PROFILE_AXIS = (
    "<span style='color:#2166ac'>— fx</span> <span style='color:#b2182b'>- - fy</span> "
    "(cycles per pixel)"
)
KIND_TEXT = {
    "low-pass": "Low-pass: keeps slow changes (smooth areas), weakens fine detail: a blur.",
    "high-pass": "High-pass: keeps fine detail and edges, removes smooth areas.",
    "band-pass": "Band-pass: keeps detail of a middle size; smooth areas and the finest "
    "detail are weakened (edge and texture detectors).",
    "high-boost": "High-boost (sharpening): a flat region keeps its value (|H| about 1 at "
    "DC) and fine detail is amplified (|H| rises towards high frequencies): the image plus its "
    "edges.",
    "": "Neither clearly low-, high- nor band-pass (e.g. the identity keeps every frequency).",
}
#: The heading when the dock analyses the single-kernel mode's kernel.
SINGLE_HEADING = "Single kernel"
LAYER_HEADING = "Filter {o}, channel {name}"
LAYER_HEADING_TIP = (
    "The layer mode: the kernel of the selected filter for one input channel (the table you "
    "last clicked in, or the channel chosen here)."
)


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


def settings_text(
    total: float, lo: float, hi: float, value_max: float, *, divisor: float, bias: float
) -> str:
    """What the divisor and bias make of the sum and the output range ("" for 1 and 0).

    Each output is ``sum / divisor + bias``: a flat region of value ``v`` becomes
    ``total / divisor × v + bias``, and the range is the kernel's range divided and shifted.

    Examples
    --------
    >>> t = settings_text(2.0, 0.0, 510.0, 255.0, divisor=2.0, bias=3.5)
    >>> t.split("; ")[0]
    'With divisor 2 and bias 3.5: a flat region v becomes v + 3.5'
    >>> t.split("; ")[1][:54]
    'the output runs from 3.5 to 258.5. It clips: a Stretch'
    >>> settings_text(1.0, 0.0, 255.0, 255.0, divisor=1.0, bias=0.0)
    ''
    >>> settings_text(9.0, 0.0, 2295.0, 255.0, divisor=9.0, bias=0.0)
    'With divisor 9: a flat region keeps its value; the output runs from 0 to 255: it fits.'
    """
    if divisor == 1 and bias == 0:
        return ""
    parts = []
    if divisor != 1:
        parts.append(f"divisor {pretty_number(divisor)}")
    if bias != 0:
        parts.append(f"bias {pretty_number(bias)}")
    gain = total / divisor if divisor != 0 else math.inf
    if abs(gain) < 1e-12:
        flat = "0" if bias == 0 else pretty_number(bias)
        flat_text = f"a flat region becomes {flat}"
    elif abs(gain - 1) < 1e-9:
        flat_text = (
            "a flat region keeps its value"
            if bias == 0
            else f"a flat region v becomes v {'+' if bias > 0 else '−'} {pretty_number(abs(bias))}"
        )
    else:
        shift = "" if bias == 0 else f" {'+' if bias > 0 else '−'} {pretty_number(abs(bias))}"
        flat_text = f"a flat region v becomes {pretty_number(gain)} × v{shift}"
    ends = sorted((lo / divisor + bias, hi / divisor + bias)) if divisor != 0 else [lo, hi]
    a, b = (e + 0.0 for e in ends)
    tol = 1e-9 * max(1.0, value_max)
    head = (
        f"With {' and '.join(parts)}: {flat_text}; the output runs from {pretty_number(a)} to "
        f"{pretty_number(b)}"
    )
    if a >= -tol and b <= value_max + tol:
        return head + ": it fits."
    return head + ". It clips: a Stretch or Diverging display shows the values outside " + (
        f"0–{format_value(value_max)}."
    )


def bias_text(o: int, bias: float) -> str:
    """The layer mode's line on the selected filter's bias ("" when it is 0).

    Examples
    --------
    >>> bias_text(2, 0.5)
    "Filter 2's bias 0.5 is added once, to the sum over all the channels it reads."
    """
    if bias == 0:
        return ""
    return (
        f"Filter {o}'s bias {pretty_number(bias)} is added once, to the sum over all the "
        "channels it reads."
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
    """The analysis of one kernel: texts, the response image and its profiles.

    The kernel is the single-kernel state's, or, once :meth:`follow_layer` was given the layer
    mode's state and the window shows that mode (:meth:`set_mode`), the selected filter's
    kernel for one input channel; the heading says which.
    """

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.analysis: KernelAnalysis | None = None
        self.kind = ""
        self._dirty = True
        self._layer: Any = None
        self._tables: Any = None
        self._mode = "kernel"
        #: Which of the selected filter's kernels (its n-th channel) the layer mode shows.
        self.slot = 0
        self._text_scale = 1.0
        self.labels: dict[str, QLabel] = {}
        self.heading = QLabel(SINGLE_HEADING, objectName="analysis_heading")
        self.heading.setWordWrap(True)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading.setToolTip("Which kernel is analysed")
        self.channel_combo = QComboBox(objectName="analysisChannelCombo")
        self.channel_combo.setToolTip("Which of the selected filter's kernels (one per channel)")
        self.channel_combo.activated.connect(self._on_channel_chosen)
        self.channel_combo.hide()
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.channel_combo)
        # One column: each text starts with what it is about ("Sum 0: …", "Rank 1, …"), so
        # the narrow dock gives all its width to the words (large text on a projector).
        texts = QVBoxLayout()
        texts.setSpacing(6)
        for key in ("sum", "range", "settings", "symmetry", "rank", "kind"):
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
        layout.addLayout(head)
        layout.addLayout(texts)
        layout.addWidget(self.plots, 1)
        state.kernel_changed.connect(self._on_changed)
        state.params_changed.connect(self._on_changed)  # the divisor and bias
        state.image_changed.connect(self._on_changed)  # the value scale sets the range
        self.set_text_scale(1.0)

    # --- what is analysed --------------------------------------------------------------------

    @property
    def showing_layer(self) -> bool:
        """True when the panel analyses the layer mode's kernel."""
        return self._layer is not None and self._mode == "layer"

    def follow_layer(self, layer: Any, tables: Any = None) -> None:
        """Analyse the layer mode's kernel while the window shows that mode.

        Parameters
        ----------
        layer : convgui.layer_state.LayerState
            Its selected filter's kernels are analysed (and followed).
        tables : callable, optional
            Returns the filter's kernel tables (one per channel it reads, in order); clicking
            into one of them makes the panel show that channel's kernel.
        """
        if layer is self._layer:
            return
        self._layer, self._tables = layer, tables
        for sig in (
            layer.bank_changed,
            layer.settings_changed,
            layer.image_changed,
            layer.selected_changed,
        ):
            sig.connect(self._on_layer_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._on_changed()

    def set_mode(self, mode: str) -> None:
        """The window shows mode ``mode`` (``"kernel"`` or ``"layer"``): analyse its kernel."""
        if mode == self._mode:
            return
        self._mode = mode
        self._on_changed()

    def _on_layer_changed(self, *_: object) -> None:
        if self._mode == "layer":
            self._on_changed()

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not self.showing_layer or new is None or self._tables is None:
            return
        try:
            tables = list(self._tables())
        except RuntimeError:  # a table deleted while the bank changed
            return
        for i, table in enumerate(tables):
            if new is table or table.isAncestorOf(new):  # its cell editor too
                if i != self.slot:
                    self.slot = i
                    self._on_changed()
                return

    def _on_channel_chosen(self, index: int) -> None:
        if index != self.slot:
            self.slot = index
            self._on_changed()

    def _layer_kernel(self) -> tuple[NDArray[np.float64], str, float, int]:
        """(kernel, heading, the filter's bias, filter) of the layer mode's selection."""
        layer = self._layer
        o = int(layer.selected)
        reads = layer.reads()[o]
        names = layer.channel_names
        self.slot = min(max(0, self.slot), len(reads) - 1)
        channels = [names[c] if c < len(names) else str(c) for c in reads]
        with signals_blocked(self.channel_combo):
            if [self.channel_combo.itemText(i) for i in range(self.channel_combo.count())] != (
                channels
            ):
                self.channel_combo.clear()
                self.channel_combo.addItems(channels)
            self.channel_combo.setCurrentIndex(self.slot)
        self.channel_combo.setVisible(len(channels) > 1)
        k = np.asarray(layer.weights[:, :, self.slot, o], dtype=np.float64)
        heading = LAYER_HEADING.format(o=o, name=channels[self.slot])
        return k, heading, float(layer.bias[o]), o

    # --- drawing -------------------------------------------------------------------------------

    def _on_changed(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Analyse the kernel shown (the state's, or the layer mode's) and redraw everything."""
        self._dirty = False
        s = self.state
        layer = self.showing_layer
        # The layer mode's input may be a network layer's maps, not the explorer's image.
        vmax = float(self._layer.value_max) if layer else s.value_max
        if layer:
            k, heading, bias, o = self._layer_kernel()
            self.heading.setToolTip(LAYER_HEADING_TIP)
        else:
            k, heading = np.asarray(s.kernel, dtype=np.float64), SINGLE_HEADING
            self.channel_combo.hide()
            self.heading.setToolTip("The single-kernel mode's kernel (the table)")
        self.heading.setText(heading)
        a = analyze_kernel(k, input_range=(0.0, vmax))
        self.analysis = a
        self.kind = response_kind(k)
        if layer:
            extra = bias_text(o, bias)
        else:
            p = s.params
            extra = settings_text(
                a.total, a.out_min, a.out_max, vmax, divisor=p.divisor, bias=p.bias
            )
        self.labels["sum"].setText(sum_text(a.total, vmax))
        self.labels["range"].setText(range_text(a.out_min, a.out_max, vmax))
        self.labels["settings"].setText(extra)
        self.labels["settings"].setVisible(bool(extra))
        self.labels["symmetry"].setText(symmetry_text(a))
        self.labels["rank"].setText(rank_text(a))
        self.labels["rank"].setToolTip(a.factor_text if a.separable else "")
        self.labels["kind"].setText(KIND_TEXT.get(self.kind, KIND_TEXT[""]))
        r = frequency_response(k, n=max(RESPONSE_N, max(k.shape)))
        n = r.fx.size
        d = 1.0 / n
        top = float(r.magnitude.max())
        levels = (0.0, top if top > 0 and math.isfinite(top) else 1.0)
        self.response_image.setImage(r.magnitude, levels=levels, autoLevels=False)
        self.response_image.setRect(float(r.fx[0]) - d / 2, float(r.fy[0]) - d / 2, n * d, n * d)
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
        """Follow View ▸ Text Size: the heading, the plots' titles, axes and ticks grow too.

        The application font is already scaled when this is called; pyqtgraph's titles carry
        their own size (HTML), so they are set again at the application font's size.
        """
        self._text_scale = factor
        app_font = QApplication.font()
        pt = app_font.pointSizeF() if app_font.pointSizeF() > 0 else 9.0 * factor
        font = QFont(app_font)
        font.setPointSizeF(max(6.0, pt * 0.9))
        for plot in (self.response_plot, self.profile_plot):
            for name in ("bottom", "left"):
                axis = plot.getAxis(name)
                axis.setStyle(tickFont=font)
                axis.label.setFont(font)
            plot.titleLabel.item.setFont(font)
        size = f"{pt:.1f}pt"
        self.response_plot.setTitle(RESPONSE_TITLE, size=size)
        self.profile_plot.setTitle(PROFILE_TITLE, size=size)
        self.colorbar.getAxis("right").setStyle(tickFont=font)
        bold = QFont(app_font)
        bold.setBold(True)
        bold.setPointSizeF(pt * 1.1)
        self.heading.setFont(bold)


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

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: the dock's title bar too (it keeps the style's font else)."""
        title = QFont(QApplication.font())
        title.setBold(True)
        self.setFont(title)
        plain = QFont(QApplication.font())
        plain.setBold(False)  # set, so the contents do not inherit the title's bold
        self.widget().setFont(plain)  # the texts: as every other text
        self.panel.set_text_scale(factor)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


__all__ = [
    "AnalysisDock",
    "AnalysisPanel",
    "bias_text",
    "range_text",
    "rank_text",
    "settings_text",
    "sum_text",
    "symmetry_text",
]
