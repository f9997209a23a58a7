"""The kernel lab's menu entries: where they sit, their keys, and one holder on the window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QAction, QKeySequence

from convgui.gui import texts
from convgui.gui.actions import ActionSpec, action_table
from convgui.gui.kernel_lab import KernelLab, entries, lab
from convgui.gui.window import MainWindow

WANTED = {
    "generateKernelAction": (texts.MENU_KERNEL, "Ctrl+G"),
    "compareKernelsAction": (texts.MENU_KERNEL, "Ctrl+Alt+K"),
    "compareBordersAction": (texts.MENU_LAYER, "Ctrl+Alt+B"),
    "kernelAnalysisAction": (texts.MENU_VIEW, "Ctrl+Alt+A"),
}


def test_entries_menus_and_keys(qapp: Any) -> None:
    specs = {e.id: e for e in entries() if isinstance(e, ActionSpec)}
    assert {k: (s.menu, s.shortcuts[0]) for k, s in specs.items()} == WANTED
    assert specs["kernelAnalysisAction"].checkable
    # No other entry of the whole table uses these keys.
    mine = {QKeySequence(k).toString() for _, k in WANTED.values()}
    others = [
        QKeySequence(s).toString()
        for e in action_table()
        if isinstance(e, ActionSpec) and e.id not in WANTED
        for s in e.shortcuts
    ]
    assert not mine & set(others)


def test_everything_lives_in_one_holder(window: MainWindow, qtbot: Any) -> None:
    assert getattr(window, "kernel_lab", None) is None  # nothing built before it is asked for
    for name in WANTED:
        act = window.findChild(QAction, name)
        assert act is not None
        act.trigger()
    k = lab(window)
    assert isinstance(k, KernelLab) and window.kernel_lab is k
    assert all(x is not None for x in (k.generator, k.compare, k.borders, k.analysis))
    # Compare opened after Generate: A is the generated kernel, as is B.
    generated = np.array(window.state.kernel)
    assert generated.shape == (7, 7)  # the Gaussian, σ = 1
    np.testing.assert_array_equal(k.compare.kernel_a, generated)
    assert k.compare.summary.text().startswith("A and B give the same output")
    assert "Rank 1" in k.analysis.panel.labels["rank"].text()
    k.generator.reject()  # B back to the identity; A stays the Gaussian
    assert window.state.kernel.shape == (3, 3)
    assert k.compare.summary.text().startswith("Largest difference")
    assert k.analysis.panel.labels["sum"].text().startswith("Sum 1")
    k.compare.close()
    k.borders.close()
    # Opening again reuses the same objects.
    window.findChild(QAction, "compareKernelsAction").trigger()
    assert lab(window).compare is k.compare
    k.compare.close()


def test_the_analysis_dock_reopens_at_the_next_start(
    window: MainWindow, qtbot: Any, state: Any
) -> None:
    window.findChild(QAction, "kernelAnalysisAction").trigger()
    assert lab(window).analysis.isVisible()
    window.save_settings()
    again = MainWindow(state, window.settings)
    qtbot.addWidget(again)
    assert getattr(again, "kernel_lab", None) is None
    again.restore_settings()  # what the app does at start-up
    again.show()
    assert lab(again).analysis.isVisible()
    assert again.findChild(QAction, "kernelAnalysisAction").isChecked()


def _global(w: Any) -> Any:
    from PySide6.QtCore import QPoint, QRect

    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


@pytest.mark.parametrize("name", ["generateKernelAction", "compareKernelsAction"])
def test_from_the_layer_mode_they_switch_to_the_single_kernel(
    window: MainWindow, qtbot: Any, name: str
) -> None:
    from convgui.gui import layer_mode

    layer_mode.show_layer_mode(window)
    bank_before = np.array(window.layer_mode.layer.weights)
    assert window.mode == "layer"
    with qtbot.waitSignal(window.mode_changed, timeout=2000) as switched:
        window.findChild(QAction, name).trigger()
    assert switched.args == ["kernel"] and window.mode == "kernel"
    what = "Generate" if name.startswith("generate") else "Compare"
    assert window.statusBar().currentMessage() == (
        f"Kernel ▸ {what} works on the single kernel: switched to View ▸ Single Kernel"
    )
    np.testing.assert_array_equal(window.layer_mode.layer.weights, bank_before)
    k = lab(window)
    dlg = k.generator if what == "Generate" else k.compare
    assert dlg.isVisible()
    dlg.close()


@pytest.mark.parametrize("size", [(1024, 700), (1400, 820)])
def test_the_dialogs_cover_neither_the_table_nor_the_output(
    window: MainWindow, qtbot: Any, size: tuple[int, int]
) -> None:
    window.resize(*size)
    window.move(0, 0)
    qtbot.wait(20)
    screen = window.screen().availableGeometry()
    for name in ("generateKernelAction", "compareKernelsAction"):
        window.findChild(QAction, name).trigger()
        k = lab(window)
        dlg = k.generator if name.startswith("generate") else k.compare
        qtbot.waitUntil(dlg.isVisible, timeout=2000)
        box = dlg.frameGeometry()
        for part in (window.kernel_panel.table, window.output_view):
            assert not box.intersects(_global(part)), (name, box, _global(part))
        assert screen.contains(box), (name, box, screen)
        assert dlg.width() >= dlg.minimumSizeHint().width()
        dlg.close()
