"""The main window, driven as a user drives it: keys, clicks, drops; outputs checked exactly."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from convgui.core import LayerParams, correlate2d, get_preset, pool2d
from convgui.gui.window import MainWindow
from convgui.imageio import load_image, load_kernel
from convgui.resources import samples
from convgui.state import DISPLAY_MODES, ExplorerState, SyncExecutor

LESSON = np.array(
    [
        [2, 3, 0, 8, 120, 200],
        [2, 4, 2, 5, 4, 180],
        [1, 7, 10, 25, 12, 150],
        [0, 9, 6, 11, 10, 90],
        [30, 45, 60, 75, 80, 70],
        [255, 230, 210, 190, 170, 160],
    ],
    dtype=np.float32,
)
OBJECT_NAMES = (
    "inputView",
    "kernelTable",
    "outputView",
    "pooledView",
    "presetCombo",
    "paddingCombo",
    "boundaryCombo",
    "strideSpin",
    "dilationSpin",
    "poolCombo",
)


def conv_of(state: ExplorerState) -> np.ndarray:
    """What the engine gives for the state's image, kernel and settings."""
    p = state.params
    return correlate2d(
        state.engine_image(),
        state.kernel,
        padding=p.padding,
        boundary=p.boundary,
        cval=p.cval,
        stride=p.stride,
        dilation=p.dilation,
        flip=p.flip,
    )


def assert_output_is_exact(window: MainWindow) -> np.ndarray:
    data = window.output_view.data
    want = conv_of(window.state)
    assert data is not None
    assert data.shape == want.shape
    assert np.array_equal(data, want)
    return data


def type_into_cell(
    qtbot: Any, window: MainWindow, row: int, col: int, text: str, key: Qt.Key = Qt.Key.Key_Return
) -> None:
    """Select a cell, type ``text`` (the first key starts the editor), then press ``key``."""
    table = window.kernel_panel.table
    if table.state() == QAbstractItemView.State.EditingState:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, col))
    qtbot.keyClick(table, text[0])
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "typing into a cell did not open its editor"
    if text[1:].isascii():
        qtbot.keyClicks(editor, text[1:])
    else:
        editor.insert(text[1:])  # QTest cannot type non-Latin keys; an input method would
    qtbot.keyClick(editor, key)
    # Enter commits through a queued call: wait until the editor is gone.
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState, timeout=2000)


def choose(qtbot: Any, combo: QComboBox, data: object) -> None:
    """Pick the item holding ``data`` from the combo's popup list with the keyboard."""
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} has no item {data!r}"
    combo.showPopup()
    view = combo.view()
    view.setCurrentIndex(combo.model().index(index, 0))
    qtbot.keyClick(view.viewport(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)


def step_spin(qtbot: Any, spin: QAbstractSpinBox, key: Qt.Key = Qt.Key.Key_Up) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, key)


def drop_files(window: MainWindow, *paths: Path) -> tuple[bool, bool]:
    """Drag files over the window and drop them; returns (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.width() / 2, window.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return enter.isAccepted(), drop.isAccepted()


# --- start ----------------------------------------------------------------------------------


def test_opens_on_the_lesson_sample(window: MainWindow) -> None:
    s = window.state
    assert s.doc is not None
    assert s.doc.name == "Lesson 6×6 grid"
    assert np.array_equal(window.input_view.data, LESSON)
    assert "Lesson 6×6 grid" in window.windowTitle()
    assert "6×6 grayscale, 8-bit" in window.windowTitle()
    assert np.array_equal(assert_output_is_exact(window), LESSON)  # identity kernel
    assert "6×6 grayscale" in window.info_label.text()


@pytest.mark.parametrize("name", OBJECT_NAMES)
def test_object_names_exist(window: MainWindow, name: str) -> None:
    found = window.findChild(QWidget, name)
    assert found is not None, f"no widget named {name!r}"
    assert found.window() is window


def test_every_control_has_a_tooltip(window: MainWindow) -> None:
    controls = (QComboBox, QAbstractSpinBox, QAbstractButton, QAbstractItemView)
    checked = []

    def part_of_a_control(w: QWidget, panel: QWidget) -> bool:
        # Qt's own parts: a table's headers and corner button, a combo's popup list.
        p = w.parentWidget()
        while p is not None and p is not panel:
            if isinstance(p, controls) or p.inherits("QComboBoxPrivateContainer"):
                return True
            p = p.parentWidget()
        return False

    for panel in (window.kernel_panel, window.layer_panel):
        for w in panel.findChildren(QWidget):
            if not isinstance(w, controls) or part_of_a_control(w, panel):
                continue
            checked.append(w.objectName())
            assert w.toolTip().strip(), f"{type(w).__name__} {w.objectName()!r} has no tooltip"
    assert {"kernelTable", "presetCombo", "strideSpin", "poolCombo", "divisorSpin"} <= set(checked)


# --- the kernel table -----------------------------------------------------------------------


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
    assert model.data(model.index(1, 1)) == "0.1111"
    assert window.kernel_panel.sum_label.text() == "Sum: 0.111111"


def test_unicode_minus_and_spaces_are_accepted(window: MainWindow, qtbot: Any) -> None:
    type_into_cell(qtbot, window, 2, 0, " −3 / 4 ")
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


# --- the layer settings ---------------------------------------------------------------------


def test_valid_padding_shrinks_the_output(window: MainWindow, qtbot: Any) -> None:
    combo = window.layer_panel.padding_combo
    label = window.layer_panel.shape_label
    assert "(6 + 1 + 1 − 3)/1 + 1 = 6" in label.text()
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        choose(qtbot, combo, "valid")
    assert window.state.params.padding == "valid"
    out = assert_output_is_exact(window)
    assert out.shape == (4, 4)
    assert np.array_equal(out, LESSON[1:5, 1:5])
    assert "(6 + 0 + 0 − 3)/1 + 1 = 4" in label.text()
    assert window.output_panel.subtitle.text() == "4×4"


def test_padding_by_keyboard_on_the_closed_combo(window: MainWindow, qtbot: Any) -> None:
    combo = window.layer_panel.padding_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # same -> full
    assert window.state.params.padding == "full"
    assert assert_output_is_exact(window).shape == (8, 8)


def test_custom_padding(window: MainWindow, qtbot: Any) -> None:
    choose(qtbot, window.layer_panel.padding_combo, "custom")
    assert window.state.params.padding == (1, 1, 1, 1)
    assert window.layer_panel.custom_row.isVisible()
    top = window.layer_panel.pad_spins[0]
    step_spin(qtbot, top)
    assert window.state.params.padding == (2, 1, 1, 1)
    assert assert_output_is_exact(window).shape == (7, 6)
    assert "(6 + 2 + 1 − 3)/1 + 1 = 7" in window.layer_panel.shape_label.text()


def test_custom_padding_from_a_wide_full_padding(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.set_kernel(np.ones((15, 15)))
    s.set_params(padding="full", dilation=8)
    choose(qtbot, window.layer_panel.padding_combo, "custom")
    assert s.params.padding == (112, 112, 112, 112)
    assert [sp.value() for sp in window.layer_panel.pad_spins] == [112] * 4  # shown as held
    step_spin(qtbot, window.layer_panel.pad_spins[0], Qt.Key.Key_Down)
    assert s.params.padding == (111, 112, 112, 112)  # the other sides are not changed
    assert_output_is_exact(window)


def test_boundary_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("box_blur")
    choose(qtbot, window.layer_panel.boundary_combo, "replicate")
    assert window.state.params.boundary == "replicate"
    assert_output_is_exact(window)


def test_stride_spin(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        step_spin(qtbot, window.layer_panel.stride_spin)
    assert window.state.params.stride == (2, 2)
    assert assert_output_is_exact(window).shape == (3, 3)
    assert "(6 + 0 + 1 − 3)/2 + 1 = 3" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    assert assert_output_is_exact(window).shape == (2, 2)
    assert "⌊(6 + 0 + 0 − 3)/2⌋ + 1 = 2" in window.layer_panel.shape_label.text()


def test_dilation_spin(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    step_spin(qtbot, window.layer_panel.dilation_spin)
    assert window.state.params.dilation == (2, 2)
    assert assert_output_is_exact(window).shape == (2, 2)
    assert "(6 + 0 + 0 − 5)/1 + 1 = 2" in window.layer_panel.shape_label.text()


def test_activation_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("sobel_x")
    conv = conv_of(window.state)
    choose(qtbot, window.layer_panel.activation_combo, "relu")
    assert window.state.params.activation == "relu"
    assert np.array_equal(window.output_view.data, np.maximum(conv, 0))


def test_pooling_shows_the_pooled_map(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    assert not window.pooled_view.isVisible()
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        choose(qtbot, window.layer_panel.pool_combo, "max")
    assert window.pooled_view.isVisible()
    out = assert_output_is_exact(window)
    pooled = window.pooled_view.data
    assert pooled is not None
    assert np.array_equal(pooled, pool2d(out, 2, stride=2, op="max"))
    assert pooled.shape == (3, 3)
    assert "<b>Pooled</b> rows: (6 + 0 + 0 − 2)/2 + 1 = 3" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.pool_combo, "avg")
    assert np.array_equal(window.pooled_view.data, pool2d(out, 2, stride=2, op="avg"))
    choose(qtbot, window.layer_panel.pool_combo, "none")
    assert not window.pooled_view.isVisible()


def test_no_output_is_explained_and_recovers(window: MainWindow, qtbot: Any) -> None:
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    window.state.resize_kernel(7, 7)
    assert window.output_view.data is None
    assert window.state.layer_error
    assert "No output" in window.message_bar.text
    assert "no output" in window.layer_panel.shape_label.text()
    choose(qtbot, window.layer_panel.padding_combo, "same")
    assert_output_is_exact(window)
    assert not window.message_bar.isVisible()


# --- undo and redo from the keyboard --------------------------------------------------------


def test_undo_redo_keys(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    window.activateWindow()
    choose(qtbot, window.kernel_panel.preset_combo, "sharpen")
    choose(qtbot, window.layer_panel.padding_combo, "valid")
    ctrl = Qt.KeyboardModifier.ControlModifier
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert s.params.padding == "same"
    assert window.layer_panel.padding_combo.currentData() == "same"
    assert np.array_equal(s.kernel, get_preset("sharpen"))
    assert_output_is_exact(window)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert np.array_equal(s.kernel, get_preset("identity"))
    assert not window.undo_action.isEnabled()
    assert_output_is_exact(window)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl | shift)
    assert np.array_equal(s.kernel, get_preset("sharpen"))
    assert window.redo_action.text() == "&Redo Change padding"
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl | shift)
    assert s.params.padding == "valid"
    assert window.layer_panel.padding_combo.currentData() == "valid"
    assert assert_output_is_exact(window).shape == (4, 4)
    assert not window.redo_action.isEnabled()


# --- images ---------------------------------------------------------------------------------


def test_drop_an_image_file(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (9, 14), dtype=np.uint8)
    path = tmp_path / "dropped.png"
    Image.fromarray(pixels).save(path)
    window.state.apply_preset("box_blur")
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        entered, dropped = drop_files(window, path)
    assert entered and dropped
    assert window.state.doc.path == str(path)
    assert np.array_equal(window.input_view.data, pixels)
    assert assert_output_is_exact(window).shape == (9, 14)
    assert "dropped.png" in window.windowTitle()
    assert window.recent_files()[0] == str(path)


def test_drop_a_bad_file_keeps_the_image(window: MainWindow, tmp_path: Path) -> None:
    doc, result = window.state.doc, window.state.result
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    drop_files(window, path)
    assert window.state.doc is doc
    assert window.state.result is result
    assert "Could not open the image" in window.message_bar.text
    assert "broken.png" in window.message_bar.text
    assert window.message_bar.level == "error"
    assert window.recent_files() == []


def test_drop_several_files_opens_the_first(window: MainWindow, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.zeros((3, 4), np.uint8)).save(a)
    Image.fromarray(np.ones((5, 6), np.uint8)).save(b)
    drop_files(window, a, b)
    assert window.state.doc.path == str(a)
    assert "a.png" in window.statusBar().currentMessage()


def test_colour_switch(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    rgb = np.random.default_rng(4).integers(0, 256, (7, 8, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    assert window.open_path(tmp_path / "c.png")
    window.state.apply_preset("sharpen")
    check = window.color_check
    assert check.isEnabled() and not check.isChecked()
    luma = np.asarray(Image.fromarray(rgb).convert("L")).astype(np.float32)
    assert np.array_equal(window.input_view.data, luma)
    assert_output_is_exact(window)
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert window.state.color_mode == "rgb"
    out = assert_output_is_exact(window)
    assert out.shape == (7, 8, 3)
    # The clipped count is of pixels (any channel out of range), as its tooltip says.
    n_pixels = int(np.count_nonzero(((out < 0) | (out > 255)).any(axis=2)))
    assert 0 < n_pixels < int(np.count_nonzero((out < 0) | (out > 255)))
    assert window.clipped_label.text() == f"{n_pixels:,} clipped"


def test_value_scale_combo(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("lesson")
    at_255 = np.array(window.output_view.data)
    choose(qtbot, window.scale_combo, "0-1")
    out = assert_output_is_exact(window)
    np.testing.assert_allclose(out, at_255 / 255, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(window.input_view.data, LESSON / 255, rtol=1e-6)
    assert window.input_view.image_item.getLevels() == pytest.approx((0.0, 1.0))


def test_samples_menu(window: MainWindow, qtbot: Any) -> None:
    acts = [a for a in window.samples_menu.actions() if a.text()]
    assert [a.text() for a in acts] == [s.title for s in samples()]
    scene = next(a for a in acts if a.text().startswith("Scene"))
    with qtbot.waitSignal(window.output_painted, timeout=5000):
        scene.trigger()
    assert window.state.doc.shape == (384, 512)
    assert_output_is_exact(window)


# --- display never rewrites the data --------------------------------------------------------


def test_display_modes_change_levels_not_data(window: MainWindow, qtbot: Any) -> None:
    window.state.apply_preset("sobel_x")
    data = window.output_view.data
    copy = np.array(data)
    lo, hi = float(copy.min()), float(copy.max())
    m = max(abs(lo), abs(hi))
    want = {"clip": (0.0, 255.0), "stretch": (lo, hi), "abs": (-m, m), "diverging": (-m, m)}
    seen = {}
    for mode in DISPLAY_MODES:
        choose(qtbot, window.display_combo, mode)
        assert window.state.display_mode == mode
        assert window.output_view.data is data
        assert np.array_equal(window.output_view.data, copy)
        seen[mode] = tuple(float(v) for v in window.output_view.colorbar.levels())
        assert seen[mode] == pytest.approx(want[mode])
        assert window.display_actions[mode].isChecked()
    choose(qtbot, window.display_combo, "clip")
    n_clipped = int(np.count_nonzero(copy < 0) + np.count_nonzero(copy > 255))
    assert window.clipped_label.text() == f"{n_clipped:,} clipped"


# --- hover ----------------------------------------------------------------------------------


def test_hover_shows_position_and_values(window: MainWindow) -> None:
    window.state.apply_preset("lesson")
    out = window.output_view.data
    window.input_view.hovered.emit(2.5, 1.5)  # column 2, row 1 of the input
    text = window.hover_label.text()
    assert "input (row 1, col 2) = 2" in text
    assert f"output (row 1, col 2) = {round(float(out[1, 2]))}" in text
    window.input_view.hovered.emit(math.nan, math.nan)
    assert window.hover_label.text() == ""
    window.input_view.hovered.emit(-5.0, 2.0)
    assert "input" not in window.hover_label.text()


def test_hover_over_the_pooled_map(window: MainWindow) -> None:
    window.state.set_params(padding="valid", pool="max")
    pooled = window.pooled_view.data
    window.output_view.hovered.emit(1.5, 1.5)
    text = window.hover_label.text()
    assert "output (row 0, col 0)" in text
    assert f"pooled (row 0, col 0) = {round(float(pooled[0, 0]))}" in text


# --- keeping the result ---------------------------------------------------------------------


def test_save_output_png_npy_and_16_bit(window: MainWindow, tmp_path: Path) -> None:
    window.state.apply_preset("lesson")
    data = np.array(window.output_view.data)
    assert window.save_output_path(tmp_path / "out.png")
    shown = np.floor(np.clip(data, 0, 255) + 0.5).astype(np.uint8)
    assert np.array_equal(load_image(tmp_path / "out.png").pixels, shown)
    assert window.save_output_path(tmp_path / "out.npy")
    raw = np.load(tmp_path / "out.npy")
    assert raw.dtype == np.float32
    assert np.array_equal(raw, data)
    assert window.save_output_path(tmp_path / "out.16.png")
    deep = load_image(tmp_path / "out.16.png")
    assert deep.bit_depth == 16
    want16 = np.floor(np.clip(data, 0, 255) / 255 * 65535 + 0.5).astype(np.uint16)
    assert np.array_equal(deep.pixels, want16)
    assert "out.16.png" in window.statusBar().currentMessage()


def test_save_output_in_diverging_mode_is_colour(window: MainWindow, tmp_path: Path) -> None:
    window.state.apply_preset("sobel_x")
    window.state.set_display_mode("diverging")
    assert window.save_output_path(tmp_path / "d.png")
    doc = load_image(tmp_path / "d.png")
    assert doc.is_color
    assert doc.shape == window.output_view.data.shape


def test_save_output_error_is_shown(window: MainWindow, tmp_path: Path) -> None:
    assert not window.save_output_path(tmp_path / "missing" / "o.png")
    assert "does not exist" in window.message_bar.text
    assert not window.save_output_path(tmp_path / "o.xyz")
    assert "cannot write" in window.message_bar.text


def test_copy_output_to_clipboard(window: MainWindow) -> None:
    window.copy_output()
    img = QGuiApplication.clipboard().image()
    assert not img.isNull()
    assert (img.width(), img.height()) == (6, 6)


def test_save_and_reload_kernel(window: MainWindow, tmp_path: Path) -> None:
    s = window.state
    s.set_kernel([[1 / 9, -2, 0], [0.5, 1, 0], [0, 0, 3]])
    s.set_params(padding="valid", boundary="wrap", activation="tanh", pool="avg")
    kernel, params = s.kernel, s.params
    assert window.save_kernel_path(tmp_path / "k.json")
    assert window.save_kernel_path(tmp_path / "k.txt")
    k_txt, p_txt = load_kernel(tmp_path / "k.txt")
    assert np.array_equal(k_txt, kernel) and p_txt is None
    s.apply_preset("identity")
    s.set_params(padding="same", activation="none", pool="none", boundary="zero")
    assert window.open_kernel_path(tmp_path / "k.json")
    assert np.array_equal(s.kernel, kernel)
    assert s.params == params
    assert s.undo_label == "Open kernel k.json"
    assert window.layer_panel.padding_combo.currentData() == "valid"


def test_open_a_bad_kernel_file(window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("1 2\n3\n")
    before = window.state.kernel
    assert not window.open_kernel_path(tmp_path / "bad.txt")
    assert window.state.kernel is before
    assert "Could not open the kernel" in window.message_bar.text
    assert "row 2 has 1 values" in window.message_bar.text


# --- settings -------------------------------------------------------------------------------


def test_settings_are_remembered(
    window: MainWindow, qtbot: Any, settings_path: Path, lesson_sample: Any
) -> None:
    s = window.state
    s.set_kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0.25]])
    s.set_params(padding="valid", stride=2, pool="max", activation="relu")
    s.set_display_mode("stretch")
    s.set_value_scale("0-1")
    kernel, params = np.array(s.kernel), s.params
    window.close()
    saved = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert saved.value("geometry") and saved.value("splitter")

    state2 = ExplorerState(SyncExecutor())
    try:
        w2 = MainWindow(state2, QSettings(str(settings_path), QSettings.Format.IniFormat))
        qtbot.addWidget(w2)
        w2.restore_settings()
        w2.show()
        w2.open_sample(lesson_sample)
        assert np.array_equal(state2.kernel, kernel)
        assert state2.params == params
        assert state2.display_mode == "stretch"
        assert state2.value_scale == "0-1"
        assert not state2.can_undo  # restoring is not an edit
        assert w2.layer_panel.padding_combo.currentData() == "valid"
        assert w2.display_combo.currentData() == "stretch"
        assert_output_is_exact(w2)
        w2.close()
    finally:
        state2.close()


def test_corrupt_kernel_setting_falls_back_to_identity(
    qtbot: Any, state: ExplorerState, settings_path: Path
) -> None:
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    st.setValue("kernel", "{not json")
    st.setValue("displayMode", "sepia")
    st.sync()
    w = MainWindow(state, st)
    qtbot.addWidget(w)
    w.restore_settings()
    assert np.array_equal(state.kernel, get_preset("identity"))
    assert state.display_mode == "clip"
    assert state.params == LayerParams()
    w.close()
