"""The main window: input, kernel and output side by side, menus, status bar, settings."""

from __future__ import annotations

import json
import math
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QImageReader,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import (
    LayerParams,
    WindowScan,
    covering_positions,
    get_preset,
    pool_padding,
    resolve_padding,
    source_index,
)
from ..imageio import (
    ImageDoc,
    LoadError,
    SaveError,
    array_to_qimage,
    kernel_to_json,
    kernel_to_text,
    load_image,
    load_kernel,
    load_sample,
    open_filter,
    save_float_tiff,
    save_image,
    save_npy,
    save_text,
)
from ..resources import Sample, resource_path, samples
from ..state import DISPLAY_MODES, DISPLAY_TITLES, ExplorerState
from .animation import AnimationBar, AnimationController, AnimationOverlay
from .arithmetic import ArithmeticPanel, conv_arithmetic_html, pool_arithmetic_html
from .display import Display, display_for, to_display_gray16, to_display_rgba
from .image_view import ImageView, conv_rect, format_value, pooled_rect
from .kernel_panel import KernelPanel
from .layer_panel import LayerPanel
from .util import signals_blocked

MAX_RECENT = 10
#: Images at least this large get a busy cursor while loading and a note about speed.
BIG_IMAGE_PIXELS = 16_000_000
FIRST_RUN_PRESET = "sharpen"


def _value_text(v: Any) -> str:
    """A pixel's value for the status bar: one number, or R, G, B."""
    return ", ".join(format_value(float(c)) for c in v) if np.ndim(v) else format_value(float(v))


class MessageBar(QWidget):
    """An inline, dismissable message at the top of the window (never blocks the user)."""

    COLORS: ClassVar[dict[str, str]] = {"error": "#fde2e1", "warning": "#fff4d6", "info": "#e3f0ff"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel(objectName="messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(text="✕", objectName="messageClose")
        close.setToolTip("Dismiss this message (Esc)")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.level = ""
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        """Show ``text``; ``level`` is "error", "warning" or "info"."""
        self.level = level
        self.setStyleSheet(
            f"#messageBar {{ background: {self.COLORS.get(level, '#eeeeee')}; "
            "border-bottom: 1px solid #c8c8c8; } QLabel { color: #202020; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        """The message shown."""
        return self.label.text() if self.isVisible() else ""


class Panel(QWidget):
    """A titled column holding an image view and a row of controls."""

    def __init__(self, title: str, view: ImageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: palette(mid);")
        # The subtitle may be cut short rather than widen the window past small screens.
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 1)
        head.addLayout(self.controls)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(view, 1)
        self.view = view


class MainWindow(QMainWindow):
    """The convgui window. Reads the state, writes user intent to it.

    Signals
    -------
    output_painted()
        Emitted after a new result has been put into the output view.
    """

    output_painted = Signal()

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
        self.input_view.setToolTip("The input image. Scroll to zoom, drag to pan.")
        self.output_view = ImageView(colorbar=True)
        self.output_view.setObjectName("outputView")
        self.output_view.setToolTip(
            "The output: each pixel is the sum of the products of the "
            "kernel and the image under it."
        )
        self.pooled_view = ImageView(colorbar=True)
        self.pooled_view.setObjectName("pooledView")
        self.pooled_view.setToolTip(
            "The pooled map: each pixel keeps the largest (or the "
            "average) value of a window of the output."
        )
        for v in (self.output_view, self.pooled_view):
            v.follow(self.input_view)

        self.input_panel = Panel("Input", self.input_view)
        self.color_check = QCheckBox("Colour", objectName="colorCheck")
        self.color_check.setToolTip(
            "Filter red, green and blue separately and show the colour "
            "result (off: the image is turned to grey by BT.601 luma)."
        )
        self.color_check.toggled.connect(lambda on: state.set_color_mode("rgb" if on else "gray"))
        self.scale_combo = QComboBox(objectName="scaleCombo")
        self.scale_combo.addItem("0–255", "0-255")
        self.scale_combo.addItem("0–1", "0-1")
        self.scale_combo.setToolTip(
            "Pixel values as stored (0–255) or normalised to 0–1, as the network sees them."
        )
        self.scale_combo.activated.connect(
            lambda i: state.set_value_scale(self.scale_combo.itemData(i))
        )
        self.input_panel.controls.addWidget(self.color_check)
        self.input_panel.controls.addWidget(self.scale_combo)

        self.output_panel = Panel("Output", self.output_view)
        self.display_combo = QComboBox(objectName="displayCombo")
        for m in DISPLAY_MODES:
            self.display_combo.addItem(DISPLAY_TITLES[m], m)
        self.display_combo.setToolTip(
            "How output values become grey levels: clip to the pixel range, stretch min–max, "
            "absolute value, or blue (negative) to red (positive) for edge kernels."
        )
        self.display_combo.activated.connect(self._on_display_chosen)
        self.clipped_label = QLabel(objectName="clippedLabel")
        self.clipped_label.setToolTip("Output pixels outside the displayable range.")
        self.output_panel.controls.addWidget(self.clipped_label)
        self.output_panel.controls.addWidget(self.display_combo)
        self.pooled_panel = Panel("Pooled", self.pooled_view)

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

        self._build_actions()

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
        self._build_menus()
        QApplication.instance().installEventFilter(self)

        self.resize(1400, 820)
        self._update_history_actions()
        self._update_input()
        self._update_output()

    # --- actions and menus -------------------------------------------------------------------

    def _action(
        self, text: str, slot: Any, shortcut: Any = None, tip: str = "", name: str = ""
    ) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        if name:
            act.setObjectName(name)
        act.triggered.connect(lambda checked=False: slot())
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        sk = QKeySequence.StandardKey
        self.open_action = self._action(
            "&Open Image…", self.open_dialog, sk.Open, "Open an image file", "openAction"
        )
        self.save_action = self._action(
            "&Save Output Image…",
            self.save_output_dialog,
            sk.Save,
            "Save the output as displayed (PNG, 16-bit PNG, …)",
            "saveOutputAction",
        )
        self.save_npy_action = self._action(
            "Save Output Values (.npy)…",
            self.save_npy_dialog,
            "Ctrl+Shift+S",
            "Save the raw float values",
            "saveNpyAction",
        )
        self.copy_action = self._action(
            "&Copy Output Image",
            self.copy_output,
            "Ctrl+Shift+C",
            "Copy the output as displayed to the clipboard",
            "copyOutputAction",
        )
        self.open_kernel_action = self._action(
            "Open &Kernel…",
            self.open_kernel_dialog,
            "Ctrl+Shift+O",
            "Load a kernel file (JSON or text)",
            "openKernelAction",
        )
        self.save_kernel_action = self._action(
            "Save K&ernel…",
            self.save_kernel_dialog,
            "Ctrl+Shift+K",
            "Save the kernel and settings",
            "saveKernelAction",
        )
        self.quit_action = self._action("&Quit", self.close, sk.Quit, "Quit convgui", "quitAction")
        self.undo_action = self._action("&Undo", self.state.undo, sk.Undo, "", "undoAction")
        self.redo_action = self._action("&Redo", self.state.redo, "Ctrl+Shift+Z", "", "redoAction")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.normalize_action = self._action(
            "&Normalize Kernel",
            self.kernel_panel._on_normalize,
            "Ctrl+Alt+N",
            "Divide the kernel by its sum",
        )
        self.flip_table_action = self._action(
            "Rotate Kernel 180°",
            self.state.flip_kernel,
            None,
            "Rotate the kernel's values in the table",
        )
        self.reset_action = self._action(
            "&Reset Kernel",
            lambda: self.state.apply_preset("identity"),
            "Ctrl+Alt+R",
            "Back to the identity kernel",
        )
        self.zoom_in_action = self._action(
            "Zoom &In", lambda: self.input_view.zoom(1.25), sk.ZoomIn
        )
        self.zoom_out_action = self._action(
            "Zoom &Out", lambda: self.input_view.zoom(0.8), sk.ZoomOut
        )
        self.fit_action = self._action("&Fit to Window", self.input_view.fit, "Ctrl+0")
        self.values_action = QAction("Show Pixel &Values When Zoomed In", self, checkable=True)
        self.values_action.setChecked(True)
        self.values_action.toggled.connect(self._on_values_toggled)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        file.addAction(self.open_action)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        file.addAction(self.save_action)
        file.addAction(self.save_npy_action)
        file.addSeparator()
        file.addAction(self.open_kernel_action)
        file.addAction(self.save_kernel_action)
        file.addSeparator()
        file.addAction(self.quit_action)

        edit = mb.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.copy_action)

        kmenu = mb.addMenu("&Kernel")
        presets = kmenu.addMenu("&Presets")
        from ..core import PRESETS

        for p in PRESETS.values():
            act = presets.addAction(p.title)
            act.setToolTip(p.description)
            act.triggered.connect(lambda checked=False, n=p.name: self.state.apply_preset(n))
        kmenu.addAction(self.normalize_action)
        kmenu.addAction(self.flip_table_action)
        kmenu.addAction(self.reset_action)

        self.samples_menu = mb.addMenu("&Samples")
        for i, s in enumerate(samples()):
            act = self.samples_menu.addAction(s.title)
            act.setToolTip(s.description)
            act.setStatusTip(s.description)
            if i < 9:
                act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda checked=False, smp=s: self.open_sample(smp))

        view = mb.addMenu("&View")
        view.addAction(self.zoom_in_action)
        view.addAction(self.zoom_out_action)
        view.addAction(self.fit_action)
        view.addAction(self.values_action)
        view.addSeparator()
        disp = view.addMenu("Output &Display")
        self.display_group = QActionGroup(self)
        self.display_actions: dict[str, QAction] = {}
        for index, m in enumerate(DISPLAY_MODES):
            act = disp.addAction(DISPLAY_TITLES[m])
            act.setCheckable(True)
            act.triggered.connect(lambda checked=False, i=index: self._on_display_chosen(i))
            self.display_group.addAction(act)
            self.display_actions[m] = act
        anim = mb.addMenu("&Animation")
        for text, slot in (
            ("&Play / Pause\tSpace", self.anim.toggle),
            ("Step &Forward\tRight", lambda: self.anim.step(1)),
            ("Step &Back\tLeft", lambda: self.anim.step(-1)),
            ("F&irst Position\tHome", self.anim.to_start),
            ("&Last Position\tEnd", self.anim.to_end),
            ("&Stop (Hide the Kernel Window)", self.anim.stop),
        ):
            act = anim.addAction(text)
            act.triggered.connect(lambda checked=False, f=slot: f())
        anim.addSeparator()
        self.export_gif_action = anim.addAction("Export Animated &GIF…")
        self.export_gif_action.setObjectName("exportGifAction")
        self.export_gif_action.triggered.connect(lambda: self.export_dialog("gif"))
        self.export_png_action = anim.addAction("Export PNG &Frames…")
        self.export_png_action.setObjectName("exportFramesAction")
        self.export_png_action.triggered.connect(lambda: self.export_dialog("png"))
        self.help_menu = mb.addMenu("&Help")
        self.lesson_action = self.help_menu.addAction("&Lesson: How a Convolution Works")
        self.lesson_action.setObjectName("lessonAction")
        self.lesson_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.lesson_action.triggered.connect(self.start_lesson)
        about = self.help_menu.addAction("&About convgui")
        about.triggered.connect(self._about)
        keys = self.help_menu.addAction("&Keyboard Shortcuts")
        keys.triggered.connect(self._shortcuts_help)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        if not recent:
            a = self.recent_menu.addAction("(no recent files)")
            a.setEnabled(False)
            return
        for path in recent:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear Menu")
        clear.triggered.connect(lambda: self.settings.setValue("recentFiles", []))

    # --- messages ----------------------------------------------------------------------------

    def show_message(self, level: str, text: str) -> None:
        """Show a message in the bar at the top (until dismissed) and in the status bar."""
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

    # --- loading -----------------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first."""
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recentFiles", [path, *recent][:MAX_RECENT])
        self.settings.setValue("lastDir", str(Path(path).parent))

    def open_path(self, path: str | Path) -> bool:
        """Load an image file; on failure show why and keep the current image."""
        size = QImageReader(str(path)).size()
        big = size.isValid() and size.width() * size.height() >= BIG_IMAGE_PIXELS
        if big:
            self.statusBar().showMessage(
                f"Loading a {size.width()}×{size.height()} image "
                f"({size.width() * size.height() / 1e6:.0f} megapixels)…"
            )
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            QApplication.processEvents()
        try:
            return self._open_path(path)
        finally:
            if big:
                QApplication.restoreOverrideCursor()

    def _open_path(self, path: str | Path) -> bool:
        try:
            doc = load_image(path)
        except LoadError as exc:
            self.show_message("error", f"Could not open the image. {exc}")
            return False
        except MemoryError:
            self.show_message(
                "error",
                "Not enough memory to open this image. The current "
                "image is kept; try a smaller one.",
            )
            return False
        self.set_document(doc)
        if doc.path:
            self._remember(doc.path)
        h, w = doc.shape
        if h * w >= BIG_IMAGE_PIXELS:
            self.show_message(
                "info",
                f"{doc.name} is large ({w}×{h}, {w * h / 1e6:.0f} megapixels): each change is "
                "computed in the background and may take a moment; the window stays usable.",
            )
        return True

    def open_sample(self, sample: Sample) -> None:
        """Switch to a built-in sample."""
        try:
            doc = load_sample(sample.path, sample.title)
        except LoadError as exc:
            self.show_message("error", f"The sample could not be loaded: {exc}")
            return
        self.set_document(doc)

    def set_document(self, doc: ImageDoc) -> None:
        """Show a loaded image."""
        self.input_view.fit()
        self.message_bar.hide()
        self.state.set_image(doc)
        if doc.notes:
            self.show_message("info", f"{doc.name}: " + "; ".join(doc.notes) + ".")

    def _dialog_dir(self) -> str:
        return str(self.settings.value("lastDir", str(Path.home())))

    def open_dialog(self) -> None:
        """File ▸ Open."""
        path, _ = QFileDialog.getOpenFileName(self, "Open Image", self._dialog_dir(), open_filter())
        if path:
            self.open_path(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not files:
            self.show_message(
                "warning",
                "Only files on this computer can be opened: save the image first, then drop "
                "the file.",
            )
            return
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])
            if len(files) > 1:
                self.show_message(
                    "info",
                    f"Opened {Path(files[0]).name}; convgui shows one image "
                    "at a time, the other files were not opened.",
                )

    # --- kernels -----------------------------------------------------------------------------

    def open_kernel_path(self, path: str | Path) -> bool:
        """Load a kernel file; on failure explain and keep the current kernel."""
        try:
            kernel, params = load_kernel(path)
        except LoadError as exc:
            self.show_message("error", f"Could not open the kernel. {exc}")
            return False
        self.state.set_all(kernel, params or self.state.params, f"Open kernel {Path(path).name}")
        return True

    def open_kernel_dialog(self) -> None:
        """File ▸ Open Kernel."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Kernel", self._dialog_dir(), "Kernels (*.json *.txt *.csv);;All files (*)"
        )
        if path:
            self.open_kernel_path(path)

    def save_kernel_path(self, path: str | Path) -> bool:
        """Save the kernel: ``.json`` with the layer settings, anything else as text rows."""
        p = Path(path)
        text = (
            kernel_to_json(self.state.kernel, self.state.params)
            if p.suffix.lower() == ".json"
            else kernel_to_text(self.state.kernel)
        )
        try:
            save_text(text, p)
        except SaveError as exc:
            self.show_message("error", str(exc))
            return False
        self.statusBar().showMessage(f"Kernel saved to {p.name}", 5000)
        return True

    def save_kernel_dialog(self) -> None:
        """File ▸ Save Kernel."""
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save Kernel",
            str(Path(self._dialog_dir()) / "kernel.json"),
            "Kernel with settings (*.json);;Plain text rows (*.txt)",
        )
        if path:
            self.save_kernel_path(path)

    # --- output ------------------------------------------------------------------------------

    def _guard_overwrite_input(self, path: Path) -> bool:
        doc = self.state.doc
        if doc is None or doc.path is None:
            return True
        try:
            same = Path(doc.path).resolve() == path.resolve()
        except OSError:
            same = False
        if not same:
            return True
        answer = QMessageBox.question(
            self,
            "Overwrite the input image?",
            f"“{path.name}” is the image you opened. Replace it with the output?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def output_array(self) -> np.ndarray | None:
        """The result the output view shows (the pooled map is separate)."""
        r = self.state.result
        return None if r is None else r.activated

    def save_output_path(self, path: str | Path, *, confirm: bool = True) -> bool:
        """Save the output as displayed: 8-bit, or 16-bit for a ``.png16``/16-bit choice."""
        p = Path(path)
        data, disp = self.output_array(), self._output_display
        if data is None or disp is None:
            self.show_message("warning", "There is no output to save yet.")
            return False
        if confirm and not self._guard_overwrite_input(p):
            return False
        try:
            lower = p.name.lower()
            if p.suffix.lower() == ".npy":
                save_npy(np.asarray(data), p)
            elif lower.endswith((".float.tif", ".float.tiff")):
                save_float_tiff(np.asarray(data), p)
            elif p.name.lower().endswith(".16.png") and data.ndim == 2:
                save_image(to_display_gray16(data, disp), p)
            else:
                rgba = to_display_rgba(data, disp)
                gray = data.ndim == 2 and disp.cmap.name == "gray"
                save_image(rgba[..., 0] if gray else rgba[..., :3], p)
        except SaveError as exc:
            self.show_message("error", str(exc))
            return False
        self.statusBar().showMessage(f"Output saved to {p.name}", 5000)
        return True

    def save_output_dialog(self) -> None:
        """File ▸ Save Output Image."""
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Save Output Image",
            str(Path(self._dialog_dir()) / "output.png"),
            "PNG, 8-bit as displayed (*.png);;PNG, 16-bit grey (*.16.png);;"
            "TIFF, 32-bit float raw values (*.float.tif);;"
            "JPEG (*.jpg);;TIFF, 8-bit (*.tif);;BMP (*.bmp);;NumPy raw values (*.npy)",
        )
        if path:
            if "16-bit" in chosen and not path.lower().endswith(".16.png"):
                path = str(Path(path).with_suffix("")) + ".16.png"
            if "32-bit float" in chosen and not path.lower().endswith(".float.tif"):
                path = str(Path(path).with_suffix("")) + ".float.tif"
            self.save_output_path(path)

    def save_npy_dialog(self) -> None:
        """File ▸ Save Output Values."""
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save Output Values",
            str(Path(self._dialog_dir()) / "output.npy"),
            "NumPy array (*.npy)",
        )
        if path:
            self.save_output_path(path if path.endswith(".npy") else path + ".npy")

    def copy_output(self) -> None:
        """Edit ▸ Copy Output Image (as displayed)."""
        data, disp = self.output_array(), self._output_display
        if data is None or disp is None:
            self.show_message("warning", "There is no output to copy yet.")
            return
        rgba = to_display_rgba(data, disp)
        img: QImage = array_to_qimage(rgba)
        QGuiApplication.clipboard().setImage(img)
        self.statusBar().showMessage("Output image copied to the clipboard", 4000)

    # --- views -------------------------------------------------------------------------------

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
        s, r = self.state, self.state.result
        parts = []
        if s.doc is not None:
            parts.append(f"{s.doc.name}: {s.doc.describe()}")
        if r is not None:
            parts.append(f"engine {r.engine_ms:.1f} ms")
        if s.busy:
            parts.append("computing…")
        self.info_label.setText("  ·  ".join(parts))

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
            self.statusBar().showMessage(
                "This kernel gives negative values: they are shown in blue, positive ones in "
                "red (View ▸ Output Display to change).",
                10000,
            )

    def _on_kernel_or_params(self) -> None:
        self._update_history_actions()

    def _update_history_actions(self) -> None:
        s = self.state
        self.undo_action.setEnabled(s.can_undo)
        self.redo_action.setEnabled(s.can_redo)
        self.undo_action.setText(f"&Undo {s.undo_label}" if s.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {s.redo_label}" if s.can_redo else "&Redo")

    def _on_hover(self, x: float, y: float) -> None:
        if math.isnan(x):
            self.hover_label.setText("")
            return
        parts = []
        pad = self._padding_hover(x, y)
        if pad:
            parts.append(pad)
        for name, view in (
            ("input", self.input_view),
            ("output", self.output_view),
            ("pooled", self.pooled_view),
        ):
            if view is self.pooled_view and not self.pooled_panel.isVisible():
                continue
            cell = view.cell_at(x, y)
            d = view.data
            if cell is None or d is None:
                continue
            parts.append(f"{name} (row {cell[0]}, col {cell[1]}) = {_value_text(d[cell])}")
        self.hover_label.setText("   ·   ".join(parts))

    def _padding_hover(self, x: float, y: float) -> str:
        """Describe the padded cell under (x, y) while the padding ring is shown, else ""."""
        ring, doc = self.overlay.ring, self.state.doc
        if ring.padded is None or not self.anim.active or doc is None:
            return ""
        h, w = doc.shape
        t, _, lft, _ = ring.pads
        row, col = math.floor(y), math.floor(x)
        ph, pw = ring.padded.shape[:2]
        if not (-t <= row < ph - t and -lft <= col < pw - lft) or (0 <= row < h and 0 <= col < w):
            return ""
        v = ring.padded[row + t, col + lft]
        text = (
            ", ".join(format_value(float(c)) for c in v) if np.ndim(v) else format_value(float(v))
        )
        b = self.state.params.boundary
        if b in ("zero", "constant"):
            return f"padding (row {row}, col {col}) = {text} ({b} padding)"
        sr = int(source_index([row], h, b)[0])
        sc = int(source_index([col], w, b)[0])
        return f"padding (row {row}, col {col}) = {text}: a {b} copy of input (row {sr}, col {sc})"

    # --- settings ----------------------------------------------------------------------------

    def restore_settings(self) -> None:
        """Restore window layout, kernel, settings and view options from the last run."""
        st = self.settings
        geo = st.value("geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        split = st.value("splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        raw = st.value("kernel")
        if not raw:
            # First run: a kernel whose effect is visible at once.
            self.state.apply_preset(FIRST_RUN_PRESET)
            self.state.clear_history()
        elif isinstance(raw, str):
            try:
                data = json.loads(raw)
                kernel = np.array(data["kernel"], dtype=np.float64)
                params = LayerParams.from_dict(data.get("params", {}))
                self.state.set_all(kernel, params, "Restore last kernel")
                self.state.clear_history()
            except (ValueError, KeyError, TypeError):
                self.state.set_kernel(get_preset("identity"))
        for key, setter in (
            ("displayMode", self.state.set_display_mode),
            ("colorMode", self.state.set_color_mode),
            ("valueScale", self.state.set_value_scale),
        ):
            val = st.value(key)
            if isinstance(val, str):
                with suppress(ValueError):
                    setter(val)

    def save_settings(self) -> None:
        """Remember layout, kernel, settings and view options."""
        st = self.settings
        st.setValue("geometry", self.saveGeometry())
        st.setValue("splitter", self.splitter.saveState())
        st.setValue("kernel", kernel_to_json(self.state.kernel, self.state.params))
        st.setValue("displayMode", self.state.display_mode)
        st.setValue("colorMode", self.state.color_mode)
        st.setValue("valueScale", self.state.value_scale)
        st.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.anim.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.state.close()
        super().closeEvent(event)

    # --- animation --------------------------------------------------------------------------

    # Widgets that keep Space and the arrow keys for themselves when they have focus.
    _TYPING_WIDGETS = (
        QLineEdit,
        QAbstractSpinBox,
        QComboBox,
        QAbstractItemView,
        QTextEdit,
        QAbstractButton,
        QSlider,
    )
    _ANIM_KEYS = (
        Qt.Key.Key_Space,
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
    )

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Space/Left/Right/Home/End drive the animation unless the user is typing or moving in
        # the kernel table, a spin box or a combo box (those keep their usual meaning).
        if event.type() != QEvent.Type.KeyPress or not self.isActiveWindow():
            return False
        key = event.key()  # type: ignore[attr-defined]
        if key not in self._ANIM_KEYS or event.modifiers() not in (  # type: ignore[attr-defined]
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        focus = QApplication.focusWidget()
        if focus is not None and (
            isinstance(focus, self._TYPING_WIDGETS) or not self.isAncestorOf(focus)
        ):
            return False
        return self.handle_animation_key(key)

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
                "<i>Press ▶ (Space) to slide the kernel over the image, or click an output "
                "pixel to see how it was computed.</i>",
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

    # --- help --------------------------------------------------------------------------------

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About convgui",
            "<h3>convgui</h3><p>A convolution explorer: a kernel slides over an image, the "
            "overlapping values are multiplied and summed into one output pixel, the edges are "
            "padded, and max pooling shrinks the result.</p><p>Convolution here is "
            "cross-correlation, as in Keras Conv2D; “same” padding follows Keras exactly.</p>",
        )

    def _shortcuts_help(self) -> None:
        rows = []
        for act in self.findChildren(QAction):
            if act.shortcut().isEmpty() or not act.text():
                continue
            rows.append(
                f"<tr><td>{act.text().replace('&', '')}</td><td><b>"
                f"{act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}"
                "</b></td></tr>"
            )
        fixed = [
            ("Play / pause the animation", "Space"),
            ("Step forward / back", "Right / Left"),
            ("First / last position", "Home / End"),
            ("Kernel table: edit a cell", "type a number, Enter or Tab"),
            ("Kernel table: move", "arrow keys, Tab"),
            ("Kernel table: copy / paste rows of numbers", "Ctrl+C / Ctrl+V"),
            ("Zoom the views", "mouse wheel; drag to pan"),
        ]
        extra = "".join(f"<tr><td>{a}</td><td><b>{b}</b></td></tr>" for a, b in fixed)
        QMessageBox.information(
            self,
            "Keyboard Shortcuts",
            "<table>" + extra + "".join(sorted(set(rows))) + "</table>"
            "<p>The animation keys work when the focus is not in the kernel table or a field.</p>",
        )

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
