"""The mouse wheel scrolls a panel of settings; it never changes a control it passes over."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from convgui.gui.util import WheelGuard


def wheel(widget: QWidget, steps: int = -1) -> None:
    """One wheel notch (down for negative steps) over the middle of ``widget``."""
    pos = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(widget.rect().center()))
    buttons, mods = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    ev = QWheelEvent(
        pos, glob, QPoint(), QPoint(0, 120 * steps), buttons, mods, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(widget, ev)


def make_panel(qtbot: Any) -> tuple[QScrollArea, QComboBox, QSpinBox]:
    content = QWidget()
    layout = QVBoxLayout(content)
    combo = QComboBox()
    combo.addItems(["one", "two", "three"])
    spin = QSpinBox()
    spin.setRange(0, 10)
    spin.setValue(5)
    for _ in range(20):
        layout.addWidget(QSpinBox())
    layout.addWidget(combo)
    layout.addWidget(spin)
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.resize(200, 150)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, combo, spin


def test_the_wheel_scrolls_the_panel_not_the_control(qtbot: Any) -> None:
    guard = WheelGuard()
    QApplication.instance().installEventFilter(guard)
    try:
        area, combo, spin = make_panel(qtbot)
        area.ensureWidgetVisible(combo)
        bar = area.verticalScrollBar()
        bar.setValue(bar.maximum() // 2)
        before = bar.value()
        wheel(combo, -1)
        wheel(spin, -1)
        assert combo.currentIndex() == 0 and spin.value() == 5  # unchanged
        assert bar.value() > before  # the panel scrolled down instead
        # Once focused (clicked or tabbed to), the control takes the wheel as usual.
        spin.setFocus()
        qtbot.waitUntil(spin.hasFocus)
        wheel(spin, 1)
        assert spin.value() == 6
    finally:
        QApplication.instance().removeEventFilter(guard)


def test_without_the_guard_the_wheel_changes_the_control(qtbot: Any) -> None:
    # What the guard is for: Qt's default changes a drop-down the pointer passes over.
    area, combo, _ = make_panel(qtbot)  # the area is kept: it owns the combo
    wheel(combo, -1)
    assert combo.currentIndex() == 1
    assert area.isVisible()


def test_the_window_installs_the_guard(window: Any) -> None:
    combo = window.layer_panel.findChild(QComboBox)
    assert combo is not None
    before = combo.currentIndex()
    combo.clearFocus()
    wheel(combo, -1)
    assert combo.currentIndex() == before
