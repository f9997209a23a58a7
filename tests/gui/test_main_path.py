"""The main path (open an image file, edit the kernel, watch the output) after every mode.

Most bugs so far hid in the change from one mode to another: each test leaves the window in
a mode (playing, stepped, lesson, export, pooling stage, kernel file), then walks the main
path as a user does and checks the whole output is there and exact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, conv_of, type_into_cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractSlider

from convgui.gui.export import export_animation


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    arr = (rng.random((90, 120)) * 255).astype(np.uint8)
    img = QImage(arr.data, 120, 90, 120, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "photo.png"
    assert img.save(str(path))
    return path


def _walk_main_path(window: Any, qtbot: Any, photo: Path) -> None:
    assert window.open_path(photo)
    assert window.state.doc is not None and window.state.doc.shape == (90, 120)
    # The centre of a 3×3 kernel; a mode may leave a 1×1 kernel (a pooling layer shown).
    kh, kw = window.state.kernel.shape
    r, c = min(1, kh - 1), min(1, kw - 1)
    type_into_cell(qtbot, window, r, c, "5")
    assert window.state.kernel[r, c] == 5
    out = assert_output_is_exact(window)
    assert out.shape[:2] == conv_of(window.state).shape[:2]
    o = window.overlay
    if not window.anim.playback.playing:  # playing on, the output fills in as asked
        assert not o.out_cover.covering and not o.pool_cover.covering, "the whole output"
    assert not o.ring.unknown
    assert window.output_view.image_item.image is not None
    assert window.message_bar.level != "error"


def _play_some(window: Any, qtbot: Any, _tmp: Path) -> None:
    window.anim.set_speed(60.0)
    window.anim.play()
    # Waits for the timer (not a speed check): a loaded machine can starve it for seconds.
    qtbot.waitUntil(lambda: window.anim.playback.position > 5, timeout=20000)
    window.anim.pause()


def _layer_mode_and_back(window: Any, back: bool = True) -> None:
    """The layer mode with a preset bank, its animation stepped and played, then back."""
    from PySide6.QtGui import QAction

    window.findChild(QAction, "modeLayerAction").trigger()
    window.findChild(QAction, "bankPreset_edges").trigger()
    window.findChild(QAction, "stepForwardAction").trigger()  # the layer's animation here
    window.findChild(QAction, "playAction").trigger()
    window.findChild(QAction, "playAction").trigger()
    assert window.mode == "layer"
    if back:
        window.findChild(QAction, "modeKernelAction").trigger()
        assert window.mode == "kernel"


def _quiz_answered_and_left(window: Any, qtbot: Any) -> None:
    window.quiz_action.trigger()
    field = window.quiz.panel.answer
    field.setFocus()
    qtbot.keyClicks(field, "0")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.quiz.quiz.score.asked == 1  # the answer was judged
    window.quiz_action.trigger()  # leave the quiz
    assert not window.quiz.active


def _generator_used(window: Any) -> None:
    from convgui.gui.kernel_lab import open_generator

    dialog = open_generator(window)
    dialog.slider(dialog.generator.params[0].name).triggerAction(
        QAbstractSlider.SliderAction.SliderPageStepAdd
    )
    dialog.apply_now()
    dialog.accept()


def _network_mode(window: Any, qtbot: Any, back: str | None = "kernel") -> None:
    """The digits network: a drawn stroke, a weight edit, then back (or a layer animated)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QAction

    from convgui.gui.digit_canvas import DigitCanvas
    from convgui.gui.network_mode import animate_selected

    window.findChild(QAction, "digitsNetworkAction").trigger()
    assert window.mode == "network"
    net = window.network_mode.net
    canvas = window.findChild(DigitCanvas)
    r = canvas.rect()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(r.width() // 2, r.height() // 4))
    qtbot.mouseMove(canvas, QPoint(r.width() // 2, 3 * r.height() // 4))
    qtbot.mouseRelease(
        canvas, Qt.MouseButton.LeftButton, pos=QPoint(r.width() // 2, 3 * r.height() // 4)
    )
    assert net.set_weight(0, "kernel", (1, 1, 0, 3), "0.5")
    if back == "conv2 animated":
        net.select(3)
        assert animate_selected(window)
        assert window.mode == "layer"
        window.findChild(QAction, "playAction").trigger()
        window.findChild(QAction, "playAction").trigger()
    elif back == "pool1 animated":
        net.select(2)
        assert animate_selected(window)
        assert window.mode == "kernel"
    elif back == "lesson":
        window.start_lesson()
        window.lesson.go(2)
        window.lesson.finish()
    elif back == "kernel":
        window.findChild(QAction, "modeKernelAction").trigger()
        assert window.mode == "kernel"


MODES = {
    "fresh": lambda w, q, t: None,
    "played": _play_some,
    "still playing": lambda w, q, t: (w.anim.set_speed(2.0), w.anim.play()),
    "stepped": lambda w, q, t: w.anim.step(9),
    "pooling stage": lambda w, q, t: (
        w.state.set_params(pool="max"),
        w.anim.set_stage("pool"),
        w.anim.step(2),
    ),
    "lesson open": lambda w, q, t: (w.start_lesson(), w.lesson.go(3)),
    "lesson closed": lambda w, q, t: (w.start_lesson(), w.lesson.go(6), w.lesson.finish()),
    "export": lambda w, q, t: (
        w.anim.step(3),
        export_animation(w.state, [0, 1, 2], t / "frames", kind="png"),
    ),
    "layer mode": lambda w, q, t: _layer_mode_and_back(w),
    "still in layer mode": lambda w, q, t: _layer_mode_and_back(w, back=False),
    "quiz": lambda w, q, t: _quiz_answered_and_left(w, q),
    "generator": lambda w, q, t: _generator_used(w),
    "network mode": lambda w, q, t: _network_mode(w, q),
    "still in network mode": lambda w, q, t: _network_mode(w, q, back=None),
    "network layer animated": lambda w, q, t: _network_mode(w, q, back="conv2 animated"),
    "network pooling animated": lambda w, q, t: _network_mode(w, q, back="pool1 animated"),
    "lesson from the network mode": lambda w, q, t: _network_mode(w, q, back="lesson"),
    "kernel file": lambda w, q, t: (
        (t / "k.json").write_text(json.dumps({"kernel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]})),
        w.open_kernel_path(t / "k.json"),
    ),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_main_path_after(window: Any, qtbot: Any, tmp_path: Path, photo: Path, mode: str) -> None:
    MODES[mode](window, qtbot, tmp_path)
    qtbot.wait(10)
    if window.lesson is not None and window.lesson.isVisible():
        window.lesson.finish()  # the user closes the tour first, as the tour's text invites
    _walk_main_path(window, qtbot, photo)
