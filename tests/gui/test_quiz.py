"""Animation ▸ Quiz: the hidden cell, the answer, the worked sum, and everything put back after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, type_into_cell
from lesson_grid import GRID, KERNEL
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QWidget

from convgui.core import LayerParams, correlate2d
from convgui.gui.quiz import COVER_Z


def lesson_conv(**params: Any) -> np.ndarray:
    """The lesson grid through the lesson kernel, computed here (not read from the app)."""
    p = LayerParams(**{"padding": "same", **params})
    return correlate2d(GRID.astype(np.float64), KERNEL.astype(np.float64), **p.conv_kwargs())


@pytest.fixture
def quiz_window(window: Any) -> Any:
    """The window on the lesson's grid and kernel ('same' zero padding), quiz turned on."""
    window.state.set_all(KERNEL.astype(float), LayerParams(padding="same"), "lesson kernel")
    action = window.quiz_action
    assert action.isCheckable() and not action.isChecked()
    action.trigger()
    assert action.isChecked() and window.quiz.active
    return window


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    arr = (rng.random((30, 40)) * 255).astype(np.uint8)
    img = QImage(arr.data, 40, 30, 40, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "photo.png"
    assert img.save(str(path))
    return path


def answer(qtbot: Any, window: Any, text: str) -> None:
    field = window.quiz.panel.answer
    field.setFocus()
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def cover_rects(view: Any) -> list[QRectF]:
    """Opaque rectangles drawn over map cells of ``view`` by the quiz (visible ones)."""
    from PySide6.QtWidgets import QGraphicsRectItem

    return [
        item.rect()
        for item in view.view.addedItems
        if isinstance(item, QGraphicsRectItem)
        and item.isVisible()
        and item.zValue() == COVER_Z
        and item.brush().color().alpha() == 255
    ]


def assert_hidden(window: Any, row: int, col: int, value: float) -> None:
    """The output cell is under an opaque cover, above every value text and animation cover."""
    r = window.state.result
    left, top, w, h = r.geometry.output.cell_rect(row, col)
    assert cover_rects(window.output_view) == [QRectF(left, top, w, h)]
    assert window.output_view.values.zValue() < COVER_Z
    assert max(i.zValue() for i in window.overlay.out_cover.items) < COVER_Z
    arith = window.arithmetic
    assert arith.last_output is None and arith.last_total is None
    shown = arith.toPlainText()
    assert "hidden until you answer" in shown
    assert f"{value:g}" not in shown


# --- the flow ------------------------------------------------------------------------------------


def test_menu_entry_and_shortcut(window: Any) -> None:
    action = window.quiz_action
    assert action.objectName() == "quizAction"
    assert action.shortcut() == QKeySequence("Ctrl+Shift+P")
    menu = window.actions_built.menus["&Animation"]
    assert action in menu.actions()
    # The shortcut is nobody else's.
    owners = [a for a in window.findChildren(type(action)) if a.shortcut() == action.shortcut()]
    assert owners == [action]


def test_turning_on_hides_the_cell_under_the_window(quiz_window: Any) -> None:
    w = quiz_window
    q = w.quiz.question
    assert q is not None and q.cell == (0, 0) and q.stage == "conv"
    want = lesson_conv()
    assert q.expected == want[0, 0] == 22.0
    panel = w.quiz.panel
    assert panel.isVisible()
    assert "highlighted output cell (row 0, col 0)" in panel.question.text()
    # The rule in words, never the range of right answers (it would tell the value).
    assert "3 significant digits are enough" in panel.feedback.text()
    assert not any(n in panel.feedback.text() for n in ("21.9", "22", "0.05"))
    # The animation shows the window at the asked position, paused, the whole output shown.
    assert w.anim.active and not w.anim.model.playing and w.anim.position_rc() == (0, 0)
    assert w.overlay.in_window.taps.isVisible() and not w.overlay.out_cover.covering
    assert_hidden(w, 0, 0, 22.0)
    assert w.quiz.hidden_cells() == {"output": [(0, 0)], "pooled": []}


def test_right_answer_with_enter_shows_the_sum(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    answer(qtbot, w, "22")
    panel = w.quiz.panel
    assert panel.feedback.text().count("Right") == 1
    assert panel.score.text().startswith("Score 1/1")
    # The cell is uncovered and the worked sum is written out for that cell.
    assert cover_rects(w.output_view) == []
    arith = w.arithmetic
    assert arith.last_output == 22.0 and arith.last_total == 22.0
    assert "= 22" in arith.toPlainText() and "Output row 0, column 0" in arith.toPlainText()
    assert not panel.check.isEnabled()
    # Enter again asks the next cell along the scan, hidden again.
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)
    q = w.quiz.question
    assert q is not None and q.cell == (0, 1) and w.anim.position_rc() == (0, 1)
    assert_hidden(w, 0, 1, lesson_conv()[0, 1])


def test_wrong_answer_says_the_value(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    answer(qtbot, w, "21")
    text = w.quiz.panel.feedback.text()
    assert "Wrong" in text and "the value is 22" in text
    assert w.quiz.panel.score.text().startswith("Score 0/1")
    assert w.arithmetic.last_output == 22.0


def test_fractions_count_within_the_shown_precision(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(divisor=16.0)  # 22/16 = 1.375, written exactly by the app
    q = w.quiz.question
    assert q is not None and q.cell == (0, 0) and q.shown == "1.375"
    answer(qtbot, w, "22/16")
    assert "Right" in w.quiz.panel.feedback.text()
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Return)
    answer(qtbot, w, "1.8")  # 28/16 = 1.75 is the next cell: 1.8 is 0.05 away
    assert "Wrong" in w.quiz.panel.feedback.text()
    assert w.quiz.panel.score.text().startswith("Score 1/2")
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Return)
    q = w.quiz.question  # 35/16 = 2.1875: four decimals, written with 3 significant digits
    assert q is not None and q.cell == (0, 2) and q.shown == "2.19"
    answer(qtbot, w, "2.19")
    assert "Right" in w.quiz.panel.feedback.text()
    assert "2.1875 in the map" in w.quiz.panel.feedback.text()


def test_unreadable_answer_is_explained_and_not_counted(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    answer(qtbot, w, "twenty")
    assert "not a number" in w.quiz.panel.feedback.text()
    assert w.quiz.panel.score.text().startswith("Score 0/0")
    assert_hidden(w, 0, 0, 22.0)  # still open, still hidden
    answer(qtbot, w, "")
    assert "Type your answer first" in w.quiz.panel.feedback.text()


def test_show_answer_counts_as_not_right(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    qtbot.mouseClick(w.quiz.panel.show_answer, Qt.MouseButton.LeftButton)
    assert "The answer is 22" in w.quiz.panel.feedback.text()
    assert w.quiz.panel.score.text().startswith("Score 0/1")
    assert w.arithmetic.last_output == 22.0 and cover_rects(w.output_view) == []


def test_hover_does_not_tell_the_hidden_value(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    place = w.state.result.geometry.output
    x, y = place.left + 0.5, place.top + 0.5
    w.output_view.hovered.emit(x, y)
    assert "output (row 0, col 0) = ?" in w.hover_label.text()
    assert "22" not in w.hover_label.text()
    # The input pixel at the same place (stride 1) names the output cell too: masked as well.
    w.input_view.hovered.emit(0.5, 0.5)
    assert "output (row 0, col 0) = ?" in w.hover_label.text()
    # Another cell is told as usual.
    w.output_view.hovered.emit(x + 1, y)
    assert "= 28" in w.hover_label.text()
    # The pointer stays there while that cell becomes the next question: masked at once.
    answer(qtbot, w, "22")
    assert "= 28" in w.hover_label.text()
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Return)
    assert w.quiz.question.cell == (0, 1)
    assert "output (row 0, col 1) = ?" in w.hover_label.text()
    assert "28" not in w.hover_label.text()


def test_clicking_an_output_cell_asks_about_it(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    place = w.state.result.geometry.output
    view = w.output_view
    scene_pos = view.view.mapViewToScene(QPointF(place.left + 3.5, place.top + 2.5))
    view.clicked.emit(*view._to_data(scene_pos).toTuple())  # as the view reports a click
    q = w.quiz.question
    assert q is not None and q.cell == (2, 3) and q.expected == 198.0
    assert w.anim.position_rc() == (2, 3)
    assert_hidden(w, 2, 3, 198.0)
    answer(qtbot, w, "198")
    assert "Right" in w.quiz.panel.feedback.text()
    assert "2×1 + 5×2" in w.arithmetic.toPlainText().replace("\u2212", "-")


def test_pooled_questions_hide_the_pooled_cell(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(pool="max")
    # A question about the output also hides the pooled cell that copies its maximum.
    q = w.quiz.question
    assert q is not None and q.stage == "conv" and q.give_away == ((0, 0),)
    pooled_place = w.state.result.geometry.pooled
    assert cover_rects(w.pooled_view) == [QRectF(*pooled_place.cell_rect(0, 0))]
    assert "changed" in w.quiz.panel.feedback.text()
    box = w.quiz.panel.pooled
    assert box.isEnabled()
    box.click()
    q = w.quiz.question
    want = lesson_conv().reshape(3, 2, 3, 2).max(axis=(1, 3))
    assert q is not None and q.stage == "pool" and q.expected == want[q.cell]
    assert w.anim.stage == "pool" and w.anim.position_rc() == q.cell
    assert cover_rects(w.pooled_view) == [QRectF(*pooled_place.cell_rect(*q.cell))]
    assert cover_rects(w.output_view) == []
    assert w.arithmetic.last_output is None
    answer(qtbot, w, f"{want[q.cell]:g}")
    assert "Right" in w.quiz.panel.feedback.text()
    assert w.arithmetic.last_output == want[q.cell]  # the pooling's worked max
    # Pooling off: back to the output.
    w.state.set_params(pool="none")
    assert not box.isEnabled() and w.quiz.question.stage == "conv"


def test_hard_cells_box(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(padding="same", stride=(1, 1))
    panel = w.quiz.panel
    panel.hard.click()
    assert not panel.order.isEnabled()
    for _ in range(20):
        qtbot.mouseClick(panel.next, Qt.MouseButton.LeftButton)
        q = w.quiz.question
        assert q is not None and q.reasons != 0
        r, c = q.cell
        assert r in (0, 5) or c in (0, 5)  # the 6×6 output's ring: the windows reach padding
    assert "hard cell" in panel.feedback.text().lower()


# --- changes while a question is open ------------------------------------------------------------


def test_a_kernel_edit_asks_again_for_the_new_output(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    type_into_cell(qtbot, w, 1, 1, "5")  # the centre weight 4 → 5: the corner's 22 becomes 24
    q = w.quiz.question
    assert q is not None and q.cell == (0, 0) and q.expected == 24.0
    assert "old answer would be wrong" in w.quiz.panel.feedback.text()
    assert_hidden(w, 0, 0, 24.0)
    answer(qtbot, w, "22")
    assert "Wrong" in w.quiz.panel.feedback.text()
    # An edit after the answer: the verdict is gone with the old output, the cell hidden again.
    type_into_cell(qtbot, w, 1, 1, "4")
    assert "output changed" in w.quiz.panel.feedback.text()
    assert w.quiz.quiz.open and w.quiz.question.expected == 22.0
    assert_hidden(w, 0, 0, 22.0)


def test_settings_without_output_say_so_and_come_back(quiz_window: Any) -> None:
    w = quiz_window
    w.state.set_params(padding="valid", dilation=4)  # 9-wide window over a 6×6 image
    assert w.state.result is None
    panel = w.quiz.panel
    assert "no output" in panel.feedback.text()
    assert not panel.check.isEnabled() and not panel.answer.isEnabled()
    assert cover_rects(w.output_view) == []
    w.state.set_params(padding="same", dilation=1)
    q = w.quiz.question
    assert q is not None and panel.answer.isEnabled()
    assert_hidden(w, *q.cell, q.expected)


def test_tiny_output_asks_its_only_cell(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(padding="valid", dilation=2, stride=2)  # 5-wide window: 1×1 output
    assert w.state.result.activated.shape == (1, 1)
    for _ in range(3):
        qtbot.mouseClick(w.quiz.panel.next, Qt.MouseButton.LeftButton)
        assert w.quiz.question.cell == (0, 0)


# --- leaving --------------------------------------------------------------------------------------


def assert_restored(w: Any) -> None:
    assert not w.quiz.active and not w.quiz_action.isChecked()
    assert not w.quiz.panel.isVisible()
    assert cover_rects(w.output_view) == [] and cover_rects(w.pooled_view) == []
    assert not w.arithmetic.isHidden()
    assert "hidden until you answer" not in w.arithmetic.toPlainText()


def test_leaving_puts_everything_back_then_the_main_path_works(
    quiz_window: Any, qtbot: Any, photo: Path
) -> None:
    w = quiz_window
    w.quiz_action.trigger()  # uncheck
    assert_restored(w)
    assert not w.anim.active  # the whole output, no window
    assert w.arithmetic.is_hint
    assert w.open_path(photo)
    type_into_cell(qtbot, w, 0, 0, "3")
    assert w.state.kernel[0, 0] == 3
    assert_output_is_exact(w)
    w.output_view.hovered.emit(0.5, 0.5)
    assert "?" not in w.hover_label.text()


def test_escape_in_the_panel_leaves(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.quiz.panel.answer.setFocus()
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Escape)
    assert_restored(w)


def test_opening_an_image_leaves_and_shows_the_whole_output(
    quiz_window: Any, qtbot: Any, photo: Path
) -> None:
    w = quiz_window
    assert w.open_path(photo)
    assert_restored(w)
    assert not w.anim.active
    type_into_cell(qtbot, w, 1, 1, "2")
    assert_output_is_exact(w)


def test_starting_the_lesson_leaves_the_quiz(quiz_window: Any) -> None:
    w = quiz_window
    w.lesson_action.trigger()
    assert_restored(w)
    assert w.lesson.running
    w.lesson.finish()


def test_starting_the_quiz_ends_the_lesson(window: Any) -> None:
    window.start_lesson()
    window.lesson.go(2)
    window.quiz_action.trigger()
    assert not window.lesson.running and window.quiz.active
    assert window.quiz.question is not None


def test_switching_mode_leaves_and_coming_back_is_clean(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.add_mode("quiz-test-mode", QWidget())
    w.show_mode("quiz-test-mode")
    assert_restored(w)
    w.show_mode("kernel")
    type_into_cell(qtbot, w, 2, 2, "7")
    assert_output_is_exact(w)
    # On again: the score of the session is kept.
    w.quiz_action.trigger()
    assert w.quiz.active and w.quiz.panel.score.text().startswith("Score 0/0")
    answer(qtbot, w, "0")
    w.quiz_action.trigger()
    w.quiz_action.trigger()
    assert w.quiz.panel.score.text().startswith("Score 0/1")


def test_a_kernel_edit_keeps_the_focus_in_the_table(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    type_into_cell(qtbot, w, 2, 2, "2")  # its weight 1 → 2 over the image's 4: 22 + 4
    assert w.quiz.question is not None and w.quiz.question.expected == 26.0
    from PySide6.QtWidgets import QApplication

    assert QApplication.focusWidget() is w.kernel_panel.table


def test_playing_with_a_question_open_keeps_it_hidden(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.anim.set_speed(60.0)
    w.anim.play()
    qtbot.waitUntil(lambda: w.anim.playback.position > 4, timeout=3000)
    w.anim.pause()
    assert_hidden(w, 0, 0, 22.0)
    answer(qtbot, w, "22")
    # The answer moves the window back to the asked cell for its worked sum.
    assert w.anim.position_rc() == (0, 0) and w.arithmetic.last_output == 22.0


def test_larger_text_grows_the_question(quiz_window: Any) -> None:
    w = quiz_window
    label = w.quiz.panel.question
    before = label.font().pointSizeF()
    w.text_size.larger()
    try:
        assert label.font().pointSizeF() > before
        assert label.font().bold()
    finally:
        w.text_size.reset()


# --- the newcomer's review: the rule, exact sums, readable inputs, text size, colour ----------


def test_the_hint_never_gives_the_answer_away(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(bias=3.5)  # values such as 25.5: the old hint said "from 25 to 26"
    panel = w.quiz.panel
    for _ in range(8):
        q = w.quiz.question
        assert q is not None and w.quiz.quiz.open
        shown = panel.feedback.text()
        assert "3 significant digits are enough" in shown
        lo, hi = q.expected - q.tolerance, q.expected + q.tolerance
        for v in (q.expected, lo, hi):
            assert f"{v:g}".replace("-", "−") not in shown, (v, shown)
        assert "count as right" not in shown
        qtbot.mouseClick(panel.next, Qt.MouseButton.LeftButton)
    # After an answer the numbers of the rule are told.
    q = w.quiz.question
    answer(qtbot, w, "0")
    assert f"closer than {q.tolerance:g}" in panel.feedback.text()


def test_a_bias_of_3_5_is_asked_and_summed_exactly(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    w.state.set_params(bias=3.5)
    want = lesson_conv() + 3.5
    q = w.quiz.question
    assert q is not None and q.cell == (0, 0) and q.expected == want[0, 0] == 25.5
    assert q.shown == "25.5"
    answer(qtbot, w, "26")  # the old rounding wrote 26 and took 25 or 26
    assert "Wrong" in w.quiz.panel.feedback.text()
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Return)
    q = w.quiz.question
    assert q is not None and q.cell == (0, 1)
    answer(qtbot, w, f"{want[0, 1]:g}")
    assert "Right" in w.quiz.panel.feedback.text()
    text = w.arithmetic.toPlainText()
    total = want[0, 1] - 3.5
    assert f"{total:g} ÷ 1 + 3.5 = {want[0, 1]:g}" in text, text


@pytest.fixture
def photo_quiz(window: Any, photo: Path, qtbot: Any) -> Any:
    """A 30×40 photo at 1024×700, zoomed out to the whole image, the quiz turned on."""
    window.resize(1024, 700)
    assert window.open_path(photo)
    window.state.set_all(KERNEL.astype(float), LayerParams(padding="same", bias=3.5), "k")
    qtbot.wait(50)
    assert window.input_view.pixel_size_on_screen() < 22  # no values drawn: "zoom in"
    return window


def window_rect(w: Any) -> QRectF:
    q = w.quiz.question
    rows, cols = w.state.result.geometry.window_taps(q.row, q.col)
    return QRectF(cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1)


def assert_values_readable(w: Any, qtbot: Any) -> None:
    """The asked window shows in the input, centred, with its values written in full."""
    from convgui.gui.image_view import format_value, label_plan

    view = w.input_view
    shown = view.view.viewRect()
    win = window_rect(w)
    assert shown.contains(win)
    px = view.pixel_size_on_screen()
    data = view.data
    r0, c0 = max(0, int(win.top())), max(0, int(win.left()))
    block = data[r0 : int(win.bottom()), c0 : int(win.right())]
    plan = label_plan(block.ravel(), px, view.values.text_scale)
    assert plan is not None and plan[0] is format_value  # written in full, not shortened
    out = w.output_view.data
    q = w.quiz.question
    around = out[max(0, q.row - 1) : q.row + 2, max(0, q.col - 1) : q.col + 2]
    plan = label_plan(around.ravel(), w.output_view.pixel_size_on_screen(), view.values.text_scale)
    assert plan is not None and plan[0] is format_value
    # Painted: the views say nothing is missing (no "zoom in for values").
    w.input_view.grab()
    w.output_view.grab()
    qtbot.waitUntil(lambda: w.input_view.values.fits is True)
    qtbot.waitUntil(lambda: w.output_view.values.fits is True)
    assert not w.input_view.hint.isVisible() and not w.output_view.hint.isVisible()


def test_a_question_zooms_in_on_its_window_and_leaving_puts_the_zoom_back(
    photo_quiz: Any, qtbot: Any
) -> None:
    w = photo_quiz
    before = w.input_view.view.viewRect()
    w.quiz_action.trigger()
    qtbot.wait(20)
    assert_values_readable(w, qtbot)
    assert w.quiz.ask_at("conv", 20, 30)
    qtbot.wait(20)
    assert_values_readable(w, qtbot)
    centre = w.input_view.view.viewRect().center()
    assert abs(centre.x() - window_rect(w).center().x()) < 0.5
    assert abs(centre.y() - window_rect(w).center().y()) < 0.5
    # The next cell along the scan is still in view: the views stay where they are.
    shown = w.input_view.view.viewRect()
    qtbot.mouseClick(w.quiz.panel.next, Qt.MouseButton.LeftButton)
    assert w.quiz.question.cell == (20, 31)
    assert w.input_view.view.viewRect() == shown
    w.quiz_action.trigger()  # leave: fitted to the whole image again, as before
    qtbot.waitUntil(lambda: abs(w.input_view.view.viewRect().width() - before.width()) < 1e-6)
    assert w.input_view.view.viewRect().left() == pytest.approx(before.left(), abs=1e-6)


def test_larger_text_zooms_further_and_escape_restores(photo_quiz: Any, qtbot: Any) -> None:
    w = photo_quiz
    before = w.input_view.view.viewRect()
    w.quiz_action.trigger()
    px = w.input_view.pixel_size_on_screen()
    w.text_size.set_scale(1.5)
    try:
        qtbot.wait(20)
        assert w.input_view.pixel_size_on_screen() > px
        assert_values_readable(w, qtbot)
    finally:
        w.text_size.reset()
    w.quiz.panel.answer.setFocus()
    qtbot.keyClick(w.quiz.panel.answer, Qt.Key.Key_Escape)
    assert not w.quiz.active
    qtbot.waitUntil(lambda: abs(w.input_view.view.viewRect().width() - before.width()) < 1e-6)


def test_opening_an_image_keeps_the_new_fit(photo_quiz: Any, photo: Path, qtbot: Any) -> None:
    w = photo_quiz
    w.quiz_action.trigger()
    zoomed = w.input_view.view.viewRect()
    assert w.open_path(photo)
    assert not w.quiz.active
    # Fitted to the image again (the quiz does not put its old zoom back over the fit).
    qtbot.waitUntil(lambda: w.input_view.view.viewRect().width() > 3 * zoomed.width())
    assert w.input_view.view.viewRect().contains(QRectF(0, 0, 40, 30))


def test_every_widget_of_the_panel_follows_the_text_size(quiz_window: Any, qtbot: Any) -> None:
    w = quiz_window
    p = w.quiz.panel
    widgets = [
        p.answer, p.check, p.show_answer, p.next, p.hard, p.order, p.pooled, p.leave,
        p.feedback, p.score,
    ]  # fmt: skip
    before = [x.font().pointSizeF() for x in widgets]
    heights = [x.sizeHint().height() for x in (p.answer, p.check)]
    w.text_size.set_scale(1.5)
    try:
        after = [x.font().pointSizeF() for x in widgets]
        for x, a, b in zip(widgets, after, before):
            assert a == pytest.approx(1.5 * b, rel=0.02), x.objectName()
        assert [x.sizeHint().height() for x in (p.answer, p.check)] > heights
        # Nothing is cut off at 1024 wide: every control fits the panel.
        w.resize(1024, 700)
        qtbot.wait(50)
        for x in widgets[:8]:
            assert x.width() >= x.minimumSizeHint().width(), x.objectName()
            assert p.rect().contains(x.geometry()), x.objectName()
    finally:
        w.text_size.reset()
    assert [x.font().pointSizeF() for x in widgets] == pytest.approx(before)


def test_colour_images_say_the_numbers_are_the_red_channel(window: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    arr = np.ascontiguousarray(rng.integers(0, 256, (12, 14, 3), dtype=np.uint8))
    img = QImage(arr.data, 14, 12, 14 * 3, QImage.Format.Format_RGB888).copy()
    path = tmp_path / "rgb.png"
    assert img.save(str(path))
    assert window.open_path(path)
    window.state.set_color_mode("rgb")
    window.state.set_all(KERNEL.astype(float), LayerParams(padding="same"), "lesson kernel")
    window.quiz_action.trigger()
    q = window.quiz.question
    assert q is not None and "(red channel)" in window.quiz.panel.question.text()
    assert "red channel's" in window.quiz.panel.feedback.text()
    red = correlate2d(
        arr[..., 0].astype(np.float64), window.state.kernel.astype(np.float64),
        **window.state.params.conv_kwargs(),
    )  # fmt: skip
    assert q.expected == pytest.approx(red[q.cell], abs=1e-3)
    # The arithmetic panel works out the same channel.
    assert window.quiz.reveal() is not None
    assert "(red channel)" in window.arithmetic.toPlainText()
