"""Animate This Layer: a network's layer in the animations of the Convolution Layer and Single
Kernel modes, with its own input and weights; numbers against the network's forward pass and
sums written here; one undo step; the main path afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, choose, type_into_cell
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QImage

from convgui.core.network import LayerSpec, pool_layer
from convgui.gui.network_animate import animate_layer
from convgui.net import Network

CONV1, RELU1, POOL1, CONV2, RELU2, POOL2, FLATTEN, DENSE, SOFTMAX = range(9)


def digits_like(seed: int = 5) -> Network:
    """The shipped digits network's structure with random weights (nonzero biases too)."""
    specs = [
        LayerSpec("conv2d", "conv1", filters=16, kernel_size=3),
        LayerSpec("activation", "relu1", activation="relu"),
        pool_layer("max_pool", 2, name="pool1"),
        LayerSpec("conv2d", "conv2", filters=32, kernel_size=3),
        LayerSpec("activation", "relu2", activation="relu"),
        pool_layer("max_pool", 2, name="pool2"),
        LayerSpec("flatten", "flatten"),
        LayerSpec("dense", "dense", units=10),
        LayerSpec("softmax", "softmax"),
    ]
    net = Network(specs, None, (28, 28, 1), seed=seed)
    rng = np.random.default_rng(seed)
    for i in (CONV1, CONV2):
        net = net.with_weight(i, "bias", rng.normal(0, 0.1, specs[i].filters))
    return net


@pytest.fixture
def net() -> Network:
    return digits_like()


@pytest.fixture
def digit() -> np.ndarray:
    rng = np.random.default_rng(3)
    x = np.zeros((28, 28), np.float32)
    x[6:22, 9:19] = rng.random((16, 10))
    return x


@pytest.fixture
def colour_photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(8)
    arr = np.ascontiguousarray((rng.random((40, 50, 3)) * 255).astype(np.uint8))
    img = QImage(arr.data, 50, 40, 150, QImage.Format.Format_RGB888).copy()
    path = tmp_path / "colour.png"
    assert img.save(str(path))
    return path


def naive_sum(x: np.ndarray, kernel: np.ndarray, bias: float, o: int, r: int, c: int) -> float:
    """Filter ``o`` of a 'valid', stride-1 Conv2D at output (r, c), one term at a time."""
    kh, kw, c_in, _ = kernel.shape
    total = 0.0
    for ch in range(c_in):
        for u in range(kh):
            for v in range(kw):
                total += float(kernel[u, v, ch, o]) * float(x[r + u, c + v, ch])
    return total + float(bias)


def test_conv2_opens_in_the_layer_mode_on_its_own_input(
    window: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    assert animate_layer(window, net, CONV2, outs[POOL1], filter=5)
    assert window.mode == "layer"
    lm = window.layer_mode
    layer, page = lm.layer, lm.page
    assert layer.wait_idle()
    assert layer.image is not None and np.array_equal(layer.image, outs[POOL1])
    assert np.array_equal(layer.weights, net.weights[CONV2]["kernel"])
    assert np.array_equal(layer.bias, net.weights[CONV2]["bias"])
    assert layer.settings.padding == "valid" and layer.settings.stride == (1, 1)
    assert layer.settings.activation == "none"  # relu2 is its own layer
    assert layer.selected == 5
    # The layer mode's maps are the network's conv2 output: two independent paths.
    assert layer.result is not None
    np.testing.assert_allclose(layer.result.stacked(), outs[CONV2], rtol=1e-5, atol=1e-5)
    combo = page.input_combo
    assert combo.currentData() == "external" and combo.isEnabled()
    assert combo.currentText() == "network: conv2's input (13×13×16)"
    assert [t.caption for t in page.channel_grid.tiles] == [f"ch{i}" for i in range(16)]
    assert np.array_equal(page.input_view.data, outs[POOL1][:, :, 0])  # one channel, exact
    assert page.map_view.data is not None
    np.testing.assert_allclose(page.map_view.data, outs[CONV2][:, :, 5], rtol=1e-5, atol=1e-5)


def test_the_animation_writes_the_sum_over_every_channel(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    x, kernel = outs[POOL1], net.weights[CONV2]["kernel"]
    bias = net.weights[CONV2]["bias"]
    assert animate_layer(window, net, CONV2, x, filter=7)
    anim = window.layer_mode.page.animation
    c = anim.controller
    f = c.current_frame()
    assert f is not None and f.position == (0, 0)  # shown at once, at the first position
    assert f.value == pytest.approx(naive_sum(x, kernel, bias[7], 7, 0, 0), rel=1e-5, abs=1e-6)
    qtbot.keyClick(window.layer_mode.page.map_view, Qt.Key.Key_Right)  # as a user steps
    for _ in range(13):
        anim.step(1)
    f = c.current_frame()
    assert f is not None and f.position == (1, 3)
    want = naive_sum(x, kernel, bias[7], 7, 1, 3)
    assert f.value == pytest.approx(want, rel=1e-5, abs=1e-6)
    assert f.channel_sums == pytest.approx(
        [float(np.sum(kernel[:, :, ch, 7] * x[1:4, 3:6, ch])) for ch in range(16)],
        rel=1e-5,
        abs=1e-6,
    )
    sum_line = f.lines[-2]
    assert sum_line.startswith("sum_ch0 + sum_ch1 + ") and "sum_ch15 + bias" in sum_line
    assert [ln.split(":")[0] for ln in f.lines[1:17]] == [f"ch{i}" for i in range(16)]
    assert "sum_ch15 + bias" in anim.panel.arith.text()  # written in the window's panel


def test_undo_is_one_step_back_to_what_the_layer_mode_had(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray
) -> None:
    from convgui.gui.layer_mode import show_layer_mode

    lm = show_layer_mode(window)
    lm.layer.apply_preset("edges")
    before_w, before_b, before_s = lm.layer.weights, lm.layer.bias, lm.layer.settings
    before_img = np.array(lm.layer.image)
    outs = net.forward(digit)
    assert animate_layer(window, net, CONV2, outs[POOL1])
    assert lm.undo_action.text() == "&Undo Show network layer conv2"
    qtbot.keyClick(lm.page.map_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    layer = lm.layer
    assert layer.input_choice == "rgb" and layer.c_in == 1 and layer.channel_names == ("grey",)
    assert np.array_equal(layer.image, before_img)
    assert np.array_equal(layer.weights, before_w) and np.array_equal(layer.bias, before_b)
    assert layer.settings == before_s
    assert lm.page.input_combo.findData("external") == -1  # the choice went with the input
    assert window.state.undo_label != "Show network layer conv2"  # the explorer's untouched


def test_main_path_after_animating_a_network_layer(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray, colour_photo: Path
) -> None:
    outs = net.forward(digit)
    assert animate_layer(window, net, CONV2, outs[POOL1], filter=2)
    anim = window.layer_mode.page.animation
    anim.toggle()  # playing when the user leaves
    window.findChild(QAction, "modeKernelAction").trigger()
    assert window.mode == "kernel"
    assert window.open_path(colour_photo)
    type_into_cell(qtbot, window, 1, 1, "5")
    assert window.state.kernel[1, 1] == 5
    assert_output_is_exact(window)
    assert window.message_bar.level != "error"
    # The layer mode follows the new image again: R, G, B, the image's own values.
    window.findChild(QAction, "modeLayerAction").trigger()
    layer, page = window.layer_mode.layer, window.layer_mode.page
    assert layer.wait_idle()
    assert layer.input_choice == "rgb" and layer.channel_names == ("R", "G", "B")
    assert page.input_combo.currentData() == "rgb" and page.input_combo.findData("external") < 0
    assert layer.image is not None and layer.image.shape == (40, 50, 3)
    assert np.array_equal(layer.image, window.state.doc.pixels.astype(np.float32))
    assert layer.result is not None and layer.result.out_shape == (38, 48)
    assert [t.caption for t in page.channel_grid.tiles] == ["R", "G", "B"]


def test_picking_rgb_in_the_input_choice_reads_the_image_again(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    assert animate_layer(window, net, CONV2, outs[POOL1])
    page, layer = window.layer_mode.page, window.layer_mode.layer
    choose(qtbot, page.input_combo, "rgb")
    assert layer.input_choice == "rgb" and layer.c_in == 1  # the lesson grid is grey
    assert np.array_equal(layer.image[..., 0], window.state.engine_image())
    assert layer.n_filters == 32 and layer.result is not None  # the bank followed
    assert page.input_combo.findData("external") < 0
    assert window.layer_mode.undo_action.text() == "&Undo Back to the image"


def test_clicking_a_channel_shows_it_large(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    assert animate_layer(window, net, CONV2, outs[POOL1])
    page = window.layer_mode.page
    tile = page.channel_grid.tiles[9]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 2, 20))
    assert page.shown_channel == 9
    assert np.array_equal(page.input_view.data, outs[POOL1][:, :, 9])
    assert "ch9 shown large" in page.input_title.text()


def test_a_pooling_layer_animates_in_the_single_kernel_mode(
    window: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    x = outs[RELU1]
    assert animate_layer(window, net, POOL1, x, filter=3)
    state = window.state
    assert window.mode == "kernel"
    assert state.doc is not None and state.doc.pixels.dtype == np.uint16
    assert state.doc.shape == (26, 26)
    assert np.array_equal(state.kernel, [[1.0]])
    p = state.params
    assert (p.padding, p.stride, p.dilation, p.flip) == ("valid", (1, 1), (1, 1), False)
    assert (p.pool, p.pool_size, p.pool_stride, p.pool_padding) == ("max", (2, 2), (2, 2), "valid")
    assert window.anim.stage == "pool" and window.anim.position_rc() == (0, 0)
    assert state.undo_label == "Show network layer pool1"
    # The pooled map is the network's pool1 output, scaled as the message says.
    ch = x[:, :, 3]
    # The largest power of ten that keeps the channel within 16 bits: the numbers read as the
    # network's with the decimal point moved.
    white = state.value_max
    top = next(10.0**k for k in range(9, -9, -1) if float(ch.max()) * 10.0**k <= white)
    r = state.result
    assert r is not None and r.pooled is not None
    np.testing.assert_allclose(r.pooled, outs[POOL1][:, :, 3] * top, atol=white / 65535)
    assert window.message_bar.level == "info"
    assert "16-bit" in window.message_bar.text and f"× {top:,.0f}" in window.message_bar.text


def test_an_average_pooling_layer_shows_negative_values_as_they_are(
    window: Any, digit: np.ndarray
) -> None:
    specs = [
        LayerSpec("conv2d", "conv", filters=2, kernel_size=3, padding="same"),
        pool_layer("avg_pool", 3, name="avg"),
    ]
    net = Network(specs, None, (28, 28, 1), seed=2)
    outs = net.forward(digit)
    x = outs[0]
    assert x[:, :, 1].min() < 0  # a signed map: mapped lo … hi onto the 16 bits
    assert animate_layer(window, net, 1, x, filter=1)
    s = window.state
    assert s.params.pool == "avg" and s.params.pool_size == (3, 3)
    lo, hi = float(x[:, :, 1].min()), float(x[:, :, 1].max())
    white = s.value_max
    scale = next(10.0**k for k in range(9, -9, -1) if (hi - lo) * 10.0**k <= white)
    r = s.result
    assert r is not None and r.pooled is not None
    # Shifted to fit a 16-bit image, then the bias lo × scale brings the values back: the
    # pooled map is the network's own (× the power of ten), negative values included.
    np.testing.assert_allclose(r.pooled, outs[1][:, :, 1] * scale, atol=white / 65535)
    assert s.params.bias == pytest.approx(lo * scale)
    text = window.message_bar.text
    assert "shifted by its lowest value" in text and "the bias" in text


def test_a_dense_layer_is_refused_with_a_message(
    window: Any, net: Network, digit: np.ndarray
) -> None:
    outs = net.forward(digit)
    kernel, doc = window.state.kernel, window.state.doc
    assert not animate_layer(window, net, DENSE, outs[FLATTEN])
    assert window.mode == "kernel" and window.state.doc is doc
    assert np.array_equal(window.state.kernel, kernel)
    text = window.message_bar.text
    assert window.message_bar.level == "info"
    assert "dense is a Dense layer" in text
    assert "conv1, relu1, pool1, conv2, relu2, pool2" in text
    for i in (FLATTEN, SOFTMAX):
        assert not animate_layer(window, net, i, outs[i - 1])


@pytest.mark.parametrize(
    ("specs", "match"),
    [
        ([LayerSpec("conv2d", "wide", filters=80)], "at most 64"),
        ([LayerSpec("conv2d", "far", filters=4, strides=12)], "stride must be 1 to 8"),
    ],
)
def test_a_layer_beyond_the_mode_s_limits_is_refused(
    window: Any, specs: list[LayerSpec], match: str
) -> None:
    net = Network(specs, None, (28, 28, 1), seed=1)
    lm_before = getattr(window, "layer_mode", None)
    assert not animate_layer(window, net, 0, np.zeros((28, 28, 1)))
    assert window.message_bar.level == "warning"
    assert match in window.message_bar.text and "cannot be animated" in window.message_bar.text
    assert window.mode == "kernel" and getattr(window, "layer_mode", None) is lm_before


def test_a_wrong_input_or_layer_is_refused(window: Any, net: Network) -> None:
    assert not animate_layer(window, net, CONV2, np.zeros((12, 12, 16)))
    assert window.message_bar.level == "error" and "(13, 13, 16)" in window.message_bar.text
    assert not animate_layer(window, net, 42, np.zeros((28, 28, 1)))
    assert "no layer 42" in window.message_bar.text
    assert window.mode == "kernel"


def test_the_first_layer_and_a_transposed_layer(window: Any, digit: np.ndarray) -> None:
    specs = [
        LayerSpec("conv2d", "conv", filters=3, kernel_size=5, strides=2, padding="same"),
        LayerSpec("conv2d_transpose", "up", filters=2, kernel_size=3, strides=2, padding="same"),
    ]
    net = Network(specs, None, (28, 28, 1), seed=4)
    outs = net.forward(digit)
    assert animate_layer(window, net, 0, digit)  # layer 0 reads the network's input
    layer = window.layer_mode.layer
    assert layer.channel_names == ("ch0",) and layer.settings.stride == (2, 2)
    np.testing.assert_allclose(layer.result.stacked(), outs[0], rtol=1e-5, atol=1e-5)
    assert animate_layer(window, net, 1, outs[0], filter=1)
    assert layer.settings.layer_type == "transposed" and layer.selected == 1
    assert np.array_equal(layer.keras_kernel, net.weights[1]["kernel"])
    assert layer.wait_idle()
    np.testing.assert_allclose(layer.result.stacked(), outs[1], rtol=1e-5, atol=1e-5)
    assert layer.undo() and layer.external is not None and layer.c_in == 1  # conv again


def test_a_large_layer_computed_in_the_background_starts_when_ready(
    window: Any, qtbot: Any
) -> None:
    specs = [LayerSpec("conv2d", "big", filters=32, kernel_size=5, padding="same")]
    net = Network(specs, None, (160, 160, 8), seed=6)
    x = np.random.default_rng(2).random((160, 160, 8)).astype(np.float32)
    assert animate_layer(window, net, 0, x, filter=3)
    layer = window.layer_mode.layer
    c = window.layer_mode.page.animation.controller
    assert layer.busy  # on the worker: the animation waits for it, not for an older result
    assert layer.result is None or layer.result.weights is not layer.weights
    assert not c.model.active
    qtbot.waitUntil(lambda: not layer.busy, timeout=60000)
    assert c.model.active and c.position_rc() == (0, 0) and c.current_frame() is not None
    np.testing.assert_allclose(layer.result.stacked(), net.forward(x)[0], rtol=1e-4, atol=1e-4)
    c.step(5)
    layer.set_weight(3, 0, 0, 0, "0.5")  # a later result does not send it back to the start
    qtbot.waitUntil(lambda: not layer.busy, timeout=60000)
    assert c.position_rc() == (0, 5)


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_many_channels_fit_the_width_and_scroll(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    specs = [LayerSpec("conv2d", "wide", filters=4)]
    net = Network(specs, None, (12, 12, 64), seed=1)
    window.resize(*size)
    assert animate_layer(window, net, 0, np.ones((12, 12, 64)))
    page = window.layer_mode.page
    grid, scroll = page.channel_grid, page.channel_scroll
    qtbot.waitUntil(lambda: grid.width() <= scroll.viewport().width())

    def fits() -> bool:  # every tile inside the width the scroll area shows
        right = max(t.geometry().right() for t in grid.tiles)
        return len(grid.tiles) == 64 and right < scroll.viewport().width()

    qtbot.waitUntil(fits)
    rows = grid.rows()
    assert rows > 2 and scroll.height() == 2 * (grid.tiles[0].height() + 4)  # two rows, scrolled
    window.resize(size[0] - 200, size[1])  # narrower: more rows, still nothing cut off
    qtbot.waitUntil(fits)
    assert grid.rows() >= rows
    assert animate_layer(window, Network(specs, None, (12, 12, 5), seed=1), 0, np.ones((12, 12, 5)))
    qtbot.waitUntil(lambda: grid.rows() == 1 and scroll.height() == grid.tiles[0].height() + 4)


def test_channel_captions_grow_with_the_text_size(window: Any, qtbot: Any) -> None:
    net = Network([LayerSpec("conv2d", "c", filters=2)], None, (10, 10, 20), seed=1)
    assert animate_layer(window, net, 0, np.ones((10, 10, 20)))
    page = window.layer_mode.page
    grid, scroll = page.channel_grid, page.channel_scroll
    small, fh0 = grid.tiles[0].height(), grid.fontMetrics().height()
    window.text_size.set_scale(2.0)
    try:
        qtbot.waitUntil(lambda: grid.fontMetrics().height() > fh0)
        fh = grid.fontMetrics().height()
        qtbot.waitUntil(lambda: grid.tiles[0].height() == fh + 42)
        assert grid.tiles[0].height() > small
        # every row shown whole: the caption and a map below it
        assert scroll.height() == min(grid.rows(), 2) * (fh + 42 + 4)
        assert all(t.image_rect().height() >= 30 for t in grid.tiles)
    finally:
        window.text_size.reset()


def test_every_layer_of_the_shipped_digits_network(window: Any) -> None:
    from convgui.net import digit_samples

    net = Network.digits()
    images, _ = digit_samples()
    x = images[0]
    outs = net.forward(x)
    for i, spec in enumerate(net.layers):
        shown = animate_layer(window, net, i, x if i == 0 else outs[i - 1])
        assert shown == (
            spec.type in ("conv2d", "conv2d_transpose", "max_pool", "avg_pool", "activation")
        )
        if spec.type == "conv2d":
            layer = window.layer_mode.layer
            assert layer.wait_idle() and layer.result is not None
            np.testing.assert_allclose(layer.result.stacked(), outs[i], rtol=1e-4, atol=1e-5)


def test_exported_frames_scale_a_network_input_as_the_window_does(
    window: Any, net: Network, digit: np.ndarray
) -> None:
    """conv2's input holds values near 0–3: scaled against white 255, its frames came out black.

    The window draws every channel on one scale, from min(0, lowest) to the input's largest
    value; an exported frame must use the same scale.
    """
    from convgui.gui.layer_animation import LayerSheet

    outs = net.forward(digit)
    x = outs[POOL1].astype(np.float64)
    assert float(x.max()) < 50  # far below the explorer's white
    assert animate_layer(window, net, CONV2, outs[POOL1], filter=2)
    anim = window.layer_mode.page.animation
    sheet = LayerSheet(anim.controller, None)
    grey = sheet.src_rgba[..., 0].astype(np.float64)
    lo, hi = min(0.0, float(x.min())), float(x.max())
    # The sheet shows channel 0 inside its padding ring; compare the brightest cell.
    want = 255 * (float(x[:, :, 0].max()) - lo) / (hi - lo)
    assert grey.max() == pytest.approx(want, abs=2), (grey.max(), want)
    assert anim.overlay._levels(x) == pytest.approx((lo, hi))


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_the_sums_of_many_channels_scroll_and_the_total_stays_shown(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """64 channels wrote 67 lines into the panel, which took a third of the window's height."""
    from convgui.core.text import pretty_number

    rng = np.random.default_rng(4)
    x = rng.random((12, 12, 64)).astype(np.float32)
    net = Network([LayerSpec("conv2d", "wide", filters=4)], None, (12, 12, 64), seed=1)
    window.resize(*size)
    assert animate_layer(window, net, 0, x, filter=1)
    anim = window.layer_mode.page.animation
    panel, arith = anim.panel, anim.panel.arith
    qtbot.waitUntil(lambda: anim.controller.current_frame() is not None)
    anim.step(7)
    f = anim.controller.current_frame()
    assert f is not None and len(f.lines) == 67
    assert arith.text() == "\n".join(f.lines)  # every line is still in the panel
    step = arith.fontMetrics().lineSpacing()
    assert arith.height() <= 8 * step + 12, "the sums take at most about eight lines"
    # The channels' lines scroll; the sum and the activation stay shown below them.
    assert arith.scroll.verticalScrollBar().maximum() > 0
    assert arith.head.text().splitlines() == list(f.lines[:-2])
    assert arith.tail.isVisible() and arith.more.isVisible()
    total, act = arith.tail.text().splitlines()
    assert total.startswith("sum_ch0 + ") and "sum_ch63 + bias = " in total
    assert total.endswith(f" = {pretty_number(f.value)}") and act == f.lines[-1]
    from PySide6.QtGui import QFontMetricsF

    drawn = QFontMetricsF(arith.tail.font()).horizontalAdvance(total)
    assert drawn <= arith.tail.width(), "the kept sum is shortened to the width, not cut off"
    assert " … " in total and len(total) < len(f.lines[-2])
    assert arith.tail.toolTip().splitlines() == list(f.lines[-2:])
    assert "67 lines" in arith.more.text()
    tail_bottom = arith.tail.mapTo(window, arith.tail.rect().bottomLeft()).y()
    assert tail_bottom <= window.height(), "the total is inside the window"
    # A few lines (3 channels) are shown whole, nothing kept apart.
    net3 = Network([LayerSpec("conv2d", "few", filters=2)], None, (12, 12, 3), seed=1)
    assert animate_layer(window, net3, 0, x[:, :, :3])
    qtbot.waitUntil(lambda: len(arith.text().splitlines()) == 6)
    assert not arith.tail.isVisible() and not arith.more.isVisible()
    assert arith.head.text() == arith.text()
    assert panel.arith_scroll is arith.scroll


def test_exported_frames_draw_the_channel_the_window_shows(
    window: Any,
    qtbot: Any,
    net: Network,
    digit: np.ndarray,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Frames of a 16-channel layer drew channel 0 (as R, G, B of the first three)."""
    from test_layer_animation import DialogRun, svg_texts, trigger

    from convgui.gui.layer_animation import LayerFrames

    outs = net.forward(digit)
    x = outs[POOL1]
    assert animate_layer(window, net, CONV2, x, filter=3)
    page = window.layer_mode.page
    assert page.shown_input_channel() == 0
    tile = page.channel_grid.tiles[9]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 2, 20))
    assert page.shown_channel == 9 and page.shown_input_channel() == 9
    anim = page.animation
    anim.step(20)  # output (1, 9): every tap inside the 13×13 input
    run = DialogRun(tmp_path / "frames", 21, 21).install(monkeypatch)
    trigger(window, "exportSvgAction")
    assert len(run.dialogs) == 1
    (frame,) = sorted((tmp_path / "frames").glob("frame_*.svg"))
    texts = svg_texts(frame)
    assert "input: ch9 of 16 channels" in texts
    # The sum over the 16 channels, too long for the frame, keeps its last channel and total.
    from convgui.core.text import pretty_number

    f = anim.controller.frame_at((1, 9))
    assert f is not None
    (total,) = [t for t in texts if t.startswith("sum_ch0 + ")]
    assert "… + sum_ch15 + bias = " in total and total.endswith(f"= {pretty_number(f.value)}")
    # The cells drawn are channel 9's, numbers included (a colour picture had none).
    sheet = LayerFrames(anim.controller, page.shown_input_channel).painter("conv", None)
    assert sheet.channel == 9
    top, left = sheet.offset
    inner = sheet.src_values[top : top + 13, left : left + 13]
    np.testing.assert_allclose(inner, x[:, :, 9], rtol=1e-6)
    assert not np.allclose(inner, x[:, :, 0])
    lo, hi = min(0.0, float(x.min())), float(x.max())
    grey = sheet.src_rgba[top : top + 13, left : left + 13, 0].astype(np.float64)
    np.testing.assert_allclose(grey, 255 * (x[:, :, 9] - lo) / (hi - lo), atol=1.01)
    # A colour input is drawn whole (R, G, B), with no channel named, as the window shows it.
    rgb = np.random.default_rng(2).random((10, 10, 3)).astype(np.float32)
    net_rgb = Network([LayerSpec("conv2d", "c", filters=2)], None, (10, 10, 3), seed=1)
    assert animate_layer(window, net_rgb, 0, rgb)
    qtbot.waitUntil(lambda: window.layer_mode.layer.c_in == 3)
    assert page.shown_input_channel() is None
    sheet = LayerFrames(anim.controller, page.shown_input_channel).painter("conv", None)
    assert sheet.channel is None and sheet.src_values is None
    top, left = sheet.offset
    colour = sheet.src_rgba[top : top + 10, left : left + 10, :3].astype(np.float64)
    np.testing.assert_allclose(colour, 255 * rgb / rgb.max(), atol=1.01)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "abs", "sigmoid", "tanh"])
def test_an_activation_layer_animates_on_the_network_s_own_values(
    window: Any, digit: np.ndarray, act: str
) -> None:
    """A signed conv output through an activation: the single-kernel output is the network's."""
    specs = [
        LayerSpec("conv2d", "conv", filters=2, kernel_size=3, padding="same"),
        LayerSpec("activation", "act", activation=act),
    ]
    net = Network(specs, None, (28, 28, 1), seed=4)
    outs = net.forward(digit)
    x = outs[0]
    assert x[:, :, 1].min() < 0 < x[:, :, 1].max()
    assert animate_layer(window, net, 1, x, filter=1)
    s = window.state
    assert window.mode == "kernel" and s.params.activation == act and s.params.pool == "none"
    lo, hi = float(x[:, :, 1].min()), float(x[:, :, 1].max())
    white = s.value_max
    # Scale-free activations show the values × a power of ten; sigmoid and tanh × 1.
    if act in ("sigmoid", "tanh"):
        scale = 1.0
    else:
        scale = next(10.0**k for k in range(9, -9, -1) if (hi - lo) * 10.0**k <= white)
    r = s.result
    assert r is not None
    # An independent path: the activation written out here, on the network's conv output.
    v = outs[0][:, :, 1].astype(np.float64) * scale
    want = {
        "relu": np.maximum(v, 0),
        "leaky_relu": np.where(v > 0, v, 0.01 * v),
        "abs": np.abs(v),
        "sigmoid": 1 / (1 + np.exp(-v)),
        "tanh": np.tanh(v),
    }[act]
    np.testing.assert_allclose(r.activated, want, atol=2 * white / 65535)
    assert "activation " + act in window.message_bar.text


def test_the_explanation_goes_once_the_kernel_is_edited(
    window: Any, qtbot: Any, net: Network, digit: np.ndarray
) -> None:
    """After an edit the numbers are no longer the network's: the banner saying so goes."""
    from gui_helpers import type_into_cell

    outs = net.forward(digit)
    assert animate_layer(window, net, POOL1, outs[RELU1], filter=3)
    assert window.message_bar.isVisible()
    assert "the network's values" in window.message_bar.text
    type_into_cell(qtbot, window, 0, 0, "2")
    assert window.state.kernel[0, 0] == 2
    assert not window.message_bar.isVisible(), "the banner stayed after the kernel changed"
