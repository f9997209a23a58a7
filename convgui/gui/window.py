"""The main window: a composition shell that builds the panels and wires them together.

What the window's parts do lives in modules named for it: the menus and shortcuts in
:mod:`.actions`, files in :mod:`.files`, remembered settings in :mod:`.settings`, key routing in
:mod:`.keys`, status text in :mod:`.status`, the text size in :mod:`.text_size`, and every
user-facing string and limit in :mod:`.texts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core import WindowScan, covering_positions, pool_padding, resolve_padding
from ..imageio import ImageDoc
from ..resources import Sample, resource_path
from ..state import DISPLAY_MODES, DISPLAY_TITLES, ExplorerState
from . import status, texts
from .actions import build_actions
from .animation import AnimationBar, AnimationController, AnimationOverlay
from .arithmetic import ArithmeticPanel, conv_arithmetic_html, pool_arithmetic_html
from .display import Display, display_for
from .files import Files, Which
from .image_view import ImageView, conv_rect, pooled_rect
from .kernel_panel import KernelPanel
from .keys import AnimationKeys
from .layer_panel import LayerPanel
from .panels import MessageBar, Panel
from .settings import Session
from .text_size import TextSize
from .util import signals_blocked

__all__ = ["MainWindow", "MessageBar", "Panel"]


class MainWindow(QMainWindow):
    """The convgui window. Reads the state, writes user intent to it.

    Signals
    -------
    output_painted()
        Emitted after a new result has been put into the output view.
    text_scale_changed(float)
        View ▸ Text Size changed the scale of every text (see :attr:`text_scale`).
    """

    output_painted = Signal()
    text_scale_changed = Signal(float)

    def __init__(
        self, state: ExplorerState, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.setObjectName("mainWindow")
        self.setWindowIcon(QIcon(str(resource_path("icons", "convgui.png"))))
        self.setAcceptDrops(True)
        self._output_display: Display | None = None
        self._pooled_display: Display | None = None

        self.input_view = ImageView()
        self.input_view.setObjectName("inputView")
        self.input_view.setToolTip(texts.INPUT_VIEW_TIP)
        self.output_view = ImageView(colorbar=True)
        self.output_view.setObjectName("outputView")
        self.output_view.setToolTip(texts.OUTPUT_VIEW_TIP)
        self.pooled_view = ImageView(colorbar=True)
        self.pooled_view.setObjectName("pooledView")
        self.pooled_view.setToolTip(texts.POOLED_VIEW_TIP)
        for v in (self.output_view, self.pooled_view):
            v.follow(self.input_view)

        self.input_panel = Panel(texts.INPUT_TITLE, self.input_view)
        self.color_check = QCheckBox(texts.COLOR_CHECK, objectName="colorCheck")
        self.color_check.setToolTip(texts.COLOR_CHECK_TIP)
        self.color_check.toggled.connect(lambda on: state.set_color_mode("rgb" if on else "gray"))
        self.scale_combo = QComboBox(objectName="scaleCombo")
        for title, scale in texts.SCALE_ITEMS:
            self.scale_combo.addItem(title, scale)
        self.scale_combo.setToolTip(texts.SCALE_TIP)
        self.scale_combo.activated.connect(
            lambda i: state.set_value_scale(self.scale_combo.itemData(i))
        )
        self.input_panel.controls.addWidget(self.color_check)
        self.input_panel.controls.addWidget(self.scale_combo)

        self.output_panel = Panel(texts.OUTPUT_TITLE, self.output_view)
        self.display_combo = QComboBox(objectName="displayCombo")
        for m in DISPLAY_MODES:
            self.display_combo.addItem(DISPLAY_TITLES[m], m)
        self.display_combo.setToolTip(texts.DISPLAY_TIP)
        self.display_combo.activated.connect(self._on_display_chosen)
        self.clipped_label = QLabel(objectName="clippedLabel")
        self.clipped_label.setToolTip(texts.CLIPPED_TIP)
        self.output_panel.controls.addWidget(self.clipped_label)
        self.output_panel.controls.addWidget(self.display_combo)
        self.pooled_panel = Panel(texts.POOLED_TITLE, self.pooled_view)

        self.kernel_panel = KernelPanel(state)
        self.layer_panel = LayerPanel(state)
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(4, 4, 4, 4)
        ml.addWidget(self.kernel_panel, 1)
        ml.addWidget(self.layer_panel)
        scroll = QScrollArea()
        scroll.setWidget(middle)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(300)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.middle = scroll

        self.right_split = QSplitter(Qt.Orientation.Vertical, objectName="rightSplitter")
        self.right_split.addWidget(self.output_panel)
        self.right_split.addWidget(self.pooled_panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(self.input_panel)
        self.splitter.addWidget(self.middle)
        self.splitter.addWidget(self.right_split)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setChildrenCollapsible(False)

        self.message_bar = MessageBar()
        self.arithmetic = ArithmeticPanel()
        self.bottom = QWidget(objectName="animationArea")
        self.bottom_layout = QVBoxLayout(self.bottom)
        self.bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.bottom_layout.setSpacing(0)
        self.vsplit = QSplitter(Qt.Orientation.Vertical, objectName="verticalSplitter")
        self.vsplit.addWidget(self.splitter)
        self.vsplit.addWidget(self.arithmetic)
        self.vsplit.setStretchFactor(0, 4)
        self.vsplit.setStretchFactor(1, 1)
        self.vsplit.setChildrenCollapsible(False)
        self.vsplit.setSizes([640, 175])
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.message_bar)
        cl.addWidget(self.vsplit, 1)
        cl.addWidget(self.bottom)
        self.setCentralWidget(central)

        self.hover_label = QLabel(objectName="hoverLabel")
        self.info_label = QLabel(objectName="infoLabel")
        self.statusBar().addWidget(self.hover_label, 1)
        self.statusBar().addPermanentWidget(self.info_label)

        # The window's parts, each built from narrow inputs.
        self.files = Files(state, settings, self.show_message, self)
        self.files.opening.connect(self._on_document_opening)
        self.session = Session(state, settings, self.show_message)
        self._startup_message: tuple[str, str] | None = None
        self.text_size = TextSize(self)
        self.text_size.changed.connect(self.text_scale_changed)
        self.keys = AnimationKeys(self, self.handle_animation_key)

        self.kernel_panel.model.rejected.connect(self._on_cell_rejected)
        self.kernel_panel.table.paste_failed.connect(lambda m: self.show_message("warning", m))
        state.image_changed.connect(self._update_input)
        state.result_changed.connect(self._update_output)
        state.view_changed.connect(self._update_output)
        state.history_changed.connect(self._update_history_actions)
        state.kernel_changed.connect(self._on_kernel_or_params)
        state.params_changed.connect(self._on_kernel_or_params)
        state.busy_changed.connect(self._update_info)
        state.message.connect(self.show_message)
        state.preset_applied.connect(self._on_preset_applied)
        self._cell_warning = False
        self._auto_diverging = False  # the display was switched by a preset, not the user
        state.kernel_changed.connect(self._on_kernel_edited)
        for v in (self.input_view, self.output_view, self.pooled_view):
            v.hovered.connect(self._on_hover)
        self.input_view.clicked.connect(self._on_input_clicked)
        self.output_view.clicked.connect(self._on_output_clicked)
        self.pooled_view.clicked.connect(self._on_pooled_clicked)

        # Made after the window's own result handler is connected, so output rects are current
        # when the animation places its overlays.
        self.anim = AnimationController(state, self)
        self.anim_bar = AnimationBar(self.anim)
        self.bottom_layout.addWidget(self.anim_bar)
        self.overlay = AnimationOverlay(
            self.anim, self.input_view, self.output_view, self.pooled_view
        )
        self._panel_compact = False
        self.anim.position_changed.connect(self._on_anim_position)
        self.anim.state_changed.connect(self._on_anim_state)
        self.anim_bar.follow_check.toggled.connect(self._on_follow)
        self.actions_built = build_actions(self)
        self.display_actions = {
            m: self.actions_built.actions[f"display_{m}"] for m in DISPLAY_MODES
        }
        self.display_group = self.actions_built.groups["display"]
        self.samples_menu = self.actions_built.menus[texts.MENU_SAMPLES]
        self.help_menu = self.actions_built.menus[texts.MENU_HELP]
        self.anim_bar.stop_btn.setToolTip(texts.STOP_TIP)
        self.keys.install()

        self.resize(1400, 820)
        self._update_history_actions()
        self._update_input()
        self._update_output()

    # --- messages ----------------------------------------------------------------------------

    def show_message(self, level: str, text: str) -> None:
        """Show a message in the bar at the top (until dismissed) and in the status bar.

        ``level`` is "error", "warning" or "info"; any other level (``"status"``) is a passing
        note in the status bar only.
        """
        if level in ("error", "warning", "info"):
            self.message_bar.show_message(level, text)
        self.statusBar().showMessage(text, 8000)

    def _on_kernel_edited(self) -> None:
        # A refused-cell warning is obsolete once the kernel changes (a good entry, undo...).
        if self._cell_warning and self.message_bar.level == "warning":
            self.message_bar.hide()
        self._cell_warning = False

    def _on_cell_rejected(self, row: int, col: int, message: str) -> None:
        self.show_message(
            "warning", f"Kernel row {row}, column {col}: {message} The old value was kept."
        )
        self._cell_warning = True

    # --- files (forwarded to self.files for app.py, the lesson and export) ------------------

    def _on_document_opening(self) -> None:
        self.input_view.fit()
        self.message_bar.hide()
        if self._startup_message is not None:
            # The first image opens right after the settings were restored: keep their warning.
            self.show_message(*self._startup_message)
            self._startup_message = None

    def open_path(self, path: str | Path) -> bool:
        """Load an image file; on failure show why and keep the current image."""
        return self.files.open_path(path)

    def open_sample(self, sample: Sample) -> None:
        """Switch to a built-in sample."""
        self.files.open_sample(sample)

    def set_document(self, doc: ImageDoc) -> None:
        """Show a loaded image."""
        self.files.set_document(doc)

    def open_kernel_path(self, path: str | Path) -> bool:
        """Load a kernel file; on failure explain and keep the current kernel."""
        return self.files.open_kernel_path(path)

    def save_output_path(
        self, path: str | Path, which: Which = "output", *, confirm: bool = True
    ) -> bool:
        """Save the output (or the pooled map) as displayed; see :meth:`Files.save_output_path`."""
        return self.files.save_output_path(path, which, confirm=confirm)

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first."""
        return self.files.recent_files()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.files.drop_urls(event.mimeData().urls()):
            event.acceptProposedAction()

    # --- views -------------------------------------------------------------------------------

    @property
    def text_scale(self) -> float:
        """View ▸ Text Size: the factor applied to every text (1.0: the system size)."""
        return self.text_size.scale

    def _on_values_toggled(self, on: bool) -> None:
        for v in (self.input_view, self.output_view, self.pooled_view):
            v.values.enabled = on
            v.values.update()

    def _update_input(self) -> None:
        s = self.state
        doc = s.doc
        with signals_blocked(self.color_check, self.scale_combo):
            self.color_check.setChecked(s.color_mode == "rgb" and doc is not None and doc.is_color)
            self.color_check.setEnabled(doc is not None and doc.is_color)
            self.scale_combo.setCurrentIndex(self.scale_combo.findData(s.value_scale))
        img = s.engine_image()
        if doc is None or img is None:
            self.input_view.set_image(None)
            self.setWindowTitle("convgui")
            return
        self.input_view.set_image(img, levels=(0.0, s.value_max))
        self.input_panel.subtitle.setText(f"{doc.name} · {doc.describe()}")
        self.setWindowTitle(f"{doc.name} ({doc.describe()}) — convgui")
        self._update_info()

    def _update_output(self) -> None:
        s = self.state
        with signals_blocked(self.display_combo):
            self.display_combo.setCurrentIndex(self.display_combo.findData(s.display_mode))
        if s.display_mode in self.display_actions:
            self.display_actions[s.display_mode].setChecked(True)
        r = s.result
        p = s.params
        self.pooled_panel.setVisible(p.pool != "none")
        if r is None:
            self.output_view.set_image(None)
            self.pooled_view.set_image(None)
            self._output_display = None
            self.clipped_label.setText("")
            if s.layer_error:
                self.output_panel.subtitle.setText("no output (see the layer settings)")
                self.message_bar.show_message("warning", f"No output: {s.layer_error}")
            return
        if self.message_bar.level == "warning" and self.message_bar.text.startswith("No output"):
            self.message_bar.hide()
        doc = s.doc
        shape = doc.shape if doc is not None else r.conv.shape[:2]
        pads = resolve_padding(
            shape,
            r.kernel.shape,
            r.params.padding,
            stride=r.params.stride,
            dilation=r.params.dilation,
        )
        out = r.activated
        rect = conv_rect(out.shape[:2], pads, r.kernel.shape, r.params.stride, r.params.dilation)
        disp = display_for(out, s.display_mode, s.value_max, r.act_stats)
        self._output_display = disp
        self.output_view.set_image(out, rect, levels=disp.levels, cmap=disp.cmap)
        self.output_panel.subtitle.setText(f"{out.shape[1]}×{out.shape[0]}")
        if disp.mode == "clip":
            self.clipped_label.setText(
                f"{disp.clipped:,} clipped" if disp.clipped else "none clipped"
            )
        else:
            self.clipped_label.setText(disp.note)
        if r.pooled is not None:
            pp = pool_padding(
                out.shape,
                r.params.pool_size,
                stride=r.params.pool_stride,
                padding=r.params.pool_padding,
            )
            prect = pooled_rect(
                rect,
                out.shape[:2],
                r.pooled.shape[:2],
                pp,
                r.params.pool_size,
                r.params.pool_stride,
            )
            pdisp = display_for(r.pooled, s.display_mode, s.value_max, r.pooled_stats)
            self._pooled_display = pdisp
            self.pooled_view.set_image(r.pooled, prect, levels=pdisp.levels, cmap=pdisp.cmap)
            self.pooled_panel.subtitle.setText(f"{r.pooled.shape[1]}×{r.pooled.shape[0]}")
        else:
            self.pooled_view.set_image(None)
        self._update_info()
        self.output_painted.emit()

    def _update_info(self) -> None:
        self.info_label.setText(status.info_text(self.state))

    def _on_display_chosen(self, index: int) -> None:
        self._auto_diverging = False  # the user's own choice is kept
        self.state.set_display_mode(self.display_combo.itemData(index))

    def _on_preset_applied(self, name: str) -> None:
        # Edge and gradient kernels sum to zero and give negative values, which "clip" shows
        # as plain black; switch to the signed colour map once, and say so.
        s = self.state
        zero_sum = abs(float(s.kernel.sum())) <= 1e-12
        if self._auto_diverging and not zero_sum and s.display_mode == "diverging":
            # Back from an edge preset to a blur or sharpen: undo our own switch.
            self._auto_diverging = False
            s.set_display_mode("clip")
            return
        if s.display_mode != "clip" or not zero_sum:
            return
        r = s.result
        if r is not None and r.act_stats[0] < 0:
            s.set_display_mode("diverging")
            self._auto_diverging = True
            self.statusBar().showMessage(texts.NEGATIVE_VALUES_SHOWN, 10000)

    def _on_kernel_or_params(self) -> None:
        self._update_history_actions()

    def _update_history_actions(self) -> None:
        s = self.state
        self.undo_action.setEnabled(s.can_undo)
        self.redo_action.setEnabled(s.can_redo)
        self.undo_action.setText(f"&Undo {s.undo_label}" if s.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {s.redo_label}" if s.can_redo else "&Redo")

    def _on_hover(self, x: float, y: float) -> None:
        views = [("input", self.input_view), ("output", self.output_view)]
        if self.pooled_panel.isVisible():
            views.append(("pooled", self.pooled_view))
        pad = "" if x != x else self._padding_hover(x, y)  # NaN: the pointer left
        self.hover_label.setText(status.hover_text(x, y, views, pad))

    def _padding_hover(self, x: float, y: float) -> str:
        """Describe the padded cell under (x, y) while the padding ring is shown, else ""."""
        ring = self.overlay.ring
        if not self.anim.active:
            return ""
        return status.padding_hover_text(ring.padded, ring.pads, self.state, x, y)

    # --- settings ----------------------------------------------------------------------------

    def restore_settings(self) -> None:
        """Restore window layout, kernel, settings, view options and text size from the last run.

        Unreadable settings never stop the app: the defaults are used and the user is told.
        """
        told: list[tuple[str, str]] = []

        def notify(level: str, text: str) -> None:
            told.append((level, text))
            self.show_message(level, text)

        self.session.notify = notify
        try:
            self.session.restore(window=self, splitter=self.splitter, text_size=self.text_size)
        finally:
            self.session.notify = self.show_message
        self._startup_message = told[-1] if told else None

    def save_settings(self) -> None:
        """Remember layout, kernel, settings, view options and text size."""
        self.session.save(window=self, splitter=self.splitter, text_size=self.text_size)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.anim.shutdown()
        self.keys.uninstall()
        self.text_size.release()
        self.state.close()
        super().closeEvent(event)

    # --- animation --------------------------------------------------------------------------

    def handle_animation_key(self, key: int) -> bool:
        """Apply an animation key (Space, Left, Right, Home, End); True if it was one."""
        actions = {
            Qt.Key.Key_Space: self.anim.toggle,
            Qt.Key.Key_Right: lambda: self.anim.step(1),
            Qt.Key.Key_Left: lambda: self.anim.step(-1),
            Qt.Key.Key_Home: self.anim.to_start,
            Qt.Key.Key_End: self.anim.to_end,
        }
        fn = actions.get(Qt.Key(key))
        if fn is None:
            return False
        fn()
        return True

    def _on_follow(self, on: bool) -> None:
        self.overlay.follow = on
        self._update_animation()

    def _on_anim_position(self) -> None:
        self.overlay.update()
        self._update_arithmetic()

    def _on_anim_state(self) -> None:
        # Pausing turns the compact panel of playback into the full one.
        if self._panel_compact != self.anim.playback.playing:
            self._update_arithmetic()

    def _update_animation(self) -> None:
        """Redraw overlays and the arithmetic panel for the current position."""
        self.overlay.update()
        self._update_arithmetic()

    def _update_arithmetic(self) -> None:
        c, r = self.anim, self.state.result
        scan = c.current_scan()
        rc = c.position_rc()
        if scan is None or r is None or rc is None:
            self.arithmetic.show_html(
                texts.ARITHMETIC_IDLE,
                total=None,
                output=None,
            )
            return
        p = r.params
        if isinstance(scan, WindowScan) and self.overlay.ring.unknown:
            n = int(scan.is_padding.sum())
            self.arithmetic.show_html(
                f"<b>Output row {rc[0]}, column {rc[1]}</b>: {n} of the kernel's "
                f"{scan.is_padding.size} cells lie outside the image (marked ?). "
                "What should they be multiplied by?",
                total=None,
                output=None,
            )
            return
        # While playing, the grids are left out so even a 15×15 window keeps up.
        compact = self._panel_compact = c.playback.playing
        if isinstance(scan, WindowScan):
            img = self.state.engine_image()
            note = " (red channel)" if img is not None and img.ndim == 3 else ""
            out = float(r.activated[rc] if r.activated.ndim == 2 else r.activated[rc][0])
            html = conv_arithmetic_html(
                scan, p, out, boundary=p.boundary, channel_note=note, compact=compact
            )
            self.arithmetic.show_html(html, total=scan.total, output=out)
        else:
            assert r.pooled is not None
            out = float(r.pooled[rc] if r.pooled.ndim == 2 else r.pooled[rc][0])
            note = " (red channel)" if r.pooled.ndim == 3 else ""
            html = pool_arithmetic_html(scan, p.pool, out, channel_note=note)
            self.arithmetic.show_html(html, total=scan.result, output=out)

    def _on_output_clicked(self, x: float, y: float) -> None:
        cell = self.output_view.cell_at(x, y)
        if cell is not None:
            self.overlay.show_hits(None)
            self.anim.pause()
            self.anim.seek_rc(cell[0], cell[1], "conv")

    def _on_pooled_clicked(self, x: float, y: float) -> None:
        if not self.pooled_panel.isVisible():
            return
        cell = self.pooled_view.cell_at(x, y)
        if cell is not None:
            self.anim.pause()
            self.anim.seek_rc(cell[0], cell[1], "pool")

    def _on_input_clicked(self, x: float, y: float) -> None:
        cell = self.input_view.cell_at(x, y)
        r, doc = self.state.result, self.state.doc
        if cell is None or r is None or doc is None:
            self.overlay.show_hits(None)
            return
        p = r.params
        hits = covering_positions(
            doc.shape,
            r.kernel.shape,
            cell,
            padding=p.padding,
            stride=p.stride,
            dilation=p.dilation,
        )
        self.overlay.show_hits(hits)
        n = len(hits)
        self.statusBar().showMessage(
            f"Input pixel (row {cell[0]}, col {cell[1]}) is read by {n} output "
            f"position{'s' if n != 1 else ''} (outlined in cyan on the output).",
            8000,
        )

    def export_dialog(self, kind: str) -> None:
        """Animation ▸ Export."""
        from .export import ExportDialog

        ExportDialog(self, kind).exec()

    def start_lesson(self) -> None:
        """Help ▸ Lesson: the guided tour."""
        from .lesson import LessonTour

        if getattr(self, "lesson", None) is None:
            self.lesson = LessonTour(self)
        self.lesson.start()

    def first_paint_then(self, callback: Any) -> None:
        """Call ``callback`` once the output holds a result and the window has painted."""

        def check() -> None:
            s, r = self.state, self.state.result
            # The result must be the newest one, for the image now shown (not an earlier one).
            current = r is not None and r.image_version == s.image_version and not s.busy
            if current or s.layer_error or s.doc is None:
                self.repaint()
                QTimer.singleShot(50, callback)
            else:
                QTimer.singleShot(20, check)

        QTimer.singleShot(0, check)
