"""Small map tiles: the input's channels and the layer's feature maps, each with its own scale.

A :class:`MapTile` paints one 2-D map as a QImage made once per map (block-averaged down to
the tile's size with the engine's pooling, then put through a 256-entry colour table), so a
grid of 64 maps repaints in a few milliseconds; nothing here uses a graphics scene. A
:class:`MapGrid` lays tiles out in as many columns as fit and repaints only the tiles whose
map changed (:attr:`convgui.layer_state.LayerResult.changed`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from ..core import pool2d
from .image_view import make_lut_cmap, rounded_lut

#: Tiles never paint more cells than this per side (the data is block-averaged down first).
TILE_MAX_CELLS = 256
#: The smallest and the preferred side of a map tile, in pixels.
TILE_MIN = 56
TILE_PREFERRED = 112


_LUTS: dict[str, np.ndarray] = {}


def lut_of(name: str) -> np.ndarray:
    """The 256-entry colour table of ``"gray"`` or ``"diverging"`` as 0xFFRRGGBB (cached)."""
    if name not in _LUTS:
        rgba = rounded_lut(make_lut_cmap(name)).astype(np.uint32)
        _LUTS[name] = (0xFF << 24) | (rgba[:, 0] << 16) | (rgba[:, 1] << 8) | rgba[:, 2]
    return _LUTS[name]


def map_pixels(
    data: np.ndarray, levels: tuple[float, float], cmap: str, max_cells: int = TILE_MAX_CELLS
) -> np.ndarray:
    """``data`` (2-D) through ``cmap`` between ``levels``, as 0xFFRRGGBB ``uint32`` pixels.

    Larger maps are block-averaged first so the result has at most about ``max_cells`` per
    side (the remainder rows and columns dropped, as the big views do).
    """
    h, w = data.shape[:2]
    f = max(1, math.ceil(max(h, w) / max(1, max_cells)))
    if f > 1 and h >= f and w >= f:
        data = pool2d(data[: (h // f) * f, : (w // f) * f], f, op="avg")
    lo, hi = levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    idx = np.clip((data - lo) * scale + 0.5, 0, 255)
    idx = np.nan_to_num(idx, nan=0.0).astype(np.uint8)
    return lut_of(cmap)[idx]


def fit_pixels(pixels: np.ndarray, height: int, width: int) -> QImage:
    """``pixels`` resampled (nearest) to ``height × width`` as an RGB32 QImage (a copy)."""
    h, w = pixels.shape
    rows = (np.arange(height) * h) // max(1, height)
    cols = (np.arange(width) * w) // max(1, width)
    out = np.ascontiguousarray(pixels[rows[:, None], cols[None, :]])
    img = QImage(out.data, width, height, width * 4, QImage.Format.Format_RGB32)
    return img.copy()  # owns its pixels


class MapTile(QWidget):
    """One map drawn to fit, with a caption above it; click to choose it.

    Signals
    -------
    clicked(int)
        The tile's index.
    """

    clicked = Signal(int)

    def __init__(self, index: int, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.caption = caption
        self.selected = False
        self._pixels: np.ndarray | None = None
        #: The map at the size it was last drawn at (repaints only blit it).
        self._scaled: QImage | None = None
        self._aspect = 1.0
        #: Counts paints that showed a map (tests and the benchmark wait on it).
        self.paint_count = 0
        #: Counts new maps given to the tile (an edit of another filter leaves it alone).
        self.map_updates = 0
        self.setMinimumSize(TILE_MIN, TILE_MIN)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(TILE_PREFERRED, TILE_PREFERRED + self.fontMetrics().height())

    def set_map(
        self,
        data: np.ndarray | None,
        levels: tuple[float, float] = (0.0, 255.0),
        cmap: str = "gray",
    ) -> None:
        """Show ``data`` (2-D) with its own ``levels`` and colour map (None: empty)."""
        self.map_updates += 1
        if data is None or data.size == 0:
            self._pixels = None
        else:
            self._aspect = data.shape[1] / max(1, data.shape[0])
            # No more cells than the tile has pixels (a 512×512 map in a 150-pixel tile is
            # averaged over 4×4 blocks once, here, instead of being scaled at every paint).
            side = max(self.image_rect().width(), self.image_rect().height(), 32)
            self._pixels = map_pixels(data, levels, cmap, max_cells=min(TILE_MAX_CELLS, side))
        self._scaled = None
        tip = self.caption
        if data is not None and data.size:
            lo, hi = levels
            tip += f"\n{data.shape[0]}×{data.shape[1]}, colour scale {lo:.4g} … {hi:.4g}"
        self.setToolTip(tip)
        self.update()

    def set_selected(self, on: bool) -> None:
        """Outline the tile (the map shown large)."""
        if on != self.selected:
            self.selected = on
            self.update()

    def image_rect(self) -> QRect:
        """Where the map is drawn inside the tile."""
        fh = self.fontMetrics().height()
        room = self.rect().adjusted(2, fh + 2, -2, -2)
        if room.width() <= 0 or room.height() <= 0:
            return QRect()
        w = min(room.width(), int(room.height() * self._aspect))
        h = min(room.height(), int(w / self._aspect)) if self._aspect > 0 else room.height()
        x = room.left() + (room.width() - w) // 2
        return QRect(x, room.top(), max(1, w), max(1, h))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        fh = self.fontMetrics().height()
        p.setPen(self.palette().color(self.foregroundRole()))
        caption = self.fontMetrics().elidedText(
            self.caption, Qt.TextElideMode.ElideRight, self.width() - 4
        )
        p.drawText(QRect(2, 0, self.width() - 4, fh), int(Qt.AlignmentFlag.AlignCenter), caption)
        r = self.image_rect()
        if self._pixels is not None and not r.isNull():
            if self._scaled is None or self._scaled.size() != r.size():
                self._scaled = fit_pixels(self._pixels, r.height(), r.width())
            p.drawImage(r.topLeft(), self._scaled)
            self.paint_count += 1
        else:
            p.fillRect(r, QColor(60, 62, 68))
        pen = QPen(QColor(255, 170, 0) if self.selected else QColor(120, 125, 135))
        pen.setWidth(3 if self.selected else 1)
        p.setPen(pen)
        p.drawRect(r.adjusted(-1, -1, 0, 0))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.index)
            event.accept()
            return
        super().mousePressEvent(event)


class MapGrid(QWidget):
    """Tiles in a grid of as many columns as fit (``columns`` fixed when given).

    Signals
    -------
    clicked(int)
        A tile was clicked (its index).
    """

    clicked = Signal(int)

    def __init__(self, columns: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fixed_columns = columns
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        #: Height / width of the maps (tiles are as tall as a map of that shape needs).
        self.aspect = 1.0
        self.tiles: list[MapTile] = []
        self._columns = 0

    def set_count(self, captions: Sequence[str]) -> bool:
        """Have one tile per caption; True when tiles were added or removed."""
        changed = len(captions) != len(self.tiles)
        while len(self.tiles) > len(captions):
            t = self.tiles.pop()
            self._layout.removeWidget(t)
            t.hide()  # gone now, not only when the deferred delete runs
            t.setParent(None)
            t.deleteLater()
        while len(self.tiles) < len(captions):
            t = MapTile(len(self.tiles), parent=self)
            t.clicked.connect(self.clicked)
            self.tiles.append(t)
        for t, c in zip(self.tiles, captions, strict=True):
            t.caption = c
        if changed:
            self._columns = 0
            self._relayout()
        return changed

    def columns_for(self, width: int) -> int:
        """How many columns of tiles fit ``width`` pixels."""
        if self._fixed_columns:
            return self._fixed_columns
        n = max(1, len(self.tiles))
        fit = max(1, (width + 4) // (TILE_MIN + 4))
        # As square a grid as the width allows (tiles as large as they can be).
        return max(1, min(n, fit, math.ceil(math.sqrt(n))))

    def _relayout(self) -> None:
        cols = self.columns_for(self.width())
        if cols != self._columns:
            self._columns = cols
            for t in self.tiles:
                self._layout.removeWidget(t)
            for i, t in enumerate(self.tiles):
                self._layout.addWidget(t, i // cols, i % cols)
            for c in range(self._layout.columnCount()):
                self._layout.setColumnStretch(c, 1 if c < cols else 0)
        if self._fixed_columns:
            return
        # Square maps: each tile as tall as it is wide (plus its caption).
        spacing = self._layout.spacing()
        side = max(TILE_MIN, (self.width() - spacing * (cols - 1)) // cols)
        picture = max(TILE_MIN // 2, min(int(side * self.aspect), 2 * side))
        height = picture + self.fontMetrics().height() + 4
        for t in self.tiles:
            if t.height() != height or t.minimumHeight() != height:
                t.setFixedHeight(height)
        rows = -(-len(self.tiles) // cols)
        self.setMinimumHeight(rows * height + max(0, rows - 1) * spacing)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def set_aspect(self, aspect: float) -> None:
        """Height / width of the maps shown (tiles follow it)."""
        if aspect > 0 and abs(aspect - self.aspect) > 1e-6:
            self.aspect = aspect
            self._columns = 0
            self._relayout()

    def select(self, index: int) -> None:
        """Outline tile ``index`` only."""
        for t in self.tiles:
            t.set_selected(t.index == index)


__all__ = ["MapGrid", "MapTile", "fit_pixels", "lut_of", "map_pixels"]
