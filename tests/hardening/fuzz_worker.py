"""Loads every file named on stdin through convgui's image loader; prints one JSON line each.

Run in a subprocess by test_fuzz_images.py, so that a crash or hang inside a Qt decoder shows up
as a failed test instead of taking the test session down.
"""

import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from convgui.imageio import LoadError, load_image


def main() -> None:
    app = QApplication([])
    qInstallMessageHandler(lambda *a: None)  # decoder chatter is expected for damaged files
    for line in sys.stdin:
        _load_one(line)
    del app


def _load_one(line: str) -> None:
    path = line.rstrip("\n")
    try:
        doc = load_image(path)
        px = doc.pixels
        rec = {
            "path": path,
            "status": "ok",
            "shape": list(px.shape),
            "dtype": str(px.dtype),
            "depth": doc.bit_depth,
            "notes": list(doc.notes),
        }
    except LoadError as exc:
        rec = {"path": path, "status": "error", "message": str(exc)}
    except Exception as exc:  # anything else is a bug: report it, keep going
        rec = {"path": path, "status": "crash", "message": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
