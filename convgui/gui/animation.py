"""The sliding-kernel animation: controller (timer + playback), control bar and view overlays.

The convolution is never recomputed here: a step only moves overlays and asks the pure scan
(:func:`convgui.core.layer_scan`) for the arithmetic of one position, once per position.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
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

from ..core import PoolScan, WindowScan, pad_image
from ..core.layout import Placement
from ..core.scene import ConvScene, Scene, conv_scene, pool_scene
from ..playback import AnimationModel, Playback
from ..state import ComputeResult, ExplorerState
from . import texts
from .image_view import ImageView, ValueTextItem

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
    """The Qt side of :class:`convgui.playback.AnimationModel`: a timer and signals.

    The model holds the stage, position, play state and what is covered; this object ticks it
    from a QTimer, re-announces its changes as Qt signals, and describes the current position
    once (a :class:`convgui.core.scene.ConvScene` or ``PoolScene``) for every view to draw.

    Signals
    -------
    position_changed()
        The position (or the stage, or the result behind it) changed.
    state_changed()
        Play/pause state, stage, speed or what is shown changed.
    """

    position_changed = Signal()
    state_changed = Signal()

    def __init__(self, state: ExplorerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = AnimationModel(speed=4.0)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_tick)
        self._t0 = time.perf_counter()
        self._scene_key: tuple[object, str, tuple[int, int]] | None = None
        self._scene: Scene | None = None
        self.model.subscribe(self._on_model)
        state.result_changed.connect(self._on_result)
        self._on_result()

    def now(self) -> float:
        """Seconds since the controller was made (monotonic)."""
        return time.perf_counter() - self._t0

    # --- reading (the model's) -------------------------------------------------------------

    @property
    def playback(self) -> Playback:
        """Position, play state and speed."""
        return self.model.playback

    @property
    def stage(self) -> str:
        """``"conv"`` or ``"pool"``."""
        return self.model.stage

    @property
    def active(self) -> bool:
        """True while the kernel window and the arithmetic are shown."""
        return self.model.active

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions in the current stage (0, 0 when nothing to animate)."""
        return self.model.grid_shape()

    def position_rc(self) -> tuple[int, int] | None:
        """Current position as (row, col), or None."""
        return self.model.position_rc()

    def current_scene(self) -> Scene | None:
        """The current position described once (per position and result), or None."""
        r, rc = self.state.result, self.position_rc()
        if not self.model.active or r is None or rc is None or self.state.doc is None:
            return None
        key = (r, self.stage, rc)
        if self._scene_key is not None and all(
            a is b or a == b for a, b in zip(self._scene_key, key)
        ):
            return self._scene
        if self.stage == "pool" and r.pooled is not None:
            scene: Scene = pool_scene(r.activated, r.params, rc)
        else:
            assert r.image is not None  # the result's own input, not a newer one in progress
            scene = conv_scene(r.image, r.kernel, r.params, r.geometry, rc)
        self._scene_key, self._scene = key, scene
        return scene

    def current_scan(self) -> WindowScan | PoolScan | None:
        """The scan of the current position (the scene's), or None."""
        scene = self.current_scene()
        return None if scene is None else scene.scan

    # --- events ----------------------------------------------------------------------------

    def _on_result(self) -> None:
        r = self.state.result
        if r is None:
            self.model.set_grids(None, None)
        else:
            self.model.set_grids(r.geometry.out_shape, r.geometry.pooled_shape, self.now())

    def _on_model(self, changed: frozenset[str]) -> None:
        if not self.model.playing:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()
        if "state" in changed:
            self.state_changed.emit()
        if "position" in changed:
            self.position_changed.emit()

    def _on_tick(self) -> None:
        self.model.tick(self.now())

    # --- commands ----------------------------------------------------------------------------

    def play(self) -> None:
        """Start or resume."""
        self.model.play(self.now())

    def pause(self) -> None:
        """Pause at the current position."""
        self.model.pause()

    def toggle(self) -> None:
        """Play/pause (Space)."""
        self.model.toggle(self.now())

    def stop(self) -> None:
        """Stop: hide the kernel window and show the whole output."""
        self.model.stop()

    def step(self, n: int = 1) -> None:
        """Move ``n`` positions and pause (Right/Left)."""
        self.model.step(n, self.now())

    def seek(self, index: int) -> None:
        """Jump to a position index (slider)."""
        self.model.seek(index, self.now())

    def seek_rc(
        self, row: int, col: int, stage: str | None = None, *, filling: bool = True
    ) -> None:
        """Jump to output (row, col) of ``stage`` (default: the current stage).

        ``filling=False`` (a click on a pixel) shows the window there over the whole output.
        """
        self.model.seek_rc(row, col, self.now(), stage, filling=filling)

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
        """Animate the convolution (``"conv"``) or the pooling (``"pool"``)."""
        self.model.set_stage(stage, self.now())

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
            "stopButton",
            "Stop",
            texts.STOP_TIP,
            controller.stop,
        )
        self.stop_btn.setText(texts.STOP_BUTTON)
        self.stop_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="positionSlider")
        self.slider.setToolTip("Scrub through every output position")
        self.slider.valueChanged.connect(self._on_slider)
        self.pos_label = QLabel(objectName="positionLabel")
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
        # Two groups that sit side by side, or one above the other when the window is too
        # narrow for both (a small screen, or large text for a projector): never squeezed.
        self.transport = QWidget()
        tl = QHBoxLayout(self.transport)
        tl.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.start_btn,
            self.back_btn,
            self.play_btn,
            self.fwd_btn,
            self.end_btn,
            self.stop_btn,
        ):
            tl.addWidget(w)
        self.slider.setMinimumWidth(120)
        tl.addWidget(self.slider, 1)
        tl.addWidget(self.pos_label)
        self.options = QWidget()
        ol = QHBoxLayout(self.options)
        ol.setContentsMargins(0, 0, 0, 0)
        ol.addWidget(QLabel("Speed"))
        ol.addWidget(self.speed)
        ol.addWidget(self.stage_combo)
        ol.addWidget(self.follow_check)
        ol.addStretch(1)
        self.rows = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.rows.setContentsMargins(6, 2, 6, 2)
        self.rows.addWidget(self.transport, 1)
        self.rows.addWidget(self.options)
        self._speed_width = -1
        controller.state_changed.connect(self._update)
        controller.position_changed.connect(self._update_position)
        self._update()

    def _one_row_width(self) -> int:
        m = self.rows.contentsMargins()
        return (
            self.transport.minimumSizeHint().width()
            + self.options.sizeHint().width()
            + self.rows.spacing()
            + m.left()
            + m.right()
        )

    def _arrange(self) -> None:
        one_row = self.width() >= self._one_row_width()
        direction = (
            QBoxLayout.Direction.LeftToRight if one_row else QBoxLayout.Direction.TopToBottom
        )
        if self.rows.direction() != direction:
            self.rows.setDirection(direction)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_position()
            self._arrange()

    def minimumSizeHint(self) -> QSize:
        # Narrower than one row is fine: the options then go below the transport.
        hint = super().minimumSizeHint()
        m = self.rows.contentsMargins()
        narrow = max(self.transport.minimumSizeHint().width(), self.options.sizeHint().width())
        return QSize(narrow + m.left() + m.right(), hint.height())

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
        has_pool = self.c.model.has_pool
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
        # Room for the longest text of this grid, so the counter is never cut (nor jitters).
        h, w = self.c.grid_shape()
        widest = f"row {max(h - 1, 0)}, col {max(w - 1, 0)}  ({pb.total}/{pb.total})"
        need = self.pos_label.fontMetrics().horizontalAdvance(widest) + 8
        if self.pos_label.minimumWidth() != need:
            self.pos_label.setMinimumWidth(need)


class _Cover:
    """Blanks the not-yet-computed part of an output view and outlines the current cell."""

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
        self,
        place: Placement,
        rc: tuple[int, int],
        *,
        current: bool = True,
        cover: bool = True,
    ) -> None:
        """Blank every cell after ``rc`` in row-major order (``rc`` itself stays visible).

        ``rc`` may be ``(r, -1)``: nothing of row ``r`` is done yet. ``cover=False`` only
        outlines the current cell (the whole map stays visible).
        """
        h, w = place.shape
        r, c = rc
        cell = place.cell
        x0, y0 = place.left, place.top
        self.rest_of_row.setRect(
            QRectF(x0 + (c + 1) * cell, y0 + r * cell, (w - c - 1) * cell, cell)
        )
        self.rows_below.setRect(QRectF(x0, y0 + (r + 1) * cell, w * cell, (h - r - 1) * cell))
        self.current.setRect(QRectF(x0 + c * cell, y0 + r * cell, cell, cell))
        self.rest_of_row.setVisible(cover)
        self.rows_below.setVisible(cover)
        self.current.setVisible(current and c >= 0)

    def hide(self) -> None:
        for item in self.items:
            item.hide()

    @property
    def covering(self) -> bool:
        """True while part of the map is blanked."""
        return self.rest_of_row.isVisible() or self.rows_below.isVisible()


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
        place: Placement,
        center: tuple[int, int] | None,
        winner: tuple[int, int] | None = None,
    ) -> None:
        """Outline the cells ``ys × xs`` of a map drawn at ``place`` (indices may be outside)."""
        cell, x0, y0 = place.cell, place.left, place.top
        path = QPainterPath()
        for y in ys:
            for x in xs:
                path.addRect(QRectF(x0 + x * cell, y0 + y * cell, cell, cell))
        self.taps.setPath(path)
        self.taps.show()
        if center is not None:
            self.center.setRect(
                QRectF(x0 + xs[center[1]] * cell, y0 + ys[center[0]] * cell, cell, cell)
            )
            self.center.show()
        else:
            self.center.hide()
        if winner is not None:
            self.winner.setRect(QRectF(x0 + winner[1] * cell, y0 + winner[0] * cell, cell, cell))
            self.winner.show()
        else:
            self.winner.hide()

    def hide(self) -> None:
        for item in self.items:
            item.hide()


class PaddingRing:
    """The padded image drawn around the input: padded cells with their values, tinted."""

    def __init__(self, view: ImageView, model: AnimationModel) -> None:
        self.view = view
        self.model = model
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
        self.pads = (0, 0, 0, 0)
        self.hide()

    @property
    def unknown(self) -> bool:
        """The lesson's question: the ring is drawn, its values are "?" (the model's)."""
        return self.model.question

    def update(self, state: ExplorerState, result: ComputeResult) -> None:
        img = result.image
        if img is None:
            return
        p = result.params
        pads = result.geometry.pads
        key = (result.image_version, pads, p.boundary, p.cval, state.value_max)
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
    """Draws the current scene: window outline, padding ring, current cell and covers.

    Covers ("not computed yet") appear only while the model is filling in, i.e. after the
    user played or stepped; any new result shows the whole output and pooled map.
    """

    def __init__(
        self,
        controller: AnimationController,
        input_view: ImageView,
        output_view: ImageView,
        pooled_view: ImageView,
    ) -> None:
        self.c = controller
        self.input_view, self.output_view, self.pooled_view = input_view, output_view, pooled_view
        self.ring = PaddingRing(input_view, controller.model)
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
        controller.position_changed.connect(self.update)
        controller.state_changed.connect(self.update)

    def hide(self) -> None:
        self.ring.hide()
        for part in (self.in_window, self.out_window, self.out_cover, self.pool_cover):
            part.hide()

    def show_hits(self, positions: np.ndarray | None) -> None:
        """Outline the output positions listed (from a click on the input), or clear them."""
        r = self.c.state.result
        if positions is None or r is None or len(positions) == 0:
            self.hits.setData([])
            return
        place = r.geometry.output
        xs = place.left + (positions[:, 1] + 0.5) * place.cell
        ys = place.top + (positions[:, 0] + 0.5) * place.cell
        self.hits.setData(x=xs, y=ys, size=place.cell * 0.9)

    def update(self) -> None:
        """Place every overlay for the controller's current scene (or hide them)."""
        c, state, model = self.c, self.c.state, self.c.model
        r, scene = state.result, c.current_scene()
        if r is None or scene is None:
            self.hide()
            return
        g = r.geometry
        self.ring.update(state, r)
        if isinstance(scene, ConvScene):
            ys, xs = scene.tap_rows, scene.tap_cols
            unit = Placement(g.image_shape, 0.0, 0.0)
            self.in_window.show(ys, xs, unit, scene.center)
            self.out_window.hide()
            rc = scene.position
            if model.question:  # the lesson's question: this output is not known yet either
                self.out_cover.show(g.output, (rc[0], rc[1] - 1), current=False)
            else:
                self.out_cover.show(g.output, rc, cover=model.filling)
            if g.pooled is None or not model.filling or scene.pooled_done is None:
                self.pool_cover.hide()
            else:
                self.pool_cover.show(g.pooled, scene.pooled_done, current=False)
            if self.follow:
                self._follow(ys, xs)
        else:
            assert g.pooled is not None
            self.in_window.hide()
            self.out_window.show(
                scene.scan.rows, scene.scan.cols, g.output, None, scene.scan.winner
            )
            self.out_cover.hide()
            self.pool_cover.show(g.pooled, scene.position, cover=model.filling)

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
