"""Receptive fields against brute force: perturb one cell at a time and see which units change.

The random stacks hold convolutions (stride, dilation, valid/same/full/explicit padding,
groups), max/avg pooling (valid/same), transposed convolutions and activations that keep a
positive value positive and never saturate (none, relu, leaky_relu, abs). With positive
weights and a positive input, adding a large value to a cell raises every unit that reads it
(a max pool always lets the big bump win), so the units that change are exactly the units that
read the cell.

* ``input_bounds``: the bounding box of the input pixels that change a unit.
* ``boxes[i + 1]``: the same with one cell of map ``i`` perturbed and the rest recomputed.
* ``boxes[0]`` (unclipped) and ``padding_cells``: the input is padded in the test for the first
  layer that pads it (its own padding arithmetic from ``test_network_forward``), that layer is
  made "valid", and the padded cells are perturbed as pixels: the box of the padded cells that
  change a unit, in input coordinates, is the unclipped box.
* ``size``, ``stride``, ``padding``: the Distill formulas written here from the layer list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from test_network_forward import conv_pads, pool_pads, random_stack

from convgui.core.network import (
    Box,
    LayerSpec,
    forward,
    output_shapes,
    padding_cells,
    pool_layer,
    receptive_field,
    receptive_field_params,
)
from convgui.net import Network

SEED = 20261203
BUMP = np.float32(1e12)
STACKS = 24
MONOTONE = ("none", "relu", "leaky_relu", "abs")


def positive_weights(
    specs: Sequence[LayerSpec], shape: tuple[int, ...], rng: np.random.Generator
) -> list[dict[str, np.ndarray]]:
    """Weights in [0.5, 1] / fan-in (maps keep values near 1), biases 0.1."""
    net = Network(specs, None, shape)
    out = []
    for w in net.weights:
        layer = {}
        for key, arr in w.items():
            if key == "bias":
                layer[key] = np.full(arr.shape, 0.1, np.float32)
            else:
                fan_in = math.prod(arr.shape[:-1])
                layer[key] = (rng.uniform(0.5, 1.0, arr.shape) / fan_in).astype(np.float32)
        out.append(layer)
    return out


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per position (any channel), whether ``b`` differs from ``a`` (maps near 1 change by ≫ 1)."""
    diff = np.abs(b.astype(np.float64) - a) > 1e-3 * np.maximum(1.0, np.abs(a))
    return diff.any(axis=-1) if diff.ndim == 3 else diff


def bbox(cells: set[tuple[int, int]]) -> Box:
    if not cells:
        return Box(0, 0, 0, 0)
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return Box(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def readers(
    specs: Sequence[LayerSpec],
    weights: Sequence[dict[str, np.ndarray]],
    x: np.ndarray,
    start: int,
) -> dict[int, dict[tuple[int, int], set[tuple[int, int]]]]:
    """For every map layer ``layer_i >= start``, unit ``(r, c)`` -> the cells of map ``start - 1``
    (the input when ``start == 0``) whose perturbation changes it."""
    base = forward(specs, weights, x)
    source = x if start == 0 else base[start - 1]
    out: dict[int, dict[tuple[int, int], set[tuple[int, int]]]] = {
        layer_i: {} for layer_i in range(start, len(specs)) if base[layer_i].ndim == 3
    }
    for i in range(source.shape[0]):
        for j in range(source.shape[1]):
            bumped = source.copy()
            bumped[i, j] += BUMP
            if start == 0:
                outs = forward(specs, weights, bumped)
            else:
                prev = list(base[: start - 1]) + [bumped]
                outs = forward(specs, weights, x, start=start, previous=prev)
            for layer_i in out:
                for r, c in zip(*np.nonzero(changed(base[layer_i], outs[layer_i]))):
                    out[layer_i].setdefault((int(r), int(c)), set()).add((i, j))
    return out


def map_units(
    shape: tuple[int, ...], rng: np.random.Generator, n: int = 12
) -> list[tuple[int, int]]:
    """Up to ``n`` units of a map: its four corners and random others."""
    h, w = shape[0], shape[1]
    units = {(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)}
    while len(units) < min(n, h * w):
        units.add((int(rng.integers(0, h)), int(rng.integers(0, w))))
    return sorted(units)


def dilated(specs: Sequence[LayerSpec]) -> bool:
    return any(s.type.startswith("conv") and max(s.dilation_rate) > 1 for s in specs)


def gapless(specs: Sequence[LayerSpec]) -> bool:
    """No layer skips a cell: no dilation, and no conv or pool steps past its window."""
    return not dilated(specs) and not any(
        s.type in ("conv2d", "max_pool", "avg_pool")
        and (s.strides[0] > s.kernel_size[0] or s.strides[1] > s.kernel_size[1])
        for s in specs
    )


def stacks() -> list[tuple[list[LayerSpec], tuple[int, int, int], np.random.Generator]]:
    rng = np.random.default_rng(SEED)
    out = []
    for n in range(STACKS):
        specs, shape = random_stack(rng, activations=MONOTONE, classifier=n % 4 == 3)
        out.append((specs, shape, np.random.default_rng([SEED, n])))
    return out


CASES = stacks()


def test_the_stacks_hold_every_kind_of_layer() -> None:
    kinds = {s.type for specs, _, _ in CASES for s in specs}
    assert {"conv2d", "conv2d_transpose", "max_pool", "avg_pool", "activation", "dense"} <= kinds
    assert any(dilated(specs) for specs, _, _ in CASES)
    assert any(s.type == "conv2d" and s.groups > 1 for specs, _, _ in CASES for s in specs)
    pads = {
        str(s.padding) if isinstance(s.padding, str) else "explicit"
        for specs, _, _ in CASES
        for s in specs
        if s.type in ("conv2d", "max_pool", "avg_pool")
    }
    assert {"valid", "same", "full", "explicit"} <= pads


@pytest.mark.parametrize("case", range(STACKS))
def test_input_bounds_are_the_pixels_that_change_the_unit(case: int) -> None:
    specs, shape, rng = CASES[case]
    weights = positive_weights(specs, shape, rng)
    x = rng.uniform(0.5, 1.0, shape).astype(np.float32)
    found = readers(specs, weights, x, 0)
    shapes = output_shapes(specs, shape)
    for layer_i, units in found.items():
        for unit in map_units(shapes[layer_i], rng):
            rf = receptive_field(specs, shape, layer_i, unit)
            cells = units.get(unit, set())
            box = rf.input_bounds(shape)
            assert box == bbox(cells), (case, layer_i, unit, specs[: layer_i + 1])
            if gapless(specs[: layer_i + 1]):
                # No tap skips a cell: every pixel inside the box is read.
                assert len(cells) == box.rows * box.cols, (case, layer_i, unit)
    # Units of a vector (after flatten or dense) read everything (whole); a pixel any unit of
    # the flattened map reads changes every dense unit.
    base = forward(specs, weights, x)
    for layer_i, out in enumerate(base):
        if out.ndim == 1:
            rf = receptive_field(specs, shape, layer_i, (0,))
            assert rf.boxes[0].whole
            assert rf.input_bounds(shape) == Box(0, shape[0], 0, shape[1], True)
    flat = [i for i, s in enumerate(specs) if s.type == "flatten"]
    if flat and specs[-1].type == "dense":
        everything = {(i, j) for i in range(shape[0]) for j in range(shape[1])}
        pixels = set().union(*found[flat[0] - 1].values()) if flat[0] else everything
        for i, j in sorted(pixels)[:: max(1, len(pixels) // 5)]:
            bumped = x.copy()
            bumped[i, j] += BUMP
            assert changed(base[-1], forward(specs, weights, bumped)[-1]).all(), (case, i, j)


@pytest.mark.parametrize("case", range(STACKS))
def test_boxes_on_every_map_are_the_cells_that_change_the_unit(case: int) -> None:
    specs, shape, rng = CASES[case]
    weights = positive_weights(specs, shape, rng)
    x = rng.uniform(0.5, 1.0, shape).astype(np.float32)
    shapes = output_shapes(specs, shape)
    checked = 0
    for m in range(len(specs) - 1):
        if len(shapes[m]) != 3:
            break
        found = readers(specs, weights, x, m + 1)
        for layer_i, units in found.items():
            for unit in map_units(shapes[layer_i], rng, 6):
                rf = receptive_field(specs, shape, layer_i, unit)
                assert rf.boxes[m + 1] == bbox(units.get(unit, set())), (case, m, layer_i, unit)
                checked += 1
    assert checked or len([s for s in shapes if len(s) == 3]) < 2


def first_padding(
    specs: Sequence[LayerSpec], shape: tuple[int, ...]
) -> tuple[int, tuple[int, ...]]:
    """The index of the first map layer and the padding it puts around the input."""
    for i, s in enumerate(specs):
        if s.type == "conv2d":
            return i, conv_pads(s, shape[0], shape[1])
        if s.type in ("max_pool", "avg_pool"):
            return i, pool_pads(s, shape[0], shape[1])
        if s.type != "activation":
            return i, (0, 0, 0, 0)  # a transposed layer reads no padding
    return len(specs), (0, 0, 0, 0)


@pytest.mark.parametrize("case", range(STACKS))
def test_the_unclipped_box_and_its_padding_are_the_padded_cells_read(case: int) -> None:
    """Pad the input with real (marker) cells, make the first layer "valid", perturb them."""
    specs, shape, rng = CASES[case]
    first, (t, b, left, r) = first_padding(specs, shape)
    if first == len(specs):
        return
    padded_specs = list(specs)
    if specs[first].type in ("conv2d", "max_pool", "avg_pool"):
        padded_specs[first] = specs[first].evolve(padding="valid")
    padded_shape = (shape[0] + t + b, shape[1] + left + r, shape[2])
    shapes = output_shapes(specs, shape)
    assert output_shapes(padded_specs, padded_shape)[first:] == shapes[first:]
    weights = positive_weights(specs, shape, rng)
    x = rng.uniform(0.5, 1.0, padded_shape).astype(np.float32)
    found = readers(padded_specs, weights, x, 0)
    for layer_i, units in found.items():
        if layer_i < first:
            continue  # an activation of the (padded) input itself
        for unit in map_units(shapes[layer_i], rng):
            rf = receptive_field(specs, shape, layer_i, unit)
            cells = {(i - t, j - left) for i, j in units.get(unit, set())}
            want = bbox(cells)
            assert rf.boxes[0] == want, (case, layer_i, unit, specs[: layer_i + 1])
            rows = {i for i, _ in cells}
            cols = {j for _, j in cells}
            outside = (
                max(-min(rows, default=0), 0),
                max(max(rows, default=0) + 1 - shape[0], 0),
                max(-min(cols, default=0), 0),
                max(max(cols, default=0) + 1 - shape[1], 0),
            )
            assert padding_cells(rf.boxes[0], shape) == outside, (case, layer_i, unit)


def distill(specs: Sequence[LayerSpec], shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """r0 = Σ (k_l − 1)·Π_{i<l} s_i + 1, S0 = Π s_i, P0 = Σ p_l·Π_{i<l} s_i (k dilated)."""
    r, stride, pad = [1, 1], [1, 1], [0, 0]
    h, w = shape[0], shape[1]
    for s in specs:
        if s.type == "activation":
            continue
        if s.type == "conv2d":
            pads = conv_pads(s, h, w)
            k = [d * (kk - 1) + 1 for kk, d in zip(s.kernel_size, s.dilation_rate)]
        else:
            pads = pool_pads(s, h, w)
            k = list(s.kernel_size)
        before = (pads[0], pads[2])
        for a in range(2):
            r[a] += (k[a] - 1) * stride[a]
            pad[a] += before[a] * stride[a]
            stride[a] *= s.strides[a]
        h = (h + pads[0] + pads[1] - k[0]) // s.strides[0] + 1
        w = (w + pads[2] + pads[3] - k[1]) // s.strides[1] + 1
    return tuple(r), tuple(stride), tuple(pad)


def test_size_stride_and_padding_follow_the_distill_formulas() -> None:
    rng = np.random.default_rng(SEED + 1)
    tried = 0
    while tried < 40:
        specs, shape = random_stack(
            rng, activations=MONOTONE, transpose=False, classifier=False, max_map_layers=5
        )
        tried += 1
        size, stride, pad = distill(specs, shape)
        assert receptive_field_params(specs, shape) == (size, stride, pad)
        shapes = output_shapes(specs, shape)
        layer_i = len(specs) - 1
        for unit in map_units(shapes[layer_i], rng):
            rf = receptive_field(specs, shape, layer_i, unit)
            assert (rf.size, rf.stride, rf.padding) == (size, stride, pad)
            # Where no map between holds the unit's box partly outside it, the input box is
            # the formula's u·S0 − P0 to u·S0 − P0 + r0.
            inner = all(
                not bx.empty
                and bx.top >= 0
                and bx.bottom <= sh[0]
                and bx.left >= 0
                and bx.right <= sh[1]
                for bx, sh in zip(_formula_boxes(specs, shape, layer_i, unit), [shape, *shapes])
            )
            if inner:
                top, left = unit[0] * stride[0] - pad[0], unit[1] * stride[1] - pad[1]
                assert rf.boxes[0] == Box(top, top + size[0], left, left + size[1])


def _formula_boxes(
    specs: Sequence[LayerSpec], shape: tuple[int, ...], layer_i: int, unit: tuple[int, int]
) -> list[Box]:
    """The Distill box of ``unit`` on each map after the input (the sub-stack after that map)."""
    shapes = [shape, *output_shapes(specs, shape)]
    out = []
    for m in range(1, layer_i + 1):
        size, stride, pad = distill(specs[m : layer_i + 1], shapes[m])
        top, left = unit[0] * stride[0] - pad[0], unit[1] * stride[1] - pad[1]
        out.append(Box(top, top + size[0], left, left + size[1]))
    return [Box(0, 1, 0, 1)] + out  # the input itself may hold padding


def test_the_digits_network_second_conv_reads_eight_by_eight() -> None:
    specs = [
        LayerSpec("conv2d", "conv1", filters=16),
        LayerSpec("activation", "relu1"),
        pool_layer("max_pool", 2, name="pool1"),
        LayerSpec("conv2d", "conv2", filters=32),
        LayerSpec("activation", "relu2"),
        pool_layer("max_pool", 2, name="pool2"),
        LayerSpec("flatten", "flatten"),
        LayerSpec("dense", "dense", units=10),
    ]
    rf = receptive_field(specs, (28, 28, 1), 3, (4, 7))
    assert (rf.size, rf.stride, rf.padding) == ((8, 8), (2, 2), (0, 0))
    assert rf.on_input == Box(8, 16, 14, 22)
    assert rf.boxes[3] == Box(4, 7, 7, 10)  # pool1's output: conv2's 3×3 window
    assert receptive_field(specs, (28, 28, 1), 5, (0, 0)).size == (10, 10)
    dense = receptive_field(specs, (28, 28, 1), 7, (3,))
    assert dense.size is None and all(b.whole for b in dense.boxes[:-1])


def test_a_dilated_kernel_starting_on_padding_reads_from_its_first_real_tap() -> None:
    """Unit 1 of a 3-tap dilation-2 "same" conv reads rows −1, 1, 3: row 0 is not read."""
    c1 = LayerSpec("conv2d", "c1", filters=1, padding="same", dilation_rate=(2, 2))
    specs = [c1, c1.evolve(name="c2")]
    rf = receptive_field(specs, (9, 9, 1), 1, (1, 1))
    assert rf.boxes[1] == Box(1, 4, 1, 4)  # c1 cells 1 and 3 (−1 is padding)
    assert rf.on_input == Box(-1, 6, -1, 6)
    assert rf.input_bounds((9, 9, 1)) == Box(1, 6, 1, 6)
    assert padding_cells(rf.on_input, (9, 9, 1)) == (1, 0, 1, 0)


def test_a_transposed_output_cell_no_stamp_reaches_reads_nothing() -> None:
    specs = [LayerSpec("conv2d_transpose", "t", filters=1, kernel_size=(1, 1), strides=(2, 2))]
    assert receptive_field(specs, (4, 4, 1), 0, (2, 4)).on_input == Box(1, 2, 2, 3)
    assert receptive_field(specs, (4, 4, 1), 0, (1, 2)).on_input.empty


@pytest.mark.parametrize(
    ("layer", "unit"), [(-1, (0, 0)), (3, (0, 0)), (0, (26, 0)), (0, (0,)), (2, (5,))]
)
def test_a_unit_outside_the_network_is_refused(layer: int, unit: tuple[int, ...]) -> None:
    specs = [LayerSpec("conv2d", "c"), LayerSpec("flatten", "f"), LayerSpec("dense", "d", units=5)]
    with pytest.raises(ValueError, match=r"layer must be|unit must be"):
        receptive_field(specs, (28, 28, 1), layer, unit)
