"""The network mode page: menus, the digits network, kernel edits, structure edits, files.

Every number is checked against an independent path: a fresh :class:`convgui.net.Network`
built from the shipped files, changed with ``with_weight`` and run with ``predict``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, conv_of, type_into_cell
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from convgui.core.network import receptive_field
from convgui.gui import network_mode
from convgui.gui.network_panel import layer_row_text
from convgui.gui.prob_bars import ProbabilityBars, percent_text
from convgui.net import Network, digit_samples


def _action(window: Any, name: str) -> QAction:
    act = window.findChild(QAction, name)
    assert act is not None, f"no action {name}"
    return act


@pytest.fixture
def digits(window: Any) -> Any:
    """The window in the network mode on the digits network (opened from the Samples menu)."""
    _action(window, "digitsNetworkAction").trigger()
    assert window.mode == "network"
    return window.network_mode


def _type_into(qtbot: Any, table: Any, row: int, col: int, text: str) -> None:
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, col))
    qtbot.keyClick(table, text[0])
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "typing into a cell did not open its editor"
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState, timeout=2000)


def _summary_names(nm: Any) -> list[str]:
    return [r[0] for r in nm.page.summary.rows()]


# --- the digits network ----------------------------------------------------------------------


def test_samples_menu_opens_the_digits_network_and_the_bars_show_its_class(
    window: Any, digits: Any
) -> None:
    images, labels = digit_samples()
    want = Network.digits().predict(images[0])
    bars = digits.page.bars
    assert bars.predicted == int(labels[0]) == int(np.argmax(want))
    np.testing.assert_allclose(bars.probabilities, want, rtol=1e-5, atol=1e-7)
    assert bars.headline().startswith(f"{labels[0]} — ")
    assert _action(window, "modeNetworkAction").isChecked()
    assert not _action(window, "modeKernelAction").isChecked()
    # The summary as Keras prints it.
    rows = digits.page.summary.rows()
    assert rows[0] == ("conv1 (Conv2D)", "(None, 26, 26, 16)", "160")
    assert rows[-2] == ("dense (Dense)", "(None, 10)", "8,010")
    assert digits.page.summary.total.text() == "Total params: 12,810"
    assert digits.page.layer_list.texts()[0] == "conv1 · Conv2D 16 3×3"


def test_another_sample_changes_the_bars_to_its_class(digits: Any, qtbot: Any) -> None:
    images, labels = digit_samples()
    net = Network.digits()
    k = next(
        i
        for i in range(1, 100)
        if labels[i] != labels[0] and net.predict(images[i]).argmax() == labels[i]
    )
    spin = digits.page.sample_spin
    spin.setFocus()
    spin.setValue(k)
    assert digits.net.sample_index == k
    assert digits.page.bars.predicted == int(labels[k])
    assert digits.page.sample_label.text() == f"(a {labels[k]})"


def test_view_menu_switches_modes_and_checks_the_right_entry(window: Any) -> None:
    _action(window, "modeNetworkAction").trigger()
    assert window.mode == "network" and hasattr(window, "network_mode")
    _action(window, "modeLayerAction").trigger()
    assert window.mode == "layer"
    assert _action(window, "modeLayerAction").isChecked()
    _action(window, "modeNetworkAction").trigger()
    assert window.mode == "network"
    assert _action(window, "modeNetworkAction").isChecked()
    # Only this mode's Undo is shown (shown actions with the same key would cancel each other).
    shown = [
        a.objectName()
        for a in window.findChildren(QAction)
        if a.isVisible() and a.shortcut().toString() == "Ctrl+Z"
    ]
    assert shown == ["networkUndoAction"]


# --- kernel edits --------------------------------------------------------------------------------


def test_kernel_cell_edit_changes_the_prediction_exactly_and_reset_restores(
    digits: Any, qtbot: Any
) -> None:
    images, _ = digit_samples()
    x = images[0]
    nm = digits
    nm.net.select(0, 2, 0)  # conv1, filter 2
    editor = nm.page.kernel
    assert editor.filter_spin.value() == 2
    assert not editor.reset_button.isEnabled()
    before = nm.page.bars.probabilities
    _type_into(qtbot, editor.table, 1, 1, "-3")
    trained = Network.digits()
    kernel = np.array(trained.weights[0]["kernel"])
    kernel[1, 1, 0, 2] = -3.0
    want = trained.with_weight(0, "kernel", kernel).predict(x)
    got = nm.page.bars.probabilities
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert not np.allclose(got, before, rtol=1e-2, atol=0), "the edit moved the bars"
    assert nm.net.kernel_of(0, 2, 0)[1, 1] == -3.0
    assert editor.model.data(editor.model.index(1, 1)) == "-3"
    assert editor.reset_button.isEnabled()
    qtbot.mouseClick(editor.reset_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(nm.page.bars.probabilities, before, rtol=1e-6)
    assert not nm.net.weights_modified
    assert not editor.reset_button.isEnabled()


def test_bias_edit_and_undo_keys_in_this_mode(window: Any, digits: Any, qtbot: Any) -> None:
    images, _ = digit_samples()
    nm = digits
    kernel_before = window.state.kernel.copy()
    nm.net.select(3, 5, 0)  # conv2, filter 5
    field = nm.page.kernel.bias_edit
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "2.5")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert float(nm.net.network.weights[3]["bias"][5]) == 2.5
    want = Network.digits()
    bias = np.array(want.weights[3]["bias"])
    bias[5] = 2.5
    np.testing.assert_allclose(
        nm.page.bars.probabilities,
        want.with_weight(3, "bias", bias).predict(images[0]),
        rtol=1e-5,
        atol=1e-7,
    )
    nm.page.bars.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not nm.net.weights_modified, "Ctrl+Z undid the bias edit"
    assert np.array_equal(window.state.kernel, kernel_before), "the single kernel untouched"
    assert field.text() == f"{float(Network.digits().weights[3]['bias'][5])!r}" or float(
        field.text()
    ) == pytest.approx(float(Network.digits().weights[3]["bias"][5]))
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, shift_ctrl)
    assert float(nm.net.network.weights[3]["bias"][5]) == 2.5, "Ctrl+Shift+Z redid it"


def test_bad_cell_text_is_refused_and_changes_nothing(digits: Any, qtbot: Any) -> None:
    nm = digits
    nm.net.select(0, 0, 0)
    before = nm.net.network
    _type_into(qtbot, nm.page.kernel.table, 0, 0, "abc")
    assert nm.net.network is before
    assert nm.page.kernel.model._bad, "the refused cell is marked"


# --- structure edits -----------------------------------------------------------------------------


def test_add_remove_and_move_layers_update_the_list_and_summary(digits: Any, qtbot: Any) -> None:
    nm = digits
    page = nm.page
    names = _summary_names(nm)
    nm.net.select(0)  # conv1
    page.layer_list.add_menu.findChild(QAction, "networkAdd_activation").trigger()
    rows = _summary_names(nm)
    assert len(rows) == len(names) + 1
    assert rows[1].endswith("(Activation)") and rows[0] == names[0]
    assert len(page.layer_list.texts()) == len(rows)
    # Remove it again (it is the selected layer).
    assert nm.net.selected_layer == 1
    qtbot.mouseClick(page.layer_list.remove_button, Qt.MouseButton.LeftButton)
    assert _summary_names(nm) == names
    # Move relu1 below pool1: the same shapes, another order.
    nm.net.select(1)
    qtbot.mouseClick(page.layer_list.down_button, Qt.MouseButton.LeftButton)
    moved = _summary_names(nm)
    assert moved[1] == names[2] and moved[2] == names[1]
    assert page.layer_list.texts()[2].startswith("relu1")
    # The Network menu does the same.
    nm.net.select(2)
    _action(nm.window, "moveLayerUpAction").trigger()
    assert _summary_names(nm) == names


def test_a_refused_layer_setting_shows_a_message_and_changes_nothing(
    window: Any, digits: Any
) -> None:
    nm = digits
    nm.net.select(3)  # conv2 reads 13×13×16
    before = nm.net.network
    form = nm.page.form
    assert form.kernel.value() == (3, 3)
    form.kernel.spins[0].setValue(15)  # larger than its input: refused by the state
    assert nm.net.network is before
    assert window.message_bar.level == "error"
    assert window.message_bar.text
    assert form.kernel.value() == (3, 3), "the form shows the state's value again"
    # An accepted edit goes through: 5×5 fits.
    form.kernel.spins[0].setValue(5)
    form.kernel.spins[1].setValue(5)
    assert nm.net.network.layers[3].kernel_size == (5, 5)
    assert _summary_names(nm)[3] == "conv2 (Conv2D)"
    assert nm.page.summary.rows()[3][1] == "(None, 9, 9, 32)"
    assert nm.page.layer_list.texts()[3] == layer_row_text(nm.net.network.layers[3])


# --- receptive fields --------------------------------------------------------------------------


def test_a_clicked_unit_shows_its_receptive_field(window: Any, digits: Any) -> None:
    nm = digits
    nm.page.maps.unit_clicked.emit(3, 4, 6)  # conv2 (4, 6)
    rf = nm.net.receptive
    want = receptive_field(nm.net.network.layers, (28, 28, 1), 3, (4, 6))
    assert rf is not None and rf.boxes == want.boxes
    assert nm.page.rf_view.rf is rf
    assert nm.page.maps.rf is rf
    assert "conv2" in nm.page.rf_view.caption.text()
    _action(window, "clearUnitAction").trigger()
    assert nm.net.receptive is None and nm.page.rf_view.rf is None


def test_a_vector_unit_reads_the_whole_input(digits: Any) -> None:
    nm = digits
    dense = [s.type for s in nm.net.network.layers].index("dense")
    nm.page.maps.unit_clicked.emit(dense, 0, 7)
    assert nm.net.unit == (dense, (7,))
    assert nm.net.receptive is not None and nm.net.receptive.boxes[0].whole


# --- files ---------------------------------------------------------------------------------------


def test_save_and_open_round_trip_and_no_silent_overwrite(
    window: Any, digits: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nm = digits
    nm.net.set_weight(0, "bias", (1,), "0.75")
    target = tmp_path / "mine.json"
    monkeypatch.setattr(
        network_mode.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "")
    )
    _action(window, "saveNetworkAction").trigger()
    assert target.exists() and target.with_suffix(".npz").exists()
    saved = Network.load(target)
    assert float(saved.weights[0]["bias"][1]) == 0.75
    # Another network, then open the saved one.
    _action(window, "newNetworkAction").trigger()
    assert len(nm.net.network.layers) != len(saved.layers)
    monkeypatch.setattr(
        network_mode.QFileDialog, "getOpenFileName", lambda *a, **k: (str(target), "")
    )
    _action(window, "openNetworkAction").trigger()
    assert [s.name for s in nm.net.network.layers] == [s.name for s in saved.layers]
    assert float(nm.net.network.weights[0]["bias"][1]) == 0.75
    assert _summary_names(nm)[0] == "conv1 (Conv2D)"
    # A file convgui did not write is replaced only when the user says so.
    foreign = tmp_path / "foreign.json"
    foreign.write_text("keep me")
    monkeypatch.setattr(
        network_mode.QFileDialog, "getSaveFileName", lambda *a, **k: (str(foreign), "")
    )
    asked: list[str] = []
    monkeypatch.setattr(window.files, "ask", lambda title, text: asked.append(text) or False)
    _action(window, "saveNetworkAction").trigger()
    assert asked and foreign.read_text() == "keep me"
    assert "not saved" in window.statusBar().currentMessage()
    monkeypatch.setattr(window.files, "ask", lambda title, text: True)
    _action(window, "saveNetworkAction").trigger()
    assert Network.load(foreign).layers == nm.net.network.layers


def test_a_broken_file_keeps_the_network_and_says_why(
    window: Any, digits: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    before = digits.net.network
    assert not network_mode.open_network_path(window, bad)
    assert digits.net.network is before
    assert window.message_bar.level == "error"


# --- settings and the main path ---------------------------------------------------------------


def test_the_input_source_is_remembered(
    window: Any, qtbot: Any, state: Any, settings_path: Path, photo: Path
) -> None:
    from gui_helpers import choose

    from convgui.gui.window import MainWindow

    assert window.open_path(photo)
    nm = network_mode.show_network_mode(window)
    choose(qtbot, nm.page.source_combo, "image")
    assert nm.net.input_source == "image"
    assert nm.net.input.shape[:2] == window.state.doc.shape[:2]
    assert nm.page.input_stack.isHidden(), "the canvas gives its room to the image"
    assert "64×64" not in nm.page.image_note.text() and "90×120×1" in nm.page.image_note.text()
    window.settings.sync()
    again = MainWindow(state, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(again)  # closed by qtbot
    assert network_mode.ensure(again).net.input_source == "image"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    arr = (rng.random((90, 120)) * 255).astype(np.uint8)
    img = QImage(arr.data, 120, 90, 120, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "photo.png"
    assert img.save(str(path))
    return path


def test_main_path_after_the_network_mode(
    window: Any, digits: Any, qtbot: Any, photo: Path
) -> None:
    digits.net.select(0, 0, 0)
    _type_into(qtbot, digits.page.kernel.table, 0, 0, "1")
    digits.page.maps.unit_clicked.emit(3, 2, 2)
    _action(window, "modeKernelAction").trigger()
    assert window.mode == "kernel"
    assert window.open_path(photo)
    type_into_cell(qtbot, window, 1, 1, "5")
    assert window.state.kernel[1, 1] == 5
    out = assert_output_is_exact(window)
    assert out.shape[:2] == conv_of(window.state).shape[:2]
    assert window.message_bar.level != "error"
    # Ctrl+Z is the single kernel's again.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.state.kernel[1, 1] != 5
    assert digits.net.weights_modified, "the network's edit stays"


# --- the bars alone ------------------------------------------------------------------------------


def test_probability_bars_paint_their_winner(qtbot: Any) -> None:
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(300, 360)
    p = np.full(10, 0.01)
    p[7] = 0.91
    bars.set_probabilities(p)
    assert bars.predicted == 7 and bars.headline() == "7 — 91.0 %"
    img = bars.grab().toImage()
    assert bars.paint_count > 0
    # The winner's row holds the highlight colour; another row does not.
    from convgui.gui.prob_bars import WINNER

    def has_winner_colour(y0: int, y1: int) -> bool:
        for y in range(y0, y1, 2):
            for x in range(0, img.width(), 3):
                c = img.pixelColor(x, y)
                rgb, want = (c.red(), c.green(), c.blue()), WINNER.getRgb()[:3]
                if all(abs(a - b) < 8 for a, b in zip(rgb, want)):
                    return True
        return False

    assert has_winner_colour(int(img.height() * 0.75), int(img.height() * 0.85))
    assert not has_winner_colour(int(img.height() * 0.35), int(img.height() * 0.42))
    bars.set_probabilities([np.nan] * 10)
    assert bars.probabilities is None and bars.headline() == bars.empty_text
    assert percent_text(0.986) == "98.6 %"


# --- drawing ----------------------------------------------------------------------------------


def _drag(canvas: Any, points: list[tuple[float, float]], steps: int = 6) -> None:
    """A mouse stroke through ``points`` (canvas cells, 0–CANVAS_SIDE)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from convgui.gui.digit_canvas import CANVAS_SIDE

    sq = canvas.square()
    scale = sq.width() / CANVAS_SIDE

    def at(x: float, y: float) -> QPoint:
        return QPoint(round(sq.left() + (x + 0.5) * scale), round(sq.top() + (y + 0.5) * scale))

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, left, none, at(*points[0]))
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for k in range(1, steps + 1):
            t = k / steps
            QTest.mouseMove(canvas, at(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    QTest.mouseRelease(canvas, left, none, at(*points[-1]))


def test_a_pen_stroke_changes_the_bars_and_the_maps(digits: Any, qtbot: Any) -> None:
    nm = digits
    page = nm.page
    page.digit_panel.clear()
    assert nm.net.sample_index is None
    blank_probs = page.bars.probabilities
    blank_maps = [np.array(o) for o in nm.net.outputs]
    paints = page.bars.paint_count
    _drag(page.digit_panel.canvas, [(70, 20), (70, 120)])  # a "1"
    qtbot.waitUntil(lambda: page.bars.paint_count > paints, timeout=2000)
    x = nm.net.input[:, :, 0]
    assert x.sum() > 5 and np.array_equal(x, page.digit_panel.digit())
    want = Network.digits().predict(x)
    np.testing.assert_allclose(page.bars.probabilities, want, rtol=1e-5, atol=1e-7)
    assert not np.allclose(page.bars.probabilities, blank_probs, atol=1e-3)
    assert page.bars.predicted == int(np.argmax(want))
    shown = page.maps.outputs
    assert shown is not None and not np.allclose(shown[0], blank_maps[0])
    np.testing.assert_allclose(shown[0], Network.digits().forward(x)[0], rtol=1e-5, atol=1e-6)
    assert page.sample_label.text() == "drawn"
    # Picking a shipped sample puts it on the canvas to draw over.
    page.sample_spin.setValue(3)
    assert nm.net.sample_index == 3
    np.testing.assert_allclose(page.digit_panel.digit(), digit_samples()[0][3], atol=1.5 / 255)


def test_pen_width_and_splitters_are_remembered(
    window: Any, qtbot: Any, state: Any, settings_path: Path
) -> None:
    from convgui.gui.window import MainWindow

    nm = network_mode.show_network_mode(window)
    slider = nm.page.digit_panel.pen_slider
    width = slider.maximum() - 1 if slider.value() != slider.maximum() - 1 else slider.minimum()
    slider.setValue(width)
    sizes = nm.page.splitter.sizes()
    moved = [sizes[0] + 40, sizes[1] - 40, sizes[2]]
    nm.page.splitter.setSizes(moved)
    nm.page.splitter.splitterMoved.emit(moved[0], 1)  # as a drag of the handle does
    window.settings.sync()
    again = MainWindow(state, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(again)  # closed by qtbot
    again.resize(window.size())
    again.show()
    other = network_mode.show_network_mode(again)
    assert other.page.digit_panel.pen_slider.value() == width
    assert other.page.splitter.sizes()[0] == nm.page.splitter.sizes()[0]


def test_animate_this_layer_opens_the_learned_kernels_in_the_layer_mode(
    window: Any, digits: Any, qtbot: Any
) -> None:
    nm = digits
    dense = [s.type for s in nm.net.network.layers].index("dense")
    nm.net.select(dense)
    assert not nm.page.kernel.animate_button.isEnabled()
    _action(window, "animateLayerAction").trigger()
    assert window.mode == "network" and window.message_bar.level == "info"
    nm.net.select(3, 4, 0)  # conv2, filter 4
    assert nm.page.kernel.animate_button.isEnabled()
    qtbot.mouseClick(nm.page.kernel.animate_button, Qt.MouseButton.LeftButton)
    assert window.mode == "layer"
    layer = window.layer_mode.layer
    conv2 = nm.net.network.weights[3]["kernel"]
    np.testing.assert_allclose(np.asarray(layer.weights), conv2, rtol=1e-6)
    assert layer.selected == 4
    assert layer.image is not None and layer.image.shape == (13, 13, 16)
    np.testing.assert_allclose(layer.image, nm.net.outputs[2], rtol=1e-6)


def test_a_large_image_computes_on_the_worker_and_the_page_says_so(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    arr = (rng.random((700, 700)) * 255).astype(np.uint8)
    img = QImage(arr.data, 700, 700, 700, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "big.png"
    assert img.save(str(path))
    assert window.open_path(path)
    nm = network_mode.show_network_mode(window)
    _action(window, "newNetworkAction").trigger()
    seen: list[bool] = []
    nm.net.busy_changed.connect(seen.append)
    nm.page.source_combo.setCurrentIndex(nm.page.source_combo.findData("image"))
    nm.page.source_combo.activated.emit(nm.page.source_combo.currentIndex())
    assert nm.net.input.shape == (700, 700, 1)
    # The result comes back through the event loop: until then the page says it is computing.
    assert nm.net.busy
    assert nm.page.status.isVisibleTo(nm.page) and "Computing" in nm.page.status.text()
    assert nm.net.wait_idle(60)
    qtbot.waitUntil(lambda: not nm.net.busy, timeout=5000)
    assert seen[:1] == [True], "this much work runs on the worker"
    assert not nm.page.status.isVisibleTo(nm.page)
    want = Network(nm.net.network.layers, nm.net.network.weights, (700, 700, 1)).forward(
        nm.net.input
    )
    np.testing.assert_allclose(nm.page.maps.outputs[0], want[0], rtol=1e-4, atol=1e-5)
    assert nm.page.bars.probabilities is None


def test_clicking_a_tile_then_a_unit_on_it_shows_that_units_receptive_field(
    window: Any, digits: Any, qtbot: Any
) -> None:
    from convgui.core.network import Box

    nm = digits
    window.resize(1400, 900)
    qtbot.wait(20)
    ls = nm.page.maps.strip_of(0)  # conv1
    assert ls is not None and ls.strip is not None
    nm.page.maps.strips_area.ensureWidgetVisible(ls)
    strip = ls.strip
    tile = strip.tile_rect(3).center()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=tile)
    assert (nm.net.selected_layer, nm.net.selected_filter) == (0, 3)
    assert nm.page.kernel.filter_spin.value() == 3
    assert nm.net.unit is None
    cell = strip.cell_rect(3, Box(7, 8, 9, 10)).center().toPoint()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=cell)
    assert nm.net.unit == (0, (7, 9))
    rf = nm.net.receptive
    assert rf is not None and rf.boxes[0] == Box(7, 10, 9, 12)  # conv1 3×3 valid: rows 7–9
    assert nm.page.rf_view.rf is rf


def test_vertical_bars_put_the_winner_in_its_column(qtbot: Any) -> None:
    from convgui.gui.prob_bars import WINNER

    bars = ProbabilityBars(Qt.Orientation.Vertical)
    qtbot.addWidget(bars)
    bars.resize(500, 300)
    p = np.full(10, 0.02)
    p[2] = 0.82
    bars.set_probabilities(p, labels=list("abcdefghij"))
    assert bars.headline() == "c — 82.0 %"
    img = bars.grab().toImage()
    col = img.width() / 10

    def winner_pixels(x0: float, x1: float) -> int:
        n = 0
        for y in range(img.height() // 3, img.height() - 30, 2):  # below the headline
            for x in range(int(x0) + 2, int(x1) - 2, 2):
                c = img.pixelColor(x, y)
                if all(
                    abs(a - b) < 8
                    for a, b in zip((c.red(), c.green(), c.blue()), WINNER.getRgb()[:3])
                ):
                    n += 1
        return n

    assert winner_pixels(2 * col, 3 * col) > 50
    assert winner_pixels(5 * col, 6 * col) == 0


def test_ctrl_z_on_the_canvas_undoes_the_stroke_not_a_network_edit(digits: Any, qtbot: Any) -> None:
    nm = digits
    nm.net.set_weight(0, "bias", (0,), "0.5")  # a network edit Ctrl+Z could take back
    canvas = nm.page.digit_panel.canvas
    nm.page.digit_panel.clear()
    _drag(canvas, [(40, 40), (100, 100)])
    drawn = nm.net.input.copy()
    assert drawn.sum() > 0
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert float(nm.net.network.weights[0]["bias"][0]) == 0.5, "the network edit stays"
    assert nm.net.input.sum() < drawn.sum(), "the stroke was taken back"


def test_learned_weights_show_as_the_short_decimals_of_their_float32(digits: Any) -> None:
    """A float32 weight widened to float64 reads -0.31550800800323486; the page shows -0.315508."""
    nm = digits
    nm.net.select(0, 0, 0)
    bias32 = np.float32(Network.digits().weights[0]["bias"][0])
    text = nm.page.kernel.bias_edit.text()
    assert len(text) <= 12, f"the bias field shows float64 noise: {text!r}"
    assert np.float32(float(text)) == bias32, "the short text is not the same float32"
    k32 = Network.digits().weights[0]["kernel"][:, :, 0, 0]
    shown = nm.page.kernel.source.kernel
    assert np.array_equal(shown.astype(np.float32), k32)
    for value, want in zip(shown.ravel(), k32.ravel()):
        # The shortest text that reads back as this float32: what the cell editor opens with.
        assert repr(float(value)) == str(want)


def test_a_conv2_edit_redraws_conv2_on_and_leaves_conv1_and_the_form_alone(
    digits: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    images, _ = digit_samples()
    nm = digits
    page = nm.page
    nm.net.select(3, 4, 0)  # conv2, filter 4
    qtbot.wait(20)
    conv1, conv2 = page.maps.strip_of(0).strip, page.maps.strip_of(3).strip
    conv1.grab()
    conv2.grab()
    picture, builds, conv1_out = conv1.picture(), conv1.build_count, conv1.data
    rewrites: list[object] = []
    shown = page.form.show_layer
    monkeypatch.setattr(page.form, "show_layer", lambda spec: (rewrites.append(spec), shown(spec)))
    _type_into(qtbot, page.kernel.table, 0, 2, "2.5")
    kernel = np.array(Network.digits().weights[3]["kernel"])
    kernel[0, 2, 0, 4] = 2.5
    want = Network.digits().with_weight(3, "kernel", kernel).forward(images[0])
    np.testing.assert_allclose(conv2.data, want[3], rtol=1e-5, atol=1e-6)  # conv2 anew
    np.testing.assert_allclose(conv2.levels(4)[1], np.abs(want[3][:, :, 4]).max(), rtol=1e-5)
    assert conv1.data is conv1_out and conv1.picture() is picture  # conv1 as it was
    assert conv1.build_count == builds
    np.testing.assert_allclose(conv1.data, want[0], rtol=1e-5, atol=1e-6)  # and still right
    np.testing.assert_allclose(page.maps.large.view.data, want[3][:, :, 4], rtol=1e-5, atol=1e-6)
    assert rewrites == []  # the layer's settings did not change: the form was left alone
    assert page.form.spec == nm.net.network.layers[3]
    # Selecting another layer still shows its settings.
    nm.net.select(0)
    assert rewrites == [nm.net.network.layers[0]] and page.form.spec == nm.net.network.layers[0]


def test_the_kernel_pickers_follow_layer_and_input_changes_but_not_cell_edits(
    digits: Any, qtbot: Any
) -> None:
    nm = digits
    editor = nm.page.kernel
    nm.net.select(3, 4, 9)  # conv2: 32 filters over pool1's 16 channels
    assert (editor.filter_spin.maximum(), editor.channel_spin.maximum()) == (31, 15)
    assert (editor.filter_spin.value(), editor.channel_spin.value()) == (4, 9)
    bias = editor.bias_edit.text()
    _type_into(qtbot, editor.table, 1, 0, "0.75")
    assert (editor.filter_spin.value(), editor.channel_spin.value()) == (4, 9)
    assert editor.bias_edit.text() == bias and editor.reset_button.isEnabled()
    assert nm.net.set_layer(0, filters=8)  # conv1 narrower: conv2 reads 8 channels now
    assert nm.net.selected_layer == 0 and editor.filter_spin.maximum() == 7
    nm.net.select(3, 4, 5)
    assert (editor.channel_spin.maximum(), editor.channel_spin.value()) == (7, 5)
    assert nm.net.set_weight(3, "bias", (4,), "1.25")
    nm.net.select(3, 4, 0)
    assert editor.bias_edit.text() == "1.25"
    nm.net.undo()  # the bias edit taken back: the field follows
    assert editor.bias_edit.text() == bias


# --- round 2: what a newcomer found ------------------------------------------------------------


def test_a_structure_without_weights_warns_disables_reset_and_clears_the_old_banner(
    window: Any, digits: Any, tmp_path: Path, qtbot: Any
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not network_mode.open_network_path(window, bad)
    assert window.message_bar.level == "error" and "kept" in window.message_bar.text
    qtbot.wait(10)  # the next user action comes later
    Network.digits().save(tmp_path / "x", confirmed=True)
    (tmp_path / "x.npz").unlink()
    assert network_mode.open_network_path(window, tmp_path / "x.json")
    nm = digits
    assert nm.net.trained is None, "random weights are not recorded as trained"
    bar = window.message_bar
    assert bar.level == "warning" and "kept" not in bar.text
    assert "x.npz" in bar.text and "x.json" in bar.text and "random weights" in bar.text
    nm.net.set_weight(0, "bias", (0,), "0.5")
    assert not nm.page.kernel.reset_button.isEnabled()
    assert not _action(window, "resetWeightsAction").isEnabled() or not nm.net.reset_weights()


def test_a_refused_edits_error_goes_on_the_next_accepted_edit(
    window: Any, digits: Any, qtbot: Any
) -> None:
    nm = digits
    nm.net.select(3)
    nm.page.form.kernel.spins[0].setValue(15)  # refused: larger than conv2's input
    assert window.message_bar.level == "error" and window.message_bar.text
    qtbot.wait(10)
    assert nm.net.set_weight(0, "bias", (1,), "0.25")  # an accepted edit
    assert not window.message_bar.isVisible()


def test_the_rebuilt_info_goes_once_the_input_is_back_and_a_new_one_stays(
    window: Any, digits: Any, qtbot: Any, photo: Path
) -> None:
    from gui_helpers import choose

    assert window.open_path(photo)
    network_mode.show_network_mode(window)
    nm = digits
    choose(qtbot, nm.page.source_combo, "image")
    bar = window.message_bar
    assert bar.level == "info" and "dense" in bar.text and "new random weights" in bar.text
    qtbot.wait(10)
    choose(qtbot, nm.page.source_combo, "digit")
    assert not bar.isVisible(), "the info is obsolete once the input is back"
    # A message said in the change being handled is about it and stays (undo says why a
    # layer got new weights before it installs the network).
    qtbot.wait(10)
    nm.net.message.emit("info", "about this change")
    assert nm.net.set_weight(0, "bias", (1,), "0.5")
    assert bar.isVisible() and bar.text == "about this change"


def test_the_digits_network_opens_on_a_live_conv1_filter(digits: Any) -> None:
    images, _ = digit_samples()
    net = Network.digits()
    relu = np.stack([net.forward(images[i])[1] for i in range(len(images))])
    assert relu[..., 0].max() == 0.0, "conv1 filter 0 is dead on every shipped digit"
    want = int(np.argmax(relu[0].sum(axis=(0, 1))))  # the most active on the shown sample
    nm = digits
    assert (nm.net.selected_layer, nm.net.selected_filter) == (0, want) and want != 0
    assert nm.page.kernel.filter_spin.value() == want
    assert nm.page.maps.selected_channel == want


def test_animate_on_a_pooling_layer_uses_the_map_shown_large(
    window: Any, digits: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convgui.gui import network_animate

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(
        network_animate,
        "animate_layer",
        lambda w, net, i, x, filter=0: calls.append((i, filter)) or True,
    )
    nm = digits
    nm.net.select(2, 7)  # pool1, state filter 7
    nm.page.maps.set_selected(2, 5)  # the map shown large is channel 5
    assert network_mode.animate_selected(window)
    assert calls == [(2, 5)]


def test_the_network_is_kept_between_runs(
    window: Any, digits: Any, qtbot: Any, state: Any, settings_path: Path
) -> None:
    from convgui.gui.window import MainWindow

    nm = digits
    assert nm.net.set_weight(0, "bias", (3,), "0.625")
    edited = nm.net.network
    window.close()  # what Quit does
    folder = settings_path.parent / "networks"
    assert (folder / "last.json").exists() and (folder / "last.npz").exists()
    assert network_mode.networks_dir(window.settings) == folder
    again = MainWindow(state, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    nm2 = network_mode.show_network_mode(again)
    got = nm2.net.network
    assert [s.name for s in got.layers] == [s.name for s in edited.layers]
    for a, b in zip(got.weights, edited.weights):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert float(got.weights[0]["bias"][3]) == 0.625
    assert nm2.net.trained is Network.digits() and nm2.net.weights_modified
    assert "from last time" in again.statusBar().currentMessage()
    assert nm2.page.kernel.reset_button.isEnabled()
    assert nm2.net.reset_weights()
    assert float(nm2.net.network.weights[0]["bias"][3]) == float(
        Network.digits().weights[0]["bias"][3]
    )


def test_the_untouched_digits_network_is_not_kept(
    window: Any, digits: Any, settings_path: Path
) -> None:
    window.close()
    assert not (settings_path.parent / "networks" / "last.json").exists()


def test_network_dialogs_start_in_the_last_folder(
    window: Any, digits: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = tmp_path / "nets"
    sub.mkdir()
    Network.digits().save(sub / "d", confirmed=True)
    starts: list[str] = []

    def fake_open(parent: Any, title: str, start: str, flt: str) -> tuple[str, str]:
        starts.append(start)
        return str(sub / "d.json"), ""

    monkeypatch.setattr(network_mode.QFileDialog, "getOpenFileName", fake_open)
    _action(window, "openNetworkAction").trigger()
    _action(window, "openNetworkAction").trigger()
    assert starts[1] == str(sub) and starts[0] != str(sub)
    assert window.files.dialog_dir() == str(sub)


def test_the_sample_label_names_the_sample_after_the_image_and_an_undone_stroke(
    window: Any, digits: Any, qtbot: Any, photo: Path
) -> None:
    from gui_helpers import choose

    _, labels = digit_samples()
    nm = digits
    page = nm.page
    page.sample_spin.setValue(4)
    want = f"(a {labels[4]})"
    assert page.sample_label.text() == want
    assert window.open_path(photo)
    network_mode.show_network_mode(window)
    choose(qtbot, page.source_combo, "image")
    choose(qtbot, page.source_combo, "digit")
    assert page.sample_label.text() == want
    _drag(page.digit_panel.canvas, [(70, 20), (70, 120)])
    assert page.sample_label.text() == "drawn"
    assert page.digit_panel.undo_stroke()
    assert nm.net.sample_index == 4 and page.sample_label.text() == want


def test_layers_without_a_kernel_say_what_they_do_instead_of_a_table(digits: Any) -> None:
    nm = digits
    editor = nm.page.kernel
    nm.net.select(0)
    assert editor.table.isVisibleTo(editor) and editor.pick_row.isVisibleTo(editor)
    kinds = [s.type for s in nm.net.network.layers]
    nm.net.select(kinds.index("max_pool"))
    assert not editor.table.isVisibleTo(editor) and not editor.bias_row.isVisibleTo(editor)
    assert editor.caption.text() == (
        "pool1 has no weights: it keeps the largest value of each 2×2 window."
    )
    nm.net.select(kinds.index("dense"))
    assert editor.caption.text().startswith("dense: 800 × 10 weights and 10 biases, not a sliding")
    nm.net.select(kinds.index("activation"))
    assert "negative value to 0" in editor.caption.text()
    nm.net.select(kinds.index("flatten"))
    assert "5×5×32" in editor.caption.text() and "800" in editor.caption.text()
    page = nm.page
    assert page.large_stack.currentWidget() is page.large_note
    assert "800" in page.large_note.text() and "pool2" in page.large_note.text()
    nm.net.select(0)
    assert page.large_stack.currentWidget() is page.large_map


def test_the_status_bar_shows_the_networks_line_in_this_mode(window: Any, digits: Any) -> None:
    from convgui.gui import status

    images, labels = digit_samples()
    p = Network.digits().predict(images[0])
    win = int(np.argmax(p))
    pct = percent_text(float(p[win]))
    want = f"digits network · input: sample 0 (a {labels[0]}) · prediction {win} ({pct})"
    assert window.hover_label.text() == want
    assert window.info_label.text() == "", "the explorer's image line is not shown here"
    window.show_mode("kernel")
    assert window.info_label.text() == status.info_text(window.state)
    assert window.state.doc.name in window.info_label.text()
    assert window.hover_label.text() == ""
    network_mode.show_network_mode(window)
    assert window.hover_label.text() == want
    digits.net.set_sample(1)
    assert "input: sample 1 (a " in window.hover_label.text()


def test_save_as_asks_about_the_file_that_would_be_replaced(
    window: Any, digits: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.npz").write_bytes(b"not convgui's")
    asked: list[str] = []
    monkeypatch.setattr(window.files, "ask", lambda title, text: asked.append(text) or False)
    assert not network_mode.save_network_path(window, tmp_path / "x.json")
    assert len(asked) == 1 and "“x.npz”" in asked[0] and "“x.json”" not in asked[0]
    assert (tmp_path / "x.npz").read_bytes() == b"not convgui's"


def test_the_probability_bars_keep_their_text_size_as_the_text_grows(
    window: Any, digits: Any, qtbot: Any
) -> None:
    bars = digits.page.bars
    small = bars.minimum_for_font()
    try:
        window.text_size.set_scale(1.44)
        qtbot.wait(20)
        big = bars.minimum_for_font()
        assert big.width() > small.width() and big.height() > small.height()
        assert bars.minimumSize() == big
        assert bars.width() >= big.width(), "the right column makes room for the bars"
    finally:
        window.text_size.reset()


def test_animate_this_layer_is_offered_for_relu_and_animates_the_map_shown_large(
    window: Any, digits: Any
) -> None:
    """relu2 is animatable (single-kernel mode, activation relu) on the channel picked."""
    nm = digits
    i = 4  # relu2
    nm.net.select(i)
    assert nm.page.kernel.animate_button.isEnabled()
    nm.page.maps.set_selected(i, 7)  # tile 7 of relu2 shown large
    assert (nm.page.maps.selected_layer, nm.page.maps.selected_channel) == (i, 7)
    nm.page.kernel.animate_button.click()
    assert window.mode == "kernel"
    assert window.state.params.activation == "relu"
    assert "ch7" in window.state.doc.name
    _action(window, "modeNetworkAction").trigger()
    nm.net.select(7)  # dense: not a map layer
    assert not nm.page.kernel.animate_button.isEnabled()


def test_an_image_opened_in_this_mode_is_shown_where_it_is_read(
    window: Any, digits: Any, tmp_path: Any
) -> None:
    """The main path from the network mode: the image must not land out of sight."""
    from gui_helpers import assert_output_is_exact
    from PySide6.QtGui import QImage

    arr = (np.random.default_rng(1).random((40, 60)) * 255).astype(np.uint8)
    img = QImage(arr.data, 60, 40, 60, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "photo.png"
    assert img.save(str(path))
    assert digits.net.input_source == "digit"
    assert window.open_path(path)
    assert window.mode == "kernel", "the opened image went to a hidden mode"
    assert window.state.doc is not None and window.state.doc.shape == (40, 60)
    assert_output_is_exact(window)
    # With the image as the network's input, the network mode stays and reads it.
    _action(window, "modeNetworkAction").trigger()
    assert digits.net.set_input_source("image")
    assert window.open_path(path)
    assert window.mode == "network"
    assert digits.net.wait_idle() and digits.net.input.shape[:2] == (40, 60)
