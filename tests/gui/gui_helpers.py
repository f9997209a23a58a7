"""Shared helpers of the GUI tests: the lesson grid, exact output checks, acting as a user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from lesson_grid import GRID
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
)

from convgui.core import correlate2d
from convgui.gui.window import MainWindow
from convgui.state import ExplorerState

LESSON = GRID.astype(np.float32)
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
