"""LayerGeometry against a brute-force reference written here (no engine padding arithmetic)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convgui.core import LayerParams, correlate2d
from convgui.core.layout import Placement, layer_formulas, layer_geometry, layer_pads

CASES = [
    dict(padding="valid"),
    dict(padding="same"),
    dict(padding="full"),
    dict(padding=(2, 0, 1, 3)),
    dict(padding="same", stride=(2, 2)),
    dict(padding="valid", stride=(3, 2), dilation=(2, 1)),
    dict(padding="same", dilation=(2, 2)),
    dict(padding="same", pool="max"),
    dict(padding="valid", pool="avg", pool_size=(3, 3), pool_stride=(2, 2), pool_padding="same"),
    dict(padding="same", stride=(2, 2), pool="max", pool_size=(2, 2), pool_stride=(1, 1)),
    dict(padding="same", pool="max", pool_size=(2, 2), pool_stride=(1, 2), pool_padding="same"),
    dict(padding="valid", pool="avg", pool_size=(3, 2), pool_stride=(1, 1), pool_padding="same"),
]


def _impulse_windows(shape, kshape, p):
    """For every output cell, the input cells it reads, found by perturbing one input pixel."""
    h, w = shape
    rng = np.random.default_rng(0)
    k = rng.uniform(0.5, 1.5, kshape)  # no zero weight: every tap shows up
    base = correlate2d(np.zeros(shape), k, **{**p.conv_kwargs(), "boundary": "zero"})
    reads = {}
    for y, x in itertools.product(range(h), range(w)):
        img = np.zeros(shape)
        img[y, x] = 1.0
        out = correlate2d(img, k, **{**p.conv_kwargs(), "boundary": "zero"})
        for r, c in zip(*np.nonzero(out != base)):
            reads.setdefault((int(r), int(c)), []).append((y, x))
    return base.shape, reads


@pytest.mark.parametrize("kw", CASES, ids=[str(c) for c in CASES])
@pytest.mark.parametrize("kshape", [(3, 3), (2, 4), (5, 3)])
def test_geometry_matches_brute_force(kw, kshape):
    shape = (9, 8)
    p = LayerParams(**kw)
    g = layer_geometry(shape, kshape, p)
    out_shape, reads = _impulse_windows(shape, kshape, p)
    assert g.out_shape == out_shape
    for (r, c), cells in reads.items():
        taps_r, taps_c = g.window_taps(r, c)
        inside = {(int(y), int(x)) for y in taps_r for x in taps_c if 0 <= y < 9 and 0 <= x < 8}
        assert inside == set(cells)
    # Every output cell is one input unit, centred on the centre of its window's taps.
    for r, c in [(0, 0), (out_shape[0] - 1, out_shape[1] - 1)]:
        taps_r, taps_c = g.window_taps(r, c)
        cy = (taps_r[0] + taps_r[-1]) / 2 + 0.5
        cx = (taps_c[0] + taps_c[-1]) / 2 + 0.5
        left, top, w, h = g.output.cell_rect(0, 0)
        assert (w, h) == (1.0, 1.0)
        if (r, c) == (0, 0):
            assert (top + 0.5, left + 0.5) == pytest.approx((cy, cx))
    assert g.output.shape == out_shape


@pytest.mark.parametrize("kw", [c for c in CASES if c.get("pool")])
def test_pool_geometry_and_coverage_brute_force(kw):
    shape = (9, 8)
    p = LayerParams(**kw)
    g = layer_geometry(shape, (3, 3), p)
    ho, wo = g.out_shape
    assert g.pooled_shape is not None and g.pooled is not None
    hp, wp = g.pooled_shape
    # Which output cells each pooled cell reads: its window clipped to the map.
    windows = {}
    for i, j in itertools.product(range(hp), range(wp)):
        rows, cols = g.pool_window(i, j)
        windows[i, j] = [(y, x) for y in rows for x in cols if 0 <= y < ho and 0 <= x < wo]
        assert windows[i, j], "every pooled cell reads at least one output cell"
    # Coverage: after computing output (r, c) in row-major order, a pooled cell is complete
    # exactly when every output cell it reads has been computed.
    for r, c in itertools.product(range(ho), range(wo)):
        done_upto = r * wo + c
        complete = [
            (i, j)
            for (i, j), cells in windows.items()
            if all(y * wo + x <= done_upto for y, x in cells)
        ]
        mark = g.pooled_done_through(r, c)
        if mark is None:
            claimed = set(windows)
        else:
            i0, j0 = mark
            claimed = {(i, j) for (i, j) in windows if i < i0 or (i == i0 and j <= j0)}
        assert claimed <= set(complete), (r, c)  # never shows an unfinished pooled cell
        if p.pool_stride[0] >= p.pool_size[0]:  # rows of windows do not overlap: exact
            assert claimed == set(complete), (r, c)
        if (r, c) == (ho - 1, wo - 1):
            assert claimed == set(windows), "at the end every pooled cell shows"
    # The pooled map's first cell is centred on its first window's centre, one unit per cell.
    rows, cols = g.pool_window(0, 0)
    left, top, cw, _ = g.pooled.cell_rect(0, 0)
    assert cw == 1.0
    assert top + 0.5 == pytest.approx(g.output.top + (rows[0] + rows[-1]) / 2 + 0.5)
    assert left + 0.5 == pytest.approx(g.output.left + (cols[0] + cols[-1]) / 2 + 0.5)


def test_stride_output_is_smaller_than_input():
    g = layer_geometry((64, 64), (3, 3), LayerParams(padding="same", stride=(2, 2)))
    assert g.output.width == 32 and g.output.height == 32


def test_no_output_raises_and_formulas_still_written():
    p = LayerParams(padding="valid")
    with pytest.raises(ValueError):
        layer_geometry((4, 4), (7, 7), p)
    rows, cols = layer_formulas((4, 4), (7, 7), p)
    assert "no output" in rows and "no output" in cols
    assert layer_pads((4, 4), (7, 7), LayerParams(padding="same")) == (3, 3, 3, 3)


def test_placement_cell_at_round_trip():
    place = Placement((5, 7), -0.5, 1.5)
    for r, c in itertools.product(range(5), range(7)):
        left, top, _, _ = place.cell_rect(r, c)
        assert place.cell_at(left + 0.5, top + 0.5) == (r, c)
    assert place.cell_at(1.49, 0.0) is None
    assert place.cell_at(float("nan"), 0.0) is None
