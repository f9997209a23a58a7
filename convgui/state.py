"""The one object that holds the truth: image, kernel, layer settings, results, history.

Widgets write user intent here and redraw from its signals; they never talk to each other.
Every intent is validated first, stored, and announced with exactly one signal. A change
that changes nothing emits nothing and recomputes nothing.

Recomputes are tagged with a generation number. Small ones run at once on the calling thread;
large ones run on a worker thread, at most one at a time, with only the newest waiting
request kept ("latest wins"). A result is published only if it is still the newest.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import SIGNAL, QObject, Signal

from .core import (
    LayerParams,
    conv_stage,
    explain_no_output,
    get_preset,
    layer_shapes,
    normalize_kernel,
    parse_cell,
    pool_stage,
    post_stage,
    resize_centered,
    scale_factor,
    to_grayscale,
    value_stats,
)
from .core.convolve import lower_thread_priority
from .core.layout import LayerGeometry, layer_geometry
from .core.stats import RobustStats, robust_stats
from .display_policy import Decision, DisplayPolicy, is_preset_kernel, kernel_sums_to_zero
from .history import HasHistory, UndoHistory
from .imageio import ImageDoc
from .preview import block_mean_preview, preview_supported

MAX_KERNEL_SIDE = 15
HISTORY_LIMIT = 500
#: Work (output values times kernel taps) below which a recompute runs synchronously: a few
#: milliseconds, less than the cost of a thread hop and a second paint.
SYNC_WORK_LIMIT = 2_000_000
#: A recompute on the worker first publishes a block-averaged preview whose longer side is
#: about this many cells (what a view of that many screen pixels paints), when the preview
#: is cheap: stride 1, no activation, and a kernel no wider than the block (each block phase
#: then holds one tap, so the preview costs about one pass over the input).
PREVIEW_SIDE = 512
#: No preview below this many output values (2048² and smaller): the full result comes
#: within the targets there, and a preview would only delay it.
PREVIEW_MIN_VALUES = 8_000_000

COLOR_MODES: tuple[str, ...] = ("gray", "rgb")
DISPLAY_MODES: tuple[str, ...] = ("clip", "stretch", "abs", "diverging")
DISPLAY_TITLES: dict[str, str] = {
    "clip": "Clip to range",
    "stretch": "Stretch min–max",
    "abs": "Absolute value",
    "diverging": "Diverging (signed)",
}
VALUE_SCALES: tuple[str, ...] = ("0-255", "0-1")

Array = NDArray[Any]


def _frozen(a: Array) -> Array:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def wait_until(idle: Callable[[], bool], timeout: float) -> bool:
    """Process Qt events until ``idle()`` is true (a state's ``wait_idle``: tests and tools).

    Parameters
    ----------
    idle : callable
        Asked before each round of events: True once no background work runs or waits.
    timeout : float
        Seconds to wait at most.

    Returns
    -------
    bool
        True when ``idle()`` became true, False when the time ran out first.
    """
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QThread

    deadline = QDeadlineTimer(int(timeout * 1000))
    while not idle():
        if deadline.hasExpired():
            return False
        QCoreApplication.processEvents()
        QThread.msleep(1)
    return True


@dataclass(frozen=True)
class Snapshot:
    """What undo and redo restore: the kernel and the layer settings."""

    kernel: Array
    params: LayerParams
    label: str

    def same_as(self, other: Snapshot) -> bool:
        """True when kernel and settings are equal (labels aside)."""
        return (
            self.kernel.shape == other.kernel.shape
            and bool(np.array_equal(self.kernel, other.kernel))
            and self.params == other.params
        )


@dataclass(frozen=True)
class Session:
    """Everything a guided tour may change, to be put back exactly when it ends."""

    doc: ImageDoc | None
    color_mode: str
    value_scale: str
    display_mode: str
    kernel: Array
    params: LayerParams
    undo: tuple[Snapshot, ...]
    redo: tuple[Snapshot, ...]
    display_policy: DisplayPolicy | None = None


@dataclass(frozen=True)
class ComputeResult:
    """One published computation. Arrays are read-only and never change after publishing."""

    generation: int
    image_version: int
    kernel: Array
    params: LayerParams
    conv: Array
    activated: Array
    pooled: Array | None
    engine_ms: float
    #: Pads, shapes and where each map sits: computed once, read by every view.
    geometry: LayerGeometry
    #: (min, max, pixels outside 0..value_max) of ``activated`` and of ``pooled``, computed on
    #: the worker so the GUI thread does not scan large results again.
    act_stats: tuple[float, float, int] = (0.0, 0.0, 0)
    pooled_stats: tuple[float, float, int] | None = None
    #: Percentile limits with their out-of-range counts (only when a robust display needs
    #: them; computed on the worker, carried over while the arrays are the same).
    act_robust: RobustStats | None = None
    pooled_robust: RobustStats | None = None
    #: The engine's input this result was computed from (read-only; the views' scan, padding
    #: ring and exports use it, never a newer image still being computed).
    image: Array | None = None


@dataclass(frozen=True)
class Preview:
    """The ``factor×factor`` block averages of the output of a recompute still running.

    ``output`` equals ``pool2d(activated[:hh, :ww], factor, op="avg")`` of the coming result
    (``hh, ww`` its shape rounded down to multiples of ``factor``), up to rounding: a view
    that shows ``factor`` cells per screen pixel paints this until the result arrives.
    """

    generation: int
    factor: int
    #: (H_out // factor, W_out // factor[, C]) float32, read-only.
    output: Array
    #: The geometry the result of this generation will carry (where the output sits).
    geometry: LayerGeometry
    engine_ms: float

    def covered(self) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` in input pixels of the part of the output it shows."""
        x, y, w, h = self.geometry.output.rect()
        oh, ow = self.geometry.out_shape
        f = self.factor
        return (x, y, w * (ow // f) * f / ow, h * (oh // f) * f / oh)


def preview_factor(out_shape: tuple[int, int], kernel: Array, params: LayerParams) -> int:
    """The block side of the preview of a recompute, or 0 when none is worth making.

    Examples
    --------
    >>> preview_factor((4096, 4096), np.ones((3, 3)), LayerParams())
    8
    >>> preview_factor((4096, 4096), np.ones((15, 15)), LayerParams())  # wider than a block
    0
    >>> preview_factor((2048, 2048), np.ones((3, 3)), LayerParams())  # small: no preview
    0
    """
    ho, wo = out_shape
    if ho * wo < PREVIEW_MIN_VALUES or not preview_supported(params):
        return 0
    f = -(-max(ho, wo) // PREVIEW_SIDE)
    kh, kw = kernel.shape
    dr, dc = params.dilation
    if f < 2 or f > min(ho, wo) or max(dr * (kh - 1), dc * (kw - 1)) >= f:
        return 0
    return f


@dataclass(frozen=True)
class _Job:
    generation: int
    image_version: int
    image: Array
    kernel: Array
    params: LayerParams
    previous: ComputeResult | None
    value_max: float = 255.0
    robust: bool = False

    def preview(self) -> Preview | None:
        """The block-averaged preview of this job's output, or None (not worth it)."""
        p = self.params
        try:
            (ho, wo), _ = layer_shapes(self.image.shape, self.kernel.shape, p)
        except ValueError:
            return None
        same_conv = (
            self.previous is not None
            and self.previous.image_version == self.image_version
            and self.previous.kernel.shape == self.kernel.shape
            and np.array_equal(self.previous.kernel, self.kernel)
            and self.previous.params.conv_key() == p.conv_key()
        )
        f = 0 if same_conv else preview_factor((ho, wo), self.kernel, p)
        if not f:
            return None  # nothing new to convolve, or no cheap preview
        t0 = time.perf_counter()
        out = block_mean_preview(self.image, self.kernel, p, f).astype(np.float32)
        out.setflags(write=False)
        geometry = layer_geometry(self.image.shape, self.kernel.shape, p)
        return Preview(self.generation, f, out, geometry, (time.perf_counter() - t0) * 1e3)

    def run(self) -> ComputeResult:
        t0 = time.perf_counter()
        prev, p = self.previous, self.params
        same_conv = (
            prev is not None
            and prev.image_version == self.image_version
            and prev.kernel.shape == self.kernel.shape
            and np.array_equal(prev.kernel, self.kernel)
            and prev.params.conv_key() == p.conv_key()
        )
        conv = (
            prev.conv
            if same_conv and prev is not None
            else _frozen_view(conv_stage(self.image, self.kernel, p))
        )
        if same_conv and prev is not None and prev.params.post_key() == p.post_key():
            act = prev.activated
        else:
            act = _frozen_view(post_stage(conv, p))
        if (
            same_conv
            and prev is not None
            and prev.params.post_key() == p.post_key()
            and prev.params.pool_key() == p.pool_key()
        ):
            pooled = prev.pooled
        else:
            pooled_new = pool_stage(act, p)
            pooled = None if pooled_new is None else _frozen_view(pooled_new)
        # Statistics of arrays carried over from the previous result are carried over too.
        act_stats = (
            prev.act_stats
            if prev is not None and act is prev.activated
            else value_stats(act, self.value_max)
        )
        if pooled is None:
            pooled_stats = None
        elif prev is not None and pooled is prev.pooled and prev.pooled_stats is not None:
            pooled_stats = prev.pooled_stats
        else:
            pooled_stats = value_stats(pooled, self.value_max)
        act_robust = pooled_robust = None
        if self.robust:
            act_robust = (
                prev.act_robust
                if prev is not None and act is prev.activated and prev.act_robust is not None
                else robust_stats(act)
            )
            if pooled is not None:
                pooled_robust = (
                    prev.pooled_robust
                    if prev is not None and pooled is prev.pooled and prev.pooled_robust
                    else robust_stats(pooled)
                )
        geometry = (
            prev.geometry
            if same_conv and prev is not None and prev.params.pool_key() == p.pool_key()
            else layer_geometry(self.image.shape, self.kernel.shape, p)
        )
        ms = (time.perf_counter() - t0) * 1e3
        return ComputeResult(
            self.generation,
            self.image_version,
            self.kernel,
            p,
            conv,
            act,
            pooled,
            ms,
            geometry,
            act_stats,
            pooled_stats,
            act_robust,
            pooled_robust,
            self.image,
        )


def _frozen_view(a: Array) -> Array:
    if a.flags.writeable and a.base is None:
        a.setflags(write=False)
        return a
    v = a.view()
    v.setflags(write=False)
    return v


def layer_work(
    image_shape: tuple[int, ...],
    out_shape: tuple[int, int],
    pooled_shape: tuple[int, int] | None,
    kernel: Array,
    params: LayerParams,
) -> int:
    """The work of one recompute: output values × kernel taps, plus pooled values × window.

    This, never the input's size, decides whether a recompute runs on the GUI thread.

    Examples
    --------
    >>> layer_work((100, 100), (98, 98), None, np.ones((3, 3)), LayerParams(padding="valid"))
    86436
    >>> layer_work((8, 8, 3), (8, 8), (4, 4), np.ones((1, 1)), LayerParams(pool="max"))
    384
    """
    channels = int(image_shape[2]) if len(image_shape) == 3 else 1
    taps = max(1, int(np.count_nonzero(kernel)))
    work = out_shape[0] * out_shape[1] * channels * taps
    if pooled_shape is not None:
        window = params.pool_size[0] * params.pool_size[1]
        work += pooled_shape[0] * pooled_shape[1] * channels * window
    return work


class SyncExecutor(Executor):
    """Runs submitted work immediately on the calling thread (for tests and tiny jobs)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` now and return a finished future."""
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered to the caller through the future
            fut.set_exception(exc)
        return fut


class WorkerBridge(QObject):
    """Carries a finished future from a worker thread to the GUI thread (queued signals).

    Every state's latest-wins worker uses one: ``done`` for a result (the layer and network
    states too), ``preview`` for the single-kernel state's quick preview.
    """

    done = Signal(object, object)
    preview = Signal(object, object)


class ExplorerState(QObject, HasHistory):
    """The single source of truth of the window.

    Parameters
    ----------
    executor : concurrent.futures.Executor, optional
        Where large recomputes run; a one-thread pool by default. Pass a
        :class:`SyncExecutor` to make every recompute synchronous.
    sync_work_limit : int
        Recomputes whose work is below this run synchronously.
    """

    image_changed = Signal()
    kernel_changed = Signal()
    params_changed = Signal()
    view_changed = Signal()
    result_changed = Signal()
    history_changed = Signal()
    busy_changed = Signal(bool)
    #: A block-averaged preview of the recompute now running is ready (see :attr:`preview`).
    preview_changed = Signal()
    #: A named preset was chosen (emitted even when the kernel already held it).
    preset_applied = Signal(str)
    #: (level, text): "error", "warning" or "info" messages for the status bar / dialogs.
    message = Signal(str, str)

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        sync_work_limit: int = SYNC_WORK_LIMIT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # The worker yields to the GUI thread: typing never waits for a long convolution.
        self._executor: Executor = executor or ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="convgui-recompute",
            initializer=lower_thread_priority,
        )
        self._owns_executor = executor is None
        self._sync_limit = sync_work_limit
        self._bridge = WorkerBridge()
        self._bridge.done.connect(self._on_job_done)
        self._bridge.preview.connect(self._on_preview)
        self._preview: Preview | None = None
        self._doc: ImageDoc | None = None
        self._image_version = 0
        self._engine_image: Array | None = None
        self._color_mode = "gray"
        self._value_scale = "0-255"
        self._display_mode = "clip"
        self._policy = DisplayPolicy("clip")
        self._decision: Decision | None = None
        self._robust = True
        self._robust_cache: dict[tuple[int, str], RobustStats] = {}
        self._kernel: Array = _frozen(get_preset("identity"))
        self._params = LayerParams()
        self._result: ComputeResult | None = None
        self._layer_error: str | None = None
        self._generation = 0
        self._running = False
        self._pending: _Job | None = None
        self._history: UndoHistory[Snapshot] = UndoHistory(HISTORY_LIMIT)
        self._closed = False

    # --- reading -------------------------------------------------------------------------

    @property
    def doc(self) -> ImageDoc | None:
        """The loaded image as stored in its file."""
        return self._doc

    @property
    def image_version(self) -> int:
        """Increases whenever the engine's input image changes."""
        return self._image_version

    @property
    def color_mode(self) -> str:
        """``"gray"`` (BT.601 luma) or ``"rgb"`` (each channel filtered on its own)."""
        return self._color_mode

    @property
    def value_scale(self) -> str:
        """``"0-255"`` or ``"0-1"``: how pixel values are presented to the engine."""
        return self._value_scale

    @property
    def value_max(self) -> float:
        """White on the current value scale (255 or 1)."""
        return 255.0 if self._value_scale == "0-255" else 1.0

    @property
    def display_mode(self) -> str:
        """How the output is mapped to grey levels / colours (see :data:`DISPLAY_MODES`)."""
        return self._display_mode

    @property
    def kernel(self) -> Array:
        """The kernel (read-only float64 array)."""
        return self._kernel

    @property
    def params(self) -> LayerParams:
        """The layer settings."""
        return self._params

    @property
    def result(self) -> ComputeResult | None:
        """The newest published result, or None (no image, or no valid output)."""
        return self._result

    @property
    def preview(self) -> Preview | None:
        """Block averages of the output of the newest recompute while it still runs, or None.

        Set (with :attr:`preview_changed`) only for the newest request, and only before its
        result; it is None again once a result of that request or a newer one is published,
        so a preview never stands in for a newer full result.
        """
        p = self._preview
        if p is None or p.generation != self._generation:
            return None
        return p

    @property
    def layer_error(self) -> str | None:
        """Why the current settings give no output (window larger than the image...), or None."""
        return self._layer_error

    @property
    def busy(self) -> bool:
        """True while a background recompute is running."""
        return self._running

    @property
    def _undo(self) -> tuple[Snapshot, ...]:
        """The undo steps, oldest first (read by tests)."""
        return self._history.undo_steps

    def engine_image(self) -> Array | None:
        """The float32 image the engine sees (read-only), built once per image/mode change."""
        if self._engine_image is None and self._doc is not None:
            px = self._doc.pixels
            if px.ndim == 3 and self._color_mode == "gray":
                px = to_grayscale(px)
            img = px.astype(np.float32)
            f = scale_factor(self._doc.bit_depth, self._value_scale)
            if f != 1.0:
                img *= np.float32(f)
            self._engine_image = _frozen_view(img)
        return self._engine_image

    def shapes(self) -> tuple[tuple[int, int], tuple[int, int] | None] | None:
        """Output and pooled shapes for the current settings, or None when there is none."""
        if self._doc is None:
            return None
        try:
            return layer_shapes(self._doc.shape, self._kernel.shape, self._params)
        except ValueError:
            return None

    def geometry(self) -> LayerGeometry | None:
        """The geometry of the current settings on the current image, or None (no output).

        The published result carries the same object once it arrives; this one is for views
        that describe settings before (or without) a result, such as the layer panel.
        """
        if self._doc is None:
            return None
        r = self._result
        if (
            r is not None
            and r.image_version == self._image_version
            and r.kernel.shape == self._kernel.shape
            and r.params == self._params
        ):
            return r.geometry
        try:
            return layer_geometry(self._doc.shape, self._kernel.shape, self._params)
        except ValueError:
            return None

    # --- image ---------------------------------------------------------------------------

    def set_image(self, doc: ImageDoc) -> None:
        """Show a new image (already validated by the loader)."""
        self._doc = doc
        self._image_changed()

    def set_color_mode(self, mode: str) -> None:
        """Filter the luma (``"gray"``) or each of R, G, B (``"rgb"``)."""
        if mode not in COLOR_MODES:
            raise ValueError(f"color mode must be one of {COLOR_MODES}, got {mode!r}")
        if mode == self._color_mode:
            return
        self._color_mode = mode
        self._image_changed()

    def set_value_scale(self, scale: str) -> None:
        """Present pixel values as 0–255 or as 0–1 (as a network sees them)."""
        if scale not in VALUE_SCALES:
            raise ValueError(f"value scale must be one of {VALUE_SCALES}, got {scale!r}")
        if scale == self._value_scale:
            return
        self._value_scale = scale
        self._image_changed()

    def _image_changed(self) -> None:
        self._engine_image = None
        self._image_version += 1
        self.image_changed.emit()
        self._schedule()

    def set_display_mode(self, mode: str) -> None:
        """The user chooses how the output is displayed (kept; the data is never rewritten).

        An explicit choice: the automatic switch to diverging (see :attr:`display_decision`)
        never overrides it.
        """
        if mode not in DISPLAY_MODES:
            raise ValueError(f"display mode must be one of {DISPLAY_MODES}, got {mode!r}")
        before = self._decision
        self._policy.choose(mode)
        self._decide(new_result=False)
        if mode != self._display_mode or self._decision != before:
            self._display_mode = self._policy.requested
            self.view_changed.emit()

    @property
    def display_decision(self) -> Decision | None:
        """What the output display shows for the current result, and why (None: no result)."""
        return self._decision

    @property
    def chosen_display_mode(self) -> str:
        """The display mode the user chose last (what is remembered, never an automatic one)."""
        return self._policy.chosen

    def _decide(self, *, new_result: bool = True) -> None:
        # One decision per result (or per explicit choice), from the result's own facts.
        r = self._result
        if r is None:
            self._decision = None
            return
        self._decision = self._policy.on_result(
            r.act_stats[0] < 0,
            r.activated.ndim == 3,
            kernel_sums_to_zero(r.kernel),
            is_preset_kernel(r.kernel),
            new_result=new_result,
        )
        self._display_mode = self._decision.requested

    @property
    def robust_limits(self) -> bool:
        """Stretch, absolute and diverging displays use percentile limits (default on)."""
        return self._robust

    def set_robust_limits(self, on: bool) -> None:
        """Use percentile limits (ignoring the 0.5% most extreme values) or min/max."""
        if bool(on) != self._robust:
            self._robust = bool(on)
            self.view_changed.emit()

    def _needs_robust(self) -> bool:
        return self._robust and self._display_mode != "clip"

    def robust_of(self, which: str = "output") -> RobustStats | None:
        """Robust limits of the current output (``"output"``) or pooled map (``"pooled"``).

        Computed on the worker with the result when the display needed them then; otherwise
        measured here once (a switch of display mode) and kept for this result, so a change
        of display never recomputes the layer nor publishes a second result.
        """
        r = self._result
        if r is None:
            return None
        known = r.act_robust if which == "output" else r.pooled_robust
        if known is not None:
            return known
        data = r.activated if which == "output" else r.pooled
        if data is None:
            return None
        key = (r.generation, which)
        cached = self._robust_cache.get(key)
        if cached is None:
            cached = robust_stats(data)
            self._robust_cache = {k: v for k, v in self._robust_cache.items() if k[0] == key[0]}
            self._robust_cache[key] = cached
        return cached

    # --- kernel and settings (undoable) --------------------------------------------------

    def _snapshot(self, label: str) -> Snapshot:
        return Snapshot(self._kernel, self._params, label)

    def _apply(
        self, kernel: Array, params: LayerParams, label: str, *, record: bool = True
    ) -> bool:
        new = Snapshot(_frozen(kernel) if kernel is not self._kernel else kernel, params, label)
        old = self._snapshot(label)
        if new.same_as(old):
            return False
        if record:
            self._history.push(old)
        self._restore(new)
        if record:
            self.history_changed.emit()
        return True

    def _restore(self, snap: Snapshot) -> None:
        kernel_changed = not (
            snap.kernel.shape == self._kernel.shape and np.array_equal(snap.kernel, self._kernel)
        )
        params_changed = snap.params != self._params
        self._kernel = snap.kernel
        self._params = snap.params
        if kernel_changed:
            self.kernel_changed.emit()
        if params_changed:
            self.params_changed.emit()
        self._schedule()

    def set_kernel(self, kernel: Any, label: str = "Edit kernel") -> bool:
        """Replace the whole kernel.

        Raises
        ------
        ValueError
            Not 2-D, empty, larger than 15x15, or not finite. The old kernel stays.
        """
        k = np.array(kernel, dtype=np.float64)
        if k.ndim != 2 or k.size == 0:
            raise ValueError(f"a kernel must be a 2-D grid of numbers, got shape {k.shape}")
        if max(k.shape) > MAX_KERNEL_SIDE:
            raise ValueError(
                f"kernels are at most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}, got "
                f"{k.shape[0]}×{k.shape[1]}"
            )
        if not np.all(np.isfinite(k)):
            raise ValueError("every kernel value must be a finite number")
        return self._apply(k, self._params, label)

    def set_kernel_cell(self, row: int, col: int, value: str | float) -> bool:
        """Set one kernel weight from typed text or a number.

        Raises
        ------
        convgui.core.CellParseError
            For text that is not an accepted number; the kernel is unchanged.
        """
        v = parse_cell(value) if isinstance(value, str) else parse_cell(repr(float(value)))
        if not (0 <= row < self._kernel.shape[0] and 0 <= col < self._kernel.shape[1]):
            raise IndexError(f"cell ({row}, {col}) is outside the {self._kernel.shape} kernel")
        k = np.array(self._kernel)
        k[row, col] = v
        return self._apply(k, self._params, "Edit kernel cell")

    def set_kernel_block(self, row: int, col: int, block: Array) -> bool:
        """Paste a block of values with its top-left at ``(row, col)`` (clipped to the kernel)."""
        b = np.asarray(block, dtype=np.float64)
        if b.ndim != 2 or not np.all(np.isfinite(b)):
            raise ValueError("pasted values must be a finite 2-D block of numbers")
        k = np.array(self._kernel)
        h = max(0, min(b.shape[0], k.shape[0] - row))
        w = max(0, min(b.shape[1], k.shape[1] - col))
        k[row : row + h, col : col + w] = b[:h, :w]
        return self._apply(k, self._params, "Paste into kernel")

    def resize_kernel(self, rows: int, cols: int) -> bool:
        """Change the kernel's size, keeping its values centred."""
        if not (1 <= rows <= MAX_KERNEL_SIDE and 1 <= cols <= MAX_KERNEL_SIDE):
            raise ValueError(
                f"kernel size must be 1 to {MAX_KERNEL_SIDE} on each side, got {rows}×{cols}"
            )
        return self._apply(resize_centered(self._kernel, rows, cols), self._params, "Resize kernel")

    def apply_preset(self, name: str) -> bool:
        """Load a named preset kernel (see :data:`convgui.core.PRESETS`)."""
        changed = self._apply(get_preset(name), self._params, f"Preset {name}")
        self.preset_applied.emit(name)
        return changed

    def normalize(self) -> bool:
        """Divide the kernel by its sum.

        Raises
        ------
        ValueError
            When the sum is zero (edge kernels); nothing changes.
        """
        return self._apply(normalize_kernel(self._kernel), self._params, "Normalize kernel")

    def flip_kernel(self) -> bool:
        """Rotate the kernel's values by 180 degrees in the table."""
        return self._apply(self._kernel[::-1, ::-1], self._params, "Flip kernel")

    def set_params(self, label: str = "Change layer settings", **changes: Any) -> bool:
        """Change layer settings (validated: bad values raise ``ValueError``, nothing changes)."""
        params = self._params.evolve(**changes)
        return self._apply(self._kernel, params, label)

    def set_all(self, kernel: Any, params: LayerParams, label: str) -> bool:
        """Replace kernel and settings in one undoable step (kernel files, the lesson tour)."""
        k = np.array(kernel, dtype=np.float64)
        if k.ndim != 2 or k.size == 0 or max(k.shape) > MAX_KERNEL_SIDE:
            raise ValueError(f"a kernel must be 1×1 to 15×15, got shape {k.shape}")
        if not np.all(np.isfinite(k)):
            raise ValueError("every kernel value must be a finite number")
        return self._apply(k, params, label)

    def session(self) -> Session:
        """The image, modes, kernel, settings and history, as they are now."""
        return Session(
            self._doc,
            self._color_mode,
            self._value_scale,
            self._display_mode,
            self._kernel,
            self._params,
            self._history.undo_steps,
            self._history.redo_steps,
            copy.copy(self._policy),
        )

    def restore_session(self, session: Session) -> None:
        """Put back what :meth:`session` saved (undo and redo included), announcing changes."""
        image_changed = (
            session.doc is not self._doc
            or session.color_mode != self._color_mode
            or session.value_scale != self._value_scale
        )
        self._history.replace(session.undo, session.redo)
        if session.display_policy is not None:  # the automatic switch's memory too
            self._policy = copy.copy(session.display_policy)
        if session.display_mode != self._display_mode:
            self._display_mode = session.display_mode
            self.view_changed.emit()
        if image_changed:
            self._doc = session.doc
            self._color_mode = session.color_mode
            self._value_scale = session.value_scale
            self._engine_image = None
            self._image_version += 1
            self.image_changed.emit()
        snap = Snapshot(session.kernel, session.params, "Restore")
        if image_changed or not snap.same_as(self._snapshot("")):
            self._restore(snap)  # schedules the recompute
        self.history_changed.emit()

    def clear_history(self) -> None:
        """Forget undo and redo (after restoring the last session's kernel)."""
        self._history.clear()
        self.history_changed.emit()

    def undo(self) -> bool:
        """Revert the last kernel or settings change."""
        snap = self._history.undo(self._snapshot(self._history.undo_label))
        if snap is None:
            return False
        self._restore(snap)
        self.history_changed.emit()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change."""
        snap = self._history.redo(self._snapshot(self._history.redo_label))
        if snap is None:
            return False
        self._restore(snap)
        self.history_changed.emit()
        return True

    # --- recompute -----------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._closed:
            return
        self._generation += 1
        img = self.engine_image()
        if img is None:
            return
        try:
            out_shape, pooled_shape = layer_shapes(img.shape, self._kernel.shape, self._params)
        except ValueError as exc:
            self._layer_error = explain_no_output(
                img.shape, self._kernel.shape, self._params
            ) or str(exc)
            self._pending = None
            self._result = None
            self._decide()
            self.result_changed.emit()
            return
        self._layer_error = None
        job = _Job(
            self._generation,
            self._image_version,
            img,
            self._kernel,
            self._params,
            self._result,
            self.value_max,
            self._needs_robust(),
        )
        work = layer_work(img.shape, out_shape, pooled_shape, self._kernel, self._params)
        if work <= self._sync_limit and not self._running:
            self._finish(job, SyncExecutor().submit(job.run))
            return
        if self._running:
            self._pending = job  # replaces an older waiting request: latest wins
            return
        self._start(job)

    def _start(self, job: _Job) -> None:
        self._running = True
        self.busy_changed.emit(True)
        bridge = self._bridge
        # A preview costs the worker time before the exact result: only when a view shows it.
        wanted = self.receivers(SIGNAL("preview_changed()")) > 0

        def work() -> ComputeResult:  # on the worker: the preview first, then the result
            try:
                pv = job.preview() if wanted else None
            except Exception:  # a failed preview only means no preview
                pv = None
            if pv is not None:
                bridge.preview.emit(job, pv)  # queued to the GUI thread
            return job.run()

        fut = self._executor.submit(work)

        def done(f: Future[ComputeResult]) -> None:  # runs on the worker thread
            self._bridge.done.emit(job, f)  # queued to the GUI thread

        fut.add_done_callback(done)

    def _on_preview(self, job: _Job, preview: Preview) -> None:
        r = self._result
        if (
            self._closed
            or job.generation != self._generation
            or (r is not None and r.generation >= job.generation)
        ):
            return  # stale: a newer request exists, or its result is already out
        self._preview = preview
        self.preview_changed.emit()

    def _on_job_done(self, job: _Job, fut: Future[ComputeResult]) -> None:
        self._running = False
        pending, self._pending = self._pending, None
        if pending is not None and not self._closed:
            # Reuse what the finished job computed if it is still valid for the new request.
            if fut.exception() is None:
                pending = replace(pending, previous=fut.result())
            self._start(pending)
        else:
            self.busy_changed.emit(False)
        self._finish(job, fut)

    def _finish(self, job: _Job, fut: Future[ComputeResult]) -> None:
        if self._closed or job.generation != self._generation:
            return  # a newer request exists: this result is stale
        exc = fut.exception()
        if exc is not None:
            self.message.emit(
                "error",
                f"The computation failed ({type(exc).__name__}: {exc}). "
                "The previous result is kept.",
            )
            return
        self._result = fut.result()
        self._preview = None
        self._decide()
        self.result_changed.emit()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no background work is running (processes Qt events). For tests/tools."""
        return wait_until(lambda: not self._running and self._pending is None, timeout)

    def close(self) -> None:
        """Stop accepting work and shut the worker down (waits for a running job)."""
        self._closed = True
        self._pending = None
        if self._owns_executor and isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=True, cancel_futures=True)
