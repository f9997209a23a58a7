"""The window at every listed size: nothing clipped, views at one scale, controls reachable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layout_helpers import WINDOW_SIZES, clipped_widgets
from PySide6.QtCore import QPoint, QPointF, Qt

from convgui.core import LayerParams
from convgui.imageio import ImageDoc
from convgui.resources import samples

ROOT = Path(__file__).resolve().parents[2]

#: Layer settings that once pushed controls out of their space.
SETTINGS: dict[str, Any] = {
    "default": lambda s: None,
    "custom padding": lambda s: s.set_params(padding=(1, 2, 3, 4)),
    "pooling": lambda s: s.set_params(pool="max", pool_padding="same"),
    "constant + custom + pooling + 15x15": lambda s: s.set_all(
        np.ones((15, 15)),
        LayerParams(padding=(7, 7, 7, 7), boundary="constant", pool="avg"),
        "big",
    ),
    "colour + stride": lambda s: (
        s.set_image(ImageDoc(np.random.default_rng(0).integers(0, 255, (40, 50, 3)))),
        s.set_color_mode("rgb"),
        s.set_params(stride=(2, 2), pool="max"),
    ),
}


@pytest.mark.parametrize("size", WINDOW_SIZES, ids=[f"{w}x{h}" for w, h in WINDOW_SIZES])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_no_control_is_clipped(
    window: Any, qtbot: Any, size: tuple[int, int], setting: str
) -> None:
    window.resize(*size)
    SETTINGS[setting](window.state)
    qtbot.wait(20)
    assert window.width() == size[0] and window.height() == size[1]
    assert clipped_widgets(window) == []


@pytest.mark.parametrize("size", [s for s in WINDOW_SIZES if s[0] >= 1280 and s[1] >= 800])
@pytest.mark.parametrize("setting", ["default", "custom padding", "pooling"])
def test_controls_need_no_scrolling_from_1280x800(
    window: Any, qtbot: Any, size: tuple[int, int], setting: str
) -> None:
    window.resize(*size)
    SETTINGS[setting](window.state)
    qtbot.wait(20)
    assert window.middle.verticalScrollBar().maximum() == 0


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_every_lesson_step_is_whole_at(window: Any, qtbot: Any, size: tuple[int, int]) -> None:
    window.resize(*size)
    window.start_lesson()
    for i in range(len(window.lesson.steps)):
        window.lesson.go(i)
        qtbot.wait(10)
        assert clipped_widgets(window, ignore=(window.lesson.highlight,)) == [], f"step {i + 1}"
        target = window.lesson.highlight.target
        if target is not None:  # the part pointed at is on screen, not scrolled away
            visible = target.visibleRegion().boundingRect()
            assert visible.height() >= min(target.height(), 40), f"step {i + 1}"
    window.lesson.finish()


def _screen_scale(view: Any) -> float:
    r = view.view.viewRect()
    return view.view.width() / r.width()


@pytest.mark.parametrize("stride", [1, 2])
def test_input_and_output_share_scale_and_rows(window: Any, qtbot: Any, stride: int) -> None:
    window.resize(1280, 800)
    window.open_sample(samples()[2])  # a 512×384 photo
    window.state.set_params(stride=(stride, stride), pool="max")
    qtbot.wait(50)
    window.fit_views()
    qtbot.wait(50)
    a, b, c = window.input_view, window.output_view, window.pooled_view
    assert _screen_scale(a) == pytest.approx(_screen_scale(b), rel=1e-3)
    assert _screen_scale(a) == pytest.approx(_screen_scale(c), rel=1e-3)
    # Input row 0 and output row 0 (stride 1: the same pixels) are level on screen.
    def screen_y(v: Any, y: float) -> float:
        p = v.view.mapViewToDevice(QPointF(0.0, y))
        return v.mapTo(window, QPoint(0, 0)).y() + p.y()

    assert screen_y(a, 0.0) == pytest.approx(screen_y(b, 0.0), abs=1.0)
    assert screen_y(a, 100.0) == pytest.approx(screen_y(b, 100.0), abs=1.0)
    # A strided output is drawn smaller than the input by the stride.
    w = window.state.result.activated.shape[1]
    assert b.rect.width() == w and w == -(-512 // stride)


def test_layout_holds_at_device_pixel_ratio_2(tmp_path: Path) -> None:
    """The same check in a process whose screen has twice the pixels per point."""
    script = tmp_path / "dpr2.py"
    script.write_text(
        f"""
import sys
sys.path.insert(0, {str(ROOT / "tests" / "gui")!r})
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from convgui.gui.window import MainWindow
from convgui.state import ExplorerState, SyncExecutor
from convgui.resources import samples
from layout_helpers import clipped_widgets
assert app.devicePixelRatio() == 2, app.devicePixelRatio()
state = ExplorerState(SyncExecutor())
w = MainWindow(state, QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat))
w.show()
w.open_sample(samples()[1])
bad = []
for size in [(1024, 700), (1920, 1080)]:
    for pool in ("none", "max"):
        w.resize(*size)
        state.set_params(pool=pool, padding=(1, 2, 3, 4))
        app.processEvents()
        bad += clipped_widgets(w)
print("CLIPPED", bad)
w.close()
state.close()
sys.exit(1 if bad else 0)
"""
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_helper_finds_what_is_cut_off(qtbot: Any) -> None:
    from PySide6.QtWidgets import QMainWindow, QPushButton, QScrollArea, QWidget

    win = QMainWindow()
    qtbot.addWidget(win)
    box = QWidget()
    box.setFixedSize(100, 50)
    button = QPushButton("A long button text", box, objectName="tooWide")
    button.setGeometry(0, 0, 200, 30)
    area = QScrollArea()
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    inner = QWidget()
    inner.setMinimumWidth(400)
    QPushButton("In the scroll area", inner, objectName="unreachable").setGeometry(300, 0, 90, 30)
    area.setWidget(inner)
    area.setFixedWidth(150)
    holder = QWidget()
    from PySide6.QtWidgets import QHBoxLayout

    lay = QHBoxLayout(holder)
    lay.addWidget(box)
    lay.addWidget(area)
    win.setCentralWidget(holder)
    win.resize(400, 200)
    win.show()
    qtbot.waitExposed(win)
    found = " ".join(clipped_widgets(win))
    assert "tooWide" in found and "shown 100×30 of 200×30" in found
    assert "unreachable" in found


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_the_lesson_pooling_step_shows_the_whole_pooled_map(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    window.resize(*size)
    window.start_lesson()
    window.lesson.go(len(window.lesson.steps) - 1)  # max pooling
    qtbot.wait(50)
    view = window.pooled_view
    shown = view.view.viewRect()
    assert shown.contains(view.rect), (shown, view.rect)
    window.lesson.finish()


def test_play_and_pause_do_not_move_the_images(window: Any, qtbot: Any) -> None:
    window.resize(1024, 700)
    anim = window.anim
    anim.seek_rc(2, 3)
    qtbot.wait(20)
    y0 = window.input_view.mapTo(window, QPoint(0, 0)).y()
    h0 = window.input_view.height()
    anim.set_speed(2.0)
    anim.play()
    qtbot.wait(50)
    anim.pause()
    qtbot.wait(20)
    assert window.input_view.mapTo(window, QPoint(0, 0)).y() == y0
    assert window.input_view.height() == h0


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_larger_text_for_a_projector_cuts_nothing_off(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    from PySide6.QtGui import QAction

    window.open_sample(samples()[2])
    window.state.set_params(pool="max", padding=(1, 2, 3, 4))
    larger = window.findChild(QAction, "textLargerAction")
    for _ in range(3):
        larger.trigger()
    window.resize(*size)
    qtbot.wait(50)
    assert window.text_scale > 1.3
    assert (window.width(), window.height()) == size, "the window still fits the screen"
    assert clipped_widgets(window) == []
    # Every text grew: the panels' titles too, and their rows make room for them.
    for panel in (window.input_panel, window.output_panel):
        assert panel.title.sizeHint().height() <= panel.head.height()
        assert panel.head.height() > 1.3 * 14  # the default title row is about 20 px
    bar = window.anim_bar
    assert bar.slider.width() >= 120 and bar.pos_label.width() >= bar.pos_label.minimumWidth()
