"""Editing the kernel in the window from the keyboard; outputs checked exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gui_helpers import LESSON, assert_output_is_exact, choose, step_spin, type_into_cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLineEdit

from convgui.core import get_preset
from convgui.gui.window import MainWindow


def test_type_a_number_and_press_enter(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        type_into_cell(qtbot, window, 0, 0, "2")
    assert s.kernel[0, 0] == 2
    assert s.kernel[1, 1] == 1
    out = assert_output_is_exact(window)
    assert out[1, 1] == 2 * LESSON[0, 0] + LESSON[1, 1]


def test_type_a_fraction(window: MainWindow, qtbot: Any) -> None:
    type_into_cell(qtbot, window, 1, 1, "1/9")
    assert window.state.kernel[1, 1] == 1 / 9
    assert_output_is_exact(window)
    model = window.kernel_panel.model
    assert model.data(model.index(1, 1)) == "1/9"  # a short exact fraction, as typed
    assert window.kernel_panel.sum_label.text() == "Sum: 0.111111"


def test_unicode_minus_and_spaces_are_accepted(window: MainWindow, qtbot: Any) -> None:
    # A digit opens the cell (Space would play); then the whole text is replaced, as a paste.
    table = window.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(2, 0))
    qtbot.keyClick(table, "1")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    editor.insert(" −3 / 4 ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.kernel[2, 0] == -0.75, timeout=2000)
    assert window.state.kernel[2, 0] == -0.75
    assert_output_is_exact(window)


def test_bad_text_is_refused_and_marked(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    before, result = s.kernel, s.result
    model = window.kernel_panel.model
    with qtbot.waitSignal(model.rejected, timeout=2000) as blocker:
        type_into_cell(qtbot, window, 0, 1, "abc")
    assert blocker.args[:2] == [0, 1]
    assert s.kernel is before
    assert s.result is result
    assert not s.can_undo
    brush = model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert brush is not None and brush.color() == QColor(255, 205, 205)
    assert "abc" in model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 1)) == "0"  # the old value is shown
    text = window.message_bar.text
    assert "row 0, column 1" in text  # 0-based, as the table's headers and the image views
    assert "'abc' is not a number" in text
    assert "1/9" in text  # says what is accepted
    assert "old value was kept" in text
    # A good value afterwards clears the mark, and the warning with it.
    type_into_cell(qtbot, window, 0, 1, "5")
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole).color() != QColor(
        255, 205, 205
    )
    assert s.kernel[0, 1] == 5
    assert not window.message_bar.isVisible()
    assert_output_is_exact(window)


def test_refused_mark_goes_when_the_kernel_changes(window: MainWindow, qtbot: Any) -> None:
    model = window.kernel_panel.model
    with qtbot.waitSignal(model.rejected, timeout=2000):
        type_into_cell(qtbot, window, 0, 1, "abc")
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is not None
    choose(qtbot, window.kernel_panel.preset_combo, "box_blur")
    brush = model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert brush.color() != QColor(255, 205, 205)
    assert "abc" not in model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)


@pytest.mark.parametrize("text", ["1/0", "nan", "1e309", "--1", "2,5"])
def test_other_bad_entries_are_refused(window: MainWindow, qtbot: Any, text: str) -> None:
    before = window.state.kernel
    with qtbot.waitSignal(window.kernel_panel.model.rejected, timeout=2000):
        type_into_cell(qtbot, window, 2, 2, text)
    assert window.state.kernel is before
    assert window.message_bar.isVisible()


def test_tab_commits_and_moves_to_the_next_cell(window: MainWindow, qtbot: Any) -> None:
    table = window.kernel_panel.table
    type_into_cell(qtbot, window, 0, 0, "3", Qt.Key.Key_Tab)
    assert window.state.kernel[0, 0] == 3
    assert (table.currentIndex().row(), table.currentIndex().column()) == (0, 1)
    # The next cell is open for typing: type over it.
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "-1")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert window.state.kernel[0, 1] == -1
    assert (table.currentIndex().row(), table.currentIndex().column()) == (0, 2)
    assert_output_is_exact(window)


def test_arrow_keys_move_between_cells(window: MainWindow, qtbot: Any) -> None:
    table = window.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (2, 1)
    assert not window.state.can_undo  # moving between cells edits nothing


def test_preset_from_the_combo(window: MainWindow, qtbot: Any) -> None:
    combo = window.kernel_panel.preset_combo
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        choose(qtbot, combo, "sobel_x")
    assert np.array_equal(window.state.kernel, get_preset("sobel_x"))
    assert combo.currentData() == "sobel_x"  # the combo names the kernel in use
    out = assert_output_is_exact(window)
    assert out.min() < 0  # an edge kernel gives signed output
    assert window.kernel_panel.sum_label.text() == "Sum: 0"
    window.state.set_kernel_cell(0, 0, "7")
    assert combo.currentIndex() == 0  # edited: no longer a preset


def test_kernel_size_spin_grows_and_shrinks(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    k3 = np.array(window.state.kernel)
    step_spin(qtbot, window.kernel_panel.rows_spin)
    assert window.state.kernel.shape == (4, 3)
    assert np.array_equal(window.state.kernel[:3], k3)  # the odd extra row goes to the bottom
    assert window.kernel_panel.table.model().rowCount() == 4
    assert_output_is_exact(window)
    step_spin(qtbot, window.kernel_panel.cols_spin, Qt.Key.Key_Down)
    assert window.state.kernel.shape == (4, 2)
    assert window.kernel_panel.table.model().columnCount() == 2
    assert_output_is_exact(window)


def test_kernel_size_spin_up_twice_keeps_values_centred(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    k3 = np.array(window.state.kernel)
    step_spin(qtbot, window.kernel_panel.rows_spin)
    step_spin(qtbot, window.kernel_panel.rows_spin)
    assert window.state.kernel.shape == (5, 3)
    assert np.array_equal(window.state.kernel[1:4], k3)  # as resizing 3 -> 5 at once does
    step_spin(qtbot, window.kernel_panel.rows_spin, Qt.Key.Key_Down)
    step_spin(qtbot, window.kernel_panel.rows_spin, Qt.Key.Key_Down)
    assert np.array_equal(window.state.kernel, k3)  # and back again


def test_kernel_size_spin_down_to_1x1_keeps_the_centre(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("identity")
    for spin in (window.kernel_panel.rows_spin, window.kernel_panel.cols_spin):
        step_spin(qtbot, spin, Qt.Key.Key_Down)
        step_spin(qtbot, spin, Qt.Key.Key_Down)
    assert window.state.kernel.shape == (1, 1)
    assert window.state.kernel[0, 0] == 1  # the identity's centre weight


def test_normalize_and_divisor_refusals_are_explained(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("sobel_x")
    params = window.state.params
    qtbot.mouseClick(window.kernel_panel.normalize_btn, Qt.MouseButton.LeftButton)
    assert "Cannot normalize" in window.message_bar.text
    assert np.array_equal(window.state.kernel, get_preset("sobel_x"))
    spin = window.kernel_panel.divisor_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert "divisor cannot be 0" in window.message_bar.text
    assert window.state.params is params
    assert spin.value() == 1


def test_normalize_button(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    window.state.set_kernel(np.ones((3, 3)))
    qtbot.mouseClick(window.kernel_panel.normalize_btn, Qt.MouseButton.LeftButton)
    assert np.allclose(window.state.kernel, 1 / 9)
    assert_output_is_exact(window)


def test_a_digit_typed_right_after_clicking_the_selected_cell_is_kept(
    window: MainWindow, qtbot: Any
) -> None:
    table = window.kernel_panel.table
    table.setFocus()
    index = table.model().index(0, 0)
    table.setCurrentIndex(index)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClick(table, "7")  # at once, before any double-click interval
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "7"
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # no late editor replaces it
    assert QApplication.focusWidget() is editor and editor.text() == "7"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.kernel[0, 0] == 7, timeout=2000)


def test_the_editor_starts_with_what_was_typed(window: MainWindow, qtbot: Any) -> None:
    type_into_cell(qtbot, window, 1, 1, "2.5")
    model = window.kernel_panel.model
    assert model.data(model.index(1, 1), Qt.ItemDataRole.EditRole) == "2.5"
