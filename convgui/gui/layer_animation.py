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

Export goes through the single-kernel mode's dialog and writers (:mod:`convgui.gui.export`):
:class:`LayerFrames` is the layer's frame source and :class:`LayerSheet` paints the current
filter's frames with QPainter from the same :class:`~convgui.layer_playback.LayerFrame` s
(never grabbed from the window), as vector cells and text for SVG and PDF. Animation ▸ Play,
Step, First, Last, Stop and Export act on :class:`LayerAnimation` while the layer mode is shown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
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
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core import pad_image
from ..core.geometry import resolve_padding
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
    shorten_sum_line,
)
from ..playback import AnimationModel, Playback
from .animation import FRAME_MS, AnimationBar, WindowOutline, _Cover
from .export import (
    CURRENT_PEN,
    FRAME_GREY,
    KIND_TITLES,
    Crop,
    ExportContext,
    ExportDialog,
    FrameSpec,
    crop_around,
    default_crop,
    default_span,
    draw_cells,
    draw_note,
    draw_numbers,
    draw_title,
    fit_rect,
    gray_rgba,
    not_yet_colour,
)
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
    "export_tip": "Write the current filter's animation (a span of positions, cropped around "
    "the window on a large image) as PNG frames or one animated GIF; SVG and PDF frames are "
    "in the Animation menu",
    "frame_input": "input",
    "frame_direct_input": "input (zero-inserted, padded)",
    "frame_input_channel": "{title}: {name} of {n} channels",
    "frame_map": "feature map {o}",
    "frame_stamps": "feature map {o}: the stamps so far",
    "crop_note": "rows {r0}–{r1}, cols {c0}–{c1} of {w}×{h}",
    "more_lines": "… {n} more lines (every one is in the window’s panel)",
    "scroll_note": "… {n} lines in all: scroll the list above for every channel's sum",
}

#: Lines of arithmetic the window's panel shows at most (the rest scrolls).
MAX_PANEL_LINES = 8

#: Lines of arithmetic written under an exported frame (the rest are counted).
MAX_FRAME_LINES = 8

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
        names = self.channel_names()
        view = self.view
        if view == "conv":
            return conv_frame(r.image, r.weights, r.bias, r.settings, o, rc, names)
        if view == "scatter":
            return scatter_frame(r.image, r.weights, r.bias, r.settings, o, rc, names, self.watch)
        return direct_frame(self.direct(), r.bias, r.settings, o, rc, names)

    def channel_names(self) -> tuple[str, ...]:
        """The input channels' names (``c0``, ``c1``... when the layer has none that fit)."""
        r = self.layer.result
        names = tuple(self.layer.channel_names)
        if r is not None and len(names) != r.image.shape[2]:
            names = tuple(f"c{c}" for c in range(r.image.shape[2]))
        return names

    def pads(self) -> tuple[int, int, int, int]:
        """``(top, bottom, left, right)`` padding of the ``Conv2D`` layer (zeros: no result)."""
        r = self.layer.result
        if r is None:
            return (0, 0, 0, 0)
        kh, kw = r.weights.shape[:2]
        p = resolve_padding(
            r.image.shape,
            (int(kh), int(kw)),
            conv_padding(r.settings),
            stride=r.settings.stride,
            dilation=r.settings.dilation,
        )
        return (int(p[0]), int(p[1]), int(p[2]), int(p[3]))

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


class LayerArithmeticPanel(QWidget):
    """The arithmetic of the current position: one line per channel, the sum, the activation.

    When the lines are more than the panel shows (a network layer reads 16–64 channels), the
    channels' lines scroll in :attr:`scroll` and the last lines (the sum of the channel sums
    with the bias, and the activation) stay in view under it (:attr:`tail`), shortened to the
    width in the middle of their terms, never their results; a line between says how many
    lines there are in all. :meth:`text` is always every line, whole.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerArithmetic")
        self.head = self._label("layerArithmeticLines", wrap=True)
        self.scroll = QScrollArea(objectName="layerArithmeticScroll")
        self.scroll.setWidget(self.head)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.more = self._label("layerArithmeticMore", wrap=False)
        self.tail = self._label("layerArithmeticTotal", wrap=False)
        for w in (self.more, self.tail):
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            w.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.scroll)
        lay.addWidget(self.more)
        lay.addWidget(self.tail)
        self._lines: tuple[str, ...] = ()
        self._keep = 0
        self._most = 8
        self.set_text_scale(1.0)

    @staticmethod
    def _label(name: str, *, wrap: bool) -> QLabel:
        label = QLabel(objectName=name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setWordWrap(wrap)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def set_text_scale(self, factor: float) -> None:
        """Monospace at the window's text size (the application font, already scaled)."""
        f = QFont(QApplication.font())
        f.setFamily("monospace")
        f.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(f)
        note = QFont(f)
        note.setItalic(True)  # a note about the list above, not arithmetic
        self.more.setFont(note)
        self._arrange()

    def text(self) -> str:
        """Every line shown, whole (the scrolled ones and the kept ones)."""
        return "\n".join(self._lines)

    def set_text(self, text: str) -> None:
        """Show ``text`` (a note: nothing is kept in view under the scrolled lines)."""
        self.set_lines((text,), keep=0)

    def set_lines(self, lines: tuple[str, ...] | list[str], *, keep: int = 2) -> None:
        """Show ``lines``; when they do not all fit, the last ``keep`` stay in view."""
        self._lines = tuple(lines)
        self._keep = max(0, min(keep, len(self._lines) - 1))
        self._arrange()

    def line_count(self) -> int:
        """The lines of :meth:`text` (before word wrap)."""
        return self.text().count("\n") + 1

    def split(self) -> bool:
        """True when the last lines are kept in view under the scrolled ones."""
        return self._keep > 0 and self.line_count() > self._most

    def fit(self, most: int) -> None:
        """Show at most ``most`` lines (at least four): the rest scrolls."""
        self._most = max(4, most)
        self._arrange()

    def _arrange(self) -> None:
        fm = self.fontMetrics()
        step = max(1, fm.lineSpacing())
        n = self.line_count()
        if not self.split():
            self.head.setText(self.text())
            self.more.hide()
            self.tail.hide()
            self.scroll.setFixedHeight(max(4, min(n, self._most)) * step + 8)
            return
        kept = self._lines[-self._keep :]
        self.head.setText("\n".join(self._lines[: -self._keep]))
        self.more.setText(TEXTS["scroll_note"].format(n=n))
        self.tail.setToolTip("\n".join(kept))
        self.more.show()
        self.tail.show()
        self._update_tail()
        # The kept lines and the note take their lines of the most shown; two at least scroll.
        self.scroll.setFixedHeight(max(2, self._most - self._keep - 1) * step + 4)

    def _update_tail(self) -> None:
        if not self.split():
            return
        fm = QFontMetricsF(self.tail.font())
        width = self.contentsRect().width() - 2.0
        kept = self._lines[-self._keep :]
        self.tail.setText("\n".join(fit_line(line, fm, width) for line in kept))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tail()


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
        tip = TEXTS["export_tip"]
        self.png_btn = QPushButton(TEXTS["export_png"], objectName="layerExportPngButton")
        self.gif_btn = QPushButton(TEXTS["export_gif"], objectName="layerExportGifButton")
        for b in (self.png_btn, self.gif_btn):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.arith = LayerArithmeticPanel()
        self.arith_scroll = self.arith.scroll
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
        lay.addWidget(self.arith)
        controller.position_changed.connect(self._update)
        controller.state_changed.connect(self._update)
        self.set_text_scale(1.0)
        self._update()

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: the sums stay readable from the back of the room."""
        self.arith.set_text_scale(factor)
        self._fit_height()

    def _fit_height(self) -> None:
        # Every line of the sums up to MAX_PANEL_LINES when the window has room (at most a
        # quarter of its height: a large text leaves the views room too), never fewer than
        # four: the rest scrolls, the sum stays shown.
        fm = self.arith.fontMetrics()
        top = self.window()
        room = (top.height() // 4) // max(1, fm.lineSpacing()) if top is not self else 7
        self.arith.fit(min(MAX_PANEL_LINES, max(4, room)))

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
            self.arith.set_text(TEXTS["no_result"])
        elif f is None:
            self.arith.set_text(TEXTS["idle"].format(o=c.filter))
        else:
            self.arith.set_lines(f.lines, keep=2)  # the sum and the activation stay in view
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
        vmax = float(self.c.layer.value_max)
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
            pads = c.pads()
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


# --- export ------------------------------------------------------------------------------------


def map_rgba(data: np.ndarray, levels: tuple[float, float], cmap: str) -> np.ndarray:
    """``data`` (2-D) as RGBA ``uint8`` through the colour map ``cmap`` between ``levels``.

    The same rounded table as the page's maps, so an exported map has the window's colours.
    """
    lo, hi = levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    idx = np.nan_to_num(np.clip((data - lo) * scale + 0.5, 0, 255), nan=0.0).astype(np.uint8)
    return np.ascontiguousarray(rounded_lut(make_lut_cmap(cmap))[idx])


def fit_line(text: str, fm: QFontMetricsF, width: float) -> str:
    """``text`` shortened to ``width``, keeping its result (the part after the last " = ").

    A sum too long for its room loses terms in the middle, never its first terms, its last
    ones or its total (:func:`convgui.layer_playback.shorten_sum_line`, measured as drawn:
    "…" or "−" may come from another font than the monospace digits).
    """
    if fm.horizontalAdvance(text) <= width:
        return text
    chars = int(width / max(1.0, fm.horizontalAdvance("0")))
    while chars >= 12:
        short = shorten_sum_line(text, chars)
        if fm.horizontalAdvance(short) <= width:
            return short
        chars -= max(1, chars // 20)
    head, sep, tail = text.rpartition(" = ")
    if sep and fm.horizontalAdvance(sep + tail) < width / 2:
        room = width - fm.horizontalAdvance(sep + tail)
        return fm.elidedText(head, Qt.TextElideMode.ElideRight, room) + sep + tail
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, width)


def frame_lines(lines: tuple[str, ...], most: int = MAX_FRAME_LINES) -> list[str]:
    """At most ``most`` lines of a frame's arithmetic: the first ones, a count, the last two.

    The last two are the sum of the channel sums with the bias, and the activation.

    Examples
    --------
    >>> frame_lines(tuple("abcdefghij"), 6)
    ['a', 'b', 'c', '… 5 more lines (every one is in the window’s panel)', 'i', 'j']
    """
    if len(lines) <= most:
        return list(lines)
    head = most - 3
    return [
        *lines[:head],
        TEXTS["more_lines"].format(n=len(lines) - head - 2),
        *lines[-2:],
    ]


class LayerSheet:
    """Paints the exported frames of one filter and view of the layer (an export FramePainter).

    Everything a frame shares is prepared once: the shown input (padded, or the transposed
    layer's zero-inserted input) with its padding tinted, the feature map's colours, the crop.
    The arithmetic of each frame comes from :mod:`convgui.layer_playback`, as in the window.

    Parameters
    ----------
    controller : LayerAnimController
        The layer, its result, the filter and the view exported.
    crop : int or None
        Side of the input crop around the window, in cells of the input shown (None: whole).
    channel : int or None, optional
        The input channel drawn (clamped to the input's), named in the input's caption, as
        the window shows the channel picked of a network layer's many. None: as the window
        shows an image: grey, or R, G, B in colour; any other number of channels, channel 0.

    Raises
    ------
    ValueError
        There is no feature map to animate, or the crop is below 1.
    """

    def __init__(
        self, controller: LayerAnimController, crop: int | None, channel: int | None = None
    ) -> None:
        c = controller
        r = c.layer.result
        if r is None or c.filter >= len(r.maps):
            raise ValueError(TEXTS["no_result"])
        if crop is not None and crop < 1:
            raise ValueError(f"the crop must be at least 1 cell, got {crop!r}")
        self.result, self.o, self.view, self.crop = r, c.filter, c.view, crop
        self.names = c.channel_names()
        self.direct = c.direct() if self.view == "direct" else None
        self.grid = grid_shape(self.view, r.image.shape, r.out_shape)
        image = np.asarray(r.image, dtype=np.float64)
        lo = float(min(0.0, image.min())) if image.size else 0.0
        hi = float(max(c.layer.value_max, image.max())) if image.size else 1.0
        mask: np.ndarray | None = None
        tint = PAD_ZERO
        self.offset = (0, 0)
        if self.view == "conv":
            pads = c.pads()
            src = np.asarray(
                pad_image(image, pads, boundary=r.settings.boundary, cval=r.settings.cval),
                dtype=np.float64,
            )
            mask = np.ones(src.shape[:2], dtype=bool)
            mask[pads[0] : pads[0] + image.shape[0], pads[2] : pads[2] + image.shape[1]] = False
            if r.settings.boundary not in ("zero", "constant"):
                tint = PAD_COPY
            self.offset = (pads[0], pads[2])
        elif self.direct is not None:
            src = np.asarray(self.direct.padded, dtype=np.float64)
            mask = np.asarray(self.direct.kind) != 0
        else:
            src = image
        self.inner = (
            (self.offset[0], self.offset[0] + image.shape[0]),
            (self.offset[1], self.offset[1] + image.shape[1]),
        )
        n = int(src.shape[2])
        if channel is None and n in (1, 3):
            self.channel: int | None = None  # the whole image: grey, or R, G, B in colour
        else:
            self.channel = max(0, min(int(channel or 0), n - 1))
        colour = self.channel is None and n == 3
        k = self.channel or 0
        self.src_shape = (int(src.shape[0]), int(src.shape[1]))
        self.src_values = None if colour else src[:, :, k]
        rgba = gray_rgba(src[:, :, :3] if colour else src[:, :, k], lo, hi)
        if mask is not None and mask.any():
            a = tint.alphaF()
            mix = np.array([tint.red(), tint.green(), tint.blue()], dtype=np.float64)
            blended = rgba[mask, :3].astype(np.float64) * (1 - a) + mix * a
            rgba[mask, :3] = np.rint(blended).astype(np.uint8)
        self.src_rgba = rgba
        m = r.maps[self.o]
        self.levels = m.levels
        self.cmap = "diverging" if m.signed else "gray"
        self.map_values = np.asarray(m.data, dtype=np.float64)
        self.map_rgba = map_rgba(self.map_values, m.levels, self.cmap)

    @property
    def positions(self) -> int:
        """Number of positions of the view exported."""
        return self.grid[0] * self.grid[1]

    def frame(self, position: int) -> LayerFrame:
        """The arithmetic of row-major ``position``.

        Raises
        ------
        ValueError
            The position is outside the animation.
        """
        if not 0 <= int(position) < self.positions:
            raise ValueError(
                f"position {position!r} is outside the {self.positions:,} positions of the "
                "animation"
            )
        r, o = self.result, self.o
        rc = divmod(int(position), self.grid[1])
        rc = (int(rc[0]), int(rc[1]))
        if self.view == "conv":
            return conv_frame(r.image, r.weights, r.bias, r.settings, o, rc, self.names)
        if self.view == "scatter":
            return scatter_frame(r.image, r.weights, r.bias, r.settings, o, rc, self.names)
        assert self.direct is not None
        return direct_frame(self.direct, r.bias, r.settings, o, rc, self.names)

    def render(self, spec: FrameSpec, position: int) -> QImage:
        """Paint the frame of ``position`` as an image of ``spec``'s size."""
        frame = self.frame(position)  # any error is raised before a painter exists
        img = QImage(spec.width, spec.height, QImage.Format.Format_RGB32)
        img.fill(QColor(255, 255, 255))
        p = QPainter(img)
        try:
            self._paint(p, spec, frame, int(position), vector=False)
        finally:
            p.end()  # an image destroyed under an active painter crashes the process
        return img

    def paint(self, p: QPainter, spec: FrameSpec, position: int, *, vector: bool = True) -> None:
        """Paint the frame of ``position`` on an active painter spanning ``spec``'s size.

        With ``vector`` the cells are rectangles and every number is text (SVG and PDF).
        """
        frame = self.frame(position)
        p.fillRect(QRectF(0, 0, spec.width, spec.height), QColor(255, 255, 255))
        self._paint(p, spec, frame, int(position), vector=vector)

    # --- painting ------------------------------------------------------------------------

    def _map_crop(self, f: LayerFrame) -> Crop:
        oh, ow = self.map_values.shape
        side: int | None = None
        if self.crop is not None:
            sh, sw = self.src_shape
            ratio = max(oh / max(1, sh), ow / max(1, sw))
            side = max(3, math.ceil(self.crop * ratio))
        return crop_around(f.out_rows, f.out_cols, (oh, ow), side)

    def _paint(
        self, p: QPainter, spec: FrameSpec, f: LayerFrame, position: int, *, vector: bool
    ) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        w, h = spec.width, spec.height
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPixelSize(max(10, min(15, h // 30)))
        fm = QFontMetricsF(mono)
        lh = fm.lineSpacing()
        lines = frame_lines(f.lines)
        text_h = lh * len(lines) + 8
        taps = (f.tap_rows + self.offset[0], f.tap_cols + self.offset[1])
        src_crop = crop_around(taps[0], taps[1], self.src_shape, self.crop)
        map_crop = self._map_crop(f)
        cropped = (src_crop.rows, src_crop.cols) != self.src_shape or (
            map_crop.rows,
            map_crop.cols,
        ) != self.map_values.shape
        top, note_h = 34.0, 18.0 if cropped else 0.0
        area_h = max(10.0, h - top - text_h - note_h - 6)
        areas = [QRectF(i * w / 2 + 10, top, w / 2 - 20, area_h) for i in range(2)]
        source_title = (
            TEXTS["frame_direct_input"] if self.view == "direct" else TEXTS["frame_input"]
        )
        if self.channel is not None:
            source_title = TEXTS["frame_input_channel"].format(
                title=source_title,
                name=self.names[self.channel] if self.channel < len(self.names) else self.channel,
                n=self.result.image.shape[2],
            )
        titles = (
            source_title,
            TEXTS["frame_stamps" if self.view == "scatter" else "frame_map"].format(o=self.o),
        )
        for area, title in zip(areas, titles, strict=True):
            draw_title(p, area, title)
        self._paint_source(p, areas[0], src_crop, taps, vector)
        self._paint_map(p, areas[1], map_crop, f, position, vector)
        if cropped:
            notes = (
                self._crop_note(src_crop, self.src_shape, self.offset),
                self._crop_note(map_crop, self.map_values.shape, (0, 0)),
            )
            for area, note in zip(areas, notes, strict=True):
                draw_note(p, QRectF(area.left(), area.bottom() + 2, area.width(), note_h), note)
        p.setFont(mono)
        p.setPen(QColor(20, 20, 20))
        y = h - text_h + 4
        for line in lines:
            p.drawText(
                QRectF(10, y, w - 20, lh),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                fit_line(line, fm, w - 20),
            )
            y += lh

    @staticmethod
    def _crop_note(crop: Crop, shape: tuple[int, ...], offset: tuple[int, int]) -> str:
        t, lft = offset
        return TEXTS["crop_note"].format(
            r0=crop.top - t,
            r1=crop.top + crop.rows - 1 - t,
            c0=crop.left - lft,
            c1=crop.left + crop.cols - 1 - lft,
            w=shape[1] - 2 * lft if lft else shape[1],
            h=shape[0] - 2 * t if t else shape[0],
        )

    def _paint_source(
        self,
        p: QPainter,
        area: QRectF,
        crop: Crop,
        taps: tuple[np.ndarray, np.ndarray],
        vector: bool,
    ) -> None:
        rs, cs = crop.slices()
        rgba = self.src_rgba[rs, cs]
        rect = fit_rect(area, (crop.rows, crop.cols))
        draw_cells(p, rect, rgba, vector)
        if self.src_values is not None:  # one channel: its numbers (a colour pixel has three)
            draw_numbers(p, rect, self.src_values[rs, cs], rgba)
        cw, ch = rect.width() / crop.cols, rect.height() / crop.rows
        (r0, r1), (c0, c1) = self.inner
        inner = QRectF(
            rect.left() + (min(max(c0 - crop.left, 0), crop.cols)) * cw,
            rect.top() + (min(max(r0 - crop.top, 0), crop.rows)) * ch,
            (min(max(c1 - crop.left, 0), crop.cols) - min(max(c0 - crop.left, 0), crop.cols)) * cw,
            (min(max(r1 - crop.top, 0), crop.rows) - min(max(r0 - crop.top, 0), crop.rows)) * ch,
        )
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.view == "conv" and inner.width() > 0 and inner.height() > 0:
            p.setPen(QPen(FRAME_GREY, 1))
            p.drawRect(inner)
        box = QRectF(
            rect.left() + (int(taps[1].min()) - crop.left) * cw,
            rect.top() + (int(taps[0].min()) - crop.top) * ch,
            (int(taps[1].max()) - int(taps[1].min()) + 1) * cw,
            (int(taps[0].max()) - int(taps[0].min()) + 1) * ch,
        )
        grow_x, grow_y = max(0.0, 6 - box.width()) / 2, max(0.0, 6 - box.height()) / 2
        p.setPen(QPen(WINDOW, 3))  # the window's extent (at least 6 pixels), seen on colours
        p.drawRect(box.adjusted(-grow_x, -grow_y, grow_x, grow_y))
        if min(cw, ch) >= 6:  # and each tap (a dilated window has gaps)
            p.setPen(QPen(WINDOW, 1))
            for y in taps[0]:
                for x in taps[1]:
                    p.drawRect(
                        QRectF(
                            rect.left() + (x - crop.left) * cw,
                            rect.top() + (y - crop.top) * ch,
                            cw,
                            ch,
                        )
                    )

    def _paint_map(
        self,
        p: QPainter,
        area: QRectF,
        crop: Crop,
        f: LayerFrame,
        position: int,
        vector: bool,
    ) -> None:
        rs, cs = crop.slices()
        if self.view == "scatter":  # the stamps so far
            r = self.result
            whole = scatter_partial(r.image, r.weights, r.settings, self.o, position)
            part = whole[rs, cs]
            rgba = map_rgba(part, self.levels, self.cmap)
            not_yet = None
        else:
            part = self.map_values[rs, cs]
            rgba = self.map_rgba[rs, cs].copy()
            index = np.arange(self.positions).reshape(self.grid)[rs, cs]
            not_yet = index > position
            rgba[not_yet] = not_yet_colour(self.map_rgba)
        rect = fit_rect(area, part.shape[:2])
        draw_cells(p, rect, rgba, vector)
        draw_numbers(p, rect, part, rgba, skip=not_yet)
        cw, ch = rect.width() / part.shape[1], rect.height() / part.shape[0]
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(FRAME_GREY, 1))
        p.drawRect(rect)

        def cells(rows: np.ndarray, cols: np.ndarray) -> QRectF:
            y0, x0 = int(rows.min()) - crop.top, int(cols.min()) - crop.left
            return QRectF(
                rect.left() + x0 * cw,
                rect.top() + y0 * ch,
                (int(cols.max()) - int(cols.min()) + 1) * cw,
                (int(rows.max()) - int(rows.min()) + 1) * ch,
            )

        if self.view == "scatter" and f.out_rows.size and f.out_cols.size:
            p.setPen(QPen(WINDOW, 2))  # the stamp
            p.drawRect(cells(f.out_rows, f.out_cols))
        cell = (np.array([f.cell[0]]), np.array([f.cell[1]]))
        p.setPen(QPen(CURRENT_PEN, 3))
        p.drawRect(cells(*cell))


class LayerFrames:
    """The layer animation of the current filter and view as an export :class:`FrameSource`.

    Parameters
    ----------
    controller : LayerAnimController
        The layer's animation (its grid, position and result).
    shown_channel : callable, optional
        The input channel the window shows large (None: all of them, grey or colour), read
        when the frames are painted; the frames draw the same one.
    """

    stem = "layer"

    def __init__(
        self,
        controller: LayerAnimController,
        shown_channel: Callable[[], int | None] | None = None,
    ) -> None:
        self.c = controller
        self.shown_channel = shown_channel

    @property
    def stage(self) -> str:
        """Always ``"conv"``."""
        return "conv"

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions of the view animated."""
        return self.c.grid_shape()

    def position_rc(self) -> tuple[int, int] | None:
        """The current position (None when the window is hidden)."""
        return self.c.position_rc() if self.c.active else None

    def default_span(self) -> tuple[int, int]:
        """:func:`convgui.gui.export.default_span` of the grid and the current position."""
        return default_span(self.grid_shape(), self.position_rc())

    def image_shape(self) -> tuple[int, ...]:
        """The input shown on the left: the image, or the transposed layer's direct input."""
        r = self.c.layer.result
        if r is None:
            return (0, 0)
        if self.c.view == "direct":
            return tuple(self.c.direct().padded.shape)
        return tuple(r.image.shape)

    def proposed_crop(self) -> int | None:
        """The window's extent plus a margin on a large input; None (whole) on a small one."""
        r = self.c.layer.result
        if r is None:
            return None
        kh, kw = r.weights.shape[:2]
        dh, dw = r.settings.dilation
        return default_crop(self.image_shape(), max(dh * (kh - 1) + 1, dw * (kw - 1) + 1))

    def painter(self, stage: str, crop: int | None) -> LayerSheet:
        """A :class:`LayerSheet` of the current filter and view (``stage`` is always conv)."""
        channel = self.shown_channel() if self.shown_channel is not None else None
        return LayerSheet(self.c, crop, channel)


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
        """Give ``page`` its animation (kept as ``page.animation``); a page has only one.

        Installing again returns the animation the page already has, so the mode can hand it
        to ``window.add_mode(..., animation=...)`` before or after installing it.
        """
        anim = getattr(page, "animation", None)
        if isinstance(anim, cls):
            return anim
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
        """Animation ▸ Export (kind "gif", "png", "svg" or "pdf"): the export dialog.

        The same dialog as the single-kernel mode's (span, crop, frame size, the file-safety
        questions), exporting the current filter's animation in the view shown.
        """
        w = self.window
        if w is None:
            return
        if self.controller.grid_shape() == (0, 0):
            self._say("status", TEXTS["no_result"])
            return
        self.controller.pause()
        files = getattr(w, "files", None)
        host = ExportContext(
            w.state,
            self.controller,
            w.settings,
            w.show_message,
            extra_protected=lambda: files.protected_files() if files is not None else (),
            source=LayerFrames(
                self.controller, getattr(self.page, "shown_input_channel", None)
            ),
        )
        ExportDialog(host, kind if kind in KIND_TITLES else "gif", w).exec()  # type: ignore[arg-type]

    # --- the Animation menu's commands (window.animation_command) --------------------------

    def toggle(self) -> None:
        """Play or pause."""
        self.controller.toggle()

    def step(self, n: int = 1) -> None:
        """Move ``n`` positions and pause."""
        self.controller.step(n)

    def to_start(self) -> None:
        """First position."""
        self.controller.to_start()

    def to_end(self) -> None:
        """Last position."""
        self.controller.to_end()

    def stop(self) -> None:
        """Hide the window, show the whole map."""
        self.controller.stop()

    def _say(self, level: str, text: str) -> None:
        if self.window is not None:
            self.window.show_message(level, text)


__all__ = [
    "TEXTS",
    "LayerAnimController",
    "LayerAnimation",
    "LayerAnimationPanel",
    "LayerArithmeticPanel",
    "LayerFrames",
    "LayerOverlay",
    "LayerSheet",
    "fit_line",
    "frame_lines",
    "map_rgba",
]
