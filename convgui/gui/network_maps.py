"""Every layer's feature maps in strips, one map enlarged, and the receptive-field outlines.

:class:`NetworkMapsView` shows one horizontal strip per layer: a title row ("conv1 · Conv2D ·
26×26×16") and a row of small tiles, one per channel, that scrolls sideways when there are
many. A strip is one widget that paints all its tiles from one image built with numpy (each
channel through its own colour scale, cells scaled by a whole number of screen pixels), so
new outputs of the digits network repaint in a few milliseconds; the widgets are rebuilt only
when the layers or their shapes change. Vector layers (dense, softmax) are a thin bar of cells;
a flatten layer is a one-line note. Activation layers can be folded into the strip of the
layer before them.

Clicking a tile selects it (:attr:`NetworkMapsView.map_selected`) and shows it enlarged in an
:class:`~convgui.gui.image_view.ImageView` with its own colour scale and a value read-out on
hover; clicking a unit on the enlarged map (or on the selected tile) emits
:attr:`NetworkMapsView.unit_clicked`. Signed maps are drawn blue-white-red with levels
symmetric about 0, maps that are never negative in grey, as the layer mode's tiles are.

:class:`InputRFView` draws the network's input large with the receptive field of the chosen
unit outlined; the part of the field that lies outside the image is drawn over a ring of
padding cells (zeros), hatched and labelled "padding", and a caption writes the rows, columns,
size, stride and padding out.

These widgets take plain data (names, shapes, arrays, a
:class:`~convgui.core.network.ReceptiveField`); the network page connects them to its state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..core import pool2d
from ..core.network import LAYER_TYPES, Box, ReceptiveField, padding_cells
from ..core.text import format_value
from .feature_maps import lut_of
from .image_view import ImageView, make_lut_cmap

__all__ = [
    "TEXTS",
    "InputRFView",
    "LayerStrip",
    "MapStrip",
    "NetworkMapsView",
    "channel_levels",
    "rf_caption",
    "strip_pixels",
    "tile_scale",
    "vector_grid",
]

#: Every string a user reads in these widgets.
TEXTS: dict[str, str] = {
    "input": "input",
    "fold": "Fold activations",
    "fold_tip": "Show each activation layer in the strip of the layer before it (its maps "
    "after the activation), to save room.",
    "flatten_note": "reads the {shape} maps row by row (channels last) into one vector",
    "vector": "{n} units",
    "no_outputs": "no maps yet: the network has not run on this input",
    "no_map": "Click a map below to enlarge it",
    "large_title": "<b>{name}</b> · channel {channel} · {shape}",
    "large_vector": "<b>{name}</b> · {n} units",
    "large_tip": "{what}\nIts own colour scale: {lo} … {hi}{signed}.\nPoint at a cell to read "
    "its value; click it to outline what it reads.",
    "signed": " (diverging: blue < 0 < red)",
    "dead_badge": "0",
    "dead": "all 0 for this input",
    "dead_relu": "all 0 for this input: a 'dead' ReLU map (no value got above 0), so a small "
    "edit of the kernel before it changes nothing here",
    "large_dead": " · <i>all 0</i>",
    "readout_hint": "Point: value · click: receptive field",
    "readout": "{name} channel {channel}, row {row}, col {col}: {value}",
    "readout_vector": "{name} unit {col}: {value}",
    "tile_tip": "{name} · channel {channel}\n{shape}, colour scale {lo} … {hi}\n"
    "Click to enlarge; click the enlarged map (or this tile once selected) for a unit's "
    "receptive field.",
    "cell_tip": "{name} · unit {index}: {value}\nClick to select; click again for its "
    "receptive field.",
    "input_tip": "the network's input, channel {channel}",
    "rf_title": "<b>Input</b> · {shape}",
    "rf_channel0": " (channel 0 shown)",
    "rf_none": "Click a unit on an enlarged map to see which input pixels it reads.",
    "rf_caption": "Receptive field of {name} {unit}: rows {rows}, cols {cols} · {size}",
    "rf_size": "{h}×{w} px, stride {stride}, padding {padding}",
    "rf_box_size": "{h}×{w} px",
    "rf_padded": " · {n} of its px are padding (zeros)",
    "rf_edge": " · here {h}×{w} px (at the edge a later layer's padding reads no pixel)",
    "rf_whole": "Receptive field of {name} {unit}: reads the whole input ({h}×{w} px)",
    "rf_empty": "{name} {unit} reads no input pixel (no input reaches this cell)",
    "padding": "padding",
    "no_input": "no input",
}

#: Every tile is at least this many screen pixels on its longer side.
TILE_MIN_PX = 36
#: Gap between tiles in a strip, in pixels.
TILE_GAP = 6
#: Room around the tiles for the selection frame, in pixels.
STRIP_MARGIN = 6
#: Colours of the outlines: the receptive field, the unit, the selected tile.
RF_COLOR = QColor(255, 170, 0)
UNIT_COLOR = QColor(0, 220, 255)
SELECT_COLOR = QColor(40, 110, 230)
TILE_BG = 0xFF26282E
#: Padding cells of the input: a blue tint (zeros), the receptive field's part hatched.
PAD_TINT = QColor(60, 130, 220, 90)
PAD_HATCH = QColor(255, 170, 0, 200)
#: The "0" badge of a map that is 0 everywhere (a dead ReLU map): white on a dull red.
DEAD_FILL = QColor(150, 40, 40, 230)
DEAD_EDGE = QColor(255, 255, 255, 200)

#: The smallest side of the input view and of the enlarged map (they shrink with the page).
VIEW_MIN_SIDE = 90

#: Layer kinds drawn as a bar of cells.
VECTOR_KINDS = ("dense", "softmax")
#: Layer kinds that can fold into the strip of the layer before them.
FOLDABLE_KINDS = ("activation",)


def tile_scale(h: int, w: int, target: int) -> tuple[int, int]:
    """Screen pixels per map cell and map cells per screen pixel for a tile near ``target``.

    Returns ``(k, f)``: a map of ``h × w`` cells is averaged over ``f × f`` blocks and each
    block drawn ``k × k`` pixels, both whole numbers, so every cell is equally large. Maps
    up to twice ``target`` are drawn whole (``f = 1``), their longer side at least ``target``
    and their shorter at least :data:`TILE_MIN_PX` (up to six times ``target`` long); larger
    maps are averaged no more than keeps both sides at least ``target`` and
    :data:`TILE_MIN_PX`.

    Examples
    --------
    >>> tile_scale(26, 26, 45), tile_scale(5, 5, 45), tile_scale(200, 100, 45)
    ((2, 1), (9, 1), (1, 2))
    >>> tile_scale(26, 4, 45)  # a narrow map: its short side 36 px, not 8
    (9, 1)
    """
    side, short = max(1, h, w), max(1, min(h, w))
    if side <= 2 * target:
        k = max(math.ceil(target / side), math.ceil(TILE_MIN_PX / short))
        return max(1, min(k, (6 * target) // side)), 1
    return 1, max(1, min(side // target, short // TILE_MIN_PX))


def vector_grid(n: int, channels: int | None = None) -> tuple[int, int]:
    """Rows and columns a vector of ``n`` values is folded into when shown enlarged.

    Up to 32 values stay one row (a bar of cells). A flatten of maps with ``channels``
    channels (up to 64) gets a row per map cell, its channels side by side, as Keras lays
    them out; anything else a near-square grid (the last row may be part empty).

    Examples
    --------
    >>> vector_grid(10), vector_grid(800, 32), vector_grid(128), vector_grid(101)
    ((1, 10), (25, 32), (8, 16), (10, 11))
    """
    n = max(1, int(n))
    if n <= 32:
        return 1, n
    if channels is not None and 1 < channels <= 64 and n % channels == 0:
        return n // channels, int(channels)
    root = math.isqrt(n - 1) + 1
    for d in range(root, 2 * root + 1):
        if n % d == 0:
            return n // d, d
    return -(-n // root), root


def channel_levels(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each channel's own colour limits and whether it is signed, for ``(H, W, C)`` data.

    The rule of :func:`convgui.layer_state.map_levels`, for all channels at once: a channel
    with a negative value gets limits symmetric about 0 (a diverging map), one that is never
    negative spans its minimum to its maximum. A constant channel that is never negative is
    drawn from 0 (black: a ReLU map that never fires is black, not mid-grey) to its value
    (0 to 1 for zeros); one with no finite value 0 to 1.

    Examples
    --------
    >>> lo, hi, signed = channel_levels(np.array([[[-2.0, 3.0, 0.0], [1.0, 5.0, 0.0]]]))
    >>> lo.tolist(), hi.tolist(), signed.tolist()
    ([-2.0, 3.0, 0.0], [2.0, 5.0, 1.0], [True, False, False])

    Returns
    -------
    lo, hi : ndarray of float64, shape (C,)
    signed : ndarray of bool, shape (C,)
    """
    data = np.asarray(data)
    c = data.shape[-1]
    lo = hi = None
    if data.size:
        # Reduce over the rows first (along memory), then over the few columns per channel:
        # ten times faster than reducing a (pixels, C) array along its first axis.
        rows = data.reshape(data.shape[0], -1)
        lo = rows.min(axis=0).reshape(-1, c).min(axis=0).astype(np.float64)
        hi = rows.max(axis=0).reshape(-1, c).max(axis=0).astype(np.float64)
    if lo is None or hi is None or not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        d = data.reshape(-1, c)
        d = np.where(np.isfinite(d), d, np.nan)
        empty = np.all(np.isnan(d), axis=0) if d.shape[0] else np.ones(d.shape[1], bool)
        with np.errstate(all="ignore"):
            lo = np.where(empty, 0.0, np.nanmin(np.where(empty[None], 0.0, d), axis=0))
            hi = np.where(empty, 1.0, np.nanmax(np.where(empty[None], 1.0, d), axis=0))
    signed = lo < 0
    m = np.maximum(-lo, hi)
    flat = ~signed & (hi <= lo)
    # A constant map that is never negative: 0 black (a unit that never fires), v > 0 white.
    lo2 = np.where(signed, -m, np.where(flat, 0.0, lo))
    hi2 = np.where(signed, m, np.where(flat, np.where(hi > 0, hi, 1.0), hi))
    return lo2, hi2, signed


@cache
def _luts() -> np.ndarray:
    """Grey then blue-white-red, 256 entries each, as 0xFFRRGGBB (an index + 256 is diverging)."""
    return np.concatenate([lut_of("gray"), lut_of("diverging")])


def strip_pixels(
    data: np.ndarray, k: int, f: int, lo: np.ndarray, hi: np.ndarray, signed: np.ndarray
) -> np.ndarray:
    """``(H, W, C)`` maps as ``(H', W', C)`` 0xFFRRGGBB pixels, ``k`` per cell, ``f``-averaged.

    Signed channels go through the blue-white-red table, the others through grey, each
    between its own ``lo`` and ``hi``; NaN is drawn as the lowest colour.

    Examples
    --------
    >>> d = np.array([[[-1.0, 0.0], [1.0, 2.0]]])
    >>> px = strip_pixels(d, 2, 1, *channel_levels(d))
    >>> px.shape, [hex(v) for v in px[0, ::2, 0]], [hex(v) for v in px[0, ::2, 1]]
    ((2, 4, 2), ['0xff2166ac', '0xffb2182b'], ['0xff000000', '0xffffffff'])
    """
    if f > 1 and data.shape[0] >= f and data.shape[1] >= f:
        data = pool2d(data, f, op="avg")  # the engine's threaded block average
    span = hi - lo
    scale = np.where(span > 0, 255.0 / np.where(span > 0, span, 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        idx = (data - lo) * scale + 0.5
    np.clip(idx, 0, 255, out=idx)
    if not np.isfinite(idx).all():
        idx = np.nan_to_num(idx, nan=0.0)
    ii = idx.astype(np.intp) + np.where(signed, 256, 0)
    pix = _luts()[ii]
    if k > 1:
        pix = np.repeat(np.repeat(pix, k, axis=0), k, axis=1)
    return np.asarray(pix, dtype=np.uint32)


def _fmt(v: float) -> str:
    return format_value(float(v))


def _span(a: int, b: int) -> str:
    """Cells ``a`` to ``b`` (inclusive) as "4–11", or "−2 to 5" when one is negative."""
    if a < 0 or b < 0:
        return f"{a} to {b}".replace("-", "−")
    return f"{a}–{b}"


def _pair_text(v: tuple[int, int]) -> str:
    return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"


def rf_caption(rf: ReceptiveField, name: str, input_shape: Sequence[int]) -> str:
    """The sentence :class:`InputRFView` writes under the input for ``rf``.

    Examples
    --------
    >>> from convgui.core.network import LayerSpec, pool_layer, receptive_field
    >>> net = [LayerSpec("conv2d", "c1"), pool_layer(name="p1"), LayerSpec("conv2d", "c2")]
    >>> rf_caption(receptive_field(net, (28, 28, 1), 2, (3, 4)), "c2", (28, 28, 1))
    'Receptive field of c2 (3, 4): rows 6–13, cols 8–15 · 8×8 px, stride 2, padding 0'
    """
    box = rf.boxes[0]
    unit = f"({', '.join(str(u) for u in rf.unit)})"
    h, w = int(input_shape[0]), int(input_shape[1])
    if box.whole:
        return TEXTS["rf_whole"].format(name=name, unit=unit, h=h, w=w)
    if box.empty:
        return TEXTS["rf_empty"].format(name=name, unit=unit)
    if rf.size is not None and rf.stride is not None and rf.padding is not None:
        size = TEXTS["rf_size"].format(
            h=rf.size[0],
            w=rf.size[1],
            stride=_pair_text(rf.stride),
            padding=_pair_text(rf.padding),
        )
    else:
        size = TEXTS["rf_box_size"].format(h=box.rows, w=box.cols)
    text = TEXTS["rf_caption"].format(
        name=name,
        unit=unit,
        rows=_span(box.top, box.bottom - 1),
        cols=_span(box.left, box.right - 1),
        size=size,
    )
    if rf.size is not None and (box.rows, box.cols) != tuple(rf.size):
        text += TEXTS["rf_edge"].format(h=box.rows, w=box.cols)
    inside = box.clipped((h, w))
    padded = box.rows * box.cols - inside.rows * inside.cols
    if padded > 0:
        text += TEXTS["rf_padded"].format(n=padded)
    return text


# --- one strip of tiles ------------------------------------------------------------------


class MapStrip(QWidget):
    """A row of tiles (one per channel) or a bar of cells (a vector), painted in one go.

    Signals
    -------
    clicked(int, int, int)
        ``(channel, row, col)`` of the cell under a left click (a vector: ``(0, 0, index)``).
    """

    clicked = Signal(int, int, int)
    #: The tiles changed size (the text size changed): the strip's holder fits it again.
    resized = Signal()

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.kind = kind
        self.shape = tuple(int(s) for s in shape)
        #: True for a bar of cells (a vector layer), False for map tiles.
        self.vector = len(self.shape) == 1
        self.selectable = True
        self.selected: int | None = None
        self.box: Box | None = None
        self.unit: Box | None = None
        self._image: QImage | None = None
        self._data: np.ndarray | None = None
        self._levels: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: Which channels are 0 everywhere (computed with the levels, once per data).
        self._dead: np.ndarray | None = None
        self._labels: QImage | None = None
        #: The words under the tiles (their numbers where not given).
        self.captions: list[str] = []
        #: Counts paints that showed maps (tests and benchmarks wait on it).
        self.paint_count = 0
        #: Counts the pictures built from data (built when first painted, once per new data).
        self.build_count = 0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._layout_tiles()

    # --- geometry ------------------------------------------------------------------------

    @property
    def channels(self) -> int:
        """How many tiles (1 for a vector bar)."""
        return 1 if self.vector else self.shape[2]

    def target_side(self) -> int:
        """The tile side aimed at: about three text lines, never under :data:`TILE_MIN_PX`."""
        return max(TILE_MIN_PX, round(2.8 * self.fontMetrics().height()))

    def _layout_tiles(self) -> None:
        fh = self.fontMetrics().height()
        if self.vector:
            n = max(1, self.shape[0])
            cell = max(fh + 8, 26) if n <= 16 else max(6, min(fh, 1600 // n))
            self.k, self.f = cell, 1
            self.cell_w, self.cell_h = cell, max(fh + 8, 26)
            self.tile_w, self.tile_h = cell * n, self.cell_h
            self.labels = n <= 32
        else:
            h, w = self.shape[0], self.shape[1]
            self.k, self.f = tile_scale(h, w, self.target_side())
            rows, cols = max(1, h // self.f), max(1, w // self.f)
            self.cell_w = self.cell_h = self.k
            self.tile_w, self.tile_h = cols * self.k, rows * self.k
            self.labels = True
        self.label_h = fh if self.labels else 0
        n = self.channels
        self.setFixedSize(
            QSize(
                2 * STRIP_MARGIN + n * self.tile_w + (n - 1) * TILE_GAP,
                2 * STRIP_MARGIN + self.tile_h + self.label_h + (2 if self.label_h else 0),
            )
        )
        self._image = None  # built anew at the new size when next painted
        self._labels = None
        self.update()
        self.resized.emit()

    def tile_rect(self, channel: int) -> QRect:
        """Where tile ``channel`` is drawn (widget pixels)."""
        x = STRIP_MARGIN + channel * (self.tile_w + TILE_GAP)
        return QRect(x, STRIP_MARGIN, self.tile_w, self.tile_h)

    def cell_rect(self, channel: int, box: Box) -> QRectF:
        """Where ``box`` (map cells) lies on tile ``channel`` (widget pixels)."""
        t = self.tile_rect(channel)
        if self.vector:
            return QRectF(
                t.left() + box.left * self.cell_w, t.top(), box.cols * self.cell_w, t.height()
            )
        px = self.k / self.f  # screen pixels per map cell (block-averaged maps: below 1)
        return QRectF(
            t.left() + box.left * px, t.top() + box.top * px, box.cols * px, box.rows * px
        ).intersected(QRectF(t))

    def hit(self, pos: QPoint | QPointF) -> tuple[int, int, int] | None:
        """``(channel, row, col)`` of the map cell under ``pos``, or None."""
        x, y = float(pos.x()), float(pos.y())
        for c in range(self.channels):
            t = QRectF(self.tile_rect(c))
            if t.contains(QPointF(x, y)):
                if self.vector:
                    col = int((x - t.left()) / self.cell_w)
                    return 0, 0, min(max(col, 0), self.shape[0] - 1)
                px = self.k / self.f
                row = int((y - t.top()) / px)
                col = int((x - t.left()) / px)
                return c, min(max(row, 0), self.shape[0] - 1), min(max(col, 0), self.shape[1] - 1)
        return None

    # --- data ----------------------------------------------------------------------------

    def set_data(self, data: np.ndarray | None) -> None:
        """Show ``data`` (the layer's output, of this strip's shape), or nothing.

        The picture is built when the strip is next painted, so a strip scrolled out of sight
        costs nothing until it is shown. The same read-only array given again (an output an
        edit further down the network did not change) changes nothing and repaints nothing.
        """
        if data is not None and (tuple(data.shape) != self.shape or data.size == 0):
            data = None  # not this layer's output (or nothing to draw): an empty strip
        if data is self._data and (data is None or not data.flags.writeable):
            return
        self._data = data
        self._levels = None
        self._dead = None
        self._image = None
        self.update()

    @property
    def data(self) -> np.ndarray | None:
        """The output shown (None when empty)."""
        return self._data

    def levels(self, channel: int) -> tuple[float, float, bool] | None:
        """Channel ``channel``'s colour limits and whether it is signed (None when empty)."""
        levels = self._channel_levels()
        if levels is None:
            return None
        lo, hi, signed = levels
        c = 0 if self.vector else channel
        return float(lo[c]), float(hi[c]), bool(signed[c])

    def _maps(self) -> np.ndarray | None:
        data = self._data
        if data is None:
            return None
        return data.reshape(1, -1, 1) if self.vector else data

    def _channel_levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Every channel's colour limits, computed once per data (None when empty)."""
        if self._levels is None:
            maps = self._maps()
            if maps is not None:
                self._levels = channel_levels(maps)
        return self._levels

    def dead_channels(self) -> np.ndarray:
        """Which channels are 0 everywhere for this input (bool, one per tile; none when empty).

        A map tile only: a vector bar has no dead map. A ReLU map that is all 0 never fired,
        so editing the kernel before it a little changes nothing there; its tile says so.
        """
        if self._dead is None:
            maps = self._maps()
            if maps is None or self.vector:
                self._dead = np.zeros(0, dtype=bool)
            else:
                # Over the rows first (along memory), as channel_levels does.
                rows = maps.reshape(maps.shape[0], -1)
                nonzero = (rows != 0).any(axis=0).reshape(-1, maps.shape[2]).any(axis=0)
                self._dead = ~nonzero
        return self._dead

    def dead_text(self) -> str:
        """What a dead tile's tooltip says (a ReLU map: why an edit changes nothing)."""
        return TEXTS["dead_relu"] if self.kind == "activation" else TEXTS["dead"]

    def picture(self) -> QImage | None:
        """The tiles side by side, one pixel per cell (built now if not painted since new data).

        Each tile is drawn scaled up by a whole number of screen pixels per cell.
        """
        if self._image is None and self._data is not None:
            self._build_image()
        return self._image

    def _build_image(self) -> None:
        maps = self._maps()
        levels = self._channel_levels()
        assert maps is not None and levels is not None
        lo, hi, signed = levels
        # One pixel per (averaged) cell, the channels side by side: (rows, channel, col). The
        # paint scales each tile up by a whole number of screen pixels (no smoothing), so
        # the cells come out as exact squares without building the large picture here.
        if self.vector:
            out = strip_pixels(maps, 1, 1, lo, hi, signed)[0, :, 0][None, :]
        else:
            pix = strip_pixels(maps, 1, self.f, lo, hi, signed)
            rows, cols = self.tile_h // self.k, self.tile_w // self.k
            out = np.ascontiguousarray(pix[:rows, :cols, :].transpose(0, 2, 1))
            out = out.reshape(rows, -1)
        h, w = out.shape
        img = QImage(out.data, w, h, w * 4, QImage.Format.Format_RGB32)
        self._image = img.copy()  # owns its pixels
        self.build_count += 1

    # --- marks ---------------------------------------------------------------------------

    def set_selected(self, channel: int | None) -> None:
        """Outline tile ``channel`` (None: no tile)."""
        if channel != self.selected:
            self.selected = channel
            self.update()

    def set_boxes(self, box: Box | None, unit: Box | None) -> None:
        """Outline ``box`` (receptive field) and ``unit`` (the unit itself) on every tile."""
        if (box, unit) != (self.box, self.unit):
            self.box, self.unit = box, unit
            self.update()

    # --- painting and mouse --------------------------------------------------------------

    def _visible_channels(self, area: QRect) -> range:
        """The tiles that meet ``area`` (a paint touches only those)."""
        if self.vector:
            return range(1)
        step = self.tile_w + TILE_GAP
        first = max(0, (area.left() - STRIP_MARGIN - 4) // step)
        last = min(self.channels, (area.right() - STRIP_MARGIN + 4) // step + 1)
        return range(first, max(first, last))

    def _label_image(self) -> QImage:
        """The channel numbers (or a bar's unit numbers) under the tiles, drawn once."""
        if self._labels is None:
            img = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            p = QPainter(img)
            p.setFont(self.font())
            p.setPen(self.palette().color(self.foregroundRole()))
            for i, r in enumerate(self._label_rects()):
                text = self.captions[i] if i < len(self.captions) else str(i)
                p.drawText(r, int(Qt.AlignmentFlag.AlignCenter), text)
            p.end()
            self._labels = img
        return self._labels

    def _label_rects(self) -> list[QRect]:
        fh = self.label_h
        t = self.tile_rect(0)
        if self.vector:
            return [
                QRect(t.left() + i * self.cell_w, t.bottom() + STRIP_MARGIN, self.cell_w, fh)
                for i in range(self.shape[0])
            ]
        return [
            QRect(r.left(), r.bottom() + STRIP_MARGIN, r.width(), fh)
            for r in (self.tile_rect(c) for c in range(self.channels))
        ]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        n = self.channels
        seen = self._visible_channels(event.rect())
        tiles = [self.tile_rect(c) for c in seen]
        image = self.picture()
        if image is not None:
            if self.vector:
                p.drawImage(QRect(self.tile_rect(0)), image)
            elif tiles:
                # The gaps between tiles in the tiles' background, then each tile scaled up.
                last = self.tile_rect(n - 1).right()
                band = tiles[0].united(tiles[-1])
                band.setRight(min(band.right() + TILE_GAP, last))
                p.fillRect(band, QColor(TILE_BG))
                w = image.width() // n
                for c, t in zip(seen, tiles, strict=True):
                    p.drawImage(t, image, QRect(c * w, 0, w, image.height()))
            self.paint_count += 1
        else:
            for t in tiles:
                p.fillRect(t, QColor(60, 62, 68))
        p.setPen(QPen(QColor(120, 125, 135), 1))
        p.drawRects([t.adjusted(-1, -1, 0, 0) for t in tiles])
        if self.vector and self.labels:
            p.setPen(QPen(QColor(90, 94, 102), 1))
            t = self.tile_rect(0)
            for i in range(1, self.shape[0]):
                x = t.left() + i * self.cell_w
                p.drawLine(x, t.top(), x, t.bottom())
        if self.labels:
            p.drawImage(0, 0, self._label_image())
        if image is not None and not self.vector:
            dead = self.dead_channels()
            marked = [t for c, t in zip(seen, tiles, strict=True) if c < dead.size and dead[c]]
            if marked:
                self._paint_dead(p, marked)
        if self.box is not None or self.unit is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            hw = self._map_hw()
            for b, color in ((self.box, RF_COLOR), (self.unit, UNIT_COLOR)):
                shown = None if b is None else b.clipped(hw)
                if shown is None or shown.empty:  # nothing of it on this map
                    continue
                rects = [self.cell_rect(c, shown) for c in seen]
                p.setPen(QPen(QColor(0, 0, 0, 160), 4))
                p.drawRects(rects)
                p.setPen(QPen(color, 2))
                p.drawRects(rects)
        if self.selected is not None and 0 <= self.selected < n and self.selectable:
            if not self.vector and self.labels:  # its number in bold
                r = self._label_rects()[self.selected]
                p.fillRect(r, self.palette().color(self.backgroundRole()))
                f = QFont(self.font())
                f.setBold(True)
                p.setFont(f)
                p.setPen(self.palette().color(self.foregroundRole()))
                p.drawText(r, int(Qt.AlignmentFlag.AlignCenter), str(self.selected))
            sel = self.tile_rect(0) if self.vector else self.tile_rect(self.selected)
            p.setBrush(Qt.BrushStyle.NoBrush)
            pen = QPen(SELECT_COLOR, 4)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            p.drawRect(QRectF(sel).adjusted(-3.5, -3.5, 3.5, 3.5))
        p.end()

    def _paint_dead(self, p: QPainter, tiles: list[QRect]) -> None:
        """A "0" badge in the top-right corner of each tile whose map is 0 everywhere."""
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        fm = p.fontMetrics()
        side = min(fm.height() + 2, max(12, self.tile_h // 2), max(12, self.tile_w // 2))
        p.setPen(QPen(DEAD_EDGE, 1))
        p.setBrush(QBrush(DEAD_FILL))
        text = TEXTS["dead_badge"]
        for t in tiles:
            badge = QRect(t.right() - side + 1, t.top(), side, side)
            p.drawRect(badge.adjusted(0, 0, -1, -1))
            p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _map_hw(self) -> tuple[int, int]:
        return (1, self.shape[0]) if self.vector else (self.shape[0], self.shape[1])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self.hit(event.position())
            if hit is not None:
                self.clicked.emit(*hit)
                event.accept()
                return
        super().mousePressEvent(event)

    def event(self, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.ToolTip and isinstance(ev, QHelpEvent):
            text = self.tip_at(ev.pos())
            if text:
                QToolTip.showText(ev.globalPos(), text, self)
            else:
                QToolTip.hideText()
                ev.ignore()
            return True
        return super().event(ev)

    def tip_at(self, pos: QPoint | QPointF) -> str:
        """The tooltip for the cell under ``pos`` ("" outside every tile)."""
        hit = self.hit(pos)
        if hit is None:
            return ""
        c, _row, col = hit
        if not self.selectable:
            return TEXTS["input_tip"].format(channel=c)
        if self.vector:
            value = "—" if self._data is None else _fmt(self._data[col])
            return TEXTS["cell_tip"].format(name=self.name, index=col, value=value)
        lv = self.levels(c)
        lo, hi = ("—", "—") if lv is None else (_fmt(lv[0]), _fmt(lv[1]))
        shape = f"{self.shape[0]}×{self.shape[1]}"
        tip = TEXTS["tile_tip"].format(name=self.name, channel=c, shape=shape, lo=lo, hi=hi)
        dead = self.dead_channels()
        if c < dead.size and dead[c]:
            tip = f"{self.dead_text()}.\n{tip}"
        return tip

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._layout_tiles()
        elif event.type() == QEvent.Type.PaletteChange:
            self._labels = None
            self.update()


class _SideScroll(QScrollArea):
    """Scrolls sideways only; a vertical wheel scrolls the column of strips around it."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        d = event.angleDelta()
        if d.x() != 0 or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            super().wheelEvent(event)
            return
        outer = self.parentWidget()
        while outer is not None and not isinstance(outer, QScrollArea):
            outer = outer.parentWidget()
        if outer is None:
            event.ignore()
            return
        # Handed on explicitly: Qt passes an ignored wheel to the parent only when it came
        # from the mouse itself.
        QCoreApplication.sendEvent(outer.viewport(), event)
        event.accept()

    def sizeHint(self) -> QSize:
        w = self.widget()
        if w is None:
            return super().sizeHint()
        return QSize(w.width() + 2, w.height() + self.horizontalScrollBar().sizeHint().height())


@dataclass
class _StripPlan:
    """Which layers one strip stands for, and whose output it draws."""

    layers: tuple[int, ...]
    shown: int


class LayerStrip(QWidget):
    """A layer's title row and its tiles (or a one-line note for a flatten layer)."""

    def __init__(
        self, title: str, strip: MapStrip | None, note: str = "", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.strip = strip
        self.note: QLabel | None = None
        self.area: _SideScroll | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 4)
        lay.setSpacing(2)
        if strip is None:
            row = QHBoxLayout()
            row.setSpacing(8)
            self.note = QLabel(note)
            self.note.setObjectName("flattenNote")
            row.addWidget(self.title)
            row.addWidget(self.note, 1)
            lay.addLayout(row)
        else:
            lay.addWidget(self.title)
            self.area = _SideScroll()
            self.area.setFrameShape(QFrame.Shape.NoFrame)
            self.area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            self.area.setWidget(strip)
            self.area.setWidgetResizable(False)
            self.area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            lay.addWidget(self.area)
            strip.resized.connect(self._fit_area)
            self._fit_area()

    def _fit_area(self) -> None:
        """As tall as the tiles, plus the scroll bar only when they do not fit sideways."""
        if self.area is not None and self.strip is not None:
            wide = self.strip.width() > max(self.area.width(), self.width()) - 2
            bar = self.area.horizontalScrollBar().sizeHint().height() if wide else 0
            h = self.strip.height() + bar + 2
            if self.area.height() != h or self.area.minimumHeight() != h:
                self.area.setFixedHeight(h)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_area()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_area()


# --- the enlarged map --------------------------------------------------------------------


class _LargeMap(QWidget):
    """One map large, with its colour bar, a title and a value read-out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(TEXTS["no_map"])
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.view = ImageView(colorbar=True)
        self.view.setObjectName("networkMapView")
        self.view.setMinimumSize(VIEW_MIN_SIDE + 20, VIEW_MIN_SIDE)  # and the colour bar
        # Share the room by the layout's stretch (an ImageView is Expanding on its own).
        pref = QSizePolicy.Policy.Preferred
        self.view.setSizePolicy(pref, pref)
        self.readout = QLabel(TEXTS["readout_hint"])
        self.readout.setObjectName("mapReadout")
        self.readout.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.readout)
        pen_rf = pg.mkPen(RF_COLOR, width=3, cosmetic=True)
        pen_unit = pg.mkPen(UNIT_COLOR, width=3, cosmetic=True)
        self.rf_item = QGraphicsRectItem()
        self.rf_item.setPen(pen_rf)
        self.rf_item.setZValue(30)
        self.unit_item = QGraphicsRectItem()
        self.unit_item.setPen(pen_unit)
        self.unit_item.setBrush(QBrush(QColor(0, 220, 255, 60)))
        self.unit_item.setZValue(31)
        for item in (self.rf_item, self.unit_item):
            item.hide()
            self.view.view.addItem(item, ignoreBounds=True)

    def sizeHint(self) -> QSize:
        fh = self.fontMetrics().height()
        return QSize(16 * fh, 16 * fh)

    def hasHeightForWidth(self) -> bool:
        # The wrapped captions would make the layout ask the views' large size hint instead.
        return False


# --- the whole view ----------------------------------------------------------------------


class NetworkMapsView(QWidget):
    """Every layer's maps in strips, the selected map enlarged, receptive fields outlined.

    Signals
    -------
    map_selected(int, int)
        ``(layer, channel)`` of a tile the user clicked (a vector layer: channel 0).
    unit_clicked(int, int, int)
        ``(layer, row, col)`` of a unit the user clicked on the enlarged map, or on the tile
        already selected. A vector layer's unit is ``(layer, 0, index)``: its receptive field
        is that of unit ``(index,)``.
    """

    map_selected = Signal(int, int)
    unit_clicked = Signal(int, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.shapes: list[tuple[int, ...]] = []
        self.outputs: list[np.ndarray] | None = None
        self.input: np.ndarray | None = None
        self.selected_layer = -1
        self.selected_channel = 0
        self.rf: ReceptiveField | None = None
        self.fold_activations = False
        self._input_strip_visible = True
        #: The strips in order (input first when an input was given), and what each shows.
        self.strips: list[LayerStrip] = []
        self.input_strip: LayerStrip | None = None
        self._plans: list[_StripPlan] = []
        self._strip_of_layer: dict[int, int] = {}
        self._large_key: tuple[object, ...] | None = None
        #: The output array, layer and channel the enlarged map was last drawn from.
        self._large_src: tuple[np.ndarray, int, int] | None = None

        self.large = _LargeMap()
        self.large.view.clicked.connect(self._on_large_clicked)
        self.large.view.hovered.connect(self._on_large_hovered)

        self.fold_box = QCheckBox(TEXTS["fold"])
        self.fold_box.setToolTip(TEXTS["fold_tip"])
        self.fold_box.toggled.connect(self.set_fold_activations)
        self.message = QLabel("")
        self.message.setObjectName("mapsMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self._column = QWidget()
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setContentsMargins(4, 4, 4, 4)
        self._column_layout.setSpacing(4)
        self._column_layout.addStretch(1)
        self.strips_area = QScrollArea()
        self.strips_area.setObjectName("layerStrips")
        self.strips_area.setWidgetResizable(True)
        self.strips_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strips_area.setWidget(self._column)

        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(2)
        head = QHBoxLayout()
        head.addWidget(self.message, 1)
        head.addStretch(0)
        head.addWidget(self.fold_box)
        bl.addLayout(head)
        bl.addWidget(self.strips_area, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mapsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.large)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)
        grow = QSizePolicy.Policy.Expanding
        self.setSizePolicy(grow, grow)

    def sizeHint(self) -> QSize:
        # Room for three strips of tiles (and the enlarged map while it is inside).
        fh = self.fontMetrics().height()
        strips = 3 * (5 * fh + 24)
        inside = self.large.parent() is self.splitter
        return QSize(30 * fh, strips + (16 * fh if inside else 0) + 2 * fh)

    # --- public interface ----------------------------------------------------------------

    def set_layers(
        self, names: Sequence[str], kinds: Sequence[str], shapes: Sequence[Sequence[int]]
    ) -> None:
        """The network's layers: their names, kinds (``LayerSpec.type``) and output shapes.

        Rebuilds the strips only when something changed; the outputs shown so far are
        dropped when their shapes no longer match.
        """
        names, kinds = [str(n) for n in names], [str(k) for k in kinds]
        shp = [tuple(int(v) for v in s) for s in shapes]
        if not len(names) == len(kinds) == len(shp):
            raise ValueError(
                f"set_layers needs one name, kind and shape per layer, got {len(names)} names, "
                f"{len(kinds)} kinds and {len(shp)} shapes"
            )
        if (names, kinds, shp) == (self.names, self.kinds, self.shapes):
            return
        self.names, self.kinds, self.shapes = names, kinds, shp
        if self.outputs is not None and not self._outputs_fit(self.outputs):
            self.outputs = None
        if self.rf is not None and self.rf.layer >= len(names):
            self.rf = None
        self._rebuild()

    def set_input(self, x: np.ndarray | None) -> None:
        """The network's input ``(H, W, C)`` (drawn as the first strip, one tile a channel)."""
        if x is not None:
            x = np.asarray(x)
            if x.ndim == 2:
                x = x[:, :, None]
            if x.ndim != 3 or x.size == 0:
                x = None
        old = None if self.input is None else self.input.shape
        self.input = x
        if (None if x is None else x.shape) != old:
            self._rebuild()
        elif self.input_strip is not None and self.input_strip.strip is not None:
            self.input_strip.strip.set_data(x)

    def set_outputs(self, outputs: Sequence[np.ndarray] | None) -> None:
        """Every layer's output (as the network's forward pass gives them), or None.

        Only the tiles' pictures are redrawn; outputs whose shapes do not match the layers
        are not shown (the strips say there are no maps yet).
        """
        outs = None if outputs is None else [np.asarray(o) for o in outputs]
        if outs is not None and not self._outputs_fit(outs):
            outs = None
        self.outputs = outs
        for plan, ls in zip(self._plans, self._layer_strips(), strict=True):
            if ls.strip is not None:
                ls.strip.set_data(None if outs is None else outs[plan.shown])
        self.message.setText(TEXTS["no_outputs"])
        self.message.setVisible(outs is None and bool(self.names))
        self._update_large(refit=False)

    def set_selected(self, layer: int, channel: int) -> None:
        """Outline tile ``channel`` of ``layer`` and show it enlarged (no signal)."""
        layer, channel = int(layer), int(channel)
        if (layer, channel) == (self.selected_layer, self.selected_channel):
            return
        self.selected_layer, self.selected_channel = layer, channel
        self._update_selection()
        self._update_large(refit=True)
        self._scroll_to_selected()

    def set_receptive_field(self, rf: ReceptiveField | None) -> None:
        """Outline ``rf.boxes[i + 1]`` on layer ``i``'s tiles and the enlarged map (None: clear)."""
        if rf is not None and not 0 <= rf.layer < len(self.names):
            rf = None
        self.rf = rf
        self._update_boxes()

    def set_fold_activations(self, on: bool) -> None:
        """Show activation layers in the strip of the layer before them (or each alone)."""
        on = bool(on)
        if on != self.fold_box.isChecked():
            self.fold_box.setChecked(on)  # comes back here through toggled
            return
        if on != self.fold_activations:
            self.fold_activations = on
            self._rebuild()

    def set_text_scale(self, factor: float) -> None:
        """View ▸ Text Size: the numbers in the enlarged map's cells (labels follow the font)."""
        self.large.view.set_text_scale(factor)

    def detach_large_map(self) -> QWidget:
        """Take the enlarged map out of this view, for the page to place (e.g. beside the input).

        The strips then fill the view; the enlarged map keeps working as before (its clicks
        still emit :attr:`unit_clicked`). Returns the enlarged map's widget.
        """
        if self.large.parent() is self.splitter:
            # Unparented and not shown: a layout that takes it shows it (showing it here
            # would open it as a window of its own for a moment).
            self.large.setParent(None)
        return self.large

    def set_input_strip_visible(self, on: bool) -> None:
        """Show the input as the first strip (on by default; off when the page shows it)."""
        self._input_strip_visible = bool(on)
        if self.input_strip is not None:
            self.input_strip.setVisible(self._input_strip_visible)

    # --- queries (the page and tests) ----------------------------------------------------

    def strip_of(self, layer: int) -> LayerStrip | None:
        """The strip showing ``layer`` (its own, or the one it is folded into)."""
        i = self._strip_of_layer.get(int(layer))
        return None if i is None else self._layer_strips()[i]

    def layer_strips(self) -> list[LayerStrip]:
        """The layers' strips in order (the input strip not included)."""
        return self._layer_strips()

    # --- building ------------------------------------------------------------------------

    def _layer_strips(self) -> list[LayerStrip]:
        return [s for s in self.strips if s is not self.input_strip]

    def _outputs_fit(self, outs: Sequence[np.ndarray]) -> bool:
        return len(outs) == len(self.shapes) and all(
            tuple(o.shape) == s for o, s in zip(outs, self.shapes, strict=True)
        )

    def _plan(self) -> list[_StripPlan]:
        plans: list[_StripPlan] = []
        for i, kind in enumerate(self.kinds):
            if (
                self.fold_activations
                and kind in FOLDABLE_KINDS
                and plans
                and plans[-1].layers[-1] == i - 1
                and self.kinds[i - 1] not in FOLDABLE_KINDS + ("flatten",)
                and self.shapes[i - 1] == self.shapes[i]
            ):
                prev = plans[-1]
                plans[-1] = _StripPlan(prev.layers + (i,), i)
            else:
                plans.append(_StripPlan((i,), i))
        return plans

    def _title(self, plan: _StripPlan) -> str:
        names = " → ".join(self.names[i] for i in plan.layers)
        kinds = " + ".join(_kind_label(self.kinds[i]) for i in plan.layers)
        return f"<b>{_esc(names)}</b> · {kinds} · {_shape_text(self.shapes[plan.shown])}"

    def _rebuild(self) -> None:
        for s in self.strips:
            self._column_layout.removeWidget(s)
            s.hide()
            s.setParent(None)
            s.deleteLater()
        self.strips = []
        self.input_strip = None
        self._plans = self._plan()
        self._strip_of_layer = {}
        at = 0
        if self.input is not None:
            strip = MapStrip(TEXTS["input"], "input", self.input.shape)
            if self.input.shape[2] == 3:
                strip.captions = ["R", "G", "B"]
            strip.selectable = False
            strip.setCursor(Qt.CursorShape.ArrowCursor)
            title = f"<b>{TEXTS['input']}</b> · {_shape_text(self.input.shape)}"
            self.input_strip = LayerStrip(title, strip)
            self.input_strip.setObjectName("inputStrip")
            self.input_strip.setVisible(self._input_strip_visible)
            strip.set_data(self.input.astype(np.float32, copy=False))
            self._column_layout.insertWidget(at, self.input_strip)
            self.strips.append(self.input_strip)
            at += 1
        for n, plan in enumerate(self._plans):
            shape = self.shapes[plan.shown]
            kind = self.kinds[plan.shown]
            if kind == "flatten" or (len(shape) == 1 and kind not in VECTOR_KINDS):
                note = TEXTS["flatten_note"].format(
                    values=shape[0],
                    shape=_shape_text(self.shapes[plan.shown - 1])
                    if plan.shown > 0
                    else _shape_text(self.input.shape if self.input is not None else shape),
                )
                ls = LayerStrip(self._title(plan), None, note)
            else:
                strip = MapStrip(self.names[plan.shown], kind, shape)
                strip.clicked.connect(lambda c, r, col, n=n: self._on_tile_clicked(n, c, r, col))
                ls = LayerStrip(self._title(plan), strip)
                if self.outputs is not None:
                    strip.set_data(self.outputs[plan.shown])
            ls.setObjectName(f"layerStrip{plan.shown}")
            for i in plan.layers:
                self._strip_of_layer[i] = n
            self._column_layout.insertWidget(at, ls)
            self.strips.append(ls)
            at += 1
        self.message.setText(TEXTS["no_outputs"])
        self.message.setVisible(self.outputs is None and bool(self.names))
        self._update_selection()
        self._update_boxes()
        self._update_large(refit=True)

    # --- selection, boxes, the enlarged map ----------------------------------------------

    def _update_selection(self) -> None:
        sel = self._strip_of_layer.get(self.selected_layer)
        for n, ls in enumerate(self._layer_strips()):
            if ls.strip is not None:
                ls.strip.set_selected(self.selected_channel if n == sel else None)

    def _scroll_to_selected(self) -> None:
        ls = self.strip_of(self.selected_layer)
        if ls is None or ls.strip is None or ls.area is None:
            return
        s = ls.strip
        c = 0 if s.vector else min(max(self.selected_channel, 0), s.channels - 1)
        r = s.tile_rect(c)
        ls.area.ensureVisible(r.center().x(), r.center().y(), r.width() // 2 + 8, 0)

    def _boxes_for(self, layers: Sequence[int]) -> tuple[Box | None, Box | None]:
        rf = self.rf
        if rf is None:
            return None, None
        below = [i for i in layers if i <= rf.layer]
        if not below:
            return None, None
        j = max(below)
        if j + 1 >= len(rf.boxes):
            return None, None
        box = rf.boxes[j + 1]
        return (None, box) if j == rf.layer else (box, None)

    def _update_boxes(self) -> None:
        for plan, ls in zip(self._plans, self._layer_strips(), strict=True):
            if ls.strip is not None:
                ls.strip.set_boxes(*self._boxes_for(plan.layers))
        if self.input_strip is not None and self.input_strip.strip is not None:
            box = None if self.rf is None or not self.rf.boxes else self.rf.boxes[0]
            self.input_strip.strip.set_boxes(box, None)
        self._update_large_boxes()

    def _vector_grid(self, layer: int) -> tuple[int, int]:
        """How the enlarged map folds vector layer ``layer`` (see :func:`vector_grid`)."""
        n = int(np.prod(self.shapes[layer]))
        before = self.shapes[layer - 1] if layer > 0 else None
        if before is None and self.input is not None:
            before = tuple(self.input.shape)
        channels = before[2] if before is not None and len(before) == 3 else None
        return vector_grid(n, channels if self.kinds[layer] == "flatten" else None)

    def _large_data(self) -> tuple[np.ndarray, bool] | None:
        """The selected map as 2-D data, and whether it is a vector (folded into rows).

        A vector of more than 32 values is folded into rows (:func:`vector_grid`), so it is
        a readable block of cells rather than a line one pixel high; cells past its end
        are NaN (drawn empty).
        """
        layer = self.selected_layer
        if self.outputs is None or not 0 <= layer < len(self.outputs):
            return None
        out = self.outputs[layer]
        if out.ndim == 1:
            rows, cols = self._vector_grid(layer)
            if rows * cols == out.size:
                return out.reshape(rows, cols), True
            grid = np.full(rows * cols, np.nan, dtype=np.float32)
            grid[: out.size] = out
            return grid.reshape(rows, cols), True
        if out.ndim == 3 and 0 <= self.selected_channel < out.shape[2]:
            return out[:, :, self.selected_channel], False
        return None

    def _large_source(self) -> tuple[np.ndarray, int, int] | None:
        """The output the enlarged map shows, with its layer and channel (None: none)."""
        layer = self.selected_layer
        if self.outputs is None or not 0 <= layer < len(self.outputs):
            return None
        return self.outputs[layer], layer, self.selected_channel

    def _update_large(self, *, refit: bool) -> None:
        lm = self.large
        src, old = self._large_source(), self._large_src
        if (
            not refit
            and src is not None
            and old is not None
            and src[0] is old[0]
            and not src[0].flags.writeable
            and src[1:] == old[1:]
        ):
            # The same read-only output (an edit further down the network): the picture,
            # its colour bar and the numbers in its cells are already right.
            return
        self._large_src = src
        got = self._large_data()
        if got is None:
            lm.view.set_image(None)
            lm.title.setText(TEXTS["no_map"])
            self._large_key = None
            self._large_src = None
            self._update_large_boxes()
            return
        data, vector = got
        lo, hi, signed = channel_levels(data[:, :, None])
        levels = (float(lo[0]), float(hi[0]))
        cmap = make_lut_cmap("diverging" if signed[0] else "gray")
        key = (self.selected_layer, self.selected_channel if not vector else 0, data.shape)
        lm.view.set_image(data, levels=levels, cmap=cmap)
        if refit or key != self._large_key:
            lm.view.fit()
        self._large_key = key
        name = _esc(self.names[self.selected_layer])
        if vector:
            title = TEXTS["large_vector"].format(
                name=name, n=self.outputs[self.selected_layer].size
            )
        else:
            shape = f"{data.shape[0]}×{data.shape[1]}"
            title = TEXTS["large_title"].format(
                name=name, channel=self.selected_channel, shape=shape
            )
        dead = not vector and not data.any()
        if dead:
            title += TEXTS["large_dead"]
        lm.title.setText(title)
        tip = TEXTS["large_tip"].format(
            what=_plain(title),
            lo=_fmt(levels[0]),
            hi=_fmt(levels[1]),
            signed=TEXTS["signed"] if signed[0] else "",
        )
        if dead:
            kind = self.kinds[self.selected_layer]
            tip = (TEXTS["dead_relu"] if kind == "activation" else TEXTS["dead"]) + ".\n" + tip
        for w in (lm.title, lm.view, lm.readout):
            w.setToolTip(tip)
        self._update_large_boxes()

    def _update_large_boxes(self) -> None:
        lm = self.large
        lm.rf_item.hide()
        lm.unit_item.hide()
        if self._large_data() is None:
            return
        box, unit = self._boxes_for((self.selected_layer,))
        for item, b in ((lm.rf_item, box), (lm.unit_item, unit)):
            if b is None or b.empty:
                continue
            shape = self.shapes[self.selected_layer]
            if len(shape) == 1:
                rect = self._vector_rect(b.clipped((1, shape[0])))
            else:
                c = b.clipped(shape[:2])
                rect = QRectF(c.left, c.top, c.cols, c.rows)
            if rect is not None:
                item.setRect(rect)
                item.show()

    def _vector_rect(self, b: Box) -> QRectF | None:
        """Where units ``b.left`` to ``b.right`` of the folded vector lie (their rows' span)."""
        if b.empty:
            return None
        _, cols = self._vector_grid(self.selected_layer)
        first, last = b.left, b.right - 1
        r0, r1 = first // cols, last // cols
        if r0 == r1:
            return QRectF(first % cols, r0, last - first + 1, 1)
        return QRectF(0, r0, cols, r1 - r0 + 1)

    # --- mouse ---------------------------------------------------------------------------

    def _on_tile_clicked(self, strip_index: int, channel: int, row: int, col: int) -> None:
        plan = self._plans[strip_index]
        layer = plan.shown
        again = self._strip_of_layer.get(self.selected_layer) == strip_index and (
            channel == self.selected_channel or len(self.shapes[layer]) == 1
        )
        if again:
            self.unit_clicked.emit(layer, row, col)
            return
        self.set_selected(layer, channel)
        self.map_selected.emit(layer, channel)

    def _large_cell(self, x: float, y: float) -> tuple[int, int] | None:
        """The unit under ``(x, y)`` on the enlarged map, or None.

        ``(row, col)`` of a map; ``(0, index)`` of a vector (None past its end).
        """
        got = self._large_data()
        if got is None:
            return None
        cell = self.large.view.cell_at(x, y)
        if cell is None or not got[1]:
            return cell
        index = cell[0] * got[0].shape[1] + cell[1]
        n = int(np.prod(self.shapes[self.selected_layer]))
        return (0, index) if index < n else None

    def _on_large_clicked(self, x: float, y: float) -> None:
        cell = self._large_cell(x, y)
        if cell is not None:
            self.unit_clicked.emit(self.selected_layer, cell[0], cell[1])

    def _on_large_hovered(self, x: float, y: float) -> None:
        cell = None if math.isnan(x) else self._large_cell(x, y)
        got = self._large_data()
        if cell is None or got is None:
            self.large.readout.setText(TEXTS["readout_hint"])
            return
        data, vector = got
        r, c = cell
        name = self.names[self.selected_layer]
        value = _fmt(data.reshape(-1)[c] if vector else data[r, c])
        if vector:
            self.large.readout.setText(
                TEXTS["readout_vector"].format(name=name, col=c, value=value)
            )
        else:
            self.large.readout.setText(
                TEXTS["readout"].format(
                    name=name, channel=self.selected_channel, row=r, col=c, value=value
                )
            )


# --- the input with the receptive field --------------------------------------------------


class InputRFView(QWidget):
    """The network's input drawn large, with the receptive field of one unit outlined.

    The part of the field outside the image lies over a ring of padding cells (zeros, tinted
    blue as the single-kernel animation's zero padding), hatched and labelled "padding"; the
    caption writes the field's rows, columns, size, stride and padding.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.input: np.ndarray | None = None
        self.rf: ReceptiveField | None = None
        self._rf_name: str | None = None
        #: Padding cells drawn around the image on each side (top, bottom, left, right).
        self.ring = (0, 0, 0, 0)
        self.title = QLabel(TEXTS["no_input"])
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)  # wraps rather than widen the page at a large text
        self.view = ImageView()
        self.view.setObjectName("inputRFView")
        self.view.setMinimumSize(VIEW_MIN_SIDE, VIEW_MIN_SIDE)
        # The picture is about where the field lies: no numbers (nor "zoom in for values").
        self.view.values.enabled = False
        pref = QSizePolicy.Policy.Preferred
        self.view.setSizePolicy(pref, pref)
        self.caption = QLabel(TEXTS["rf_none"])
        self.caption.setObjectName("rfCaption")
        self.caption.setWordWrap(True)
        # From its first word down (a caption too long for a small view loses its end, and
        # its tooltip has it all).
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.caption)

        vb = self.view.view
        self.pad_image = pg.ImageItem()
        self.pad_image.setZValue(-5)
        self.pad_tint = QGraphicsPathItem()
        self.pad_tint.setPen(QPen(Qt.PenStyle.NoPen))
        self.pad_tint.setBrush(QBrush(PAD_TINT))
        self.pad_tint.setZValue(5)
        self.hatch = QGraphicsPathItem()
        self.hatch.setPen(QPen(Qt.PenStyle.NoPen))
        self.hatch.setBrush(QBrush(PAD_HATCH, Qt.BrushStyle.BDiagPattern))
        self.hatch.setZValue(28)
        self.box_item = QGraphicsRectItem()
        self.box_item.setPen(pg.mkPen(RF_COLOR, width=3, cosmetic=True))
        self.box_item.setZValue(30)
        self.padding_label = pg.TextItem(
            TEXTS["padding"],
            color=(255, 255, 255),
            fill=pg.mkBrush(20, 20, 24, 200),
            anchor=(0, 0),
        )
        #: The box the label names (view coordinates) and the padding on each of its sides.
        self._label_box: QRectF | None = None
        self._label_pads = (0, 0, 0, 0)
        self.padding_label.setZValue(32)
        for item in (self.pad_image, self.pad_tint, self.hatch, self.box_item):
            vb.addItem(item)
        vb.addItem(self.padding_label, ignoreBounds=True)
        # Placed anew whenever the view's scale changes (a fit, a resize, a zoom).
        vb.sigRangeChanged.connect(lambda *_: self._place_padding_label())
        vb.sigResized.connect(lambda *_: self._place_padding_label())
        self._hide_rf()

    def sizeHint(self) -> QSize:
        fh = self.fontMetrics().height()
        return QSize(16 * fh, 16 * fh)

    def _set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setToolTip(text)  # whole, when a narrow view leaves it no room
        self._fit_caption()

    def _fit_caption(self) -> None:
        """As tall as the wrapped caption needs, leaving the picture its smallest size."""
        w = self.caption.width()
        if w <= 0:
            return
        room = self.height() - self.title.height() - VIEW_MIN_SIDE - 8
        need = self.caption.heightForWidth(w)
        h = max(self.caption.fontMetrics().height(), min(need, room))
        if self.caption.minimumHeight() != h:
            self.caption.setMinimumHeight(h)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_caption()

    def hasHeightForWidth(self) -> bool:
        # The wrapped captions would make the layout ask the views' large size hint instead.
        return False

    def set_layers(
        self, names: Sequence[str], kinds: Sequence[str] = (), shapes: Sequence[Sequence[int]] = ()
    ) -> None:
        """The layers' names (the caption names the unit's layer); kinds and shapes unused."""
        self.names = [str(n) for n in names]
        self._update_rf()

    def set_input(self, x: np.ndarray | None) -> None:
        """The input ``(H, W, C)`` (or ``(H, W)``): grey for one channel, RGB for three."""
        if x is not None:
            x = np.asarray(x, dtype=np.float32)
            if x.ndim == 2:
                x = x[:, :, None]
            if x.ndim != 3 or x.size == 0:
                x = None
        first = self.input is None or x is None or self.input.shape != x.shape
        self.input = x
        if x is None:
            self.view.set_image(None)
            self.title.setText(TEXTS["no_input"])
            self._hide_rf()
            return
        lo, hi = self.levels()
        shown = x[:, :, :3] if x.shape[2] == 3 else x[:, :, 0]
        self.view.set_image(shown, levels=(lo, hi), cmap=make_lut_cmap("gray"))
        title = TEXTS["rf_title"].format(shape=_shape_text(x.shape))
        if x.shape[2] not in (1, 3):
            title += TEXTS["rf_channel0"]
        self.title.setText(title)
        if first:
            self._update_rf()
            self.view.fit()
        else:
            self._update_ring()

    def levels(self) -> tuple[float, float]:
        """The grey levels of the input: 0 to 1 unless the values go beyond."""
        x = self.input
        if x is None or not np.isfinite(x).any():
            return 0.0, 1.0
        finite = x[np.isfinite(x)]
        return float(min(0.0, finite.min())), float(max(1.0, finite.max()))

    def set_receptive_field(self, rf: ReceptiveField | None, name: str | None = None) -> None:
        """Outline ``rf.boxes[0]`` on the input (None: clear); ``name`` names its layer."""
        self.rf = rf
        self._rf_name = name
        self._update_rf()

    def set_text_scale(self, factor: float) -> None:
        """View ▸ Text Size (the label and caption follow the application font)."""
        self.view.set_text_scale(factor)
        self._place_padding_label()

    # --- drawing -------------------------------------------------------------------------

    def _hide_rf(self) -> None:
        for item in (self.pad_image, self.pad_tint, self.hatch, self.box_item, self.padding_label):
            item.hide()
        self._label_box = None
        self.ring = (0, 0, 0, 0)
        self._set_caption(TEXTS["rf_none"])

    def _layer_name(self, rf: ReceptiveField) -> str:
        if self._rf_name:
            return self._rf_name
        if 0 <= rf.layer < len(self.names):
            return self.names[rf.layer]
        return f"layer {rf.layer}"

    def _update_ring(self) -> None:
        x = self.input
        if x is None:
            return
        h, w = x.shape[:2]
        t, b, lft, r = self.ring
        if not any(self.ring):
            self.pad_image.hide()
            self.pad_tint.hide()
            return
        zeros = np.zeros((h + t + b, w + lft + r), np.float32)
        lo, hi = self.levels()
        rect = QRectF(-lft, -t, w + lft + r, h + t + b)
        self.pad_image.setImage(zeros, levels=(lo, hi), autoLevels=False)
        self.pad_image.setRect(rect)
        outer = QPainterPath()
        outer.addRect(rect)
        inner = QPainterPath()
        inner.addRect(QRectF(0, 0, w, h))
        self.pad_tint.setPath(outer.subtracted(inner))
        self.pad_image.show()
        self.pad_tint.show()

    def _update_rf(self) -> None:
        rf, x = self.rf, self.input
        if rf is None or x is None or not rf.boxes:
            self._hide_rf()
            if x is not None:
                self.view.fit()
            return
        h, w = x.shape[:2]
        box = rf.boxes[0]
        name = self._layer_name(rf)
        self._set_caption(rf_caption(rf, name, x.shape))
        self.hatch.hide()
        self.padding_label.hide()
        self._label_box = None
        if box.empty:
            self.box_item.hide()
            self.ring = (0, 0, 0, 0)
            self._update_ring()
            return
        if box.whole:
            rect = QRectF(0, 0, w, h)
            self.ring = (0, 0, 0, 0)
        else:
            rect = QRectF(box.left, box.top, box.cols, box.rows)
            pads = padding_cells(box, (h, w))
            m = max(pads)
            self.ring = (m, m, m, m) if m else (0, 0, 0, 0)
            if m:
                outside = QPainterPath()
                outside.addRect(rect)
                image = QPainterPath()
                image.addRect(QRectF(0, 0, w, h))
                part = outside.subtracted(image)
                self.hatch.setPath(part)
                self.hatch.show()
                self._label_box = QRectF(rect)
                self._label_pads = pads
        self._update_ring()
        self.box_item.setRect(rect)
        self.box_item.show()
        self.view.fit()
        self._place_padding_label()

    def _place_padding_label(self) -> None:
        """Put "padding" beside the field's box: never over its outline, never cut off.

        Tried above, below, left and right of the box (the sides where the field reads
        padding first), each slid along its side to stay in sight; a place off the image is
        preferred to one over it. With no room anywhere the label is hidden (the caption
        still counts the padding pixels).
        """
        lab, box, x = self.padding_label, self._label_box, self.input
        vb = self.view.view
        if box is None or x is None or vb.width() <= 0 or vb.height() <= 0:
            lab.hide()
            return
        sx, sy = (abs(v) for v in vb.viewPixelSize())
        if not (sx > 0 and sy > 0 and math.isfinite(sx) and math.isfinite(sy)):
            lab.hide()
            return
        text = lab.textItem.boundingRect()
        lw, lh = text.width() * sx, text.height() * sy
        seen = vb.viewRect()
        # The outline is 3 px wide, centred on the box's edge: 1.5 px out, and 1.5 px of gap.
        outline = box.adjusted(-3 * sx, -3 * sy, 3 * sx, 3 * sy)
        image = QRectF(0, 0, x.shape[1], x.shape[0])

        def slide(r: QRectF) -> QRectF:
            dx = min(max(r.left(), seen.left()), seen.right() - lw) - r.left()
            dy = min(max(r.top(), seen.top()), seen.bottom() - lh) - r.top()
            return r.translated(dx, dy)

        cx, cy = box.center().x(), box.center().y()
        sides = {
            "top": QRectF(cx - lw / 2, outline.top() - lh, lw, lh),
            "bottom": QRectF(cx - lw / 2, outline.bottom(), lw, lh),
            "left": QRectF(outline.left() - lw, cy - lh / 2, lw, lh),
            "right": QRectF(outline.right(), cy - lh / 2, lw, lh),
        }
        t, b, lft, r = self._label_pads
        order = sorted(sides, key=lambda k: -{"top": t, "bottom": b, "left": lft, "right": r}[k])
        fits = []
        for k in order:
            cand = sides[k]
            # Slide only along the side: a move across it could bring it over the outline.
            moved = slide(cand)
            if k in ("top", "bottom"):
                moved = QRectF(moved.left(), cand.top(), lw, lh)
            else:
                moved = QRectF(cand.left(), moved.top(), lw, lh)
            if seen.contains(moved) and not moved.intersects(outline):
                fits.append(moved)
        if not fits:
            lab.hide()
            return
        best = next((f for f in fits if not f.intersects(image)), fits[0])
        lab.setPos(best.topLeft())
        lab.show()


# --- small helpers ------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return str(LAYER_TYPES.get(kind, kind))


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


def _plain(rich: str) -> str:
    """A title's rich text as plain text."""
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        rich = rich.replace(tag, "")
    return rich.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
