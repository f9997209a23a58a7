"""convgui.core must stay pure numpy: importing it must not import Qt or pyqtgraph."""

import subprocess
import sys


def test_core_imports_no_qt() -> None:
    code = (
        "import sys, convgui.core, convgui.core.scan, convgui.core.pipeline\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"convgui.core imported GUI modules: {out}"
