"""Exporting the animation: labelled frames ("input", "kernel", "output"), in four formats.

A GIF, a folder of PNGs or of SVGs, or one PDF with a page per frame.

Frames are painted with QPainter from the state, the result's :class:`LayerGeometry` and the
per-position scenes of :mod:`convgui.core.scene`, never grabbed from the window, so they look
the same whatever the window's size and run offscreen. Every number and sum written in a frame
comes from the scene and :mod:`convgui.core.text`.

SVG and PDF frames are vector drawings (Qt's ``QSvgGenerator`` and ``QPdfWriter`` paint the same
frame): cells are rectangles and numbers are text, crisp on a slide at any size. Only a map too
large to draw cell by cell (more than :data:`MAX_VECTOR_CELLS` cells shown) is embedded as an
image, and then it has no numbers anyway.

On a large image each frame shows a crop of the input around the window (and the output cells
under that crop), so the window and the numbers stay readable; a small image is shown whole.

What is animated is a :class:`FrameSource`: its positions, the current one, a default span, the
input shown (for the crop choice) and a :class:`FramePainter` that paints one frame into a
QPainter, raster or vector. :class:`KernelFrames` is the single-kernel mode's source (painted by
:class:`FrameSheet`); the layer mode has its own (:mod:`convgui.gui.layer_animation`), and both
go through the same dialog and writers.

The export never takes the window: :class:`ExportDialog` depends on an :class:`ExportHost`
(state, animation, settings, ``notify``, protected files) or a :class:`FramesHost` (the same
with a frame source of its own). Files are written with :func:`convgui.safeio.atomic_write` and
verified; nothing the user made is replaced without asking, and a cancelled export removes only
the files it wrote.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QMarginsF, QRect, QRectF, QSettings, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QImageWriter,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..core import pad_image
from ..core.layout import LayerGeometry
from ..core.scene import ConvScene, PoolScene, conv_scene, pool_scene
from ..core.text import format_factor, format_value, pretty_number
from ..imageio import array_to_qimage, verify_image_file
from ..safeio import (
    NeedsConfirmationError,
    PathLike,
    SaveError,
    atomic_write,
    check_target,
    new_subfolder,
    remove_own_files,
    shown_name,
)
from ..state import ComputeResult, ExplorerState
from .display import result_display, to_display_rgba

#: Refuse exports with more frames than this (a 1024x1024 sweep would be a million frames).
MAX_FRAMES = 2000
#: The default span is at most this many frames (whole rows when a row is shorter).
DEFAULT_SPAN = 200
#: A GIF holds every frame in memory twice while it is written: refuse more pixels than this.
MAX_GIF_PIXELS = 600_000_000
#: Images up to this side are exported whole by default; larger ones are cropped.
WHOLE_IMAGE_SIDE = 64
#: Input pixels of context shown on each side of the window in the default crop.
CROP_MARGIN = 6
#: Crop sizes offered besides the default one.
CROP_CHOICES = (12, 16, 24, 32, 48, 64)
#: Frame sizes offered (width, height).
FRAME_SIZES = ((960, 440), (1280, 590), (640, 300))
#: Terms written out in a frame's sum before the rest is elided.
SUM_TERMS = 10
#: A vector frame draws a map cell by cell up to this many cells shown; past it, as an image.
MAX_VECTOR_CELLS = 6000
#: Settings keys.
LAST_DIR_KEY = "lastExportDir"
LAST_CROP_KEY = "lastExportCrop"
LAST_SIZE_KEY = "lastExportSize"

BG = QColor(255, 255, 255)
PAD_TINT = QColor(60, 130, 220, 70)
COPY_TINT = QColor(230, 150, 40, 80)
WINDOW_PEN = QColor(220, 40, 40)
CURRENT_PEN = QColor(255, 170, 0)
WINNER_PEN = QColor(255, 200, 0)
FRAME_GREY = QColor(90, 90, 90)
#: Output cells not computed yet on a grey map: a pale blue, unlike any grey it can take.
NOT_YET = (214, 226, 240, 255)
#: ... and on a coloured (diverging) map, where pale blue reads as a small negative value:
#: a mid grey, which a white-centred blue–red map never takes.
NOT_YET_ON_COLOUR = (128, 128, 128, 255)


def not_yet_colour(rgba: np.ndarray) -> tuple[int, int, int, int]:
    """The colour of cells not computed yet on a map painted as ``rgba`` (H, W, 4 uint8)."""
    rgb = rgba[..., :3].astype(np.int16)
    grey = bool(np.all(rgb[..., 0] == rgb[..., 1]) and np.all(rgb[..., 1] == rgb[..., 2]))
    return NOT_YET if grey else NOT_YET_ON_COLOUR

Kind = Literal["gif", "png", "svg", "pdf"]
#: Kinds written as a folder of ``frame_*`` files, and the suffix of their files.
FOLDER_KINDS: dict[str, str] = {"png": ".png", "svg": ".svg"}
#: Titles of the export dialog per kind.
KIND_TITLES: dict[str, str] = {
    "gif": "Export Animated GIF",
    "png": "Export PNG Frames",
    "svg": "Export SVG Frames",
    "pdf": "Export PDF Frames (a Page per Frame)",
}
FramesChoice = Literal["overwrite", "subfolder", "cancel"]
Notify = Callable[[str, str], None]
U8 = NDArray[np.uint8]
F64 = NDArray[np.float64]


# --- what the export needs from the application --------------------------------------------


class AnimationSource(Protocol):
    """The animation as the export reads it (:class:`AnimationController` or the model)."""

    @property
    def stage(self) -> str:
        """``"conv"`` or ``"pool"``."""
        ...

    def position_rc(self) -> tuple[int, int] | None:
        """The current position, or None."""
        ...

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions of the current stage."""
        ...


class ExportHost(Protocol):
    """Everything the export dialog uses from the application, and nothing more."""

    @property
    def state(self) -> ExplorerState:
        """The explorer's state (image, result)."""
        ...

    @property
    def anim(self) -> AnimationSource:
        """The animation: stage, position and grid."""
        ...

    @property
    def settings(self) -> QSettings:
        """Where the last export folder, crop and frame size are remembered."""
        ...

    def notify(self, level: str, text: str) -> None:
        """Tell the user: ``"error"``, ``"warning"``, ``"info"`` or ``"status"``."""
        ...

    def protected_paths(self) -> list[str]:
        """Files an export must not replace without asking (the opened image...)."""
        ...


class FramePainter(Protocol):
    """Paints the frames of one export (prepared once: images, colours, crop)."""

    @property
    def positions(self) -> int:
        """Number of positions that can be painted (row-major ``0 .. positions - 1``)."""
        ...

    def render(self, spec: FrameSpec, position: int) -> QImage:
        """The frame of ``position`` as an image of ``spec``'s size (raises ValueError first)."""
        ...

    def paint(self, p: QPainter, spec: FrameSpec, position: int, *, vector: bool = True) -> None:
        """Paint the frame of ``position`` on an active painter spanning ``spec``'s size."""
        ...


class FrameSource(Protocol):
    """An animation as the export dialog and the writers read it.

    :class:`KernelFrames` (the single-kernel mode) and the layer mode's source implement it.
    """

    @property
    def stage(self) -> str:
        """The stage animated (``"conv"`` or ``"pool"``), put in :class:`FrameSpec`."""
        ...

    @property
    def stem(self) -> str:
        """The file name proposed for a GIF or PDF (without suffix)."""
        ...

    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns of positions of the stage animated."""
        ...

    def position_rc(self) -> tuple[int, int] | None:
        """The current position, or None when the animation is stopped."""
        ...

    def default_span(self) -> tuple[int, int]:
        """First and last (0-based, inclusive) positions proposed."""
        ...

    def image_shape(self) -> tuple[int, ...]:
        """Shape of the input shown on the left of a frame (``(0, 0)`` when there is none)."""
        ...

    def proposed_crop(self) -> int | None:
        """The crop side proposed (None: the whole input)."""
        ...

    def painter(self, stage: str, crop: int | None) -> FramePainter:
        """What paints the frames of ``stage`` with a crop of side ``crop`` (None: whole).

        Raises
        ------
        ValueError
            Nothing to animate (no image, no output).
        """
        ...


class FramesHost(Protocol):
    """An export host with its own frame source (the layer mode's)."""

    @property
    def frames(self) -> FrameSource:
        """The animation exported."""
        ...

    @property
    def settings(self) -> QSettings:
        """Where the last export folder, crop and frame size are remembered."""
        ...

    def notify(self, level: str, text: str) -> None:
        """Tell the user: ``"error"``, ``"warning"``, ``"info"`` or ``"status"``."""
        ...

    def protected_paths(self) -> list[str]:
        """Files an export must not replace without asking (the opened image...)."""
        ...


@dataclass
class KernelFrames:
    """The single-kernel animation as a :class:`FrameSource` (frames by :class:`FrameSheet`).

    Parameters
    ----------
    state : ExplorerState
        The image and its result.
    anim : AnimationSource, optional
        The stage and current position (None: the convolution stage, stopped).
    """

    state: ExplorerState
    anim: AnimationSource | None = None
    stem: str = "convolution"

    @property
    def stage(self) -> str:
        """The animation's stage (``"conv"`` without an animation)."""
        return self.anim.stage if self.anim is not None else "conv"

    def grid_shape(self) -> tuple[int, int]:
        """The animation's grid (the output's shape without an animation)."""
        if self.anim is not None:
            return self.anim.grid_shape()
        r = self.state.result
        return (0, 0) if r is None else (int(r.activated.shape[0]), int(r.activated.shape[1]))

    def position_rc(self) -> tuple[int, int] | None:
        """The animation's position."""
        return self.anim.position_rc() if self.anim is not None else None

    def default_span(self) -> tuple[int, int]:
        """:func:`default_span` of the grid and position."""
        return default_span(self.grid_shape(), self.position_rc())

    def image_shape(self) -> tuple[int, ...]:
        """The engine's image shape."""
        img = self.state.engine_image()
        return tuple(img.shape) if img is not None else (0, 0)

    def proposed_crop(self) -> int | None:
        """:func:`default_crop` of the image and the result's geometry."""
        r = self.state.result
        return default_crop(self.image_shape(), r.geometry if r is not None else None)

    def painter(self, stage: str, crop: int | None) -> FrameSheet:
        """A :class:`FrameSheet` of the current result."""
        result = self.state.result
        if result is None:
            raise ValueError("there is no output to animate; change the layer settings first")
        return FrameSheet(self.state, result, stage, crop)


def frames_of(host: ExportHost | FramesHost) -> FrameSource:
    """The frame source of ``host``: its own, else the single-kernel animation of its state."""
    own = getattr(host, "frames", None)
    if own is not None:
        return own  # type: ignore[no-any-return]
    kernel_host: ExportHost = host  # type: ignore[assignment]
    return KernelFrames(kernel_host.state, kernel_host.anim)


@dataclass
class ExportContext:
    """A ready-made :class:`ExportHost` from its parts.

    ``protected_paths()`` always holds the opened image's file and the settings file, plus
    ``extra_protected``. ``source`` is the animation exported when it is not the single-kernel
    one of ``state`` and ``anim`` (the layer mode's).
    """

    state: ExplorerState
    anim: AnimationSource
    settings: QSettings
    notify_fn: Notify
    extra_protected: Callable[[], Iterable[str]] = field(default=lambda: ())
    source: FrameSource | None = None

    @property
    def frames(self) -> FrameSource:
        """``source``, or the single-kernel animation of ``state`` and ``anim``."""
        return self.source if self.source is not None else KernelFrames(self.state, self.anim)

    def notify(self, level: str, text: str) -> None:
        """Forward to ``notify_fn``."""
        self.notify_fn(level, text)

    def protected_paths(self) -> list[str]:
        """The opened image, the settings file and ``extra_protected()``."""
        out: list[str] = []
        doc = self.state.doc
        if doc is not None and doc.path:
            out.append(str(doc.path))
        if self.settings.fileName():
            out.append(self.settings.fileName())
        out.extend(str(p) for p in self.extra_protected())
        return out


# --- what a frame shows --------------------------------------------------------------------


@dataclass(frozen=True)
class FrameSpec:
    """What to draw: stage (``"conv"`` or ``"pool"``) and size of each frame in pixels."""

    stage: str = "conv"
    width: int = 960
    height: int = 440


@dataclass(frozen=True)
class Crop:
    """A part of a padded map: rows ``top:top+rows`` and columns ``left:left+cols``."""

    top: int
    left: int
    rows: int
    cols: int

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices."""
        return slice(self.top, self.top + self.rows), slice(self.left, self.left + self.cols)


def _axis_crop(lo: int, hi: int, side: int | None, size: int) -> tuple[int, int]:
    """Start and length of a span of ``side`` cells of ``0..size`` centred on ``lo..hi``."""
    if side is None:
        return 0, size
    n = min(size, max(int(side), hi - lo + 3))  # the window and a cell on each side
    start = math.floor((lo + hi + 1) / 2 - n / 2)
    return max(0, min(size - n, start)), n


def crop_around(
    rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int], side: int | None
) -> Crop:
    """The ``side``×``side`` part of a map of ``shape`` centred on the window ``rows``/``cols``.

    Kept inside the map (near an edge the window is off-centre) and never smaller than the
    window plus one cell on each side; ``side=None`` is the whole map.

    Examples
    --------
    >>> crop_around(np.array([10, 11, 12]), np.array([0, 1, 2]), (100, 100), 9)
    Crop(top=7, left=0, rows=9, cols=9)
    """
    top, nr = _axis_crop(int(rows.min()), int(rows.max()), side, shape[0])
    left, nc = _axis_crop(int(cols.min()), int(cols.max()), side, shape[1])
    return Crop(top, left, nr, nc)


def _cells_under(start: int, n: int, first_centre: float, stride: int, count: int) -> range:
    """Map cells (along one axis) whose window centre lies in ``start..start + n``."""
    centres = np.arange(count) * stride + first_centre
    inside = np.nonzero((centres >= start) & (centres < start + n))[0]
    if inside.size == 0:
        return range(0)
    return range(int(inside[0]), int(inside[-1]) + 1)


@dataclass(frozen=True)
class FrameContent:
    """Everything one frame draws, decided before any painting.

    Attributes
    ----------
    titles : (str, str, str)
        Over the left, middle and right panels.
    notes : (str, str)
        Under the left and right panels (which part is shown when cropped; empty otherwise).
    caption : str
        The bottom line: the position and its sum, from the scene.
    src_crop : Crop
        The part of the padded source drawn on the left.
    out_rows, out_cols : range
        The output (or pooled) cells drawn on the right.
    taps : (ndarray, ndarray)
        Padded source rows and columns of the window.
    winner : (int, int) or None
        Padded source cell that won a max pool.
    middle : ndarray
        The kernel (or the pool window's values; NaN in padding).
    position : (int, int)
        The current output (or pooled) cell.
    """

    titles: tuple[str, str, str]
    notes: tuple[str, str]
    caption: str
    src_crop: Crop
    out_rows: range
    out_cols: range
    taps: tuple[NDArray[np.intp], NDArray[np.intp]]
    winner: tuple[int, int] | None
    middle: F64
    position: tuple[int, int]


def frame_caption(scene: ConvScene | PoolScene) -> str:
    """The bottom line of a frame: ``row 2, col 3:  2×1 + … = 198``.

    The sum is the scene's own text; a divisor or bias follows written out (``→ ÷ 2 + 3.5 =
    40``), then the activation when it changes the value (``→ relu: 0``).
    """
    r, c = scene.position
    if isinstance(scene, PoolScene):
        return f"row {r}, col {c}:  {scene.expression()}"
    text = f"row {r}, col {c}:  {scene.sum_text(SUM_TERMS)}"
    if scene.divisor != 1 or scene.bias != 0:
        # Written out, so the viewer sees where the value written comes from.
        step = f" ÷ {format_factor(scene.divisor)}" if scene.divisor != 1 else ""
        if scene.bias != 0:
            sign = "−" if scene.bias < 0 else "+"
            step += f" {sign} {pretty_number(abs(scene.bias))}"
        text += f"  →{step} = {pretty_number(scene.scaled)}"
    if not math.isclose(scene.value, scene.scaled, rel_tol=0.0, abs_tol=1e-9):
        text += f"  →  {scene.activation}: {pretty_number(scene.value)}"
    return text


def gray_rgba(data: F64, lo: float, hi: float) -> U8:
    """``data`` between ``lo`` and ``hi`` as grey RGBA (a 3-channel array as its colours)."""
    scaled = np.clip((np.asarray(data, dtype=np.float64) - lo) / max(hi - lo, 1e-12), 0, 1)
    u8 = (np.nan_to_num(scaled) * 255 + 0.5).astype(np.uint8)
    if u8.ndim == 3:
        alpha = np.full(u8.shape[:2] + (1,), 255, np.uint8)
        return np.concatenate([u8[..., :3], alpha], axis=2)
    return np.dstack([u8, u8, u8, np.full_like(u8, 255)])


class FrameSheet:
    """What every frame of one stage shares, prepared once per export.

    Parameters
    ----------
    state : ExplorerState
        For the image, display mode and value range.
    result : ComputeResult
        The result animated (its geometry says pads, shapes and windows).
    stage : str
        ``"conv"`` or ``"pool"`` (pool only when the result has a pooled map).
    crop : int or None
        Side of the input crop around the window, in input pixels; None for the whole image.

    Raises
    ------
    ValueError
        No image, or a pooling stage without a pooled map.
    """

    def __init__(
        self, state: ExplorerState, result: ComputeResult, stage: str, crop: int | None
    ) -> None:
        # The result's own input: a newer image may already be computing.
        img = result.image if result.image is not None else state.engine_image()
        if img is None:
            raise ValueError("there is no image to animate; open an image first")
        if crop is not None and crop < 1:
            raise ValueError(f"the crop must be at least 1 pixel, got {crop!r}")
        self.result = result
        self.image = img
        self.crop = crop
        self.pool = stage == "pool" and result.pooled is not None
        g: LayerGeometry = result.geometry
        prm = result.params
        vmax = state.value_max
        if self.pool:
            assert g.pool_pads is not None and g.pool_size is not None
            assert g.pool_stride is not None and result.pooled is not None
            src = np.asarray(result.activated, dtype=np.float64)
            self.pads = g.pool_pads
            t, b, lft, r = self.pads
            padded = np.full((src.shape[0] + t + b, src.shape[1] + lft + r) + src.shape[2:], np.nan)
            padded[t : t + src.shape[0], lft : lft + src.shape[1]] = src
            disp = result_display(state, result, "output")  # as the window shows it
            self.src_rgba = to_display_rgba(np.nan_to_num(padded, nan=disp.levels[0]), disp)
            self.tint = PAD_TINT
            self.target = np.asarray(result.pooled, dtype=np.float64)
            tdisp = result_display(state, result, "pooled")
            self.step = g.pool_stride
            self.first_centre = ((g.pool_size[0] - 1) / 2 + 0.5, (g.pool_size[1] - 1) / 2 + 0.5)
            self.titles = ("output (before pooling)", "pooling window", "pooled")
        else:
            self.pads = g.pads
            padded = np.asarray(
                pad_image(img, g.pads, boundary=prm.boundary, cval=prm.cval), dtype=np.float64
            )
            self.src_rgba = gray_rgba(padded, 0.0, vmax)
            self.tint = COPY_TINT if prm.boundary not in ("zero", "constant") else PAD_TINT
            self.target = np.asarray(result.activated, dtype=np.float64)
            tdisp = result_display(state, result, "output")
            self.step = g.stride
            eh, ew = g.effective_kernel
            self.first_centre = ((eh - 1) / 2 + 0.5, (ew - 1) / 2 + 0.5)
            self.titles = ("input", "kernel", "output")
        self.src_values = padded if padded.ndim == 2 else padded[..., 0]
        self.src_shape = (int(padded.shape[0]), int(padded.shape[1]))
        self.inner_shape = (
            self.src_shape[0] - self.pads[0] - self.pads[1],
            self.src_shape[1] - self.pads[2] - self.pads[3],
        )
        self.target_display = tdisp
        self.target_rgba = to_display_rgba(self.target, tdisp)
        self.grid = (int(self.target.shape[0]), int(self.target.shape[1]))

    @property
    def positions(self) -> int:
        """Number of positions of the animated stage."""
        return self.grid[0] * self.grid[1]

    def content(self, position: int) -> FrameContent:
        """Decide what the frame of row-major ``position`` shows.

        Raises
        ------
        ValueError
            The position is outside the animation.
        """
        h, w = self.grid
        rc = divmod(int(position), w) if w else (int(position), 0)
        res, prm, g = self.result, self.result.params, self.result.geometry
        winner: tuple[int, int] | None = None
        if self.pool:
            ps = pool_scene(res.activated, prm, rc)  # raises for a position outside the map
            rows, cols = g.pool_window(*ps.position)
            middle = np.asarray(ps.scan.values, dtype=np.float64)
            if ps.scan.winner is not None:
                winner = (ps.scan.winner[0] + self.pads[0], ps.scan.winner[1] + self.pads[2])
            caption = frame_caption(ps)
        else:
            cs = conv_scene(self.image, res.kernel, prm, g, rc)  # raises outside the output
            rows, cols = cs.tap_rows, cs.tap_cols
            middle = np.asarray(cs.scan.weights, dtype=np.float64)
            caption = frame_caption(cs)
        if np.ndim(res.activated) == 3:  # the numbers are one channel's, as in the window
            caption = caption.replace(":  ", " (red channel):  ", 1)
        taps = (rows + self.pads[0], cols + self.pads[2])
        crop = crop_around(taps[0], taps[1], self.src_shape, self.crop)
        out_rows = _cells_under(crop.top, crop.rows, self.first_centre[0], self.step[0], h)
        out_cols = _cells_under(crop.left, crop.cols, self.first_centre[1], self.step[1], w)
        notes = ("", "")
        if (crop.rows, crop.cols) != self.src_shape:
            t, lft = self.pads[0], self.pads[2]
            notes = (
                f"rows {crop.top - t}–{crop.top + crop.rows - 1 - t}, cols {crop.left - lft}–"
                f"{crop.left + crop.cols - 1 - lft} of {self.inner_shape[1]}×{self.inner_shape[0]}",
                f"rows {out_rows.start}–{out_rows.stop - 1}, cols {out_cols.start}–"
                f"{out_cols.stop - 1} of {w}×{h}",
            )
        return FrameContent(
            self.titles, notes, caption, crop, out_rows, out_cols, taps, winner, middle, rc
        )

    def render(self, spec: FrameSpec, position: int) -> QImage:
        """Paint the frame of ``position`` (row-major) at ``spec``'s size."""
        content = self.content(position)  # any error is raised before a painter exists
        frame = QImage(spec.width, spec.height, QImage.Format.Format_RGB32)
        frame.fill(BG)
        p = QPainter(frame)
        try:
            self._paint(p, spec, content, int(position))
        finally:
            # An image destroyed while a painter is still active on it crashes the process.
            p.end()
        return frame

    def paint(self, p: QPainter, spec: FrameSpec, position: int, *, vector: bool = True) -> None:
        """Paint the frame of ``position`` on an active painter, in ``spec``'s units.

        The painter's coordinates must span ``spec.width`` × ``spec.height`` (an SVG generator's
        view box, or a PDF page scaled to it). With ``vector`` the maps' cells are drawn as
        rectangles (up to :data:`MAX_VECTOR_CELLS`), so the frame stays sharp when enlarged.

        Raises
        ------
        ValueError
            The position is outside the animation (raised before anything is painted).
        """
        content = self.content(position)
        p.fillRect(QRectF(0, 0, spec.width, spec.height), BG)
        self._paint(p, spec, content, int(position), vector=vector)

    # --- painting ----------------------------------------------------------------------

    def _paint(
        self, p: QPainter, spec: FrameSpec, fc: FrameContent, position: int, *, vector: bool = False
    ) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        col_w = spec.width / 3
        top, bottom_text = 34.0, 46.0
        note_h = 18.0 if any(fc.notes) else 0.0
        areas = [
            QRectF(i * col_w + 10, top, col_w - 20, spec.height - top - bottom_text - note_h)
            for i in range(3)
        ]
        for area, label in zip(areas, fc.titles):
            draw_title(p, area, label)
        self._paint_source(p, areas[0], fc, vector)
        _paint_middle(p, areas[1].adjusted(20, 20, -20, -20), fc.middle)
        self._paint_target(p, areas[2], fc, position, vector)
        for area, note in ((areas[0], fc.notes[0]), (areas[2], fc.notes[1])):
            if note:
                draw_note(p, QRectF(area.left(), area.bottom() + 2, area.width(), note_h), note)
        _caption(p, QRectF(10, spec.height - bottom_text, spec.width - 20, bottom_text), fc.caption)

    def _paint_source(self, p: QPainter, area: QRectF, fc: FrameContent, vector: bool) -> None:
        cr = fc.src_crop
        rs, cs = cr.slices()
        rgba = self.src_rgba[rs, cs]
        rect = fit_rect(area, (cr.rows, cr.cols))
        draw_cells(p, rect, rgba, vector)
        cw, ch = rect.width() / cr.cols, rect.height() / cr.rows
        # The image itself inside the crop (the rest is padding).
        t, lft = self.pads[0], self.pads[2]
        r0 = min(max(t - cr.top, 0), cr.rows)
        r1 = min(max(t + self.inner_shape[0] - cr.top, 0), cr.rows)
        c0 = min(max(lft - cr.left, 0), cr.cols)
        c1 = min(max(lft + self.inner_shape[1] - cr.left, 0), cr.cols)
        inner = QRectF(rect.left() + c0 * cw, rect.top() + r0 * ch, (c1 - c0) * cw, (r1 - r0) * ch)
        for band in (
            QRectF(rect.left(), rect.top(), rect.width(), inner.top() - rect.top()),
            QRectF(rect.left(), inner.bottom(), rect.width(), rect.bottom() - inner.bottom()),
            QRectF(rect.left(), inner.top(), inner.left() - rect.left(), inner.height()),
            QRectF(inner.right(), inner.top(), rect.right() - inner.right(), inner.height()),
        ):
            if band.width() > 0 and band.height() > 0:
                p.fillRect(band, self.tint)
        values = self.src_values[rs, cs]
        draw_numbers(p, rect, values, rgba, skip=np.isnan(values))
        p.setPen(QPen(FRAME_GREY, 1))
        if inner.width() > 0 and inner.height() > 0:
            p.drawRect(inner)
        p.setPen(QPen(WINDOW_PEN, 2))
        for y in fc.taps[0]:
            for x in fc.taps[1]:
                p.drawRect(
                    QRectF(rect.left() + (x - cr.left) * cw, rect.top() + (y - cr.top) * ch, cw, ch)
                )
        if fc.winner is not None:  # the cell that won the max, as in the window
            wy, wx = fc.winner
            p.setPen(QPen(WINNER_PEN, 4))
            p.drawRect(
                QRectF(rect.left() + (wx - cr.left) * cw, rect.top() + (wy - cr.top) * ch, cw, ch)
            )

    def _paint_target(
        self, p: QPainter, area: QRectF, fc: FrameContent, position: int, vector: bool
    ) -> None:
        rows, cols = fc.out_rows, fc.out_cols
        h, w = self.grid
        part = self.target[rows.start : rows.stop, cols.start : cols.stop]
        rgba = self.target_rgba[rows.start : rows.stop, cols.start : cols.stop].copy()
        index = np.arange(h * w).reshape(h, w)[rows.start : rows.stop, cols.start : cols.stop]
        not_yet = index > position
        rgba[not_yet] = not_yet_colour(self.target_rgba)
        rect = fit_rect(area, part.shape[:2])
        draw_cells(p, rect, rgba, vector)
        draw_numbers(p, rect, part, rgba, skip=not_yet)
        cw, ch = rect.width() / part.shape[1], rect.height() / part.shape[0]
        p.setPen(QPen(FRAME_GREY, 1))
        p.drawRect(rect)
        r, c = fc.position
        p.setPen(QPen(CURRENT_PEN, 3))
        p.drawRect(
            QRectF(rect.left() + (c - cols.start) * cw, rect.top() + (r - rows.start) * ch, cw, ch)
        )


def fit_rect(area: QRectF, shape: tuple[int, ...]) -> QRectF:
    """The largest rectangle of square cells for a map of ``shape``, centred in ``area``."""
    h, w = shape[0], shape[1]
    cell = min(area.width() / w, area.height() / h)
    ww, hh = cell * w, cell * h
    return QRectF(area.center().x() - ww / 2, area.center().y() - hh / 2, ww, hh)


def draw_cells(p: QPainter, rect: QRectF, rgba: U8, vector: bool) -> None:
    """Fill ``rect`` with the cells' colours: a rectangle per cell (vector) or one image."""
    h, w = rgba.shape[:2]
    if not vector or h * w > MAX_VECTOR_CELLS:
        p.drawImage(rect, array_to_qimage(np.ascontiguousarray(rgba)))
        return
    cw, ch = rect.width() / w, rect.height() / h
    # Runs of equal colour along a row are one rectangle (a flat region is a few shapes).
    packed = rgba[..., 0].astype(np.uint32) << 16 | rgba[..., 1].astype(np.uint32) << 8
    packed |= rgba[..., 2].astype(np.uint32)
    for i in range(h):
        row = packed[i]
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.r_[starts[1:], w]
        # Each cell overlaps the next by a hair, so viewers show no seam between them.
        dy = 0.25 if i < h - 1 else 0.0
        for a, b in zip(starts.tolist(), ends.tolist()):
            r, g, bl = rgba[i, a, :3].tolist()
            dx = 0.25 if b < w else 0.0
            p.fillRect(
                QRectF(rect.left() + a * cw, rect.top() + i * ch, (b - a) * cw + dx, ch + dy),
                QColor(r, g, bl),
            )


def draw_numbers(
    p: QPainter, rect: QRectF, data: F64, rgba: U8, skip: NDArray[np.bool_] | None = None
) -> None:
    """Write each cell's value in black or white, whichever reads on the cell's colour ``rgba``."""
    h, w = data.shape[:2]
    cw, ch = rect.width() / w, rect.height() / h
    if min(cw, ch) < 16 or h * w > 1600:
        return
    vals = data if data.ndim == 2 else data[..., 0]
    texts = [[format_value(float(v)) for v in row] for row in vals.tolist()]
    font = QFont()
    size = int(max(8, min(14, min(cw, ch) / 2.6)))
    font.setPixelSize(size)
    # Smaller until the widest number fits its cell; none at all rather than overlapping.
    widest = max((t for row in texts for t in row), key=len, default="")
    while size > 8 and QFontMetricsF(font).horizontalAdvance(widest) > cw - 2:
        size -= 1
        font.setPixelSize(size)
    if QFontMetricsF(font).horizontalAdvance(widest) > cw - 2:
        return
    p.setFont(font)
    # Luma of the colour drawn (clipped values are white whatever their size).
    bright = (rgba[..., :3].astype(np.float64) @ (0.299, 0.587, 0.114)) / 255.0
    for i in range(h):
        for j in range(w):
            if skip is not None and skip[i, j]:
                continue
            p.setPen(QColor(0, 0, 0) if bright[i, j] > 0.55 else QColor(255, 255, 255))
            p.drawText(
                QRectF(rect.left() + j * cw, rect.top() + i * ch, cw, ch),
                Qt.AlignmentFlag.AlignCenter,
                texts[i][j],
            )


def _paint_middle(p: QPainter, area: QRectF, values: F64) -> None:
    """The kernel's weights (or the pool window's values) as a table of coloured cells."""
    rect = fit_rect(area, values.shape)
    kh, kw = values.shape
    kcw, kch = rect.width() / kw, rect.height() / kh
    font = QFont()
    font.setPixelSize(int(max(9, min(22, min(kcw, kch) / 2.6))))
    p.setFont(font)
    for i in range(kh):
        for j in range(kw):
            cell = QRectF(rect.left() + j * kcw, rect.top() + i * kch, kcw, kch)
            v = float(values[i, j])
            fill = (
                QColor(226, 240, 226)
                if v > 0
                else QColor(240, 228, 244)
                if v < 0
                else QColor(245, 245, 245)
            )
            p.fillRect(cell, fill)
            p.setPen(QPen(QColor(150, 150, 150), 1))
            p.drawRect(cell)
            p.setPen(QColor(20, 20, 20))
            p.drawText(cell, Qt.AlignmentFlag.AlignCenter, "·" if np.isnan(v) else format_value(v))


def draw_title(p: QPainter, area: QRectF, text: str) -> None:
    """Write ``text`` in the band just above ``area`` (never under the picture drawn in it)."""
    font = QFont()
    font.setPixelSize(20)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    p.drawText(
        QRectF(area.left(), area.top() - 32, area.width(), 30), Qt.AlignmentFlag.AlignCenter, text
    )


def draw_note(p: QPainter, rect: QRectF, text: str) -> None:
    """Write a small grey note (which part of a map is shown) centred in ``rect``."""
    font = QFont()
    font.setPixelSize(12)
    p.setFont(font)
    p.setPen(QColor(80, 80, 80))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _caption(p: QPainter, rect: QRectF, text: str) -> None:
    """Write the frame's bottom line (the position and its sum) in ``rect``."""
    font = QFont()
    font.setPixelSize(15)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


def render_frame(
    state: ExplorerState,
    result: ComputeResult,
    spec: FrameSpec,
    position: int,
    *,
    crop: int | None = None,
) -> QImage:
    """Paint one labelled frame of the animation at ``position`` (row-major index).

    ``crop`` is the side, in input pixels, of the part of the input shown around the window
    (None: the whole image). Exports of many frames use one :class:`FrameSheet` instead.
    """
    return FrameSheet(state, result, spec.stage, crop).render(spec, position)


def _qimage_rgb(img: QImage) -> U8:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(h, conv.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()  # own the data


# --- where frames go -----------------------------------------------------------------------


class FramesExistError(NeedsConfirmationError):
    """The folder chosen for frames already holds ``frame_*.png`` (or ``.svg``) files; ask first.

    Attributes
    ----------
    existing : list of Path
        The ``frame_*`` files already there.
    """

    def __init__(self, folder: Path, existing: list[Path], suffix: str = ".png") -> None:
        super().__init__(
            folder,
            "exists",
            f"The folder “{shown_name(folder)}” already holds {len(existing)} frame file"
            f"{'s' if len(existing) != 1 else ''} (frame_*{suffix}). Choose an empty folder, or "
            "confirm that they may be overwritten.",
        )
        self.existing = existing


def frame_files(folder: PathLike, suffix: str = ".png") -> list[Path]:
    """The ``frame_*`` entries of ``folder`` ending in ``suffix`` (none when it does not exist)."""
    p = Path(folder)
    if not p.is_dir():
        return []
    return sorted(p.glob(f"frame_*{suffix}"))


def free_name(parent: PathLike, stem: str, suffix: str = "", frames: str = ".png") -> Path:
    """``parent/stem+suffix``, or ``stem-2``, ``stem-3``... : the first that does not exist.

    A folder counts as free when it holds no ``frame_*`` files ending in ``frames``.
    """
    base = Path(parent)
    for n in range(1, 10_000):
        candidate = base / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        if not candidate.exists() or (candidate.is_dir() and not frame_files(candidate, frames)):
            return candidate
    return base / f"{stem}{suffix}"


def choose_frames_folder(
    folder: PathLike,
    ask: Callable[[Path, list[Path], str], FramesChoice],
    suffix: str = ".png",
) -> tuple[Path, bool] | None:
    """Where frames go: ``(folder, overwrite)``, or None when the user cancels.

    A folder without ``frame_*`` files ending in ``suffix`` (``.png`` or ``.svg``) is used
    as it is. Otherwise ``ask(folder, existing,
    subfolder_name)`` decides: ``"overwrite"`` writes there (replacing frames of the same
    name, deleting none), ``"subfolder"`` creates a new empty subfolder (``frames-2``...)
    and writes there, ``"cancel"`` writes nothing.

    Raises
    ------
    SaveError
        The subfolder cannot be created.
    """
    p = Path(folder)
    existing = frame_files(p, suffix)
    if not existing:
        return p, False
    n = 2
    while (p / f"frames-{n}").exists():
        n += 1
    sub = p / f"frames-{n}"
    choice = ask(p, existing, sub.name)
    if choice == "overwrite":
        return p, True
    if choice == "subfolder":
        return new_subfolder(p, sub.name), False
    return None


# --- writing -------------------------------------------------------------------------------


def _verify_gif(count: int, size: tuple[int, int]) -> Callable[[Path], None]:
    def verify(tmp: Path) -> None:
        from PIL import Image

        with Image.open(tmp) as gif:
            gif.load()
            n = getattr(gif, "n_frames", 1)
            if gif.format != "GIF" or n != count or gif.size != size:
                raise ValueError(
                    f"it holds {n} frame(s) of {gif.size[0]}×{gif.size[1]} instead of "
                    f"{count} of {size[0]}×{size[1]}"
                )
            gif.seek(n - 1)  # the last frame decodes too

    return verify


def _write_png(img: QImage, path: Path) -> None:
    """Write ``img`` as a PNG at ``path``."""
    writer = QImageWriter(str(path), b"png")
    if not writer.write(img):
        raise SaveError(
            f"Could not write a frame ({writer.errorString()}). Nothing was kept; free some "
            "space or choose another folder."
        )


def _write_svg(sheet: FramePainter, spec: FrameSpec, position: int, path: Path) -> None:
    """Paint the frame of ``position`` as an SVG file at ``path`` (vector cells and text)."""
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(spec.width, spec.height))
    gen.setViewBox(QRect(0, 0, spec.width, spec.height))
    gen.setTitle(f"convgui frame {position}")
    gen.setDescription("A frame of a convolution animation, exported by convgui")
    p = QPainter()
    if not p.begin(gen):
        raise SaveError(
            f"Could not start writing “{shown_name(path)}”. Nothing was kept; choose a folder "
            "you can write to."
        )
    try:
        sheet.paint(p, spec, position, vector=True)
    finally:
        p.end()


def _verify_svg(size: tuple[int, int]) -> Callable[[Path], None]:
    """Read an SVG frame back: an ``<svg>`` of ``size`` holding text (numbers and titles)."""

    def verify(tmp: Path) -> None:
        import xml.etree.ElementTree as ET

        root = ET.parse(tmp).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        if root.tag not in ("svg", f"{ns}svg"):
            raise ValueError(f"it is not an SVG drawing (its root is <{root.tag}>)")
        box = root.get("viewBox", "").split()
        if len(box) != 4 or (round(float(box[2])), round(float(box[3]))) != size:
            raise ValueError(f"its view box is {box!r}, not 0 0 {size[0]} {size[1]}")
        if root.find(f".//{ns}text") is None and root.find(".//text") is None:
            raise ValueError("it holds no text")

    return verify


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    """The ``(width, height)`` in points of every page object of a PDF written by Qt.

    A structural read (Qt writes page dictionaries uncompressed), enough to check a file just
    written; not a general PDF parser.

    Examples
    --------
    >>> pdf_page_sizes(b"<< /Type /Page /MediaBox [0 0 960 440] >> << /Type /Pages >>")
    [(960.0, 440.0)]
    """
    import re

    sizes = []
    for m in re.finditer(rb"/Type\s*/Page(?![a-zA-Z])", data):
        start = data.rfind(b"<<", 0, m.start())
        end = data.find(b"endobj", m.end())
        box = re.search(
            rb"/MediaBox\s*\[\s*" + rb"([-\d.]+)\s+" * 3 + rb"([-\d.]+)", data[start:end]
        )
        if box is None:
            sizes.append((0.0, 0.0))
            continue
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        sizes.append((x1 - x0, y1 - y0))
    return sizes


def _verify_pdf(count: int, size: tuple[float, float]) -> Callable[[Path], None]:
    """Read a PDF back: a complete file with ``count`` pages of ``size`` points."""

    def verify(tmp: Path) -> None:
        data = tmp.read_bytes()
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
            raise ValueError("it is not a complete PDF file")
        sizes = pdf_page_sizes(data)
        if len(sizes) != count:
            raise ValueError(f"it holds {len(sizes)} page(s) instead of {count}")
        for w, h in sizes:
            if abs(w - size[0]) > 0.5 or abs(h - size[1]) > 0.5:
                raise ValueError(f"a page is {w:g}×{h:g} points instead of {size[0]}×{size[1]}")

    return verify


class _CancelledError(Exception):
    """The user cancelled while a single-file export was being written."""


def export_animation(
    source: FrameSource | ExplorerState,
    positions: Sequence[int],
    path: PathLike,
    *,
    kind: Kind = "gif",
    spec: FrameSpec | None = None,
    frame_ms: int = 250,
    progress: Callable[[int, int], bool] | None = None,
    crop: int | None = None,
    overwrite: bool = False,
    protected: Iterable[PathLike | None] = (),
) -> int:
    """Write frames for ``positions`` as an animated GIF, one PDF, or PNGs or SVGs in a folder.

    Parameters
    ----------
    source : FrameSource or ExplorerState
        The animation (a state: its single-kernel animation, :class:`KernelFrames`).
    positions : sequence of int
        Row-major positions of ``spec.stage``, one frame each, in this order.
    path : path-like
        The GIF or PDF file, or the folder for ``frame_00000.png`` (``.svg``)... (created when
        missing).
    kind : {"gif", "png", "svg", "pdf"}, keyword-only
        An animated GIF, a folder of PNG or SVG frames, or a PDF with a page per frame (SVG
        and PDF are vector drawings: cells and numbers stay sharp at any size).
    spec : FrameSpec, optional
        Stage and frame size.
    frame_ms : int
        Duration of each GIF frame (not used for PNG frames).
    progress : callable, optional
        ``progress(done, total)`` after each frame; returning False cancels: the files this
        export wrote are removed (nothing else), and 0 is returned.
    crop : int or None
        Side of the input crop shown around the window (None: the whole image).
    overwrite : bool
        The user agreed to replace: the existing GIF or PDF, or the ``frame_*`` files of the
        same names in the folder (others are kept, never deleted).
    protected : iterable of path-like
        Files never replaced without ``overwrite`` (the opened image...).

    Returns
    -------
    int
        Frames written (0 when cancelled).

    Raises
    ------
    ValueError
        No result, no positions, a position outside the animation, too many frames, an empty
        frame size.
    NeedsConfirmationError
        Without ``overwrite``: the GIF or PDF exists or is protected; :class:`FramesExistError`
        when the folder already holds ``frame_*`` files of the kind. Raised before any frame is
        made.
    SaveError
        A file or folder cannot be written (what this export wrote so far is removed).
    """
    frames = KernelFrames(source) if isinstance(source, ExplorerState) else source
    spec = spec or FrameSpec()
    if spec.width < 1 or spec.height < 1:
        raise ValueError(
            f"a frame of {spec.width}×{spec.height} pixels is empty; choose a frame size of at "
            "least 1×1 (the dialog offers 960×440, 1280×590 and 640×300)"
        )
    if kind not in KIND_TITLES:
        raise ValueError(f"kind must be 'gif', 'png', 'svg' or 'pdf', got {kind!r}")
    if not positions:
        raise ValueError("choose at least one position to export")
    if len(positions) > MAX_FRAMES:
        raise ValueError(
            f"{len(positions):,} frames is too many (at most {MAX_FRAMES:,}); export a shorter "
            "span or every n-th position"
        )
    if kind == "gif" and len(positions) * spec.width * spec.height > MAX_GIF_PIXELS:
        most = MAX_GIF_PIXELS // (spec.width * spec.height)
        raise ValueError(
            f"{len(positions):,} frames of {spec.width}×{spec.height} are too large for one GIF "
            f"(at most {most:,} at this size); export fewer frames, a smaller frame size, or "
            "PNG frames"
        )
    sheet = frames.painter(spec.stage, crop)  # raises when there is nothing to animate
    bad = [int(p) for p in positions if not 0 <= int(p) < sheet.positions]
    if bad:
        # Checked before any frame is written, so a bad span never leaves half an export behind.
        raise ValueError(
            f"position {bad[0]!r} is outside the {sheet.positions:,} positions of the animation"
        )
    protected = list(protected)
    out = Path(path)
    if kind in ("gif", "pdf"):
        check_target(out, protected=protected, confirmed=overwrite)  # ask before any work
        if not out.parent.is_dir():
            raise SaveError(
                f"The folder “{out.parent}” does not exist. Choose another folder for the "
                f"{kind.upper()}."
            )
        if kind == "pdf":
            return _export_pdf(sheet, positions, out, spec, progress, overwrite, protected)
        return _export_gif(sheet, positions, out, spec, frame_ms, progress, overwrite, protected)
    return _export_folder(sheet, positions, out, spec, progress, overwrite, FOLDER_KINDS[kind])


def _export_gif(
    sheet: FramePainter,
    positions: Sequence[int],
    out: Path,
    spec: FrameSpec,
    frame_ms: int,
    progress: Callable[[int, int], bool] | None,
    overwrite: bool,
    protected: list[PathLike | None],
) -> int:
    from PIL import Image

    # Quantised as they are made: one byte per pixel held, not three.
    frames: list[Image.Image] = []
    for n, pos in enumerate(positions):
        rgb = _qimage_rgb(sheet.render(spec, int(pos)))
        frames.append(Image.fromarray(rgb).quantize(colors=255, dither=Image.Dither.NONE))
        if progress is not None and not progress(n + 1, len(positions)):
            return 0

    def write(tmp: Path) -> None:
        frames[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=frame_ms,
            loop=0,
            optimize=False,
            disposal=1,
        )

    atomic_write(
        out,
        write,
        verify=_verify_gif(len(frames), (spec.width, spec.height)),
        protected=protected,
        confirmed=overwrite,
    )
    return len(frames)


def _export_pdf(
    sheet: FramePainter,
    positions: Sequence[int],
    out: Path,
    spec: FrameSpec,
    progress: Callable[[int, int], bool] | None,
    overwrite: bool,
    protected: list[PathLike | None],
) -> int:
    """One PDF, a page of ``spec``'s size (in points) per frame, painted as vectors."""

    def write(tmp: Path) -> None:
        writer = QPdfWriter(str(tmp))
        writer.setCreator("convgui")
        writer.setTitle("Convolution animation")
        writer.setResolution(720)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QSizeF(spec.width, spec.height), QPageSize.Unit.Point, "frame"),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),
            )
        )
        p = QPainter()
        if not p.begin(writer):
            raise SaveError(
                f"Could not start writing “{shown_name(out)}”. Nothing was kept; choose a "
                "folder you can write to."
            )
        try:
            p.scale(writer.width() / spec.width, writer.height() / spec.height)
            for n, pos in enumerate(positions):
                if n:
                    writer.newPage()
                sheet.paint(p, spec, int(pos), vector=True)
                if progress is not None and not progress(n + 1, len(positions)):
                    raise _CancelledError
        finally:
            p.end()

    try:
        atomic_write(
            out,
            write,
            verify=_verify_pdf(len(positions), (spec.width, spec.height)),
            protected=protected,
            confirmed=overwrite,
        )
    except _CancelledError:
        return 0  # the temporary file is gone; the old file (if any) is untouched
    return len(positions)


def _write_frame_png(sheet: FramePainter, spec: FrameSpec, position: int, path: Path) -> None:
    _write_png(sheet.render(spec, position), path)


def _export_folder(
    sheet: FramePainter,
    positions: Sequence[int],
    folder: Path,
    spec: FrameSpec,
    progress: Callable[[int, int], bool] | None,
    overwrite: bool,
    suffix: str = ".png",
) -> int:
    """``frame_00000.png`` (or ``.svg``)... in ``folder``, one file per position."""
    if folder.exists() and not folder.is_dir():
        raise SaveError(
            f"“{shown_name(folder)}” is a file, not a folder; choose a folder for the frames."
        )
    existing = frame_files(folder, suffix)
    if existing and not overwrite:
        raise FramesExistError(folder, existing, suffix)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(
            f"Cannot create the folder “{folder}”: {exc.strerror or exc}. "
            "Choose a folder you can write to."
        ) from None
    written: list[Path] = []

    def undo() -> None:
        remove_own_files(written)  # only what this export wrote and nobody changed since
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty

    size = (spec.width, spec.height)
    if suffix == ".svg":
        writer, verify = _write_svg, _verify_svg(size)
    else:
        writer, verify = _write_frame_png, partial(verify_image_file, fmt="png", expected=size)
    try:
        for n, pos in enumerate(positions):
            target = folder / f"frame_{n:05d}{suffix}"
            atomic_write(
                target,
                partial(writer, sheet, spec, int(pos)),
                verify=verify,
                confirmed=overwrite,
            )
            written.append(target)
            if progress is not None and not progress(n + 1, len(positions)):
                undo()
                return 0
    except BaseException:
        undo()
        raise
    return len(written)


# --- the dialog ----------------------------------------------------------------------------


def default_span(grid: tuple[int, int], rc: tuple[int, int] | None) -> tuple[int, int]:
    """First and last (0-based, inclusive) positions exported by default.

    The whole sweep when it has at most :data:`DEFAULT_SPAN` positions; otherwise from the
    start of the current row, whole rows while they fit in :data:`DEFAULT_SPAN` (at least the
    first :data:`DEFAULT_SPAN` positions of the row).

    Examples
    --------
    >>> default_span((6, 6), (3, 2)), default_span((512, 512), (40, 7))
    ((0, 35), (20480, 20679))
    >>> default_span((20, 30), None)
    (0, 179)
    """
    h, w = grid
    total = h * w
    if total <= DEFAULT_SPAN:
        return 0, max(0, total - 1)
    row = min(max(rc[0] if rc is not None else 0, 0), h - 1)
    start = row * w
    length = (DEFAULT_SPAN // w) * w if w <= DEFAULT_SPAN else DEFAULT_SPAN
    return start, min(total, start + length) - 1


def default_crop(image_shape: tuple[int, ...], geometry: LayerGeometry | int | None) -> int | None:
    """The crop side proposed for an image (None: the whole image).

    The whole image up to :data:`WHOLE_IMAGE_SIDE` pixels a side; else the kernel's extent
    (from ``geometry``, or given as an int) plus :data:`CROP_MARGIN` input pixels on each side.

    Examples
    --------
    >>> default_crop((6, 6), None), default_crop((512, 512), None), default_crop((99, 99), 5)
    (None, 15, 17)
    """
    if max(image_shape[:2]) <= WHOLE_IMAGE_SIDE:
        return None
    if isinstance(geometry, int):
        extent = geometry
    else:
        extent = max(geometry.effective_kernel) if geometry is not None else 3
    return extent + 2 * CROP_MARGIN


def ask_replace(parent: QWidget | None, message: str) -> bool:
    """Ask whether an existing (or protected) file may be replaced; True for "Replace"."""
    box = QMessageBox(parent)
    box.setObjectName("exportReplaceBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Replace the file?")
    box.setText(message)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is replace


def ask_frames_conflict(
    parent: QWidget | None, folder: Path, existing: list[Path], subfolder: str
) -> FramesChoice:
    """Ask what to do with a folder that already holds frames."""
    box = QMessageBox(parent)
    box.setObjectName("exportFramesBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The folder already holds frames")
    n = len(existing)
    box.setText(
        f"“{shown_name(folder)}” already holds {n} frame file{'s' if n != 1 else ''} "
        f"({existing[0].name}…). Write the new frames into a new subfolder “{subfolder}”, "
        "or overwrite the frames of the same names (the others stay)?"
    )
    sub = box.addButton(f"Write into “{subfolder}”", QMessageBox.ButtonRole.AcceptRole)
    over = box.addButton(
        f"Overwrite those {n} file{'s' if n != 1 else ''}", QMessageBox.ButtonRole.DestructiveRole
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(sub)
    box.exec()
    clicked = box.clickedButton()
    return "subfolder" if clicked is sub else "overwrite" if clicked is over else "cancel"


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    """``widget`` with its object name set (tests and style sheets find it by name)."""
    widget.setObjectName(name)
    return widget


def _setting_int(settings: QSettings, key: str) -> int | None:
    value = settings.value(key, None)
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


class ExportDialog(QDialog):
    """Choose a span of positions, the crop, the frame size (and duration for a GIF), export.

    Parameters
    ----------
    host : ExportHost or FramesHost
        The animation (a :class:`FramesHost`'s ``frames``, else the single-kernel one of its
        state), settings, ``notify`` and protected files.
    kind : {"gif", "png", "svg", "pdf"}
        An animated GIF, a folder of PNG or SVG frames, or a PDF with a page per frame.
    parent : QWidget, optional
        The dialog's parent.
    """

    def __init__(
        self, host: ExportHost | FramesHost, kind: Kind, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.frames = frames_of(host)
        self.kind: Kind = kind
        self.setObjectName("exportDialog")
        self.setWindowTitle(KIND_TITLES[kind])
        frames, settings = self.frames, host.settings
        h, w = frames.grid_shape()
        self.grid = (h, w)
        total = max(1, h * w)
        self.first = _named(QSpinBox(), "exportFirst")
        self.last = _named(QSpinBox(), "exportLast")
        for sp in (self.first, self.last):
            sp.setRange(1, total)
        start, end = frames.default_span()
        self.first.setValue(start + 1)
        self.last.setValue(end + 1)
        self.step = _named(QSpinBox(), "exportStep")
        self.step.setRange(1, total)
        self.step.setValue(1)
        self.step.setToolTip("Export every n-th position (1 = every position)")
        self.summary = _named(QLabel(), "exportSummary")
        for sp in (self.first, self.last, self.step):
            sp.valueChanged.connect(self._update_summary)

        self.crop = _named(QComboBox(), "exportCrop")
        shape = frames.image_shape()
        proposed = frames.proposed_crop()
        sizes = sorted({*CROP_CHOICES, *([proposed] if proposed else [])})
        self.crop.addItem(f"Whole image ({shape[1]}×{shape[0]} pixels)", 0)
        for n in sizes:
            self.crop.addItem(f"Crop around the window: {n}×{n} input pixels", n)
        remembered = _setting_int(settings, LAST_CROP_KEY)
        chosen = 0 if proposed is None else proposed
        if proposed is not None and remembered is not None and self.crop.findData(remembered) >= 0:
            chosen = remembered  # the last choice, on an image large enough to crop
        self.crop.setCurrentIndex(max(0, self.crop.findData(chosen)))
        self.crop.setToolTip(
            "On a large image the frames follow the window with this much of the input around "
            "it, so the window and the numbers can be read."
        )

        self.ms: QSpinBox | None = None
        if kind == "gif":
            self.ms = _named(QSpinBox(), "exportFrameMs")
            self.ms.setRange(20, 5000)
            self.ms.setValue(400 if total <= 64 else 120)
            self.ms.setSuffix(" ms")
        self.frame_size = _named(QComboBox(), "exportSize")
        for fw, fh in FRAME_SIZES:
            self.frame_size.addItem(
                f"{fw}×{fh}" + (" (slides)" if (fw, fh) == FRAME_SIZES[0] else "")
            )
            self.frame_size.setItemData(self.frame_size.count() - 1, (fw, fh))
        last_size = settings.value(LAST_SIZE_KEY, "")
        for i, wh in enumerate(FRAME_SIZES):
            if str(last_size) == f"{wh[0]}×{wh[1]}":
                self.frame_size.setCurrentIndex(i)

        folder = settings.value(LAST_DIR_KEY, "")
        base = Path(folder) if isinstance(folder, str) and folder else Path.home()
        if not base.is_dir():
            base = Path.home()
        if kind in FOLDER_KINDS:
            default = free_name(base, "frames", frames=FOLDER_KINDS[kind])
        else:
            default = free_name(base, frames.stem, f".{kind}")
        self.path = QLineEdit(str(default))
        self.path.setObjectName("exportPath")
        self.path.setMinimumWidth(380)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)

        form = QFormLayout(self)
        form.addRow(f"First position (of {total})", self.first)
        form.addRow("Last position", self.last)
        form.addRow("Every n-th", self.step)
        form.addRow("", self.summary)
        form.addRow("Show", self.crop)
        if self.ms is not None:
            form.addRow("Frame duration", self.ms)
        form.addRow("Frame size", self.frame_size)
        if kind in ("svg", "pdf"):
            note = QLabel(
                "Vector frames: every cell and number stays sharp on a slide at any size."
            )
            note.setObjectName("exportVectorNote")
            note.setWordWrap(True)
            form.addRow("", note)
        form.addRow("Folder" if kind in FOLDER_KINDS else "Save to", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._run)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._update_summary()

    def _update_summary(self) -> None:
        pos = self.positions()
        w = max(1, self.grid[1])
        if not pos:
            self.summary.setText("No frames")
            return
        (r0, c0), (r1, c1) = divmod(pos[0], w), divmod(pos[-1], w)
        self.summary.setText(
            f"{len(pos):,} frame{'s' if len(pos) != 1 else ''}: row {r0}, col {c0} to "
            f"row {r1}, col {c1}"
        )

    def _browse(self) -> None:
        if self.kind not in FOLDER_KINDS:
            up = self.kind.upper()
            path, _ = QFileDialog.getSaveFileName(
                self, f"Save {up}", self.path.text(), f"{up} (*.{self.kind})"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the frames", self.path.text())
        if path:
            self.path.setText(path)

    def positions(self) -> list[int]:
        """The row-major indices to export."""
        a, b = sorted((self.first.value() - 1, self.last.value() - 1))
        return list(range(a, b + 1, self.step.value()))

    def crop_side(self) -> int | None:
        """The crop chosen (None: the whole image)."""
        n = int(self.crop.currentData() or 0)
        return n or None

    def _fail(self, text: str) -> None:
        # Said in the dialog (it is modal, the main window's message bar is behind it).
        QMessageBox.warning(self, "Export failed", f"{text}\n\nNothing was exported.")
        self.host.notify("error", f"Export failed: {text}")

    def _run(self) -> None:
        positions = self.positions()
        fw, fh = self.frame_size.currentData()
        text = self.path.text().strip()
        if not text:
            self._fail("No file or folder is chosen; type one or use Browse….")
            return
        target = Path(text).expanduser()
        overwrite = False
        created_sub: Path | None = None
        if self.kind in FOLDER_KINDS:
            try:
                chosen = choose_frames_folder(
                    target,
                    lambda f, e, s: ask_frames_conflict(self, f, e, s),
                    FOLDER_KINDS[self.kind],
                )
            except SaveError as exc:
                self._fail(str(exc))
                return
            if chosen is None:
                return  # stay in the dialog: another folder can be chosen
            if chosen[0] != target:
                created_sub = chosen[0]
            target, overwrite = chosen
        dlg = QProgressDialog("Rendering frames…", "Cancel", 0, len(positions), self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(300)

        def progress(done: int, total: int) -> bool:
            dlg.setValue(done)
            return not dlg.wasCanceled()

        while True:
            try:
                n = export_animation(
                    self.frames,
                    positions,
                    target,
                    kind=self.kind,
                    spec=FrameSpec(self.frames.stage, fw, fh),
                    frame_ms=self.ms.value() if self.ms is not None else 250,
                    progress=progress,
                    crop=self.crop_side(),
                    overwrite=overwrite,
                    protected=self.host.protected_paths(),
                )
            except NeedsConfirmationError as exc:
                single = self.kind not in FOLDER_KINDS
                if single and not overwrite and ask_replace(self, str(exc)):
                    overwrite = True
                    continue
                dlg.close()
                if not single:
                    self._fail(str(exc))
                return
            except (ValueError, SaveError) as exc:
                dlg.close()
                self._remove_if_empty(created_sub)
                self._fail(str(exc))
                return
            break
        dlg.close()
        if not n:
            self._remove_if_empty(created_sub)
            self.host.notify("status", "Export cancelled: what it had written was removed.")
            return
        settings = self.host.settings
        settings.setValue(LAST_DIR_KEY, str(target.parent))
        settings.setValue(LAST_CROP_KEY, int(self.crop.currentData() or 0))
        settings.setValue(LAST_SIZE_KEY, f"{fw}×{fh}")
        what = "pages" if self.kind == "pdf" else "frames"
        self.host.notify("status", f"Exported {n} {what} to {target}")
        self.accept()

    @staticmethod
    def _remove_if_empty(folder: Path | None) -> None:
        if folder is not None:
            with contextlib.suppress(OSError):
                folder.rmdir()


def open_export(host: ExportHost | FramesHost, kind: Kind, parent: QWidget | None = None) -> None:
    """Show the export dialog of ``kind`` (used by the menu entries of the vector formats)."""
    ExportDialog(host, kind, parent).exec()


__all__ = [
    "DEFAULT_SPAN",
    "FOLDER_KINDS",
    "KIND_TITLES",
    "MAX_FRAMES",
    "MAX_VECTOR_CELLS",
    "NOT_YET",
    "NOT_YET_ON_COLOUR",
    "AnimationSource",
    "Crop",
    "ExportContext",
    "ExportDialog",
    "ExportHost",
    "FrameContent",
    "FramePainter",
    "FrameSheet",
    "FrameSource",
    "FrameSpec",
    "FramesExistError",
    "FramesHost",
    "KernelFrames",
    "ask_frames_conflict",
    "ask_replace",
    "choose_frames_folder",
    "crop_around",
    "default_crop",
    "default_span",
    "draw_cells",
    "draw_note",
    "draw_numbers",
    "draw_title",
    "export_animation",
    "fit_rect",
    "frame_caption",
    "frame_files",
    "frames_of",
    "free_name",
    "gray_rgba",
    "not_yet_colour",
    "open_export",
    "pdf_page_sizes",
    "render_frame",
]
