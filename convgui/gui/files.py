"""Files: open an image or a kernel, save or copy the output, drops and the recent-files list.

:class:`Files` is built from the state, the settings, a ``notify(level, text)`` callable and a
parent widget for its dialogs; it never touches another widget, so it is tested without a window.
``notify`` levels are ``"error"``, ``"warning"`` and ``"info"`` (shown until dismissed) and
``"status"`` (a passing note in the status bar).

Nothing is replaced without asking: every save protects the opened image (and the settings
file) and an existing file convgui did not write in this session. A path chosen in a save dialog
already had the dialog's own "replace?" question, so only the opened image is asked about again;
a programmatic save (``confirm=False``) never replaces such a file. Layer settings in a kernel
file are checked against the controls' limits and the pixel limit before they are used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImageReader
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QWidget

from ..imageio import (
    ImageDoc,
    LoadError,
    NeedsConfirmationError,
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
from ..resources import Sample
from ..state import ExplorerState
from . import texts
from .display import Display, result_display, to_display_gray16, to_display_rgba
from .settings import SettingsError, check_params

Notify = Callable[[str, str], None]
Ask = Callable[[str, str], bool]
Which = Literal["output", "pooled"]



class Files(QObject):
    """Every way an image, a kernel or the output enters or leaves convgui.

    Parameters
    ----------
    state
        The explorer's state: read for saving, written when a file is opened.
    settings
        Where the recent files and the last folder are remembered.
    notify
        ``notify(level, text)``: how messages reach the user.
    parent
        The parent of the file dialogs and questions.
    display_of
        ``display_of(which)``: how the window displays the output or pooled map now, so what
        is saved or copied is exactly what is shown. Without it the state's mode is used.

    Attributes
    ----------
    ask : callable
        ``ask(title, text) -> bool``: the yes/no question asked before a file is replaced (a
        message box; tests replace it).

    Signals
    -------
    opening()
        Emitted just before a newly loaded image replaces the current one (the window fits the
        view and clears old messages then).
    """

    opening = Signal()

    def __init__(
        self,
        state: ExplorerState,
        settings: QSettings,
        notify: Notify,
        parent: QWidget | None = None,
        display_of: Callable[[str], Display | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.notify = notify
        self.parent_widget = parent
        self.display_of = display_of
        self.ask: Ask = self._ask_box

    # --- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first (a damaged entry in the settings is dropped)."""
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return []
        return [v for v in value if isinstance(v, str) and v][: texts.MAX_RECENT]

    def remember(self, path: str) -> None:
        """Put ``path`` first in the recent files and remember its folder."""
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recentFiles", [path, *recent][: texts.MAX_RECENT])
        self.settings.setValue("lastDir", str(Path(path).parent))

    def clear_recent(self) -> None:
        """Forget the recent files."""
        self.settings.setValue("recentFiles", [])

    def fill_recent_menu(self, menu: QMenu) -> None:
        """Fill File ▸ Open Recent (called each time the menu is about to show)."""
        menu.clear()
        recent = self.recent_files()
        if not recent:
            menu.addAction(texts.NO_RECENT).setEnabled(False)
            return
        for path in recent:
            act = menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        menu.addSeparator()
        menu.addAction(texts.CLEAR_RECENT).triggered.connect(self.clear_recent)

    def dialog_dir(self) -> str:
        """The folder file dialogs start in: the last one used, else the home folder."""
        value = self.settings.value("lastDir", "")
        if isinstance(value, str) and value and Path(value).is_dir():
            return value
        return str(Path.home())

    # --- images ----------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
        """Load an image file; on failure say why and keep the current image."""
        size = QImageReader(str(path)).size()
        big = size.isValid() and size.width() * size.height() >= texts.BIG_IMAGE_PIXELS
        if big:
            self.notify(
                "status",
                f"Loading a {size.width()}×{size.height()} image "
                f"({size.width() * size.height() / 1e6:.0f} megapixels)…",
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
            self.notify("error", f"Could not open the image. {exc}")
            return False
        except MemoryError:
            self.notify("error", texts.NOT_ENOUGH_MEMORY)
            return False
        self.set_document(doc)
        if doc.path:
            self.remember(doc.path)
        h, w = doc.shape
        if h * w >= texts.BIG_IMAGE_PIXELS:
            self.notify(
                "info",
                f"{doc.name} is large ({w}×{h}, {w * h / 1e6:.0f} megapixels): each change is "
                "computed in the background and may take a moment; the window stays usable.",
            )
        return True

    def open_sample(self, sample: Sample) -> bool:
        """Switch to a built-in sample."""
        try:
            doc = load_sample(sample.path, sample.title)
        except LoadError as exc:
            self.notify("error", f"The sample could not be loaded: {exc}")
            return False
        self.set_document(doc)
        return True

    def set_document(self, doc: ImageDoc) -> None:
        """Show a loaded image (and its loading notes)."""
        self.opening.emit()
        self.state.set_image(doc)
        if doc.notes:
            self.notify("info", f"{doc.name}: " + "; ".join(doc.notes) + ".")

    def open_dialog(self) -> None:
        """File ▸ Open Image."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, texts.OPEN_IMAGE_TITLE, self.dialog_dir(), open_filter()
        )
        if path:
            self.open_path(path)

    def drop_urls(self, urls: Sequence[QUrl]) -> bool:
        """Open the first dropped local file; True when the drop is taken."""
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if not files:
            self.notify("warning", texts.ONLY_LOCAL_FILES)
            return False
        self.open_path(files[0])
        if len(files) > 1:
            self.notify(
                "info",
                f"Opened {Path(files[0]).name}; convgui shows one image "
                "at a time, the other files were not opened.",
            )
        return True

    # --- kernels ---------------------------------------------------------------------------

    def open_kernel_path(self, path: str | Path) -> bool:
        """Load a kernel file; on failure explain and keep the current kernel."""
        try:
            kernel, params = load_kernel(path)
        except LoadError as exc:
            self.notify("error", f"Could not open the kernel. {exc}")
            return False
        if params is not None:
            doc = self.state.doc
            try:
                check_params(
                    params,
                    (int(kernel.shape[0]), int(kernel.shape[1])),
                    doc.shape if doc is not None else None,
                )
            except SettingsError as exc:
                self.notify(
                    "error",
                    f"Could not open the kernel: the layer settings in “{Path(path).name}” "
                    f"cannot be used: {exc}. The current kernel and settings are kept; edit "
                    "the file's “params”, or save a kernel from convgui.",
                )
                return False
        self.state.set_all(kernel, params or self.state.params, f"Open kernel {Path(path).name}")
        return True

    def open_kernel_dialog(self) -> None:
        """File ▸ Open Kernel."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, texts.OPEN_KERNEL_TITLE, self.dialog_dir(), texts.KERNEL_FILTER
        )
        if path:
            self.open_kernel_path(path)

    def save_kernel_path(
        self, path: str | Path, *, confirm: bool = True, chosen_in_dialog: bool = False
    ) -> bool:
        """Save the kernel: ``.json`` with the layer settings, anything else as text rows.

        ``confirm`` and ``chosen_in_dialog`` are as in :meth:`save_output_path`.
        """
        p = Path(path)
        s = self.state
        json_file = p.suffix.lower() == ".json"
        text = kernel_to_json(s.kernel, s.params) if json_file else kernel_to_text(s.kernel)

        def write(confirmed: bool) -> None:
            save_text(text, p, protected=self.protected_files(), confirmed=confirmed)

        if not self._save_guarded(p, write, "kernel", confirm, chosen_in_dialog):
            return False
        self.notify("status", f"Kernel saved to {p.name}")
        return True

    def save_kernel_dialog(self) -> None:
        """File ▸ Save Kernel."""
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget,
            texts.SAVE_KERNEL_TITLE,
            str(Path(self.dialog_dir()) / "kernel.json"),
            texts.SAVE_KERNEL_FILTER,
        )
        if path:
            self.save_kernel_path(path, chosen_in_dialog=True)

    # --- output ----------------------------------------------------------------------------

    def map_and_display(self, which: Which = "output") -> tuple[np.ndarray, Display] | None:
        """The output (or pooled) map and how the window displays it; None when there is none.

        Raises
        ------
        ValueError
            For a ``which`` other than ``"output"`` or ``"pooled"``.
        """
        if which not in ("output", "pooled"):
            raise ValueError(f"which must be 'output' or 'pooled', got {which!r}")
        s, r = self.state, self.state.result
        if r is None:
            return None
        data = r.pooled if which == "pooled" else r.activated
        if data is None:
            return None
        shown = self.display_of(which) if self.display_of is not None else None
        if shown is not None:
            return data, shown
        return data, result_display(s, r, which)

    def output_array(self) -> np.ndarray | None:
        """The result the output view shows (the pooled map is separate)."""
        found = self.map_and_display("output")
        return None if found is None else found[0]

    def pooling_on(self) -> bool:
        """Whether there is a pooled map beside the output."""
        r = self.state.result
        return self.state.params.pool != "none" and r is not None and r.pooled is not None

    def save_output_path(
        self,
        path: str | Path,
        which: Which = "output",
        *,
        confirm: bool = True,
        chosen_in_dialog: bool = False,
    ) -> bool:
        """Save the output (or the pooled map) as displayed.

        ``.npy`` and ``.float.tif`` keep the raw values; ``.16.png`` is 16-bit grey; anything else
        is 8-bit, in colour where the display uses a colour map.

        Parameters
        ----------
        path : path-like
            Where to save.
        which : {"output", "pooled"}
            The map to save.
        confirm : bool
            Ask (with :attr:`ask`) before replacing the opened image or a file convgui did not
            write in this session; False (tools, tests) refuses to replace them, with a message.
        chosen_in_dialog : bool
            ``path`` comes from a save dialog that already asked whether to replace an existing
            file: only the opened image is asked about again.

        Returns
        -------
        bool
            True when the file was written (and verified).
        """
        p = Path(path)
        found = self.map_and_display(which)
        if found is None:
            self.notify(
                "warning", texts.NO_POOLED_TO_SAVE if which == "pooled" else texts.NO_OUTPUT_TO_SAVE
            )
            return False
        data, disp = found
        lower = p.name.lower()
        protected = self.protected_files()

        def write(confirmed: bool) -> None:
            if p.suffix.lower() == ".npy":
                save_npy(np.asarray(data), p, protected=protected, confirmed=confirmed)
                return
            if lower.endswith((".float.tif", ".float.tiff")):
                save_float_tiff(np.asarray(data), p, protected=protected, confirmed=confirmed)
                return
            if lower.endswith(".16.png") and data.ndim == 2:
                shown = to_display_gray16(data, disp)
            else:
                rgba = to_display_rgba(data, disp)
                gray = data.ndim == 2 and disp.cmap.name == "gray"
                shown = rgba[..., 0] if gray else rgba[..., :3]
            save_image(shown, p, protected=protected, confirmed=confirmed)

        what = "pooled map" if which == "pooled" else "output"
        if not self._save_guarded(p, write, what, confirm, chosen_in_dialog):
            return False
        self.notify("status", f"{what.capitalize()} saved to {p.name}")
        return True

    # --- never replace without asking ------------------------------------------------------

    def protected_files(self) -> list[str]:
        """Files a save must not replace without asking: the opened image and the settings."""
        out: list[str] = []
        doc = self.state.doc
        if doc is not None and doc.path:
            out.append(doc.path)
        settings_file = self.settings.fileName()
        if settings_file:
            out.append(settings_file)
        return out

    def _save_guarded(
        self,
        path: Path,
        write: Callable[[bool], None],
        what: str,
        confirm: bool,
        chosen_in_dialog: bool,
    ) -> bool:
        """Run ``write(confirmed)``; ask before replacing a file; report errors. True if saved."""
        try:
            try:
                write(False)
                return True
            except NeedsConfirmationError as exc:
                if exc.reason == "exists" and chosen_in_dialog:
                    pass  # the dialog asked already
                elif not confirm:
                    self.notify("error", f"{exc} Nothing was saved.")
                    return False
                else:
                    if exc.reason == "protected":
                        title, question = texts.REPLACE_OPENED_TITLE, texts.REPLACE_OPENED_TEXT
                    else:
                        title, question = texts.REPLACE_EXISTING_TITLE, texts.REPLACE_EXISTING_TEXT
                    if not self.ask(title, question.format(name=path.name, what=what)):
                        self.notify("status", texts.NOT_SAVED.format(name=path.name))
                        return False
            write(True)
            return True
        except SaveError as exc:
            self.notify("error", str(exc))
            return False

    def _ask_box(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self.parent_widget,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def which_map_box(self) -> QMessageBox:
        """The question asked before saving while pooling is on: output, pooled map or cancel."""
        r = self.state.result
        assert r is not None and r.pooled is not None
        out, pooled = r.activated.shape, r.pooled.shape
        box = QMessageBox(self.parent_widget)
        box.setObjectName("whichMapBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(texts.WHICH_MAP_TITLE)
        box.setText(
            texts.WHICH_MAP_TEXT.format(out=f"{out[1]}×{out[0]}", pooled=f"{pooled[1]}×{pooled[0]}")
        )
        output_btn = box.addButton(texts.WHICH_MAP_OUTPUT, QMessageBox.ButtonRole.AcceptRole)
        output_btn.setObjectName("whichMapOutput")
        pooled_btn = box.addButton(texts.WHICH_MAP_POOLED, QMessageBox.ButtonRole.AcceptRole)
        pooled_btn.setObjectName("whichMapPooled")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(pooled_btn)
        return box

    def ask_which_map(self) -> Which | None:
        """``"output"`` when pooling is off; else ask. None when the user cancels."""
        if not self.pooling_on():
            return "output"
        box = self.which_map_box()
        box.exec()
        clicked = box.clickedButton()
        name = clicked.objectName() if clicked is not None else ""
        box.deleteLater()
        return {"whichMapOutput": "output", "whichMapPooled": "pooled"}.get(name)  # type: ignore[return-value]

    def save_output_dialog(self) -> None:
        """File ▸ Save Output Image (asks which map first while pooling is on)."""
        which = self.ask_which_map()
        if which is None:
            return
        path, chosen = QFileDialog.getSaveFileName(
            self.parent_widget,
            texts.SAVE_OUTPUT_TITLE,
            str(Path(self.dialog_dir()) / f"{which}.png"),
            texts.SAVE_OUTPUT_FILTER,
        )
        chosen_path = path
        if path:
            if "16-bit" in chosen and not path.lower().endswith(".16.png"):
                path = str(Path(path).with_suffix("")) + ".16.png"
            if "32-bit float" in chosen and not path.lower().endswith(".float.tif"):
                path = str(Path(path).with_suffix("")) + ".float.tif"
            # A suffix added here was not the name the dialog asked about.
            self.save_output_path(path, which, chosen_in_dialog=path == chosen_path)

    def save_npy_dialog(self) -> None:
        """File ▸ Save Output Values (asks which map first while pooling is on)."""
        which = self.ask_which_map()
        if which is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget,
            texts.SAVE_VALUES_TITLE,
            str(Path(self.dialog_dir()) / f"{which}.npy"),
            texts.SAVE_VALUES_FILTER,
        )
        if path:
            named = path if path.endswith(".npy") else path + ".npy"
            self.save_output_path(named, which, chosen_in_dialog=named == path)

    def copy_output(self) -> bool:
        """Edit ▸ Copy Output Image (as displayed)."""
        found = self.map_and_display("output")
        if found is None:
            self.notify("warning", texts.NO_OUTPUT_TO_COPY)
            return False
        data, disp = found
        QGuiApplication.clipboard().setImage(array_to_qimage(to_display_rgba(data, disp)))
        self.notify("status", "Output image copied to the clipboard")
        return True
