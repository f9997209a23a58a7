"""Code to take away: Edit ▸ Copy as Code and File ▸ Export Code….

Both write the window's current layer (its kernel and settings) with
:func:`convgui.codegen.layer_code` for numpy, scipy, OpenCV, PyTorch or Keras. Copy as Code puts
the snippet on the clipboard; Export Code… opens :class:`CodeExportDialog`, which shows it in a
read-only monospace editor, follows every edit of the kernel or the settings, copies it and
saves it as a ``.py`` file through :func:`convgui.safeio.atomic_write` (read back before it
replaces anything; an existing file or the opened image is never replaced without asking).

Everything this feature creates is kept on the window in one attribute, ``window.code_export``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..codegen import TARGET_TITLES, TARGETS, layer_code
from ..safeio import NeedsConfirmationError, SaveError, atomic_write
from . import texts
from .actions import ActionSpec, Entry, Separator
from .util import to_single_kernel

#: The window attribute holding this feature's objects.
ATTR = "code_export"
#: Where the last chosen target is remembered.
TARGET_KEY = "codeExport/target"

COPY_MENU = f"{texts.MENU_EDIT}/Copy as &Code"

TEXTS: dict[str, str] = {
    "title": "Export Code",
    "target": "&Library:",
    "copy": "&Copy",
    "save": "&Save…",
    "save_title": "Save the Layer as Python Code",
    "save_filter": "Python files (*.py);;All files (*)",
    "copied": "{title} code for the current layer copied to the clipboard ({lines} lines). "
    "Run it with `image`, a 2-D float32 array; the result is in `output`.",
    "saved": "{title} code saved to {name}",
    "not_saved": "Not saved: “{name}” was left as it was.",
    "replace_title": "Replace the file?",
    "replace_exists": "“{name}” already exists and was not written by convgui in this session. "
    "Replace it with the layer's code?",
    "replace_protected": "“{name}” is the image you opened (or a file convgui is using). "
    "Replace it with the layer's code?",
    "failed": "The code could not be written for these settings: {error} Change the setting "
    "named, or copy the code for another library.",
    "note_gray": "Run it with <code>image</code>, a 2-D float32 array holding the grey "
    "levels on convgui's {scale} scale; it leaves the layer's final map in "
    "<code>output</code>.",
    "note_rgb": "Run it with <code>image</code>, a 2-D float32 array: convgui filters a colour "
    "image channel by channel, so run it on each channel ({scale} scale); it leaves the "
    "layer's final map in <code>output</code>.",
    "needs": "Needs numpy{extra}.",
}

#: What each target needs besides numpy (pip names), for the dialog's note.
REQUIREMENTS: dict[str, str] = {
    "numpy": "",
    "scipy": "scipy",
    "opencv": "opencv-python",
    "torch": "torch",
    "keras": "tensorflow",
}


class CodeHost(Protocol):
    """What this feature needs of the window."""

    state: Any
    settings: QSettings

    def show_message(self, level: str, text: str) -> None:
        """Show a message to the user."""


def window_code(window: CodeHost, target: str) -> str:
    """The snippet for the window's current kernel and layer settings."""
    return layer_code(window.state.kernel, window.state.params, target)


def copy_code(window: CodeHost, target: str) -> bool:
    """Edit ▸ Copy as Code ▸ <library>: the snippet to the clipboard; True when copied."""
    to_single_kernel(window, "Copy as Code")
    try:
        code = window_code(window, target)
    except ValueError as exc:
        window.show_message("error", TEXTS["failed"].format(error=exc))
        return False
    QGuiApplication.clipboard().setText(code)
    window.show_message(
        "status",
        TEXTS["copied"].format(title=TARGET_TITLES[target], lines=code.count("\n")),
    )
    return True


def _ask_box(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def save_code(
    code: str,
    path: str | Path,
    *,
    protected: Iterable[str | Path | None],
    ask: Callable[[str, str], bool],
    chosen_in_dialog: bool,
) -> tuple[bool, str]:
    """Write ``code`` to ``path`` as UTF-8, verified by reading it back.

    Parameters
    ----------
    code : str
        The file's text.
    path : str or Path
        The target.
    protected : iterable of path
        Files never replaced without asking (the opened image, the settings file).
    ask : callable
        ``ask(title, question) -> bool``: asked before a file is replaced.
    chosen_in_dialog : bool
        The path was chosen in a save dialog, which already asked about an existing file;
        only a protected file is asked about again.

    Returns
    -------
    (saved, message)
        ``message`` says what happened (or why nothing was written) in the user's words.
    """
    p = Path(path)
    data = code.encode("utf-8")
    protected = list(protected)

    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise ValueError("the text read back differs from the text written")

    def write(confirmed: bool) -> None:
        atomic_write(p, data, verify=verify, protected=protected, confirmed=confirmed)

    try:
        try:
            write(False)
        except NeedsConfirmationError as exc:
            if not (exc.reason == "exists" and chosen_in_dialog):
                key = "replace_protected" if exc.reason == "protected" else "replace_exists"
                if not ask(TEXTS["replace_title"], TEXTS[key].format(name=p.name)):
                    return False, TEXTS["not_saved"].format(name=p.name)
            write(True)
    except SaveError as exc:
        return False, str(exc)
    return True, ""


class CodeExportDialog(QDialog):
    """File ▸ Export Code…: the layer's code for a chosen library, to copy or save.

    Parameters
    ----------
    host : CodeHost
        The window: its state (kernel and settings), settings and messages.
    parent : QWidget, optional
        The dialog's parent.

    Attributes
    ----------
    ask : callable
        ``ask(title, text) -> bool``, the question before a file is replaced (tests replace it).
    """

    def __init__(self, host: CodeHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.ask: Callable[[str, str], bool] = lambda t, q: _ask_box(self, t, q)
        self.setObjectName("codeExportDialog")
        self.setWindowTitle(TEXTS["title"])

        self.target = QComboBox()
        self.target.setObjectName("codeTargetCombo")
        for t in TARGETS:
            self.target.addItem(TARGET_TITLES[t], t)
        remembered = host.settings.value(TARGET_KEY, "numpy")
        self.target.setCurrentIndex(max(0, self.target.findData(remembered)))
        label = QLabel(TEXTS["target"])
        label.setBuddy(self.target)

        self.note = QLabel()
        self.note.setObjectName("codeNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)

        self.editor = QPlainTextEdit()
        self.editor.setObjectName("codeView")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.editor.setFont(mono)
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )

        self.copy_button = QPushButton(TEXTS["copy"])
        self.copy_button.setObjectName("codeCopyButton")
        self.save_button = QPushButton(TEXTS["save"])
        self.save_button.setObjectName("codeSaveButton")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)

        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.target, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)

        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self.save_dialog)
        host.state.kernel_changed.connect(self._update_code)
        host.state.params_changed.connect(self._update_code)
        host.state.image_changed.connect(self._update_code)
        self._code = ""
        self._update_code()
        self._fit_size()

    # --- what is shown ---------------------------------------------------------------------

    @property
    def current_target(self) -> str:
        """The chosen library's key (one of :data:`convgui.codegen.TARGETS`)."""
        return str(self.target.currentData())

    @property
    def code(self) -> str:
        """The code shown ("" when it could not be written)."""
        return self._code

    def set_target(self, target: str) -> None:
        """Choose a library (as the combo box does)."""
        self.target.setCurrentIndex(self.target.findData(target))

    def _on_target_changed(self) -> None:
        self.host.settings.setValue(TARGET_KEY, self.current_target)
        self._update_code()

    def _update_code(self) -> None:
        target = self.current_target
        try:
            code = window_code(self.host, target)
        except ValueError as exc:
            code = ""
            self.editor.setPlainText(TEXTS["failed"].format(error=exc))
        else:
            scroll = self.editor.verticalScrollBar().value()
            self.editor.setPlainText(code)
            self.editor.verticalScrollBar().setValue(scroll)
        self._code = code
        self.copy_button.setEnabled(bool(code))
        self.save_button.setEnabled(bool(code))
        state = self.host.state
        scale = "0–255" if getattr(state, "value_scale", "0-255") == "0-255" else "0–1"
        rgb = getattr(state, "color_mode", "gray") == "rgb"
        note = TEXTS["note_rgb" if rgb else "note_gray"].format(scale=scale)
        extra = REQUIREMENTS[target]
        self.note.setText(f"{note} {TEXTS['needs'].format(extra=f' and {extra}' if extra else '')}")

    def _fit_size(self) -> None:
        """Wide enough for 100 columns of code when the screen allows it."""
        fm = self.editor.fontMetrics()
        want_w = fm.horizontalAdvance("m" * 100) + 60
        want_h = fm.lineSpacing() * 34 + 160
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            want_w = min(want_w, int(screen.width() * 0.9))
            want_h = min(want_h, int(screen.height() * 0.85))
        self.resize(want_w, want_h)

    # --- actions ---------------------------------------------------------------------------

    def copy(self) -> bool:
        """The Copy button: the shown code to the clipboard."""
        if not self._code:
            return False
        QGuiApplication.clipboard().setText(self._code)
        self.host.show_message(
            "status",
            TEXTS["copied"].format(
                title=TARGET_TITLES[self.current_target], lines=self._code.count("\n")
            ),
        )
        return True

    def default_name(self) -> str:
        """The file name the save dialog proposes."""
        return f"convgui_layer_{self.current_target}.py"

    def save_dialog(self) -> bool:
        """The Save… button: choose a ``.py`` file and write the code there."""
        if not self._code:
            return False
        files = getattr(self.host, "files", None)
        folder = files.dialog_dir() if files is not None else str(Path.home())
        start = str(Path(folder) / self.default_name())
        path, _ = QFileDialog.getSaveFileName(
            self, TEXTS["save_title"], start, TEXTS["save_filter"]
        )
        if not path:
            return False
        named = path if path.lower().endswith(".py") else path + ".py"
        return self.save_to(named, chosen_in_dialog=named == path)

    def save_to(self, path: str | Path, *, chosen_in_dialog: bool = False) -> bool:
        """Write the shown code to ``path`` (asking before replacing a file); True if saved."""
        if not self._code:
            return False
        files = getattr(self.host, "files", None)
        protected = files.protected_files() if files is not None else []
        ok, message = save_code(
            self._code, path, protected=protected, ask=self.ask, chosen_in_dialog=chosen_in_dialog
        )
        if ok:
            self.host.show_message(
                "status",
                TEXTS["saved"].format(
                    title=TARGET_TITLES[self.current_target], name=Path(path).name
                ),
            )
        elif message.startswith("Not saved"):
            self.host.show_message("status", message)
        else:
            self.host.show_message("error", message)
        return ok


def open_dialog(window: Any) -> CodeExportDialog:
    """File ▸ Export Code…: show the dialog (non-modal; one per window, kept on it)."""
    to_single_kernel(window, "Export Code")
    dialog = getattr(window, ATTR, None)
    if not isinstance(dialog, CodeExportDialog):
        dialog = CodeExportDialog(window, window)
        setattr(window, ATTR, dialog)
    dialog._update_code()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def entries() -> list[Entry]:
    """Edit ▸ Copy as Code ▸ one entry per library, and File ▸ Export Code…."""
    copy = [
        ActionSpec(
            f"copyCode_{t}",
            TARGET_TITLES[t],
            lambda w, t=t: copy_code(w, t),
            COPY_MENU,
            ("Ctrl+Alt+C",) if t == "numpy" else (),
            f"Copy the current layer as {TARGET_TITLES[t]} code to the clipboard",
        )
        for t in TARGETS
    ]
    return [
        Separator(texts.MENU_EDIT),
        *copy,
        Separator(texts.MENU_FILE),
        ActionSpec(
            "exportCodeAction",
            "Export &Code…",
            open_dialog,
            texts.MENU_FILE,
            ("Ctrl+Alt+E",),
            "Show the current layer as Python code for numpy, scipy, OpenCV, PyTorch or Keras, "
            "to copy or save as a .py file",
        ),
    ]
