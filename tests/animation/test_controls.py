"""The animation's controls, used as a user uses them: keys, buttons, the slider, clicks."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from animation_helpers import LESSON, naive_correlate
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QSlider,
    QTextBrowser,
    QToolButton,
    QWidget,
)

from convgui.core import LayerParams, correlate2d, covering_positions, get_preset
from convgui.gui.animation import speed_table
from convgui.imageio import ImageDoc
from convgui.playback import PlayState
from convgui.resources import samples

LESSON_KERNEL = get_preset("lesson")


@pytest.fixture
def lesson(window: Any, qtbot: Any) -> Any:
    """The window with the lesson's kernel, active, with the output view focused."""
    window.state.set_kernel(LESSON_KERNEL)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.output_view.setFocus()
    qtbot.waitUntil(lambda: window.output_view.hasFocus(), timeout=2000)
    return window


def key(qtbot: Any, k: Qt.Key) -> None:
    """Press a key where the keyboard focus is."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, k)


def position(window: Any) -> tuple[int, int] | None:
    return window.anim.position_rc()


def lesson_conv(kernel: np.ndarray = LESSON_KERNEL, **kw: Any) -> np.ndarray:
    return correlate2d(LESSON, kernel, **kw)


def cell_centre(view: Any, rc: tuple[int, int]) -> tuple[float, float]:
    """Input-pixel coordinates of the centre of data cell ``rc`` of an image view."""
    rect, data = view.rect, view.data
    h, w = data.shape[:2]
    return (
        rect.left() + (rc[1] + 0.5) * rect.width() / w,
        rect.top() + (rc[0] + 0.5) * rect.height() / h,
    )


def test_the_issue_object_names_exist(window: Any) -> None:
    for name, cls in (
        ("playButton", QToolButton),
        ("stepForwardButton", QToolButton),
        ("stepBackButton", QToolButton),
        ("positionSlider", QSlider),
        ("speedControl", QComboBox),
        ("arithmeticPanel", QTextBrowser),
    ):
        found = window.findChildren(cls, name)
        assert len(found) == 1, name
        assert found[0].isVisible(), name
    lesson_action = window.findChild(QAction, "lessonAction")
    assert lesson_action is not None
    assert lesson_action is window.lesson_action
    assert window.findChild(QWidget, "positionSlider") is window.anim_bar.slider


def test_space_plays_and_pauses(lesson: Any, qtbot: Any) -> None:
    anim = lesson.anim
    assert not anim.playback.playing
    assert not anim.timer.isActive()
    key(qtbot, Qt.Key.Key_Space)
    assert anim.playback.playing
    assert anim.timer.isActive()
    assert lesson.anim_bar.play_btn.accessibleName() == "Pause"
    assert lesson.overlay.in_window.taps.isVisible()
    key(qtbot, Qt.Key.Key_Space)
    assert anim.playback.state is PlayState.PAUSED
    assert not anim.timer.isActive()
    assert lesson.anim_bar.play_btn.accessibleName() == "Play"


def test_arrow_keys_step_and_home_end_jump(lesson: Any, qtbot: Any) -> None:
    want = lesson_conv()
    panel = lesson.arithmetic
    key(qtbot, Qt.Key.Key_Right)
    assert position(lesson) == (0, 1)
    assert panel.last_total == want[0, 1]
    for _ in range(7):
        key(qtbot, Qt.Key.Key_Right)
    assert position(lesson) == (1, 2)  # rows wrap: position 8 of 6 columns
    key(qtbot, Qt.Key.Key_Left)
    assert position(lesson) == (1, 1)
    assert panel.last_total == want[1, 1]
    key(qtbot, Qt.Key.Key_End)
    assert position(lesson) == (5, 5)
    assert panel.last_total == want[5, 5]
    key(qtbot, Qt.Key.Key_Right)
    assert position(lesson) == (5, 5)
    key(qtbot, Qt.Key.Key_Home)
    assert position(lesson) == (0, 0)
    assert panel.last_total == 22  # the lesson's corner
    key(qtbot, Qt.Key.Key_Left)
    assert position(lesson) == (0, 0)
    assert not lesson.anim.playback.playing


def test_an_arrow_key_pauses_playback(lesson: Any, qtbot: Any) -> None:
    key(qtbot, Qt.Key.Key_Space)
    assert lesson.anim.playback.playing
    key(qtbot, Qt.Key.Key_Right)
    assert not lesson.anim.playback.playing
    assert not lesson.anim.timer.isActive()


def test_arrows_edit_the_kernel_cell_not_the_animation(lesson: Any, qtbot: Any) -> None:
    anim = lesson.anim
    key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_Right)
    assert anim.playback.position == 2
    table = lesson.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(1, 1))
    # Without an editor open, the arrows move the table's current cell.
    key(qtbot, Qt.Key.Key_Right)
    assert table.currentIndex().column() == 2
    assert anim.playback.position == 2
    # With an editor open, Left/Right (and Home/End, Space) move or type in the text.
    qtbot.keyClick(table, "7")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert table.state() == QAbstractItemView.State.EditingState
    qtbot.keyClicks(editor, "5")
    assert editor.cursorPosition() == 2
    for k in (Qt.Key.Key_Left, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home):
        qtbot.keyClick(editor, k)
    assert editor.cursorPosition() == 0
    qtbot.keyClick(editor, Qt.Key.Key_End)
    assert editor.cursorPosition() == 2
    assert anim.playback.position == 2
    assert not anim.playback.playing
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState, timeout=2000)
    assert lesson.state.kernel[1, 2] == 75
    assert anim.playback.position == 2


@pytest.mark.parametrize("name", ["strideSpin", "paddingCombo"])
def test_animation_keys_in_a_spin_box_or_combo_are_left_to_it(
    lesson: Any, qtbot: Any, name: str
) -> None:
    widget = lesson.findChild(QWidget, name)
    assert widget is not None
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    for k in (Qt.Key.Key_Right, Qt.Key.Key_End, Qt.Key.Key_Space, Qt.Key.Key_Left):
        key(qtbot, k)
    if isinstance(widget, QComboBox):
        assert widget.view().isVisible()  # Space opened the list, as it should
        widget.hidePopup()
    assert not lesson.anim.active
    assert not lesson.anim.playback.playing
    assert lesson.anim.playback.position == 0


def test_the_slider_scrubs_every_position(lesson: Any, qtbot: Any) -> None:
    slider = lesson.anim_bar.slider
    assert (slider.minimum(), slider.maximum()) == (0, 35)
    want = lesson_conv()
    label = lesson.anim_bar.pos_label
    for value in (15, 35, 0, 20):
        slider.setValue(value)
        rc = divmod(value, 6)
        assert position(lesson) == rc
        assert lesson.arithmetic.last_total == want[rc]
        assert label.text() == f"row {rc[0]}, col {rc[1]}  ({value + 1}/36)"
    # The slider follows the animation, too.
    key(qtbot, Qt.Key.Key_Right)
    assert slider.value() == 21
    # Keyboard on the slider itself: the window's keys apply (one step, not a page).
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus, timeout=2000)
    key(qtbot, Qt.Key.Key_Right)
    assert lesson.anim.playback.position == 22
    assert slider.value() == 22


def test_the_slider_range_follows_the_output_size(lesson: Any) -> None:
    slider = lesson.anim_bar.slider
    lesson.state.set_params(padding="valid")
    assert slider.maximum() == 15
    lesson.state.set_params(padding="same", stride=2)
    assert slider.maximum() == 8


def test_speed_control_offers_one_step_a_second_up_to_whole_rows(lesson: Any) -> None:
    combo = lesson.anim_bar.speed
    speeds = [float(combo.itemData(i)) for i in range(combo.count())]
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert (speeds[0], labels[0]) == (1.0, "1 step/s")
    assert speeds == sorted(speeds)
    assert len(set(speeds)) == len(speeds)
    assert any("row" in t for t in labels)
    # A 1024-wide image can be swept at whole rows per second: one row a second up to rows fast
    # enough to sweep 1024×1024 in seconds.
    wide = speed_table(1024)
    rows = [(s, t) for s, t in wide if "row" in t]
    assert rows[0] == (1024.0, "1 row/s")
    assert 1024 * 1024 / rows[-1][0] <= 5.0
    # A 28×28 picture can be watched cell by cell and in whole rows.
    small = dict((t, s) for s, t in speed_table(28))
    assert small["1 step/s"] == 1.0
    assert any(t.endswith("rows/s") and s % 28 == 0 for t, s in small.items())


def test_choosing_a_speed_from_the_list_sets_it(lesson: Any, qtbot: Any) -> None:
    lesson.set_document(ImageDoc(np.zeros((8, 1024), np.uint8), 8, "wide"))
    combo = lesson.anim_bar.speed
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "1 row/s" in labels and "256 rows/s" in labels
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus, timeout=2000)
    qtbot.keyClick(combo, Qt.Key.Key_Home)  # a closed combo picks with the keyboard
    assert lesson.anim.playback.speed == 1.0
    combo.showPopup()
    view = combo.view()
    view.setCurrentIndex(combo.model().index(labels.index("1 row/s"), 0))
    qtbot.keyClick(view.viewport(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    assert lesson.anim.playback.speed == 1024.0
    assert combo.currentText() == "1 row/s"
    assert not lesson.anim.active  # choosing a speed does not start anything


def test_playing_fast_reaches_the_end_and_stops_the_timer(lesson: Any, qtbot: Any) -> None:
    anim = lesson.anim
    lesson.anim_bar.speed.setCurrentIndex(0)
    anim.set_speed(250.0)
    seen: list[int] = []
    anim.position_changed.connect(lambda: seen.append(anim.playback.position))
    qtbot.mouseClick(lesson.anim_bar.play_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.playing
    assert anim.timer.isActive()
    qtbot.waitUntil(lambda: anim.playback.at_end and not anim.playback.playing, timeout=3000)
    assert position(lesson) == (5, 5)
    assert not anim.timer.isActive()
    assert lesson.anim_bar.play_btn.accessibleName() == "Play"
    assert seen == sorted(seen)  # forwards only
    # 250 steps/s is faster than the frame timer: positions were skipped, not queued.
    assert seen[-1] == 35
    assert len(seen) < 36
    # Everything has been computed: nothing of the output is blanked any more.
    cover = lesson.overlay.out_cover
    assert cover.rest_of_row.rect().width() == 0
    assert cover.rows_below.rect().height() == 0
    assert lesson.arithmetic.last_total == lesson_conv()[5, 5]
    # Play at the end starts again from the first position.
    key(qtbot, Qt.Key.Key_Space)
    assert anim.playback.playing
    assert anim.playback.position < 35


def test_while_playing_the_position_advances_with_time(lesson: Any, qtbot: Any) -> None:
    anim = lesson.anim
    anim.set_speed(30.0)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: anim.playback.position >= 4, timeout=3000)
    assert anim.playback.playing
    rc = position(lesson)
    assert lesson.arithmetic.last_total == lesson_conv()[rc]
    assert lesson.anim_bar.slider.value() == anim.playback.position
    key(qtbot, Qt.Key.Key_Space)


def test_editing_the_kernel_during_playback_keeps_the_position(lesson: Any, qtbot: Any) -> None:
    anim, state = lesson.anim, lesson.state
    anim.set_speed(4.0)
    anim.seek(10)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: anim.playback.position >= 14, timeout=3000)
    kernel = np.array(LESSON_KERNEL)
    kernel[0, 0] = -5
    pos = anim.playback.position
    with qtbot.waitSignal(state.result_changed, timeout=1000):
        state.set_kernel_cell(0, 0, "-5")  # what the kernel table writes
    assert anim.playback.position == pos  # the edit itself never moves the position
    assert anim.playback.playing
    want = lesson_conv(kernel)
    rc = divmod(pos, 6)
    assert lesson.arithmetic.last_total == want[rc]
    assert lesson.arithmetic.last_output == want[rc]
    assert np.array_equal(lesson.output_view.data, want)
    # Playing carries on a step at a time from there, not jumping ahead by the time already
    # played (that would be 4 positions or more here).
    with qtbot.waitSignal(anim.position_changed, timeout=2000):
        pass
    assert anim.playback.position - pos in (1, 2)
    rc = position(lesson)
    assert lesson.arithmetic.last_total == want[rc]
    assert anim.playback.playing

    # Typed into the table while it plays: the numbers follow, the position carries on.
    table = lesson.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(2, 2))
    qtbot.keyClick(table, "9")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    before = anim.playback.position
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: state.kernel[2, 2] == 9, timeout=2000)
    assert anim.playback.position >= before
    kernel[2, 2] = 9
    want = lesson_conv(kernel)
    rc = position(lesson)
    assert lesson.arithmetic.last_total == want[rc]
    anim.pause()
    assert not anim.timer.isActive()


def test_changing_the_layer_while_paused_keeps_or_clamps_the_position(lesson: Any) -> None:
    anim = lesson.anim
    anim.seek(14)  # (2, 2)
    lesson.state.set_params(boundary="replicate")
    assert position(lesson) == (2, 2)
    want = lesson_conv(boundary="replicate")
    assert lesson.arithmetic.last_total == want[2, 2]
    anim.seek(35)
    lesson.state.set_params(padding="valid")  # 4×4 now: clamped to the last position
    assert position(lesson) == (3, 3)
    assert lesson.arithmetic.last_total == lesson_conv(padding="valid")[3, 3]


def test_clicking_an_output_pixel_jumps_the_animation_there(lesson: Any, qtbot: Any) -> None:
    anim = lesson.anim
    key(qtbot, Qt.Key.Key_Space)  # even while playing
    for rc in ((2, 3), (0, 0), (5, 5), (4, 1)):
        lesson.output_view.clicked.emit(*cell_centre(lesson.output_view, rc))
        assert position(lesson) == rc
        assert not anim.playback.playing
        assert anim.active
        assert lesson.arithmetic.last_total == lesson_conv()[rc]
        assert f"Output row {rc[0]}, column {rc[1]}" in lesson.arithmetic.toPlainText()
    assert "= 198" not in lesson.arithmetic.toPlainText()
    lesson.output_view.clicked.emit(*cell_centre(lesson.output_view, (2, 3)))
    assert "= 198" in lesson.arithmetic.toPlainText()
    # Outside the output: nothing moves.
    lesson.output_view.clicked.emit(-5.0, -5.0)
    assert position(lesson) == (2, 3)


def test_clicking_a_strided_output_pixel(lesson: Any) -> None:
    lesson.state.set_params(padding=(1, 0, 2, 1), stride=(2, 3), dilation=(1, 2))
    data = lesson.output_view.data
    h, w = data.shape
    for rc in itertools.product(range(h), range(w)):
        lesson.output_view.clicked.emit(*cell_centre(lesson.output_view, rc))
        assert position(lesson) == rc
        assert lesson.arithmetic.last_output == float(data[rc])


def test_clicking_a_pooled_pixel_replays_its_pooling(lesson: Any) -> None:
    lesson.state.set_params(pool="max")
    lesson.pooled_view.clicked.emit(*cell_centre(lesson.pooled_view, (1, 2)))
    assert lesson.anim.stage == "pool"
    assert position(lesson) == (1, 2)
    assert lesson.arithmetic.last_total == float(lesson.state.result.pooled[1, 2])
    # An output click goes back to the convolution.
    lesson.output_view.clicked.emit(*cell_centre(lesson.output_view, (3, 4)))
    assert lesson.anim.stage == "conv"
    assert position(lesson) == (3, 4)


def brute_force_covering(
    shape: tuple[int, int], kshape: tuple[int, int], pixel: tuple[int, int], p: LayerParams
) -> list[tuple[int, int]]:
    """Every output position whose window has a tap on ``pixel`` (no padding copies)."""
    from convgui.core import output_shape, resolve_padding

    pads = resolve_padding(shape, kshape, p.padding, stride=p.stride, dilation=p.dilation)
    ho, wo = output_shape(shape, kshape, padding=p.padding, stride=p.stride, dilation=p.dilation)
    (sr, sc), (dr, dc) = p.stride, p.dilation
    hits = []
    for r, c in itertools.product(range(ho), range(wo)):
        rows = {r * sr + i * dr - pads[0] for i in range(kshape[0])}
        cols = {c * sc + j * dc - pads[2] for j in range(kshape[1])}
        if pixel[0] in rows and pixel[1] in cols:
            hits.append((r, c))
    return hits


HIT_SETTINGS = [
    (LESSON_KERNEL, LayerParams()),
    (LESSON_KERNEL, LayerParams(padding="valid")),
    (np.ones((2, 3)), LayerParams(padding="same", stride=2, boundary="wrap")),
    (np.ones((3, 2)), LayerParams(padding=(1, 0, 2, 1), stride=(1, 2), dilation=(2, 1))),
    (np.ones((5, 4)), LayerParams(padding="full", dilation=2, boundary="reflect")),
]


@pytest.mark.parametrize(("kernel", "params"), HIT_SETTINGS)
def test_clicking_an_input_pixel_outlines_every_covering_position(
    lesson: Any, kernel: np.ndarray, params: LayerParams
) -> None:
    lesson.state.set_all(kernel, params, "hits")
    hits_item = lesson.overlay.hits
    for pixel in itertools.product(range(6), range(6)):
        lesson.input_view.clicked.emit(pixel[1] + 0.5, pixel[0] + 0.5)
        got = covering_positions((6, 6), kernel.shape, pixel, **_geometry(params))
        want = brute_force_covering((6, 6), kernel.shape, pixel, params)
        assert [tuple(map(int, p)) for p in got] == want, pixel
        xs, ys = hits_item.getData()
        assert len(xs) == len(want), pixel
        # Each outline sits on its output cell.
        cells = sorted(lesson.output_view.cell_at(x, y) for x, y in zip(xs, ys))
        assert cells == want, pixel
        n = len(want)
        assert f"is read by {n} output position" in lesson.statusBar().currentMessage()


def _geometry(p: LayerParams) -> dict[str, Any]:
    return {"padding": p.padding, "stride": p.stride, "dilation": p.dilation}


def test_input_click_hits_are_cleared_by_an_output_click_or_a_miss(lesson: Any) -> None:
    hits = lesson.overlay.hits
    lesson.input_view.clicked.emit(2.5, 2.5)
    assert len(hits.getData()[0]) == 9
    lesson.input_view.clicked.emit(-3.0, 2.5)  # outside the image
    assert len(hits.getData()[0]) == 0
    lesson.input_view.clicked.emit(0.5, 0.5)
    assert len(hits.getData()[0]) == 4
    lesson.output_view.clicked.emit(*cell_centre(lesson.output_view, (1, 1)))
    assert len(hits.getData()[0]) == 0


def test_buttons_step_play_and_stop(lesson: Any, qtbot: Any) -> None:
    bar, anim = lesson.anim_bar, lesson.anim
    click = qtbot.mouseClick
    click(bar.fwd_btn, Qt.MouseButton.LeftButton)
    click(bar.fwd_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.position == 2
    click(bar.back_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.position == 1
    click(bar.end_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.position == 35
    click(bar.start_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.position == 0
    click(bar.play_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.playing
    click(bar.stop_btn, Qt.MouseButton.LeftButton)
    assert anim.playback.state is PlayState.STOPPED
    assert not anim.timer.isActive()
    assert not anim.active
    assert lesson.arithmetic.last_total is None
    for item in (lesson.overlay.in_window.taps, lesson.overlay.out_cover.current):
        assert not item.isVisible()
    # The buttons never take the keyboard focus away from the views.
    assert lesson.output_view.hasFocus()


def test_closing_the_window_while_playing_stops_the_timer(lesson: Any, qtbot: Any) -> None:
    key(qtbot, Qt.Key.Key_Space)
    assert lesson.anim.timer.isActive()
    lesson.close()
    assert not lesson.anim.timer.isActive()


def test_nothing_to_animate_disables_the_controls(lesson: Any, qtbot: Any) -> None:
    lesson.state.set_all(np.ones((9, 9)), LayerParams(padding="valid"), "too big")
    assert lesson.state.layer_error
    bar = lesson.anim_bar
    for w in (bar.play_btn, bar.fwd_btn, bar.back_btn, bar.slider):
        assert not w.isEnabled()
    key(qtbot, Qt.Key.Key_Space)
    assert not lesson.anim.playback.playing
    assert not lesson.anim.timer.isActive()
    assert bar.pos_label.text() == "no positions"


def test_an_image_change_resets_to_a_valid_position(lesson: Any, qtbot: Any) -> None:
    key(qtbot, Qt.Key.Key_End)
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    lesson.set_document(ImageDoc(img, 8, "small"))
    assert position(lesson) == (2, 3)
    ref = naive_correlate(img.astype(np.float64), LESSON_KERNEL, (1, 1, 1, 1))
    assert lesson.arithmetic.last_total == ref[2, 3]


def test_input_click_hits_are_cleared_when_the_output_changes(lesson: Any) -> None:
    hits = lesson.overlay.hits
    lesson.input_view.clicked.emit(2.5, 2.5)
    assert len(hits.getData()[0]) == 9
    # With stride 2 those nine outlines would sit on the wrong (and fewer) output pixels.
    lesson.state.set_params(stride=2)
    assert len(hits.getData()[0]) == 0
    lesson.input_view.clicked.emit(2.5, 2.5)
    xs = hits.getData()[0]
    want = covering_positions((6, 6), (3, 3), (2, 2), stride=2)
    assert len(xs) == len(want) == 4
    lesson.set_document(ImageDoc(np.zeros((4, 4), np.uint8), 8, "other"))
    assert len(hits.getData()[0]) == 0


@pytest.mark.parametrize("which", ["flipCheck", "lessonNext"])
def test_space_on_a_focused_button_presses_the_button(lesson: Any, qtbot: Any, which: str) -> None:
    if which == "lessonNext":
        lesson.start_lesson()
        button = lesson.lesson.next
    else:
        button = lesson.kernel_panel.flip_check
    button.setFocus()
    qtbot.waitUntil(button.hasFocus, timeout=2000)
    key(qtbot, Qt.Key.Key_Space)
    playing = lesson.anim.playback.playing
    lesson.anim.pause()
    assert not playing, "Space toggled the animation"
    if which == "lessonNext":
        assert lesson.lesson.index == 1
    else:
        assert lesson.state.params.flip


@pytest.mark.parametrize(
    ("boundary", "colour"),
    [("zero", "blue"), ("constant", "blue"), ("replicate", "orange"), ("wrap", "orange")],
)
def test_the_panel_names_the_colour_the_padding_is_drawn_in(
    lesson: Any, boundary: str, colour: str
) -> None:
    # Zero/constant padding is drawn blue, copied padding (replicate…wrap) orange, both on the
    # input's ring and in the panel's grids: the sentence must say which.
    lesson.state.set_params(boundary=boundary, cval=5.0)
    lesson.anim.seek_rc(0, 0)
    text = lesson.arithmetic.toPlainText()
    assert f"(the {colour} cells are padding" in text
    other = {"blue": "orange", "orange": "blue"}[colour]
    assert f"the {other} cells" not in text
    ring = lesson.overlay.ring.tint.brush().color()
    assert (ring.blue() > ring.red()) == (colour == "blue")
    lesson.anim.seek_rc(2, 2)
    assert "cells are padding" not in lesson.arithmetic.toPlainText()


def test_follow_keeps_the_window_in_view_and_readable(lesson: Any, qtbot: Any) -> None:
    from convgui.gui.image_view import MIN_CELL_PX_FOR_TEXT

    lesson.open_sample(samples()[1])  # 28×28: at "fit" its numbers are too small to write
    view = lesson.input_view
    qtbot.waitUntil(lambda: 0 < view.pixel_size_on_screen() < MIN_CELL_PX_FOR_TEXT, timeout=2000)
    qtbot.mouseClick(lesson.anim_bar.follow_check, Qt.MouseButton.LeftButton)
    assert lesson.overlay.follow
    for rc in ((0, 0), (14, 20), (27, 27), (3, 25)):
        lesson.anim.seek_rc(*rc)
        window_rect = lesson.overlay.in_window.taps.path().boundingRect()
        shown = view.view.viewRect()
        assert shown.contains(window_rect), rc
        assert view.pixel_size_on_screen() >= MIN_CELL_PX_FOR_TEXT, rc
    qtbot.mouseClick(lesson.anim_bar.follow_check, Qt.MouseButton.LeftButton)
    assert not lesson.overlay.follow


def test_hovering_a_copied_padding_cell_names_its_source_pixel(lesson: Any) -> None:
    lesson.state.set_params(boundary="mirror")
    lesson.anim.seek(0)  # the ring is drawn
    # Padded cell (-1, -1) mirrors image pixel (1, 1), whose value is 4.
    lesson.input_view.hovered.emit(-0.5, -0.5)
    text = lesson.hover_label.text()
    assert "row 1, col 1" in text
    assert "4" in text
