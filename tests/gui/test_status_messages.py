"""A passing status-bar message is readable: it gets the bar's width while it shows."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtGui import QImage


def _dark_columns(window: Any) -> np.ndarray:
    bar = window.statusBar()
    img = bar.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), np.uint8, img.bytesPerLine() * h).reshape(h, -1)[:, :w]
    return np.flatnonzero((arr < 110).any(axis=0))


def test_a_status_message_is_drawn_and_the_labels_come_back(window: Any, qtbot: Any) -> None:
    window.resize(1024, 700)
    window.info_label.setText("")
    window.display_label.setText("")
    qtbot.wait(20)
    window.show_message("status", "HELLO a passing message")
    qtbot.wait(20)
    assert window.statusBar().currentMessage() == "HELLO a passing message"
    cols = _dark_columns(window)
    # The text is drawn from the left (it was not drawn at all: no room was left for it).
    assert cols.size > 20 and cols.min() < 60, cols[:10]
    assert not window.display_label.isVisible() and not window.info_label.isVisible()
    window.statusBar().clearMessage()
    qtbot.wait(20)
    assert window.display_label.isVisible() and window.info_label.isVisible()
