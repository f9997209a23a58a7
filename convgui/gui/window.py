"""The main window: a composition shell that builds the panels and wires them together.

What the window's parts do lives in modules named for it: the menus and shortcuts in
:mod:`.actions`, files in :mod:`.files`, remembered settings in :mod:`.settings`, key routing in
:mod:`.keys`, status text in :mod:`.status`, the text size in :mod:`.text_size`, and every
user-facing string and limit in :mod:`.texts`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import covering_positions
from ..imageio import ImageDoc
from ..resources import Sample, resource_path, samples
from ..state import DISPLAY_MODES, ExplorerState
from . import status, texts
from .actions import build_actions
from .animation import AnimationBar, AnimationController, AnimationOverlay
from .arithmetic import ArithmeticPanel
from .features import restore_features
from .files import Files, Which
from .image_panels import ImagePanel, ImagePanels
from .kernel_panel import KernelPanel
from .keys import AnimationKeys
from .layer_panel import LayerPanel
from .panels import ElidedLabel, MessageBar
from .settings import Session
from .text_size import TextSize
from .util import WheelGuard, signals_blocked

__all__ = ["MainWindow", "MessageBar"]


class MainWindow(QMainWindow):
    """The convgui window. Builds the panels and wires them to the state; holds no truth.

    Signals
    -------
    output_painted()
        Emitted after a new result has been put into the output view.
    text_scale_changed(float)
        View ▸ Text Size changed the scale of every text (see :attr:`text_scale`).
    mode_changed(str)
        Another mode page is shown (``"kernel"``, the single-kernel explorer, or one a feature
        added with :meth:`add_mode`).
    """

    output_painted = Signal()
    text_scale_changed = Signal(float)
    mode_changed = Signal(str)

    def __init__(
        self, state: ExplorerState, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.setObjectName("mainWindow")
        self.setWindowIcon(QIcon(str(resource_path("icons", "convgui.png"))))
        self.setAcceptDrops(True)

        # --- the parts -------------------------------------------------------------------
        self.images = ImagePanels(state, self)
        self.input_view, self.output_view, self.pooled_view = self.images.views
        self.input_panel: ImagePanel = self.images.input_panel
        self.output_panel: ImagePanel = self.images.output_panel
        self.pooled_panel: ImagePanel = self.images.pooled_panel
        self.color_check = self.images.color_check
        self.scale_combo = self.images.scale_combo
        self.display_combo = self.images.display_combo
        self.clipped_label = self.images.clipped_label
        self.kernel_panel = KernelPanel(state)
        self.layer_panel = LayerPanel(state)
        self.message_bar = MessageBar()
        self.arithmetic = ArithmeticPanel()
        self.anim = AnimationController(state, self)
        self.anim_bar = AnimationBar(self.anim)
        self.overlay = AnimationOverlay(
            self.anim, self.input_view, self.output_view, self.pooled_view
        )
        self.arithmetic.follow(self.anim)
        self.files = Files(state, settings, self.show_message, self, self.images.display_of)
        self.session = Session(state, settings, self.show_message)
        self._startup_message: tuple[str, str] | None = None
        self.text_size = TextSize(self)
        self.keys = AnimationKeys(self, self.handle_animation_key)
        self.lesson = None

        # --- the layout ------------------------------------------------------------------
        middle = QWidget(objectName="controlsColumn")
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(4, 2, 4, 2)
        ml.addWidget(self.kernel_panel, 1)
        ml.addWidget(self.layer_panel)
        self.middle = QScrollArea(objectName="controlsScroll")
        self.middle.setWidget(middle)
        self.middle.setWidgetResizable(True)
        self.middle.setFrameShape(QScrollArea.Shape.NoFrame)
        self.middle.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Wide enough for the controls' own minimum (never clipped sideways) plus a scroll bar.
        self.middle.setSizeAdjustPolicy(
            QAbstractScrollArea.SizeAdjustPolicy.AdjustToContentsOnFirstShow
        )
        self._middle_content = middle
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(self.input_panel)
        self.splitter.addWidget(self.middle)
        self.splitter.addWidget(self.images.results)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setChildrenCollapsible(False)
        self.bottom = QWidget(objectName="animationArea")
        self.bottom_layout = QVBoxLayout(self.bottom)
        self.bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.bottom_layout.setSpacing(0)
        self.bottom_layout.addWidget(self.anim_bar)
        # The single-kernel explorer is the first mode page; features add others (add_mode).
        explorer = QWidget(objectName="kernelMode")
        el = QVBoxLayout(explorer)
        el.setContentsMargins(0, 0, 0, 0)
        el.setSpacing(0)
        el.addWidget(self.splitter, 1)
        el.addWidget(self.arithmetic)
        el.addWidget(self.bottom)
        self.pages = QStackedWidget(objectName="modePages")
        self.pages.addWidget(explorer)
        self._modes: dict[str, QWidget] = {"kernel": explorer}
        self._mode_keys: dict[str, Callable[[int], bool]] = {}
        self._mode_animations: dict[str, Any] = {}
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.message_bar)
        cl.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        # Elided, sharing the width: a long display note never squeezes the pixel readout.
        self.hover_label = ElidedLabel(objectName="hoverLabel")
        self.display_label = ElidedLabel(objectName="displayLabel")
        self.info_label = ElidedLabel(objectName="infoLabel")
        self.statusBar().addWidget(self.hover_label, 3)
        self.statusBar().addPermanentWidget(self.display_label, 2)
        self.statusBar().addPermanentWidget(self.info_label, 2)
        self.statusBar().messageChanged.connect(self._on_status_message)

        # --- the wiring ------------------------------------------------------------------
        self.files.opening.connect(self._on_document_opening)
        self.text_size.changed.connect(self.text_scale_changed)
        self.text_size.changed.connect(self._on_text_scale)
        self.kernel_panel.model.rejected.connect(self._on_cell_rejected)
        self.kernel_panel.table.paste_failed.connect(lambda m: self.show_message("warning", m))
        self.images.output_painted.connect(self._on_output_painted)
        self.images.decision_changed.connect(self.display_label.setText)
        state.image_changed.connect(self._update_title)
        state.result_changed.connect(self._on_result)
        state.view_changed.connect(self._update_display_actions)
        state.history_changed.connect(self._update_history_actions)
        state.kernel_changed.connect(self._update_history_actions)
        state.params_changed.connect(self._update_history_actions)
        state.busy_changed.connect(self._update_info)
        state.message.connect(self.show_message)
        self._cell_warning = False
        state.kernel_changed.connect(self._on_kernel_edited)
        for name, v in zip(("input", "output", "pooled"), self.images.views):
            v.hovered.connect(lambda x, y, n=name: self._on_hover(x, y, n))
        state.image_changed.connect(lambda: self.hover_label.setText(""))
        self.input_view.clicked.connect(self._on_input_clicked)
        self.output_view.clicked.connect(self._on_output_clicked)
        self.pooled_view.clicked.connect(self._on_pooled_clicked)
        self.anim_bar.follow_check.toggled.connect(self._on_follow)
        self.actions_built = build_actions(self)
        self.display_actions = {
            m: self.actions_built.actions[f"display_{m}"] for m in DISPLAY_MODES
        }
        self.display_group = self.actions_built.groups["display"]
        self.samples_menu = self.actions_built.menus[texts.MENU_SAMPLES]
        self.help_menu = self.actions_built.menus[texts.MENU_HELP]
        self.keys.install()
        self.wheel_guard = WheelGuard(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.wheel_guard)
        self._user_split = False
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self.images.pooling_shown.connect(lambda _on: self._balance())
        self._fit_middle()

        self.resize(1400, 820)
        self._update_history_actions()
        self._update_title()
        self._update_display_actions()
        self._update_info()

    # --- messages ----------------------------------------------------------------------------

    def show_message(self, level: str, text: str) -> None:
        """Show a message in the bar at the top (until dismissed) and in the status bar.

        ``level`` is "error", "warning" or "info"; any other level (``"status"``) is a passing
        note in the status bar only.
        """
        if level in ("error", "warning", "info"):
            self.message_bar.show_message(level, text)
        self.statusBar().showMessage(text, 8000)

    def _on_status_message(self, text: str) -> None:
        # Qt draws a passing message in the room the permanent labels leave, and they stretch
        # over the room of the hidden pointer readout: the message had none. It takes the whole
        # bar while it shows; the labels come back when it ends.
        for label in (self.display_label, self.info_label):
            label.setVisible(not text)

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

    def _on_text_scale(self, factor: float) -> None:
        self.images.set_text_scale(factor)
        # The new font reaches the layouts' size hints only after this event: fit afterwards.
        QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        self._fit_middle()
        self._balance()

    def _fit_middle(self) -> None:
        # The controls column is never narrower than its controls (nothing cut off sideways).
        bar = self.middle.verticalScrollBar().sizeHint().width()
        self.middle.setMinimumWidth(self._middle_content.minimumSizeHint().width() + bar + 2)

    def _on_splitter_moved(self, *_: object) -> None:
        self._user_split = True

    def _balance(self) -> None:
        """Give the input the width of the output (the pooled map 2/3 of that)."""
        if self._user_split and not self.middle.isHidden():
            return
        total = sum(self.splitter.sizes())
        shown = not self.middle.isHidden()
        middle = max(self.middle.minimumWidth(), self.middle.sizeHint().width()) if shown else 0
        rest = max(0, total - middle)
        # Output and pooled map share their area 3:2, so the input matches the output.
        left = rest * 3 // 8 if self.pooled_panel.isVisibleTo(self) else rest // 2
        self.splitter.setSizes([left, middle, rest - left])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._balance)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._balance()

    def _on_values_toggled(self, on: bool) -> None:
        for v in self.images.views:
            v.values.enabled = on
            v.values.update()

    def _update_title(self) -> None:
        doc = self.state.doc
        self.setWindowTitle(
            "convgui" if doc is None else f"{doc.name} ({doc.describe()}) — convgui"
        )
        self._update_info()

    def _on_result(self) -> None:
        s = self.state
        if s.result is None and s.layer_error:
            self.message_bar.show_message("warning", f"No output: {s.layer_error}")
        elif self.message_bar.level == "warning" and self.message_bar.text.startswith("No output"):
            self.message_bar.hide()
        self._update_info()

    def _on_output_painted(self) -> None:
        self._update_display_actions()
        self.output_painted.emit()

    def _update_display_actions(self) -> None:
        s, r = self.state, self.state.result
        color = r is not None and r.activated.ndim == 3
        for m, act in self.display_actions.items():
            act.setEnabled(not (color and m in ("abs", "diverging")))
        shown = self.images.decision.mode if self.images.decision is not None else s.display_mode
        if shown in self.display_actions:
            with signals_blocked(self.display_group):
                self.display_actions[shown].setChecked(True)
        robust = getattr(self, "robust_action", None)
        if robust is not None:
            with signals_blocked(robust):
                robust.setChecked(s.robust_limits)

    def _update_info(self) -> None:
        self.info_label.setText(status.info_text(self.state))

    def _update_history_actions(self) -> None:
        s = self.state
        self.undo_action.setEnabled(s.can_undo)
        self.redo_action.setEnabled(s.can_redo)
        self.undo_action.setText(f"&Undo {s.undo_label}" if s.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {s.redo_label}" if s.can_redo else "&Redo")

    def _on_hover(self, x: float, y: float, source: str = "input") -> None:
        views = [("input", self.input_view), ("output", self.output_view)]
        if self.pooled_panel.isVisible():
            views.append(("pooled", self.pooled_view))
        # NaN: the pointer left; the padding ring is drawn on the input only.
        pad = "" if x != x or source != "input" else self._padding_hover(x, y)
        r = self.state.result
        self.hover_label.setText(
            status.hover_text(
                x, y, views, pad, source=source, geometry=None if r is None else r.geometry
            )
        )

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
        restore_features(self)
        self._startup_message = told[-1] if told else None

    def save_settings(self) -> None:
        """Remember layout, kernel, settings, view options and text size."""
        self.session.save(window=self, splitter=self.splitter, text_size=self.text_size)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.lesson is not None and self.lesson.running:
            self.lesson.finish()  # the user's own work is what is remembered, not the lesson's
        self.save_settings()
        self.anim.shutdown()
        self.keys.uninstall()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wheel_guard)
        self.text_size.release()
        self.state.close()
        super().closeEvent(event)

    # --- modes ------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """The mode page shown: ``"kernel"`` (the single-kernel explorer) or an added one."""
        current = self.pages.currentWidget()
        return next((n for n, w in self._modes.items() if w is current), "kernel")

    def add_mode(
        self,
        name: str,
        page: QWidget,
        keys: Callable[[int], bool] | None = None,
        animation: Any = None,
    ) -> None:
        """Add a mode page (shown with :meth:`show_mode`).

        ``keys`` takes the animation keys while the page is shown; ``animation`` is what the
        Animation menu drives there: an object with ``toggle()``, ``step(n)``, ``to_start()``,
        ``to_end()``, ``stop()`` and ``export_dialog(kind)`` (kind "gif", "png", "svg", "pdf").
        """
        if name in self._modes:
            raise ValueError(f"mode {name!r} exists already")
        self._modes[name] = page
        self.pages.addWidget(page)
        if keys is not None:
            self._mode_keys[name] = keys
        if animation is not None:
            self._mode_animations[name] = animation

    def current_animation(self) -> Any:
        """What the Animation menu drives in the mode shown (None: that mode has none)."""
        if self.mode == "kernel":
            return self.anim
        return self._mode_animations.get(self.mode)

    def animation_command(self, command: str, *args: Any) -> None:
        """Animation ▸ Play, Step, First, Last, Stop: on the animation of the mode shown."""
        anim = self.current_animation()
        if anim is None or not hasattr(anim, command):
            self.show_message("status", texts.NO_ANIMATION_HERE)
            return
        getattr(anim, command)(*args)

    def has_mode(self, name: str) -> bool:
        """True if a mode page of that name was added."""
        return name in self._modes

    def show_mode(self, name: str) -> None:
        """Show the mode page ``name``; leaving the single-kernel mode pauses its animation."""
        page = self._modes.get(name)
        if page is None:
            raise ValueError(f"no mode {name!r}; modes: {', '.join(self._modes)}")
        if page is self.pages.currentWidget():
            return
        if name != "kernel":
            self.anim.pause()
        # A message belongs to the mode it came from (a refused network edit, a layer shown
        # elsewhere): it is obsolete once another mode is shown. Messages about the switch
        # itself are shown after it.
        self.message_bar.hide()
        self.pages.setCurrentWidget(page)
        self.mode_changed.emit(name)
        if name == "kernel":
            QTimer.singleShot(0, self, self._balance)

    # --- animation --------------------------------------------------------------------------

    def handle_animation_key(self, key: int) -> bool:
        """Apply an animation key (Space, Left, Right, Home, End); True if it was one.

        In another mode than the single-kernel one, the mode's own key handler gets it.
        """
        if self.mode != "kernel":
            handler = self._mode_keys.get(self.mode)
            return handler(key) if handler is not None else False
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
        self.overlay.update()

    def _on_output_clicked(self, x: float, y: float) -> None:
        cell = self.output_view.cell_at(x, y)
        if cell is not None:
            self.overlay.show_hits(None)
            self.anim.pause()
            self.anim.seek_rc(cell[0], cell[1], "conv", filling=False)

    def _on_pooled_clicked(self, x: float, y: float) -> None:
        if not self.pooled_panel.isVisible():
            return
        cell = self.pooled_view.cell_at(x, y)
        if cell is not None:
            self.anim.pause()
            self.anim.seek_rc(cell[0], cell[1], "pool", filling=False)

    def _on_input_clicked(self, x: float, y: float) -> None:
        cell = self.input_view.cell_at(x, y)
        r, doc = self.state.result, self.state.doc
        if cell is None or r is None or doc is None:
            self.overlay.show_hits(None)
            return
        p = r.params
        hits = covering_positions(
            r.geometry.image_shape,  # the result's image, not one still being computed
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
        """Animation ▸ Export (kind "gif", "png", "svg" or "pdf") of the mode shown."""
        if self.mode != "kernel":
            anim = self.current_animation()
            if anim is None or not hasattr(anim, "export_dialog"):
                self.show_message("status", texts.NO_ANIMATION_HERE)
            else:
                anim.export_dialog(kind)
            return
        from .export import ExportContext, ExportDialog

        host = ExportContext(self.state, self.anim, self.settings, self.show_message)
        ExportDialog(host, kind if kind in ("png", "svg", "pdf") else "gif", self).exec()

    # --- the lesson (the tour's host protocol) ----------------------------------------------

    def start_lesson(self) -> None:
        """Help ▸ Lesson: the guided tour."""
        from .lesson import LessonTour

        self.show_mode("kernel")  # the lesson is about one kernel over one grey image
        if self.lesson is None:
            self.lesson = LessonTour(self)
        self.lesson.start()

    def open_lesson_sample(self) -> None:
        """Show the lesson's 6×6 grid on 0–255 in grey (for the tour)."""
        lesson = samples()[0]
        doc = self.state.doc
        if doc is None or doc.name != lesson.title:
            self.files.open_sample(lesson)
        if self.state.color_mode != "gray":
            self.state.set_color_mode("gray")
        if self.state.value_scale != "0-255":
            self.state.set_value_scale("0-255")

    def fit_views(self) -> None:
        """Zoom so the whole image shows (the other views follow)."""
        self.input_view.fit()

    def tour_target(self, name: str) -> QWidget | None:
        """The widget a lesson step points at, scrolled into view."""
        targets: dict[str, QWidget] = {
            "input": self.input_panel,
            "kernel": self.kernel_panel,
            "layer": self.layer_panel,
            "arithmetic": self.arithmetic,
            "output": self.output_panel,
            "pooled": self.pooled_panel,
        }
        w = targets.get(name)
        if w is not None and self._middle_content.isAncestorOf(w):
            self.middle.ensureWidgetVisible(w, 0, 0)
        return w

    def tour_parent(self) -> QWidget:
        """The widget the tour's highlight is drawn over."""
        central = self.centralWidget()
        assert central is not None
        return central

    def add_tour_panel(self, panel: QWidget) -> None:
        """Place the tour's panel above the animation controls."""
        self.bottom_layout.insertWidget(0, panel)

    def show_controls(self, on: bool) -> None:
        """Show or hide the kernel and layer column (the tour hides it where not needed)."""
        if self.middle.isHidden() == on:
            self.middle.setVisible(on)
            QTimer.singleShot(0, self, self._balance)

    # --- start-up ------------------------------------------------------------------------------

    def first_paint_then(self, callback: Any) -> None:
        """Call ``callback`` once the output holds a result and the window has painted."""

        def check() -> None:
            s, r = self.state, self.state.result
            # The result must be the newest one, for the image now shown (not an earlier one).
            current = r is not None and r.image_version == s.image_version and not s.busy
            if current or s.layer_error or s.doc is None:
                self.repaint()
                QTimer.singleShot(50, self, callback)
            else:
                QTimer.singleShot(20, self, check)

        QTimer.singleShot(0, self, check)
