"""The convolution-layer mode in the window: switching modes, the channels and maps following
the image, editing as a user does, undo in this mode, presets and bank files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, choose, drop_files
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit
from scipy import ndimage

from convgui.gui import layer_mode
from convgui.gui.window import MainWindow
from convgui.imageio import ImageDoc, save_image

RNG = np.random.default_rng(10)
COLOUR = RNG.integers(0, 256, (20, 24, 3)).astype(np.uint8)


def action(window: MainWindow, name: str) -> QAction:
    act = window.findChild(QAction, name)
    assert act is not None, name
    return act


def enter_layer_mode(window: MainWindow) -> layer_mode.LayerMode:
    action(window, "modeLayerAction").trigger()
    assert window.mode == "layer"
    return window.layer_mode  # type: ignore[attr-defined,no-any-return]


def reference(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'same' zero padding, stride 1: per-channel scipy correlate sums (groups = 1)."""
    out = np.zeros(x.shape[:2] + (w.shape[3],))
    for o in range(w.shape[3]):
        for c in range(x.shape[2]):
            out[..., o] += ndimage.correlate(
                x[..., c].astype(np.float64), w[:, :, c, o], mode="constant"
            )
        out[..., o] += b[o]
    return out


def type_into(qtbot: Any, table: QAbstractItemView, row: int, col: int, text: str) -> None:
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, col))
    qtbot.keyClick(table, text[0])
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState, timeout=2000)


def test_view_menu_switches_modes_and_back(qtbot: Any, window: MainWindow) -> None:
    kernel_act, layer_act = action(window, "modeKernelAction"), action(window, "modeLayerAction")
    assert kernel_act.isChecked() and not layer_act.isChecked()
    assert kernel_act.shortcut().toString() == "Ctrl+Alt+1"
    assert layer_act.shortcut().toString() == "Ctrl+Alt+2"
    assert not window.has_mode("layer")  # built on first use
    lm = enter_layer_mode(window)
    assert layer_act.isChecked() and window.pages.currentWidget() is lm.page
    assert lm.layer.result is not None and lm.layer.result.out_shape == (6, 6)
    kernel_act.trigger()
    assert window.mode == "kernel" and kernel_act.isChecked()
    assert window.pages.currentWidget().objectName() == "kernelMode"
    assert_output_is_exact(window)  # the single-kernel explorer exactly as before
    layer_act.trigger()
    window.show_mode("kernel")  # a mode change from elsewhere (the lesson) moves the radio too
    assert kernel_act.isChecked() and not layer_act.isChecked()


def test_opening_images_in_layer_mode_updates_channels_and_maps(
    qtbot: Any, window: MainWindow, tmp_path: Path, lesson_sample: Any
) -> None:
    lm = enter_layer_mode(window)
    page, layer = lm.page, lm.layer
    assert window.state.color_mode == "gray"  # the single-kernel switch is off: no matter
    path = tmp_path / "colour.png"
    save_image(COLOUR, path)
    assert drop_files(window, path) == (True, True)
    assert window.mode == "layer"
    assert [t.caption for t in page.channel_grid.tiles] == ["R", "G", "B"]
    assert layer.c_in == 3 and layer.weights.shape[2] == 3
    r = layer.result
    assert r is not None and r.out_shape == (20, 24)
    np.testing.assert_allclose(
        r.stacked(), reference(COLOUR, np.array(layer.weights), np.array(layer.bias)),
        rtol=1e-5, atol=1e-3,
    )
    np.testing.assert_array_equal(page.map_view.data, r.maps[layer.selected].data)
    assert "(None, 20, 24, 4)" in page.summary_label.text()
    window.open_sample(lesson_sample)  # a sample: grey, one channel
    assert [t.caption for t in page.channel_grid.tiles] == ["grey"]
    assert layer.result is not None and layer.result.out_shape == (6, 6)
    window.set_document(ImageDoc(COLOUR, name="set"))  # File ▸ Open's path
    assert len(page.channel_grid.tiles) == 3
    np.testing.assert_array_equal(page.input_view.data, COLOUR.astype(np.float32))
    action(window, "modeKernelAction").trigger()
    assert_output_is_exact(window)


def test_typing_a_weight_repaints_only_that_filters_map(
    qtbot: Any, window: MainWindow
) -> None:
    lm = enter_layer_mode(window)
    page, layer = lm.page, lm.layer
    qtbot.waitUntil(lambda: all(t.paint_count > 0 for t in page.map_grid.tiles), timeout=3000)
    layer.select(1)
    before = [t.paint_count for t in page.map_grid.tiles]
    updates = [t.map_updates for t in page.map_grid.tiles]
    old_maps = layer.result.maps  # type: ignore[union-attr]
    table = page.bank.tables[0]
    type_into(qtbot, table, 0, 0, "1/4")
    assert layer.weights[0, 0, 0, 1] == 0.25
    r = layer.result
    assert r is not None and r.changed == (1,)
    assert r.maps[0] is old_maps[0] and r.maps[1] is not old_maps[1]
    qtbot.waitUntil(lambda: page.map_grid.tiles[1].paint_count > before[1], timeout=3000)
    after = [t.map_updates for t in page.map_grid.tiles]
    assert after == [updates[0], updates[1] + 1, *updates[2:]]  # only map 1 was redrawn
    np.testing.assert_array_equal(page.map_view.data, r.maps[1].data)
    lesson = window.state.engine_image()[..., None]
    np.testing.assert_allclose(
        r.stacked(), reference(lesson, np.array(layer.weights), np.array(layer.bias)),
        rtol=1e-5, atol=1e-3,
    )


def test_a_refused_cell_warns_and_keeps_the_weight(qtbot: Any, window: MainWindow) -> None:
    lm = enter_layer_mode(window)
    w = lm.layer.weights
    type_into(qtbot, lm.page.bank.tables[0], 1, 1, "abc")
    assert lm.layer.weights is w
    assert window.message_bar.level == "warning"
    assert "The old value was kept" in window.message_bar.text


def test_bias_and_settings_controls(qtbot: Any, window: MainWindow) -> None:
    lm = enter_layer_mode(window)
    bank, layer = lm.page.bank, lm.layer
    bank.bias_edit.setFocus()
    bank.bias_edit.selectAll()
    qtbot.keyClicks(bank.bias_edit, "-3")
    qtbot.keyClick(bank.bias_edit, Qt.Key.Key_Return)
    assert layer.bias[0] == -3
    choose(qtbot, bank.padding_combo, "valid")
    assert layer.settings.padding == "valid"
    assert layer.result is not None and layer.result.out_shape == (4, 4)
    assert "(None, 4, 4, 4)" in lm.page.summary_label.text()
    choose(qtbot, bank.type_combo, "transposed")
    assert layer.settings.layer_type == "transposed"
    assert "Conv2DTranspose" in lm.page.summary_label.text()
    assert not bank.groups_combo.isEnabled() and bank.output_padding_spin.isEnabled()
    bank.count_spin.setValue(64)
    assert layer.n_filters == 64 and len(lm.page.map_grid.tiles) == 64
    bank.count_spin.setValue(2)  # fewer filters: the other tiles are gone at once
    grid = lm.page.map_grid
    shown = [c for c in grid.findChildren(type(grid.tiles[0])) if c.isVisibleTo(grid)]
    assert len(grid.tiles) == 2 and len(shown) == 2


def test_clicking_a_map_shows_it_large(qtbot: Any, window: MainWindow) -> None:
    lm = enter_layer_mode(window)
    page = lm.page
    window.resize(1400, 900)
    tile = page.map_grid.tiles[2]
    qtbot.waitUntil(lambda: tile.isVisible() and tile.height() > 20, timeout=3000)
    with qtbot.waitSignal(page.focus_changed, timeout=2000):
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 2, 30))
    assert page.selected_filter == 2 and tile.selected
    r = lm.layer.result
    assert r is not None
    np.testing.assert_array_equal(page.map_view.data, r.maps[2].data)
    assert page.map_title.text().startswith("Feature map 2")
    assert page.bank.filter_buttons.current == 2


def test_undo_in_layer_mode_undoes_the_layer_not_the_kernel(
    qtbot: Any, window: MainWindow
) -> None:
    window.state.apply_preset("sobel_x")  # something the explorer could undo
    lm = enter_layer_mode(window)
    assert not window.undo_action.isVisible() and lm.undo_action.isVisible()
    assert lm.undo_action.shortcuts() == window.undo_action.shortcuts()
    lm.layer.set_weight(0, 0, 1, 1, 9)
    assert lm.undo_action.isEnabled() and lm.undo_action.text() == "&Undo Edit weight"
    window.activateWindow()
    lm.page.map_view.setFocus()
    qtbot.keyClick(lm.page.map_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lm.layer.weights[1, 1, 0, 0] == 0  # the Sobel x centre again
    assert window.state.can_undo  # the explorer's history untouched
    np.testing.assert_array_equal(window.state.kernel, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    qtbot.keyClick(
        lm.page.map_view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert lm.layer.weights[1, 1, 0, 0] == 9
    action(window, "modeKernelAction").trigger()
    assert window.undo_action.isVisible() and not lm.undo_action.isVisible()
    window.undo_action.trigger()
    assert not window.state.can_undo and lm.layer.weights[1, 1, 0, 0] == 9


def test_preset_menu_loads_a_bank(qtbot: Any, window: MainWindow) -> None:
    window.set_document(ImageDoc(COLOUR, name="c"))
    action(window, "bankPreset_each_colour").trigger()
    lm = window.layer_mode  # type: ignore[attr-defined]
    assert window.mode == "layer"
    assert lm.layer.settings.groups == 3
    assert [t.caption for t in lm.page.map_grid.tiles] == ["0 ← R", "1 ← G", "2 ← B"]
    assert "depthwise" in lm.page.bank.groups_combo.currentText()
    np.testing.assert_array_equal(lm.layer.result.stacked(), COLOUR.astype(np.float32))
    assert "DepthwiseConv2D" in lm.page.summary_label.text()


def test_save_and_open_a_bank(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    lm = enter_layer_mode(window)
    lm.layer.apply_preset("random", seed=4)
    w = np.array(lm.layer.weights)
    path = tmp_path / "bank.npz"
    assert layer_mode.save_bank_path(window, path)
    asked: list[str] = []
    window.files.ask = lambda title, text: asked.append(text) or False
    path.write_bytes(b"changed by the user")
    assert not layer_mode.save_bank_path(window, path)  # asked, refused: not replaced
    assert asked and path.read_bytes() == b"changed by the user"
    window.files.ask = lambda title, text: True
    assert layer_mode.save_bank_path(window, path)
    lm.layer.apply_preset("edges")
    assert layer_mode.open_bank_path(window, path)
    np.testing.assert_array_equal(lm.layer.weights, w)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nonsense")
    assert not layer_mode.open_bank_path(window, bad)
    assert window.message_bar.level == "error" and "bad.npz" in window.message_bar.text
    np.testing.assert_array_equal(lm.layer.weights, w)


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_nothing_is_clipped_with_64_filters(
    qtbot: Any, window: MainWindow, size: tuple[int, int]
) -> None:
    window.set_document(ImageDoc(COLOUR, name="c"))
    lm = enter_layer_mode(window)
    window.resize(*size)
    lm.layer.set_filter_count(64)
    page = lm.page
    qtbot.waitUntil(lambda: page.map_grid.tiles[-1].height() > 0, timeout=3000)
    QApplication.processEvents()
    grid = page.map_grid
    tiles_right = max(t.geometry().right() for t in grid.tiles)
    assert tiles_right <= page.maps_scroll.viewport().width()  # no tile cut off sideways
    assert min(t.image_rect().width() for t in grid.tiles) >= 30
    for v in (page.input_view, page.map_view):
        assert v.width() >= 150 and v.height() >= 150
    assert page.bank_scroll.width() >= page.bank.minimumSizeHint().width()


def bt601(rgb: np.ndarray) -> np.ndarray:
    """Pillow's convert("L") written out: the grey input's reference."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 2**15) >> 16).astype(np.float32)


def test_a_colour_image_is_r_g_b_and_the_input_choice_is_the_layers_own(
    qtbot: Any, window: MainWindow
) -> None:
    window.set_document(ImageDoc(COLOUR, name="c"))
    assert window.state.color_mode == "gray"
    lm = enter_layer_mode(window)
    page, layer = lm.page, lm.layer
    assert layer.c_in == 3 and [t.caption for t in page.channel_grid.tiles] == ["R", "G", "B"]
    assert page.input_combo.isEnabled() and page.input_combo.currentData() == "rgb"
    choose(qtbot, page.input_combo, "grey")
    assert layer.c_in == 1 and [t.caption for t in page.channel_grid.tiles] == ["grey"]
    np.testing.assert_array_equal(layer.image[..., 0], bt601(COLOUR))
    assert window.settings.value(layer_mode.INPUT_SETTING) == "grey"
    assert window.state.color_mode == "gray"  # the single-kernel switch is not touched
    window.state.set_color_mode("rgb")  # ... and does not move the layer's choice
    assert layer.c_in == 1 and page.input_combo.currentData() == "grey"
    choose(qtbot, page.input_combo, "rgb")
    assert layer.c_in == 3 and window.settings.value(layer_mode.INPUT_SETTING) == "rgb"
    r = layer.result
    assert r is not None
    np.testing.assert_allclose(
        r.stacked(), reference(COLOUR, np.array(layer.weights), np.array(layer.bias)),
        rtol=1e-5, atol=1e-3,
    )
    window.set_document(ImageDoc(COLOUR[..., 0], name="g"))
    assert not page.input_combo.isEnabled() and layer.c_in == 1


def test_the_input_choice_is_remembered(qtbot: Any, window: MainWindow) -> None:
    window.settings.setValue(layer_mode.INPUT_SETTING, "purple")  # damaged: the default
    assert layer_mode.remembered_input(window) == "rgb"
    window.settings.setValue(layer_mode.INPUT_SETTING, "grey")
    window.set_document(ImageDoc(COLOUR, name="c"))
    lm = enter_layer_mode(window)
    assert lm.layer.input_mode == "grey" and lm.layer.c_in == 1
    assert lm.page.input_combo.currentData() == "grey"


def test_filter_buttons_choose_the_filter_by_mouse_and_keyboard(
    qtbot: Any, window: MainWindow
) -> None:
    window.set_document(ImageDoc(COLOUR, name="c"))
    lm = enter_layer_mode(window)
    window.resize(1024, 700)
    page, layer = lm.page, lm.layer
    buttons = page.bank.filter_buttons.buttons
    assert [b.text() for b in buttons] == ["0", "1", "2", "3"]
    assert buttons[1].toolTip() == "Filter 1: reads R+G+B"
    qtbot.waitUntil(lambda: buttons[3].isVisible(), timeout=2000)
    assert min(b.width() for b in buttons) >= 28 and min(b.height() for b in buttons) >= 24
    with qtbot.waitSignal(page.focus_changed, timeout=2000):
        qtbot.mouseClick(buttons[3], Qt.MouseButton.LeftButton)
    assert layer.selected == 3 and page.map_grid.tiles[3].selected
    r = layer.result
    assert r is not None
    np.testing.assert_array_equal(page.map_view.data, r.maps[3].data)
    buttons[1].setFocus()
    qtbot.keyClick(buttons[1], Qt.Key.Key_Space)
    assert layer.selected == 1 and page.bank.filter_buttons.current == 1
    layer.select(2)  # from the map grid or the animation: the buttons follow
    assert page.bank.filter_buttons.current == 2
    layer.set_filter_count(6)
    assert len(buttons) == 6 and page.bank.filter_buttons.current == 2


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_the_large_maps_title_is_not_elided(
    qtbot: Any, window: MainWindow, size: tuple[int, int]
) -> None:
    window.set_document(ImageDoc(COLOUR, name="c"))
    lm = enter_layer_mode(window)
    window.resize(*size)
    page = lm.page
    qtbot.waitUntil(lambda: page.map_title.width() > 50, timeout=2000)
    QApplication.processEvents()
    title = page.map_title
    assert title.text() == "Feature map 0 ← R+G+B"
    assert title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width()
    assert "which reads R+G+B" in title.toolTip()


def test_bank_settings_beyond_the_controls_are_refused_naming_the_file(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    from convgui.layer_state import SETTING_LIMITS

    lm = enter_layer_mode(window)
    bank = lm.page.bank
    # One table of limits: the controls offer exactly what the settings accept.
    assert (bank.stride_spin.minimum(), bank.stride_spin.maximum()) == SETTING_LIMITS["stride"]
    assert (bank.dilation_spin.minimum(), bank.dilation_spin.maximum()) == (
        SETTING_LIMITS["dilation"]
    )
    assert (bank.padding_spin.minimum(), bank.padding_spin.maximum()) == (
        SETTING_LIMITS["padding"]
    )
    assert bank.output_padding_spin.maximum() == SETTING_LIMITS["output_padding"][1]
    before = lm.layer.settings
    for name, value in [("stride", 9), ("dilation", [1, 10**7]), ("padding", 16)]:
        path = tmp_path / f"{name}.json"
        path.write_text(
            json.dumps({"kernel": np.zeros((3, 3, 1, 1)).tolist(), "settings": {name: value}})
        )
        assert not layer_mode.open_bank_path(window, path)
        assert window.message_bar.level == "error" and f"{name}.json" in window.message_bar.text
        assert lm.layer.settings == before
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps({"kernel": np.zeros((3, 3, 1, 1)).tolist(), "settings": {"stride": 8}})
    )
    assert layer_mode.open_bank_path(window, path)
    assert bank.stride_spin.value() == 8 and lm.layer.settings.stride == (8, 8)


# --- the layer mode among other modes (the network's) -------------------------------------------

#: A walk through the three modes that takes each of the six switches between two of them.
EVERY_SWITCH = ["network", "layer", "kernel", "network", "kernel", "layer", "network"]
UNDO_OF = {"kernel": "undoAction", "layer": "layerUndoAction", "network": "networkUndoAction"}
REDO_OF = {"kernel": "redoAction", "layer": "layerRedoAction", "network": "networkRedoAction"}
VIEW_OF = {"kernel": "modeKernelAction", "layer": "modeLayerAction", "network": "modeNetworkAction"}


def shown_with(window: MainWindow, key: str) -> list[str]:
    """The names of the window's visible actions bound to ``key``."""
    return sorted(
        a.objectName()
        for a in window.findChildren(QAction)
        if a.isVisible() and key in [s.toString() for s in a.shortcuts()]
    )


def test_another_mode_keeps_its_own_undo_and_view_entry(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtWidgets import QWidget

    lm = enter_layer_mode(window)
    window.add_mode("other", QWidget())
    window.show_mode("other")
    # The layer mode hides its own pair and leaves the window's alone: re-showing the
    # single-kernel Undo or checking View ▸ Single Kernel is for a switch to that mode only.
    assert not lm.undo_action.isVisible() and not lm.redo_action.isVisible()
    assert not window.undo_action.isVisible() and not window.redo_action.isVisible()
    assert not action(window, "modeKernelAction").isChecked()
    window.show_mode("kernel")
    assert shown_with(window, "Ctrl+Z") == ["undoAction"]
    assert action(window, "modeKernelAction").isChecked()


@pytest.mark.parametrize("first", ["layer", "network"])
@pytest.mark.parametrize("layer_handler_last", [False, True])
def test_every_switch_between_kernel_layer_and_network_shows_one_right_undo(
    qtbot: Any, window: MainWindow, first: str, layer_handler_last: bool
) -> None:
    from convgui.gui import network_mode

    if first == "layer":
        lm = enter_layer_mode(window)
        nm = network_mode.ensure(window)
    else:
        nm = network_mode.ensure(window)
        lm = window.layer_mode  # type: ignore[attr-defined]
    if layer_handler_last:  # the result must not hang on which mode's handler runs first
        window.mode_changed.disconnect(lm._on_mode)
        window.mode_changed.connect(lm._on_mode)
    assert nm.net.wait_idle(10.0) and lm.layer.wait_idle(10.0)
    redo_key = window.redo_action.shortcuts()[0].toString()
    for k, mode in enumerate(["kernel", first, *EVERY_SWITCH], start=1):
        action(window, VIEW_OF[mode]).trigger()
        assert window.mode == mode
        checked = [n for n in VIEW_OF.values() if action(window, n).isChecked()]
        assert checked == [VIEW_OF[mode]], f"step {k} ({mode}): View checks {checked}"
        assert shown_with(window, "Ctrl+Z") == [UNDO_OF[mode]], f"step {k} ({mode})"
        assert shown_with(window, redo_key) == [REDO_OF[mode]], f"step {k} ({mode})"
        # One edit in each of the three places, then Ctrl+Z: only this mode's edit goes back.
        assert window.state.set_kernel_cell(0, 0, str(k))
        assert lm.layer.set_bias(0, str(k))
        assert nm.net.set_bias(0, 0, float(k))
        assert nm.net.wait_idle(10.0) and lm.layer.wait_idle(10.0)
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert nm.net.wait_idle(10.0) and lm.layer.wait_idle(10.0)
        undone = {
            "kernel": float(window.state.kernel[0, 0]) != k,
            "layer": float(lm.layer.bias[0]) != k,
            "network": float(nm.net.network.weights[0]["bias"][0]) != k,
        }
        assert undone == {m: m == mode for m in undone}, f"step {k} ({mode}): Ctrl+Z undid {undone}"
