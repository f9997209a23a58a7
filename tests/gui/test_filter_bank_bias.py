"""The layer mode's bias field shows a float32-learned bias without float64 noise."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from convgui.gui.filter_bank import bias_text
from convgui.gui.window import MainWindow


def enter_layer_mode(window: MainWindow) -> Any:
    act = window.findChild(QAction, "modeLayerAction")
    assert act is not None
    act.trigger()
    assert window.mode == "layer"
    return window.layer_mode  # type: ignore[attr-defined]


def test_bias_text_is_short_and_reads_back_as_the_same_float32() -> None:
    learned = float(np.float32(-0.315508))  # -0.31550800800323486 as float64
    assert bias_text(learned) == "-0.315508"
    assert np.float32(float(bias_text(learned))) == np.float32(learned)
    # Values a person typed keep the exact text of cell_edit_text.
    assert [bias_text(v) for v in (1 / 9, 2.5, 0.1, 3.0, -0.0625)] == [
        "1/9", "2.5", "0.1", "3", "-0.0625",
    ]  # fmt: skip


def test_the_field_shows_a_learned_bias_short_and_enter_changes_nothing(
    qtbot: Any, window: MainWindow
) -> None:
    lm = enter_layer_mode(window)
    bank, layer = lm.page.bank, lm.layer
    learned = float(np.float32(-0.315508))
    bias = np.array(layer.bias, dtype=np.float64)
    bias[0] = learned
    assert layer.set_bank(layer.weights, bias)
    qtbot.waitUntil(lambda: bank.bias_edit.text() == "-0.315508", timeout=2000)
    undo_before = layer.undo_label
    bank.bias_edit.setFocus()
    qtbot.keyClick(bank.bias_edit, Qt.Key.Key_Return)  # Enter on the text as shown
    assert layer.bias[0] == learned, "pressing Enter on the shown text changed the bias"
    assert layer.undo_label == undo_before


def test_a_filter_reading_many_channels_gives_their_count_first(window: MainWindow) -> None:
    """conv2 of the digits network reads 16 channels: the caption names them briefly."""
    from convgui.gui.network_animate import animate_layer
    from convgui.net import Network, digit_samples

    net = Network.digits()
    x = net.forward(digit_samples()[0][0])[2]  # conv2 reads pool1's output
    assert animate_layer(window, net, 3, x, filter=5)
    title = window.layer_mode.page.bank.filter_box.title()  # type: ignore[attr-defined]
    assert title.startswith("Filter 5 reads "), title
    assert "(16 channels): one 3×3 kernel each" in title
