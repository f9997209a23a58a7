"""The layer scan against the loops of ``test_layer`` (the layer's definition, written out).

Each step's numbers are checked against the naive layer and scatter loops and ``np.pad``,
never against the engine's own padding arithmetic; the equivalent direct view is checked by
correlating what it returns and comparing with the scatter loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import BOUNDARIES, np_pad, ref_pads, seed_of
from test_layer import naive_layer, naive_transpose, pair

from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.core.layer_steps import (
    INSERTED,
    PADDING,
    PIXEL,
    conv_layer_step,
    covering_filters,
    transpose_contributions,
    transpose_direct,
    transpose_scatter,
)

LAYERS = [
    # (c_in, c_out, groups, padding, stride, dilation)
    (3, 2, 1, "same", 1, 1),
    (4, 4, 2, "valid", (2, 1), 1),
    (3, 3, 3, "same", 2, (1, 2)),
    (1, 2, 1, (2, 0, 1, 3), 1, 1),
    (2, 4, 1, "full", 1, 2),
]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize(("c_in", "c_out", "groups", "padding", "stride", "dilation"), LAYERS)
def test_every_step_matches_the_naive_layer(
    c_in, c_out, groups, padding, stride, dilation, boundary
) -> None:
    rng = np.random.default_rng(seed_of("step", c_in, c_out, groups, padding, boundary))
    x = rng.standard_normal((5, 4, c_in))
    w = rng.standard_normal((3, 2, c_in // groups, c_out))
    bias = rng.standard_normal(c_out)
    kw = dict(padding=padding, stride=stride, dilation=dilation, boundary=boundary, cval=0.75)
    want, scale = naive_layer(x, w, bias, groups=groups, **kw)
    pads = ref_pads(x.shape, (3, 2), padding, stride, dilation)
    xp = np_pad(x, pads, boundary, 0.75)
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    cg, og = c_in // groups, c_out // groups
    for o in range(c_out):
        for r in range(want.shape[0]):
            for c in range(want.shape[1]):
                s = conv_layer_step(x, w, bias, o, r, c, groups=groups, **kw)
                assert s.position == (r, c) and s.filter == o and s.group == o // og
                assert s.pads == pads
                np.testing.assert_array_equal(s.rows, r * sr + np.arange(3) * dr)
                np.testing.assert_array_equal(s.cols, c * sc + np.arange(2) * dc)
                assert [ch.channel for ch in s.channels] == list(
                    range(s.group * cg, (s.group + 1) * cg)
                )
                ii, jj = np.meshgrid(s.rows, s.cols, indexing="ij")
                outside = (
                    (ii < pads[0]) | (ii >= pads[0] + 5) | (jj < pads[2]) | (jj >= pads[2] + 4)
                )
                np.testing.assert_array_equal(s.is_padding, outside)
                for ch in s.channels:
                    np.testing.assert_array_equal(ch.values, xp[ii, jj, ch.channel])
                    np.testing.assert_array_equal(ch.weights, w[:, :, ch.channel - s.group * cg, o])
                    np.testing.assert_array_equal(ch.products, ch.values * ch.weights)
                    assert ch.total == pytest.approx(ch.products.sum(), abs=1e-12)
                    # a padded cell copies the image cell it names
                    real = s.src_rows >= 0
                    np.testing.assert_array_equal(
                        ch.values[real], x[s.src_rows[real], s.src_cols[real], ch.channel]
                    )
                const = s.src_rows < 0
                assert not np.any(const & ~s.is_padding)
                if boundary in ("zero", "constant"):
                    np.testing.assert_array_equal(const, s.is_padding)
                else:
                    assert not const.any()
                assert s.sum_of_sums == pytest.approx(sum(s.channel_sums), abs=1e-12)
                assert s.bias == bias[o]
                assert abs(s.value - want[r, c, o]) <= 1e-12 * scale[r, c, o] + 1e-300


def test_step_sums_equal_conv2d_layer_in_float64() -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((12, 11, 3))
    w = rng.standard_normal((3, 3, 3, 5))
    bias = rng.standard_normal(5)
    out = conv2d_layer(x, w, bias, padding="same", stride=2, boundary="mirror")
    for o in range(5):
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                s = conv_layer_step(
                    x, w, bias, o, r, c, padding="same", stride=2, boundary="mirror"
                )
                assert s.value == pytest.approx(out[r, c, o], rel=1e-12, abs=1e-12)


def test_step_without_bias_and_grey_input() -> None:
    x = np.arange(16, dtype=np.uint8).reshape(4, 4)
    s = conv_layer_step(x, np.ones((2, 2, 1, 3)), None, 2, 1, 2)
    assert s.bias == 0.0
    assert s.value == 6 + 7 + 10 + 11
    assert len(s.channels) == 1 and s.channels[0].channel == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "quoted"),
    [
        ((3, 0, 0), {}, "filter 3"),
        ((-1, 0, 0), {}, "filter -1"),
        ((True, 0, 0), {}, "True"),
        ((0, 4, 0), {}, "(4, 0)"),
        ((0, 0, 1.5), {}, "1.5"),
        ((0, 0, 0), {"groups": 2}, "groups=2"),
    ],
)
def test_step_bad_arguments(args, kwargs, quoted) -> None:
    with pytest.raises(ValueError) as info:
        conv_layer_step(np.ones((6, 6, 3)), np.ones((3, 3, 3, 3)), None, *args, **kwargs)
    assert quoted in str(info.value)


TRANSPOSED = [
    # (stride, padding, output_padding, dilation)
    (2, 0, None, 1),
    (2, 1, 1, 1),
    ((3, 2), (2, 1), (2, 0), 1),
    (1, 2, 1, 2),
    (2, "same", None, 1),
    (3, "valid", None, (1, 2)),
    (3, (4, 1), None, 1),  # p > d(k - 1): the direct view cuts cells off
]


def keras_pad(n, k, s, d, padding, op):
    """Crop before and output length of Keras/TensorFlow for a named padding (test's own)."""
    eff = d * (k - 1) + 1
    if op is None:
        length = n * s + max(eff - s, 0) if padding == "valid" else n * s
    else:
        length = (n - 1) * s + eff - 2 * (0 if padding == "valid" else eff // 2) + op
    before = 0 if padding == "valid" else max((n - 1) * s + eff - length, 0) // 2
    return before, length


def reference_transpose(x, w, bias, stride, padding, output_padding, dilation):
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    kh, kw = w.shape[:2]
    h, wd = x.shape[:2]
    if isinstance(padding, str):
        (pr, ho), (pc, wo) = (
            keras_pad(h, kh, sr, dr, padding, output_padding),
            keras_pad(wd, kw, sc, dc, padding, output_padding),
        )
    else:
        (pr, pc), (opr, opc) = pair(padding), pair(output_padding or 0)
        ho = (h - 1) * sr - 2 * pr + dr * (kh - 1) + opr + 1
        wo = (wd - 1) * sc - 2 * pc + dc * (kw - 1) + opc + 1
    return naive_transpose(
        x, w, bias, stride=stride, pad=(pr, pc), out_shape=(ho, wo), dilation=dilation
    )


@pytest.mark.parametrize(("stride", "padding", "output_padding", "dilation"), TRANSPOSED, ids=str)
def test_transposed_views_match_the_scatter_loop(stride, padding, output_padding, dilation) -> None:
    rng = np.random.default_rng(seed_of("tviews", stride, padding, output_padding, dilation))
    x = rng.standard_normal((4, 3, 2))
    w = rng.standard_normal((3, 3, 3, 2))
    bias = rng.standard_normal(3)
    geo = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    want, scale = reference_transpose(x, w, bias, **geo)
    ho, wo = want.shape[:2]
    # scatter view: summing every stamp that lands inside rebuilds the output
    rebuilt = np.zeros_like(want) + bias
    for c in range(2):
        for i in range(4):
            for j in range(3):
                s = transpose_scatter(x, w, c, i, j, **geo)
                assert s.value == x[i, j, c]
                np.testing.assert_array_equal(s.stamps, x[i, j, c] * w[:, :, :, c])
                rr, cc = np.meshgrid(s.rows, s.cols, indexing="ij")
                inside = (rr >= 0) & (rr < ho) & (cc >= 0) & (cc < wo)
                np.testing.assert_array_equal(s.inside, inside)
                np.add.at(rebuilt, (rr[inside], cc[inside]), s.stamps[inside])
    np.testing.assert_allclose(rebuilt, want, rtol=0, atol=1e-12 * scale.max())
    # contributions view: every product that adds into a cell, and the cell's value
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    for o in range(3):
        for r in range(ho):
            for c in range(wo):
                cell = transpose_contributions(x, w, bias, o, r, c, **geo)
                np.testing.assert_array_equal(
                    cell.values, x[cell.in_rows, cell.in_cols, cell.channels]
                )
                np.testing.assert_array_equal(
                    cell.weights, w[cell.tap_rows, cell.tap_cols, o, cell.channels]
                )
                # each contribution's pixel and tap land on the same output cell
                ys = cell.in_rows * sr + cell.tap_rows * dr
                zs = cell.in_cols * sc + cell.tap_cols * dc
                assert len(set(ys.tolist())) <= 1 and len(set(zs.tolist())) <= 1
                for ch in range(2):
                    sel = cell.channels == ch
                    assert cell.channel_sums[ch] == pytest.approx(
                        cell.products[sel].sum(), abs=1e-12
                    )
                assert abs(cell.value - want[r, c, o]) <= 1e-12 * scale[r, c, o] + 1e-300
    # equivalent direct view: correlating it gives the same layer
    d = transpose_direct(x, w, **geo)
    assert d.out_shape == (ho, wo)
    direct = conv2d_layer(d.padded, d.kernel, bias, dilation=d.dilation)
    np.testing.assert_allclose(direct, want, rtol=0, atol=1e-12 * scale.max())
    np.testing.assert_allclose(
        direct, conv_transpose2d(x, w, bias, **geo), rtol=0, atol=1e-12 * scale.max()
    )
    np.testing.assert_array_equal(d.kernel, w[::-1, ::-1].transpose(0, 1, 3, 2))
    # the kinds: each visible input pixel at its place, zeros between, zeros around
    kind = d.kind
    for i in range(4):
        for j in range(3):
            y, z = d.pixel_rows[i], d.pixel_cols[j]
            if 0 <= y < kind.shape[0] and 0 <= z < kind.shape[1]:
                assert kind[y, z] == PIXEL
                np.testing.assert_array_equal(d.padded[y, z], x[i, j])
    assert np.all(d.padded[kind != PIXEL] == 0)
    assert (kind == PIXEL).sum() == sum(
        0 <= y < kind.shape[0] and 0 <= z < kind.shape[1]
        for y in d.pixel_rows
        for z in d.pixel_cols
    )
    if pair(stride) != (1, 1):
        assert (kind == INSERTED).any()


def test_direct_view_pads_by_d_k_minus_1_minus_p() -> None:
    d = transpose_direct(np.ones((3, 3)), np.ones((3, 3, 1, 1)), stride=2, padding=1, dilation=2)
    # d(k - 1) - p = 2*2 - 1 = 3 before; after adds output_padding (0) the same way
    assert d.pads == (3, 3, 3, 3)
    assert d.kind[:3].tolist() == [[PADDING] * d.kind.shape[1]] * 3
    np.testing.assert_array_equal(d.pixel_rows, [3, 5, 7])


def test_transposed_scan_errors() -> None:
    x, w = np.ones((3, 3, 2)), np.ones((3, 3, 4, 2))
    with pytest.raises(ValueError, match="in_channel 2"):
        transpose_scatter(x, w, 2, 0, 0)
    with pytest.raises(ValueError, match=r"\(3, 0\)"):
        transpose_scatter(x, w, 0, 3, 0)
    with pytest.raises(ValueError, match="out_channel 4"):
        transpose_contributions(x, w, None, 4, 0, 0)
    with pytest.raises(ValueError, match=r"\(0, 5\)"):
        transpose_contributions(x, w, None, 0, 0, 5)
    with pytest.raises(ValueError, match="output_padding"):
        transpose_direct(x, w, stride=2, output_padding=2)


def test_covering_filters() -> None:
    assert covering_filters(8, 8, groups=8) == [[i] for i in range(8)]
    assert covering_filters(4, 6, groups=2) == [[0, 1]] * 3 + [[2, 3]] * 3
    with pytest.raises(ValueError, match="groups=3"):
        covering_filters(4, 6, groups=3)


def test_the_single_kernel_layer_scan_keeps_its_name() -> None:
    # The layer's steps live in their own module, so convgui.core.layer_scan stays the
    # exported single-kernel scan whatever was imported before.
    import convgui.core
    import convgui.core.layer_steps
    from convgui.core import LayerParams, scan_window
    from convgui.core import layer_scan as exported

    image = np.arange(30.0).reshape(5, 6)
    kernel = np.array([[1.0, -2.0], [0.5, 3.0]])
    params = LayerParams()
    got = exported(image, kernel, params, (1, 2))
    want = scan_window(image, kernel, (1, 2), **params.conv_kwargs())
    assert got.total == want.total
    np.testing.assert_array_equal(got.values, want.values)
    assert convgui.core.layer_scan is exported
