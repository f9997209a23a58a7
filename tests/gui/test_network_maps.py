"""Every layer's maps in strips, the enlarged map, and the receptive-field outlines."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from convgui.core.network import Box, LayerSpec, pool_layer, receptive_field
from convgui.core.text import format_value
from convgui.gui.feature_maps import map_pixels
from convgui.gui.network_maps import (
    RF_COLOR,
    STRIP_MARGIN,
    TILE_MIN_PX,
    UNIT_COLOR,
    InputRFView,
    MapStrip,
    NetworkMapsView,
    channel_levels,
)
from convgui.layer_state import map_levels
from convgui.net import Network

SHOTS = Path("/tmp/maps")


def digits_specs() -> list[LayerSpec]:
    """The shipped digits network's structure (api.md), written out here."""
    return [
        LayerSpec("conv2d", "conv1", filters=16),
        LayerSpec("activation", "relu1"),
        pool_layer(name="pool1"),
        LayerSpec("conv2d", "conv2", filters=32),
        LayerSpec("activation", "relu2"),
        pool_layer(name="pool2"),
        LayerSpec("flatten", "flatten"),
        LayerSpec("dense", "dense", units=10, activation="linear"),
        LayerSpec("softmax", "softmax"),
    ]


SHAPES = [
    (26, 26, 16),
    (26, 26, 16),
    (13, 13, 16),
    (11, 11, 32),
    (11, 11, 32),
    (5, 5, 32),
    (800,),
    (10,),
    (10,),
]


@pytest.fixture
def net() -> Network:
    return Network(digits_specs(), None, (28, 28, 1), seed=3)


def random_outputs(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.normal(size=s).astype(np.float32) for s in SHAPES]


def make_view(qtbot: Any, net: Network, size: tuple[int, int] = (700, 900)) -> NetworkMapsView:
    v = NetworkMapsView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.set_layers([s.name for s in net.layers], [s.type for s in net.layers], net.output_shapes)
    v.show()
    qtbot.waitExposed(v)
    return v


def pixel(strip: Any, x: float, y: float) -> QColor:
    return strip.grab().toImage().pixelColor(int(x), int(y))


def grab_view(qtbot: Any, view: Any) -> Any:
    """An ImageView's picture once laid out; its zoom hint (posted while painting) let through."""
    qtbot.wait(20)  # a caption that wraps anew resizes the view: its range follows
    img = view.grab().toImage()
    qtbot.wait(10)
    return img


def test_one_strip_per_layer_and_one_tile_per_channel(qtbot: Any, net: Network) -> None:
    assert [tuple(s) for s in net.output_shapes] == SHAPES  # the structure under test
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(0))
    v.set_outputs(outs)
    strips = v.layer_strips()
    assert len(strips) == len(SHAPES)
    for i, (ls, shape) in enumerate(zip(strips, SHAPES, strict=True)):
        assert net.layers[i].name in ls.title.text()
        if net.layers[i].type == "flatten":
            assert ls.strip is None and ls.note is not None
            assert "5×5×32" in ls.note.text()
        elif len(shape) == 3:
            assert ls.strip is not None and ls.strip.channels == shape[2]
            assert ls.strip.data is outs[i]
        else:
            assert ls.strip is not None and ls.strip.vector and ls.strip.shape == shape
    assert "conv1</b> · Conv2D · 26×26×16" in strips[0].title.text()
    assert not v.message.isVisible()


def test_the_input_strip_shows_each_channel(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    v.set_input(np.random.default_rng(15).random((28, 28, 1)).astype(np.float32))
    assert v.input_strip is not None and v.input_strip.strip is not None
    assert v.input_strip.strip.channels == 1 and "input</b> · 28×28×1" in v.input_strip.title.text()
    v.set_input(np.random.default_rng(15).random((28, 28, 3)).astype(np.float32))
    s = v.input_strip.strip
    assert s is not None and s.channels == 3 and s.captions == ["R", "G", "B"]
    assert len(v.layer_strips()) == len(SHAPES)  # the layers' strips are still there
    v.set_input_strip_visible(False)
    assert v.input_strip.isHidden()
    v.set_input(np.zeros((28, 28, 1), np.float32))  # rebuilt: stays hidden
    assert v.input_strip is not None and v.input_strip.isHidden()


def test_tile_colours_follow_each_maps_own_scale(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    rng = np.random.default_rng(1)
    outs = random_outputs(rng)
    outs[2] = np.abs(outs[2])  # pool1: never negative, so grey
    v.set_outputs(outs)
    for layer, channel, cmap in ((0, 3, "diverging"), (2, 5, "gray")):
        s = v.layer_strips()[layer].strip
        assert s is not None
        data = outs[layer][:, :, channel]
        levels, signed = map_levels(data)
        assert signed == (cmap == "diverging")
        want = map_pixels(data, levels, cmap)  # the layer mode's tiles, cell by cell
        img = s.grab().toImage()
        t = s.tile_rect(channel)
        for r, c in ((0, 0), (4, 7), (data.shape[0] - 1, data.shape[1] - 2)):
            x = t.left() + (c + 0.5) * t.width() / data.shape[1]
            y = t.top() + (r + 0.5) * t.height() / data.shape[0]
            got = img.pixelColor(int(x), int(y)).rgb() & 0xFFFFFF
            assert got == int(want[r, c]) & 0xFFFFFF, (layer, r, c)


def test_large_maps_are_block_averaged_and_clicks_still_find_their_cell(qtbot: Any) -> None:
    s = MapStrip("big", "conv2d", (100, 90, 2))
    qtbot.addWidget(s)
    assert s.f > 1 and min(s.tile_w, s.tile_h) >= TILE_MIN_PX
    data = np.random.default_rng(14).normal(size=(100, 90, 2)).astype(np.float32)
    s.set_data(data)
    f = s.f
    levels, signed = map_levels(data[:, :, 1])
    hh, ww = 100 // f, 90 // f
    blocks = np.array(  # block means, one by one
        [[data[r * f : (r + 1) * f, c * f : (c + 1) * f, 1].mean() for c in range(ww)]
         for r in range(hh)]
    )  # fmt: skip
    want = map_pixels(blocks, levels, "diverging" if signed else "gray", max_cells=1000)
    img = s.grab().toImage()
    t = s.tile_rect(1)
    for r, c in ((0, 0), (hh // 2, ww // 3), (hh - 1, ww - 1)):
        x, y = t.left() + (c + 0.5) * s.k, t.top() + (r + 0.5) * s.k
        assert img.pixel(int(x), int(y)) & 0xFFFFFF == int(want[r, c]) & 0xFFFFFF
    # A map cell's outline and a click on it agree, at a fraction of a pixel per cell.
    rect = s.cell_rect(1, Box(60, 61, 30, 31))
    assert rect.width() == pytest.approx(s.k / f)
    assert s.hit(rect.center()) == (1, 60, 30)


def test_channel_levels_agree_with_the_layer_modes_rule() -> None:
    rng = np.random.default_rng(2)
    data = rng.normal(size=(7, 5, 6))
    data[..., 1] = np.abs(data[..., 1]) + 0.5
    data[..., 2] = 0.0  # a ReLU map that never fires
    data[0, 0, 3] = np.nan
    lo, hi, signed = channel_levels(data)
    for c in (0, 1, 4, 5):
        (want_lo, want_hi), want_signed = map_levels(data[..., c])
        assert (lo[c], hi[c], signed[c]) == pytest.approx((want_lo, want_hi, want_signed))
    assert (lo[2], hi[2], signed[2]) == (0.0, 1.0, False)  # zeros are black, not mid-grey
    finite = data[..., 3][np.isfinite(data[..., 3])]
    assert hi[3] == pytest.approx(max(-finite.min(), finite.max()))


def test_clicking_a_tile_selects_and_enlarges_it(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(3))
    v.set_outputs(outs)
    ls = v.layer_strips()[3]
    assert ls.strip is not None and ls.area is not None
    ls.area.ensureVisible(ls.strip.tile_rect(7).center().x(), 10)
    with qtbot.waitSignal(v.map_selected) as sig:
        qtbot.mouseClick(ls.strip, Qt.MouseButton.LeftButton, pos=ls.strip.tile_rect(7).center())
    assert sig.args == [3, 7]
    assert (v.selected_layer, v.selected_channel) == (3, 7)
    assert ls.strip.selected == 7
    assert all(s.strip is None or s.strip.selected is None for s in v.layer_strips()[:3])
    shown = v.large.view.data
    assert shown is not None and np.array_equal(shown, outs[3][:, :, 7])
    assert "conv2</b> · channel 7 · 11×11" in v.large.title.text()
    tile_tip = ls.strip.tip_at(ls.strip.tile_rect(7).center())
    assert tile_tip.startswith("conv2 · channel 7\n11×11, colour scale")
    (lo, hi), signed = map_levels(outs[3][:, :, 7])
    tip = v.large.view.toolTip()
    assert f"colour scale: {format_value(lo)} … {format_value(hi)}" in tip
    assert signed and "blue < 0 < red" in tip
    # The selection frame is drawn around the tile, in the selection colour.
    t = ls.strip.tile_rect(7)
    edge = pixel(ls.strip, t.left() - 3, t.center().y())
    assert edge.rgb() == QColor(40, 110, 230).rgb()


def test_clicking_a_unit_on_the_enlarged_map_emits_it(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    v.set_outputs(random_outputs(np.random.default_rng(4)))
    v.set_selected(2, 4)  # pool1, 13×13
    iv = v.large.view
    qtbot.waitUntil(lambda: iv.view.viewRect().contains(QRectF(0, 0, 13, 13)))
    qtbot.wait(50)  # the view settles its range (auto-fit) before we map a cell to the screen
    row, col = 9, 2
    scene = iv.view.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    pos = iv.mapFromScene(scene)
    with qtbot.waitSignal(v.unit_clicked) as sig:
        qtbot.mouseClick(iv.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args == [2, row, col]
    # Hovering reads the value out.
    iv.hovered.emit(col + 0.5, row + 0.5)
    value = float(v.outputs[2][row, col, 4])  # type: ignore[index]
    assert f"pool1 channel 4, row {row}, col {col}" in v.large.readout.text()
    assert format_value(value) in v.large.readout.text()
    iv.hovered.emit(float("nan"), float("nan"))  # the pointer left
    assert v.large.readout.text() == "Point: value · click: receptive field"


def test_clicking_the_selected_tile_picks_a_unit(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    v.set_outputs(random_outputs(np.random.default_rng(5)))
    s = v.layer_strips()[5].strip  # pool2, 5×5
    assert s is not None
    qtbot.mouseClick(s, Qt.MouseButton.LeftButton, pos=s.tile_rect(1).center())
    assert (v.selected_layer, v.selected_channel) == (5, 1)
    t = s.tile_rect(1)
    cell = QPoint(int(t.left() + 3.5 * t.width() / 5), int(t.top() + 0.5 * t.height() / 5))
    with qtbot.waitSignal(v.unit_clicked) as sig:
        qtbot.mouseClick(s, Qt.MouseButton.LeftButton, pos=cell)
    assert sig.args == [5, 0, 3]


def test_a_vector_bar_selects_then_picks_a_unit(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    v.set_outputs(random_outputs(np.random.default_rng(6)))
    s = v.layer_strips()[7].strip  # dense, 10 units
    assert s is not None and s.vector
    x = int(s.tile_rect(0).left() + 6.5 * s.cell_w)
    y = s.tile_rect(0).center().y()
    with qtbot.waitSignal(v.map_selected) as sel:
        qtbot.mouseClick(s, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert sel.args == [7, 0]
    assert v.large.view.data is not None and v.large.view.data.shape == (1, 10)
    with qtbot.waitSignal(v.unit_clicked) as unit:
        qtbot.mouseClick(s, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert unit.args == [7, 0, 6]


def wheel(widget: QWidget, dx: int, dy: int) -> None:
    pos = QPointF(widget.rect().center())
    ev = QWheelEvent(
        pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(), QPoint(dx, dy),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(widget, ev)


def test_the_wheel_scrolls_the_strips_down_and_a_strip_sideways(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net, (500, 600))
    v.set_outputs(random_outputs(np.random.default_rng(16)))
    qtbot.wait(10)
    ls = v.layer_strips()[3]  # conv2: 32 tiles, wider than the view
    assert ls.area is not None and ls.strip is not None
    side, down = ls.area.horizontalScrollBar(), v.strips_area.verticalScrollBar()
    assert side.maximum() > 0 and down.maximum() > 0
    wheel(ls.area.viewport(), 0, -120)  # a plain wheel: the column of strips scrolls
    assert down.value() > 0 and side.value() == 0
    wheel(ls.area.viewport(), -120, 0)  # a sideways wheel (or Shift): the strip scrolls
    assert side.value() > 0


def test_receptive_field_boxes_are_drawn_where_the_rf_says(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    x = np.random.default_rng(7).random((28, 28, 1)).astype(np.float32)
    v.set_input(x)
    v.set_outputs(net.forward(x))
    v.set_selected(2, 0)
    rf = receptive_field(net.layers, net.input_shape, 3, (3, 4))  # conv2 (3, 4)
    v.set_receptive_field(rf)
    strips = v.layer_strips()
    # By hand: conv2 (3, 4) reads pool1 rows 3–5, cols 4–6; conv1/relu1 rows 6–11, cols 8–13.
    expected = {0: (6, 12, 8, 14), 1: (6, 12, 8, 14), 2: (3, 6, 4, 7)}
    for layer, (t, b, left, r) in expected.items():
        s = strips[layer].strip
        assert s is not None and s.unit is None
        assert s.box is not None and (s.box.top, s.box.bottom, s.box.left, s.box.right) == (
            t,
            b,
            left,
            r,
        )
        # Drawn on every tile: the box's left edge is in the field's colour.
        for c in (0, s.channels - 1):
            rect = s.cell_rect(c, s.box)
            assert rect.left() == s.tile_rect(c).left() + left * s.k
            assert rect.top() == s.tile_rect(c).top() + t * s.k
            strips[layer].area.ensureVisible(int(rect.center().x()), 5)  # type: ignore[union-attr]
            got = pixel(s, rect.left(), rect.center().y())
            assert got.rgb() == RF_COLOR.rgb(), (layer, c)
    unit_strip = strips[3].strip
    assert unit_strip is not None and unit_strip.box is None
    u = unit_strip.unit
    assert u is not None and (u.top, u.left, u.rows, u.cols) == (3, 4, 1, 1)
    ur = unit_strip.cell_rect(0, u)
    assert pixel(unit_strip, ur.left(), ur.center().y()).rgb() == UNIT_COLOR.rgb()
    for later in strips[4:]:
        assert later.strip is None or (later.strip.box is None and later.strip.unit is None)
    # The input strip outlines the box on the input, and the enlarged map the pool1 box.
    assert v.input_strip is not None and v.input_strip.strip is not None
    assert v.input_strip.strip.box == rf.boxes[0]
    assert v.large.rf_item.isVisible() and v.large.rf_item.rect() == QRectF(4, 3, 3, 3)
    assert not v.large.unit_item.isVisible()
    v.set_selected(3, 9)
    assert v.large.unit_item.isVisible() and v.large.unit_item.rect() == QRectF(4, 3, 1, 1)
    assert not v.large.rf_item.isVisible()
    v.set_receptive_field(None)
    assert all(s.strip is None or (s.strip.box, s.strip.unit) == (None, None) for s in strips)
    assert not v.large.unit_item.isVisible()


def test_new_values_repaint_in_place_and_new_shapes_rebuild(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    rng = np.random.default_rng(8)
    v.set_outputs(random_outputs(rng))
    before = [ls.strip for ls in v.layer_strips()]
    v.set_outputs(random_outputs(rng))
    v.set_layers([s.name for s in net.layers], [s.type for s in net.layers], net.output_shapes)
    assert [ls.strip for ls in v.layer_strips()] == before  # same widgets, new pictures
    wider = net.with_layers([digits_specs()[0].evolve(filters=8)] + digits_specs()[1:])
    v.set_layers(
        [s.name for s in wider.layers], [s.type for s in wider.layers], wider.output_shapes
    )
    assert v.layer_strips()[0].strip is not before[0]
    assert v.layer_strips()[0].strip.channels == 8  # type: ignore[union-attr]
    assert v.outputs is None and v.message.isVisible()  # the old outputs no longer fit
    v.set_outputs(random_outputs(rng))  # wrong shapes: refused, nothing shown, no crash
    assert v.outputs is None and v.layer_strips()[0].strip.data is None  # type: ignore[union-attr]
    v.set_outputs(wider.forward(np.zeros((28, 28, 1), np.float32)))
    assert v.outputs is not None and not v.message.isVisible()


def _read_only(outs: list[np.ndarray]) -> list[np.ndarray]:
    """Outputs as the network state publishes them: read-only arrays."""
    for o in outs:
        o.setflags(write=False)
    return outs


def assert_tiles_show(strip: Any, data: np.ndarray, channels: Sequence[int]) -> None:
    """The strip's painted tiles ``channels`` have the layer mode's colours for ``data``."""
    img = strip.grab().toImage()
    for channel in channels:
        d = data[:, :, channel]
        levels, signed = map_levels(d)
        want = map_pixels(d, levels, "diverging" if signed else "gray")
        t = strip.tile_rect(channel)
        for r, c in ((0, 0), (d.shape[0] // 2, d.shape[1] // 3), (d.shape[0] - 1, d.shape[1] - 1)):
            x = t.left() + (c + 0.5) * t.width() / d.shape[1]
            y = t.top() + (r + 0.5) * t.height() / d.shape[0]
            got = img.pixelColor(int(x), int(y)).rgb() & 0xFFFFFF
            assert got == int(want[r, c]) & 0xFFFFFF, (strip.name, channel, r, c)


def test_an_edit_further_down_redraws_only_the_strips_it_changed(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    rng = np.random.default_rng(21)
    outs = _read_only(random_outputs(rng))
    v.set_outputs(outs)
    v.set_selected(0, 2)  # conv1 enlarged
    strips = [ls.strip for ls in v.layer_strips()]
    conv1, conv2 = strips[0], strips[3]
    assert conv1 is not None and conv2 is not None
    assert_tiles_show(conv1, outs[0], (0, 2))
    assert_tiles_show(conv2, outs[3], (0, 5))
    picture, builds, large = conv1.picture(), conv1.build_count, v.large.view.data
    # An edit in conv2: conv1..pool1's outputs are the same arrays, the rest are new.
    new = outs[:3] + _read_only(random_outputs(rng)[3:])
    v.set_outputs(new)
    assert conv1.picture() is picture and conv1.build_count == builds  # not rebuilt
    assert v.large.view.data is large  # the enlarged conv1 map not redrawn either
    assert_tiles_show(conv1, outs[0], (0, 2))  # and still right
    assert_tiles_show(conv2, new[3], (0, 5, 31))  # conv2 shows the new values
    assert conv2.levels(5) == pytest.approx(
        (*map_levels(new[3][:, :, 5])[0], map_levels(new[3][:, :, 5])[1])
    )
    v.set_selected(3, 5)
    assert np.array_equal(v.large.view.data, new[3][:, :, 5])
    # An edit in conv1 changes every output: conv1 is drawn anew.
    newer = _read_only(random_outputs(rng))
    v.set_outputs(newer)
    assert_tiles_show(conv1, newer[0], (2,))
    assert conv1.build_count == builds + 1
    assert np.array_equal(v.large.view.data, newer[3][:, :, 5])


@pytest.mark.parametrize("shape", [(26, 26, 16), (13, 13, 16), (5, 5, 32), (11, 7, 3)])
def test_every_screen_pixel_of_a_tile_is_its_cells_colour(qtbot: Any, shape: tuple) -> None:
    s = MapStrip("conv", "conv2d", shape)
    qtbot.addWidget(s)
    data = np.random.default_rng(24).normal(size=shape).astype(np.float32)
    data[..., 1] = np.abs(data[..., 1])  # a grey one too
    s.set_data(data)
    img = s.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    k = s.k
    for channel in (0, 1, shape[2] - 1):
        d = data[:, :, channel]
        levels, signed = map_levels(d)
        cells = map_pixels(d, levels, "diverging" if signed else "gray").astype(np.uint32)
        want = np.repeat(np.repeat(cells, k, axis=0), k, axis=1) & 0xFFFFFF  # k×k squares
        t = s.tile_rect(channel)
        got = np.array(
            [[img.pixel(x, y) & 0xFFFFFF for x in range(t.left(), t.right() + 1)]
             for y in range(t.top(), t.bottom() + 1)]
        )  # fmt: skip
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    if shape[2] > 1:  # the gap between two tiles is the tiles' background
        gap = s.tile_rect(0).right() + 3
        assert img.pixel(gap, s.tile_rect(0).center().y()) & 0xFFFFFF == 0x26282E


def test_a_writable_output_changed_in_place_is_drawn_again(qtbot: Any) -> None:
    s = MapStrip("conv", "conv2d", (6, 5, 2))
    qtbot.addWidget(s)
    data = np.random.default_rng(22).normal(size=(6, 5, 2)).astype(np.float32)
    s.set_data(data)
    assert_tiles_show(s, data, (0, 1))
    data *= -3.0  # the caller's own array, changed in place and given again
    data[0, 0, 1] += 10.0
    s.set_data(data)
    assert_tiles_show(s, data, (0, 1))


def test_a_strip_out_of_sight_is_drawn_when_scrolled_to(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net, size=(700, 420))
    rng = np.random.default_rng(23)
    v.set_outputs(_read_only(random_outputs(rng)))
    qtbot.wait(20)
    hidden = [
        (i, ls.strip)
        for i, ls in enumerate(v.layer_strips())
        if ls.strip is not None and not ls.strip.vector and ls.strip.visibleRegion().isEmpty()
    ]
    assert hidden, "the view is tall enough to show every strip: no strip out of sight"
    layer, strip = hidden[-1]
    builds, paints = strip.build_count, strip.paint_count
    new = _read_only(random_outputs(rng))
    for _ in range(3):  # three pen moves while it is out of sight
        new = _read_only(random_outputs(rng))
        v.set_outputs(new)
        qtbot.wait(5)
    assert strip.build_count == builds and strip.paint_count == paints  # no work unseen
    ls = v.layer_strips()[layer]
    v.strips_area.ensureWidgetVisible(ls)
    qtbot.waitUntil(lambda: strip.paint_count > paints, timeout=2000)
    assert not strip.visibleRegion().isEmpty()
    assert strip.build_count == builds + 1  # built once, from the latest outputs
    assert strip.data is new[layer]
    assert_tiles_show(strip, new[layer], (0, strip.channels - 1))


def test_activations_fold_into_the_strip_before(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(9))
    v.set_outputs(outs)
    v.fold_box.setChecked(True)
    strips = v.layer_strips()
    assert len(strips) == len(SHAPES) - 2
    assert "conv1 → relu1" in strips[0].title.text()
    assert v.strip_of(0) is v.strip_of(1) is strips[0]
    s = strips[0].strip
    assert s is not None and s.data is outs[1]  # the maps after the activation
    with qtbot.waitSignal(v.map_selected) as sig:
        qtbot.mouseClick(s, Qt.MouseButton.LeftButton, pos=s.tile_rect(2).center())
    assert sig.args == [1, 2]
    v.set_selected(0, 2)  # the conv itself: the folded strip's tile stays outlined
    assert s.selected == 2
    rf = receptive_field(net.layers, net.input_shape, 1, (0, 0))
    v.set_receptive_field(rf)
    assert s.unit is not None and s.box is None
    v.fold_box.setChecked(False)
    assert len(v.layer_strips()) == len(SHAPES)


def test_tiles_are_large_enough_and_follow_the_text_size(qtbot: Any) -> None:
    tiny = Network([LayerSpec("conv2d", "c", filters=2, kernel_size=(2, 2))], None, (2, 2, 1))
    v = make_view(qtbot, tiny, (400, 400))
    v.set_input(np.ones((2, 2, 1), np.float32))
    v.set_outputs(tiny.forward(np.ones((2, 2, 1), np.float32)))
    s = v.layer_strips()[0].strip
    assert s is not None and s.shape == (1, 1, 2)
    assert min(s.tile_w, s.tile_h) >= TILE_MIN_PX
    qtbot.wait(10)  # the new strips are laid out
    s.repaint()
    assert s.paint_count > 0
    app = QApplication.instance()
    base = QFont(app.font())
    small = s.tile_w
    try:
        big = QFont(base)
        big.setPointSizeF(base.pointSizeF() * 2)
        QApplication.setFont(big)
        qtbot.waitUntil(lambda: s.tile_w > small)
        assert s.tile_w >= 2 * small - 4
        area = v.layer_strips()[0].area
        assert area is not None
        qtbot.waitUntil(lambda: area.height() >= s.height())  # the taller tiles are not cut
    finally:
        QApplication.setFont(base)


def test_set_outputs_repaints_the_digits_net_fast(qtbot: Any) -> None:
    net = Network.digits()
    v = make_view(qtbot, net)
    x0 = np.random.default_rng(10).random((28, 28, 1)).astype(np.float32)
    v.set_input(x0)
    outs = [net.forward(x0 * f) for f in (0.5, 1.0, 1.5)]
    v.set_outputs(outs[0])
    v.set_selected(3, 5)
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 3, (4, 4)))
    qtbot.wait(10)  # the new strips are laid out
    v.repaint()
    times = []
    counts = [ls.strip.paint_count for ls in v.layer_strips() if ls.strip is not None]
    for i in range(15):
        t = time.thread_time()
        v.set_outputs(outs[i % 3])
        v.repaint()  # everything on screen painted, now
        times.append(time.thread_time() - t)
    median_ms = statistics.median(times) * 1000
    after = [ls.strip.paint_count for ls in v.layer_strips() if ls.strip is not None]
    assert after[0] > counts[0]  # the strips did repaint
    assert median_ms < 15.0, f"set_outputs + repaint took {median_ms:.1f} ms (median)"


def test_bad_values_and_stale_indices_never_crash(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(13))
    outs[0][0, 0, 0] = np.nan
    outs[0][1, 1, 0] = np.inf
    outs[3][..., 2] = np.nan  # a map with no finite value at all
    v.set_outputs(outs)
    v.set_selected(0, 0)
    lv = v.layer_strips()[0].strip.levels(0)  # type: ignore[union-attr]
    assert lv is not None and all(np.isfinite(lv[:2]))
    v.set_selected(3, 2)
    assert v.large.view.data is not None
    v.set_selected(99, 99)  # a selection the network no longer has
    assert v.large.view.data is None and "Click a map" in v.large.title.text()
    other = Network(digits_specs()[:3], None, (40, 40, 1))
    rf = receptive_field(other.layers, other.input_shape, 2, (13, 13))  # off these maps
    v.set_receptive_field(rf)
    s0 = v.layer_strips()[0].strip
    assert s0 is not None and s0.box is not None and s0.box.top == 26
    img = s0.grab().toImage()  # painted without an outline (nothing of the box is on it)
    t = s0.tile_rect(0)
    colours = {img.pixel(x, y) for x in range(t.left(), t.right()) for y in (t.top(), t.bottom())}
    assert RF_COLOR.rgb() not in colours
    deep = receptive_field(net.layers, net.input_shape, 8, (2,))
    v.set_layers(["a"], ["conv2d"], [(26, 26, 16)])
    v.set_receptive_field(deep)  # a unit of a layer that is gone: nothing outlined
    assert v.rf is None
    v.set_input(np.zeros(5))  # not an image: no input strip
    assert v.input_strip is None
    v.set_outputs(None)
    assert v.message.isVisible()
    empty = v.layer_strips()[0].strip
    assert empty is not None
    empty.set_data(np.zeros((26, 26, 0), np.float32))  # nothing to draw: an empty strip
    assert empty.data is None
    rfv = InputRFView()
    qtbot.addWidget(rfv)
    rfv.set_input(np.full((4, 5, 2), np.nan, np.float32))  # two channels, no finite value
    assert rfv.levels() == (0.0, 1.0) and "(channel 0 shown)" in rfv.title.text()
    rfv.set_input(np.zeros((0, 3, 1)))  # no pixel at all: no input
    assert rfv.input is None and rfv.view.data is None


# --- the input with its receptive field ----------------------------------------------------


def rf_view(qtbot: Any, size: tuple[int, int] = (420, 460)) -> InputRFView:
    v = InputRFView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_the_caption_writes_the_field_out(qtbot: Any, net: Network) -> None:
    v = rf_view(qtbot)
    v.set_layers([s.name for s in net.layers])
    v.set_input(np.random.default_rng(11).random((28, 28, 1)))
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 3, (3, 4)))
    # By hand: r0 = 1 + 2 + 1 + 2·2 = 8, stride 2; rows 3·2 = 6 to 13, cols 4·2 = 8 to 15.
    assert v.caption.text() == (
        "Receptive field of conv2 (3, 4): rows 6–13, cols 8–15 · 8×8 px, stride 2, padding 0"
    )
    assert v.box_item.isVisible() and v.box_item.rect() == QRectF(8, 6, 8, 8)
    assert not v.hatch.isVisible() and not v.padding_label.isVisible()
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 7, (3,)))
    assert v.caption.text() == "Receptive field of dense (3): reads the whole input (28×28 px)"
    assert v.box_item.rect() == QRectF(0, 0, 28, 28)
    v.set_receptive_field(None)
    assert not v.box_item.isVisible() and "Click a unit" in v.caption.text()


def test_the_padding_part_is_hatched_and_labelled(qtbot: Any) -> None:
    specs = [
        LayerSpec("conv2d", "c1", filters=2, kernel_size=(5, 5), padding="same"),
        pool_layer(name="p1"),
        LayerSpec("conv2d", "c2", filters=2, kernel_size=(3, 3), padding="same"),
    ]
    net = Network(specs, None, (12, 10, 3))
    v = rf_view(qtbot)
    v.set_layers([s.name for s in net.layers])
    rgb = np.random.default_rng(12).random((12, 10, 3)).astype(np.float32)
    v.set_input(rgb)
    assert v.view.data is not None and v.view.data.shape == (12, 10, 3)  # drawn in colour
    rf = receptive_field(net.layers, net.input_shape, 2, (0, 4))
    # By hand: c2 (0, 4) reads p1 rows −1..1 and cols 3..5, of which rows 0..1 and cols 3..4
    # exist (p1 is 6×5; its padding holds no unit) → c1 rows 0..3, cols 6..9 → with c1's 5×5
    # "same" window the input rows −2..5 and cols 4..11: 2 rows above, 2 cols past the right.
    box = rf.boxes[0]
    assert (box.top, box.bottom, box.left, box.right) == (-2, 6, 4, 12)
    v.set_receptive_field(rf)
    assert v.ring == (2, 2, 2, 2)
    assert v.pad_image.isVisible()
    assert v.pad_image.mapRectToParent(v.pad_image.boundingRect()) == QRectF(-2, -2, 14, 16)
    assert v.hatch.isVisible()
    hatched = v.hatch.path()
    # The hatched part is the box outside the image: its rows above and its columns right.
    assert hatched.contains(QPointF(5.5, -1.5)) and hatched.contains(QPointF(11.5, 3.5))
    assert not hatched.contains(QPointF(5.5, 1.5)) and not hatched.contains(QPointF(3.5, 3.5))
    assert hatched.boundingRect() == QRectF(4, -2, 8, 8)
    assert v.padding_label.toPlainText() == "padding"
    assert_label_clear_of_the_box(qtbot, v)
    assert v.caption.text().startswith("Receptive field of c2 (0, 4): rows −2 to 5, cols 4–11")
    # r0 = 1 + 4 + 1 + 2·2 = 10 and P0 = 2 + 0 + 1·2 = 4, but p1 has no row −1: 8 rows here.
    assert "· 10×10 px, stride 2, padding 4 · here 8×8 px (at the edge" in v.caption.text()
    inside = 6 * 6  # rows 0..5, cols 4..9
    assert v.caption.text().endswith(f"· {8 * 8 - inside} of its px are padding (zeros)")
    # The picture: a hatched padding cell is not the plain tint of an unread padding cell.
    v.repaint()
    img = grab_view(qtbot, v.view)
    vb = v.view.view

    def colours(x0: float, y0: float, x1: float, y1: float) -> set[int]:
        """Every screen pixel's colour inside the cells [x0, x1) × [y0, y1)."""
        a = v.view.mapFromScene(vb.mapViewToScene(QPointF(x0, y0)))
        b = v.view.mapFromScene(vb.mapViewToScene(QPointF(x1, y1)))
        return {
            int(img.pixel(x, y))
            for x in range(a.x() + 2, b.x() - 2)
            for y in range(a.y() + 2, b.y() - 2)
        }

    assert len(colours(10, 2, 11, 3)) > 1  # hatched: the field's part in the padding
    assert len(colours(-2, 8, -1, 9)) == 1  # a padding cell the field does not reach


def assert_label_clear_of_the_box(qtbot: Any, v: InputRFView) -> None:
    """The "padding" label is wholly in sight and covers no pixel of the field's outline."""
    qtbot.wait(20)  # the view's fit, applied when laid out; the label follows it
    lab = v.padding_label
    assert lab.isVisible()
    vb = v.view.view
    label = lab.sceneBoundingRect()
    # The outline: 3 px wide, centred on the box's edge (1.5 px each side), on screen.
    outline = v.box_item.mapRectToScene(v.box_item.rect()).adjusted(-2, -2, 2, 2)
    assert not label.intersects(outline), (label, outline)
    assert vb.sceneBoundingRect().contains(label), "the label is cut off by the view's edge"
    # On screen, the whole word in the view (not "adding").
    assert label.width() >= lab.textItem.boundingRect().width() - 1


def digits_same(padding: str = "same") -> Network:
    specs = digits_specs()
    specs[0] = LayerSpec("conv2d", "conv1", filters=16, padding=padding)
    specs[3] = LayerSpec("conv2d", "conv2", filters=32, padding=padding)
    return Network(specs, None, (28, 28, 1), seed=3)


@pytest.mark.parametrize("size", [(150, 260), (200, 200), (260, 150), (420, 460)])
@pytest.mark.parametrize(("layer", "unit"), [(0, (0, 0)), (2, (0, 0)), (2, (13, 13)), (5, (6, 0))])
def test_the_padding_label_never_covers_the_outline_nor_is_cut_off(
    qtbot: Any, size: tuple[int, int], layer: int, unit: tuple[int, int]
) -> None:
    # conv1 "same": unit (0, 0) reads one row and column of padding above and left of the
    # image; a pooled unit at a corner reads it too (pool1 (0, 0) and (13, 13) of 14×14).
    net = digits_same()
    v = rf_view(qtbot, size)
    v.set_layers([s.name for s in net.layers])
    v.set_input(np.random.default_rng(5).random((28, 28, 1)))
    rf = receptive_field(net.layers, net.input_shape, layer, unit)
    v.set_receptive_field(rf)
    assert v.ring != (0, 0, 0, 0) and v.hatch.isVisible()
    assert_label_clear_of_the_box(qtbot, v)
    # It follows the view: still clear after a resize and at a larger text.
    v.resize(size[1], size[0])
    v.set_text_scale(1.44)
    assert_label_clear_of_the_box(qtbot, v)


def test_a_too_small_image_still_shows(qtbot: Any) -> None:
    net = Network([LayerSpec("conv2d", "c", filters=1, padding="same")], None, (2, 2, 1))
    v = rf_view(qtbot, (160, 160))
    v.set_layers(["c"])
    v.set_input(np.array([[0.0, 1.0], [0.5, 0.25]], np.float32))
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 0, (0, 0)))
    assert v.ring == (1, 1, 1, 1)
    assert_label_clear_of_the_box(qtbot, v)
    v.repaint()
    # The whole padded input is in view, and the image's cells are on screen.
    qtbot.waitUntil(lambda: v.view.view.viewRect().contains(QRectF(-1, -1, 4, 4)))
    assert v.view.pixel_size_on_screen() > 10
    img = grab_view(qtbot, v.view)
    p = v.view.mapFromScene(v.view.view.mapViewToScene(QPointF(1.5, 0.5)))
    assert QColor(img.pixel(p.x(), p.y())).lightness() > 200  # the white pixel (0, 1)
    v.set_input(None)
    assert v.view.data is None and not v.box_item.isVisible()


# --- screenshots ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_screenshots(qtbot: Any, size: tuple[int, int]) -> None:
    net = Network.digits()
    from convgui.net import digit_samples

    images, _ = digit_samples()
    x = images[0][:, :, None]
    page = QWidget()
    qtbot.addWidget(page)
    row = QHBoxLayout(page)
    left = QLabel("layer list")
    left.setFixedWidth(size[0] // 4)
    centre = QWidget()
    col = QVBoxLayout(centre)
    col.setContentsMargins(0, 0, 0, 0)
    rfv = InputRFView()
    maps = NetworkMapsView()
    large = maps.detach_large_map()
    assert large.parent() is None and not large.isVisible()  # never a window of its own
    top = QHBoxLayout()
    top.addWidget(rfv, 1)
    top.addWidget(large, 1)
    col.addLayout(top, 2)
    col.addWidget(maps, 3)
    right = QLabel("bars, kernels")
    right.setFixedWidth(size[0] // 4)
    row.addWidget(left)
    row.addWidget(centre, 1)
    row.addWidget(right)
    page.resize(*size)
    names, kinds = [s.name for s in net.layers], [s.type for s in net.layers]
    for w in (maps, rfv):
        w.set_layers(names, kinds, net.output_shapes)
        w.set_input(x)
    maps.set_outputs(net.forward(x))
    maps.set_selected(3, 5)
    rf = receptive_field(net.layers, net.input_shape, 3, (0, 5))
    maps.set_receptive_field(rf)
    rfv.set_receptive_field(rf)
    page.show()
    qtbot.waitExposed(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(20)
    assert page.grab().save(str(SHOTS / f"page_{size[0]}x{size[1]}.png"))
    # The enlarged map works where the page put it: a click on a unit is still reported.
    assert large.isVisible() and large.window() is page
    iv = maps.large.view
    with qtbot.waitSignal(maps.unit_clicked) as sig:
        iv.clicked.emit(2.5, 7.5)
    assert sig.args == [3, 7, 2]
    qtbot.wait(10)  # the views' zoom hints, posted while painting
    # Readable: every tile at least TILE_MIN_PX, titles in the app's font.
    for ls in maps.layer_strips():
        if ls.strip is not None and not ls.strip.vector:
            assert min(ls.strip.tile_w, ls.strip.tile_h) >= TILE_MIN_PX
        assert ls.title.font().pointSizeF() == QApplication.font().pointSizeF()
    assert STRIP_MARGIN >= 4


# --- dead maps ------------------------------------------------------------------------------


def test_a_map_that_is_0_everywhere_gets_a_badge_and_says_why(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(21))
    outs[1] = np.maximum(outs[1], 0)  # relu1
    outs[1][:, :, 3] = 0.0  # channel 3 never fires
    outs[1][:, :, 5] = 0.0
    outs[1][7, 9, 5] = 1e-6  # channel 5 fires once, barely: alive
    outs[0][:, :, 3] = 0.0  # a conv map all 0 (not after a ReLU)
    v.set_outputs(outs)
    relu = v.layer_strips()[1].strip
    assert relu is not None
    # By hand: a channel is dead when its largest |value| is 0.
    want = [float(np.abs(outs[1][:, :, c]).max()) == 0.0 for c in range(16)]
    assert relu.dead_channels().tolist() == want
    assert np.flatnonzero(want).tolist() == [3]
    relu.repaint()
    img = relu.grab().toImage()

    def corner(c: int) -> QColor:
        t = relu.tile_rect(c)
        return img.pixelColor(t.right() - 3, t.top() + 3)

    # The dead tile's top-right corner carries the badge; an alive tile shows its cells.
    assert corner(3).red() > 100 and corner(3).red() > corner(3).green() + 40
    assert corner(5) != corner(3)
    t5 = relu.tile_rect(5)
    assert img.pixelColor(t5.right() - 3, t5.top() + 3).rgb() & 0xFFFFFF == 0  # black: 0 there
    tip = relu.tip_at(relu.tile_rect(3).center())
    assert tip.startswith("all 0 for this input: a 'dead' ReLU map")
    assert "dead" not in relu.tip_at(relu.tile_rect(5).center())
    conv = v.layer_strips()[0].strip
    assert conv is not None and conv.dead_channels().tolist() == [c == 3 for c in range(16)]
    assert conv.tip_at(conv.tile_rect(3).center()).startswith("all 0 for this input.\n")
    # The enlarged map says it too; a live map does not.
    v.set_selected(1, 3)
    assert v.large.title.text().endswith("<i>all 0</i>")
    assert "'dead' ReLU map" in v.large.view.toolTip()
    v.set_selected(1, 5)
    assert "all 0" not in v.large.title.text()
    # A NaN map is not "all 0"; vector bars have no dead maps.
    outs[1][:, :, 3] = np.nan
    v.set_outputs(outs)
    assert not relu.dead_channels()[3]
    bar = v.layer_strips()[7].strip
    assert bar is not None and bar.dead_channels().size == 0


def test_the_shipped_networks_dead_relu_maps_are_marked(qtbot: Any) -> None:
    from convgui.net import digit_samples

    net = Network.digits()
    images, _ = digit_samples()
    outs = net.forward(images[0][:, :, None])
    v = make_view(qtbot, net)
    v.set_outputs(outs)
    for layer in (1, 4):  # relu1, relu2
        strip = v.layer_strips()[layer].strip
        assert strip is not None
        want = [not np.any(outs[layer][:, :, c]) for c in range(outs[layer].shape[2])]
        assert strip.dead_channels().tolist() == want
    # The newcomer's finding: relu1 map 0 and relu2 maps 6, 23, 24, 29 never fire.
    assert v.layer_strips()[1].strip.dead_channels()[0]  # type: ignore[union-attr]
    assert v.layer_strips()[4].strip.dead_channels()[[6, 23, 24, 29]].all()  # type: ignore[union-attr]


# --- vectors enlarged -------------------------------------------------------------------------


def test_an_enlarged_flatten_is_a_block_of_cells_not_a_line(qtbot: Any, net: Network) -> None:
    v = make_view(qtbot, net)
    outs = random_outputs(np.random.default_rng(31))
    v.set_outputs(outs)
    v.set_selected(6, 0)  # flatten of pool2's 5×5×32: a row per map cell, 32 channels wide
    data = v.large.view.data
    assert data is not None and data.shape == (25, 32)
    assert np.array_equal(data.reshape(-1), outs[6])  # Keras's order, unchanged
    assert "800 units" in v.large.title.text()
    qtbot.wait(20)
    assert v.large.view.pixel_size_on_screen() >= 4  # cells, not a one-pixel line
    # A click on row 2, column 5 is unit 2·32 + 5 = 69; pointing at it reads its value.
    with qtbot.waitSignal(v.unit_clicked) as sig:
        v.large.view.clicked.emit(5.5, 2.5)
    assert sig.args == [6, 0, 69]
    v.large.view.hovered.emit(5.5, 2.5)
    assert v.large.readout.text() == f"flatten unit 69: {format_value(float(outs[6][69]))}"
    # Its receptive field's unit is outlined on that cell.
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 6, (69,)))
    assert v.large.unit_item.isVisible()
    assert v.large.unit_item.rect() == QRectF(5, 2, 1, 1)
    # Ten dense units stay one bar of ten cells.
    v.set_selected(7, 0)
    assert v.large.view.data is not None and v.large.view.data.shape == (1, 10)


def test_a_vector_that_does_not_fold_evenly_ends_in_empty_cells(qtbot: Any) -> None:
    specs = [LayerSpec("flatten", "f"), LayerSpec("dense", "d", units=37)]
    net = Network(specs, None, (4, 4, 1), seed=2)
    v = make_view(qtbot, net, (500, 600))
    outs = net.forward(np.random.default_rng(3).random((4, 4, 1)).astype(np.float32))
    v.set_outputs(outs)
    v.set_selected(1, 0)
    data = v.large.view.data
    assert data is not None and data.shape == (6, 7)  # 37 = 5 rows of 7 and 2 more
    assert np.array_equal(data.reshape(-1)[:37], outs[1])
    assert np.isnan(data.reshape(-1)[37:]).all()
    with qtbot.assertNotEmitted(v.unit_clicked):
        v.large.view.clicked.emit(3.5, 5.5)  # past the end: no unit
    with qtbot.waitSignal(v.unit_clicked) as sig:
        v.large.view.clicked.emit(1.5, 5.5)
    assert sig.args == [1, 0, 36]


def test_a_long_caption_in_a_narrow_view_starts_at_its_first_word(qtbot: Any) -> None:
    net = digits_same()
    v = rf_view(qtbot, (110, 360))
    v.set_layers([s.name for s in net.layers])
    v.set_input(np.random.default_rng(6).random((28, 28, 1)))
    v.set_receptive_field(receptive_field(net.layers, net.input_shape, 0, (0, 0)))
    qtbot.wait(20)
    cap = v.caption
    assert cap.toolTip() == cap.text() and cap.text().startswith("Receptive field of conv1")
    assert cap.alignment() & Qt.AlignmentFlag.AlignTop
    # Below the picture, never over it, and as tall as it needs while the picture keeps
    # its smallest size.
    assert cap.geometry().top() >= v.view.geometry().bottom()
    assert v.view.height() >= 90
    room = v.height() - v.title.height() - v.view.height() - 4
    assert cap.height() >= min(cap.heightForWidth(cap.width()), room) - 2
