"""Offscreen smoke tests of the whole app: start, paint, screenshot, exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


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


def test_bad_kernel_argument_is_reported(tmp_path: Path) -> None:
    proc, out = run_app(tmp_path, "--kernel", "no_such_kernel")
    check_screenshot(proc, out)
    assert "could not use kernel 'no_such_kernel'" in proc.stderr


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
