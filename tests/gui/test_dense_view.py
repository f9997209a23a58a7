"""The dense layer's unit on the network page: weight tiles, colour scale, sum and top channels.

Every number is checked against an independent path: the shipped digits network run with
:meth:`convgui.net.Network.forward`, its dense kernel read cell by cell in Keras flatten order
(H, W, C) with plain loops, and the colours looked up in the diverging table by hand.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from convgui.gui import network_mode
from convgui.gui.dense_view import TILE_MIN, DenseView, diverging_pixels, num, signed, signed_text
from convgui.gui.feature_maps import lut_of
from convgui.gui.prob_bars import percent_text
from convgui.net import Network


@pytest.fixture
def nm(window: Any, qtbot: Any) -> Any:
    """The network page on the digits network with its dense layer selected."""
    window.resize(1024, 700)
    mode = network_mode.open_digits_network(window)
    net = mode.net
    net.select(_dense_index(net.network))
    qtbot.waitUntil(lambda: mode.page.kernel.dense.isVisible(), timeout=2000)
    return mode


def _dense_index(network: Network) -> int:
    return [s.type for s in network.layers].index("dense")


def _loop_reshape(column: np.ndarray, h: int, w: int, c: int) -> np.ndarray:
    """``column`` laid out as (H, W, C) cell by cell: index ``(r * w + q) * c + k``."""
    out = np.zeros((h, w, c))
    for r in range(h):
        for q in range(w):
            for k in range(c):
                out[r, q, k] = column[(r * w + q) * c + k]
    return out


def _numbers(text: str) -> list[float]:
    return [float(t.replace("−", "-")) for t in re.findall(r"[−-]?\d+\.\d+", text)]


def test_tiles_are_the_units_weights_in_keras_flatten_order(nm: Any, qtbot: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    i = _dense_index(net.network)
    kernel = np.asarray(Network.digits().weights[i]["kernel"], np.float64)
    assert kernel.shape == (800, 10)
    unit = view.unit()
    expected = _loop_reshape(kernel[:, unit], 5, 5, 32)
    np.testing.assert_array_equal(view.tiles.data, expected)
    assert view.tiles.level == pytest.approx(np.abs(kernel[:, unit]).max())
    # The pixels: the centre of every cell of a few tiles has that weight's colour.
    img = view.tiles.grab().toImage()
    lut = lut_of("diverging")
    m = np.abs(kernel[:, unit]).max()
    for ch in (0, 7, 31):
        rect = view.tiles.tile_rect(ch)
        assert rect.width() >= 10, "tiles too small to read"
        for r in range(5):
            for q in range(5):
                x = rect.left() + int((q + 0.5) * rect.width() / 5)
                y = rect.top() + int((r + 0.5) * rect.height() / 5)
                idx = int(np.clip(np.rint(expected[r, q, ch] * 127.5 / m + 127.5), 0, 255))
                want = int(lut[idx]) & 0xFFFFFF
                got = img.pixel(x, y) & 0xFFFFFF
                assert got == want, f"tile {ch} cell ({r}, {q}): {got:06x} != {want:06x}"
    # Channels 0 and 1 differ somewhere: a wrong order (C, H, W) would not give these tiles.
    wrong = kernel[:, unit].reshape(32, 5, 5).transpose(1, 2, 0)
    assert not np.array_equal(view.tiles.data, wrong)


def test_the_default_unit_is_the_predicted_class_and_the_sum_is_the_forward_pass(
    nm: Any,
) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    i = _dense_index(net.network)
    fresh = Network.digits()
    outs = fresh.forward(net.input)
    unit = int(np.argmax(fresh.predict(net.input)))
    assert view.unit() == unit
    assert view.class_label.text() == f"class {unit} (predicted)"
    text = view.sum_label.text()
    assert text.startswith(f"unit {unit} = Σ (pool2 × weights) + bias = ")
    total, bias, value, *_ = _numbers(text)
    pool2 = outs[i - 2].astype(np.float64)
    w = np.asarray(fresh.weights[i]["kernel"], np.float64)[:, unit]
    b = float(fresh.weights[i]["bias"][unit])
    assert total == pytest.approx(float(np.sum(pool2 * w.reshape(5, 5, 32))), abs=5e-4)
    assert bias == pytest.approx(b, abs=5e-4)
    assert value == pytest.approx(float(outs[i][unit]), abs=5e-4)
    assert value == pytest.approx(total + bias, abs=2e-3)
    assert text.endswith(f" → softmax {percent_text(float(outs[i + 1][unit]))}")
    assert view.bias_label.text() == f"bias {num(b, 3)}"


def test_top_channels_are_the_largest_and_smallest_input_times_weights(nm: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    i = _dense_index(net.network)
    fresh = Network.digits()
    pool2 = fresh.forward(net.input)[i - 2].astype(np.float64)
    w = np.asarray(fresh.weights[i]["kernel"], np.float64)[:, view.unit()].reshape(5, 5, 32)
    per = [float(np.sum(pool2[:, :, k] * w[:, :, k])) for k in range(32)]
    ranked = sorted(range(32), key=lambda k: per[k])
    up = [k for k in ranked[::-1][:3] if per[k] > 0]
    down = [k for k in ranked[:3] if per[k] < 0]
    assert view.tiles.up == up and view.tiles.down == down
    assert up, "the predicted class has channels that push it up"
    for k in up:
        assert f"map {k} ({signed_text(per[k])})" in view.up_label.text()
    for k in down:
        assert f"map {k} ({signed_text(per[k])})" in view.down_label.text()


def test_picking_another_unit_changes_the_tiles_and_the_sum(nm: Any, qtbot: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    i = _dense_index(nm.net.network)
    kernel = np.asarray(nm.net.network.weights[i]["kernel"], np.float64)
    before = view.tiles.data.copy()
    other = (view.unit() + 3) % 10
    view.unit_spin.setFocus()
    view.unit_spin.selectAll()
    qtbot.keyClicks(view.unit_spin, str(other))
    qtbot.keyClick(view.unit_spin, Qt.Key.Key_Return)
    assert view.unit() == other
    assert not np.array_equal(view.tiles.data, before)
    np.testing.assert_array_equal(view.tiles.data, _loop_reshape(kernel[:, other], 5, 5, 32))
    assert view.sum_label.text().startswith(f"unit {other} = ")
    assert view.class_label.text() == f"class {other}"
    # Another sample keeps the picked unit (the user chose it), and its sum follows the input.
    old = view.sum_label.text()
    nm.net.set_sample(5)
    QApplication.processEvents()
    assert view.unit() == other
    assert view.sum_label.text() != old


def test_a_weight_edit_repaints_the_tiles_and_a_hidden_view_waits(nm: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    i = _dense_index(net.network)
    unit = view.unit()
    # Flat index of pool2 cell (2, 3), channel 4 in Keras order.
    assert net.set_weight(i, "kernel", ((2 * 5 + 3) * 32 + 4, unit), "1.5")
    assert view.tiles.data[2, 3, 4] == pytest.approx(1.5)
    assert view.tiles.level == pytest.approx(1.5)
    # On a conv layer the dense view is hidden and does no work; it catches up when shown.
    net.select(0)
    assert not view.isVisible()
    assert net.set_weight(i, "kernel", ((2 * 5 + 3) * 32 + 4, unit), "-2")
    assert view.tiles.data[2, 3, 4] == pytest.approx(1.5), "a hidden view repainted"
    net.select(i)
    assert view.isVisible()
    assert view.tiles.data[2, 3, 4] == pytest.approx(-2.0)


def test_conv_layers_still_show_the_kernel_table(nm: Any) -> None:
    editor = nm.page.kernel
    assert editor.dense.isVisible() and not editor.table.isVisible()
    nm.net.select(0)
    assert editor.table.isVisible() and not editor.dense.isVisible()
    assert editor.pick_row.isVisible()
    pool = [s.type for s in nm.net.network.layers].index("max_pool")
    nm.net.select(pool)
    assert not editor.table.isVisible() and not editor.dense.isVisible()


def test_a_dense_after_a_vector_shows_one_row_of_weights(nm: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    first = _dense_index(net.network)
    assert net.add_layer("dense", at=first + 1)  # reads the first dense layer's 10 outputs
    i = first + 1
    assert net.selected_layer == i
    QApplication.processEvents()
    assert view.isVisible()
    kernel = np.asarray(net.network.weights[i]["kernel"], np.float64)
    assert kernel.shape[0] == 10
    unit = view.unit()
    assert view.tiles.data.shape == (10,)
    np.testing.assert_array_equal(view.tiles.data, kernel[:, unit])
    row = view.tiles.tile_rect(0)
    assert row.width() > 5 * row.height(), "a vector's weights are one row"
    # The sum reads the first dense layer's output; the value is the layer's own output.
    outs = net.network.forward(net.input)
    text = view.sum_label.text()
    assert text.startswith(f"unit {unit} = Σ (dense × weights) + bias = ")
    total, _bias, value, *_ = _numbers(text)
    assert total == pytest.approx(float(outs[i - 1] @ kernel[:, unit]), abs=5e-4)
    assert value == pytest.approx(float(outs[i][unit]), abs=5e-4)
    assert "softmax" in text and view.class_label.text().startswith(f"class {unit}")
    # The first dense layer now feeds a dense layer: its units are not classes.
    net.select(first)
    QApplication.processEvents()
    assert view.class_label.text() == ""
    assert "softmax" not in view.sum_label.text()
    assert view.tiles.data.shape == (5, 5, 32)


def test_diverging_pixels_are_symmetric_around_zero() -> None:
    lut = lut_of("diverging")
    px = diverging_pixels(np.array([-2.0, 0.0, 2.0, 5.0]), 2.0)
    assert list(px) == [lut[0], lut[128], lut[255], lut[255]]


def test_numbers_use_a_true_minus_and_bracket_negative_summands() -> None:
    assert num(-0.414) == "−0.41" and num(-0.001) == "0.00"
    assert signed(-0.41) == "(−0.41)" and signed(12.3) == "12.30"
    assert signed_text(1.234) == "+1.23" and signed_text(-1.0) == "−1.00"


@pytest.mark.parametrize("scale", [1.0, 1.44])
def test_readable_in_a_1024x700_window_at_a_large_text(
    window: Any, nm: Any, qtbot: Any, scale: float
) -> None:
    view: DenseView = nm.page.kernel.dense
    window.text_size.set_scale(scale)
    window.resize(1024, 700)
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(20)
    assert window.minimumSizeHint().height() <= 700, "the dense view made the window taller"
    assert window.minimumSizeHint().width() <= 1024
    assert nm.page.minimumSizeHint().width() <= 1000
    # Every tile is at least the smallest readable side and inside the tiles' widget.
    for c in range(32):
        r = view.tiles.tile_rect(c)
        assert min(r.width(), r.height()) >= TILE_MIN
        assert view.tiles.rect().contains(r)
    # The caption moved under the tiles (it scrolls with them), the editor's own is hidden.
    assert not nm.page.kernel.caption.isVisible()
    assert view.caption.text().startswith("dense: 800 × 10 weights")
    # The sum and the top channels can be scrolled into view.
    view.scroll_area.ensureWidgetVisible(view.down_label)
    QApplication.processEvents()
    assert view.down_label.visibleRegion().boundingRect().height() > 0
    window.text_size.set_scale(1.0)


def test_the_unit_follows_the_prediction_until_one_is_picked(nm: Any) -> None:
    view: DenseView = nm.page.kernel.dense
    net = nm.net
    fresh = Network.digits()
    first = int(np.argmax(fresh.predict(net.input)))
    assert view.unit() == first
    # A sample the network calls another class.
    for k in range(1, 100):
        net.set_sample(k)
        QApplication.processEvents()
        predicted = int(np.argmax(fresh.predict(net.input)))
        if predicted != first:
            break
    else:
        pytest.fail("every sample is predicted as the same class")
    assert view.unit() == predicted
    assert view.class_label.text() == f"class {predicted} (predicted)"
    assert view.sum_label.text().startswith(f"unit {predicted} = ")
