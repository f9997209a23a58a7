"""The last line of defence: an exception in any slot is logged and shown, and the app runs on.

Qt calls slots from its event loop; an exception escaping one would otherwise only print to a
terminal the user never sees. The hook writes it to a log file and shows a dialog whose
details can be copied into a bug report. The state object validates before it changes
anything, so an interrupted action leaves the previous good state in place.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("convgui")


def log_path() -> Path:
    """Where the log file goes: ``convgui/convgui.log`` in the per-user cache folder.

    That is ``~/.cache/convgui/convgui.log`` on Linux (``$XDG_CACHE_HOME`` when set), as the
    README says. Qt's application ``CacheLocation`` would add the organisation and the
    application name (``~/.cache/convgui/convgui/``), so the generic folder is used.
    """
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericCacheLocation)
    return (Path(base) if base else Path.home() / ".cache") / "convgui" / "convgui.log"


def setup_logging() -> Path | None:
    """Log warnings and errors to a small rotating file; returns its path (None if unwritable)."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


class ExceptionHook:
    """``sys.excepthook`` replacement: log, show a dialog with the details, keep running."""

    def __init__(self, parent: QWidget | None = None, log_file: Path | None = None) -> None:
        self.parent = parent
        self.log_file = log_file
        self.count = 0
        self._showing = False
        self.last_dialog: QMessageBox | None = None
        #: Errors logged while the dialog of an earlier one was still open.
        self.repeated = 0

    def __call__(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """Handle an uncaught exception."""
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        self.count += 1
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error\n%s", details)
        print(details, file=sys.stderr)
        if self._showing or QApplication.instance() is None or os.environ.get("CONVGUI_NO_DIALOGS"):
            return
        if self.last_dialog is not None and self.last_dialog.isVisible():
            # One dialog at a time: an error repeating on a timer is logged, not stacked up.
            self.repeated += 1
            self.last_dialog.setInformativeText(
                f"It happened {self.repeated + 1} times since this message opened."
            )
            return
        self.repeated = 0
        self._showing = True
        try:
            box = QMessageBox(self.parent)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("convgui: unexpected error")
            where = f" Details were also saved to {self.log_file}." if self.log_file else ""
            box.setText(
                f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                "convgui is still running and your image, kernel and settings are unchanged. "
                f"Please report this with the details below.{where}"
            )
            box.setDetailedText(details)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.setModal(False)
            box.show()
            self.last_dialog = box
        finally:
            self._showing = False


def install(parent: QWidget | None = None) -> ExceptionHook:
    """Install the hook (and the log file) for the running application."""
    hook = ExceptionHook(parent, setup_logging())
    sys.excepthook = hook
    return hook
