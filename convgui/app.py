"""Composition root: creates the application, the state, the window; parses the command line.

``main.py``, ``python -m convgui`` and the installed ``convgui`` command all call :func:`main`.
Every command-line value is checked by :func:`parse_args` before any window exists: a bad one
exits with status 2 and a message saying what is accepted. ``--screenshot`` never replaces the
opened image or a file convgui did not write without ``--force`` (exit 2 otherwise), and its
file is written atomically and verified like every save. Layer settings from the command line
whose output would exceed the pixel limit exit with status 2 and the sizes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, QTimer
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication, QWidget

from . import __version__, safeio
from .core import PRESETS, layer_shapes
from .core.pipeline import OutputTooLargeError
from .resources import Sample, default_sample, resource_path, samples

if TYPE_CHECKING:
    from .gui.window import MainWindow
    from .state import ExplorerState

#: The names ``--sample`` accepts, in menu order; :func:`sample_name` derives them from the files.
SAMPLE_NAMES = ("lesson", "clothing", "scene", "checkerboard")
#: Smallest and largest window ``--size`` accepts, as (width, height) in pixels.
MIN_WINDOW_SIZE = (320, 240)
MAX_WINDOW_SIZE = (7680, 4320)

_SIZE_FORM = (
    f"WxH in pixels, e.g. 1400x820, width {MIN_WINDOW_SIZE[0]} to {MAX_WINDOW_SIZE[0]} "
    f"and height {MIN_WINDOW_SIZE[1]} to {MAX_WINDOW_SIZE[1]}"
)


class CommandLineError(ValueError):
    """A command-line value that can only be judged once the image is open (exit status 2)."""


def sample_name(sample: Sample) -> str:
    """The command-line name of a sample: its file stem without a size suffix.

    ``lesson6x6.png`` is ``lesson``, ``clothing28x28.png`` is ``clothing``, ``scene.png`` is
    ``scene``.
    """
    return re.sub(r"\d+x\d+$", "", Path(sample.file).stem).lower()


def find_sample(name: str) -> Sample:
    """The built-in sample called ``name`` (see :data:`SAMPLE_NAMES`).

    Raises
    ------
    ValueError
        No sample has that name; the message lists the names there are.
    """
    found = {sample_name(s): s for s in samples()}
    try:
        return found[name.lower()]
    except KeyError:
        raise ValueError(
            f"no built-in sample is called {name!r}; choose one of {', '.join(found)}"
        ) from None


def parse_size(text: str) -> tuple[int, int]:
    """``--size``: ``"1400x820"`` -> ``(1400, 820)`` within the accepted bounds.

    Raises
    ------
    argparse.ArgumentTypeError
        Not ``WxH`` with whole numbers, or outside ``MIN_WINDOW_SIZE`` .. ``MAX_WINDOW_SIZE``.
    """
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a window size; give {_SIZE_FORM}")
    w, h = int(m[1]), int(m[2])
    if not (
        MIN_WINDOW_SIZE[0] <= w <= MAX_WINDOW_SIZE[0]
        and MIN_WINDOW_SIZE[1] <= h <= MAX_WINDOW_SIZE[1]
    ):
        raise argparse.ArgumentTypeError(f"{w}x{h} is out of range; give {_SIZE_FORM}")
    return w, h


def parse_position(text: str) -> tuple[int, int]:
    """``--at``: ``"2,3"`` -> ``(2, 3)``, an output row and column counted from 0.

    Raises
    ------
    argparse.ArgumentTypeError
        Not two whole numbers >= 0 separated by a comma.
    """
    m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an output position; give ROW,COL as two whole numbers from 0, "
            "e.g. 2,3 (0,0 is the top-left output pixel)"
        )
    return int(m[1]), int(m[2])


def kernel_argument(text: str) -> str:
    """``--kernel``: a preset name (returned in its canonical spelling) or an existing file.

    Raises
    ------
    argparse.ArgumentTypeError
        Neither a preset nor an existing file; the message lists every preset.
    """
    name = text.strip().lower().replace("-", "_")
    if name in PRESETS:
        return name
    if Path(text).is_file():
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a preset name nor an existing file. Presets: "
        f"{', '.join(PRESETS)}. A kernel file path is also accepted (.json as saved by "
        "File > Save Kernel, or text rows of numbers)."
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="convgui",
        description="A convolution explorer: watch a kernel slide over an image.",
        epilog="A bad option value exits with status 2 before any window opens. An image file "
        "that cannot be read opens the built-in scene instead, with the error shown.",
    )
    p.add_argument("image", nargs="?", help="image file to open (default: a built-in sample)")
    p.add_argument(
        "--sample",
        choices=SAMPLE_NAMES,
        help="open this built-in sample instead of an image file (lesson is the 6×6 grid)",
    )
    p.add_argument(
        "--kernel",
        metavar="NAME|FILE",
        type=kernel_argument,
        help=f"preset name ({', '.join(PRESETS)}) or a kernel file (.json or text rows)",
    )
    p.add_argument(
        "--screenshot",
        metavar="PATH",
        help="render the window once the first output is painted, save it as PNG and exit "
        "(an existing file is replaced only with --force, and never the image opened)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="let --screenshot replace an existing file (even the image opened)",
    )
    p.add_argument(
        "--size",
        metavar="WxH",
        type=parse_size,
        help=f"window size, {_SIZE_FORM}",
    )
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
        type=parse_position,
        help="open the animation at this output position (from 0,0), with its arithmetic shown",
    )
    p.add_argument(
        "--install-desktop",
        action="store_true",
        help="add convgui to your desktop's application menu (for this user) and exit",
    )
    p.add_argument("--version", action="version", version=f"convgui {__version__}")
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; a bad value exits with status 2 and a message.

    ``argv`` defaults to ``sys.argv[1:]``.
    """
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.sample and args.image:
        parser.error(
            f"give an IMAGE or --sample, not both (got {args.image!r} and --sample "
            f"{args.sample}); drop one of them"
        )
    if args.force and not args.screenshot:
        parser.error("--force only applies to --screenshot PATH; add --screenshot or drop --force")
    if args.screenshot:
        try:
            safeio.check_target(args.screenshot, protected=[args.image], confirmed=args.force)
        except safeio.NeedsConfirmationError as exc:
            what = (
                "is the image opened"
                if exc.reason == "protected"
                else "already exists and was not written by convgui"
            )
            parser.error(
                f"--screenshot: “{safeio.shown_name(args.screenshot)}” {what}; there is no one "
                "to ask whether to replace it: add --force to replace it, or choose another name"
            )
        except safeio.SaveError as exc:
            parser.error(f"--screenshot: {exc}")
    return args


def install_desktop_entry(home: Path | None = None) -> list[Path]:
    """Install the desktop entry and icon under ``~/.local/share``; returns the files written.

    The entry starts this very interpreter (``python -m convgui``), so it works from a virtual
    environment that is not on the desktop's PATH.

    Raises
    ------
    OSError
        A folder or file cannot be created (e.g. a read-only home folder).
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
    """Settings store; CONVGUI_SETTINGS=path.ini uses a private file (tests, screenshots).

    The file is checked before Qt reads it (see :func:`convgui.gui.settings.open_settings`): a
    FIFO, device, folder, link loop or oversized file is moved aside and the defaults are used.
    """
    from .gui.settings import open_settings

    return open_settings(os.environ.get("CONVGUI_SETTINGS") or None)


def check_layer_size(state: ExplorerState, label: str, **changes: object) -> None:
    """Refuse command-line layer settings whose output would exceed the pixel limit.

    Only sizes are computed (nothing is allocated).

    Raises
    ------
    CommandLineError
        With the sizes, naming the options.
    """
    doc = state.doc
    if doc is None:
        return
    params = state.params.evolve(**changes)
    try:
        layer_shapes(doc.shape, state.kernel.shape, params)
    except OutputTooLargeError as exc:
        raise CommandLineError(
            f"{label} cannot be used with {doc.name} ({doc.shape[1]}×{doc.shape[0]}): {exc}"
        ) from None
    except ValueError:
        pass  # no output at all: the window explains it


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG in memory.

    Raises
    ------
    SaveError
        When Qt cannot encode it.
    """
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; PySide6 wants str
    buf.close()
    if not ok or data.isEmpty():
        raise safeio.SaveError("The screenshot could not be encoded as PNG.")
    return bytes(data.data())


def save_screenshot(
    image: QImage, path: str | Path, *, protected: Sequence[str | None] = (), force: bool = False
) -> Path:
    """Write ``image`` as a PNG atomically, verified by decoding it back.

    Parameters
    ----------
    image : QImage
        The rendered window.
    path : path-like
        Where to write it.
    protected : sequence of path-like
        Files never replaced without ``force`` (the opened image).
    force : bool
        ``--force``: replace an existing file.

    Raises
    ------
    SaveError
        Nothing was written (or replaced); the message says why.
    """
    from .imageio import verify_image_file

    size = (image.width(), image.height())
    return safeio.atomic_write(
        path,
        png_bytes(image),
        verify=lambda tmp: verify_image_file(tmp, "png", size),
        protected=protected,
        confirmed=force,
    )


def fit_to_screen(window: QWidget) -> None:
    """Shrink ``window`` to its screen's free area (a 1024×700 projector gets the whole window)."""
    screen = window.screen()
    if screen is None:
        return
    free = screen.availableGeometry()
    # The frame (title bar, borders) takes some room beyond the window's own size.
    w = min(window.width(), max(320, free.width() - 16))
    h = min(window.height(), max(240, free.height() - 40))
    if (w, h) != (window.width(), window.height()):
        window.resize(w, h)
        window.move(free.topLeft())


def start_window(args: argparse.Namespace, state: ExplorerState, settings: QSettings) -> MainWindow:
    """Build the main window, apply the parsed command line to it and show it.

    Parameters
    ----------
    args : argparse.Namespace
        As returned by :func:`parse_args` (values already checked).
    state : ExplorerState
        The state the window shows.
    settings : QSettings
        Where the window's remembered settings live; not read when ``args.screenshot`` is set.

    Returns
    -------
    MainWindow
        The shown window, on the requested image or sample, kernel and layer settings.

    Raises
    ------
    CommandLineError
        ``--padding`` or ``--pool`` would give an output past the pixel limit for the image
        (nothing was allocated; the window has been closed).
    """
    from .gui.window import MainWindow

    window = MainWindow(state, settings)
    if not args.screenshot:
        window.restore_settings()
    if args.size:
        window.resize(*args.size)
    elif not args.screenshot:
        fit_to_screen(window)
    # Shown before anything is opened: the message bar reports a failed open only when visible
    # (nothing is painted before the event loop runs).
    window.show()
    # The file named on the command line, or a built-in sample when there is none or it
    # cannot be opened (the error stays on screen).
    if args.sample:
        window.open_sample(find_sample(args.sample))
    elif not (args.image and window.open_path(args.image)):
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
    changes: dict[str, object] = {}
    if args.padding:
        changes["padding"] = args.padding
    if args.pool:
        changes["pool"] = args.pool
    if changes:
        names = " and ".join(f"--{k} {v}" for k, v in changes.items())
        try:
            check_layer_size(state, names, **changes)
        except CommandLineError:
            window.close()
            raise
    if args.padding:
        state.set_params("Padding from the command line", padding=args.padding)
    if args.pool:
        state.set_params("Pooling from the command line", pool=args.pool)
    if args.at:
        row, col = args.at
        state.wait_idle()
        h, w = window.anim.grid_shape()
        if 0 <= row < h and 0 <= col < w:
            window.anim.seek_rc(row, col)
        elif h == 0 or w == 0:
            print(
                f"convgui: --at {row},{col} ignored: these settings give no output", file=sys.stderr
            )
        else:
            print(
                f"convgui: --at {row},{col} is outside the {h}×{w} output; rows go from 0 to "
                f"{h - 1} and columns from 0 to {w - 1}",
                file=sys.stderr,
            )
    return window


def main(argv: Sequence[str] | None = None) -> int:
    """Start convgui; returns the process exit code."""
    args = parse_args(argv)
    if args.install_desktop:
        try:
            written = install_desktop_entry()
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            print(
                f"convgui: could not install the desktop entry: {exc.strerror or exc}{where}. "
                "Check that your home folder (HOME) exists and can be written to.",
                file=sys.stderr,
            )
            return 1
        for path in written:
            print(f"installed {path}")
        return 0
    from . import errors
    from .state import ExplorerState

    app = cast(
        QApplication,
        QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "convgui"]),
    )
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
    try:
        window = start_window(args, state, settings)
    except CommandLineError as exc:
        print(f"convgui: {exc}", file=sys.stderr)
        state.close()
        if scratch is not None:
            scratch.cleanup()
        return 2
    errors.install(window)

    if args.screenshot:
        out = Path(args.screenshot)
        opened = [args.image, state.doc.path if state.doc is not None else None]

        def shoot() -> None:
            try:
                save_screenshot(window.grab().toImage(), out, protected=opened, force=args.force)
            except safeio.SaveError as exc:
                print(f"convgui: could not write the screenshot: {exc}", file=sys.stderr)
                app.exit(2 if isinstance(exc, safeio.NeedsConfirmationError) else 1)
                return
            app.exit(0)

        window.first_paint_then(shoot)
        QTimer.singleShot(60_000, lambda: app.exit(1))
    code = app.exec()
    window.state.close()  # idempotent; a --screenshot exit never went through closeEvent
    if scratch is not None:
        scratch.cleanup()
    return int(code)
