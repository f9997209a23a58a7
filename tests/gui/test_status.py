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
    assert "centred on input (row 1, col 1)" in text  # "valid": output (0, 0) is input (1, 1)
    assert f"pooled (row 0, col 0) = {round(float(pooled[0, 0]))}" in text


def test_hovering_the_pooled_map_names_what_it_pools_not_what_lies_beside_it(
    window: MainWindow,
) -> None:
    window.state.set_params(padding="same", stride=(2, 2), pool="max")  # 3×3 output, 1×1 pool
    g = window.state.result.geometry
    assert g.pooled_shape == (1, 1)
    left, top, _, _ = g.pooled.cell_rect(0, 0)
    window.pooled_view.hovered.emit(left + 0.5, top + 0.5)
    text = window.hover_label.text()
    assert text.startswith("pooled (row 0, col 0)")
    assert "pools output rows 0–1, cols 0–1" in text
    assert "input" not in text  # the input pixel at the same place is not what it pools
    # A strided output names the input its window is centred on: Keras "same" at stride 2 pads
    # (0, 1, 0, 1) here, so output (1, 2) reads rows 2–4, cols 4–6.
    place = g.output
    left, top, _, _ = place.cell_rect(1, 2)
    window.output_view.hovered.emit(left + 0.5, top + 0.5)
    text = window.hover_label.text()
    assert "output (row 1, col 2)" in text and "centred on input (row 3, col 5)" in text


def test_a_new_image_clears_the_old_readout(window: MainWindow) -> None:
    from convgui.resources import samples

    window.input_view.hovered.emit(2.5, 1.5)
    assert window.hover_label.text()
    window.open_sample(samples()[1])
    assert window.hover_label.text() == ""
