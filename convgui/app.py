"""Composition root: creates the application, the state, the window; parses the command line.

``main.py``, ``python -m convgui`` and the installed ``convgui`` command all call :func:`main`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from . import __version__
from .core import PRESETS
from .resources import default_sample, resource_path


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="convgui",
        description="A convolution explorer: watch a kernel slide over an image.",
    )
    p.add_argument("image", nargs="?", help="image file to open (default: a built-in sample)")
    p.add_argument(
        "--kernel",
        metavar="NAME|FILE",
        help=f"preset name ({', '.join(PRESETS)}) or a kernel file (.json or text rows)",
    )
    p.add_argument(
        "--screenshot",
        metavar="PATH",
        help="render the window once the first output is painted, save it as PNG and exit",
    )
    p.add_argument("--size", metavar="WxH", help="window size, e.g. 1400x820")
    p.add_argument(
        "--display",
        choices=("clip", "stretch", "abs", "diverging"),
        help="how output values are shown (default: as last time, or clip)",
    )
    p.add_argument("--padding", choices=("valid", "same", "full"), help="padding mode at start")
    p.add_argument("--pool", choices=("max", "avg"), help="turn 2×2 pooling on at start")
    p.add_argument(
        "--at",
        metavar="ROW,COL",
        help="open the animation at this output position, with its arithmetic shown",
    )
    p.add_argument(
        "--install-desktop",
        action="store_true",
        help="add convgui to your desktop's application menu (for this user) and exit",
    )
    p.add_argument("--version", action="version", version=f"convgui {__version__}")
    return p


def install_desktop_entry(home: Path | None = None) -> list[Path]:
    """Install the desktop entry and icon under ``~/.local/share``; returns the files written.

    The entry starts this very interpreter (``python -m convgui``), so it works from a virtual
    environment that is not on the desktop's PATH.
    """
    base = (home or Path.home()) / ".local" / "share"
    entry = base / "applications" / "convgui.desktop"
    icon = base / "icons" / "hicolor" / "256x256" / "apps" / "convgui.png"
    text = resource_path("convgui.desktop").read_text(encoding="utf-8")
    exe = sys.executable.replace('"', '\\"')
    lines = [
        f'Exec="{exe}" -m convgui %f' if line.startswith("Exec=") else line
        for line in text.splitlines()
    ]
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    icon.write_bytes(resource_path("icons", "convgui.png").read_bytes())
    return [entry, icon]


def make_settings() -> QSettings:
    """Settings store; CONVGUI_SETTINGS=path.ini uses a private file (tests, screenshots)."""
    path = os.environ.get("CONVGUI_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("convgui", "convgui")


def main(argv: Sequence[str] | None = None) -> int:
    """Start convgui; returns the process exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.install_desktop:
        for path in install_desktop_entry():
            print(f"installed {path}")
        return 0
    from .gui.window import MainWindow
    from .state import ExplorerState

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "convgui"])
    app.setApplicationName("convgui")
    app.setOrganizationName("convgui")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("convgui")
    app.setWindowIcon(QIcon(str(resource_path("icons", "convgui.png"))))

    state = ExplorerState()
    settings = make_settings()
    scratch = None
    if args.screenshot:
        # A screenshot must not depend on, or change, the user's remembered settings.
        scratch = tempfile.TemporaryDirectory(prefix="convgui-")
        settings = QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(state, settings)
    from . import errors

    errors.install(window)
    if not args.screenshot:
        window.restore_settings()
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            window.resize(w, h)
        except ValueError:
            print(f"convgui: --size must look like 1400x820, got {args.size!r}", file=sys.stderr)
    # The file named on the command line, or the built-in sample when there is none or it
    # cannot be opened (the error stays on screen).
    if not (args.image and window.open_path(args.image)):
        error = window.message_bar.text if args.image else ""
        window.open_sample(default_sample())
        if error:
            window.show_message("error", error)
    if args.kernel:
        if args.kernel in PRESETS:
            state.apply_preset(args.kernel)
        elif not window.open_kernel_path(args.kernel):
            print(f"convgui: could not use kernel {args.kernel!r}", file=sys.stderr)
    if args.display:
        state.set_display_mode(args.display)
    if args.padding:
        state.set_params("Padding from the command line", padding=args.padding)
    if args.pool:
        state.set_params("Pooling from the command line", pool=args.pool)
    window.show()
    if args.at:
        try:
            row, col = (int(v) for v in args.at.split(","))
        except ValueError:
            print(f"convgui: --at must look like 2,3, got {args.at!r}", file=sys.stderr)
        else:
            state.wait_idle()
            window.anim.seek_rc(row, col)

    if args.screenshot:
        out = Path(args.screenshot)

        def shoot() -> None:
            ok = window.grab().save(str(out))
            if not ok:
                print(f"convgui: could not write the screenshot to {out}", file=sys.stderr)
            app.exit(0 if ok else 1)

        window.first_paint_then(shoot)
        QTimer.singleShot(60_000, lambda: app.exit(1))
    code = app.exec()
    window.state.close()  # idempotent; a --screenshot exit never went through closeEvent
    if scratch is not None:
        scratch.cleanup()
    return int(code)
