"""The whole app: start, paint, screenshot, exit; the command line; the launch script."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from convgui import app
from convgui.core import PRESETS
from convgui.resources import samples

REPO = Path(__file__).resolve().parents[2]
RUN_SH = REPO / "tools" / "run.sh"


def run_app(
    tmp_path: Path, *args: str, module: bool = False
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run convgui with ``--screenshot``; return the finished process and the picture's path."""
    out = tmp_path / "shot.png"
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CONVGUI_SETTINGS"] = str(tmp_path / "settings.ini")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the app's log stays out of the user's
    env.pop("PYTHONWARNINGS", None)
    entry = ["-m", "convgui"] if module else [str(REPO / "main.py")]
    proc = subprocess.run(
        [sys.executable, *entry, "--screenshot", str(out), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    return proc, out


def picture(path: Path) -> np.ndarray:
    assert path.exists(), "no screenshot was written"
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def check_screenshot(proc: subprocess.CompletedProcess[str], out: Path) -> np.ndarray:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr:\n{proc.stderr[-3000:]}"
    img = picture(out)
    h, w = img.shape[:2]
    assert w >= 600 and h >= 400, f"implausible window size {w}×{h}"
    colours = np.unique(img.reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot is (nearly) one flat colour"
    return img


@pytest.fixture(scope="module")
def default_shot(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    tmp = tmp_path_factory.mktemp("default")
    proc, out = run_app(tmp)
    return check_screenshot(proc, out)


def test_main_py_screenshot(default_shot: np.ndarray) -> None:
    assert default_shot.ndim == 3


def test_screenshot_leaves_no_settings_behind(tmp_path: Path) -> None:
    proc, out = run_app(tmp_path)
    check_screenshot(proc, out)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("shot.png", "cache")]
    assert leftovers == []


def test_module_with_a_preset_kernel(tmp_path: Path, default_shot: np.ndarray) -> None:
    proc, out = run_app(tmp_path, "--kernel", "sobel_x", module=True)
    img = check_screenshot(proc, out)
    assert "could not use kernel" not in proc.stderr
    assert img.shape != default_shot.shape or not np.array_equal(img, default_shot)


def test_kernel_file(tmp_path: Path, default_shot: np.ndarray) -> None:
    kfile = tmp_path / "edge.json"
    kfile.write_text(
        json.dumps({"kernel": [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "params": {"padding": "valid"}})
    )
    proc, out = run_app(tmp_path, "--kernel", str(kfile))
    img = check_screenshot(proc, out)
    assert "could not use kernel" not in proc.stderr
    assert img.shape != default_shot.shape or not np.array_equal(img, default_shot)


def test_missing_image_on_the_command_line(tmp_path: Path) -> None:
    proc, out = run_app(tmp_path, str(tmp_path / "missing.png"))
    check_screenshot(proc, out)


def test_image_on_the_command_line(tmp_path: Path, default_shot: np.ndarray) -> None:
    img_path = tmp_path / "stripes.png"
    stripes = np.zeros((40, 60), np.uint8)
    stripes[:, ::4] = 255
    Image.fromarray(stripes).save(img_path)
    proc, out = run_app(tmp_path, str(img_path), "--kernel", "box_blur")
    img = check_screenshot(proc, out)
    assert img.shape != default_shot.shape or not np.array_equal(img, default_shot)


def test_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "convgui", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("convgui ")


# --- the command line: a bad value exits 2 before any window exists ---------------------------


@pytest.fixture
def no_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the main window (or a QApplication) is created."""
    from convgui.gui import window

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a window was created for a command line that should exit 2")

    monkeypatch.setattr(window.MainWindow, "__init__", refuse)
    monkeypatch.setattr(app, "QApplication", refuse)


def exit_message(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``app.main(argv)``; assert it exits with status 2 and return what it wrote to stderr."""
    with pytest.raises(SystemExit) as exc:
        app.main(list(argv))
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_unknown_kernel_exits_2_listing_every_preset(tmp_path: Path) -> None:
    env = dict(os.environ, CONVGUI_SETTINGS=str(tmp_path / "s.ini"))
    proc = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--kernel", "nosuch"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "'nosuch'" in proc.stderr
    for name in PRESETS:
        assert name in proc.stderr
    assert "kernel file path is also accepted" in proc.stderr
    assert not (tmp_path / "s.ini").exists(), "a window started and saved its settings"


@pytest.mark.usefixtures("no_window")
def test_unknown_kernel_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    err = exit_message(capsys, "--kernel", "sobel_z")
    assert "sobel_x" in err and "sharpen" in err


@pytest.mark.usefixtures("no_window")
@pytest.mark.parametrize(
    "value", ["abc", "0x0", "99999x99999", "1400", "1400x", "-5x300", "319x600"]
)
def test_bad_size_exits_2_with_the_accepted_form(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = exit_message(capsys, f"--size={value}")
    assert "--size" in err
    assert "WxH" in err and "1400x820" in err
    assert "320" in err and "7680" in err and "240" in err and "4320" in err


@pytest.mark.parametrize(
    ("value", "size"),
    [("1400x820", (1400, 820)), ("320x240", (320, 240)), ("7680X4320", (7680, 4320))],
)
def test_good_sizes(value: str, size: tuple[int, int]) -> None:
    assert app.parse_args(["--size", value]).size == size


@pytest.mark.usefixtures("no_window")
@pytest.mark.parametrize("value", ["x", "2", "2;3", "-1,3", "1.5,2", "2,3,4"])
def test_bad_position_exits_2(capsys: pytest.CaptureFixture[str], value: str) -> None:
    err = exit_message(capsys, "--at", value)
    assert "--at" in err and "ROW,COL" in err


def test_good_position() -> None:
    assert app.parse_args(["--at", "2, 3"]).at == (2, 3)


@pytest.mark.usefixtures("no_window")
def test_sample_and_image_together_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = exit_message(capsys, "--sample", "lesson", "photo.png")
    assert "not both" in err and "photo.png" in err


@pytest.mark.usefixtures("no_window")
def test_unknown_sample_exits_2_naming_the_samples(capsys: pytest.CaptureFixture[str]) -> None:
    err = exit_message(capsys, "--sample", "cat")
    for name in ("lesson", "clothing", "scene", "checkerboard"):
        assert name in err


def test_kernel_names_are_forgiving_and_files_are_accepted(tmp_path: Path) -> None:
    assert app.parse_args(["--kernel", "Sobel-X"]).kernel == "sobel_x"
    kfile = tmp_path / "k.txt"
    kfile.write_text("1 2 1\n")
    assert app.parse_args(["--kernel", str(kfile)]).kernel == str(kfile)


def test_every_sample_has_its_command_line_name() -> None:
    assert [app.sample_name(s) for s in samples()] == list(app.SAMPLE_NAMES)
    with pytest.raises(ValueError, match="lesson"):
        app.find_sample("cat")


# --- the command line applied to a window ---------------------------------------------------


@pytest.fixture
def start(qtbot: Any, state: Any, tmp_path: Path) -> Any:
    """``start(*argv)``: the window :func:`convgui.app.start_window` builds for ``argv``."""
    from PySide6.QtCore import QSettings

    windows = []

    def run(*argv: str) -> Any:
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        w = app.start_window(app.parse_args(list(argv)), state, settings)
        qtbot.addWidget(w)
        windows.append(w)
        qtbot.waitExposed(w)
        return w

    yield run
    for w in windows:
        w.close()


@pytest.mark.parametrize("name", ["lesson", "clothing", "scene", "checkerboard"])
def test_each_sample_opens_from_the_command_line(start: Any, state: Any, name: str) -> None:
    sample = app.find_sample(name)
    start("--sample", name)
    assert state.doc is not None
    assert state.doc.name == sample.title
    with Image.open(sample.path) as im:  # the shape read independently of convgui
        assert state.doc.shape == (im.height, im.width)
    assert state.result is not None


def test_sample_lesson_is_the_6x6_grid(start: Any, state: Any) -> None:
    start("--sample", "lesson")
    assert state.doc.shape == (6, 6)
    grid = np.loadtxt(REPO / "resources" / "samples" / "lesson6x6.txt")
    np.testing.assert_array_equal(state.doc.pixels, grid)


def test_a_bad_image_opens_the_scene_with_the_error_shown(
    start: Any, state: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    w = start(str(bad))
    assert state.doc is not None and state.doc.name == app.find_sample("scene").title
    assert w.message_bar.level == "error"
    assert "broken.png" in w.message_bar.text


def test_position_outside_the_output_is_explained(
    start: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    start("--sample", "lesson", "--at", "9,2")
    err = capsys.readouterr().err
    assert "--at 9,2 is outside the 6×6 output" in err


def test_sample_lesson_screenshot(tmp_path: Path, default_shot: np.ndarray) -> None:
    proc, out = run_app(tmp_path, "--sample", "lesson", "--size", "1024x700")
    img = check_screenshot(proc, out)
    assert img.shape[:2] == (700, 1024)
    assert img.shape != default_shot.shape or not np.array_equal(img, default_shot)


# --- tools/run.sh ----------------------------------------------------------------------------


def fake_program(folder: Path, name: str, body: str) -> Path:
    """Write an executable shell script ``folder/name`` (a stand-in for a system program)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run_sh(tmp_path: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CONVGUI_VENV"] = str(tmp_path / "venv")
    env.pop("CONVGUI_EXTRA_LIBS", None)
    env.pop("CONVGUI_SYSTEM_INSTALL", None)
    env.update(env_extra)
    return subprocess.run(
        ["bash", str(RUN_SH), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SUDO = "" if os.geteuid() == 0 else "sudo "


def test_check_system_passes_here(tmp_path: Path) -> None:
    proc = run_sh(tmp_path, "--check-system")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for lib in ("libEGL.so.1", "libfontconfig.so.1", "libglib-2.0.so.0"):
        assert f"ok       {lib}" in proc.stdout
    assert not (tmp_path / "venv").exists(), "--check-system must not create an environment"


def test_check_system_follows_the_platform(tmp_path: Path) -> None:
    offscreen = run_sh(tmp_path, "--check-system").stdout
    xcb = run_sh(tmp_path, "--check-system", QT_QPA_PLATFORM="xcb").stdout
    assert "libxcb-icccm.so.4" not in offscreen
    assert "libxcb-icccm.so.4 (libxcb-icccm4)" in xcb
    assert "libxcb-cursor.so.0 (libxcb-cursor0)" in xcb


def test_check_system_reports_a_missing_library(tmp_path: Path) -> None:
    proc = run_sh(
        tmp_path, "--check-system", CONVGUI_EXTRA_LIBS="libdoesnotexist.so.9 libz.so.1=zlib1g"
    )
    assert proc.returncode == 1
    assert "missing  libdoesnotexist.so.9 (libdoesnotexist)" in proc.stdout
    assert "ok       libz.so.1 (zlib1g)" in proc.stdout
    assert f"    {SUDO}apt-get install libdoesnotexist\n" in proc.stdout


def test_launch_with_a_missing_library_installs_it_as_root_or_prints_the_command(
    tmp_path: Path,
) -> None:
    bin_dir = tmp_path / "bin"
    log = tmp_path / "apt.log"
    fake_program(bin_dir, "apt-get", f'echo "$DEBIAN_FRONTEND $*" >> "{log}"')
    proc = run_sh(
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        CONVGUI_EXTRA_LIBS="libdoesnotexist.so.9=libdoesnotexist9",
    )
    assert proc.returncode == 1
    assert not (tmp_path / "venv").exists(), "went on to set up Python without the library"
    if os.geteuid() == 0:
        calls = log.read_text().splitlines()
        assert calls == [
            "noninteractive update",
            "noninteractive install -y --no-install-recommends libdoesnotexist9",
        ]
        # The fake apt-get installs nothing: the script says so instead of starting Qt.
        assert "still missing after installing: libdoesnotexist.so.9" in proc.stderr
    else:
        assert not log.exists()
        assert "    sudo apt-get install libdoesnotexist9\n" in proc.stderr


def test_launch_as_root_without_installing_prints_the_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    log = tmp_path / "apt.log"
    fake_program(bin_dir, "apt-get", f'echo "$*" >> "{log}"')
    proc = run_sh(
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        CONVGUI_EXTRA_LIBS="libdoesnotexist.so.9",
        CONVGUI_SYSTEM_INSTALL="0",
    )
    assert proc.returncode == 1
    assert not log.exists()
    assert f"    {SUDO}apt-get install libdoesnotexist\n" in proc.stderr


def test_missing_venv_module_names_python3_venv(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    # What Debian's python3 says when python3-venv is not installed (it leaves a half-made folder).
    fake_program(
        bin_dir,
        "python3",
        'mkdir -p "$3/bin"\n'
        "echo 'The virtual environment was not created successfully because ensurepip is not'\n"
        "echo 'available.  On Debian/Ubuntu systems, you need to install the python3-venv'\n"
        "exit 1",
    )
    proc = run_sh(tmp_path, PATH=f"{bin_dir}:{os.environ['PATH']}", CONVGUI_SYSTEM_INSTALL="0")
    assert proc.returncode == 1
    assert f"    {SUDO}apt-get install python3-venv\n" in proc.stderr
    assert not (tmp_path / "venv").exists(), "the half-made environment was left behind"


def test_first_launch_shows_pip_and_a_later_one_starts_offline(tmp_path: Path) -> None:
    log = tmp_path / "python.log"
    # A stand-in environment whose python records how it is called.
    fake_program(tmp_path / "venv" / "bin", "python", f'echo "$*" >> "{log}"')
    first = run_sh(tmp_path, "--kernel", "sharpen")
    assert first.returncode == 0, first.stderr
    assert "about 110 MB" in first.stdout and "about a minute" in first.stdout
    calls = log.read_text().splitlines()
    assert calls == [
        "-m pip install --disable-pip-version-check -e .",  # no --quiet: pip shows progress
        "main.py --kernel sharpen",
    ]
    assert (tmp_path / "venv" / ".convgui-installed").exists()
    log.unlink()
    second = run_sh(tmp_path, "--sample", "lesson")
    assert second.returncode == 0, second.stderr
    assert "MB" not in second.stdout
    assert log.read_text().splitlines() == ["main.py --sample lesson"]


# --- --screenshot never replaces a file it was not asked to; bad homes; too-large layers -----


def test_screenshot_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    out.write_bytes(b"the user's own picture")
    proc, _ = run_app(tmp_path, "--sample", "lesson")
    assert proc.returncode == 2
    assert "already exists" in proc.stderr and "--force" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_bytes() == b"the user's own picture"
    proc, _ = run_app(tmp_path, "--sample", "lesson", "--force")
    check_screenshot(proc, out)  # replaced by a whole, decodable PNG
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_screenshot_refuses_to_replace_the_opened_image(tmp_path: Path) -> None:
    image = tmp_path / "shot.png"  # the picture to open is also the --screenshot target
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(image)
    before = image.read_bytes()
    proc, _ = run_app(tmp_path, str(image))
    assert proc.returncode == 2
    assert "is the image opened" in proc.stderr
    assert image.read_bytes() == before


def test_screenshot_onto_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    proc, _ = run_app(tmp_path, "--sample", "lesson", "--force")
    assert proc.returncode == 2
    assert "named pipe (FIFO)" in proc.stderr
    assert fifo.is_fifo()


def test_force_without_screenshot_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--force only applies to --screenshot" in exit_message(capsys, "--force")


def test_save_screenshot_is_atomic_and_verified(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QColor, QImage

    from convgui import safeio

    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor(10, 200, 30))
    out = tmp_path / "s.png"
    app.save_screenshot(img, out)
    assert picture(out).shape == (30, 40, 3)
    assert safeio.written_this_session(out)
    app.save_screenshot(img, out)  # its own file is replaced without --force
    # A write that the disk cuts short leaves the old file whole and says why.
    before = out.read_bytes()

    def short_write(fd: int, data: Any) -> int:
        return 0

    monkeypatch.setattr(safeio.os, "write", short_write)
    with pytest.raises(safeio.SaveError, match="No space left on device"):
        app.save_screenshot(img, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.png"]


@pytest.fixture
def read_only_home(tmp_path: Path) -> Any:
    """A home folder nothing can be written in (a read-only tmpfs when run as root)."""
    home = tmp_path / "home"
    home.mkdir()
    mounted = False
    if os.geteuid() == 0:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(home)],
            capture_output=True,
            check=False,
        )
        mounted = proc.returncode == 0
        if not mounted:  # no mount here: a folder even root cannot create anything in
            home = Path("/proc/1")
    else:
        home.chmod(0o555)
    yield home
    if mounted:
        subprocess.run(["umount", str(home)], check=False)
    elif home.is_relative_to(tmp_path):
        home.chmod(0o755)


def test_install_desktop_with_an_unwritable_home(read_only_home: Path, tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(read_only_home))
    env.pop("XDG_DATA_HOME", None)
    proc = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--install-desktop"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "could not install the desktop entry" in proc.stderr
    assert "home folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def wide_image_and_dilated_kernel(tmp_path: Path) -> tuple[Path, Path]:
    """A 1×450000 image and a 15×15 kernel at dilation 8: "full" padding pads 112 per side.

    The padded input would be 225×450224 = 101.3 megapixels, past the 100-megapixel limit,
    while the image itself is small (0.45 megapixels).
    """
    import json

    image = tmp_path / "wide.png"
    Image.fromarray((np.arange(450_000) % 251).astype(np.uint8).reshape(1, -1)).save(image)
    kernel = tmp_path / "dilated.json"
    kernel.write_text(
        json.dumps({"kernel": np.ones((15, 15)).tolist(), "params": {"dilation": [8, 8]}})
    )
    return image, kernel


def test_command_line_padding_past_the_pixel_limit_exits_2(tmp_path: Path) -> None:
    image, kernel = wide_image_and_dilated_kernel(tmp_path)
    proc, out = run_app(tmp_path, str(image), "--kernel", str(kernel), "--padding", "full")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--padding full cannot be used with wide.png (450000×1)" in proc.stderr
    assert "225×450224 (101.3 megapixels)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    # "same" padding fits: the same command starts.
    proc, out = run_app(tmp_path, str(image), "--kernel", str(kernel), "--padding", "same")
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_command_line_layer_check_allocates_nothing(start: Any, state: Any, tmp_path: Path) -> None:
    import tracemalloc

    image, kernel = wide_image_and_dilated_kernel(tmp_path)
    with pytest.raises(app.CommandLineError, match=r"101\.3 megapixels"):
        start(str(image), "--kernel", str(kernel), "--padding", "full", "--pool", "max")
    assert state.params.dilation == (8, 8) and state.params.padding == "same"  # the file's
    before = state.params
    tracemalloc.start()
    try:
        with pytest.raises(app.CommandLineError, match="--padding full and --pool max"):
            app.check_layer_size(state, "--padding full and --pool max", padding="full")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6
    assert state.params == before  # nothing was applied


def test_the_window_fits_a_small_screen(qtbot: Any) -> None:
    from PySide6.QtWidgets import QMainWindow

    from convgui.app import fit_to_screen

    w = QMainWindow()
    qtbot.addWidget(w)
    free = w.screen().availableGeometry()
    w.resize(free.width() + 600, free.height() + 300)  # as the default 1400×820 on 1024×700
    fit_to_screen(w)
    assert w.width() <= free.width() and w.height() <= free.height()
    small = QMainWindow()
    qtbot.addWidget(small)
    small.resize(400, 300)
    fit_to_screen(small)
    assert (small.width(), small.height()) == (400, 300)  # never grown
