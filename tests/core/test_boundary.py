"""The import rules (pyproject's [tool.importlinter]) hold: layers point inward, core has no Qt."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lint_imports() -> str:
    """The lint-imports of this environment (installed with the test extra)."""
    beside = Path(sys.executable).with_name("lint-imports")
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is missing: install the test extra (pip install -e '.[test]')"
    return found


def test_import_contracts_are_kept() -> None:
    run = subprocess.run(
        [lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
    assert "convgui.core is pure numpy: no Qt, no pyqtgraph KEPT" in run.stdout


def test_core_imports_no_qt() -> None:
    # Also at run time: importing the engine loads no GUI module (cheap, and catches a
    # dynamic import that static analysis cannot see).
    code = (
        "import sys, convgui.core, convgui.core.scan, convgui.core.pipeline\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert out == "", f"convgui.core imported GUI modules: {out}"
