"""Help ▸ Lesson: the guided tour, clicked through step by step, each step's promise checked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from animation_helpers import LESSON
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction

from convgui.core import LayerParams, correlate2d, get_preset, pool2d
from convgui.resources import samples

LESSON_KERNEL = get_preset("lesson")


@pytest.fixture
def tour(window: Any, qtbot: Any) -> Any:
    """The tour started from the Help menu, on a window showing something else first."""
    window.open_sample(samples()[1])  # the 28×28 boot: the tour must load the 6×6 grid itself
    window.state.set_all(np.ones((2, 2)), LayerParams(padding="valid", stride=2), "before")
    window.state.set_display_mode("stretch")
    action = window.findChild(QAction, "lessonAction")
    assert action is not None
    action.trigger()
    lesson = window.lesson
    qtbot.waitUntil(lesson.isVisible, timeout=2000)
    return window


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def highlighted(window: Any) -> Any:
    hl = window.lesson.highlight
    if not hl.isVisible():
        return None
    target = hl.target
    assert target is not None
    # The frame surrounds the part of the target widget that is on screen (a panel in a
    # scroll area may be partly hidden; the frame must not spill over other widgets).
    parent = hl.parentWidget()
    visible = target.visibleRegion().boundingRect()
    where = QRect(target.mapTo(parent, visible.topLeft()), visible.size())
    assert hl.geometry().contains(where)
    assert hl.geometry().adjusted(3, 3, -3, -3) == where
    return target


def assert_step(window: Any, n: int) -> None:
    lesson = window.lesson
    assert lesson.index == n - 1
    assert lesson.counter.text() == f"Step {n} of 9"
    assert lesson.back.isEnabled() == (n > 1)
    assert lesson.next.isEnabled() == (n < 9)
    assert lesson.title.text()
    assert lesson.text.text()


def test_the_tour_keeps_every_promise(tour: Any, qtbot: Any) -> None:
    w = tour
    state, anim, panel, lesson = w.state, w.anim, w.arithmetic, w.lesson

    # 1: the grid of numbers.
    assert_step(w, 1)
    assert state.doc is not None and state.doc.name == samples()[0].title
    assert np.array_equal(state.engine_image(), LESSON)
    assert np.array_equal(state.kernel, LESSON_KERNEL)
    assert state.params.padding == "same"
    assert state.display_mode == "clip"
    assert not anim.active
    assert highlighted(w) is w.input_panel

    # 2: the kernel.
    click(qtbot, lesson.next)
    assert_step(w, 2)
    assert highlighted(w) is w.kernel_panel
    assert not anim.active

    # 3: multiply and sum: the pixel 25 at (2, 3) gives 198.
    click(qtbot, lesson.next)
    assert_step(w, 3)
    assert anim.active and not anim.playback.playing
    assert anim.position_rc() == (2, 3)
    assert LESSON[2, 3] == 25
    assert panel.last_total == 198
    assert panel.last_output == 198
    assert "2×1 + 5×2 + 4×1" in panel.toPlainText()
    assert "198" in lesson.text.text()
    assert highlighted(w) is panel

    # 4: the edge question: the corner window hangs over the edge, its outside cells are "?"
    # and the panel asks the question instead of answering it.
    click(qtbot, lesson.next)
    assert_step(w, 4)
    assert anim.active and anim.position_rc() == (0, 0)
    assert w.overlay.ring.unknown and w.overlay.ring.values.question
    assert not w.overlay.ring.image.isVisible()
    assert panel.last_total is None
    assert "5 of the kernel's 9 cells" in panel.toPlainText()
    assert highlighted(w) is w.input_panel

    # 5: "valid": the output shrinks to 4×4.
    click(qtbot, lesson.next)
    assert_step(w, 5)
    assert state.params.padding == "valid"
    assert state.result.activated.shape == (4, 4)
    assert w.output_view.data.shape == (4, 4)
    assert anim.grid_shape() == (4, 4)
    assert anim.position_rc() == (0, 0)
    assert panel.last_total == correlate2d(LESSON, LESSON_KERNEL, padding="valid")[0, 0]
    assert "= 4" in lesson.text.text()
    assert highlighted(w) is w.layer_panel

    # 6: zero padding: the corner has a full window and sums to 22.
    click(qtbot, lesson.next)
    assert_step(w, 6)
    assert state.params.padding == "same"
    assert state.params.boundary == "zero"
    assert state.result.activated.shape == (6, 6)
    assert anim.position_rc() == (0, 0)
    assert panel.last_total == 22
    text = panel.toPlainText()
    assert text.count("0×") >= 5  # the padded cells appear as what they are
    assert "2×4 + 3×2" in text and "2×2 + 4×1 = 22" in text
    assert "22" in lesson.text.text()
    assert w.overlay.ring.image.isVisible()
    assert highlighted(w) is panel

    # 7: slide over the whole image: playing, from the start.
    click(qtbot, lesson.next)
    assert_step(w, 7)
    assert anim.playback.playing
    assert anim.timer.isActive()
    assert anim.playback.speed == 4.0
    assert anim.playback.position <= 1
    assert highlighted(w) is w.output_panel

    # 8: why outputs pass 255: the kernel sums to 16; the normalised version (divisor 16).
    click(qtbot, lesson.next)
    assert_step(w, 8)
    assert float(LESSON_KERNEL.sum()) == 16
    assert "16" in lesson.text.text() and "255" in lesson.text.text()
    assert state.params.divisor == 16
    conv = correlate2d(LESSON, LESSON_KERNEL)
    np.testing.assert_allclose(w.output_view.data, conv / 16, rtol=1e-6)
    assert float(w.output_view.data.max()) <= 255  # back on the 0–255 scale
    assert panel.last_total == 198 and panel.last_output == pytest.approx(198 / 16)
    assert "198 ÷ 16" in panel.toPlainText()
    assert highlighted(w) is w.output_panel

    # 9: max pooling: 6×6 becomes 3×3, the winner marked.
    click(qtbot, lesson.next)
    assert_step(w, 9)
    assert not anim.playback.playing
    assert not anim.timer.isActive()
    assert state.params.pool == "max"
    assert anim.stage == "pool"
    assert state.result.pooled.shape == (3, 3)
    assert anim.grid_shape() == (3, 3)
    assert anim.position_rc() == (0, 0)
    assert w.pooled_panel.isVisible()
    conv = correlate2d(LESSON, LESSON_KERNEL)
    assert panel.last_total == pool2d(conv, 2)[0, 0] == conv[:2, :2].max()
    assert w.overlay.out_window.winner.isVisible()
    qtbot.waitUntil(lambda: highlighted(w) is w.pooled_panel, timeout=2000)  # after layout
    assert not lesson.next.isEnabled()


def test_back_returns_to_the_previous_step(tour: Any, qtbot: Any) -> None:
    w = tour
    lesson, anim = w.lesson, w.anim
    for _ in range(8):
        click(qtbot, lesson.next)
    assert_step(w, 9)
    assert anim.stage == "pool"
    click(qtbot, lesson.back)
    assert_step(w, 8)
    assert anim.stage == "conv"
    assert w.state.params.pool == "none"
    click(qtbot, lesson.back)
    assert_step(w, 7)
    assert anim.stage == "conv"
    assert w.state.params.pool == "none"
    assert anim.playback.playing
    click(qtbot, lesson.back)
    assert_step(w, 6)
    assert not anim.playback.playing
    assert not anim.timer.isActive()
    assert anim.position_rc() == (0, 0)
    assert w.arithmetic.last_total == 22
    click(qtbot, lesson.back)
    click(qtbot, lesson.back)
    click(qtbot, lesson.back)
    assert_step(w, 3)
    assert w.arithmetic.last_total == 198
    click(qtbot, lesson.back)
    click(qtbot, lesson.back)
    assert_step(w, 1)
    assert not lesson.back.isEnabled()


def test_close_hides_the_tour_and_its_highlight(tour: Any, qtbot: Any) -> None:
    w = tour
    lesson = w.lesson
    click(qtbot, lesson.next)
    click(qtbot, lesson.next)
    assert lesson.highlight.isVisible()
    click(qtbot, lesson.close_btn)
    assert not lesson.isVisible()
    assert not lesson.highlight.isVisible()
    assert lesson.highlight.target is None
    # The user's own image, kernel, settings and display are back, exactly.
    assert w.state.doc is not None and w.state.doc.name == samples()[1].title
    assert np.array_equal(w.state.kernel, np.ones((2, 2)))
    assert w.state.params == LayerParams(padding="valid", stride=2)
    assert w.state.display_mode == "stretch"
    assert not w.anim.active and not w.overlay.in_window.taps.isVisible()
    assert w.state.result is not None and w.state.result.activated.shape == (14, 14)
    assert np.array_equal(w.output_view.data, w.state.result.activated)
    # Undo still undoes the user's last change, not a lesson step.
    assert w.state.undo_label == "before"
    # Starting again opens at the first step.
    w.findChild(QAction, "lessonAction").trigger()
    assert lesson.isVisible()
    assert_step(w, 1)
    assert w.findChildren(type(lesson)) == [lesson]  # one tour, not a second panel


def test_closing_the_window_mid_tour_leaves_no_timer(tour: Any, qtbot: Any) -> None:
    w = tour
    for _ in range(6):
        click(qtbot, w.lesson.next)
    assert_step(w, 7)
    assert w.anim.timer.isActive()
    w.close()
    assert not w.anim.timer.isActive()


def test_the_tour_steps_with_the_keyboard_animation_keys_too(tour: Any, qtbot: Any) -> None:
    # At step 9 the text says "Step through it with Right": Right moves through the pooling.
    w = tour
    for _ in range(8):
        click(qtbot, w.lesson.next)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    w.pooled_view.setFocus()
    qtbot.waitUntil(w.pooled_view.hasFocus, timeout=2000)
    qtbot.keyClick(w.pooled_view, Qt.Key.Key_Right)
    assert w.anim.stage == "pool"
    assert w.anim.position_rc() == (0, 1)
    conv = correlate2d(LESSON, LESSON_KERNEL)
    assert w.arithmetic.last_total == conv[:2, 2:4].max()


def test_closing_gives_back_the_users_animation_speed(window: Any, qtbot: Any) -> None:
    window.anim.set_speed(60.0)
    window.start_lesson()
    for _ in range(6):
        click(qtbot, window.lesson.next)  # step 7 plays at 4 steps/s
    assert window.anim.playback.speed == 4.0
    click(qtbot, window.lesson.close_btn)
    assert window.anim.playback.speed == 60.0


def test_steps_not_about_the_controls_give_their_room_to_the_pictures(
    window: Any, qtbot: Any
) -> None:
    window.resize(1024, 700)
    window.start_lesson()
    widths = {}
    for i, step in enumerate(window.lesson.steps):
        window.lesson.go(i)
        qtbot.wait(20)
        shown = not window.middle.isHidden()
        assert shown == (step.target in ("kernel", "layer")), step.title
        widths[i] = window.input_view.width()
    assert widths[0] > widths[1]  # step 1 (the grid) has the controls' room, step 2 not
    window.lesson.finish()
    assert not window.middle.isHidden()
