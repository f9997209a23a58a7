"""The sliding-kernel animation: controller (timer + playback), control bar and view overlays.

The convolution is never recomputed here: a step only moves overlays and asks the pure scan
(:func:`convgui.core.layer_scan`) for the arithmetic of one position, once per position.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from ..core import (
    PoolScan,
    WindowScan,
    layer_pool_scan,
    layer_scan,
    pad_image,
    pool_padding,
    resolve_padding,
)
from ..playback import Playback
from ..state import ComputeResult, ExplorerState
from .image_view import ImageView, ValueTextItem, conv_rect, pooled_rect

STEP_SPEEDS = (1, 2, 4, 8, 15, 30, 60, 120, 250, 500, 1000)
ROW_SPEEDS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
FRAME_MS = 16


def speed_table(width: int) -> list[tuple[float, str]]:
    """Selectable speeds for an output ``width`` wide: steps per second, then rows per second."""
    out: list[tuple[float, str]] = [
        (float(s), f"{s} step{'s' if s > 1 else ''}/s") for s in STEP_SPEEDS
    ]
    for r in ROW_SPEEDS:
        sps = float(r * max(1, width))
        if sps > STEP_SPEEDS[-1]:
            out.append((sps, f"{r} row{'s' if r > 1 else ''}/s"))
    return out


class AnimationController(QObject):
    """Drives :class:`convgui.playback.Playback` from a QTimer and knows the current position.

    Signals
    -------
    position_changed()
        The position (or the stage, or the result behind it) changed.
    state_changed()
        Play/pause state, stage or speed changed.
    """

    position_changed = Signal()
    state_changed = Signal()

    def __init__(self, state: ExplorerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.playback = Playback(speed=4.0)
        self.stage = "conv"
        self.active = False
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_tick)
        self._t0 = time.perf_counter()
        self._scan_key: tuple[object, str, tuple[int, int]] | None = None
        self._scan: WindowScan | PoolScan | None = None
        state.result_changed.connect(self._on_result)
        self._on_result()

    def now(self) -> float:
        """Seconds since the controller was made (monotonic)."""
        return time.perf_counter() - self._t0

    # --- geometry of the current stage -------------------------------------------------------

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions in the current stage (0, 0 when nothing to animate)."""
        r = self.state.result
        if r is None:
            return 0, 0
        if self.stage == "pool" and r.pooled is not None:
            return int(r.pooled.shape[0]), int(r.pooled.shape[1])
        return int(r.activated.shape[0]), int(r.activated.shape[1])

    def position_rc(self) -> tuple[int, int] | None:
        """Current position as (row, col), or None."""
        h, w = self.grid_shape()
        if h == 0 or w == 0:
            return None
        return divmod(self.playback.position, w)

    def current_scan(self) -> WindowScan | PoolScan | None:
        """The arithmetic of the current position, computed once per position and result."""
        r, rc = self.state.result, self.position_rc()
        if not self.active or r is None or rc is None or self.state.doc is None:
            return None
        key = (r, self.stage, rc)
        if self._scan_key is not None and all(
            a is b or a == b for a, b in zip(self._scan_key, key)
        ):
            return self._scan
        if self.stage == "pool" and r.pooled is not None:
            scan: WindowScan | PoolScan = layer_pool_scan(r.activated, r.params, rc)
        else:
            img = self.state.engine_image()
            assert img is not None
            scan = layer_scan(img, r.kernel, r.params, rc)
        self._scan_key, self._scan = key, scan
        return scan

    def _on_result(self) -> None:
        r = self.state.result
        if self.stage == "pool" and (r is None or r.pooled is None):
            self.stage = "conv"
        h, w = self.grid_shape()
        self.playback.set_total(h * w)
        if not self.playback.playing:
            self.timer.stop()
        self.position_changed.emit()
        self.state_changed.emit()

    # --- commands ----------------------------------------------------------------------------

    def _activate(self) -> None:
        if not self.active:
            self.active = True
            self.state_changed.emit()

    def play(self) -> None:
        """Start or resume."""
        self._activate()
        self.playback.play(self.now())
        if self.playback.playing:
            self.timer.start()
        self.state_changed.emit()
        self.position_changed.emit()

    def pause(self) -> None:
        """Pause at the current position."""
        self.playback.pause()
        self.timer.stop()
        self.state_changed.emit()

    def toggle(self) -> None:
        """Play/pause (Space)."""
        if self.playback.playing:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop, go back to the start and hide the overlays."""
        self.playback.stop()
        self.timer.stop()
        self.active = False
        self.state_changed.emit()
        self.position_changed.emit()

    def step(self, n: int = 1) -> None:
        """Move ``n`` positions and pause (Right/Left)."""
        self._activate()
        self.playback.step(n, self.now())
        self.timer.stop()
        self.state_changed.emit()
        self.position_changed.emit()

    def seek(self, index: int) -> None:
        """Jump to a position index (slider)."""
        self._activate()
        self.playback.seek(index, self.now())
        self.position_changed.emit()

    def seek_rc(self, row: int, col: int, stage: str | None = None) -> None:
        """Jump to output (row, col) of ``stage`` (default: the current stage)."""
        if stage is not None and stage != self.stage:
            self.set_stage(stage)
        h, w = self.grid_shape()
        if 0 <= row < h and 0 <= col < w:
            self.seek(row * w + col)

    def to_start(self) -> None:
        """First position (Home)."""
        self._activate()
        self.playback.to_start()
        self.timer.stop()
        self.state_changed.emit()
        self.position_changed.emit()

    def to_end(self) -> None:
        """Last position (End)."""
        self._activate()
        self.playback.to_end()
        self.timer.stop()
        self.state_changed.emit()
        self.position_changed.emit()

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second."""
        self.playback.set_speed(steps_per_second, self.now())
        self.state_changed.emit()

    def set_stage(self, stage: str) -> None:
        """Animate the convolution (``"conv"``) or the pooling (``"pool"``)."""
        r = self.state.result
        if stage == "pool" and (r is None or r.pooled is None):
            stage = "conv"
        if stage == self.stage:
            return
        self.stage = stage
        self.playback.set_total(0)
        h, w = self.grid_shape()
        self.playback.set_total(h * w)
        self.playback.seek(0, self.now())
        self.state_changed.emit()
        self.position_changed.emit()

    def _on_tick(self) -> None:
        if self.playback.tick(self.now()):
            self.position_changed.emit()
        if not self.playback.playing:
            self.timer.stop()
            self.state_changed.emit()

    def shutdown(self) -> None:
        """Stop the timer (window closing)."""
        self.timer.stop()


class AnimationBar(QWidget):
    """Play/pause, step, start/end, the scrub slider, the speed and the stage."""

    def __init__(self, controller: AnimationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller

        style = self.style()
        sp = QStyle.StandardPixmap
        icons = {
            "toStartButton": sp.SP_MediaSkipBackward,
            "stepBackButton": sp.SP_MediaSeekBackward,
            "playButton": sp.SP_MediaPlay,
            "stepForwardButton": sp.SP_MediaSeekForward,
            "toEndButton": sp.SP_MediaSkipForward,
            "stopButton": sp.SP_MediaStop,
        }
        self._play_icon = style.standardIcon(sp.SP_MediaPlay)
        self._pause_icon = style.standardIcon(sp.SP_MediaPause)

        def button(name: str, text: str, tip: str, slot: object) -> QToolButton:
            b = QToolButton(objectName=name)
            b.setIcon(style.standardIcon(icons[name]))
            b.setAccessibleName(text)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(tip)
            b.setAutoRaise(False)
            b.setMinimumWidth(34)
            b.clicked.connect(slot)
            return b

        self.start_btn = button(
            "toStartButton", "First", "Go to the first position (Home)", controller.to_start
        )
        self.back_btn = button(
            "stepBackButton",
            "Step back",
            "Step back one position (Left)",
            lambda: controller.step(-1),
        )
        self.play_btn = button(
            "playButton", "Play", "Play / pause the sliding kernel (Space)", controller.toggle
        )
        self.fwd_btn = button(
            "stepForwardButton",
            "Step forward",
            "Step forward one position (Right)",
            lambda: controller.step(1),
        )
        self.end_btn = button(
            "toEndButton", "Last", "Go to the last position (End)", controller.to_end
        )
        self.stop_btn = button(
            "stopButton", "Stop", "Stop: back to the start, hide the kernel window", controller.stop
        )
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="positionSlider")
        self.slider.setToolTip("Scrub through every output position")
        self.slider.valueChanged.connect(self._on_slider)
        self.pos_label = QLabel(objectName="positionLabel")
        self.pos_label.setMinimumWidth(150)
        self.speed = QComboBox(objectName="speedControl")
        self.speed.setToolTip("Animation speed: from one step a second to whole rows at a time")
        self.speed.activated.connect(self._on_speed)
        self.stage_combo = QComboBox(objectName="stageCombo")
        self.stage_combo.addItem("Convolution", "conv")
        self.stage_combo.addItem("Pooling", "pool")
        self.stage_combo.setToolTip("Replay the convolution, or the pooling over its output")
        self.stage_combo.activated.connect(
            lambda i: controller.set_stage(self.stage_combo.itemData(i))
        )
        self.follow_check = QCheckBox("Follow", objectName="followCheck")
        self.follow_check.setToolTip(
            "Keep the kernel window in view, zoomed so its numbers can be read"
        )
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        for w in (
            self.start_btn,
            self.back_btn,
            self.play_btn,
            self.fwd_btn,
            self.end_btn,
            self.stop_btn,
        ):
            lay.addWidget(w)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.pos_label)
        lay.addWidget(QLabel("Speed"))
        lay.addWidget(self.speed)
        lay.addWidget(self.stage_combo)
        lay.addWidget(self.follow_check)
        self._speed_width = -1
        controller.state_changed.connect(self._update)
        controller.position_changed.connect(self._update_position)
        self._update()

    def _on_slider(self, value: int) -> None:
        if value != self.c.playback.position:
            self.c.seek(value)

    def _on_speed(self, index: int) -> None:
        self.c.set_speed(float(self.speed.itemData(index)))

    def _update(self) -> None:
        pb = self.c.playback
        self.play_btn.setIcon(self._pause_icon if pb.playing else self._play_icon)
        self.play_btn.setAccessibleName("Pause" if pb.playing else "Play")
        h, w = self.c.grid_shape()
        if w != self._speed_width:
            self._speed_width = w
            self.speed.blockSignals(True)
            self.speed.clear()
            for sps, label in speed_table(w):
                self.speed.addItem(label, sps)
            self.speed.blockSignals(False)
        i = min(
            range(self.speed.count()),
            key=lambda k: abs(float(self.speed.itemData(k)) - pb.speed),
            default=-1,
        )
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(i)
        self.speed.blockSignals(False)
        has_pool = self.c.state.result is not None and self.c.state.result.pooled is not None
        self.stage_combo.setEnabled(has_pool)
        self.stage_combo.blockSignals(True)
        self.stage_combo.setCurrentIndex(self.stage_combo.findData(self.c.stage))
        self.stage_combo.blockSignals(False)
        enabled = h * w > 0
        for wdg in (
            self.start_btn,
            self.back_btn,
            self.play_btn,
            self.fwd_btn,
            self.end_btn,
            self.slider,
        ):
            wdg.setEnabled(enabled)
        self._update_position()

    def _update_position(self) -> None:
        pb = self.c.playback
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, pb.total - 1))
        self.slider.setValue(pb.position)
        self.slider.blockSignals(False)
        rc = self.c.position_rc()
        if rc is None:
            self.pos_label.setText("no positions")
        else:
            self.pos_label.setText(f"row {rc[0]}, col {rc[1]}  ({pb.position + 1}/{pb.total})")


class _Cover:
    """Blanks the not-yet-computed part of an output view with two rectangles."""

    def __init__(self, view: ImageView) -> None:
        brush = QBrush(QColor(38, 40, 46))  # the views' background: "not computed yet"
        self.rest_of_row = QGraphicsRectItem()
        self.rows_below = QGraphicsRectItem()
        self.current = QGraphicsRectItem()
        for item in (self.rest_of_row, self.rows_below):
            item.setBrush(brush)
            item.setPen(QPen(Qt.PenStyle.NoPen))
            item.setZValue(20)
        pen = QPen(QColor(255, 80, 80), 2)
        pen.setCosmetic(True)
        self.current.setPen(pen)
        self.current.setZValue(21)
        self.items = (self.rest_of_row, self.rows_below, self.current)
        for item in self.items:
            view.view.addItem(item)
            item.hide()

    def show(
        self, rect: QRectF, shape: tuple[int, int], rc: tuple[int, int], *, current: bool = True
    ) -> None:
        """Blank every cell after ``rc`` in row-major order (``rc`` itself stays visible).

        ``rc`` may be ``(r, -1)``: nothing of row ``r`` is done yet.
        """
        h, w = shape
        r, c = rc
        cw, ch = rect.width() / w, rect.height() / h
        x0, y0 = rect.left(), rect.top()
        self.rest_of_row.setRect(QRectF(x0 + (c + 1) * cw, y0 + r * ch, (w - c - 1) * cw, ch))
        self.rows_below.setRect(QRectF(x0, y0 + (r + 1) * ch, rect.width(), (h - r - 1) * ch))
        self.current.setRect(QRectF(x0 + c * cw, y0 + r * ch, cw, ch))
        for item in self.items:
            item.setVisible(current or item is not self.current)

    def hide(self) -> None:
        for item in self.items:
            item.hide()


class WindowOutline:
    """The kernel window on a view: each tap outlined (dilation gaps visible), centre filled."""

    def __init__(self, view: ImageView, color: QColor) -> None:
        self.taps = QGraphicsPathItem()
        pen = QPen(color, 2)
        pen.setCosmetic(True)
        self.taps.setPen(pen)
        self.taps.setBrush(QBrush(QColor(color.red(), color.green(), color.blue(), 40)))
        self.taps.setZValue(30)
        self.center = QGraphicsRectItem()
        self.center.setBrush(QBrush(QColor(color.red(), color.green(), color.blue(), 110)))
        self.center.setPen(QPen(Qt.PenStyle.NoPen))
        self.center.setZValue(29)
        self.winner = QGraphicsRectItem()
        wpen = QPen(QColor(255, 215, 0), 3)
        wpen.setCosmetic(True)
        self.winner.setPen(wpen)
        self.winner.setZValue(31)
        self.items = (self.taps, self.center, self.winner)
        for item in self.items:
            view.view.addItem(item)
            item.hide()

    def show(
        self,
        ys: np.ndarray,
        xs: np.ndarray,
        cell: tuple[float, float],
        origin: tuple[float, float],
        center: tuple[int, int] | None,
        winner: tuple[int, int] | None = None,
    ) -> None:
        ch, cw = cell
        y0, x0 = origin
        path = QPainterPath()
        for y in ys:
            for x in xs:
                path.addRect(QRectF(x0 + x * cw, y0 + y * ch, cw, ch))
        self.taps.setPath(path)
        self.taps.show()
        if center is not None:
            self.center.setRect(QRectF(x0 + xs[center[1]] * cw, y0 + ys[center[0]] * ch, cw, ch))
            self.center.show()
        else:
            self.center.hide()
        if winner is not None:
            self.winner.setRect(QRectF(x0 + winner[1] * cw, y0 + winner[0] * ch, cw, ch))
            self.winner.show()
        else:
            self.winner.hide()

    def hide(self) -> None:
        for item in self.items:
            item.hide()


class PaddingRing:
    """The padded image drawn around the input: padded cells with their values, tinted."""

    def __init__(self, view: ImageView) -> None:
        self.view = view
        self.image = pg.ImageItem(autoDownsample=True)
        self.image.setZValue(-5)
        self.tint = QGraphicsPathItem()
        self.tint.setPen(QPen(Qt.PenStyle.NoPen))
        self.tint.setZValue(5)
        self.values = ValueTextItem()
        self.values.setZValue(11)
        view.view.addItem(self.image)
        view.view.addItem(self.tint)
        view.view.addItem(self.values)
        self.key: tuple[object, ...] | None = None
        self.padded: np.ndarray | None = None
        #: The lesson's question: the padding ring is drawn, but its values are "?".
        self.unknown = False
        self.pads = (0, 0, 0, 0)
        self.hide()

    def update(self, state: ExplorerState, result: ComputeResult) -> None:
        img = state.engine_image()
        if img is None:
            return
        p = result.params
        pads = resolve_padding(
            img.shape, result.kernel.shape, p.padding, stride=p.stride, dilation=p.dilation
        )
        key = (state.image_version, pads, p.boundary, p.cval)
        if key != self.key:
            self.key = key
            self.pads = pads
            self.padded = pad_image(img, pads, boundary=p.boundary, cval=p.cval)
            h, w = img.shape[:2]
            t, b, lft, r = pads
            rect = QRectF(-lft, -t, w + lft + r, h + t + b)
            self.image.setImage(self.padded, levels=(0.0, state.value_max), autoLevels=False)
            self.image.setRect(rect)
            self.values.set_data(self.padded, rect)
            self.values.skip = QRectF(0, 0, w, h)
            path = QPainterPath()
            path.addRect(rect)
            inner = QPainterPath()
            inner.addRect(QRectF(0, 0, w, h))
            self.tint.setPath(path.subtracted(inner))
            copied = p.boundary not in ("zero", "constant")
            color = QColor(230, 150, 40, 90) if copied else QColor(60, 130, 220, 90)
            self.tint.setBrush(QBrush(color))
        self.show()

    def show(self) -> None:
        self.tint.show()
        self.image.setVisible(not self.unknown)
        self.values.question = self.unknown
        self.values.show()
        self.values.update()

    def hide(self) -> None:
        for item in (self.image, self.tint, self.values):
            item.hide()


class AnimationOverlay:
    """Places the window outline, padding ring and output covers for the current position."""

    def __init__(
        self,
        controller: AnimationController,
        input_view: ImageView,
        output_view: ImageView,
        pooled_view: ImageView,
    ) -> None:
        self.c = controller
        self.input_view, self.output_view, self.pooled_view = input_view, output_view, pooled_view
        self.ring = PaddingRing(input_view)
        self.in_window = WindowOutline(input_view, QColor(255, 80, 80))
        # Red like the input's window, so the gold square of a max's winner stands out from it.
        self.out_window = WindowOutline(output_view, QColor(255, 80, 80))
        self.out_cover = _Cover(output_view)
        self.pool_cover = _Cover(pooled_view)
        self.hits = pg.ScatterPlotItem(
            symbol="s", pen=pg.mkPen(QColor(0, 220, 255), width=2), brush=None, pxMode=False
        )
        self.hits.setZValue(40)
        output_view.view.addItem(self.hits)
        self.follow = False
        # Hits belong to the result they were computed for: a new kernel, setting or image
        # moves the output positions, so stale outlines would point at the wrong pixels.
        controller.state.result_changed.connect(lambda: self.show_hits(None))

    def hide(self) -> None:
        self.ring.hide()
        for part in (self.in_window, self.out_window, self.out_cover, self.pool_cover):
            part.hide()

    def show_hits(self, positions: np.ndarray | None) -> None:
        """Outline the output positions listed (from a click on the input), or clear them."""
        r = self.c.state.result
        rect = self.output_view.rect
        if positions is None or r is None or len(positions) == 0 or rect.isNull():
            self.hits.setData([])
            return
        h, w = r.activated.shape[:2]
        cw, ch = rect.width() / w, rect.height() / h
        xs = rect.left() + (positions[:, 1] + 0.5) * cw
        ys = rect.top() + (positions[:, 0] + 0.5) * ch
        self.hits.setData(x=xs, y=ys, size=min(cw, ch) * 0.9)

    def update(self) -> None:
        """Place every overlay for the controller's current position (or hide them)."""
        c, state = self.c, self.c.state
        r, rc, scan = state.result, c.position_rc(), c.current_scan()
        if r is None or rc is None or scan is None:
            self.hide()
            return
        self.ring.update(state, r)
        out_rect = self.output_view.rect
        out_shape = r.activated.shape[:2]
        if isinstance(scan, WindowScan):
            kh, kw = r.kernel.shape
            ys, xs = scan.rows - scan.pads[0], scan.cols - scan.pads[2]
            self.in_window.show(ys, xs, (1.0, 1.0), (0.0, 0.0), ((kh - 1) // 2, (kw - 1) // 2))
            self.out_window.hide()
            if self.ring.unknown:  # the lesson's question: this output is not known yet either
                self.out_cover.show(out_rect, out_shape, (rc[0], rc[1] - 1), current=False)
            else:
                self.out_cover.show(out_rect, out_shape, rc)
            self._cover_unfinished_pooling(r, rc)
            if self.follow:
                self._follow(ys, xs)
        else:
            assert r.pooled is not None
            h, w = out_shape
            cell = (out_rect.height() / h, out_rect.width() / w)
            self.in_window.hide()
            self.out_window.show(
                scan.rows, scan.cols, cell, (out_rect.top(), out_rect.left()), None, scan.winner
            )
            self.out_cover.hide()
            self.pool_cover.show(self.pooled_view.rect, r.pooled.shape[:2], rc)

    def _cover_unfinished_pooling(self, r: ComputeResult, rc: tuple[int, int]) -> None:
        """While the convolution plays, show only pooled cells whose window is complete."""
        if r.pooled is None or self.pooled_view.rect.isNull():
            self.pool_cover.hide()
            return
        p = r.params
        ho, wo = r.activated.shape[:2]
        hp, wp = r.pooled.shape[:2]
        pads = pool_padding((ho, wo), p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
        # Last output row / column each pooled row / column reads (clipped to the output).
        last_r = np.minimum(np.arange(hp) * p.pool_stride[0] - pads[0] + p.pool_size[0] - 1, ho - 1)
        last_c = np.minimum(np.arange(wp) * p.pool_stride[1] - pads[2] + p.pool_size[1] - 1, wo - 1)
        row, col = rc
        i = int(np.searchsorted(last_r, row))  # first pooled row not finished before this row
        if i >= hp:
            self.pool_cover.hide()  # everything pooled is complete
            return
        j = int(np.searchsorted(last_c, col, side="right")) - 1 if last_r[i] == row else -1
        self.pool_cover.show(self.pooled_view.rect, (hp, wp), (i, j), current=False)

    def _follow(self, ys: np.ndarray, xs: np.ndarray) -> None:
        span = max(9.0, float(ys[-1] - ys[0] + 1) + 4, float(xs[-1] - xs[0] + 1) + 4)
        cy, cx = (ys[0] + ys[-1] + 1) / 2, (xs[0] + xs[-1] + 1) / 2
        vb = self.input_view.view
        cur = vb.viewRect()
        target = QRectF(cx - span / 2, cy - span / 2, span, span)
        # Re-centre only when the window nears the edge of what is shown, or the zoom is off.
        if (
            abs(cur.width() - span) / span > 0.5
            or not cur.adjusted(1, 1, -1, -1).contains(target.center() + QPointF(0, 0))
            or not cur.contains(QRectF(xs[0], ys[0], xs[-1] - xs[0] + 1, ys[-1] - ys[0] + 1))
        ):
            vb.setRange(target, padding=0)


def pool_rect_for(result: ComputeResult, out_rect: QRectF) -> QRectF:
    """Where the pooled map of ``result`` sits, given the output's rect."""
    p = result.params
    assert result.pooled is not None
    pp = pool_padding(
        result.activated.shape, p.pool_size, stride=p.pool_stride, padding=p.pool_padding
    )
    return pooled_rect(
        out_rect,
        result.activated.shape[:2],
        result.pooled.shape[:2],
        pp,
        p.pool_size,
        p.pool_stride,
    )


def output_rect_for(result: ComputeResult, image_shape: tuple[int, int]) -> QRectF:
    """Where the output of ``result`` sits in input pixel coordinates."""
    p = result.params
    pads = resolve_padding(
        image_shape, result.kernel.shape, p.padding, stride=p.stride, dilation=p.dilation
    )
    return conv_rect(result.activated.shape[:2], pads, result.kernel.shape, p.stride, p.dilation)
