"""Scenes: the sum, the terms and the values against a naive loop written here."""

from __future__ import annotations

import numpy as np
import pytest
from lesson_grid import GRID, KERNEL

from convgui.core import LayerParams, run_layer
from convgui.core.layout import layer_geometry
from convgui.core.scene import conv_scene, pool_scene, sum_expression


def _naive_window(img, k, r, c, pads, stride, dil):
    h, w = img.shape
    vals = np.zeros(k.shape)
    for i in range(k.shape[0]):
        for j in range(k.shape[1]):
            y = r * stride - pads[0] + i * dil
            x = c * stride - pads[2] + j * dil
            vals[i, j] = img[y, x] if 0 <= y < h and 0 <= x < w else 0.0
    return vals


@pytest.mark.parametrize(
    "kw",
    [
        dict(padding="same"),
        dict(padding="valid", stride=(2, 2)),
        dict(padding=(1, 2, 0, 1), dilation=(2, 2)),
        dict(padding="same", divisor=4.0, bias=-3.0, activation="relu"),
    ],
)
def test_conv_scene_matches_naive_loop(kw):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (7, 9)).astype(np.float64)
    k = rng.integers(-3, 4, (3, 3)).astype(np.float64)
    p = LayerParams(**kw)
    g = layer_geometry(img.shape, k.shape, p)
    res = run_layer(img, k, p)
    # Pads written out independently of the engine for the named cases.
    pads = {"same": (1, 1, 1, 1), "valid": (0, 0, 0, 0)}.get(p.padding, p.padding)
    for r in range(g.out_shape[0]):
        for c in range(g.out_shape[1]):
            s = conv_scene(img, k, p, g, (r, c))
            vals = _naive_window(img, k, r, c, pads, p.stride[0], p.dilation[0])
            np.testing.assert_array_equal(s.scan.values, vals)
            assert s.total == pytest.approx(float((vals * k).sum()))
            expected = max(0.0, s.total / p.divisor + p.bias) if p.activation == "relu" else (
                s.total / p.divisor + p.bias
            )
            assert s.value == pytest.approx(expected)
            assert s.value == pytest.approx(float(res.activated[r, c]), rel=1e-5, abs=1e-3)
            terms = s.terms()
            assert len(terms) == 9
            assert sum(t.is_padding for t in terms) == s.padding_taps


def test_lesson_sum_text():
    img = GRID.astype(np.float64)  # the lesson's grid: its corner sums to 22
    k = KERNEL.astype(np.float64)
    p = LayerParams(padding="same")
    s = conv_scene(img, k, p, layer_geometry(img.shape, k.shape, p), (0, 0))
    assert s.sum_text().startswith("0×1 + 0×2 + 0×1 + 0×2 + 2×4 + 3×2")
    assert s.sum_text().endswith("= 22") and s.total == 22
    assert "more terms" in s.sum_text(limit=4)


def test_negative_factors_in_parentheses():
    assert sum_expression(["5×(−2)"], -10.0) == "5×(−2) = −10"


def test_pool_scene_expression_and_winner():
    act = np.array([[1.0, 5.0], [3.0, 2.0]])
    s = pool_scene(act, LayerParams(pool="max"), (0, 0))
    assert s.expression() == "max(1, 5, 3, 2) = 5"
    assert s.scan.winner == (0, 1)
    s = pool_scene(act, LayerParams(pool="avg"), (0, 0))
    assert s.expression() == "(1 + 5 + 3 + 2) / 4 = 2.75"
