"""Attacking the layer mode and its engine: hostile arguments, random settings, typed values.

* ``conv2d_layer`` / ``conv_transpose2d`` refuse hostile arguments (negative, zero, bool,
  float, str, nested lists, 0-size, NaN, wrong rank) with a ``ValueError`` quoting the value.
* Random combinations of layer settings (fixed seed) either compute maps equal to a direct
  loop written here, or are refused with the bank, settings and history unchanged.
* Typed weights and biases: numbers are stored exactly; anything else is refused and changes
  nothing, through the state and through the filter-bank panel's editors.

The reproductions of the bugs attacks found are in ``test_attack_regressions.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from convgui.core import CellParseError
from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.imageio import ImageDoc
from convgui.layer_state import LayerState
from convgui.state import ExplorerState, SyncExecutor

SEED = 20261205
RNG = np.random.default_rng(SEED)
COLOUR = RNG.integers(0, 256, (10, 13, 3)).astype(np.uint8)


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    e.set_color_mode("rgb")
    e.set_image(ImageDoc(COLOUR, name="colour"))
    yield e
    e.close()


@pytest.fixture
def layer(explorer: ExplorerState) -> Iterator[LayerState]:
    s = LayerState(explorer, SyncExecutor())
    yield s
    s.close()


# --- the engine's entry points ----------------------------------------------------------------

X = np.arange(48.0).reshape(4, 4, 3)
W = np.ones((3, 3, 3, 2))
WT = np.ones((3, 3, 2, 3))  # Conv2DTranspose layout: (kh, kw, C_out, C_in)

HOSTILE_CONV: dict[str, tuple[Callable[[], Any], str]] = {
    # name: (call, a fragment of the message that quotes the bad value)
    "padding -1": (lambda: conv2d_layer(X, W, padding=-1), "-1"),
    "padding 1.5": (lambda: conv2d_layer(X, W, padding=1.5), "1.5"),
    "padding True": (lambda: conv2d_layer(X, W, padding=True), "True"),
    "padding 'huge'": (lambda: conv2d_layer(X, W, padding="huge"), "huge"),
    "padding None": (lambda: conv2d_layer(X, W, padding=None), "None"),
    "padding 3 sides": (lambda: conv2d_layer(X, W, padding=(1, 2, 3)), "(1, 2, 3)"),
    "padding nested": (lambda: conv2d_layer(X, W, padding=((1,), (2,), 3, 4)), "(1,)"),
    "stride 0": (lambda: conv2d_layer(X, W, stride=0), "0"),
    "stride -2": (lambda: conv2d_layer(X, W, stride=-2), "-2"),
    "stride True": (lambda: conv2d_layer(X, W, stride=True), "True"),
    "stride 2.0": (lambda: conv2d_layer(X, W, stride=2.0), "2.0"),
    "stride '2'": (lambda: conv2d_layer(X, W, stride="2"), "'2'"),
    "stride triple": (lambda: conv2d_layer(X, W, stride=(1, 1, 1)), "(1, 1, 1)"),
    "dilation 0": (lambda: conv2d_layer(X, W, dilation=(1, 0)), "0"),
    "dilation nan": (lambda: conv2d_layer(X, W, dilation=math.nan), "nan"),
    "groups 0": (lambda: conv2d_layer(X, W, groups=0), "0"),
    "groups 2": (lambda: conv2d_layer(X, W, groups=2), "2"),
    "groups True": (lambda: conv2d_layer(X, W, groups=True), "True"),
    "groups 1.0": (lambda: conv2d_layer(X, W, groups=1.0), "1.0"),
    "groups '1'": (lambda: conv2d_layer(X, W, groups="1"), "'1'"),
    "boundary None": (lambda: conv2d_layer(X, W, boundary=None), "None"),
    "boundary 'ZERO'": (lambda: conv2d_layer(X, W, boundary="ZERO"), "ZERO"),
    "method list": (lambda: conv2d_layer(X, W, method=["gemm"]), "gemm"),
    "cval nan": (lambda: conv2d_layer(X, W, boundary="constant", cval=math.nan), "nan"),
    "cval inf": (lambda: conv2d_layer(X, W, boundary="constant", cval=-math.inf), "inf"),
    "cval '0'": (lambda: conv2d_layer(X, W, boundary="constant", cval="0"), "'0'"),
    "weights 3-D": (lambda: conv2d_layer(X, np.ones((3, 3, 3))), "(3, 3, 3)"),
    "weights 5-D": (lambda: conv2d_layer(X, np.ones((3, 3, 3, 1, 1))), "(3, 3, 3, 1, 1)"),
    "weights empty": (lambda: conv2d_layer(X, np.ones((0, 3, 3, 1))), "(0, 3, 3, 1)"),
    "weights no filters": (lambda: conv2d_layer(X, np.ones((3, 3, 3, 0))), "(3, 3, 3, 0)"),
    "weights str": (lambda: conv2d_layer(X, "weights"), "<U7"),
    "weights object": (lambda: conv2d_layer(X, np.array([None])), "object"),
    "weights complex": (lambda: conv2d_layer(X, W * 1j), "complex"),
    "weights nan": (lambda: conv2d_layer(X, np.where(W > 0, np.nan, 0)), "nan"),
    "weights inf": (lambda: conv2d_layer(X, np.where(W > 0, np.inf, 0)), "inf"),
    "weights ragged": (lambda: conv2d_layer(X, [[[[1]], [[1, 2]]]]), "shape"),
    "weights channels": (lambda: conv2d_layer(X, np.ones((3, 3, 2, 2))), "(3, 3, 2, 2)"),
    "bias shape": (lambda: conv2d_layer(X, W, bias=[1.0]), "(1,)"),
    "bias 2-D": (lambda: conv2d_layer(X, W, bias=[[1.0, 2.0]]), "(1, 2)"),
    "bias nan": (lambda: conv2d_layer(X, W, bias=[0.0, math.nan]), "nan"),
    "bias str": (lambda: conv2d_layer(X, W, bias="12"), "<U2"),
    "x empty": (lambda: conv2d_layer(np.ones((0, 4, 3)), W), "(0, 4, 3)"),
    "x 1-D": (lambda: conv2d_layer(np.ones(4), W), "(4,)"),
    "x 4-D": (lambda: conv2d_layer(np.ones((1, 4, 4, 3)), W), "(1, 4, 4, 3)"),
    "x bool scalar": (lambda: conv2d_layer(True, W), "()"),
    "x object": (lambda: conv2d_layer(np.array([[None]]), W), "object"),
    "x str": (lambda: conv2d_layer([["a"]], W), "<U1"),
    "x complex": (lambda: conv2d_layer(X * 1j, W), "complex"),
    "kernel larger than input": (lambda: conv2d_layer(X, np.ones((5, 5, 3, 1))), "5"),
    "dilated kernel larger": (lambda: conv2d_layer(X, W, dilation=3), "3"),
    "T stride 0": (lambda: conv_transpose2d(X, WT, stride=0), "0"),
    "T stride 1.5": (lambda: conv_transpose2d(X, WT, stride=1.5), "1.5"),
    "T stride True": (lambda: conv_transpose2d(X, WT, stride=True), "True"),
    "T padding -1": (lambda: conv_transpose2d(X, WT, padding=-1), "-1"),
    "T padding full": (lambda: conv_transpose2d(X, WT, padding="full"), "full"),
    "T padding crops all": (lambda: conv_transpose2d(X, WT, padding=50), "50"),
    "T output_padding -1": (lambda: conv_transpose2d(X, WT, stride=2, output_padding=-1), "-1"),
    "T output_padding 2": (lambda: conv_transpose2d(X, WT, stride=2, output_padding=2), "2"),
    "T output_padding True": (lambda: conv_transpose2d(X, WT, output_padding=True), "True"),
    "T dilation 0": (lambda: conv_transpose2d(X, WT, dilation=0), "0"),
    "T weights 3-D": (lambda: conv_transpose2d(X, np.ones((3, 3, 3))), "(3, 3, 3)"),
    "T weights channels": (lambda: conv_transpose2d(X, np.ones((3, 3, 2, 2))), "2"),
    "T weights nan": (lambda: conv_transpose2d(X, np.where(WT > 0, np.nan, 0)), "nan"),
    "T bias": (lambda: conv_transpose2d(X, WT, bias=[1.0, 2.0, 3.0]), "(3,)"),
    "T x empty": (lambda: conv_transpose2d(np.ones((4, 0, 3)), WT), "(4, 0, 3)"),
    "T x object": (lambda: conv_transpose2d(np.array([[None]]), WT), "object"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONV))
def test_engine_refuses_hostile_arguments_quoting_them(name: str) -> None:
    call, fragment = HOSTILE_CONV[name]
    x_before = X.copy()
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value), str(info.value)
    np.testing.assert_array_equal(X, x_before)  # inputs are never modified


def test_engine_takes_nested_lists_and_any_real_dtype() -> None:
    """The same layer from nested lists, ints, bools and float16 as from float64 arrays."""
    x = RNG.integers(0, 5, (5, 6, 2))
    w = RNG.integers(-2, 3, (3, 3, 2, 2))
    want = conv2d_layer(x.astype(np.float64), w.astype(np.float64), bias=[1.0, -1.0])
    for xs, ws in (
        (x.tolist(), w.tolist()),
        (x.astype(np.uint8), w.astype(np.int8)),
        (x.astype(np.float16), w.astype(np.float16)),
        (x > 2, w),
    ):
        got = conv2d_layer(xs, ws, bias=(1, -1))
        ref = want if not isinstance(xs, np.ndarray) or xs.dtype != bool else None
        if ref is None:
            ref = conv2d_layer((x > 2).astype(np.float64), w.astype(np.float64), bias=[1, -1])
        np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_one_pixel_and_one_tap_layers() -> None:
    """Edge sizes that must work: a 1×1 image, a 1×1 kernel, the largest stride."""
    x = np.array([[[2.0, 3.0]]])
    w = np.array([[[[1.0], [10.0]]]])
    assert conv2d_layer(x, w).tolist() == [[[32.0]]]
    assert conv2d_layer(x, w, stride=1000, padding="same").tolist() == [[[32.0]]]
    assert conv_transpose2d(x, np.ones((1, 1, 1, 2)), stride=7, padding=0).tolist() == [[[5.0]]]
    keras = conv_transpose2d(x, np.ones((1, 1, 1, 2)), stride=7)  # 'valid': n·s cells
    assert keras.shape == (7, 7, 1) and keras.sum() == keras[0, 0, 0] == 5.0


# --- random settings against a direct loop --------------------------------------------------

NP_MODES = {"replicate": "edge", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap"}


def same_pads(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras 'same': output ceil(n / s), the odd cell at the end."""
    total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def act(v: np.ndarray, name: str) -> np.ndarray:
    return {
        "none": lambda a: a,
        "relu": lambda a: np.maximum(a, 0),
        "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
        "sigmoid": lambda a: 0.5 * (1 + np.tanh(a / 2)),
        "tanh": np.tanh,
        "abs": np.abs,
    }[name](v)


def direct_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, s: Any) -> np.ndarray:
    """The conv layer as four loops over outputs and taps (no engine code)."""
    h, wd, _ = x.shape
    kh, kw, cg, n = w.shape
    (sr, sc), (dr, dc) = s.stride, s.dilation
    if s.padding == "valid":
        pads = ((0, 0), (0, 0))
    elif s.padding == "same":
        pads = (same_pads(h, kh, sr, dr), same_pads(wd, kw, sc, dc))
    else:
        pads = ((s.padding[0],) * 2, (s.padding[1],) * 2)
    spec = (*pads, (0, 0))
    if s.boundary in ("zero", "constant"):
        xp = np.pad(x, spec, constant_values=s.cval if s.boundary == "constant" else 0.0)
    else:
        xp = np.pad(x, spec, mode=NP_MODES[s.boundary])
    ho = (xp.shape[0] - dr * (kh - 1) - 1) // sr + 1
    wo = (xp.shape[1] - dc * (kw - 1) - 1) // sc + 1
    per = n // s.groups
    out = np.zeros((ho, wo, n))
    for o in range(n):
        first = (o // per) * cg
        for i in range(kh):
            for j in range(kw):
                patch = xp[i * dr : i * dr + (ho - 1) * sr + 1 : sr, j * dc :: sc][:, :wo]
                out[..., o] += patch[..., first : first + cg] @ w[i, j, :, o]
        out[..., o] += b[o]
    return act(out, s.activation)


def direct_transposed(x: np.ndarray, wt: np.ndarray, b: np.ndarray, s: Any) -> np.ndarray:
    """The transposed layer as stamps (int padding: PyTorch's crop of the full scatter)."""
    h, wd, _ = x.shape
    kh, kw, n, _ = wt.shape
    (sr, sc), (dr, dc) = s.stride, s.dilation
    op = s.output_padding or (0, 0)
    full = np.zeros(
        ((h - 1) * sr + dr * (kh - 1) + 1 + op[0], (wd - 1) * sc + dc * (kw - 1) + 1 + op[1], n)
    )
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for c in range(kw):
                    full[i * sr + a * dr, j * sc + c * dc] += wt[a, c] @ x[i, j]
    pr, pc = s.padding
    out = full[pr : full.shape[0] - pr, pc : full.shape[1] - pc] + b
    return act(out, s.activation)


def random_change(rng: np.random.Generator, layer: LayerState) -> dict[str, Any]:
    """Layer settings within the panel's ranges, some of them impossible for this image."""
    transposed = rng.random() < 0.3
    stride = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    change: dict[str, Any] = {
        "layer_type": "transposed" if transposed else "conv",
        "stride": stride,
        "dilation": dilation,
        "activation": str(rng.choice(["none", "relu", "leaky_relu", "sigmoid", "tanh", "abs"])),
    }
    if transposed:
        change["padding"] = (int(rng.integers(0, 4)), int(rng.integers(0, 4)))
        change["groups"] = 1
        if rng.random() < 0.5:
            change["output_padding"] = (
                int(rng.integers(0, max(stride[0], dilation[0]))),
                int(rng.integers(0, max(stride[1], dilation[1]))),
            )
        else:
            change["output_padding"] = None
    else:
        pick = rng.integers(0, 3)
        change["padding"] = (
            ["valid", "same"][pick]
            if pick < 2
            else (int(rng.integers(0, 6)), int(rng.integers(0, 6)))
        )
        change["boundary"] = str(
            rng.choice(["zero", "constant", "replicate", "reflect", "mirror", "wrap"])
        )
        change["cval"] = float(rng.choice([0.0, -3.5, 255.0]))
        change["groups"] = int(rng.choice([1, 3]))
        change["output_padding"] = None
    return change


@pytest.mark.timeout(120)
def test_random_layer_settings_compute_exactly_or_change_nothing(layer: LayerState) -> None:
    rng = np.random.default_rng(SEED)
    computed = refused = no_output = 0
    for _ in range(60):
        n = int(rng.choice([3, 6]))
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        layer.set_settings(layer_type="conv", groups=1, output_padding=None)
        layer.set_filter_count(n)
        layer.set_filter_size(kh, kw)
        change = random_change(rng, layer)
        before = (np.array(layer.weights), np.array(layer.bias), layer.settings, layer.undo_label)
        try:
            layer.set_settings(**change)
        except ValueError as exc:
            assert str(exc), change
            np.testing.assert_array_equal(layer.weights, before[0])
            assert (layer.settings, layer.undo_label) == before[2:]
            refused += 1
            continue
        s = layer.settings
        cg = layer.weights.shape[2]
        w = np.round(rng.normal(0, 1, layer.weights.shape), 2)
        b = np.round(rng.normal(0, 1, n), 2)
        layer.set_bank(w, b)
        if layer.result is None:
            assert layer.layer_error, change  # no output: said why
            no_output += 1
            continue
        x = np.asarray(layer.result.image, dtype=np.float64)
        if s.layer_type == "transposed":
            want = direct_transposed(x, np.asarray(layer.keras_kernel), b, s)
        else:
            assert cg * s.groups == 3
            want = direct_conv(x, w, b, s)
        got = layer.result.stacked()
        assert got.shape == want.shape, (change, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-3, err_msg=str(change))
        computed += 1
    assert computed > 25 and no_output + refused > 0, (computed, refused, no_output)


def test_bad_settings_change_nothing(layer: LayerState) -> None:
    layer.apply_preset("random", seed=2)
    bad: list[dict[str, Any]] = [
        {"layer_type": "deconv"},
        {"padding": "full"},
        {"padding": -1},
        {"padding": (1, 2, 3)},
        {"stride": 0},
        {"stride": 1.5},
        {"stride": True},
        {"dilation": "2"},
        {"groups": 0},
        {"groups": 2},  # does not divide 3 channels
        {"groups": 1.0},
        {"boundary": "zeros"},
        {"cval": math.nan},
        {"cval": "1"},
        {"cval": True},
        {"activation": "gelu"},
        {"output_padding": 1},  # conv layer
        {"layer_type": "transposed", "output_padding": 3, "stride": 2},
        {"layer_type": "transposed", "groups": 3},
    ]
    for change in bad:
        before = (np.array(layer.weights), np.array(layer.bias), layer.settings, layer.undo_label)
        with pytest.raises(ValueError):
            layer.set_settings(**change)
        np.testing.assert_array_equal(layer.weights, before[0])
        assert (layer.settings, layer.undo_label) == before[2:], change


def test_filter_count_and_size_limits(layer: LayerState) -> None:
    for n in (0, 65, -1, True, 2.0, "3", 10**30, None):
        before = np.array(layer.weights)
        with pytest.raises(ValueError, match="1 to 64"):
            layer.set_filter_count(n)  # type: ignore[arg-type]
        np.testing.assert_array_equal(layer.weights, before)
    for rows, cols in ((0, 3), (16, 3), (3, -1), (3, 10**9)):
        with pytest.raises(ValueError, match="1 to 15"):
            layer.set_filter_size(rows, cols)
    assert layer.set_filter_count(64) and layer.n_filters == 64
    assert layer.set_filter_size(15, 15) and layer.filter_size == (15, 15)
    with pytest.raises(ValueError, match="64"):
        layer.add_filter()
    assert layer.set_filter_count(1)
    with pytest.raises(ValueError, match="at least one"):
        layer.remove_filter()
    for index in (1, -1, 99):
        with pytest.raises(IndexError):
            layer.remove_filter(index)


# --- typed weights and biases -----------------------------------------------------------------

GARBAGE = [
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "1/0", "0/0", "--1",
    "1..2", "1,5", "1e", "e5", "0x10", "1_000", "½", "1 2", "abc", "\x00", "\ufeff1x", "1/",
    "/2", "(1)", "2**3", "import os", "9" * 400, "1" + "0" * 5000, "🙂", "1e-99999x",
]  # fmt: skip


def reference_number(rng: np.random.Generator) -> tuple[str, float]:
    """A typed number and the float it means (written independently of the parser)."""
    kind = int(rng.integers(0, 5))
    v = float(np.round(rng.normal(0, 10), int(rng.integers(0, 6))))
    if kind == 0:
        return repr(v), v
    if kind == 1:
        num, den = int(rng.integers(-20, 20)), int(rng.integers(1, 20))
        return f"{num}/{den}", num / den
    if kind == 2:
        return f"  {v!r}\t", v
    if kind == 3:
        e = int(rng.integers(-8, 8))
        return f"{v}e{e}", float(f"{v}e{e}")
    return f"\u2212{abs(v)!r}", -abs(v)  # the typographic minus


def test_typed_weights_are_exact_or_refused(layer: LayerState) -> None:
    rng = np.random.default_rng(SEED)
    layer.apply_preset("random", seed=1)
    kh, kw, cg, n = layer.weights.shape
    for _ in range(150):
        o, c, r, q = (int(rng.integers(0, m)) for m in (n, cg, kh, kw))
        text, value = reference_number(rng)
        layer.set_weight(o, c, r, q, text)
        assert layer.weights[r, q, c, o] == pytest.approx(value, rel=1e-12, abs=0), text
    for text in GARBAGE:
        before = (np.array(layer.weights), layer.undo_label)
        with pytest.raises(CellParseError):
            layer.set_weight(0, 0, 0, 0, text)
        np.testing.assert_array_equal(layer.weights, before[0])
        assert layer.undo_label == before[1]
        with pytest.raises(CellParseError):
            layer.set_bias(0, text)
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            layer.set_weight(0, 0, 0, 0, value)
        with pytest.raises(ValueError):
            layer.set_bias(0, value)
    for index in ((n, 0, 0, 0), (0, cg, 0, 0), (0, 0, kh, 0), (0, 0, 0, kw), (-1, 0, 0, 0)):
        with pytest.raises(IndexError):
            layer.set_weight(*index, "1")
    for index in (n, -1):
        with pytest.raises(IndexError):
            layer.set_bias(index, "1")


def test_panel_bias_editor_refuses_garbage_and_keeps_the_bias(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import Qt

    from convgui.gui import layer_mode

    lm = layer_mode.show_layer_mode(window)
    panel = lm.page.bank
    lm.layer.apply_preset("random", seed=3)
    lm.layer.select(1)
    for text in ["nan", "1e999", "abc", "1/0", "9" * 400, "\u2212"]:
        before = np.array(lm.layer.bias)
        with qtbot.captureExceptions() as errors:
            panel.bias_edit.setFocus()
            panel.bias_edit.selectAll()
            panel.bias_edit.setText(text)
            qtbot.keyClick(panel.bias_edit, Qt.Key.Key_Return)
        assert not errors, [str(e[1]) for e in errors]
        np.testing.assert_array_equal(lm.layer.bias, before)
        assert window.message_bar.level == "warning" and "Bias of filter 1" in (
            window.message_bar.text
        ), window.message_bar.text
    panel.bias_edit.setText("−3/4")
    qtbot.keyClick(panel.bias_edit, Qt.Key.Key_Return)
    assert lm.layer.bias[1] == -0.75


def test_panel_controls_at_and_beyond_their_limits(qtbot: Any, window: Any) -> None:
    """Spin boxes pushed past their ranges clamp; every combination leaves a consistent
    state (a result or a reason) and raises nothing."""
    from convgui.gui import layer_mode

    lm = layer_mode.show_layer_mode(window)
    panel = lm.page.bank
    rng = np.random.default_rng(SEED)
    spins = [
        panel.count_spin, panel.rows_spin, panel.cols_spin, panel.stride_spin,
        panel.dilation_spin, panel.padding_spin, panel.output_padding_spin,
    ]  # fmt: skip
    with qtbot.captureExceptions() as errors:
        for _ in range(40):
            spin = spins[int(rng.integers(0, len(spins)))]
            value = int(rng.choice([spin.minimum() - 5, spin.minimum(), spin.maximum(), 10**6]))
            spin.setValue(min(value, 2**31 - 1))
            assert spin.minimum() <= spin.value() <= spin.maximum()
            for combo in (panel.type_combo, panel.padding_combo, panel.activation_combo):
                if rng.random() < 0.3:
                    combo.setCurrentIndex(int(rng.integers(0, combo.count())))
                    combo.activated.emit(combo.currentIndex())
            lm.layer.wait_idle()
            layer = lm.layer
            assert (layer.result is not None) or layer.layer_error or layer.busy
            assert 1 <= layer.n_filters <= 64 and max(layer.filter_size) <= 15
    assert not errors, [str(e[1]) for e in errors]


# --- random sequences of edits: nothing is lost ---------------------------------------------


def random_action(rng: np.random.Generator, layer: LayerState) -> Callable[[], Any]:
    """One user action, valid or not (a bad one must change nothing)."""
    n, (kh, kw) = layer.n_filters, layer.filter_size
    pick = int(rng.integers(0, 10))
    if pick == 0:
        return lambda: layer.set_filter_count(int(rng.integers(0, 70)))
    if pick == 1:
        return lambda: layer.set_filter_size(int(rng.integers(0, 17)), int(rng.integers(0, 17)))
    if pick == 2:
        return lambda: layer.set_settings(**random_change(rng, layer))
    if pick == 3:
        return layer.add_filter
    if pick == 4:
        return lambda: layer.remove_filter(int(rng.integers(-1, n + 1)))
    if pick == 5:
        text = str(rng.choice(["1", "-2.5", "1/3", "nan", "", "1e999", "0.125", "x"]))
        cell = (int(rng.integers(0, n)), 0, int(rng.integers(0, kh)), int(rng.integers(0, kw)))
        return lambda: layer.set_weight(*cell, text)
    if pick == 6:
        return lambda: layer.set_bias(int(rng.integers(0, n)), str(rng.choice(["2", "x", "-1/8"])))
    if pick == 7:
        return lambda: layer.apply_preset(str(rng.choice(["edges", "random", "depthwise", "?"])))
    if pick == 8:
        return layer.undo
    return layer.redo


@pytest.mark.timeout(120)
def test_random_edit_sequences_keep_a_valid_bank_and_undo_to_the_start(
    layer: LayerState,
) -> None:
    rng = np.random.default_rng(SEED + 1)
    start = (np.array(layer.weights), np.array(layer.bias), layer.settings)
    applied = refused = 0
    for _ in range(200):
        before = (np.array(layer.weights), np.array(layer.bias), layer.settings)
        try:
            random_action(rng, layer)()
            applied += 1
        except (ValueError, IndexError):
            np.testing.assert_array_equal(layer.weights, before[0])
            np.testing.assert_array_equal(layer.bias, before[1])
            assert layer.settings == before[2]
            refused += 1
        w = np.asarray(layer.weights)
        assert w.shape[2] * layer.settings.groups == 3 and w.shape[3] == layer.bias.shape[0]
        assert 1 <= w.shape[3] <= 64 and max(w.shape[:2]) <= 15 and np.all(np.isfinite(w))
        assert (layer.result is None) != (layer.layer_error is None)
        if layer.result is not None:
            assert layer.result.stacked().shape[2] == w.shape[3]
    assert applied > 80 and refused > 30, (applied, refused)
    end = (np.array(layer.weights), np.array(layer.bias), layer.settings)
    steps = 0
    while layer.undo():
        steps += 1
    np.testing.assert_array_equal(layer.weights, start[0])
    np.testing.assert_array_equal(layer.bias, start[1])
    assert layer.settings == start[2]
    for _ in range(steps):
        assert layer.redo()
    np.testing.assert_array_equal(layer.weights, end[0])
    np.testing.assert_array_equal(layer.bias, end[1])
    assert layer.settings == end[2]
