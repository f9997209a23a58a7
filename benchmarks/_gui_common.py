"""Shared set-up of the GUI benchmarks: offscreen Qt, a real MainWindow, header, JSON, RSS.

Importing this module sets ``QT_QPA_PLATFORM=offscreen`` before anything imports Qt, so the
benchmark scripts must import it before PySide6. It imports ``convgui.app`` (the composition
root), which configures pyqtgraph the way the application does (row-major images).
"""

from __future__ import annotations

import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import PySide6  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QEventLoop,
    QMessageLogContext,
    QSettings,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
    qVersion,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

import convgui  # noqa: E402
import convgui.app  # noqa: E402  (sets pyqtgraph's options as the app does)
from convgui.gui.window import MainWindow  # noqa: E402
from convgui.state import ExplorerState  # noqa: E402

WINDOW_SIZE = (1400, 900)


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen plugin says "This plugin does not support propagateSizeHints()" on every
    # window show; the rest is passed on.
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


qInstallMessageHandler(_qt_message)


# --------------------------------------------------------------------------- environment


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.rstrip("\n")


def environment() -> dict[str, Any]:
    """Versions, CPU and load average, for the header and the JSON file."""
    try:
        cpus_usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus_usable = None
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyside6": PySide6.__version__,
        "qt": qVersion(),
        "pyqtgraph": pg.__version__,
        "convgui": convgui.__version__,
        "qt_qpa_platform": os.environ.get("QT_QPA_PLATFORM"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": cpus_usable,
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "convgui_uncommitted": (_git("status", "--porcelain", "--", "convgui") or "").split("\n")
        if _git("status", "--porcelain", "--", "convgui")
        else [],
        "loadavg_start": os.getloadavg(),
    }


def print_header(title: str, env: dict[str, Any]) -> None:
    """The lines every benchmark starts with."""
    print(title)
    print(
        f"python {env['python']}, numpy {env['numpy']}, PySide6 {env['pyside6']} "
        f"(Qt {env['qt']}), pyqtgraph {env['pyqtgraph']}, convgui {env['convgui']}"
    )
    print(
        f"CPU: {env['processor']}; os.cpu_count() = {env['cpu_count']}, "
        f"usable = {env['cpus_usable']}; QT_QPA_PLATFORM={env['qt_qpa_platform']}"
    )
    dirty = env["convgui_uncommitted"]
    print(
        f"convgui checkout at {env['git_commit'] or '?'}"
        + (
            f", with uncommitted changes in {len(dirty)} file(s) under convgui/: "
            + ", ".join(line[3:] for line in dirty)
            if dirty
            else ", convgui/ clean"
        )
    )
    print("load average at start: " + fmt_load(env["loadavg_start"]))


def fmt_load(load: Iterable[float]) -> str:
    """Load average as "1.00, 0.90, 0.80"."""
    return ", ".join(f"{v:.2f}" for v in load)


def print_footer(t_start: float) -> tuple[float, tuple[float, float, float]]:
    """Total run time and load average at the end; returns both."""
    elapsed = time.perf_counter() - t_start
    load_end = os.getloadavg()
    print(f"total time {elapsed:.0f} s; load average at end: {fmt_load(load_end)}")
    return elapsed, load_end


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {obj!r}")


def write_json(path: Path | None, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` (if given), NaN-free."""
    if path is None:
        return
    path.write_text(json.dumps(payload, indent=2, allow_nan=False, default=_json_default))
    print(f"wrote {path}")


def verdict(passed: bool | None) -> str:
    """PASS, MISS or a dash."""
    return "—" if passed is None else ("PASS" if passed else "MISS")


def median(values: list[float]) -> float:
    """Median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


def pct(values: list[float], q: float) -> float:
    """Percentile ``q`` (0–100), NaN for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


# --------------------------------------------------------------------------- the window


class Harness:
    """A QApplication, an ExplorerState and a shown MainWindow of 1400×900, offscreen.

    The settings go to a private INI file in a temporary folder (the user's are never read or
    written); ``restore_settings`` is not called, so the window starts as on a first run.
    """

    def __init__(self, size: tuple[int, int] = WINDOW_SIZE) -> None:
        self.app = QApplication.instance() or QApplication(["convgui-bench"])
        self._tmp = tempfile.TemporaryDirectory(prefix="convgui-bench-")
        settings = QSettings(str(Path(self._tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
        self.state = ExplorerState()
        self.window = MainWindow(self.state, settings)
        self.window.resize(*size)
        self.window.show()
        self.painted = 0
        self.painted_at = 0.0
        self.window.output_painted.connect(self._on_painted)
        # Wakes processEvents(WaitForMoreEvents) up now and then, so no wait can hang.
        self._heartbeat = QTimer()
        self._heartbeat.setInterval(100)
        self._heartbeat.timeout.connect(lambda: None)
        self._heartbeat.start()
        self.settle(0.2)

    def _on_painted(self) -> None:
        self.painted += 1
        self.painted_at = time.perf_counter()

    def wait_until(self, pred: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Run the event loop until ``pred()`` holds; False on timeout."""
        deadline = time.perf_counter() + timeout
        while not pred():
            if time.perf_counter() > deadline:
                return False
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        return True

    def settle(self, seconds: float = 0.05) -> None:
        """Run the event loop for ``seconds`` (pending paints and timers are handled)."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
            time.sleep(0.001)

    def wait_result(self, timeout: float = 120.0) -> None:
        """Wait for the state to be idle and the output view to hold its result."""
        ok = self.state.wait_idle(timeout)
        ok = ok and self.wait_until(
            lambda: (
                self.state.result is not None
                and self.window.output_view.data is self.state.result.activated
            ),
            timeout,
        )
        if not ok:
            raise TimeoutError("no result within the time limit")
        self.app.processEvents()

    def paint_output(self) -> None:
        """Paint the output view now, synchronously (pyqtgraph renders the image in paint)."""
        self.window.output_view.viewport().repaint()

    def close(self) -> None:
        """Close the window (stops timers and the worker) and remove the settings folder."""
        self._heartbeat.stop()
        self.window.close()
        self.app.processEvents()
        self._tmp.cleanup()


def render_pending(window: MainWindow) -> bool:
    """True while the output's ImageItem has new data it has not turned into a QImage yet."""
    return bool(getattr(window.output_view.image_item, "_renderRequired", False))


def cell_value_source(start: float = 0.05) -> Callable[[], str]:
    """A source of kernel cell texts that are all different (so every edit changes the kernel)."""
    counter = [0]

    def nxt() -> str:
        counter[0] += 1
        return f"{start + counter[0] * 1e-3:.4f}"

    return nxt


def edit_cell(window: MainWindow, row: int, col: int, text: str) -> bool:
    """Commit ``text`` into kernel cell (row, col): what pressing Enter in the table does."""
    model = window.kernel_panel.model
    return bool(model.setData(model.index(row, col), text, Qt.ItemDataRole.EditRole))


# --------------------------------------------------------------------------- profiling


def _code_key(target: Any) -> tuple[str, int, str] | None:
    code = getattr(target, "__code__", None)
    if code is None:
        func = getattr(target, "__func__", None)
        code = getattr(func, "__code__", None)
    if code is None:
        return None
    return code.co_filename, code.co_firstlineno, code.co_name


def profile_rows(
    prof: cProfile.Profile, per: int, targets: Iterable[tuple[str, Any]]
) -> list[dict[str, Any]]:
    """Cumulative and self ms per ``per`` (edits, steps) of the given functions.

    ``targets`` holds (label, function) pairs; a Python function is matched exactly by its
    code object (file, first line, name), and a string matches built-in entries whose name
    contains it (e.g. "'setHtml' of"). A function missing from the profile shows zeros.
    """
    st = pstats.Stats(prof)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = st.stats  # type: ignore[attr-defined]
    rows = []
    for label, target in targets:
        key = None if isinstance(target, str) else _code_key(target)
        cum = tot = 0.0
        calls = 0
        for k, (_cc, nc, tt, ct, _callers) in raw.items():
            hit = k == key if key is not None else (k[0] == "~" and str(target) in k[2])
            if hit:
                cum += ct
                tot += tt
                calls += nc
        rows.append(
            {
                "function": label,
                "calls_per": calls / per,
                "cum_ms_per": 1e3 * cum / per,
                "self_ms_per": 1e3 * tot / per,
            }
        )
    return rows


def top_rows(prof: cProfile.Profile, per: int, n: int = 12) -> list[dict[str, Any]]:
    """The ``n`` functions with the most self time, in ms per ``per``."""
    st = pstats.Stats(prof)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = st.stats  # type: ignore[attr-defined]
    items = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    rows = []
    for (filename, line, fname), (_cc, nc, tt, ct, _callers) in items:
        short = filename
        for marker in ("site-packages/", "/work/main/", "lib/python3"):
            if marker in short:
                short = short.split(marker, 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}:{fname}",
                "calls_per": nc / per,
                "self_ms_per": 1e3 * tt / per,
                "cum_ms_per": 1e3 * ct / per,
            }
        )
    return rows


def print_profile_rows(rows: list[dict[str, Any]], unit: str) -> None:
    """A table of :func:`profile_rows` / :func:`top_rows` output."""
    print(f"    {'cum ms/' + unit:>12} {'self ms/' + unit:>13} {'calls/' + unit:>11}  function")
    for r in rows:
        print(
            f"    {r['cum_ms_per']:12.2f} {r['self_ms_per']:13.2f} {r['calls_per']:11.1f}  "
            f"{r['function']}"
        )


# --------------------------------------------------------------------------- memory


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Resident set size now, from /proc/self/statm (Linux)."""
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * PAGE


def hwm_bytes() -> int | None:
    """Peak resident set size of the process (VmHWM), from /proc/self/status."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
