"""The layer animation in the window: the sums on a colour image, the map filling in, keys,
scrub and clicks, the transposed views, export, text size, and the single-kernel mode after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, type_into_cell
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.core.text import pretty_number
from convgui.gui import layer_mode
from convgui.gui.layer_animation import LayerAnimation
from convgui.gui.window import MainWindow
from convgui.imageio import ImageDoc

RNG = np.random.default_rng(7)
COLOUR = RNG.integers(0, 256, (9, 11, 3)).astype(np.uint8)


def enter(window: MainWindow, qtbot: Any) -> tuple[layer_mode.LayerMode, LayerAnimation]:
    window.state.set_color_mode("rgb")
    window.set_document(ImageDoc(COLOUR, name="colour"))
    act = window.findChild(QAction, "modeLayerAction")
    assert act is not None
    act.trigger()
    lm: layer_mode.LayerMode = window.layer_mode  # type: ignore[attr-defined]
    assert lm.layer.wait_idle()
    qtbot.waitUntil(lambda: lm.layer.result is not None and lm.layer.c_in == 3, timeout=3000)
    return lm, lm.page.animation


def press(qtbot: Any, lm: layer_mode.LayerMode, key: Qt.Key) -> None:
    lm.page.map_view.setFocus()
    qtbot.keyClick(lm.page.map_view, key)


def test_panel_numbers_are_the_layer_value_for_three_channels(
    qtbot: Any, window: MainWindow
) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.apply_preset("random")
    assert layer.wait_idle()
    layer.set_bias(1, "2.5")
    layer.select(1)
    assert layer.wait_idle()
    c = anim.controller
    c.step(1)
    c.step(1)
    rc = c.position_rc()
    assert rc == (0, 2)
    frame = c.current_frame()
    assert frame is not None and frame.filter == 1
    x = COLOUR.astype(np.float64)
    w = np.array(layer.weights)
    b = np.array(layer.bias)
    want = conv2d_layer(x, w, b, padding="same")[rc[0], rc[1], 1]
    # a naive sum written here: "same" zero padding of one cell around a 3×3 window
    naive = [0.0, 0.0, 0.0]
    for ch in range(3):
        for a in range(3):
            for bb in range(3):
                i, j = rc[0] + a - 1, rc[1] + bb - 1
                if 0 <= i < 9 and 0 <= j < 11:
                    naive[ch] += x[i, j, ch] * w[a, bb, ch, 1]
    np.testing.assert_allclose(frame.channel_sums, naive, rtol=1e-12)
    assert frame.value == pytest.approx(sum(naive) + 2.5, rel=1e-12)
    assert frame.value == pytest.approx(float(want), rel=1e-12)
    text = anim.panel.arith.text().splitlines()
    assert [t.split(":")[0] for t in text[1:4]] == ["R", "G", "B"]
    for line, s in zip(text[1:4], naive, strict=True):
        assert line.endswith(f"= {pretty_number(s)}")
    assert text[4].startswith("sum_R + sum_G + sum_B + bias = ")
    assert text[4].endswith(f" + 2.5 = {pretty_number(frame.value)}")
    # the window is outlined on the large input and on every channel tile
    assert anim.overlay.in_window.taps.isVisible()
    assert all(m.isVisible() and m.frame is frame for m in anim.overlay.marks)
    assert len(anim.overlay.marks) == 3
    # a grouped layer: filter 1 of 3 (depthwise) reads only G, so only G's tile is outlined
    layer.apply_preset("each_colour")
    assert layer.wait_idle()
    layer.select(1)
    qtbot.waitUntil(lambda: layer.result is not None and layer.settings.groups == 3, timeout=3000)
    frame = c.current_frame()
    assert frame is not None and frame.channels == (1,)
    assert [m.isVisible() for m in anim.overlay.marks] == [False, True, False]
    lines = anim.panel.arith.text().splitlines()
    assert lines[1].startswith("G: ") and lines[2].startswith("sum_G + bias = ")
    # the padding cells are drawn around the input (the window reads row −1)
    assert anim.overlay.ring.tint.isVisible()


def test_map_fills_in_and_is_whole_when_stopped(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    c, cover = anim.controller, anim.overlay.cover
    assert not cover.covering  # nothing hidden before the animation starts
    c.step(1)
    assert cover.covering
    for _ in range(14):
        c.step(1)
    assert c.position_rc() == (1, 4)
    # everything after (1, 4) is covered: the rest of row 1 and the rows below
    assert cover.rest_of_row.rect().getRect() == (5.0, 1.0, 6.0, 1.0)
    assert cover.rows_below.rect().getRect() == (0.0, 2.0, 11.0, 7.0)
    assert cover.current.rect().getRect() == (4.0, 1.0, 1.0, 1.0)
    c.to_end()
    assert not cover.rest_of_row.rect().width() and not cover.rows_below.rect().height()
    c.stop()
    assert not cover.covering and not anim.overlay.in_window.taps.isVisible()
    assert "Press Play" in anim.panel.arith.text()


def test_keys_scrub_and_map_clicks_move_the_position(qtbot: Any, window: MainWindow) -> None:
    lm, anim = enter(window, qtbot)
    c = anim.controller
    press(qtbot, lm, Qt.Key.Key_Right)
    press(qtbot, lm, Qt.Key.Key_Right)
    assert c.playback.position == 2 and c.active
    press(qtbot, lm, Qt.Key.Key_Left)
    assert c.playback.position == 1
    press(qtbot, lm, Qt.Key.Key_End)
    assert c.position_rc() == (8, 10)
    press(qtbot, lm, Qt.Key.Key_Home)
    assert c.playback.position == 0
    press(qtbot, lm, Qt.Key.Key_Space)
    assert c.model.playing and c.timer.isActive()
    qtbot.waitUntil(lambda: c.playback.position >= 1, timeout=3000)
    press(qtbot, lm, Qt.Key.Key_Space)
    assert not c.model.playing and not c.timer.isActive()
    anim.panel.bar.slider.setValue(25)  # scrub
    assert c.position_rc() == (2, 3)
    assert anim.panel.bar.pos_label.text().startswith("row 2, col 3")
    lm.page.map_view.clicked.emit(6.5, 4.5)  # a click on cell (4, 6) of the large map
    assert c.position_rc() == (4, 6)
    assert c.current_frame() is not None and c.current_frame().cell == (4, 6)
    lm.page.map_view.clicked.emit(-3.0, 4.5)  # outside the map: nothing moves
    assert c.position_rc() == (4, 6)


def test_transposed_scatter_and_direct_views(qtbot: Any, window: MainWindow) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.apply_preset("random")
    assert layer.wait_idle()
    layer.set_settings(layer_type="transposed", padding="valid", stride=(2, 2))
    assert layer.wait_idle()
    qtbot.waitUntil(lambda: anim.controller.transposed, timeout=3000)
    c, panel = anim.controller, anim.panel
    assert panel.view_combo.isVisible() and c.view == "scatter"
    assert c.grid_shape() == (9, 11)  # one position per input pixel
    assert panel.formula.text() == (
        "Output size: H′ = 9·2 + max(3 − 2, 0) = 19;   W′ = 11·2 + max(3 − 2, 0) = 23"
    )
    x = COLOUR.astype(np.float64)
    wt = np.ascontiguousarray(np.array(layer.weights).transpose(0, 1, 3, 2))
    want = conv_transpose2d(x, wt, np.array(layer.bias), stride=2, padding="valid")
    o = layer.selected
    lm.page.map_view.clicked.emit(7.5, 5.5)  # watch output (5, 7): complete at its last pixel
    f = c.current_frame()
    assert f is not None and f.cell == (5, 7)
    assert f.value == pytest.approx(float(want[5, 7, o]), rel=1e-12)
    # a naive scatter written here: pixel (i, j) stamps tap (a, b) onto (2i + a, 2j + b)
    naive = float(layer.bias[o])
    for i in range(9):
        for j in range(11):
            for a in range(3):
                for b in range(3):
                    if (2 * i + a, 2 * j + b) == (5, 7):
                        naive += float((x[i, j] * wt[a, b, o, :]).sum())
    assert f.value == pytest.approx(naive, rel=1e-12)
    assert c.position_rc() == (2, 3)  # the last input pixel stamping onto (5, 7)
    assert panel.arith.text().splitlines()[-2].endswith(f"= {pretty_number(naive)}")
    # stepping stamps pixel by pixel: the partial map shows the stamps so far
    c.to_start()
    c.step(4)
    assert anim.overlay.partial.isVisible()
    part = anim.overlay.partial.image
    assert part is not None and part.shape == want.shape[:2]
    assert anim.overlay.out_window.taps.isVisible()
    # the equivalent direct view: output cells, the zero-inserted input shown instead
    panel.view_combo.setCurrentIndex(panel.view_combo.findData("direct"))
    panel.view_combo.activated.emit(panel.view_combo.currentIndex())
    assert c.view == "direct" and c.grid_shape() == (19, 23)
    c.step(1)
    lm.page.map_view.clicked.emit(7.5, 5.5)
    f = c.current_frame()
    assert f is not None and f.view == "direct" and f.position == (5, 7)
    assert f.value == pytest.approx(float(want[5, 7, o]), rel=1e-12)
    assert anim.overlay.direct_item.isVisible()
    assert not lm.page.input_view.image_item.isVisible()
    c.stop()
    assert lm.page.input_view.image_item.isVisible()


def test_export_png_frames_and_gif(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    _, anim = enter(window, qtbot)
    c = anim.controller
    c.to_start()
    c.step(90)  # from (8, 2): the last 9 positions
    assert anim.export_to(tmp_path / "frames", "png")
    frames = sorted((tmp_path / "frames").glob("frame_*.png"))
    assert len(frames) == 9
    with Image.open(frames[0]) as im:
        assert im.size == (1280, 720)
        px = np.asarray(im.convert("RGB"))
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20  # pictures, not a blank page
    # a second export into the same folder is refused: nothing replaced
    before = [f.stat().st_mtime_ns for f in frames]
    assert not anim.export_to(tmp_path / "frames", "png")
    assert [f.stat().st_mtime_ns for f in frames] == before
    gif = tmp_path / "layer.gif"
    assert anim.export_to(gif, "gif")
    with Image.open(gif) as im:
        assert im.n_frames == 9
    theirs = tmp_path / "theirs.gif"
    theirs.write_bytes(b"not ours")
    assert not anim.export_to(theirs, "gif")  # someone else's file: refused, not replaced
    assert theirs.read_bytes() == b"not ours"
    assert "was not exported" in window.statusBar().currentMessage()


def test_text_size_reaches_the_sums(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    anim.controller.step(1)
    before = anim.panel.arith.font().pointSizeF()
    h0 = anim.panel.arith_scroll.height()
    window.text_size.set_scale(2.0)  # type: ignore[attr-defined]
    assert anim.panel.arith.font().pointSizeF() >= 1.8 * before
    assert anim.panel.arith_scroll.height() > h0
    assert anim.panel.arith.font().styleHint() == anim.panel.arith.font().StyleHint.Monospace


def test_single_kernel_main_path_after_playing_the_layer(
    qtbot: Any, window: MainWindow, lesson_sample: Any
) -> None:
    _, anim = enter(window, qtbot)
    c = anim.controller
    c.set_speed(60.0)
    c.play()
    qtbot.waitUntil(lambda: c.playback.position >= 3, timeout=3000)
    window.findChild(QAction, "modeKernelAction").trigger()  # type: ignore[union-attr]
    assert window.mode == "kernel"
    assert not c.model.playing and not c.timer.isActive()  # leaving the mode pauses it
    window.open_sample(lesson_sample)
    assert window.state.result is not None
    type_into_cell(qtbot, window, 1, 1, "5")
    qtbot.waitUntil(lambda: window.state.kernel[1, 1] == 5, timeout=3000)
    assert_output_is_exact(window)
    press_kernel = window.handle_animation_key(int(Qt.Key.Key_Right))
    assert press_kernel and window.anim.position_rc() == (0, 1)  # the kernel mode's own
    assert c.playback.position >= 3 and not c.model.playing  # the layer's stays where it was


def test_closing_the_window_while_playing_stops_the_timer(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    anim.controller.play()
    assert anim.controller.timer.isActive()
    window.close()
    assert not anim.controller.timer.isActive()
