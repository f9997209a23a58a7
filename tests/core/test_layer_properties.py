"""Hypothesis properties of the layer over random shapes and parameters (tiny arrays, fast).

Each property is checked against a reference written in the tests (the naive loops of
``test_layer``) or an identity the layer must satisfy (adjoint, group split), never against
the engine's own shape arithmetic.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_layer import naive_layer, naive_transpose

from convgui.core.layer import conv2d_layer, conv_layer_shape, conv_transpose2d
from convgui.core.layer_steps import conv_layer_step, transpose_direct

FAST = settings(max_examples=40, deadline=None)
BOUNDARIES = ("zero", "constant", "replicate", "reflect", "mirror", "wrap")


@st.composite
def layers(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(
        st.one_of(
            st.sampled_from(["valid", "same", "full"]),
            st.tuples(*[st.integers(0, 2)] * 4),
        )
    )
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    h, w = draw(st.integers(eh, eh + 4)), draw(st.integers(ew, ew + 4))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w, c_in))
    weights = rng.standard_normal((kh, kw, c_in // groups, c_out))
    bias = rng.standard_normal(c_out)
    boundary = draw(st.sampled_from(BOUNDARIES))
    kwargs = dict(padding=padding, stride=stride, dilation=dilation, groups=groups)
    return x, weights, bias, boundary, kwargs


@FAST
@given(layers(), st.sampled_from(["gemm", "taps", "channels"]))
def test_layer_matches_the_naive_loop(layer, method) -> None:
    x, w, bias, boundary, kw = layer
    want, scale = naive_layer(x, w, bias, boundary=boundary, cval=0.5, **kw)
    got = conv2d_layer(x, w, bias, boundary=boundary, cval=0.5, method=method, **kw)
    assert got.shape == want.shape
    assert got.dtype == np.float64
    assert np.all(np.abs(got - want) <= 1e-12 * scale + 1e-300)
    shape = conv_layer_shape(
        x.shape, w.shape, padding=kw["padding"], stride=kw["stride"], dilation=kw["dilation"]
    )
    assert shape == want.shape[:2]


@FAST
@given(layers(), st.data())
def test_a_random_step_is_the_layers_value(layer, data) -> None:
    x, w, bias, boundary, kw = layer
    want, scale = naive_layer(x, w, bias, boundary=boundary, **kw)
    o = data.draw(st.integers(0, w.shape[3] - 1))
    r = data.draw(st.integers(0, want.shape[0] - 1))
    c = data.draw(st.integers(0, want.shape[1] - 1))
    s = conv_layer_step(x, w, bias, o, r, c, boundary=boundary, **kw)
    assert abs(s.value - want[r, c, o]) <= 1e-12 * scale[r, c, o] + 1e-300


@FAST
@given(layers())
def test_groups_split_into_independent_layers(layer) -> None:
    x, w, bias, boundary, kw = layer
    g = kw.pop("groups")
    cg, og = x.shape[2] // g, w.shape[3] // g
    whole = conv2d_layer(x, w, bias, boundary=boundary, groups=g, **kw)
    for k in range(g):
        part = conv2d_layer(
            x[:, :, k * cg : (k + 1) * cg],
            w[:, :, :, k * og : (k + 1) * og],
            bias[k * og : (k + 1) * og],
            boundary=boundary,
            **kw,
        )
        np.testing.assert_allclose(whole[:, :, k * og : (k + 1) * og], part, rtol=1e-13, atol=1e-13)


@st.composite
def transposed(draw):
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    op = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((h, w, c_in))
    weights = rng.standard_normal((kh, kw, c_out, c_in))
    return x, weights, dict(stride=stride, padding=pad, output_padding=op, dilation=dilation)


def torch_size(n, k, s, p, d, op):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


@FAST
@given(transposed())
def test_transposed_matches_scatter_and_direct_view(case) -> None:
    x, w, kw = case
    shape = tuple(
        torch_size(x.shape[a], w.shape[a], kw["stride"][a], kw["padding"][a],
                   kw["dilation"][a], kw["output_padding"][a])
        for a in (0, 1)
    )  # fmt: skip
    if min(shape) < 1:
        try:
            conv_transpose2d(x, w, **kw)
        except ValueError as e:
            assert "crops away" in str(e)
            return
        raise AssertionError(f"an output of shape {shape} was accepted")
    want, scale = naive_transpose(
        x, w, stride=kw["stride"], pad=kw["padding"], out_shape=shape, dilation=kw["dilation"]
    )
    got = conv_transpose2d(x, w, **kw)
    assert got.shape == want.shape
    assert np.all(np.abs(got - want) <= 1e-12 * scale + 1e-300)
    d = transpose_direct(x, w, **kw)
    direct = conv2d_layer(d.padded, d.kernel, dilation=d.dilation)
    assert np.all(np.abs(direct - want) <= 1e-12 * scale.max() + 1e-300)


@FAST
@given(transposed())
def test_adjoint_identity(case) -> None:
    x, w, kw = case
    # x is the transposed layer's input (C_in = w.shape[3]); y lives on its output.
    try:
        tr = conv_transpose2d(x, w, **kw)
    except ValueError:
        return  # cropped to nothing: covered by the test above
    rng = np.random.default_rng(0)
    y = rng.standard_normal(tr.shape)
    pr, pc = kw["padding"]
    conv = conv2d_layer(
        y, w, padding=(pr, pr, pc, pc), stride=kw["stride"], dilation=kw["dilation"]
    )
    if all(o < s for o, s in zip(kw["output_padding"], kw["stride"])):
        assert conv.shape == x.shape
    else:
        # output_padding >= stride (allowed below the dilation) adds output rows no window of
        # the strided convolution maps back to a new input row: its adjoint crops them.
        assert conv.shape[0] >= x.shape[0] and conv.shape[1] >= x.shape[1]
        conv = conv[: x.shape[0], : x.shape[1]]
    lhs, rhs = float(np.sum(conv * x)), float(np.sum(y * tr))
    assert abs(lhs - rhs) <= 1e-12 * (float(np.sum(np.abs(conv) * np.abs(x))) + 1)
