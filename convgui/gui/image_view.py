"""Image views: the float data in a pyqtgraph view box, values written in when zoomed in.

All views share the input image's pixel coordinates, so they can be linked: an output pixel is
drawn over the centre of the window that produced it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ..core import pool2d
from ..core.layout import Placement
from ..core.text import format_value

__all__ = ["ImageView", "ValueTextItem", "format_value", "make_lut_cmap", "rounded_lut"]

#: A cell must be at least this many screen pixels wide before its value is written in it.
MIN_CELL_PX_FOR_TEXT = 22.0
#: Numbers are never drawn smaller than this (pixels, times the text scale): where they do
#: not fit, fewer digits are shown, or none, and the view says "zoom in for values".
MIN_LABEL_PX = 11
MAX_LABEL_PX = 30


def short_value(v: float) -> str:
    """A value in fewer characters: 2 significant digits, thousands as ``k``.

    Examples
    --------
    >>> short_value(0.00390625), short_value(123.4), short_value(-0.56), short_value(2030.0)
    ('.0039', '123', '-.56', '2k')
    >>> short_value(-1530.0), short_value(45210.0)
    ('-1.5k', '45k')
    """
    if not math.isfinite(v):
        return str(v)
    if abs(v) >= 999.5:
        return f"{v / 1000:.2g}k" if abs(v) < 99_500 else f"{v:.1e}"
    if abs(v) >= 9.5 or v == round(v):
        return str(round(v))
    text = f"{v:.2g}"
    if "e" in text:
        text = f"{v:.4f}".rstrip("0")
    return text.replace("0.", ".", 1) if abs(v) < 1 else text


def label_plan(
    values: np.ndarray, cell_px: float, text_scale: float = 1.0, question: bool = False
) -> tuple[Callable[[float], str | None], int] | None:
    """How to write ``values`` in cells ``cell_px`` wide: a per-value text and a font size.

    The largest size at which every label fits, never below :data:`MIN_LABEL_PX` (times the
    text scale). Where that would be too small, the readable minimum is kept and each value
    is written in full if it fits, else shorter (:func:`short_value`), else not at all (the
    text function gives None and the view says "zoom in for values"). None when the cells
    are too small for any number.
    """
    minimum = MIN_LABEL_PX * text_scale
    top = min(MAX_LABEL_PX * text_scale, cell_px / 2.4)
    if top < minimum:
        return None
    if question:
        return (lambda v: "?"), int(top)

    def room(text: str) -> float:  # the largest font at which ``text`` fits its cell
        return (cell_px - 4) / (0.62 * max(1, len(text)))

    longest = max((len(format_value(float(v))) for v in values), default=1)
    size = min(top, room("0" * longest))
    if size >= minimum:
        return format_value, int(size)
    size = int(minimum)

    def text(v: float) -> str | None:
        for fmt in (format_value, short_value):
            t = fmt(v)
            if room(t) >= size:
                return t
        return None

    return text, size


#: Never label more cells than this at once (keeps painting fast when zoomed out).
MAX_LABELS = 3000


class ValueTextItem(pg.GraphicsObject):
    """Writes each visible pixel's value in its cell once cells are large enough on screen."""

    def __init__(self) -> None:
        super().__init__()
        self._data: np.ndarray | None = None
        self._rect = QRectF()
        self.enabled = True
        #: Cells whose centre lies inside this rect are not labelled (drawn by another item).
        self.skip: QRectF | None = None
        #: Label every cell "?" (values not known yet, as in the lesson's question).
        self.question = False
        #: Multiplies every label's size (View ▸ Text Size, for projectors).
        self.text_scale = 1.0
        #: Called with True when values were drawn, False when cells were too small for them.
        self.on_fit: Callable[[bool | None], None] | None = None
        self.fits: bool | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setZValue(10)

    def set_data(self, data: np.ndarray | None, rect: QRectF) -> None:
        """Show the values of ``data`` (2-D, or the first channel of 3-D) placed at ``rect``."""
        self.prepareGeometryChange()
        self._data = None if data is None else (data if data.ndim == 2 else data[..., 0])
        self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def _report(self, fits: bool | None) -> None:
        if fits != self.fits:
            self.fits = fits
            if self.on_fit is not None:
                self.on_fit(fits)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        data = self._data
        if data is None or not self.enabled:
            self._report(None)
            return
        h, w = data.shape
        cw, ch = self._rect.width() / w, self._rect.height() / h
        tr = painter.transform()
        px = min(abs(tr.m11()) * cw, abs(tr.m22()) * ch) if tr.m12() == 0 else abs(tr.m11()) * cw
        if px < MIN_CELL_PX_FOR_TEXT:
            # Cells big enough to tell apart but too small for numbers: say how to see them.
            self._report(False if px >= 8 else None)
            return
        vis = option.exposedRect.intersected(self._rect)
        c0 = max(0, int((vis.left() - self._rect.left()) / cw))
        c1 = min(w, math.ceil((vis.right() - self._rect.left()) / cw))
        r0 = max(0, int((vis.top() - self._rect.top()) / ch))
        r1 = min(h, math.ceil((vis.bottom() - self._rect.top()) / ch))
        if (r1 - r0) * (c1 - c0) > MAX_LABELS or r1 <= r0 or c1 <= c0:
            return
        plan = label_plan(
            np.ravel(data[r0:r1, c0:c1])[:MAX_LABELS], px, self.text_scale, self.question
        )
        if plan is None:
            self._report(False)
            return
        fmt, size = plan
        missing = False
        painter.save()
        painter.resetTransform()
        block = data[r0:r1, c0:c1]
        for i in range(r1 - r0):
            y = self._rect.top() + (r0 + i + 0.5) * ch
            for j in range(c1 - c0):
                x = self._rect.left() + (c0 + j + 0.5) * cw
                if self.skip is not None and self.skip.contains(QPointF(x, y)):
                    continue
                text = "?" if self.question else fmt(float(block[i, j]))
                if text is None:  # too long even shortened: left out, and said
                    missing = True
                    continue
                label = _label_image(text, size)
                p = tr.map(QPointF(x, y))
                painter.drawImage(
                    QPointF(p.x() - label.width() / 2, p.y() - label.height() / 2), label
                )
        painter.restore()
        self._report(not missing)


_LABELS: dict[tuple[str, int], QImage] = {}
_MAX_LABELS_CACHED = 4096


def _label_image(text: str, size: int) -> QImage:
    """White text with a dark outline, pre-rendered once per (text, size).

    Stroking a text path costs about 0.17 ms; drawing a cached image about 2 µs, which is what
    keeps a zoomed-in animation at full frame rate.
    """
    key = (text, size)
    img = _LABELS.get(key)
    if img is not None:
        return img
    if len(_LABELS) >= _MAX_LABELS_CACHED:
        _LABELS.clear()
    font = QFont()
    font.setPixelSize(size)
    path = QPainterPath()
    path.addText(0, 0, font, text)
    br = path.boundingRect().adjusted(-2, -2, 2, 2)
    img = QImage(
        math.ceil(br.width()), math.ceil(br.height()), QImage.Format.Format_ARGB32_Premultiplied
    )
    img.fill(0)
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        path.translate(-br.left(), -br.top())
        outline = QPen(QColor(0, 0, 0, 200), 3)
        outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.strokePath(path, outline)
        p.fillPath(path, QColor(255, 255, 255))
    finally:
        p.end()
    _LABELS[key] = img
    return img


class ImageView(pg.GraphicsLayoutWidget):
    """A zoomable, pannable image with hover and click reporting in input pixel coordinates.

    Signals
    -------
    hovered(x, y)
        Mouse position in input pixel coordinates (NaN, NaN when it leaves).
    clicked(x, y)
        Left click position in input pixel coordinates.
    """

    hovered = Signal(float, float)
    clicked = Signal(float, float)

    def __init__(self, *, colorbar: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setBackground(QColor(38, 40, 46))
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.view: pg.ViewBox = self.addViewBox(
            row=0, col=0, lockAspect=True, invertY=True, enableMenu=False
        )
        self.view.setDefaultPadding(0.02)
        self.image_item = pg.ImageItem()
        self.view.addItem(self.image_item)
        frame_pen = pg.mkPen(QColor(120, 125, 135), width=1, cosmetic=True)
        self.frame = pg.QtWidgets.QGraphicsRectItem()
        self.frame.setPen(frame_pen)
        self.frame.setZValue(25)  # above the animation's "not computed yet" covers
        self.view.addItem(self.frame)
        self.values = ValueTextItem()
        self.values.on_fit = self._on_values_fit
        self.view.addItem(self.values)
        # Every view has its colour bar below the image (not beside it), so views of the same
        # size show their images at the same scale, level with each other.
        self.colorbar: pg.ColorBarItem | None = None
        if colorbar:
            self.colorbar = pg.ColorBarItem(
                values=(0, 255),
                colorMap=make_lut_cmap("gray"),
                interactive=False,
                width=12,
                orientation="horizontal",
            )
            self.colorbar.setImageItem(self.image_item)
            self.addItem(self.colorbar, row=1, col=0)
        self.hint = QLabel("zoom in for values", self)
        self.hint.setObjectName("zoomHint")
        self.hint.setStyleSheet(
            "QLabel { color: #f0f0f0; background: rgba(20, 20, 24, 170); padding: 2px 6px; "
            "border-radius: 3px; }"
        )
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.hint.setWordWrap(True)
        self.hint.move(6, 6)
        self.hint.hide()
        self._data: np.ndarray | None = None
        self._rect = QRectF()
        self._cmap: pg.ColorMap | None = None
        self._lut: np.ndarray | None = None
        self._levels: tuple[float, float] = (0.0, 255.0)
        self._bar_levels: tuple[float, float] | None = None
        self._factor = 0
        self.view.sigRangeChanged.connect(lambda *a: self._refresh_preview())
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # --- data ----------------------------------------------------------------------------

    @property
    def data(self) -> np.ndarray | None:
        """The array the view holds (the real values, never rescaled)."""
        return self._data

    @property
    def rect(self) -> QRectF:
        """Where the data sits in input pixel coordinates."""
        return QRectF(self._rect)

    def _on_values_fit(self, fits: bool | None) -> None:
        # Called while painting: change the widget afterwards, not inside the paint.
        QTimer.singleShot(0, self, lambda: self._show_hint(fits is False and self.values.enabled))

    def _show_hint(self, on: bool) -> None:
        if on:
            self._fit_hint()
        self.hint.setVisible(on)

    def _fit_hint(self) -> None:
        # One line when it fits the view, wrapped within it when the view is narrow.
        room = max(40, self.width() - 12)
        natural = self.hint.fontMetrics().horizontalAdvance(self.hint.text()) + 16
        self.hint.setFixedWidth(min(room, natural))
        self.hint.setFixedHeight(self.hint.heightForWidth(min(room, natural)))

    def resizeEvent(self, ev: object) -> None:
        super().resizeEvent(ev)
        hint = getattr(self, "hint", None)  # resized once before __init__ made it
        if hint is not None and hint.isVisible():
            self._fit_hint()

    def set_text_scale(self, factor: float) -> None:
        """Scale the numbers drawn in cells (View ▸ Text Size)."""
        self.values.text_scale = factor
        f = self.hint.font()
        f.setPointSizeF(max(6.0, QApplication.font().pointSizeF()))
        self.hint.setFont(f)
        self.values.update()

    def set_image(
        self,
        data: np.ndarray | None,
        rect: QRectF | Placement | None = None,
        *,
        levels: tuple[float, float] | None = None,
        cmap: pg.ColorMap | None = None,
    ) -> None:
        """Show ``data`` at ``rect`` (default: one unit per pixel from the origin).

        The view keeps ``data`` itself (hover and value labels read the real values); what is
        painted is a block-averaged preview when the image has more pixels than the screen
        shows, computed with the engine's threaded pooling rather than pyqtgraph's.
        """
        self._data = data
        if data is None:
            self.image_item.clear()
            self.values.set_data(None, QRectF())
            self.frame.setRect(QRectF())
            self._rect = QRectF()
            return
        h, w = data.shape[:2]
        if isinstance(rect, Placement):
            rect = QRectF(*rect.rect())
        self._rect = QRectF(rect) if rect is not None else QRectF(0, 0, w, h)
        self._levels = levels if levels is not None else (0.0, 255.0)
        if self.colorbar is not None and cmap is not None and cmap is not self._cmap:
            self._cmap = cmap
            self._lut = rounded_lut(cmap)
            self.colorbar.setColorMap(cmap)
        # Colour images are shown as RGB; grey ones through the colour map's rounded table.
        self.image_item.setLookupTable(self._lut if data.ndim == 2 else None)
        self._factor = 0
        self._refresh_preview()
        if self.colorbar is not None and self._bar_levels != self._levels:
            # Only when they change: repainting the bar's axis costs more than the image.
            self._bar_levels = self._levels
            self.colorbar.setLevels(self._levels)
        self.frame.setRect(self._rect)
        self.values.set_data(data, self._rect)

    def _refresh_preview(self) -> None:
        """Paint ``data`` averaged over f×f blocks, f = data cells per screen pixel."""
        data = self._data
        if data is None or self._rect.isNull():
            return
        h, w = data.shape[:2]
        px = self.view.viewPixelSize()
        cells = min(px[0] * w / self._rect.width(), px[1] * h / self._rect.height())
        f = int(cells) if math.isfinite(cells) else 1
        f = max(1, min(f, h, w))
        if f == self._factor:
            return
        self._factor = f
        if f == 1:
            img, rect = data, self._rect
        else:
            hh, ww = (h // f) * f, (w // f) * f
            img = pool2d(data[:hh, :ww], f, op="avg")
            rect = QRectF(
                self._rect.left(),
                self._rect.top(),
                self._rect.width() * ww / w,
                self._rect.height() * hh / h,
            )
        self.image_item.setImage(img, levels=self._levels, autoLevels=False)
        self.image_item.setRect(rect)

    def set_preview(self, block: np.ndarray, rect: QRectF | tuple[float, ...]) -> None:
        """Paint ``block`` (block averages of a result still being computed) over ``rect``.

        Painted with the current levels and colour map until :meth:`set_image` brings the
        full result; the data the view holds (hover, values in cells) stays the previous
        result's until then.
        """
        r = QRectF(*rect) if isinstance(rect, tuple) else QRectF(rect)
        if self._data is None or block.ndim != self._data.ndim:
            return
        self.image_item.setImage(block, levels=self._levels, autoLevels=False)
        self.image_item.setRect(r)
        self._factor = 0  # the next set_image or zoom paints the full data again

    def set_levels(self, levels: tuple[float, float], cmap: pg.ColorMap | None = None) -> None:
        """Change only the display mapping (the data stays)."""
        self._levels = levels
        if self.colorbar is not None:
            if cmap is not None and cmap is not self._cmap:
                self._cmap = cmap
                self._lut = rounded_lut(cmap)
                self.colorbar.setColorMap(cmap)
                if self._data is not None and self._data.ndim == 2:
                    self.image_item.setLookupTable(self._lut)
            self._bar_levels = levels
            self.colorbar.setLevels(levels)
        else:
            self.image_item.setLevels(levels)

    def fit(self) -> None:
        """Zoom so the whole image is visible, and keep fitting until the user zooms or pans."""
        self.view.enableAutoRange(pg.ViewBox.XYAxes, True)

    def follow(self, leader: ImageView) -> None:
        """Show ``leader``'s region at the same on-screen scale, top-left aligned, both ways.

        Views of different sizes then draw an input pixel and an output cell equally large and
        level with each other (a narrower view shows less, never a smaller picture); zooming
        or panning either view moves the other.
        """
        self.view.enableAutoRange(pg.ViewBox.XYAxes, False)
        busy = [False]

        def copy(src: pg.ViewBox, dst: pg.ViewBox) -> None:
            if busy[0]:
                return
            r = src.viewRect()
            sw, dw, dh = src.width(), dst.width(), dst.height()
            if r.width() <= 0 or sw <= 0 or dw <= 0 or dh <= 0:
                return
            scale = sw / r.width()  # screen pixels per input pixel
            busy[0] = True
            try:
                dst.setRange(
                    QRectF(r.left(), r.top(), dw / scale, dh / scale),
                    padding=0,
                    disableAutoRange=dst is not leader.view,
                )
            finally:
                busy[0] = False

        leader.view.sigRangeChanged.connect(lambda *a: copy(leader.view, self.view))
        leader.view.sigResized.connect(lambda *a: copy(leader.view, self.view))
        self.view.sigResized.connect(lambda *a: copy(leader.view, self.view))
        self.view.sigRangeChangedManually.connect(lambda *a: copy(self.view, leader.view))

    def zoom(self, factor: float) -> None:
        """Zoom about the view's centre (factor > 1 zooms in)."""
        self.view.scaleBy((1 / factor, 1 / factor))

    def pixel_size_on_screen(self) -> float:
        """Screen pixels per input pixel at the current zoom."""
        r = self.view.viewRect()
        if r.width() <= 0:
            return 0.0
        return float(self.view.width() / r.width())

    # --- mouse ---------------------------------------------------------------------------

    def _to_data(self, scene_pos: QPointF) -> QPointF | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        return self.view.mapSceneToView(scene_pos)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        p = self._to_data(pos)
        if p is None:
            self.hovered.emit(math.nan, math.nan)
        else:
            self.hovered.emit(p.x(), p.y())

    def _on_mouse_clicked(self, ev: object) -> None:
        button = ev.button()  # type: ignore[attr-defined]
        if button != Qt.MouseButton.LeftButton:
            return
        p = self._to_data(ev.scenePos())  # type: ignore[attr-defined]
        if p is not None:
            self.clicked.emit(p.x(), p.y())

    def leaveEvent(self, ev: object) -> None:
        self.hovered.emit(math.nan, math.nan)
        super().leaveEvent(ev)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The data cell ``(row, col)`` under input coordinates ``(x, y)``, or None."""
        d = self._data
        if d is None or self._rect.isNull() or not self._rect.contains(QPointF(x, y)):
            return None
        h, w = d.shape[:2]
        c = int((x - self._rect.left()) / self._rect.width() * w)
        r = int((y - self._rect.top()) / self._rect.height() * h)
        if 0 <= r < h and 0 <= c < w:
            return r, c
        return None


def rounded_lut(cmap: pg.ColorMap) -> np.ndarray:
    """The colour map as a 256-entry uint8 RGBA table, rounded.

    pyqtgraph's own table truncates, which shows grey 57 as 56.
    """
    lut_f = cmap.getLookupTable(0.0, 1.0, 256, alpha=True, mode=pg.ColorMap.FLOAT)
    return np.rint(np.asarray(lut_f, dtype=np.float64) * 255).astype(np.uint8)


@cache
def make_lut_cmap(name: str) -> pg.ColorMap:
    """Colour maps for the display modes (one shared object per name)."""
    if name == "diverging":
        return pg.ColorMap(
            [0.0, 0.5, 1.0],
            [(33, 102, 172), (247, 247, 247), (178, 24, 43)],
            name="blue-white-red",
        )
    if name == "abs":
        return pg.ColorMap(
            [0.0, 0.5, 1.0], [(255, 255, 255), (0, 0, 0), (255, 255, 255)], name="abs"
        )
    return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="gray")


ValueFormatter = Callable[[float], str]
