"""What a dense unit looks for: its weights drawn as the maps they multiply (the network page).

A dense layer that reads a flatten of a map (the digits network: pool2's 5×5×32 → 800) has,
for each output unit, one weight per cell of that map. :class:`DenseView` shows the weights of
one unit (picked with a spin box; by default the predicted class) as one small tile per channel
of the flattened map, on one blue-white-red scale symmetric around 0 with a colour bar, the
unit's bias, the sum written as the network computes it for the current input, and the channels
that push the unit up or down most (each channel's ``Σ input × weight``). A dense layer after a
vector (another dense) shows the unit's weights as one row of cells.

The view is read only and thin: it reads ``net.network.weights[i]`` and ``net.outputs`` of its
:class:`~convgui.net_state.NetState` and repaints on ``network_changed`` / ``outputs_changed`` /
``selection_changed`` only while it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from .feature_maps import lut_of
from .prob_bars import percent_text

if TYPE_CHECKING:
    from ..net import Network
    from ..net_state import NetState

TEXTS = {
    "unit": "Unit",
    "unit_tip": "Which output of the dense layer to show: its weights, its bias and its sum "
    "for the current input (it starts on the unit that is largest now: the predicted class)",
    "class": "class {k}",
    "predicted": "class {k} (predicted)",
    "title_maps": "Weights of unit {u} on the {src} maps they multiply ({h}×{w}×{c})",
    "title_vector": "Weights of unit {u}, one per {src} value ({n})",
    "bias": "bias {b}",
    "sum": "unit {u} = Σ ({src} × weights) + bias = {s} + {b} = {z}",
    "softmax": " → softmax {p}",
    "no_outputs": "unit {u}: no values for this input ({why})",
    "push_up": "Pushes up most: {items}",
    "push_down": "Pushes down most: {items}",
    "item": "map {c} ({v})",
    "tile_tip": "{src} map {c}: weights {lo} to {hi}; input × weights adds {v} to unit {u}",
    "cell_tip": "{src} value {n}: weight {w}; input × weight = {v}",
}

#: Gap between tiles, and the smallest side a tile is drawn at, in pixels.
TILE_GAP = 3
TILE_MIN = 16
TILE_MAX = 56
#: How many channels the push-up / push-down lists name.
TOP_N = 3
UP_COLOUR = QColor(178, 24, 43)
DOWN_COLOUR = QColor(33, 102, 172)


def num(v: float, digits: int = 2) -> str:
    """``v`` with ``digits`` decimals and a true minus sign (``-0.41`` → ``−0.41``)."""
    text = f"{float(v):.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def signed(v: float, digits: int = 2) -> str:
    """``v`` as a summand: ``(−0.41)`` in brackets when negative, else plain."""
    text = num(v, digits)
    return f"({text})" if text.startswith("−") else text


@dataclass(frozen=True)
class DenseUnit:
    """One dense unit's weights laid out as the input they multiply, and its sum for an input.

    Attributes
    ----------
    layer, unit : int
        The dense layer's index and the unit (output) shown.
    source : str
        The name of what the dense layer reads (``pool2`` for the digits network).
    weights : numpy.ndarray
        ``kernel[:, unit]`` reshaped as the flattened map ``(H, W, C)``, or ``(N,)`` for a vector.
    bias : float
        The unit's bias (0 without one).
    contributions : numpy.ndarray or None
        ``(C,)``: each channel's ``Σ input × weight`` (``(N,)`` for a vector); None without outputs.
    total : float or None
        ``Σ input × weights`` (None without outputs).
    value : float or None
        The unit's output as the network computed it (None without outputs).
    probability : float or None
        The unit's softmax probability when a softmax follows the dense layer.
    """

    layer: int
    unit: int
    source: str
    weights: np.ndarray
    bias: float
    contributions: np.ndarray | None
    total: float | None
    value: float | None
    probability: float | None

    @property
    def is_maps(self) -> bool:
        """Whether the weights are a stack of maps ``(H, W, C)`` (else a vector)."""
        return self.weights.ndim == 3


def source_of(network: Network, index: int) -> tuple[int, tuple[int, ...]]:
    """The layer whose output dense layer ``index`` multiplies, and that output's shape.

    A flatten right before the dense layer is looked through: the dense layer then reads the
    map before it (``(H, W, C)``). The layer index is −1 for the network's input.
    """
    layers = network.layers
    j = index - 1
    if j >= 0 and layers[j].type == "flatten":
        return j - 1, tuple(int(s) for s in network.input_shape_of(j))
    return j, tuple(int(s) for s in network.input_shape_of(index))


def dense_unit(
    network: Network, outputs: list[np.ndarray] | None, index: int, unit: int, x: Any = None
) -> DenseUnit:
    """The weights, bias and sum of unit ``unit`` of dense layer ``index``.

    Parameters
    ----------
    network : Network
        The network; ``network.layers[index]`` must be a dense layer.
    outputs : list of numpy.ndarray or None
        Every layer's output for the current input (``NetState.outputs``), or None.
    index, unit : int
        The dense layer and the unit.
    x : array_like, optional
        The network's input, used when the dense layer reads it directly.

    Returns
    -------
    DenseUnit
    """
    spec = network.layers[index]
    if spec.type != "dense":
        raise ValueError(f"layer {index} ({spec.name}) is a {spec.type} layer, not dense")
    w = network.weights[index]
    kernel = np.asarray(w["kernel"])
    if not 0 <= unit < kernel.shape[1]:
        raise ValueError(f"unit {unit} is outside 0–{kernel.shape[1] - 1}")
    bias_arr = w.get("bias")
    bias = float(bias_arr[unit]) if bias_arr is not None else 0.0
    col = np.asarray(kernel[:, unit], dtype=np.float64)
    src, shape = source_of(network, index)
    source = network.layers[src].name if src >= 0 else "input"
    # Keras flatten order: H, W, C (C order).
    maps = len(shape) == 3 and int(np.prod(shape)) == col.size
    weights = col.reshape(shape) if maps else col
    contributions = total = value = probability = None
    if outputs is not None and len(outputs) > index:
        flat_in = outputs[index - 1] if index > 0 else (None if x is None else np.asarray(x))
        if flat_in is not None and np.asarray(flat_in).size == col.size:
            prod = np.asarray(flat_in, dtype=np.float64).reshape(-1) * col
            total = float(prod.sum())
            contributions = prod.reshape(shape).sum(axis=(0, 1)) if weights.ndim == 3 else prod
        value = float(np.asarray(outputs[index]).reshape(-1)[unit])
        nxt = index + 1
        if len(outputs) > nxt and network.layers[nxt].type == "softmax":
            probability = float(np.asarray(outputs[nxt]).reshape(-1)[unit])
    return DenseUnit(index, unit, source, weights, bias, contributions, total, value, probability)


def diverging_pixels(values: np.ndarray, m: float) -> np.ndarray:
    """``values`` through the blue-white-red table between ``−m`` and ``m`` (0xFFRRGGBB)."""
    lut = lut_of("diverging")
    scale = 127.5 / m if m > 0 else 0.0
    idx = np.clip(np.rint(np.asarray(values, np.float64) * scale + 127.5), 0, 255)
    return np.asarray(lut[np.nan_to_num(idx).astype(np.intp)], dtype=np.uint32)


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """``widget`` with its object name set (tests and style find it by that name)."""
    widget.setObjectName(name)
    return widget


def _image(pixels: np.ndarray) -> QImage:
    pix = np.ascontiguousarray(pixels, dtype=np.uint32)
    h, w = pix.shape
    return QImage(pix.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


class DenseTilesView(QWidget):
    """The weights of one unit: a tile per channel (``(H, W, C)``) or one row (``(N,)``).

    All tiles share one colour scale, symmetric around 0 (:attr:`level`); a colour bar with
    the scale's ends is drawn under them. The channels pushing the unit up most are framed
    red, down most blue.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("denseTiles")
        self.setMouseTracking(True)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        #: The weights shown (``(H, W, C)`` or ``(N,)``), or None.
        self.data: np.ndarray | None = None
        #: Half the colour scale: weights from ``−level`` (blue) to ``level`` (red).
        self.level = 1.0
        self.up: list[int] = []
        self.down: list[int] = []
        self._tips: list[str] = []
        self._images: list[QImage] = []

    def set_data(
        self,
        data: np.ndarray | None,
        *,
        up: list[int] | None = None,
        down: list[int] | None = None,
        tips: list[str] | None = None,
    ) -> None:
        """Show ``data`` (weights) and frame the ``up`` / ``down`` channels.

        The same weights again (a new input: only the frames and tooltips change) keep the
        tiles' images.
        """
        self.up, self.down = list(up or []), list(down or [])
        self._tips = list(tips or [])
        same = (
            data is not None
            and self.data is not None
            and np.asarray(data).shape == self.data.shape
            and np.array_equal(np.asarray(data, dtype=np.float64), self.data)
        )
        if same:
            self.update()
            return
        self.data = None if data is None else np.array(data, dtype=np.float64)
        self._images = []
        if self.data is not None and self.data.size:
            m = float(np.max(np.abs(self.data[np.isfinite(self.data)]), initial=0.0))
            self.level = m if m > 0 else 1.0
            if self.data.ndim == 3:
                self._images = [
                    _image(diverging_pixels(self.data[:, :, c], self.level))
                    for c in range(self.data.shape[2])
                ]
            else:
                self._images = [_image(diverging_pixels(self.data[None, :], self.level))]
        self.updateGeometry()
        self.update()

    # --- geometry ---------------------------------------------------------------------------
    def _bar_height(self) -> int:
        return self.fontMetrics().height() + 12

    def _grid(self) -> tuple[int, int, int]:
        """(columns, rows, tile side) that fit the tiles largest in the area above the bar."""
        if self.data is None or self.data.ndim != 3:
            return 1, 1, 0
        n = self.data.shape[2]
        h, w = self.data.shape[:2]
        width = max(1, self.width() - 2)
        height = max(1, self.height() - self._bar_height() - 4)
        best = (n, 1, 1)
        best_side = -1.0
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            side = min(
                (width - (cols - 1) * TILE_GAP) / cols / w * max(h, w),
                (height - (rows - 1) * TILE_GAP) / rows / h * max(h, w),
            )
            if side > best_side + 1e-9:
                best, best_side = (cols, rows, 0), side
        cols, rows, _ = best
        return cols, rows, max(1, int(best_side))

    def tile_rect(self, channel: int) -> QRect:
        """Where channel ``channel``'s tile (or, for a vector, the whole row) is drawn."""
        if self.data is None:
            return QRect()
        if self.data.ndim != 3:
            height = max(8, min(28, self.height() - self._bar_height() - 4))
            return QRect(1, 1, max(1, self.width() - 2), height)
        cols, _rows, side = self._grid()
        h, w = self.data.shape[:2]
        tw = max(1, round(side * w / max(h, w)))
        th = max(1, round(side * h / max(h, w)))
        full = cols * tw + (cols - 1) * TILE_GAP
        x0 = max(1, (self.width() - full) // 2)
        r, c = divmod(channel, cols)
        return QRect(x0 + c * (tw + TILE_GAP), 1 + r * (th + TILE_GAP), tw, th)

    def _bar_rect(self) -> QRect:
        if self.data is None:
            return QRect()
        n = len(self._images) if self.data.ndim == 3 else 1
        bottom = self.tile_rect(n - 1).bottom()
        return QRect(1, bottom + 4, max(1, self.width() - 2), self._bar_height())

    def minimumSizeHint(self) -> QSize:
        # Four rows of the smallest tiles (32 channels in 8 columns) and the colour bar.
        height = 4 * TILE_MIN + 3 * TILE_GAP + self._bar_height() + 8
        return QSize(8 * TILE_MIN + 7 * TILE_GAP, height)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height that shows the tiles in about twice as many columns as rows.

        So the colour bar sits right under the tiles (no empty band) at any column width.
        """
        bar = self._bar_height() + 8
        if self.data is None or self.data.ndim != 3:
            return 28 + bar
        h, w, n = (int(v) for v in self.data.shape)
        cols = max(1, min(n, math.ceil(math.sqrt(2 * n))))
        rows = math.ceil(n / cols)
        side = (width - 2 - (cols - 1) * TILE_GAP) / cols
        side = min(max(side, TILE_MIN), TILE_MAX)
        return math.ceil(rows * side * h / max(h, w) + (rows - 1) * TILE_GAP) + bar + 2

    def sizeHint(self) -> QSize:
        return QSize(8 * 36 + 7 * TILE_GAP, 4 * 22 + 3 * TILE_GAP + self._bar_height() + 8)

    def channel_at(self, pos: QPoint) -> int | None:
        """The channel (or vector index) under ``pos``, or None."""
        if self.data is None:
            return None
        if self.data.ndim != 3:
            r = self.tile_rect(0)
            if not r.contains(pos):
                return None
            n = self.data.size
            return min(n - 1, int((pos.x() - r.left()) / r.width() * n))
        for c in range(len(self._images)):
            if self.tile_rect(c).contains(pos):
                return c
        return None

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        if self.data is None or not self._images:
            p.end()
            return
        for c, img in enumerate(self._images):
            r = self.tile_rect(c)
            p.drawImage(QRectF(r), img)
            if self.data.ndim == 3:
                colour = UP_COLOUR if c in self.up else DOWN_COLOUR if c in self.down else None
                p.setPen(QPen(colour, 2) if colour is not None else QPen(QColor(150, 150, 150)))
                p.drawRect(r.adjusted(-1, -1, 0, 0))
                if colour is not None:
                    self._badge(p, r, str(c), colour)
        if self.data.ndim != 3:
            p.setPen(QPen(QColor(150, 150, 150)))
            p.drawRect(self.tile_rect(0).adjusted(-1, -1, 0, 0))
        # The colour bar: −level, 0, +level.
        bar = self._bar_rect()
        fm = self.fontMetrics()
        strip = QRect(bar.left(), bar.top(), bar.width(), 8)
        ramp = np.linspace(-self.level, self.level, 256)[None, :]
        p.drawImage(QRectF(strip), _image(diverging_pixels(ramp, self.level)))
        p.setPen(self.palette().windowText().color())
        text_top = strip.bottom() + 2
        tr = QRect(bar.left(), text_top, bar.width(), fm.height())
        p.drawText(tr, Qt.AlignmentFlag.AlignLeft, num(-self.level))
        p.drawText(tr, Qt.AlignmentFlag.AlignHCenter, "0")
        p.drawText(tr, Qt.AlignmentFlag.AlignRight, num(self.level))
        p.end()

    def _badge(self, p: QPainter, tile: QRect, text: str, colour: QColor) -> None:
        """The channel number in the tile's corner (white on the frame's colour)."""
        font = p.font()
        small = QFont(font)
        small.setPointSizeF(max(5.0, font.pointSizeF() * 0.75))
        p.setFont(small)
        fm = QFontMetrics(small)
        box = QRect(tile.left(), tile.top(), fm.horizontalAdvance(text) + 4, fm.height())
        if box.width() <= tile.width() and box.height() <= tile.height():
            p.fillRect(box, colour)
            p.setPen(QColor(255, 255, 255))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(font)

    def event(self, e: Any) -> bool:
        if e.type() == e.Type.ToolTip:
            c = self.channel_at(e.pos())
            if c is not None and c < len(self._tips):
                QToolTip.showText(e.globalPos(), self._tips[c], self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)


class DenseView(QWidget):
    """A dense layer's unit: picker, weight tiles, colour bar, bias, sum and top channels."""

    def __init__(self, net: NetState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("denseView")
        self.net = net
        self.unit_spin = _named(QSpinBox(), "denseUnitSpin")
        self.unit_spin.setToolTip(TEXTS["unit_tip"])
        self.unit_spin.valueChanged.connect(self._on_unit)
        self.class_label = _named(QLabel(), "denseClassLabel")
        unit_label = QLabel(TEXTS["unit"])
        unit_label.setBuddy(self.unit_spin)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(unit_label)
        row.addWidget(self.unit_spin)
        row.addWidget(self.class_label, 1)
        self.title = _named(QLabel(), "denseTitle")
        self.title.setWordWrap(True)
        self.tiles = DenseTilesView()
        self.bias_label = _named(QLabel(), "denseBias")
        self.sum_label = _named(QLabel(), "denseSum")
        self.sum_label.setWordWrap(True)
        self.sum_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.up_label = _named(QLabel(), "densePushUp")
        self.down_label = _named(QLabel(), "densePushDown")
        for lab in (self.bias_label, self.up_label, self.down_label):
            lab.setWordWrap(True)
        # Colours by palette, not a style sheet: a style sheet stops the text size reaching them.
        for lab, colour in ((self.up_label, UP_COLOUR), (self.down_label, DOWN_COLOUR)):
            pal = lab.palette()
            pal.setColor(QPalette.ColorRole.WindowText, colour)
            lab.setPalette(pal)
        # The picker stays in sight; the rest scrolls when the column is short (a large text
        # in a 700-pixel-high window) instead of squeezing the tiles and the lines together.
        body = _named(QWidget(), "denseBody")
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(2)
        #: What a dense layer does, in a sentence (set by the kernel editor that holds the view).
        self.caption = _named(QLabel(), "denseCaption")
        self.caption.setWordWrap(True)
        bl.addWidget(self.title)
        bl.addWidget(self.tiles)
        bl.addWidget(self.bias_label)
        bl.addWidget(self.sum_label)
        bl.addWidget(self.up_label)
        bl.addWidget(self.down_label)
        bl.addWidget(self.caption)
        bl.addStretch(1)
        self.scroll_area = _named(QScrollArea(), "denseScroll")
        self.scroll_area.setWidget(body)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_scroll()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.scroll_area, 1)
        #: The unit the user picked (None: follow the largest unit, the predicted class).
        self.picked: int | None = None
        #: What is shown now (None before the first paint or for a non-dense layer).
        self.shown: DenseUnit | None = None
        self._layer_key: tuple[Any, ...] | None = None
        self._dirty = True
        net.network_changed.connect(self._on_state)
        net.outputs_changed.connect(self._on_state)
        net.selection_changed.connect(self._on_state)

    def _fit_scroll(self) -> None:
        """The scroll area keeps the title, the smallest tiles and the sum line in sight."""
        line = self.fontMetrics().height()
        self.scroll_area.setMinimumHeight(self.tiles.minimumSizeHint().height() + 3 * line + 8)

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_scroll()

    # --- state -> view ----------------------------------------------------------------------
    def _on_state(self) -> None:
        # Hidden, or about to be (another layer selected): no work until shown again.
        if not self.isVisible() or self._layer() is None:
            self._dirty = True
            return
        self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _layer(self) -> int | None:
        net = self.net
        i = net.selected_layer
        layers = net.network.layers
        if 0 <= i < len(layers) and layers[i].type == "dense":
            return i
        return None

    def is_classifier(self, index: int) -> bool:
        """Whether dense layer ``index`` gives the class scores (only a softmax follows it)."""
        layers = self.net.network.layers
        rest = [s.type for s in layers[index + 1 :]]
        return rest in ([], ["softmax"]) and self.net.probabilities is not None

    def default_unit(self, index: int) -> int:
        """The unit that is largest for the current input (the predicted class), else 0."""
        outputs = self.net.outputs
        if outputs is None or len(outputs) <= index:
            return 0
        out = np.asarray(outputs[index]).reshape(-1)
        if not out.size or not np.isfinite(out).any():
            return 0
        return int(np.nanargmax(np.where(np.isfinite(out), out, -np.inf)))

    def unit(self) -> int:
        """The unit shown."""
        return self.unit_spin.value()

    def set_unit(self, unit: int) -> None:
        """Show unit ``unit`` (as picking it in the spin box does)."""
        self.unit_spin.setValue(unit)

    def _on_unit(self, value: int) -> None:
        self.picked = value
        self.refresh()

    def refresh(self) -> None:
        """Read the selected dense layer's weights and outputs and show them."""
        self._dirty = False
        net = self.net
        i = self._layer()
        if i is None:
            self.shown = None
            self._layer_key = None
            self.tiles.set_data(None)
            return
        network = net.network
        units = int(network.weights[i]["kernel"].shape[1])
        key = (network.layers, network.input_shape, i)
        if key != self._layer_key:
            self._layer_key = key
            self.picked = None  # a new layer: start on the predicted class again
        unit = self.picked if self.picked is not None else self.default_unit(i)
        unit = min(max(0, unit), units - 1)
        with QSignalBlocker(self.unit_spin):
            if self.unit_spin.maximum() != units - 1:
                self.unit_spin.setRange(0, units - 1)
            self.unit_spin.setValue(unit)
        d = dense_unit(network, net.outputs, i, unit, net.input)
        self.shown = d
        classifier = self.is_classifier(i)
        predicted = self.default_unit(i)
        self.class_label.setText(
            ""
            if not classifier
            else (TEXTS["predicted"] if unit == predicted else TEXTS["class"]).format(k=unit)
        )
        if d.is_maps:
            h, w, c = d.weights.shape
            self.title.setText(TEXTS["title_maps"].format(u=unit, src=d.source, h=h, w=w, c=c))
        else:
            self.title.setText(TEXTS["title_vector"].format(u=unit, src=d.source, n=d.weights.size))
        self.bias_label.setText(TEXTS["bias"].format(b=num(d.bias, 3)))
        up: list[int] = []
        down: list[int] = []
        tips: list[str] = []
        if d.contributions is not None:
            contrib = d.contributions
            order = np.argsort(contrib, kind="stable")
            k = min(TOP_N, contrib.size)
            up = [int(c) for c in order[::-1][:k] if contrib[c] > 0]
            down = [int(c) for c in order[:k] if contrib[c] < 0]

            def items(chans: list[int]) -> str:
                return (
                    ", ".join(TEXTS["item"].format(c=c, v=signed_text(contrib[c])) for c in chans)
                    or "—"
                )

            self.up_label.setText(TEXTS["push_up"].format(items=items(up)))
            self.down_label.setText(TEXTS["push_down"].format(items=items(down)))
            if d.total is not None and d.value is not None:
                line = TEXTS["sum"].format(
                    u=unit, src=d.source, s=num(d.total, 3), b=signed(d.bias, 3), z=num(d.value, 3)
                )
                if d.probability is not None:
                    line += TEXTS["softmax"].format(p=percent_text(d.probability))
                self.sum_label.setText(line)
        else:
            self.up_label.setText("")
            self.down_label.setText("")
            self.sum_label.setText(
                TEXTS["no_outputs"].format(u=unit, why=net.error or "no outputs yet")
            )
        if d.is_maps:
            for c in range(d.weights.shape[2]):
                wc = d.weights[:, :, c]
                v = d.contributions[c] if d.contributions is not None else float("nan")
                tips.append(
                    TEXTS["tile_tip"].format(
                        src=d.source,
                        c=c,
                        lo=num(wc.min(), 3),
                        hi=num(wc.max(), 3),
                        v=signed_text(v),
                        u=unit,
                    )
                )
        else:
            for n, wn in enumerate(d.weights):
                v = d.contributions[n] if d.contributions is not None else float("nan")
                tips.append(
                    TEXTS["cell_tip"].format(src=d.source, n=n, w=num(wn, 3), v=signed_text(v))
                )
        self.tiles.set_data(d.weights, up=up, down=down, tips=tips)


def signed_text(v: float) -> str:
    """A contribution with its sign always written: ``+3.10``, ``−0.42``."""
    text = num(v)
    return text if text.startswith("−") else f"+{text}"
