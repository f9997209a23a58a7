"""The arithmetic panel: one position's window, kernel, products and sum, as in the lesson."""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QTextBrowser, QWidget

from ..core import LayerParams
from ..core.scene import ConvScene, PoolScene, sum_expression
from ..core.text import format_factor, pretty_number
from . import texts
from .animation import AnimationController
from .layer_panel import ACTIVATION_TITLES

#: Kernels with more taps than this have the sum written out only in part.
MAX_TERMS = 49
#: The arithmetic is written this much larger than the window's text.
TABLE_SCALE = 1.2
#: Terms written out while the animation plays.
COMPACT_TERMS = 12
PAD_COLOR = "#2b6cb0"
COPY_COLOR = "#b7791f"
WIN_COLOR = "#c53030"


def _grid(
    values: np.ndarray,
    *,
    pad: np.ndarray | None = None,
    copied: bool = False,
    mark: tuple[int, int] | None = None,
    title: str = "",
) -> str:
    rows = []
    for i in range(values.shape[0]):
        cells = []
        for j in range(values.shape[1]):
            v = values[i, j]
            text = "·" if np.isnan(v) else pretty_number(float(v))
            style = "padding:2px 6px; border:1px solid #bbb; text-align:center;"
            if pad is not None and pad[i, j]:
                color = COPY_COLOR if copied else PAD_COLOR
                style += f" color:{color}; background:#eef4fb;"
            if mark is not None and (i, j) == mark:
                style += f" font-weight:bold; border:2px solid {WIN_COLOR};"
            cells.append(f"<td style='{style}'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<td style='padding-right:14px; vertical-align:top;'><b>{title}</b>"
        f"<table cellspacing='0' style='border-collapse:collapse;'>{''.join(rows)}</table></td>"
    )


def conv_arithmetic_html(
    scene: ConvScene,
    params: LayerParams,
    *,
    channel_note: str = "",
    compact: bool = False,
    written: float | None = None,
) -> str:
    """HTML for one output position: grids, the written-out sum, scaling and activation.

    ``written`` is the value the output map holds there (float32), written last; the scene's
    own float64 value is used when it is not given.

    ``compact`` (used while playing) leaves out the three grids and shortens the sum, so the
    panel keeps up with the animation even for a 15×15 kernel.
    """
    scan = scene.scan
    r, c = scene.position
    copied = params.boundary not in ("zero", "constant")
    op = "<td style='vertical-align:middle; font-size:large; padding-right:14px;'>{}</td>"
    grids = (
        "<table><tr>"
        + _grid(scan.values, pad=scan.is_padding, copied=copied, mark=scene.center, title="Window")
        + op.format("×")
        + _grid(scan.weights, mark=scene.center, title="Kernel")
        + op.format("=")
        + _grid(scan.products, pad=scan.is_padding, copied=copied, title="Products")
        + "</tr></table>"
    )
    limit = COMPACT_TERMS if compact else MAX_TERMS
    pad_color = COPY_COLOR if copied else PAD_COLOR
    terms = [
        f"<span style='color:{pad_color}'>{t.text}</span>" if t.is_padding else t.text
        for t in scene.terms()
    ]
    total_html = sum_expression(terms, scene.total, limit)
    head, _, tail = total_html.rpartition(" = ")
    rows_, cols_ = scene.tap_rows, scene.tap_cols
    lines = [
        f"<b>Output row {r}, column {c}</b>{html.escape(channel_note)}: the kernel over window "
        f"rows {pretty_number(rows_[0])}…{pretty_number(rows_[-1])}, columns "
        f"{pretty_number(cols_[0])}…{pretty_number(cols_[-1])} of the image"
        + (
            (
                " (the orange cells are padding, copied from the image)"
                if copied
                else " (the blue cells are padding)"
            )
            if scene.padding_taps
            else ""
        ),
        f"Sum: {head} = <b>{tail}</b>",
    ]
    if not compact:
        lines.insert(1, grids)
    value = scene.total
    if params.divisor != 1 or params.bias != 0:
        lines.append(
            f"Divisor and bias: {pretty_number(scene.total)} ÷ {format_factor(params.divisor)}"
            f" + {format_factor(params.bias)} = <b>{pretty_number(scene.scaled)}</b>"
        )
        value = scene.scaled
    if params.activation != "none":
        name = ACTIVATION_TITLES[params.activation]
        lines.append(
            f"Activation: {name}({pretty_number(value)}) = <b>{pretty_number(scene.value)}</b>"
        )
    out = scene.value if written is None else written
    lines.append(f"→ written to the output at row {r}, column {c}: <b>{pretty_number(out)}</b>")
    return "<br>".join(lines)


def pool_arithmetic_html(
    scene: PoolScene, *, channel_note: str = "", written: float | None = None
) -> str:
    """HTML for one pooling position: the window, the winner or the average."""
    scan = scene.scan
    r, c = scene.position
    mark = None
    if scan.winner is not None:
        mark = (int(scan.winner[0] - scan.rows[0]), int(scan.winner[1] - scan.cols[0]))
    grid = (
        "<table><tr>"
        + _grid(scan.values, pad=scan.is_padding, mark=mark, title="Window")
        + "</tr></table>"
    )
    head, _, tail = scene.expression().rpartition(" = ")
    lines = [
        f"<b>Pooled row {r}, column {c}</b>{html.escape(channel_note)}: "
        f"{'max' if scene.op == 'max' else 'average'} pooling over "
        f"output rows {scan.rows[0]}…{scan.rows[-1]}, columns {scan.cols[0]}…{scan.cols[-1]}"
        + (" (padding never wins and is not counted)" if scan.is_padding.any() else ""),
        grid,
        f"{head} = <b>{tail}</b>",
        f"→ written to the pooled map at row {r}, column {c}: "
        f"<b>{pretty_number(scene.value if written is None else written)}</b>",
    ]
    return "<br>".join(lines)


def _pixel(data: np.ndarray, rc: tuple[int, int]) -> float:
    v = data[rc]
    return float(v if np.ndim(v) == 0 else v[0])


class ArithmeticPanel(QTextBrowser):
    """Shows the arithmetic of the animation's current position.

    One line high while it only has a hint to show; as tall as its content (up to
    ``max_fraction`` of the window) when it shows a position, so it never takes room from the
    images for nothing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arithmeticPanel")
        self.setOpenLinks(False)
        self.setToolTip(
            "The arithmetic of the current position: each image value times the kernel weight "
            "over it, summed into one output pixel. Blue cells are padding."
        )
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.max_fraction = 0.35
        self._held = 0
        self.last_total: float | None = None
        self.last_output: float | None = None
        self.is_hint = True
        self._controller: AnimationController | None = None
        self._compact = False
        self.document().documentLayout().documentSizeChanged.connect(lambda *_: self._fit())

    def show_html(self, text: str, *, total: float | None, output: float | None) -> None:
        """Replace the contents (keeping what the tests and tools read back)."""
        self.last_total = total
        self.last_output = output
        self.is_hint = total is None and output is None
        # A little larger than the window's other text (the numbers are what the lesson is
        # about), and always relative to it, so View ▸ Text Size scales it too.
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * (1.0 if self.is_hint else TABLE_SCALE))
        self.document().setDefaultFont(font)
        self.setHtml(text)
        self._fit()

    def show_hint(self, text: str) -> None:
        """One line of guidance (nothing to compute)."""
        self.show_html(f"<i>{text}</i>", total=None, output=None)

    def _fit(self) -> None:
        doc = self.document()
        doc.setTextWidth(self.viewport().width())
        content = math.ceil(doc.size().height())
        frame = 2 * self.frameWidth() + 2
        top = self.window()
        cap = int(top.height() * self.max_fraction) if top is not None and top is not self else 400
        line = self.fontMetrics().lineSpacing() + int(2 * doc.documentMargin()) + frame
        want = max(line, min(content + frame, max(line, cap)))
        # Playing writes a shorter text than paused: while playing the panel keeps the paused
        # height, so the images above it stay put instead of jumping at every play/pause.
        if self.is_hint:
            self._held = 0
        elif self._compact:
            want = max(line, min(max(want, self._held), cap))
        else:
            self._held = want
        if self.height() != want or self.minimumHeight() != want:
            self.setFixedHeight(want)

    def follow(self, controller: AnimationController) -> None:
        """Show ``controller``'s current scene from now on (the panel's only source)."""
        self._controller = controller
        controller.position_changed.connect(self.refresh)
        controller.state_changed.connect(self._on_state)
        self.refresh()

    def _on_state(self) -> None:
        # Pausing turns the compact panel of playback into the full one (and back).
        c = self._controller
        if c is not None and self._compact != c.model.playing:
            self.refresh()

    def refresh(self) -> None:
        """Write out the current scene, a question, or one line of guidance."""
        c = self._controller
        if c is None:
            return
        state, r = c.state, c.state.result
        scene = c.current_scene()
        if scene is None or r is None:
            self._compact = False
            self.show_hint(
                texts.ARITHMETIC_NO_OUTPUT if state.layer_error else texts.ARITHMETIC_IDLE
            )
            return
        if isinstance(scene, ConvScene) and c.model.question:
            row, col = scene.position
            self.show_html(
                texts.ARITHMETIC_QUESTION.format(
                    row=row, col=col, n=scene.padding_taps, size=scene.scan.is_padding.size
                ),
                total=None,
                output=None,
            )
            self.is_hint = False
            return
        # While playing, the grids are left out so even a 15×15 window keeps up.
        self._compact = c.model.playing
        note = " (red channel)" if np.ndim(r.activated) == 3 else ""
        # The value written is read from the map itself (float32), so the panel always
        # agrees with the pixel, its hover text and the clipped count.
        if isinstance(scene, ConvScene):
            written = _pixel(r.activated, scene.position)
            html_text = conv_arithmetic_html(
                scene, r.params, channel_note=note, compact=self._compact, written=written
            )
            self.show_html(html_text, total=scene.total, output=written)
        else:
            assert r.pooled is not None
            written = _pixel(r.pooled, scene.position)
            self.show_html(
                pool_arithmetic_html(scene, channel_note=note, written=written),
                total=scene.value,
                output=written,
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
