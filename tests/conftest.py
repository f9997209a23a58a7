"""Test configuration shared by every test: headless Qt, and no thread or timer left behind."""

from __future__ import annotations

import os

# Set before anything imports Qt, so tests run on a machine with no screen.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
