"""Key routing: Space plays from anywhere but a text field; arrows go to controls that use them."""

from __future__ import annotations

from typing import Any

import pytest
from gui_helpers import type_into_cell
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableView,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from convgui.gui.keys import widget_keeps_key
from convgui.gui.window import MainWindow

SPACE, LEFT, RIGHT = Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right


def press(qtbot: Any, key: Qt.Key) -> None:
    """Press ``key`` where the keyboard focus is, as a user does."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key)


def click_into(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)


def test_space_after_clicking_into_the_arithmetic_panel_plays(
    window: MainWindow, qtbot: Any
) -> None:
    window.activateWindow()
    panel = window.arithmetic
    click_into(qtbot, panel.viewport())
    assert panel.hasFocus()  # the click took the focus, as it does for a user
    press(qtbot, SPACE)
    assert window.anim.playback.playing
    press(qtbot, SPACE)
    assert not window.anim.playback.playing
    press(qtbot, RIGHT)  # a read-only panel does not use the arrows: the animation does
    assert window.anim.playback.position == 1


def test_space_after_clicking_a_check_box_plays_and_leaves_it_alone(
    window: MainWindow, qtbot: Any
) -> None:
    window.activateWindow()
    flip = window.kernel_panel.flip_check
    click_into(qtbot, flip)
    assert window.state.params.flip  # the click itself toggled it
    press(qtbot, SPACE)
    playing = window.anim.playback.playing
    window.anim.pause()
    assert playing
    assert window.state.params.flip  # Space did not toggle it back


def test_space_in_the_kernel_cell_editor_types(window: MainWindow, qtbot: Any) -> None:
    window.activateWindow()
    table = window.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, "1")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    press(qtbot, SPACE)
    qtbot.keyClicks(editor, "/ 4")
    assert editor.text() == "1 / 4"
    assert not window.anim.playback.playing
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.kernel[0, 0] == 0.25, timeout=2000)
    assert not window.anim.playback.playing


def test_spaces_inside_a_cell_are_typed(window: MainWindow, qtbot: Any) -> None:
    # Space opens no cell (it plays, see below); once a digit opened one, spaces are text.
    type_into_cell(qtbot, window, 2, 0, "-3 / 4 ")
    assert window.state.kernel[2, 0] == -0.75
    assert not window.anim.playback.playing


def test_keys_go_to_the_animation_only_while_the_window_is_active(
    window: MainWindow, qtbot: Any
) -> None:
    window.activateWindow()
    window.output_view.setFocus()
    press(qtbot, RIGHT)
    assert window.anim.playback.position == 1
    assert window.handle_animation_key(int(Qt.Key.Key_End))
    assert window.anim.playback.position == 35
    assert not window.handle_animation_key(int(Qt.Key.Key_A))


@pytest.mark.parametrize(
    ("make", "space", "arrows"),
    [
        (QLineEdit, True, True),
        (QSpinBox, True, True),
        (lambda: editable(QTextEdit(), True), True, True),
        (lambda: editable(QPlainTextEdit(), True), True, True),
        (lambda: editable(QTextEdit(), False), False, False),
        (QTextBrowser, False, False),
        (QComboBox, True, True),
        (QSlider, False, True),
        (QTableView, False, True),  # the kernel table: Space plays, digits open a cell
        (QWidget, False, False),
    ],
)
def test_which_widgets_keep_which_keys(qapp: Any, make: Any, space: bool, arrows: bool) -> None:
    w = make()
    assert widget_keeps_key(w, SPACE) is space
    assert widget_keeps_key(w, LEFT) is arrows
    assert widget_keeps_key(w, Qt.Key.Key_Home) is arrows


def test_a_button_keeps_space_unless_it_was_clicked(qapp: Any) -> None:
    b = QPushButton()
    assert widget_keeps_key(b, SPACE)  # reached with Tab: Space presses it
    assert not widget_keeps_key(b, SPACE, clicked=True)  # clicked: Space plays
    assert not widget_keeps_key(b, RIGHT)


def test_space_in_the_kernel_table_after_an_edit_plays(window: MainWindow, qtbot: Any) -> None:
    from gui_helpers import type_into_cell

    window.activateWindow()
    type_into_cell(qtbot, window, 0, 0, "3")
    assert window.state.kernel[0, 0] == 3
    table = window.kernel_panel.table
    assert table.hasFocus()
    press(qtbot, SPACE)
    assert window.anim.playback.playing
    assert table.state() != QTableView.State.EditingState
    press(qtbot, SPACE)
    assert not window.anim.playback.playing


def test_a_table_that_does_not_edit_on_any_key_gives_space_away(qapp: Any) -> None:
    t = QTableView()
    t.setEditTriggers(QTableView.EditTrigger.DoubleClicked)
    assert not widget_keeps_key(t, SPACE)
    assert widget_keeps_key(t, RIGHT)


def editable(w: Any, on: bool) -> Any:
    w.setReadOnly(not on)
    return w
