"""Kernel ▸ Compare…: keep kernel A, go on editing B, see both outputs and their difference.

A is a snapshot taken when the comparison opens (or with "Take B as A"); B is always the
state's kernel. Both outputs use the state's image and layer settings and are recomputed when
any of them changes: small jobs at once, large ones on one worker thread, the latest request
winning (an older result is dropped, a waiting request replaced). The three views share one
zoom; the difference A − B is drawn with a diverging colour map and symmetric levels.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import LayerParams, explain_no_output, layer_shapes, run_layer, value_stats
from ..core.convolve import lower_thread_priority
from ..core.text import format_value, pretty_number
from ..state import SYNC_WORK_LIMIT, ExplorerState, WorkerBridge, layer_work
from .display import Display, display_for
from .image_view import ImageView, make_lut_cmap

TITLE = "Compare Kernels"
NO_IMAGE = "Open an image to compare the outputs of kernels A and B."
SAME = "A and B give the same output: every difference is 0."
SIZES_DIFFER = (
    "The outputs have different sizes (A: {a}, B: {b}), because the kernels differ in size "
    "with this padding, so they cannot be subtracted cell by cell. Choose “same” padding "
    "(Layer settings) to compare them."
)
COLOUR_NOTE = " Colour image: the difference shown is the mean over R, G and B."
SWAP_TIP = "Put kernel A into the table (B) and keep the table's kernel as A (Edit ▸ Undo reverts)"
TAKE_TIP = "Keep the table's kernel as the new A"
#: Kernels up to this side are written out in full beside the views.
MAX_WRITTEN_SIDE = 7
#: Narrower than this, the dialog shows A, B and A − B one under the other.
NARROW_WIDTH = 700

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Comparison:
    """The two final maps (pooled when the layer pools) and their difference."""

    a: Array
    b: Array
    #: ``a - b`` in float64 (the channel mean for colour), or None when the shapes differ.
    diff: NDArray[np.float64] | None
    note: str = ""
    #: :func:`convgui.core.value_stats` of ``a`` and ``b`` (computed with them, off the GUI
    #: thread), so showing them scans nothing again.
    a_stats: tuple[float, float, int] = (0.0, 0.0, 0)
    b_stats: tuple[float, float, int] = (0.0, 0.0, 0)
    #: Symmetric levels of the difference and the sentence that sums it up.
    diff_levels: tuple[float, float] = (-1.0, 1.0)
    summary: str = ""


def final_map(image: Array, kernel: Array, params: LayerParams) -> Array:
    """What the layer gives last: the pooled map when pooling is on, else the activated map."""
    r = run_layer(image, kernel, params)
    return r.pooled if r.pooled is not None else r.activated


def compare(
    image: Array,
    kernel_a: Array,
    kernel_b: Array,
    params: LayerParams,
    *,
    a_map: Array | None = None,
    b_map: Array | None = None,
    value_max: float = 255.0,
    a_stats: tuple[float, float, int] | None = None,
    b_stats: tuple[float, float, int] | None = None,
) -> Comparison:
    """Run the layer with ``kernel_a`` and with ``kernel_b`` and subtract (A − B).

    ``a_map`` and ``b_map``, when given, are final maps already computed (A's from an earlier
    comparison, B's from the state's own result), so only what is missing is run. Every
    statistic the view needs is computed here too (``value_max``: the top of the pixel range),
    so a large comparison costs the GUI thread nothing but painting; ``a_stats`` and
    ``b_stats`` are those of given maps when already known.

    Examples
    --------
    >>> img = np.arange(16.0).reshape(4, 4)
    >>> c = compare(img, np.ones((1, 1)), 2 * np.ones((1, 1)), LayerParams())
    >>> c.diff.tolist()[0]
    [0.0, -1.0, -2.0, -3.0]
    """
    a = final_map(image, kernel_a, params) if a_map is None else a_map
    b = final_map(image, kernel_b, params) if b_map is None else b_map
    if a_stats is None or a_map is None:
        a_stats = value_stats(a, value_max)
    if b_stats is None or b_map is None:
        b_stats = value_stats(b, value_max)
    if a.shape != b.shape:
        text = SIZES_DIFFER.format(a=_shape(a), b=_shape(b))
        return Comparison(a, b, None, text, a_stats, b_stats, summary=text)
    diff = a.astype(np.float64) - b.astype(np.float64)
    note = ""
    if diff.ndim == 3:
        diff, note = diff.mean(axis=2), COLOUR_NOTE
    levels, summary = _diff_numbers(diff)
    return Comparison(a, b, diff, note, a_stats, b_stats, levels, summary + note)


def _shape(a: Array) -> str:
    return f"{a.shape[0]}×{a.shape[1]}"


def _diff_numbers(diff: NDArray[np.float64]) -> tuple[tuple[float, float], str]:
    """Symmetric levels (± the largest |A − B|, ±1 when all zero) and the summary sentence."""
    finite = diff if np.isfinite(diff).all() else np.where(np.isfinite(diff), diff, 0.0)
    mag = np.abs(finite)
    at = int(np.argmax(mag)) if mag.size else 0
    m = float(mag.flat[at]) if mag.size else 0.0
    if m == 0.0:
        return (-1.0, 1.0), SAME
    r, c = np.unravel_index(at, mag.shape)
    n = int(np.count_nonzero(mag))
    text = (
        f"Largest difference |A − B| = {format_value(m)} at row {r}, column {c} "
        f"(A − B = {pretty_number(float(finite[r, c]))}); {n:,} of {mag.size:,} cells differ."
    )
    return (-m, m), text


def diff_summary(diff: NDArray[np.float64]) -> str:
    """One sentence on the difference: the largest gap and where it is, or "the same".

    Examples
    --------
    >>> diff_summary(np.array([[0.0, -3.0], [1.0, 0.0]]))
    'Largest difference |A − B| = 3 at row 0, column 1 (A − B = −3); 2 of 4 cells differ.'
    """
    return _diff_numbers(diff)[1]


def diff_levels(diff: NDArray[np.float64]) -> tuple[float, float]:
    """Symmetric levels for the difference: ± its largest magnitude (±1 when all zero).

    Examples
    --------
    >>> diff_levels(np.array([[0.0, -3.0], [1.0, 0.0]]))
    (-3.0, 3.0)
    """
    return _diff_numbers(diff)[0]


def kernel_text(k: NDArray[np.float64]) -> str:
    """The kernel written as rows of numbers (small ones), or its size and sum.

    Examples
    --------
    >>> print(kernel_text(np.array([[1.0, -2.0], [0.5, 0.0]])))
      1  -2
    0.5   0
    """
    if max(k.shape) > MAX_WRITTEN_SIDE:
        return f"{k.shape[0]}×{k.shape[1]} kernel, sum {format_value(float(k.sum()))}"
    cells = [[format_value(float(v)) for v in row] for row in k]
    width = max(len(t) for row in cells for t in row)
    return "\n".join(" ".join(t.rjust(width) for t in row) for row in cells)


def shared_levels(da: Display, db: Display) -> tuple[float, float]:
    """One set of levels for both outputs, so equal values look equal in A and in B."""
    if da.mode == "clip":
        return db.levels
    lo, hi = min(da.levels[0], db.levels[0]), max(da.levels[1], db.levels[1])
    if db.levels[0] == -db.levels[1]:  # symmetric (diverging, absolute): stay symmetric
        m = max(abs(lo), abs(hi))
        return (-m, m)
    return (lo, hi)



@dataclass(frozen=True)
class _Request:
    generation: int
    image: Array
    kernel_a: Array
    kernel_b: Array
    params: LayerParams
    b_map: Array | None = None
    a_map: Array | None = None
    #: What A's map depends on (image version, settings, kernel A): reused while unchanged.
    a_key: tuple[object, ...] = ()

    value_max: float = 255.0
    a_stats: tuple[float, float, int] | None = None
    b_stats: tuple[float, float, int] | None = None

    def run(self) -> Comparison:
        return compare(
            self.image,
            self.kernel_a,
            self.kernel_b,
            self.params,
            a_map=self.a_map,
            b_map=self.b_map,
            value_max=self.value_max,
            a_stats=self.a_stats,
            b_stats=self.b_stats,
        )


class CompareDialog(QDialog):
    """Outputs A and B and their difference, side by side with one zoom (non-modal).

    Parameters
    ----------
    state : ExplorerState
        B is its kernel; the image and layer settings are its.
    parent : QWidget, optional
        The window (the worker stops when it closes).
    sync_work_limit : int
        Comparisons whose work (two layer runs) is below this run on the GUI thread.
    """

    #: A new comparison is shown.
    compared = Signal()

    def __init__(
        self,
        state: ExplorerState,
        parent: QWidget | None = None,
        *,
        sync_work_limit: int = SYNC_WORK_LIMIT,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(TITLE)
        self.setModal(False)
        self.state = state
        self.kernel_a: NDArray[np.float64] = np.array(state.kernel, dtype=np.float64)
        self.comparison: Comparison | None = None
        self._sync_limit = sync_work_limit
        self._generation = 0
        self._executor: ThreadPoolExecutor | None = None
        self._running = False
        self._pending: _Request | None = None
        self._fitted_shape: tuple[int, ...] | None = None
        self._a_cache: tuple[tuple[object, ...], Comparison] | None = None
        self._b_stats: tuple[float, float, int] | None = None
        self._bridge = WorkerBridge()  # done: (request, future), queued
        self._bridge.done.connect(self._on_done)

        self.view_a = ImageView(colorbar=True)
        self.view_b = ImageView(colorbar=True)
        self.view_d = ImageView(colorbar=True)
        self.view_a.setObjectName("compareViewA")
        self.view_b.setObjectName("compareViewB")
        self.view_d.setObjectName("compareViewDiff")
        self.view_b.follow(self.view_a)
        self.view_d.follow(self.view_a)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.title_a = QLabel("Output A (the kept kernel)")
        self.title_b = QLabel("Output B (the table's kernel)")
        self.title_d = QLabel("A − B (blue: B larger, red: A larger)")
        self.kernel_a_label = QLabel(objectName="compareKernelA")
        self.kernel_b_label = QLabel(objectName="compareKernelB")
        for lab in (self.kernel_a_label, self.kernel_b_label):
            lab.setFont(mono)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(objectName="compareSummary")
        self.summary.setWordWrap(True)
        self.swap_button = QPushButton("&Swap A and B")
        self.swap_button.setToolTip(SWAP_TIP)
        self.take_button = QPushButton("&Take B as A")
        self.take_button.setToolTip(TAKE_TIP)
        self.close_button = close = QPushButton("Close")
        close.setToolTip("Close the comparison (kernel B stays in the table)")
        self.swap_button.clicked.connect(self.swap)
        self.take_button.clicked.connect(self.take_b_as_a)
        close.clicked.connect(self.close)

        for title in (self.title_a, self.title_b, self.title_d):
            f = QFont(title.font())
            f.setBold(True)
            title.setFont(f)
            title.setWordWrap(True)  # large text in a narrow dialog: two lines, not wider
        self.grid = QGridLayout()
        self.buttons = QGridLayout()
        self._narrow: bool | None = None
        self._arrange(False)
        layout = QVBoxLayout(self)
        # The user may make the dialog as narrow as the views one under the other need (the
        # side-by-side layout's minimum would stop a drag before the layout changes).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(220, 320)
        layout.addLayout(self.grid, 1)
        layout.addWidget(self.summary)
        layout.addLayout(self.buttons)

        for sig in (
            state.image_changed,
            state.kernel_changed,
            state.params_changed,
        ):
            sig.connect(self._on_state_input)
        state.view_changed.connect(self._redisplay)  # a display mode: no recompute
        state.result_changed.connect(self._on_state_result)
        self._waiting_for_b = False
        #: An input of B changed: the state publishes B's result next (result_changed).
        self._expect_result = False
        if parent is not None:
            parent.installEventFilter(self)  # the worker stops when the window closes
        self.resize(1100, 560)
        self._update_kernel_labels()

    # --- layout ---------------------------------------------------------------------------

    def _arrange(self, narrow: bool) -> None:
        """A, B and A − B side by side, or one under the other in a narrow or tall dialog.

        Narrow (placed over the input view of a small screen), the kernels' numbers move to
        the titles' tooltips.
        """
        if narrow == self._narrow:
            return
        self._narrow = narrow
        g = self.grid
        parts = (
            (self.title_a, self.view_a, self.kernel_a_label),
            (self.title_b, self.view_b, self.kernel_b_label),
            (self.title_d, self.view_d, None),
        )
        for title, view, klabel in parts:
            for w in (title, view, klabel):
                if w is not None:
                    g.removeWidget(w)
        for i in range(4):
            g.setColumnStretch(i, 0)
        for i in range(7):
            g.setRowStretch(i, 0)
        for i, (title, view, klabel) in enumerate(parts):
            if narrow:
                g.addWidget(title, 2 * i, 0)
                g.addWidget(view, 2 * i + 1, 0)
                g.setRowStretch(2 * i + 1, 1)
                if klabel is not None:
                    klabel.hide()
            else:
                g.addWidget(title, 0, i)
                g.addWidget(view, 1, i)
                if klabel is not None:
                    g.addWidget(klabel, 2, i, Qt.AlignmentFlag.AlignTop)
                    klabel.show()
                g.setColumnStretch(i, 1)
        if narrow:
            g.setColumnStretch(0, 1)
        else:
            g.setRowStretch(1, 1)
        # The buttons: one row, or two (Swap and Take, then Close) when narrow.
        b = self.buttons
        for w in (self.swap_button, self.take_button, self.close_button):
            b.removeWidget(w)
        b.addWidget(self.swap_button, 0, 0)
        b.addWidget(self.take_button, 0, 1)
        right = Qt.AlignmentFlag.AlignRight
        if narrow:
            b.addWidget(self.close_button, 1, 0, 1, 3, right)
        else:
            b.addWidget(self.close_button, 0, 2, right)
        b.setColumnStretch(2, 1)
        self._update_kernel_labels()

    def arrange_for(self, width: int) -> None:
        """Lay the views out for a dialog ``width`` pixels wide (before it is resized)."""
        self._arrange(width < NARROW_WIDTH)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Narrow, or taller than wide (beside a window on a wide screen): one under the other.
        self._arrange(self.width() < NARROW_WIDTH or self.height() > 1.1 * self.width())

    # --- user actions ----------------------------------------------------------------------

    def take_b_as_a(self) -> None:
        """Keep the table's kernel as the new A."""
        self.kernel_a = np.array(self.state.kernel, dtype=np.float64)
        self.request()

    def swap(self) -> None:
        """Put A into the table and keep the table's kernel as A (one undo step)."""
        old_b = np.array(self.state.kernel, dtype=np.float64)
        a = self.kernel_a
        self.kernel_a = old_b
        if not self.state.set_kernel(a, "Swap kernels A and B"):
            self.request()  # A equals B: nothing changed in the state, but A is new

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size (numbers drawn in the views' cells)."""
        for v in (self.view_a, self.view_b, self.view_d):
            v.set_text_scale(factor)

    # --- computing -------------------------------------------------------------------------

    def request(self) -> None:
        """Recompute A, B and A − B for the state's image, settings and kernel (latest wins)."""
        self._update_kernel_labels()
        if not self.isVisible():
            return  # computed when shown
        self._generation += 1
        s = self.state
        img = s.engine_image()
        if img is None:
            self._show_message(NO_IMAGE)
            return
        p = s.params
        try:
            out_a, pooled_a = layer_shapes(img.shape, self.kernel_a.shape, p)
            out_b, pooled_b = layer_shapes(img.shape, s.kernel.shape, p)
        except ValueError as exc:
            why = explain_no_output(img.shape, self.kernel_a.shape, p) or explain_no_output(
                img.shape, s.kernel.shape, p
            )
            self._show_message(f"No comparison: {why or exc}")
            return
        b_map = self._state_b_map()
        if b_map is None and (s.busy or self._expect_result):
            # The state is computing B already: wait for its result rather than compute B twice.
            self._waiting_for_b = True
            self.summary.setText("Computing output B…")
            return
        self._waiting_for_b = False
        a_key = (s.image_version, p, self.kernel_a.shape, self.kernel_a.tobytes())
        cached = self._a_cache
        hit = cached is not None and cached[0] == a_key
        a_map = cached[1].a if hit and cached is not None else None
        a_stats = cached[1].a_stats if hit and cached is not None else None
        req = _Request(
            self._generation,
            img,
            self.kernel_a,
            np.array(s.kernel),
            p,
            b_map,
            a_map,
            a_key,
            s.value_max,
            a_stats,
            self._b_stats if b_map is not None else None,
        )
        # The subtraction and the statistics: about ten passes over the output.
        final = pooled_a or out_a
        channels = img.shape[2] if img.ndim == 3 else 1
        work = 10 * final[0] * final[1] * channels
        if a_map is None:
            work += layer_work(img.shape, out_a, pooled_a, self.kernel_a, p)
        if b_map is None:
            work += layer_work(img.shape, out_b, pooled_b, s.kernel, p)
        if work <= self._sync_limit and not self._running:
            fut: Future[Comparison] = Future()
            try:
                fut.set_result(req.run())
            except Exception as exc:  # shown as a message, never a crash
                fut.set_exception(exc)
            self._on_done(req, fut)
        elif self._running:
            self._pending = req  # replaces an older waiting request
        else:
            self._start(req)

    def _state_b_map(self) -> Array | None:
        """B's final map from the state's result when it is for this very input (else None).

        Its statistics come with it (:attr:`_b_stats`).
        """
        s, r = self.state, self.state.result
        if (
            r is None
            or r.image_version != s.image_version
            or r.params != s.params
            or r.kernel.shape != s.kernel.shape
            or not np.array_equal(r.kernel, s.kernel)
        ):
            return None
        self._b_stats = r.pooled_stats if r.pooled is not None else r.act_stats
        return r.pooled if r.pooled is not None else r.activated

    def _on_state_input(self) -> None:
        self._expect_result = True
        self.request()

    def _on_state_result(self) -> None:
        self._expect_result = False
        if self._waiting_for_b:
            self.request()

    def _redisplay(self) -> None:
        if self.comparison is not None and self.isVisible():
            self._show(self.comparison)

    def _start(self, req: _Request) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="convgui-compare",
                initializer=lower_thread_priority,
            )
        self._running = True
        self.summary.setText("Computing outputs A and B…")
        bridge = self._bridge
        fut = self._executor.submit(req.run)
        fut.add_done_callback(lambda f: bridge.done.emit(req, f))

    def _on_done(self, req: _Request, fut: Future[Comparison]) -> None:
        if req.generation != self._generation:
            self._after_job(req)
            return  # stale: a newer request exists
        self._after_job(req)
        exc = fut.exception()
        if exc is None:
            self._a_cache = (req.a_key, fut.result())
        if exc is not None:
            self._show_message(
                f"The comparison failed ({type(exc).__name__}: {exc}). Try a smaller kernel or "
                "image; the table's kernel is unchanged."
            )
            return
        self._show(fut.result())

    def _after_job(self, req: _Request) -> None:
        if not self._running:
            return
        self._running = False
        pending, self._pending = self._pending, None
        if pending is not None and pending.generation == self._generation:
            self._start(pending)

    @property
    def busy(self) -> bool:
        """True while a comparison runs on the worker."""
        return self._running

    # --- showing ---------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.comparison = None
        for v in (self.view_a, self.view_b, self.view_d):
            v.set_image(None)
        self.summary.setText(text)

    def _show(self, c: Comparison) -> None:
        s = self.state
        decision = s.display_decision
        mode = decision.mode if decision is not None else s.display_mode
        vmax = s.value_max
        da = display_for(c.a, mode, vmax, c.a_stats)
        db = display_for(c.b, mode, vmax, c.b_stats)
        levels = shared_levels(da, db)
        self.view_a.set_image(c.a, levels=levels, cmap=db.cmap)
        self.view_b.set_image(c.b, levels=levels, cmap=db.cmap)
        if c.diff is None:
            self.view_d.set_image(None)
        else:
            self.view_d.set_image(c.diff, levels=c.diff_levels, cmap=make_lut_cmap("diverging"))
        self.summary.setText(c.summary)
        if self._fitted_shape != c.a.shape:
            self._fitted_shape = c.a.shape
            self.view_a.fit()
        self.comparison = c
        self.compared.emit()

    def _update_kernel_labels(self) -> None:
        a_text = "A:\n" + kernel_text(self.kernel_a)
        b_text = "B:\n" + kernel_text(np.asarray(self.state.kernel))
        self.kernel_a_label.setText(a_text)
        self.kernel_b_label.setText(b_text)
        narrow = bool(self._narrow)
        self.title_a.setToolTip(f"<pre>{a_text}</pre>" if narrow else "")
        self.title_b.setToolTip(f"<pre>{b_text}</pre>" if narrow else "")

    # --- life cycle ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.request()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Stop the worker (a running comparison is dropped); it restarts when needed."""
        self._generation += 1  # whatever is still running is stale now
        self._pending = None
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)
        self._running = False


__all__ = [
    "CompareDialog",
    "Comparison",
    "compare",
    "diff_levels",
    "diff_summary",
    "final_map",
    "kernel_text",
    "shared_levels",
]
