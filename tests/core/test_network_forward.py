"""The network's forward pass against a naive one written here (and against PyTorch).

Nothing here uses the engine's geometry (``resolve_padding``, ``pool_padding``,
``transpose_geometry``): the padding of "same" is written out from TensorFlow's rule (output
``ceil(n / s)``, the odd cell after), the transposed layer is a full scatter cropped by Keras's
or PyTorch's rule, pooling skips padded cells by looping over the real cells of each window,
and every layer is an explicit loop over output positions. Random small stacks (seeded) cover
conv2d with valid/same/full/explicit padding, stride, dilation and groups, conv2d_transpose,
max/avg pooling valid/same, every activation, flatten, dense and softmax.

The helpers ``conv_pads``, ``pool_pads``, ``transpose_crop`` and ``naive_layer`` are also the
references of ``test_receptive_field.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from convgui.core.network import LayerSpec, forward, output_shapes, pool_layer
from convgui.net import Network

SEED = 20261202

#: The digits network's structure (api.md), built here with random weights.
DIGITS = [
    LayerSpec("conv2d", "conv1", filters=16, kernel_size=(3, 3)),
    LayerSpec("activation", "relu1", activation="relu"),
    pool_layer("max_pool", 2, name="pool1"),
    LayerSpec("conv2d", "conv2", filters=32, kernel_size=(3, 3)),
    LayerSpec("activation", "relu2", activation="relu"),
    pool_layer("max_pool", 2, name="pool2"),
    LayerSpec("flatten", "flatten"),
    LayerSpec("dense", "dense", units=10),
    LayerSpec("softmax", "softmax"),
]


# --------------------------------------------------------------------------------------------
# The naive reference
# --------------------------------------------------------------------------------------------


def same_axis(n: int, span: int, s: int) -> tuple[int, int]:
    """TensorFlow "SAME" on one axis: output ceil(n/s), the odd padding cell after."""
    out = -(-n // s)
    total = max((out - 1) * s + span - n, 0)
    return total // 2, total - total // 2


def conv_pads(spec: LayerSpec, h: int, w: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of a conv2d layer reading an (h, w) map."""
    (kh, kw), (sr, sc), (dr, dc) = spec.kernel_size, spec.strides, spec.dilation_rate
    eh, ew = dr * (kh - 1) + 1, dc * (kw - 1) + 1
    if spec.padding == "valid":
        return (0, 0, 0, 0)
    if spec.padding == "same":
        return same_axis(h, eh, sr) + same_axis(w, ew, sc)
    if spec.padding == "full":
        return (eh - 1, eh - 1, ew - 1, ew - 1)
    t, b, left, r = spec.padding  # explicit (top, bottom, left, right)
    return (int(t), int(b), int(left), int(r))


def pool_pads(spec: LayerSpec, h: int, w: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of a pooling layer (Keras: "same" pads as a conv would)."""
    if spec.padding == "valid":
        return (0, 0, 0, 0)
    (kh, kw), (sr, sc) = spec.kernel_size, spec.strides
    return same_axis(h, kh, sr) + same_axis(w, kw, sc)


def transpose_crop(spec: LayerSpec, n: int, axis: int) -> tuple[int, int]:
    """(cells cropped before, output length) of a transposed layer on one axis.

    PyTorch for an int padding ``p``: crop ``p``, length ``(n-1)s - 2p + d(k-1) + op + 1``.
    Keras otherwise (``deconv_output_length``): without ``output_padding`` the length is
    ``n*s + max(span - s, 0)`` ("valid") or ``n*s`` ("same"); with it
    ``(n-1)s + span - 2*pad + op`` where pad is ``span // 2`` for "same". TensorFlow then crops
    what a "SAME" convolution of that length would pad before: half of
    ``max((n-1)s + span - length, 0)``.
    """
    k, s, d = spec.kernel_size[axis], spec.strides[axis], spec.dilation_rate[axis]
    op = None if spec.output_padding is None else spec.output_padding[axis]
    span = d * (k - 1) + 1
    if not isinstance(spec.padding, str):
        p = int(spec.padding[axis])
        return p, (n - 1) * s - 2 * p + span + (op or 0)
    if op is None:
        length = n * s + max(span - s, 0) if spec.padding == "valid" else n * s
    else:
        pad = 0 if spec.padding == "valid" else span // 2
        length = (n - 1) * s + span - 2 * pad + op
    before = 0 if spec.padding == "valid" else max((n - 1) * s + span - length, 0) // 2
    return before, length


def naive_conv2d(x: np.ndarray, w: dict[str, np.ndarray], spec: LayerSpec) -> np.ndarray:
    """A loop over output positions of a zero-padded copy; each group reads its channels."""
    h, wd, c = x.shape
    t, b, left, r = conv_pads(spec, h, wd)
    xp = np.zeros((h + t + b, wd + left + r, c))
    xp[t : t + h, left : left + wd] = x
    kernel = w["kernel"].astype(np.float64)
    kh, kw, cg, f = kernel.shape
    (sr, sc), (dr, dc) = spec.strides, spec.dilation_rate
    ho = (xp.shape[0] - dr * (kh - 1) - 1) // sr + 1
    wo = (xp.shape[1] - dc * (kw - 1) - 1) // sc + 1
    og = f // spec.groups
    out = np.zeros((ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            window = xp[
                i * sr : i * sr + dr * (kh - 1) + 1 : dr, j * sc : j * sc + dc * (kw - 1) + 1 : dc
            ]
            for o in range(f):
                g = o // og
                out[i, j, o] = np.sum(window[:, :, g * cg : (g + 1) * cg] * kernel[:, :, :, o])
    if "bias" in w:
        out += w["bias"]
    return out


def naive_conv_transpose(x: np.ndarray, w: dict[str, np.ndarray], spec: LayerSpec) -> np.ndarray:
    """Every input pixel stamps its kernel onto a full scatter; the output is a crop of it."""
    h, wd, _ = x.shape
    kernel = w["kernel"].astype(np.float64)  # (kh, kw, filters, C_in)
    kh, kw, f, _ = kernel.shape
    (sr, sc), (dr, dc) = spec.strides, spec.dilation_rate
    full = np.zeros(((h - 1) * sr + dr * (kh - 1) + 1, (wd - 1) * sc + dc * (kw - 1) + 1, f))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for bb in range(kw):
                    full[i * sr + a * dr, j * sc + bb * dc] += kernel[a, bb] @ x[i, j]
    (top, ho), (left, wo) = transpose_crop(spec, h, 0), transpose_crop(spec, wd, 1)
    out = np.zeros((ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            fi, fj = i + top, j + left
            if 0 <= fi < full.shape[0] and 0 <= fj < full.shape[1]:
                out[i, j] = full[fi, fj]
    if "bias" in w:
        out += w["bias"]
    return out


def naive_pool(x: np.ndarray, spec: LayerSpec) -> np.ndarray:
    """A loop over output positions; each window holds only the real cells it covers."""
    h, wd, c = x.shape
    t, b, left, r = pool_pads(spec, h, wd)
    (kh, kw), (sr, sc) = spec.kernel_size, spec.strides
    ho, wo = (h + t + b - kh) // sr + 1, (wd + left + r - kw) // sc + 1
    out = np.zeros((ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            rows = [y for y in range(i * sr - t, i * sr - t + kh) if 0 <= y < h]
            cols = [z for z in range(j * sc - left, j * sc - left + kw) if 0 <= z < wd]
            cells = x[np.ix_(rows, cols)].reshape(-1, c)
            out[i, j] = cells.max(axis=0) if spec.type == "max_pool" else cells.mean(axis=0)
    return out


def naive_activation(x: np.ndarray, name: str) -> np.ndarray:
    """The activations, one value at a time."""
    funcs = {
        "none": lambda v: v,
        "relu": lambda v: max(v, 0.0),
        "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
        "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
        "tanh": math.tanh,
        "abs": abs,
    }
    f = funcs[name]
    return np.array([f(float(v)) for v in x.reshape(-1)]).reshape(x.shape)


def naive_flatten(x: np.ndarray) -> np.ndarray:
    """Keras's channels-last Flatten: rows, then columns, then channels."""
    h, wd, c = x.shape
    return np.array([x[i, j, k] for i in range(h) for j in range(wd) for k in range(c)])


def naive_dense(x: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    kernel = w["kernel"].astype(np.float64)
    out = np.array([math.fsum(x * kernel[:, u]) for u in range(kernel.shape[1])])
    return out + w["bias"] if "bias" in w else out


def naive_softmax(x: np.ndarray) -> np.ndarray:
    e = [math.exp(float(v) - float(max(x))) for v in x]
    return np.array(e) / math.fsum(e)


def naive_layer(spec: LayerSpec, w: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """One layer's output in float64."""
    kind = spec.type
    if kind == "conv2d":
        return naive_conv2d(x, w, spec)
    if kind == "conv2d_transpose":
        return naive_conv_transpose(x, w, spec)
    if kind in ("max_pool", "avg_pool"):
        return naive_pool(x, spec)
    if kind == "activation":
        return naive_activation(x, spec.activation)
    if kind == "flatten":
        return naive_flatten(x)
    if kind == "dense":
        return naive_dense(x, w)
    return naive_softmax(x)


def naive_forward(
    specs: Sequence[LayerSpec], weights: Sequence[dict[str, np.ndarray]], x: np.ndarray
) -> list[np.ndarray]:
    """Every layer's output, in float64, from the float32 input the network reads."""
    cur = np.asarray(x, np.float32).astype(np.float64)
    if cur.ndim == 2:
        cur = cur[:, :, None]
    outs = []
    for spec, w in zip(specs, weights):
        cur = naive_layer(spec, w, cur)
        outs.append(cur)
    return outs


# --------------------------------------------------------------------------------------------
# Random stacks
# --------------------------------------------------------------------------------------------


def random_conv(rng: np.random.Generator, c_in: int, name: str) -> LayerSpec:
    groups = int(rng.choice([g for g in (1, 2, 3) if c_in % g == 0]))
    filters = groups * int(rng.integers(1, 4))
    padding: Any = rng.choice(["valid", "same", "full", "explicit"])
    if padding == "explicit":
        padding = tuple(int(v) for v in rng.integers(0, 3, 4))
    return LayerSpec(
        "conv2d",
        name,
        filters=filters,
        kernel_size=(int(rng.integers(1, 4)), int(rng.integers(1, 4))),
        strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))),
        dilation_rate=(int(rng.integers(1, 3)), int(rng.integers(1, 3))),
        padding=str(padding) if isinstance(padding, str) else padding,
        groups=groups,
        use_bias=bool(rng.integers(0, 2)),
    )


def random_transpose(rng: np.random.Generator, name: str) -> LayerSpec:
    kind = rng.integers(0, 3)
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    d = (int(rng.integers(1, 3)), 1)
    if kind == 0:  # PyTorch: an int crop and an output_padding below the stride or dilation
        pad: Any = (int(rng.integers(0, 2)), int(rng.integers(0, 2)))
        op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
        return LayerSpec(
            "conv2d_transpose",
            name,
            filters=int(rng.integers(1, 4)),
            kernel_size=k,
            strides=s,
            dilation_rate=d,
            padding=pad,
            output_padding=op,  # type: ignore[arg-type]
        )
    return LayerSpec(
        "conv2d_transpose",
        name,
        filters=int(rng.integers(1, 4)),
        kernel_size=k,
        strides=s,
        dilation_rate=d,
        padding="valid" if kind == 1 else "same",
    )


def random_pool(rng: np.random.Generator, name: str) -> LayerSpec:
    size = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return LayerSpec(
        str(rng.choice(["max_pool", "avg_pool"])),
        name,
        kernel_size=size,
        strides=(int(rng.integers(1, 4)), int(rng.integers(1, 4))),
        padding=str(rng.choice(["valid", "same"])),
    )


def random_stack(
    rng: np.random.Generator,
    *,
    activations: Sequence[str] = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "abs"),
    transpose: bool = True,
    classifier: bool | None = None,
    max_map_layers: int = 4,
) -> tuple[list[LayerSpec], tuple[int, int, int]]:
    """A random stack that fits its random input shape (retried until one does)."""
    while True:
        shape = (int(rng.integers(5, 13)), int(rng.integers(5, 13)), int(rng.integers(1, 4)))
        specs: list[LayerSpec] = []
        c = shape[2]
        for n in range(int(rng.integers(1, max_map_layers + 1))):
            roll = rng.random()
            if roll < 0.45:
                spec = random_conv(rng, c, f"conv{n}")
            elif roll < 0.6 and transpose:
                spec = random_transpose(rng, f"tconv{n}")
            elif roll < 0.85:
                spec = random_pool(rng, f"pool{n}")
            else:
                spec = LayerSpec("activation", f"act{n}", activation=str(rng.choice(activations)))
            specs.append(spec)
            if spec.type in ("conv2d", "conv2d_transpose"):
                c = spec.filters
            if rng.random() < 0.5:
                specs.append(
                    LayerSpec("activation", f"a{n}", activation=str(rng.choice(activations)))
                )
        if classifier if classifier is not None else rng.random() < 0.5:
            specs += [LayerSpec("flatten", "flat"), LayerSpec("dense", "dense", units=5)]
            if rng.random() < 0.7:
                specs.append(LayerSpec("softmax", "soft"))
        try:
            shapes = output_shapes(specs, shape)
        except ValueError:
            continue
        if all(math.prod(s) <= 600 for s in shapes):
            return specs, shape


def test_the_random_stacks_cover_every_setting() -> None:
    """The generator below reaches every kind of layer and padding it claims to."""
    rng = np.random.default_rng(SEED)
    seen: set[str] = set()
    for _ in range(STACKS):
        specs, _shape = random_stack(rng)
        for s in specs:
            seen.add(s.type)
            if s.type in ("conv2d", "conv2d_transpose", "max_pool", "avg_pool"):
                seen.add(f"{s.type}:{s.padding if isinstance(s.padding, str) else 'explicit'}")
            if s.type == "conv2d" and s.groups > 1:
                seen.add("groups")
            if s.type == "conv2d" and max(s.strides) > 1 and max(s.dilation_rate) > 1:
                seen.add("stride+dilation")
            if s.type == "activation":
                seen.add(s.activation)
    want = {
        "conv2d:valid",
        "conv2d:same",
        "conv2d:full",
        "conv2d:explicit",
        "conv2d_transpose:valid",
        "conv2d_transpose:same",
        "conv2d_transpose:explicit",
        "max_pool:valid",
        "max_pool:same",
        "avg_pool:valid",
        "avg_pool:same",
        "groups",
        "stride+dilation",
        "flatten",
        "dense",
        "softmax",
        "none",
        "relu",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "abs",
    }
    assert want <= seen, sorted(want - seen)


STACKS = 80


def test_random_stacks_match_the_naive_forward_pass() -> None:
    rng = np.random.default_rng(SEED)
    for case in range(STACKS):
        specs, shape = random_stack(rng)
        net = Network(specs, None, shape, seed=case)
        weights = [
            {k: v + rng.uniform(-0.2, 0.2, v.shape).astype(np.float32) for k, v in w.items()}
            for w in net.weights
        ]
        net = Network(specs, weights, shape)
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        got = net.forward(x)
        want = naive_forward(specs, net.weights, x)
        assert [g.shape for g in got] == [w.shape for w in want] == net.output_shapes, case
        for i, (g, w) in enumerate(zip(got, want)):
            assert g.dtype == np.float32
            scale = max(1.0, float(np.abs(w).max()))
            np.testing.assert_allclose(
                g, w, rtol=1e-4, atol=1e-5 * scale, err_msg=f"case {case}, layer {i}: {specs[i]}"
            )


@pytest.mark.parametrize(
    "spec",
    [
        # Each of these settings once more, alone, on a map large enough to show it.
        LayerSpec("conv2d", "c", filters=4, kernel_size=(3, 2), strides=(2, 3), padding="same"),
        LayerSpec("conv2d", "c", filters=6, kernel_size=(3, 3), dilation_rate=(2, 3), groups=3),
        LayerSpec("conv2d", "c", filters=3, kernel_size=(2, 3), padding=(0, 2, 1, 0)),
        LayerSpec("conv2d", "c", filters=2, kernel_size=(4, 4), strides=(3, 2), padding="full"),
        LayerSpec("conv2d_transpose", "t", filters=2, kernel_size=(3, 3), strides=(2, 2)),
        LayerSpec(
            "conv2d_transpose", "t", filters=2, kernel_size=(3, 4), strides=(2, 3), padding="same"
        ),
        LayerSpec("conv2d_transpose", "t", kernel_size=(2, 2), strides=(3, 3), padding="same"),
        LayerSpec(
            "conv2d_transpose",
            "t",
            filters=3,
            kernel_size=(3, 3),
            strides=(2, 2),
            padding="same",
            output_padding=(1, 1),
        ),
        LayerSpec(
            "conv2d_transpose",
            "t",
            filters=2,
            kernel_size=(3, 3),
            strides=(2, 1),
            padding=(1, 0),
            output_padding=(1, 0),
        ),
        LayerSpec("max_pool", "p", kernel_size=(3, 3), strides=(2, 2), padding="same"),
        LayerSpec("avg_pool", "p", kernel_size=(3, 2), strides=(2, 2), padding="same"),
        LayerSpec("avg_pool", "p", kernel_size=(2, 2), strides=(1, 1), padding="valid"),
    ],
    ids=lambda s: f"{s.type}-{s.padding}-k{s.kernel_size}-s{s.strides}-d{s.dilation_rate}",
)
def test_each_map_layer_matches_the_naive_one(spec: LayerSpec) -> None:
    rng = np.random.default_rng(SEED)
    shape = (9, 11, 3)
    net = Network([spec], None, shape, seed=1)
    weights = [{k: rng.uniform(-1, 1, v.shape) for k, v in w.items()} for w in net.weights]
    net = Network([spec], weights, shape)
    x = rng.uniform(-1, 1, shape)
    (got,) = net.forward(x)
    (want,) = naive_forward([spec], net.weights, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_same_pooling_never_lets_a_padded_cell_win_or_count() -> None:
    """Keras: a max over negative values stays negative; an edge average divides by real cells."""
    x = -np.arange(1.0, 26.0).reshape(5, 5, 1)
    spec_max = pool_layer("max_pool", 2, name="m").evolve(padding="same")
    spec_avg = pool_layer("avg_pool", 2, name="a").evolve(padding="same")
    (got_max,) = Network([spec_max], None, (5, 5, 1)).forward(x)
    (got_avg,) = Network([spec_avg], None, (5, 5, 1)).forward(x)
    assert got_max.shape == (3, 3, 1)
    assert got_max[2, 2, 0] == -25.0  # the corner window holds one real cell
    assert got_max[0, 2, 0] == -5.0  # a zero pad would have won
    assert got_avg[2, 2, 0] == -25.0  # divided by 1, not by 4
    assert got_avg[0, 2, 0] == pytest.approx((-5 - 10) / 2)


def test_flatten_reads_rows_then_columns_then_channels() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    (flat,) = Network([LayerSpec("flatten", "f")], None, (2, 3, 4)).forward(x)
    assert flat.tolist() == list(range(24))  # C order over (H, W, C), as Keras channels_last
    assert flat[5] == x[0, 1, 1]


def test_dense_uses_the_keras_kernel_layout() -> None:
    """Kernel (inputs, units): unit u sums x[n] * kernel[n, u], then adds its bias."""
    specs = [LayerSpec("flatten", "f"), LayerSpec("dense", "d", units=3)]
    kernel = np.zeros((4, 3), np.float32)
    kernel[1, 0] = 2.0  # unit 0 reads input 1 only
    kernel[3, 2] = -1.0  # unit 2 reads input 3 only
    net = Network(
        specs, [{}, {"kernel": kernel, "bias": np.array([0.5, 0, 0], np.float32)}], (2, 2, 1)
    )
    out = net.forward(np.array([[1.0, 10.0], [100.0, 1000.0]]))[-1]
    assert out.tolist() == [20.5, 0.0, -1000.0]


def test_softmax_is_stable_for_large_scores() -> None:
    specs = [LayerSpec("flatten", "f"), LayerSpec("softmax", "s")]
    x = np.array([[1000.0, 1001.0, 999.0]])
    p = Network(specs, None, (1, 3, 1)).forward(x)[-1]
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, naive_softmax(np.array([1000.0, 1001.0, 999.0])), rtol=1e-6)


def test_recomputing_from_a_later_layer_gives_the_same_outputs() -> None:
    """``forward(start=i, previous=...)`` (a weight edit at layer i) equals a full pass."""
    rng = np.random.default_rng(SEED + 1)
    net = Network(DIGITS, None, (28, 28, 1), seed=3)
    x = rng.uniform(0, 1, (28, 28)).astype(np.float32)
    full = net.forward(x)
    edited = net.with_weight(3, "kernel", net.weights[3]["kernel"] * 1.5)
    fresh = edited.forward(x)
    partial = forward(edited.layers, edited.weights, x, (28, 28, 1), start=3, previous=full)
    assert all(np.array_equal(a, b) for a, b in zip(partial[:3], full[:3]))
    for a, b in zip(partial, fresh):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fresh[-1], full[-1])  # the edit reached the prediction


def test_the_digits_shaped_network_matches_the_naive_pass_and_predicts_probabilities() -> None:
    rng = np.random.default_rng(SEED + 2)
    net = Network(DIGITS, None, (28, 28, 1), seed=7)
    assert net.output_shapes == [
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
    for _ in range(3):
        x = rng.uniform(0, 1, (28, 28)).astype(np.float32)
        got = net.forward(x)
        want = naive_forward(net.layers, net.weights, x)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
        p = net.predict(x)
        assert p.shape == (10,)
        assert (p >= 0).all()
        assert float(p.sum()) == pytest.approx(1.0, abs=1e-6)
        np.testing.assert_array_equal(p, got[-1])


def test_predict_applies_softmax_when_the_network_ends_in_scores() -> None:
    scores = Network(DIGITS[:-1], None, (28, 28, 1), seed=7)
    full = Network(DIGITS, scores.weights + [{}], (28, 28, 1))
    x = np.random.default_rng(5).uniform(0, 1, (28, 28))
    np.testing.assert_allclose(scores.predict(x), full.predict(x), rtol=1e-6)
    assert float(scores.predict(x).sum()) == pytest.approx(1.0, abs=1e-6)


def test_predict_refuses_a_network_that_ends_in_a_map() -> None:
    net = Network(DIGITS[:3], None, (28, 28, 1))
    with pytest.raises(ValueError, match="end it with flatten and dense"):
        net.predict(np.zeros((28, 28)))


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros((27, 28)), r"shape \(28, 28, 1\)"),
        (np.full((28, 28), np.nan), "not finite"),
        (np.array([["a"] * 28] * 28), "real numbers"),
    ],
    ids=["wrong shape", "nan", "text"],
)
def test_forward_refuses_an_input_it_cannot_read(x: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Network(DIGITS, None, (28, 28, 1)).forward(x)


# --------------------------------------------------------------------------------------------
# PyTorch, an optional second reference
# --------------------------------------------------------------------------------------------


def test_the_digits_shaped_network_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    rng = np.random.default_rng(SEED + 3)
    net = Network(DIGITS, None, (28, 28, 1), seed=11)
    w = net.weights
    x = rng.uniform(0, 1, (28, 28)).astype(np.float32)

    def conv(t: Any, layer: dict[str, np.ndarray]) -> Any:
        kernel = torch.from_numpy(np.ascontiguousarray(layer["kernel"].transpose(3, 2, 0, 1)))
        return f.conv2d(t, kernel, torch.from_numpy(layer["bias"].copy()))

    with torch.no_grad():
        t = torch.from_numpy(x)[None, None]
        t = f.max_pool2d(f.relu(conv(t, w[0])), 2)
        t = f.max_pool2d(f.relu(conv(t, w[3])), 2)
        flat = t[0].permute(1, 2, 0).reshape(-1)  # Keras flattens (H, W, C)
        logits = f.linear(
            flat, torch.from_numpy(w[7]["kernel"].T.copy()), torch.from_numpy(w[7]["bias"].copy())
        )
        probs = f.softmax(logits, dim=0).numpy()
    got = net.forward(x)
    np.testing.assert_allclose(got[6], flat.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[7], logits.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(net.predict(x), probs, rtol=1e-5, atol=1e-7)
