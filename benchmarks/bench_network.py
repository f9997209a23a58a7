"""Speed benchmark of the digits network's forward pass (issue 11, section 4: ≤ 2 ms).

What it measures, in one run on this machine:

1. ``Network.digits().forward(x)``: every layer's output for one 28×28 digit (the shipped
   network, conv 16 3×3 → ReLU → max pool 2 → conv 32 3×3 → ReLU → max pool 2 → flatten →
   dense 10 → softmax), what the window runs on every pen move and weight edit;
2. ``Network.digits().predict(x)`` (the same pass, only the probabilities kept);
3. a plain numpy reference written here: im2col with ``sliding_window_view`` and one matrix
   product per convolution, reshape-max pooling, a matrix product for the dense layer;
4. PyTorch CPU with the same weights (``torch.set_num_threads(1)``, under ``torch.no_grad()``)
   when torch is importable: an optional reference, never a dependency
   (``.venv/bin/pip install torch==2.13.0``).

Calls are interleaved (convgui, numpy, torch, convgui, …) after three warm-up calls each, so
background load hits all of them alike, for about ``--budget`` seconds; each digit of the
shipped samples is used in turn. It prints the medians and 90th percentiles, the ratios to the
references, the time of each layer of convgui's pass, the largest difference between the
probabilities, and PASS/MISS against the target (median forward ≤ 2 ms). When the shipped
files are missing it times the same structure with random weights and says so.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_network.py [--budget 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

Array = NDArray[Any]
Call = Callable[[], Any]

TARGET_MS = 2.0
TORCH_THREADS = 1
MIN_ROUNDS = 50
MAX_ROUNDS = 20_000

try:
    import convgui.net as net_module
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import convgui.net as net_module
from convgui.core import convolve  # noqa: E402  (after the checkout is on the path)
from convgui.core.network import LayerSpec, pool_layer, run_layer  # noqa: E402

try:
    import torch
    import torch.nn.functional as tf
except ImportError:
    torch = None
    tf = None


# --------------------------------------------------------------------------- timing


@dataclass
class Sampler:
    """Samples of one method."""

    name: str
    fn: Callable[[Array], Any]
    times: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        """Median of the samples, in milliseconds."""
        return 1e3 * statistics.median(self.times)

    @property
    def p90_ms(self) -> float:
        """90th percentile of the samples, in milliseconds."""
        return 1e3 * float(np.percentile(self.times, 90))


def run_interleaved(samplers: list[Sampler], inputs: list[Array], budget: float) -> int:
    """Warm each sampler up (3 calls), then time them in turn for about ``budget`` seconds."""
    per_round = 0.0
    for s in samplers:
        for _ in range(3):  # the first call pays for imports and caches
            t0 = time.perf_counter()
            s.fn(inputs[0])
            spent = time.perf_counter() - t0
        per_round += spent
    rounds = int(np.clip(budget / max(per_round, 1e-6), MIN_ROUNDS, MAX_ROUNDS))
    gc.collect()
    for r in range(rounds):
        x = inputs[r % len(inputs)]
        for s in samplers:
            t0 = time.perf_counter()
            s.fn(x)
            s.times.append(time.perf_counter() - t0)
    return rounds


# --------------------------------------------------------------------------- the network


def digits_network() -> tuple[Any, list[Array], str]:
    """The shipped network and its sample digits, or the same structure with random weights."""
    try:
        net = net_module.Network.digits()
        images, _labels = net_module.digit_samples()
        return net, list(images), "shipped (resources/networks/digits.*)"
    except (OSError, ValueError):
        specs = [
            LayerSpec("conv2d", "conv1", filters=16),
            LayerSpec("activation", "relu1"),
            pool_layer("max_pool", 2, name="pool1"),
            LayerSpec("conv2d", "conv2", filters=32),
            LayerSpec("activation", "relu2"),
            pool_layer("max_pool", 2, name="pool2"),
            LayerSpec("flatten", "flatten"),
            LayerSpec("dense", "dense", units=10),
            LayerSpec("softmax", "softmax"),
        ]
        rng = np.random.default_rng(0)
        images = [rng.uniform(0, 1, (28, 28)).astype(np.float32) for _ in range(100)]
        return net_module.Network(specs, None, (28, 28, 1)), images, "random weights (no files)"


def numpy_reference(net: Any) -> Callable[[Array], Array]:
    """The digits structure in plain numpy: im2col + one GEMM per conv, reshape-max pools."""
    w = net.weights
    mats = {}
    for i, spec in enumerate(net.layers):
        if spec.type == "conv2d":
            k = w[i]["kernel"]
            mats[i] = (k.reshape(-1, k.shape[-1]), w[i]["bias"], k.shape[0], k.shape[1])

    def run(x: Array) -> Array:
        cur = x[:, :, None] if x.ndim == 2 else x
        for i, spec in enumerate(net.layers):
            if spec.type == "conv2d":
                m, b, kh, kw = mats[i]
                # (H', W', C, kh, kw) -> (H', W', kh, kw, C): the Keras kernel's order
                win = sliding_window_view(cur, (kh, kw), axis=(0, 1)).transpose(0, 1, 3, 4, 2)
                ho, wo = win.shape[:2]
                cur = (win.reshape(ho * wo, -1) @ m + b).reshape(ho, wo, -1)
            elif spec.type == "activation":
                cur = np.maximum(cur, 0)
            elif spec.type == "max_pool":
                h, wd, c = cur.shape
                cur = cur[: h // 2 * 2, : wd // 2 * 2].reshape(h // 2, 2, wd // 2, 2, c).max((1, 3))
            elif spec.type == "flatten":
                cur = cur.reshape(-1)
            elif spec.type == "dense":
                cur = cur @ w[i]["kernel"] + w[i]["bias"]
            else:
                e = np.exp(cur - cur.max())
                cur = e / e.sum()
        return cur

    return run


def torch_reference(net: Any) -> Callable[[Array], Array] | None:
    """The same network in PyTorch (NCHW), its flatten permuted to Keras's (H, W, C) order."""
    if torch is None:
        return None
    w = net.weights
    tw = {}
    for i, spec in enumerate(net.layers):
        if spec.type == "conv2d":
            tw[i] = (
                torch.from_numpy(np.ascontiguousarray(w[i]["kernel"].transpose(3, 2, 0, 1))),
                torch.from_numpy(w[i]["bias"].copy()),
            )
        elif spec.type == "dense":
            tw[i] = (
                torch.from_numpy(np.ascontiguousarray(w[i]["kernel"].T)),
                torch.from_numpy(w[i]["bias"].copy()),
            )

    def run(x: Array) -> Array:
        with torch.no_grad():
            t = torch.from_numpy(x)[None, None]
            for i, spec in enumerate(net.layers):
                if spec.type == "conv2d":
                    t = tf.conv2d(t, *tw[i])
                elif spec.type == "activation":
                    t = tf.relu(t)
                elif spec.type == "max_pool":
                    t = tf.max_pool2d(t, 2)
                elif spec.type == "flatten":
                    t = t[0].permute(1, 2, 0).reshape(-1)
                elif spec.type == "dense":
                    t = tf.linear(t, *tw[i])
                else:
                    t = tf.softmax(t, dim=0)
            return t.numpy()

    return run


def layer_times(net: Any, inputs: list[Array], rounds: int) -> list[tuple[str, float]]:
    """Median time of each layer of convgui's pass (``run_layer``), in ms."""
    layers, weights = net.layers, net.weights
    times: list[list[float]] = [[] for _ in layers]
    for r in range(rounds):
        cur: Array = inputs[r % len(inputs)][:, :, None].astype(np.float32)
        for i, (spec, w) in enumerate(zip(layers, weights)):
            t0 = time.perf_counter()
            cur = run_layer(spec, w, cur)
            times[i].append(time.perf_counter() - t0)
    return [(s.name, 1e3 * statistics.median(t)) for s, t in zip(layers, times)]


# --------------------------------------------------------------------------- main


@dataclass
class Results:
    """What one run measured."""

    network: str
    rounds: int
    median_ms: dict[str, float]
    p90_ms: dict[str, float]
    ratios: dict[str, float]
    layers_ms: list[tuple[str, float]]
    max_prob_diff: dict[str, float]
    passed: bool
    environment: dict[str, Any]


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_threads": TORCH_THREADS if torch is not None else None,
        "cpu_count": os.cpu_count(),
        "engine_threads": convolve._N_WORKERS,
        "loadavg_start": os.getloadavg(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--budget", type=float, default=3.0, help="seconds of timed calls")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    env = environment()
    print("convgui network benchmark (issue 11): the digits network's forward pass")
    print(
        f"python {env['python']}, numpy {env['numpy']}, torch "
        + (f"{env['torch']} ({TORCH_THREADS} thread)" if torch else "not installed")
    )
    print(f"os.cpu_count() = {env['cpu_count']}; engine threads = {env['engine_threads']}")
    print("load average at start: " + ", ".join(f"{v:.2f}" for v in env["loadavg_start"]))
    net, inputs, which = digits_network()
    print(f"network: {which}; {len(inputs)} inputs used in turn")
    print(f"median of interleaved calls after 3 warm-up calls each, ~{args.budget:g} s in all")
    print()

    ref_np = numpy_reference(net)
    ref_torch = torch_reference(net)
    samplers = [
        Sampler("convgui forward", net.forward),
        Sampler("convgui predict", net.predict),
        Sampler("numpy im2col", ref_np),
    ]
    if ref_torch is not None:
        samplers.append(Sampler("torch (1 thread)", ref_torch))
    rounds = run_interleaved(samplers, inputs, args.budget)

    diffs = {"numpy im2col": 0.0}
    if ref_torch is not None:
        diffs["torch (1 thread)"] = 0.0
    for x in inputs:
        p = net.predict(x)
        diffs["numpy im2col"] = max(diffs["numpy im2col"], float(np.abs(p - ref_np(x)).max()))
        if ref_torch is not None:
            d = float(np.abs(p - ref_torch(x)).max())
            diffs["torch (1 thread)"] = max(diffs["torch (1 thread)"], d)

    by = {s.name: s for s in samplers}
    fwd = by["convgui forward"].median_ms
    print(f"{'method':>18} {'median':>8} {'p90':>8} {'forward ÷ it':>13}  {'max |Δp|':>9}")
    print(f"{'':>18} {'ms':>8} {'ms':>8}")
    for s in samplers:
        diff = diffs.get(s.name)
        print(
            f"{s.name:>18} {s.median_ms:8.3f} {s.p90_ms:8.3f} {fwd / s.median_ms:13.2f}  "
            + ("—" if diff is None else f"{diff:9.1e}"),
            flush=True,
        )
    layers = layer_times(net, inputs, min(rounds, 500))
    print()
    print(
        "convgui's pass, layer by layer (median ms): "
        + ", ".join(f"{n} {t:.3f}" for n, t in layers)
    )
    passed = fwd <= TARGET_MS
    print()
    print(
        f"target: forward of the digits network ≤ {TARGET_MS:g} ms: median {fwd:.3f} ms "
        + ("PASS" if passed else "MISS")
        + f" ({rounds} rounds)"
    )
    env["loadavg_end"] = os.getloadavg()
    print("load average at end: " + ", ".join(f"{v:.2f}" for v in env["loadavg_end"]))
    results = Results(
        network=which,
        rounds=rounds,
        median_ms={s.name: s.median_ms for s in samplers},
        p90_ms={s.name: s.p90_ms for s in samplers},
        ratios={s.name: fwd / s.median_ms for s in samplers},
        layers_ms=layers,
        max_prob_diff=diffs,
        passed=passed,
        environment=env,
    )
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
