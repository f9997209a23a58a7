"""The convolution layer's animation: the window on every channel at once, the sums, the map.

Installed into the layer mode's page by :meth:`LayerAnimation.install` (the page's
``bottom_layout`` gets the bar, the view switch and the arithmetic; its key handler gets Space,
Left, Right, Home and End). The playback is the single-kernel mode's Qt-free
:class:`convgui.playback.AnimationModel`; what one position shows comes from
:mod:`convgui.layer_playback` (itself the engine's layer scan). Nothing here recomputes the
layer: a step moves overlays and writes the panel; only the scatter view of a transposed layer
computes the partial sum of the stamps so far (one filter, only while filling in).

Views drawn on: the page's large input (window taps outlined, padding cells drawn around the
image with their values as in the single-kernel mode, or the zero-inserted input of the
transposed layer's direct view), each input channel's tile (the window outlined), and the large
feature map (cells not computed yet covered, the current cell or the stamp outlined). A click
on the large map jumps there.

Export writes PNG frames or a GIF of the current filter's animation, painted with QPainter from
the same :class:`~convgui.layer_playback.LayerFrame` s (never grabbed from the window).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core import pad_image
from ..core.layout import Placement
from ..layer_playback import (
    LayerFrame,
    contributing_pixels,
    conv_frame,
    conv_padding,
    direct_frame,
    direct_input,
    grid_shape,
    output_size_text,
    scatter_frame,
    scatter_partial,
)
from ..playback import AnimationModel, Playback
from ..safeio import NeedsConfirmationError, SaveError, atomic_write, check_target, shown_name
from .animation import FRAME_MS, AnimationBar, WindowOutline, _Cover
from .image_view import ImageView, ValueTextItem, make_lut_cmap, rounded_lut

TEXTS = {
    "title": "Layer animation",
    "idle": "Press Play (Space) or step (→) to slide filter {o}'s window over every input "
    "channel at once; click a cell of the large map to see its sum.",
    "no_result": "No feature map to animate: open an image and choose layer settings that "
    "give an output.",
    "view_tip": "Transposed convolution, two ways to the same numbers: the scatter (each input "
    "pixel stamps kernel × value onto the output, overlaps add) or the equivalent direct "
    "correlation (zeros inserted between the input pixels, padded, the kernel flipped).",
    "scatter": "Scatter: each input pixel stamps",
    "direct": "Equivalent direct: zero-inserted input, flipped kernel",
    "export_png": "Export PNG Frames…",
    "export_gif": "Export GIF…",
    "export_tip": "Write the current filter's animation (at most {n} frames from the current "
    "position) as PNG frames in a folder or as one animated GIF",
    "exported": "Wrote {n} frame(s) of filter {o} to {name}",
    "export_failed": "The animation was not exported: {exc}",
    "exists": "“{name}” already exists: choose another name or folder (nothing was replaced).",
}

#: Frames written by one export (from the current position on).
MAX_EXPORT_FRAMES = 400
#: Exported frame size in pixels.
FRAME_SIZE = (1280, 720)

PAD_ZERO = QColor(60, 130, 220, 90)
PAD_COPY = QColor(230, 150, 40, 90)
WINDOW = QColor(255, 80, 80)


class LayerAnimController(QObject):
    """Timer and signals around an :class:`AnimationModel` for one filter of the layer.

    Its members are those :class:`convgui.gui.animation.AnimationBar` reads, so the same bar
    drives both modes.

    Signals
    -------
    position_changed()
        The position, the filter, the view or the result behind it changed.
    state_changed()
        Play/pause, speed or what is shown changed.
    """

    position_changed = Signal()
    state_changed = Signal()

    def __init__(self, layer: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.layer = layer
        self.model = AnimationModel(speed=4.0)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(lambda: self.model.tick(self.now()))
        self._t0 = time.perf_counter()
        self._transposed_view = "scatter"
        #: The output cell the scatter view writes out (None: the stamp's centre).
        self.watch: tuple[int, int] | None = None
        self._frame_key: tuple[object, ...] | None = None
        self._frame: LayerFrame | None = None
        self._direct_key: tuple[object, ...] | None = None
        self._direct: Any = None
        self._partial_key: tuple[object, ...] | None = None
        self._partial: np.ndarray | None = None
        self.model.subscribe(self._on_model)
        layer.result_changed.connect(self._on_result)
        layer.selected_changed.connect(lambda _i: self._on_result())
        self._on_result()

    def now(self) -> float:
        """Seconds since the controller was made (monotonic)."""
        return time.perf_counter() - self._t0

    # --- what the bar reads ----------------------------------------------------------------

    @property
    def playback(self) -> Playback:
        """Position, play state and speed."""
        return self.model.playback

    @property
    def stage(self) -> str:
        """Always ``"conv"`` (a layer has no pooling stage here)."""
        return self.model.stage

    @property
    def active(self) -> bool:
        """True while the window and the arithmetic are shown."""
        return self.model.active

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions."""
        return self.model.grid_shape()

    def position_rc(self) -> tuple[int, int] | None:
        """The current position as (row, col), or None."""
        return self.model.position_rc()

    # --- the view --------------------------------------------------------------------------

    @property
    def transposed(self) -> bool:
        """True when the layer is a transposed convolution."""
        r = self.layer.result
        return r is not None and r.settings.layer_type == "transposed"

    @property
    def view(self) -> str:
        """``"conv"``, or ``"scatter"``/``"direct"`` for a transposed layer."""
        return self._transposed_view if self.transposed else "conv"

    def set_transposed_view(self, view: str) -> None:
        """Show the transposed layer as ``"scatter"`` or ``"direct"``."""
        if view not in ("scatter", "direct"):
            raise ValueError(f"the transposed view must be 'scatter' or 'direct', got {view!r}")
        if view != self._transposed_view:
            self._transposed_view = view
            self.watch = None
            self._on_result()

    @property
    def filter(self) -> int:
        """The filter animated (the page's selected one)."""
        return int(self.layer.selected)

    # --- describing a position -------------------------------------------------------------

    def frame_at(self, rc: tuple[int, int]) -> LayerFrame | None:
        """The frame of position ``rc`` of the current view and filter (None: no result)."""
        r = self.layer.result
        o = self.filter
        if r is None or o >= len(r.maps):
            return None
        names = tuple(self.layer.channel_names)
        if len(names) != r.image.shape[2]:
            names = tuple(f"c{c}" for c in range(r.image.shape[2]))
        view = self.view
        if view == "conv":
            return conv_frame(r.image, r.weights, r.bias, r.settings, o, rc, names)
        if view == "scatter":
            return scatter_frame(r.image, r.weights, r.bias, r.settings, o, rc, names, self.watch)
        return direct_frame(self.direct(), r.bias, r.settings, o, rc, names)

    def direct(self) -> Any:
        """The transposed layer's zero-inserted, padded input (made once per result)."""
        r = self.layer.result
        key = (r,)
        if self._direct_key is None or self._direct_key[0] is not r:
            self._direct_key = key
            self._direct = direct_input(r.image, r.weights, r.settings)
        return self._direct

    def current_frame(self) -> LayerFrame | None:
        """The current position described once, or None when the window is hidden."""
        rc = self.position_rc()
        r = self.layer.result
        if not self.model.active or rc is None or r is None:
            return None
        key = (r, self.filter, self.view, rc, self.watch)
        if self._frame_key is not None and all(
            a is b or a == b for a, b in zip(self._frame_key, key, strict=True)
        ):
            return self._frame
        self._frame_key, self._frame = key, self.frame_at(rc)
        return self._frame

    def partial_map(self) -> np.ndarray | None:
        """The scatter view's sum of the stamps so far (filling in), else None."""
        r = self.layer.result
        if r is None or self.view != "scatter" or not self.model.filling:
            return None
        pos = self.playback.position
        key = (r, self.filter, pos)
        if self._partial_key is None or not all(
            a is b or a == b for a, b in zip(self._partial_key, key, strict=True)
        ):
            self._partial_key = key
            self._partial = scatter_partial(r.image, r.weights, r.settings, self.filter, pos)
        return self._partial

    # --- events ----------------------------------------------------------------------------

    def _on_result(self) -> None:
        r = self.layer.result
        if r is None or self.filter >= len(r.maps):
            self.model.set_grids(None, None, self.now())
        else:
            self.model.set_grids(
                grid_shape(self.view, r.image.shape, r.out_shape), None, self.now()
            )
        self.position_changed.emit()

    def _on_model(self, changed: frozenset[str]) -> None:
        if not self.model.playing:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()
        if "state" in changed:
            self.state_changed.emit()
        if "position" in changed:
            self.position_changed.emit()

    # --- commands (the bar's and the keys') ------------------------------------------------

    def play(self) -> None:
        """Start or resume."""
        self.model.play(self.now())

    def pause(self) -> None:
        """Pause."""
        self.model.pause()

    def toggle(self) -> None:
        """Play or pause (Space)."""
        self.watch = None
        self.model.toggle(self.now())

    def stop(self) -> None:
        """Stop: hide the window, show the whole map."""
        self.watch = None
        self.model.stop()

    def step(self, n: int = 1) -> None:
        """Move ``n`` positions and pause (Right/Left)."""
        self.watch = None
        self.model.step(n, self.now())

    def seek(self, index: int) -> None:
        """Jump to a position index (the slider)."""
        self.model.seek(index, self.now())

    def to_start(self) -> None:
        """First position (Home)."""
        self.model.to_start(self.now())

    def to_end(self) -> None:
        """Last position (End)."""
        self.model.to_end(self.now())

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second."""
        self.model.set_speed(steps_per_second, self.now())

    def set_stage(self, stage: str) -> None:
        """Only the convolution stage exists for a layer."""
        self.model.set_stage("conv", self.now())

    def jump_to_cell(self, row: int, col: int) -> None:
        """Show output cell ``(row, col)`` (a click on the large map).

        In the scatter view the animation goes to the last input pixel that stamps onto the
        cell (so the cell is complete) and writes that cell's contributions.
        """
        r = self.layer.result
        if r is None or self.filter >= len(r.maps):
            return
        h, w = r.out_shape
        if not (0 <= row < h and 0 <= col < w):
            return
        if self.view == "scatter":
            pixels = contributing_pixels(r.image, r.weights, r.settings, self.filter, (row, col))
            self.watch = (row, col)
            if not pixels:  # only the bias reaches this cell: show it with the current pixel
                self.position_changed.emit()
                return
            pr, pc = pixels[-1]
            self.model.seek_rc(pr, pc, self.now(), filling=False)
        else:
            self.model.seek_rc(row, col, self.now(), filling=False)

    def handle_key(self, key: int) -> bool:
        """Space, Left, Right, Home, End; True when taken."""
        actions = {
            Qt.Key.Key_Space: self.toggle,
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Home: self.to_start,
            Qt.Key.Key_End: self.to_end,
        }
        try:
            fn = actions.get(Qt.Key(key))
        except ValueError:
            return False
        if fn is None or self.grid_shape() == (0, 0):
            return False
        fn()
        return True

    def shutdown(self) -> None:
        """Stop the timer."""
        self.timer.stop()


class _TileMarks(QWidget):
    """Drawn over one input-channel tile: the window's taps, red (padding cells blue)."""

    def __init__(self, tile: QWidget) -> None:
        super().__init__(tile)
        self.tile = tile
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.frame: LayerFrame | None = None
        self.shape = (1, 1)
        self.setGeometry(tile.rect())

    def show_frame(self, frame: LayerFrame | None, shape: tuple[int, int]) -> None:
        self.frame, self.shape = frame, shape
        self.setGeometry(self.tile.rect())
        self.raise_()
        self.setVisible(frame is not None)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        f = self.frame
        rect = self.tile.image_rect()  # type: ignore[attr-defined]
        if f is None or rect.isNull():
            return
        h, w = self.shape
        sy, sx = rect.height() / max(1, h), rect.width() / max(1, w)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        y0, y1 = int(f.tap_rows.min()), int(f.tap_rows.max()) + 1
        x0, x1 = int(f.tap_cols.min()), int(f.tap_cols.max()) + 1
        box = QRectF(rect.left() + x0 * sx, rect.top() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)
        box = box.adjusted(-1, -1, 1, 1)
        if box.width() < 5:
            box.adjust(-2, 0, 2, 0)
        if box.height() < 5:
            box.adjust(0, -2, 0, 2)
        p.fillRect(box, QColor(255, 80, 80, 60))
        p.setPen(QPen(WINDOW, 2))
        p.drawRect(box)
        p.end()


class _PaddingRing:
    """The padded input around the large input: padding cells with their values, tinted."""

    def __init__(self, view: ImageView) -> None:
        self.image = pg.ImageItem()
        self.image.setZValue(-5)
        self.tint = pg.QtWidgets.QGraphicsPathItem()
        self.tint.setPen(QPen(Qt.PenStyle.NoPen))
        self.tint.setZValue(5)
        self.values = ValueTextItem()
        self.values.setZValue(11)
        for item in (self.image, self.tint, self.values):
            view.view.addItem(item)
        self.key: tuple[object, ...] | None = None
        self.hide()

    def show(
        self,
        image: np.ndarray,
        pads: tuple[int, int, int, int],
        settings: Any,
        levels: tuple[float, float],
    ) -> None:
        key = (id(image), pads, settings.boundary, settings.cval, levels)
        if key != self.key:
            self.key = key
            padded = pad_image(image, pads, boundary=settings.boundary, cval=settings.cval)
            shown = padded[:, :, 0] if padded.shape[2] == 1 else padded[:, :, :3]
            h, w = image.shape[:2]
            t, b, lft, r = pads
            rect = QRectF(-lft, -t, w + lft + r, h + t + b)
            self.image.setImage(shown, levels=levels, autoLevels=False)
            self.image.setRect(rect)
            self.values.set_data(padded[:, :, 0] if padded.shape[2] == 1 else None, rect)
            self.values.skip = QRectF(0, 0, w, h)
            path = QPainterPath()
            path.addRect(rect)
            inner = QPainterPath()
            inner.addRect(QRectF(0, 0, w, h))
            self.tint.setPath(path.subtracted(inner))
            copied = settings.boundary not in ("zero", "constant")
            self.tint.setBrush(QBrush(PAD_COPY if copied else PAD_ZERO))
        for item in (self.image, self.tint, self.values):
            item.show()

    def hide(self) -> None:
        for item in (self.image, self.tint, self.values):
            item.hide()


class LayerArithmeticPanel(QLabel):
    """The arithmetic of the current position: one line per channel, the sum, the activation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerArithmetic")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_text_scale(1.0)

    def set_text_scale(self, factor: float) -> None:
        """Monospace at the window's text size (the application font, already scaled)."""
        f = QFont(QApplication.font())
        f.setFamily("monospace")
        f.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(f)


class LayerAnimationPanel(QWidget):
    """The bottom of the layer page: the bar, the transposed view switch, export, the sums."""

    def __init__(self, controller: LayerAnimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerAnimationPanel")
        self.c = controller
        self.bar = AnimationBar(controller)  # type: ignore[arg-type]
        self.bar.setObjectName("layerAnimationBar")
        self.bar.stage_combo.hide()
        self.bar.follow_check.hide()
        self.view_combo = QComboBox(objectName="transposedViewCombo")
        self.view_combo.addItem(TEXTS["scatter"], "scatter")
        self.view_combo.addItem(TEXTS["direct"], "direct")
        self.view_combo.setToolTip(TEXTS["view_tip"])
        self.view_combo.activated.connect(
            lambda i: controller.set_transposed_view(self.view_combo.itemData(i))
        )
        self.formula = QLabel(objectName="transposeFormula")
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The formula never widens the window: it wraps in the room the row leaves it.
        self.formula.setWordWrap(True)
        self.formula.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        tip = TEXTS["export_tip"].format(n=MAX_EXPORT_FRAMES)
        self.png_btn = QPushButton(TEXTS["export_png"], objectName="layerExportPngButton")
        self.gif_btn = QPushButton(TEXTS["export_gif"], objectName="layerExportGifButton")
        for b in (self.png_btn, self.gif_btn):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.arith = LayerArithmeticPanel()
        self.arith_scroll = QScrollArea(objectName="layerArithmeticScroll")
        self.arith_scroll.setWidget(self.arith)
        self.arith_scroll.setWidgetResizable(True)
        self.arith_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.arith_scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout()
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(self.view_combo)
        row.addWidget(self.formula, 1)
        row.addStretch(0)
        row.addWidget(self.png_btn)
        row.addWidget(self.gif_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(2)
        lay.addWidget(self.bar)
        lay.addLayout(row)
        lay.addWidget(self.arith_scroll)
        controller.position_changed.connect(self._update)
        controller.state_changed.connect(self._update)
        self.set_text_scale(1.0)
        self._update()

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: the sums stay readable from the back of the room."""
        self.arith.set_text_scale(factor)
        self._fit_height()

    def _fit_height(self) -> None:
        # Every line of the sums when the window has room (at most a third of its height),
        # never fewer than four: the rest scrolls.
        fm = self.arith.fontMetrics()
        top = self.window()
        room = (top.height() // 3) // max(1, fm.lineSpacing()) if top is not self else 7
        lines = max(4, min(self.arith.text().count("\n") + 1, max(4, room)))
        self.arith_scroll.setFixedHeight(lines * fm.lineSpacing() + 8)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _update(self) -> None:
        c = self.c
        r = c.layer.result
        transposed = c.transposed
        self.view_combo.setVisible(transposed)
        self.formula.setVisible(transposed)
        if transposed and r is not None:
            self.view_combo.setCurrentIndex(self.view_combo.findData(c._transposed_view))
            kh, kw = r.weights.shape[:2]
            text = output_size_text(r.image.shape, (int(kh), int(kw)), r.settings)
            self.formula.setText("Output size: " + text.replace("\n", ";   "))
        has = c.grid_shape() != (0, 0)
        self.png_btn.setEnabled(has)
        self.gif_btn.setEnabled(has)
        f = c.current_frame()
        if r is None or not has:
            self.arith.setText(TEXTS["no_result"])
        elif f is None:
            self.arith.setText(TEXTS["idle"].format(o=c.filter))
        else:
            self.arith.setText("\n".join(f.lines))
        self._fit_height()


class LayerOverlay:
    """Draws the current frame on the page's views and channel tiles."""

    def __init__(self, controller: LayerAnimController, page: Any) -> None:
        self.c, self.page = controller, page
        self.ring = _PaddingRing(page.input_view)
        self.in_window = WindowOutline(page.input_view, WINDOW)
        self.out_window = WindowOutline(page.map_view, WINDOW)
        self.cover = _Cover(page.map_view)
        self.partial = pg.ImageItem()
        self.partial.setZValue(15)
        page.map_view.view.addItem(self.partial)
        self.partial.hide()
        self.direct_item = pg.ImageItem()
        self.direct_item.setZValue(-4)
        self.direct_tint = pg.ImageItem()  # inserted and padded zeros tinted (one image)
        self.direct_tint.setZValue(5)
        for item in (self.direct_item, self.direct_tint):
            page.input_view.view.addItem(item)
            item.hide()
        self._direct_shown: Any = None
        self.marks: list[_TileMarks] = []
        controller.position_changed.connect(self.update)
        controller.state_changed.connect(self.update)

    def _levels(self, image: np.ndarray) -> tuple[float, float]:
        vmax = float(self.c.layer.explorer.value_max)
        if not image.size:
            return (0.0, 1.0)
        return float(min(0.0, image.min())), float(max(vmax, image.max()))

    def _tiles(self) -> list[_TileMarks]:
        tiles = self.page.channel_grid.tiles
        if [m.tile for m in self.marks] != list(tiles):
            for m in self.marks:
                if m.tile in tiles:
                    m.deleteLater()
            self.marks = [_TileMarks(t) for t in tiles]
        return self.marks

    def hide(self) -> None:
        self.ring.hide()
        self.in_window.hide()
        self.out_window.hide()
        self.cover.hide()
        self.partial.hide()
        self._show_direct(None)
        for m in self._tiles():
            m.show_frame(None, (1, 1))

    def _show_direct(self, direct: Any) -> None:
        iv = self.page.input_view
        if direct is None:
            if self._direct_shown is not None:
                self._direct_shown = None
                self.direct_item.hide()
                self.direct_tint.hide()
                for item in (iv.image_item, iv.frame, iv.values):
                    item.show()
                iv.fit()
            return
        if direct is not self._direct_shown:
            self._direct_shown = direct
            img = direct.padded
            shown = img[:, :, 0] if img.shape[2] == 1 else img[:, :, :3]
            levels = self._levels(self.c.layer.result.image)
            self.direct_item.setImage(shown, levels=levels, autoLevels=False)
            h, w = img.shape[:2]
            self.direct_item.setRect(QRectF(0, 0, w, h))
            tint = np.zeros(direct.kind.shape + (4,), np.uint8)
            tint[direct.kind != 0] = PAD_ZERO.getRgb()
            self.direct_tint.setImage(tint, levels=(0, 255), autoLevels=False)
            self.direct_tint.setRect(QRectF(0, 0, w, h))
            iv.view.setRange(QRectF(0, 0, w, h), padding=0.02)
        for item in (iv.image_item, iv.frame, iv.values):  # the original input's, not shown
            item.hide()
        self.direct_item.show()
        self.direct_tint.show()

    def update(self) -> None:
        """Place every overlay for the current frame (or hide them)."""
        c = self.c
        r = c.layer.result
        f = c.current_frame()
        if r is None or f is None:
            self.hide()
            return
        out_place = Placement(r.out_shape, 0.0, 0.0)
        unit = Placement(tuple(r.image.shape[:2]), 0.0, 0.0)
        kh, kw = f.is_padding.shape
        centre = (kh // 2, kw // 2) if f.view != "scatter" else None
        if f.view == "conv":
            self._show_direct(None)
            pads = self._pads()
            if any(pads):
                self.ring.show(r.image, pads, r.settings, self._levels(r.image))
            else:
                self.ring.hide()
            self.in_window.show(f.tap_rows, f.tap_cols, unit, centre)
        elif f.view == "direct":
            self.ring.hide()
            d = c.direct()
            self._show_direct(d)
            self.in_window.show(f.tap_rows, f.tap_cols, Placement(d.kind.shape, 0.0, 0.0), centre)
        else:
            self.ring.hide()
            self._show_direct(None)
            # The stamping pixel in gold (3 px): a 1-cell red outline is lost on a colour image.
            self.in_window.show(f.tap_rows, f.tap_cols, unit, (0, 0), f.position)
        for ch, m in enumerate(self._tiles()):  # only the channels this filter reads
            shown = f if f.view != "direct" and ch in f.channels else None
            m.show_frame(shown, tuple(r.image.shape[:2]))
        if f.view == "scatter":
            self.out_window.show(f.out_rows, f.out_cols, out_place, None, f.cell)
            partial = c.partial_map()
            if partial is not None:
                m = r.maps[c.filter]
                cmap = make_lut_cmap("diverging" if m.signed else "gray")
                self.partial.setLookupTable(cmap.getLookupTable(nPts=256))
                self.partial.setImage(partial, levels=m.levels, autoLevels=False)
                self.partial.setRect(QRectF(0, 0, partial.shape[1], partial.shape[0]))
                self.partial.show()
            else:
                self.partial.hide()
            self.cover.hide()
        else:
            self.out_window.hide()
            self.partial.hide()
            self.cover.show(out_place, f.position, cover=c.model.filling)

    def _pads(self) -> tuple[int, int, int, int]:
        r = self.c.layer.result
        f = self.c.current_frame()
        if r is None or f is None:
            return (0, 0, 0, 0)
        from ..core.geometry import resolve_padding

        kh, kw = r.weights.shape[:2]
        p = resolve_padding(
            r.image.shape,
            (int(kh), int(kw)),
            conv_padding(r.settings),
            stride=r.settings.stride,
            dilation=r.settings.dilation,
        )
        return tuple(int(v) for v in p)  # type: ignore[return-value]


# --- export ------------------------------------------------------------------------------------


def map_image(data: np.ndarray, levels: tuple[float, float], cmap: str) -> QImage:
    """``data`` (2-D) as an RGBA QImage through the colour map ``cmap`` between ``levels``."""
    lo, hi = levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    idx = np.nan_to_num(np.clip((data - lo) * scale + 0.5, 0, 255), nan=0.0).astype(np.uint8)
    rgba = np.ascontiguousarray(rounded_lut(make_lut_cmap(cmap))[idx])
    hh, ww = idx.shape
    return QImage(rgba.data, ww, hh, ww * 4, QImage.Format.Format_RGBA8888).copy()


def render_frame(
    controller: LayerAnimController, position: int, size: tuple[int, int] = FRAME_SIZE
) -> QImage:
    """One exported frame: input with the window, the map filled to ``position``, the sums."""
    c = controller
    r = c.layer.result
    if r is None:
        raise ValueError("there is no feature map to animate")
    _, gw = c.grid_shape()
    rc = divmod(int(position), max(1, gw))
    frame = c.frame_at((int(rc[0]), int(rc[1])))
    assert frame is not None
    img = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    w, h = size
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPixelSize(max(11, h // 48))
    p.setFont(font)
    lh = p.fontMetrics().lineSpacing()
    text_h = lh * (len(frame.lines) + 1)
    area_h = h - text_h - 3 * lh
    image = r.image
    levels = (float(min(0.0, image.min())), float(max(c.layer.explorer.value_max, image.max())))
    src = c.direct().padded if c.view == "direct" else image
    src_shown = (
        src[:, :, 0]
        if src.shape[2] == 1
        else np.clip((src[:, :, :3] - levels[0]) / max(1e-12, levels[1] - levels[0]) * 255, 0, 255)
    )
    if src.shape[2] == 1:
        qin = map_image(src_shown, levels, "gray")
    else:
        rgba = np.concatenate(
            [src_shown.astype(np.uint8), np.full(src_shown.shape[:2] + (1,), 255, np.uint8)], 2
        )
        rgba = np.ascontiguousarray(rgba)
        qin = QImage(
            rgba.data,
            rgba.shape[1],
            rgba.shape[0],
            rgba.shape[1] * 4,
            QImage.Format.Format_RGBA8888,
        ).copy()
    m = r.maps[c.filter]
    data = np.array(m.data, dtype=np.float64)
    if c.view == "scatter":
        data = scatter_partial(r.image, r.weights, r.settings, c.filter, int(position))
    qout = map_image(data, m.levels, "diverging" if m.signed else "gray")

    def place(area: QRect, shape: tuple[int, int]) -> QRectF:
        sh, sw = shape
        s = min(area.width() / max(1, sw), area.height() / max(1, sh))
        return QRectF(area.left() + (area.width() - sw * s) / 2, area.top(), sw * s, sh * s)

    half = (w - 3 * lh) // 2
    left = place(QRect(lh, 2 * lh, half, area_h), src.shape[:2])
    right = place(QRect(2 * lh + half, 2 * lh, half, area_h), data.shape)
    p.setPen(QColor(0, 0, 0))
    p.drawText(
        QRect(lh, 0, half, 2 * lh),
        int(Qt.AlignmentFlag.AlignVCenter),
        "Input (zero-inserted, padded)" if c.view == "direct" else "Input",
    )
    p.drawText(
        QRect(2 * lh + half, 0, half, 2 * lh),
        int(Qt.AlignmentFlag.AlignVCenter),
        f"Feature map {c.filter}",
    )
    p.drawImage(left, qin)
    p.drawImage(right, qout)
    sy, sx = left.height() / src.shape[0], left.width() / src.shape[1]
    y0, y1 = int(frame.tap_rows.min()), int(frame.tap_rows.max()) + 1
    x0, x1 = int(frame.tap_cols.min()), int(frame.tap_cols.max()) + 1
    p.setPen(QPen(WINDOW, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(left.left() + x0 * sx, left.top() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy))
    oh, ow = data.shape
    ty, tx = right.height() / oh, right.width() / ow
    if c.view != "scatter":  # cover what is not computed yet
        cr, cc = frame.position
        grey = QColor(214, 226, 240)
        p.fillRect(
            QRectF(right.left() + (cc + 1) * tx, right.top() + cr * ty, (ow - cc - 1) * tx, ty),
            grey,
        )
        p.fillRect(
            QRectF(right.left(), right.top() + (cr + 1) * ty, right.width(), (oh - cr - 1) * ty),
            grey,
        )
    oy0, oy1 = int(frame.out_rows.min()), int(frame.out_rows.max()) + 1
    ox0, ox1 = int(frame.out_cols.min()), int(frame.out_cols.max()) + 1
    p.setPen(QPen(QColor(255, 170, 0), 2))
    p.drawRect(
        QRectF(right.left() + ox0 * tx, right.top() + oy0 * ty, (ox1 - ox0) * tx, (oy1 - oy0) * ty)
    )
    p.setPen(QColor(0, 0, 0))
    y = h - text_h
    for line in frame.lines:
        p.drawText(
            QRect(lh, y, w - 2 * lh, lh),
            int(Qt.AlignmentFlag.AlignVCenter),
            p.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, w - 2 * lh),
        )
        y += lh
    p.end()
    return img


def _qimage_rgb(img: QImage) -> np.ndarray:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    hh, ww = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(hh, conv.bytesPerLine())[:, : ww * 3].reshape(hh, ww, 3).copy()


def export_positions(controller: LayerAnimController) -> list[int]:
    """The positions an export writes: from the current one (the first when stopped) on."""
    total = controller.playback.total
    start = controller.playback.position if controller.active else 0
    if start >= total - 1:
        start = 0
    return list(range(start, min(total, start + MAX_EXPORT_FRAMES)))


def export_layer_animation(
    controller: LayerAnimController,
    path: str | Path,
    *,
    kind: str = "gif",
    positions: list[int] | None = None,
    frame_ms: int = 250,
    protected: list[str] | None = None,
    confirmed: bool = False,
) -> int:
    """Write the frames of ``positions`` as a GIF (``kind="gif"``) or PNGs in a folder.

    Never replaces a file the user did not agree to replace (``confirmed``: the save dialog
    asked): an existing GIF or a protected file, or ``frame_*.png`` already in the folder, is
    refused with a :class:`NeedsConfirmationError`. Returns the number of frames.

    Raises
    ------
    ValueError
        No result, an unknown kind, no positions.
    NeedsConfirmationError
        The target exists.
    SaveError
        A file cannot be written.
    """
    if kind not in ("gif", "png"):
        raise ValueError(f"kind must be 'gif' or 'png', got {kind!r}")
    pos = export_positions(controller) if positions is None else list(positions)
    if not pos:
        raise ValueError("there is no position to export: open an image first")
    total = controller.playback.total
    bad = [q for q in pos if not 0 <= q < total]
    if bad:
        raise ValueError(f"position {bad[0]} is outside the {total} positions of the animation")
    out = Path(path)
    if kind == "gif":
        # refuse before any frame is painted
        check_target(out, protected=protected or [], confirmed=confirmed)

        def write(tmp: Path) -> None:
            from PIL import Image

            frames = [Image.fromarray(_qimage_rgb(render_frame(controller, q))) for q in pos]
            frames[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=frames[1:],
                duration=frame_ms,
                loop=0,
            )

        atomic_write(out, write, protected=protected or [], confirmed=confirmed)
        return len(pos)
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(out.glob("frame_*.png"))
    if existing:
        raise NeedsConfirmationError(
            out,
            "exists",
            f"The folder “{shown_name(out)}” already holds {len(existing)} frame file(s); "
            "choose an empty folder.",
        )
    for i, q in enumerate(pos):
        target = out / f"frame_{i:05d}.png"
        img = render_frame(controller, q)

        def write_png(tmp: Path, img: QImage = img, name: str = target.name) -> None:
            if not img.save(str(tmp), "PNG"):
                raise SaveError(f"Could not write {name}; choose a folder you can write to.")

        atomic_write(target, write_png)
    return len(pos)


class LayerAnimation(QObject):
    """The layer animation installed into a layer page (``page.animation``)."""

    def __init__(self, window: Any, page: Any) -> None:
        super().__init__(page)
        self.window, self.page = window, page
        self.controller = LayerAnimController(page.layer, self)
        self.panel = LayerAnimationPanel(self.controller)
        self.overlay = LayerOverlay(self.controller, page)
        page.bottom_layout.addWidget(self.panel)
        page.set_key_handler(self.controller.handle_key)
        page.map_view.clicked.connect(self._on_map_clicked)
        self.panel.png_btn.clicked.connect(lambda: self.export_dialog("png"))
        self.panel.gif_btn.clicked.connect(lambda: self.export_dialog("gif"))
        if window is not None:
            window.text_scale_changed.connect(self.set_text_scale)
            window.mode_changed.connect(self._on_mode)
            ts = getattr(window, "text_size", None)
            if ts is not None:
                self.set_text_scale(float(ts.scale))
        if window is not None:
            window.installEventFilter(self)  # the timer stops when the window closes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.controller.shutdown()
        return False

    @classmethod
    def install(cls, window: Any, page: Any) -> LayerAnimation:
        """Give ``page`` its animation (kept as ``page.animation``)."""
        anim = cls(window, page)
        page.animation = anim
        return anim

    def _on_mode(self, name: str) -> None:
        if name != "layer":
            self.controller.pause()

    def set_text_scale(self, factor: float) -> None:
        """View ▸ Text Size."""
        self.panel.set_text_scale(factor)

    def _on_map_clicked(self, x: float, y: float) -> None:
        cell = self.page.map_view.cell_at(x, y)
        if cell is not None:
            self.controller.jump_to_cell(*cell)

    def export_dialog(self, kind: str) -> None:
        """Ask where, then export (PNG frames into a folder, or one GIF)."""
        w = self.window
        start = w.files.dialog_dir() if w is not None and hasattr(w, "files") else ""
        if kind == "gif":
            path, _ = QFileDialog.getSaveFileName(
                self.page, TEXTS["export_gif"], str(Path(start) / "layer.gif"), "GIF (*.gif)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self.page, TEXTS["export_png"], start)
        if path:
            self.export_to(path, kind, confirmed=kind == "gif")  # the dialog asked to replace

    def export_to(self, path: str | Path, kind: str, *, confirmed: bool = False) -> bool:
        """Export to ``path``; tell the user what happened; True when written."""
        w = self.window
        protected: list[str] = []
        if w is not None and hasattr(w, "files"):
            protected = [str(p) for p in w.files.protected_files()]
        try:
            n = export_layer_animation(
                self.controller, path, kind=kind, protected=protected, confirmed=confirmed
            )
        except NeedsConfirmationError as exc:
            self._say("error", TEXTS["export_failed"].format(exc=exc))
            return False
        except (SaveError, ValueError, OSError) as exc:
            self._say("error", TEXTS["export_failed"].format(exc=exc))
            return False
        self._say(
            "status",
            TEXTS["exported"].format(n=n, o=self.controller.filter, name=shown_name(Path(path))),
        )
        return True

    def _say(self, level: str, text: str) -> None:
        if self.window is not None:
            self.window.show_message(level, text)


__all__ = [
    "TEXTS",
    "LayerAnimController",
    "LayerAnimation",
    "LayerAnimationPanel",
    "LayerArithmeticPanel",
    "LayerOverlay",
    "export_layer_animation",
    "render_frame",
]
