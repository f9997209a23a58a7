"""Status text: hover values and the info label."""

from __future__ import annotations

import math

from convgui.gui.window import MainWindow


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
