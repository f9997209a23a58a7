"""One layer as the window runs it: convolve, ``/ divisor + bias``, activate, pool.

``run_layer`` is checked stage by stage against the naive references and numpy formulas,
``post_value`` against the same formula, and ``LayerParams`` for validation.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import naive_correlate, naive_pool

from convgui.core import LayerParams, layer_shapes, post_value, run_layer

ACT = {
    "none": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "abs": np.abs,
}

CASES = [
    LayerParams(),
    LayerParams(padding="valid", activation="relu", pool="max"),
    LayerParams(boundary="reflect", stride=(2, 1), divisor=9.0, bias=-0.5, activation="tanh"),
    LayerParams(
        padding=(1, 0, 2, 1),
        boundary="constant",
        cval=3.0,
        dilation=2,
        flip=True,
        activation="leaky_relu",
        pool="avg",
        pool_size=(3, 2),
        pool_stride=(1, 2),
        pool_padding="same",
    ),
    LayerParams(
        padding="full",
        boundary="wrap",
        divisor=-4.0,
        bias=0.25,
        activation="sigmoid",
        pool="max",
        pool_padding="same",
    ),
    LayerParams(boundary="mirror", stride=2, activation="abs", pool="avg", pool_size=(2, 2)),
]


@pytest.mark.parametrize("channels", [None, 3], ids=["2d", "hwc"])
@pytest.mark.parametrize("p", CASES, ids=range(len(CASES)))
def test_run_layer_stage_by_stage(p, channels) -> None:
    rng = np.random.default_rng(0)
    shape = (9, 10) if channels is None else (9, 10, channels)
    image = rng.integers(0, 256, size=shape).astype(np.uint8)
    kernel = rng.standard_normal((3, 4))
    conv, scale = naive_correlate(
        image,
        kernel,
        padding=p.padding,
        boundary=p.boundary,
        cval=p.cval,
        stride=p.stride,
        dilation=p.dilation,
        flip=p.flip,
    )
    act = ACT[p.activation](conv / p.divisor + p.bias)
    r = run_layer(image, kernel, p)
    tol = 1e-5 * scale.max()
    np.testing.assert_allclose(r.conv, conv, rtol=0, atol=tol)
    np.testing.assert_allclose(r.activated, act, rtol=0, atol=tol / abs(p.divisor) + 1e-6)
    out_shape, pooled_shape = layer_shapes(image.shape, kernel.shape, p)
    assert r.conv.shape[:2] == out_shape
    if p.pool == "none":
        assert r.pooled is None and pooled_shape is None
    else:
        want = naive_pool(act, p.pool_size, stride=p.pool_stride, padding=p.pool_padding, op=p.pool)
        assert r.pooled is not None
        assert r.pooled.shape[:2] == pooled_shape
        np.testing.assert_allclose(r.pooled, want, rtol=0, atol=tol / abs(p.divisor) + 1e-6)


@pytest.mark.parametrize("activation", list(ACT))
@pytest.mark.parametrize(("divisor", "bias"), [(1.0, 0.0), (16.0, 0.0), (-2.0, 1.5), (0.5, -3.0)])
def test_post_value_formula(divisor, bias, activation) -> None:
    p = LayerParams(divisor=divisor, bias=bias, activation=activation)
    for v in (-7.0, -0.25, 0.0, 0.5, 3.0, 198.0):
        want = float(ACT[activation](np.float64(v / divisor + bias)))
        assert post_value(v, p) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_run_layer_leaves_inputs_alone() -> None:
    image = np.arange(30.0).reshape(5, 6)
    kernel = np.ones((2, 2))
    ic, kc = image.copy(), kernel.copy()
    image.setflags(write=False)
    kernel.setflags(write=False)
    run_layer(image, kernel, LayerParams(divisor=2.0, bias=1.0, activation="relu", pool="max"))
    np.testing.assert_array_equal(image, ic)
    np.testing.assert_array_equal(kernel, kc)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"boundary": "bogus"}, r"'bogus'"),
        ({"activation": "softmax"}, r"'softmax'"),
        ({"pool": "min"}, r"'min'"),
        ({"pool_padding": "full"}, r"'full'"),
        ({"divisor": 0.0}, "divisor"),
        ({"divisor": float("nan")}, "divisor"),
        ({"bias": float("inf")}, "bias"),
        ({"cval": float("nan")}, "cval"),
        ({"stride": 0}, "stride"),
        ({"dilation": (1, 0)}, "dilation"),
        ({"pool_size": 0}, "pool size"),
        ({"padding": "bogus"}, r"'bogus'"),
        ({"padding": -1}, "-1"),
    ],
)
def test_layer_params_validation(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        LayerParams(**kwargs)
    with pytest.raises(ValueError, match=match):
        LayerParams().evolve(**kwargs)


@pytest.mark.parametrize("p", CASES, ids=range(len(CASES)))
def test_layer_params_dict_round_trip(p) -> None:
    assert LayerParams.from_dict(p.to_dict()) == p
    assert LayerParams.from_dict({**p.to_dict(), "unknown": 1}) == p
