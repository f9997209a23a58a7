"""Kernel ▸ Generate…: live sliders, one undo step, Cancel restores, values remembered."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gui_helpers import assert_output_is_exact
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction

from convgui.core import get_preset
from convgui.gui.kernel_lab import lab
from convgui.gui.lab_generate import GeneratorDialog
from convgui.gui.window import MainWindow


def gaussian(sigma: float) -> np.ndarray:
    """exp(-(x² + y²) / 2σ²) on 2·ceil(3σ)+1 cells, normalised (the generator's stated rule)."""
    h = math.ceil(3 * sigma - 1e-9)
    x = np.arange(-h, h + 1, dtype=np.float64)
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


def open_dialog(window: MainWindow, qtbot: Any) -> GeneratorDialog:
    act = window.findChild(QAction, "generateKernelAction")
    assert act is not None and act.shortcut().toString() == "Ctrl+G"
    act.trigger()
    dlg = lab(window).generator
    assert isinstance(dlg, GeneratorDialog) and dlg.isVisible()
    # The dialog is the active window, as on a desktop (the window's animation keys then
    # leave the sliders' arrow keys alone).
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    return dlg


def choose_generator(dlg: GeneratorDialog, qtbot: Any, name: str) -> None:
    if dlg.generator.name == name:
        return  # open_session applied it already
    with qtbot.waitSignal(dlg.kernel_generated, timeout=2000):
        dlg.combo.setCurrentIndex(dlg.combo.findData(name))


def press(qtbot: Any, dlg: GeneratorDialog, widget: Any, key: Qt.Key, times: int = 1) -> None:
    widget.setFocus()
    with qtbot.waitSignal(dlg.kernel_generated, timeout=2000):
        for _ in range(times):
            qtbot.keyClick(widget, key)


def test_a_slider_move_changes_the_table_and_the_output(window: MainWindow, qtbot: Any) -> None:
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "gaussian")
    np.testing.assert_allclose(window.state.kernel, gaussian(1.0), rtol=1e-12)
    model = window.kernel_panel.model
    assert model.rowCount() == 7
    press(qtbot, dlg, dlg.slider("sigma"), Qt.Key.Key_Right, 2)  # σ 1.0 → 1.2
    assert dlg.spin("sigma").value() == 1.2
    np.testing.assert_allclose(window.state.kernel, gaussian(1.2), rtol=1e-12)
    assert model.rowCount() == model.columnCount() == 9  # 2·ceil(3.6)+1
    assert_output_is_exact(window)
    # The spin box drives the slider and the kernel too.
    spin = dlg.spin("sigma")
    spin.setFocus()
    spin.selectAll()
    with qtbot.waitSignal(dlg.kernel_generated, timeout=2000):
        qtbot.keyClicks(spin.lineEdit(), "0.5")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert dlg.slider("sigma").value() == 2  # (0.5 − 0.3) / 0.1
    np.testing.assert_allclose(window.state.kernel, gaussian(0.5), rtol=1e-12)
    assert_output_is_exact(window)
    dlg.accept()


def test_cancel_restores_the_kernel_and_its_history(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    s.apply_preset("sharpen")
    undo_before = s.session().undo
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "box")
    press(qtbot, dlg, dlg.slider("size"), Qt.Key.Key_Right)
    assert s.kernel.shape == (5, 5)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()
    np.testing.assert_array_equal(s.kernel, get_preset("sharpen"))
    assert s.session().undo == undo_before
    assert_output_is_exact(window)


def test_ok_keeps_the_kernel_as_one_undo_step(window: MainWindow, qtbot: Any) -> None:
    s = window.state
    before = np.array(s.kernel)
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "edge")
    for i in range(3):  # three separate moves, each a kernel in the state
        press(qtbot, dlg, dlg.slider("angle_deg"), Qt.Key.Key_Right)
        assert dlg.values["angle_deg"] == 5.0 * (i + 1)
    with qtbot.waitSignal(dlg.kernel_generated, timeout=2000):
        dlg.choice("operator").setCurrentText("scharr")
    assert s.kernel[1, 2] > 3  # Scharr's 10/16 scale, not Sobel's 2/8
    kept = np.array(s.kernel)
    dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
    assert not dlg.isVisible()
    np.testing.assert_array_equal(s.kernel, kept)
    assert s.undo_label == "Generate Edge at an angle"
    s.undo()
    np.testing.assert_array_equal(s.kernel, before)
    assert not s.can_undo  # the whole session was one step
    s.redo()
    np.testing.assert_array_equal(s.kernel, kept)


def test_dragging_is_throttled_and_ends_on_the_last_value(
    window: MainWindow, qtbot: Any
) -> None:
    s = window.state
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "gaussian")
    changes: list[int] = []
    s.kernel_changed.connect(lambda: changes.append(1))
    slider = dlg.slider("sigma")
    with qtbot.waitSignal(dlg.kernel_generated, timeout=2000):
        for i in range(8, 18):  # a drag: 10 positions in a burst, to σ = 0.3 + 17 × 0.1
            slider.setSliderPosition(i)
    qtbot.waitUntil(lambda: not dlg._timer.isActive(), timeout=2000)
    assert 1 <= len(changes) < 10
    np.testing.assert_allclose(s.kernel, gaussian(2.0), rtol=1e-12)
    dlg.reject()


def test_remembers_the_generator_and_its_values(
    window: MainWindow, qtbot: Any, settings_path: Any
) -> None:
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "motion_blur")
    press(qtbot, dlg, dlg.slider("length"), Qt.Key.Key_Right, 4)  # 5 → 7 px
    dlg.accept()
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert st.value("kernelLab/generator") == "motion_blur"
    assert float(st.value("kernelLab/values/motion_blur/length")) == 7.0
    # A new dialog (the next run) starts where this one ended.
    fresh = GeneratorDialog(window.state, window.settings, window)
    fresh.open_session()
    assert fresh.generator.name == "motion_blur"
    assert fresh.values["length"] == 7.0
    assert fresh.slider("length").value() == 12  # (7 − 1) / 0.5
    fresh.reject()


def test_a_refused_value_is_explained_and_changes_nothing(
    window: MainWindow, qtbot: Any
) -> None:
    s = window.state
    dlg = open_dialog(window, qtbot)
    choose_generator(dlg, qtbot, "box")
    before = np.array(s.kernel)
    spin = dlg.spin("size")
    spin.setValue(4)  # typed: an even size has no centre cell
    qtbot.waitUntil(lambda: dlg.error.isVisible(), timeout=2000)
    assert "odd" in dlg.error.text() and "not changed" in dlg.error.text()
    np.testing.assert_array_equal(s.kernel, before)
    dlg.reject()


def test_every_generator_works_over_its_range(window: MainWindow, qtbot: Any) -> None:
    dlg = open_dialog(window, qtbot)
    refused: list[str] = []
    for i in range(dlg.combo.count()):
        dlg.combo.setCurrentIndex(i)
        for name, widgets in dlg._controls.items():
            if len(widgets) == 2:
                for pos in (0, dlg.slider(name).maximum()):
                    before = window.state.kernel
                    dlg.slider(name).setValue(pos)
                    if dlg.apply_now():
                        assert not dlg.error.isVisible()
                    else:  # refused (σ₁ = σ₂ of a DoG): said in words, the kernel kept
                        refused.append(dlg.error.text())
                        assert "not changed" in dlg.error.text()
                        assert window.state.kernel is before
                    assert np.all(np.isfinite(window.state.kernel))
                    assert max(window.state.kernel.shape) <= 15
    assert all("sigma1 and sigma2 must differ" in t for t in refused), refused
    dlg.reject()


def test_growing_with_the_text_stays_within_its_room(window: MainWindow, qtbot: Any) -> None:
    window.resize(1024, 700)
    window.findChild(QAction, "generateKernelAction").trigger()
    dlg = lab(window).generator
    limit = dlg.width_limit
    assert limit is not None and dlg.width() <= limit
    for _ in range(3):
        with qtbot.waitSignal(window.text_scale_changed, timeout=2000):
            window.text_size.larger()
    qtbot.wait(50)
    assert dlg.width() <= max(limit, dlg.minimumSizeHint().width())
    assert dlg.height() >= dlg.minimumSizeHint().height()
    dlg.reject()
