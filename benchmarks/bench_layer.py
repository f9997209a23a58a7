"""Speed benchmark of convgui's convolution layer (issue 10, section "3. Speed").

What it measures, in one run on this machine, for the issue's four cases:

1. 512×512×3 → 8 filters 3×3 (padding "same");
2. 256×256×16 → 32 filters 3×3 (padding "same");
3. depthwise 3×3 on 512×512×8 (``groups=8``, 8 filters, padding "same");
4. transposed 3×3, stride 2, 128×128×16 → 8 (padding "valid": 257×257×8).

For each: ``convgui.core.layer.conv2d_layer`` / ``conv_transpose2d`` on float32 input; the same
work as C_in·C_out separate ``convgui.core.correlate2d`` calls summed per filter (for the
transposed case, on the zero-inserted, padded input of ``transpose_direct``, built before
timing); and PyTorch CPU's ``torch.nn.functional.conv2d`` / ``conv_transpose2d`` with
``torch.set_num_threads(2)`` when torch is importable (an optional reference, never a
dependency; its NCHW copies of the data are made before timing). Calls are interleaved
(convgui, separate calls, torch, convgui, …) after one warm-up each, so background load hits
all of them alike; medians are printed with the ratios and whether each target is met:

- at most 2× PyTorch's time where C_in·kh·kw ≥ 27 (cases 1, 2 and 4; a depthwise filter reads
  9 values, so case 3 has no target);
- peak extra memory of one call (``tracemalloc``, the output included) under 4× the output.

It also times one filter of case 1 alone (what one weight edit changes), the engine's share of
the window's 33 ms budget for repainting the feature maps; ``--routes`` times every route of
``conv2d_layer`` (``method=``) on a few layers, the measurements behind ``method="auto"``.

Run it from the repository root (PyTorch, when wanted: ``.venv/bin/pip install torch==2.13.0``;
without it the PyTorch column is left out)::

    .venv/bin/python benchmarks/bench_layer.py [--routes] [--json PATH]
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
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
Call = Callable[[], Any]

MIN_ROUNDS = 5
MAX_ROUNDS = 41
TORCH_THREADS = 2
TORCH_TARGET = 2.0
MEMORY_TARGET = 4.0
GEMM_TARGET_MIN = 27  # C_in·kh·kw from which the PyTorch target applies


def _import_convgui() -> tuple[ModuleType, ModuleType, ModuleType]:
    """Import the engine, from the checkout this file lives in if it is not installed."""
    try:
        import convgui.core.layer as layer
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import convgui.core.layer as layer
    import convgui.core.convolve as convolve
    import convgui.core.layer_steps as layer_steps

    return layer, layer_steps, convolve


layer, layer_steps, convolve = _import_convgui()
try:
    import torch
    import torch.nn.functional as tf
except ImportError:
    torch = None
    tf = None


# --------------------------------------------------------------------------- timing


@dataclass
class Sampler:
    """Samples of one method within one case."""

    name: str
    fn: Call
    times: list[float] = field(default_factory=list)
    result: Any = None

    @property
    def median_ms(self) -> float:
        """Median of the samples, in milliseconds."""
        return 1e3 * statistics.median(self.times)


def run_interleaved(samplers: list[Sampler], budget: float) -> int:
    """Warm each sampler up once, then time them in turn for about ``budget`` seconds."""
    per_round = 0.0
    for s in samplers:
        t0 = time.perf_counter()
        s.result = s.fn()
        per_round += time.perf_counter() - t0
    rounds = int(np.clip(budget / max(per_round, 1e-6), MIN_ROUNDS, MAX_ROUNDS))
    gc.collect()
    for _ in range(rounds):
        for s in samplers:
            t0 = time.perf_counter()
            s.fn()
            s.times.append(time.perf_counter() - t0)
    return rounds


def traced_peak(fn: Call) -> int:
    """Peak bytes traced by tracemalloc during one call (numpy reports its buffers to it)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        res = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del res
    finally:
        tracemalloc.stop()
    return peak - base


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    """One of the issue's layers."""

    name: str
    shape: tuple[int, int, int]
    kernel: tuple[int, int]
    filters: int
    groups: int = 1
    transposed: bool = False
    stride: int = 1

    @property
    def reads(self) -> int:
        """Values one filter reads per output cell: C_in/groups · kh · kw."""
        return self.shape[2] // self.groups * self.kernel[0] * self.kernel[1]


CASES = [
    Case("512×512×3 → 8, 3×3", (512, 512, 3), (3, 3), 8),
    Case("256×256×16 → 32, 3×3", (256, 256, 16), (3, 3), 32),
    Case("depthwise 3×3, 512×512×8", (512, 512, 8), (3, 3), 8, groups=8),
    Case("transposed 3×3 s2, 128×128×16 → 8", (128, 128, 16), (3, 3), 8, transposed=True, stride=2),
]


@dataclass
class Result:
    """Timings of one case."""

    case: str
    reads: int
    convgui_ms: float
    separate_ms: float
    torch_ms: float | None
    ratio_separate: float
    ratio_torch: float | None
    target: str
    passed: bool | None
    memory_ratio: float
    memory_passed: bool
    err_separate: float
    err_torch: float | None
    rounds: int


def rel_err(a: Array, ref: Array) -> float:
    """Largest error relative to the reference's largest value."""
    scale = float(np.max(np.abs(ref))) or 1.0
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - ref))) / scale


def separate_conv(x: Array, w: Array, groups: int) -> Callable[[], Array]:
    """The layer as C_in·C_out separate correlate2d calls (per filter: its group's channels)."""
    cg, c_out = w.shape[2], w.shape[3]
    og = c_out // groups
    kernels = [[np.ascontiguousarray(w[:, :, c, o]) for c in range(cg)] for o in range(c_out)]
    planes = [np.ascontiguousarray(x[:, :, c]) for c in range(x.shape[2])]

    def run() -> Array:
        maps = []
        for o in range(c_out):
            first = (o // og) * cg
            acc = convolve.correlate2d(planes[first], kernels[o][0], padding="same")
            for c in range(1, cg):
                acc += convolve.correlate2d(planes[first + c], kernels[o][c], padding="same")
            maps.append(acc)
        return np.stack(maps, axis=-1)

    return run


def separate_transpose(x: Array, w: Array, stride: int) -> Callable[[], Array]:
    """The transposed layer as C_in·C_out correlate2d calls on the zero-inserted input."""
    direct = layer_steps.transpose_direct(x, w, stride=stride)
    planes = [np.ascontiguousarray(direct.padded[:, :, c]) for c in range(x.shape[2])]
    kernels = direct.kernel  # (kh, kw, C_in, C_out), flipped
    c_in, c_out = kernels.shape[2], kernels.shape[3]

    def run() -> Array:
        maps = []
        for o in range(c_out):
            acc = convolve.correlate2d(planes[0], kernels[:, :, 0, o], padding="valid")
            for c in range(1, c_in):
                acc += convolve.correlate2d(planes[c], kernels[:, :, c, o], padding="valid")
            maps.append(acc)
        return np.stack(maps, axis=-1)

    return run


def bench_case(case: Case, rng: np.random.Generator, budget: float) -> Result:
    x = rng.standard_normal(case.shape).astype(np.float32)
    kh, kw = case.kernel
    c_in = case.shape[2]
    samplers: list[Sampler]
    if case.transposed:
        w = rng.standard_normal((kh, kw, case.filters, c_in)).astype(np.float32)
        samplers = [
            Sampler("convgui", lambda: layer.conv_transpose2d(x, w, stride=case.stride)),
            Sampler("separate", separate_transpose(x, w, case.stride)),
        ]
        if torch is not None:
            xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
            # torch ConvTranspose2d weight: (C_in, C_out, kh, kw)
            wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
            samplers.append(
                Sampler("torch", lambda: tf.conv_transpose2d(xt, wt, stride=case.stride))
            )
    else:
        w = rng.standard_normal((kh, kw, c_in // case.groups, case.filters)).astype(np.float32)
        samplers = [
            Sampler(
                "convgui", lambda: layer.conv2d_layer(x, w, padding="same", groups=case.groups)
            ),
            Sampler("separate", separate_conv(x, w, case.groups)),
        ]
        if torch is not None:
            xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
            # torch Conv2d weight: (C_out, C_in/groups, kh, kw)
            wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
            samplers.append(
                Sampler(
                    "torch",
                    lambda: tf.conv2d(xt, wt, padding=(kh // 2, kw // 2), groups=case.groups),
                )
            )
    rounds = run_interleaved(samplers, budget)
    by = {s.name: s for s in samplers}
    ref = np.asarray(by["convgui"].result, dtype=np.float64)
    err_t = None
    if "torch" in by:
        err_t = rel_err(by["torch"].result[0].numpy().transpose(1, 2, 0), ref)
    cg = by["convgui"].median_ms
    t_ms = by["torch"].median_ms if "torch" in by else None
    ratio_t = None if t_ms is None else cg / t_ms
    applies = case.reads >= GEMM_TARGET_MIN
    target = f"≤{TORCH_TARGET:g}× torch" if applies else "none"
    passed = None if (ratio_t is None or not applies) else ratio_t <= TORCH_TARGET
    peak = traced_peak(by["convgui"].fn)
    mem = peak / by["convgui"].result.nbytes
    return Result(
        case=case.name,
        reads=case.reads,
        convgui_ms=cg,
        separate_ms=by["separate"].median_ms,
        torch_ms=t_ms,
        ratio_separate=cg / by["separate"].median_ms,
        ratio_torch=ratio_t,
        target=target,
        passed=passed,
        memory_ratio=mem,
        memory_passed=mem <= MEMORY_TARGET,
        err_separate=rel_err(by["separate"].result, ref),
        err_torch=err_t,
        rounds=rounds,
    )


def bench_one_filter(rng: np.random.Generator, budget: float) -> dict[str, float]:
    """One filter of case 1 (what a weight edit changes) against the whole layer."""
    x = rng.standard_normal((512, 512, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 8)).astype(np.float32)
    one = np.ascontiguousarray(w[..., :1])
    samplers = [
        Sampler("layer", lambda: layer.conv2d_layer(x, w, padding="same")),
        Sampler("filter gemm", lambda: layer.conv2d_layer(x, one, padding="same", method="gemm")),
        Sampler(
            "filter channels",
            lambda: layer.conv2d_layer(x, one, padding="same", method="channels"),
        ),
    ]
    run_interleaved(samplers, budget)
    return {s.name: s.median_ms for s in samplers}


ROUTE_CASES = [
    # (input shape, weights shape, groups)
    ((512, 512, 8), (3, 3, 1, 8), 8),
    ((512, 512, 8), (5, 5, 1, 8), 8),
    ((512, 512, 8), (7, 7, 1, 8), 8),
    ((128, 128, 64), (3, 3, 1, 64), 64),
    ((512, 512, 1), (3, 3, 1, 8), 1),
    ((512, 512, 2), (3, 3, 2, 8), 1),
    ((512, 512, 3), (3, 3, 3, 8), 1),
    ((256, 256, 16), (3, 3, 16, 32), 1),
]


def bench_routes(rng: np.random.Generator, budget: float) -> list[dict[str, Any]]:
    """Every route of conv2d_layer on a few layers: the measurements behind "auto"."""
    rows = []
    print(f"{'input':>14} {'weights':>15} {'groups':>6} {'auto':>8}   ms per route")
    for xs, ws, g in ROUTE_CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        samplers = [
            Sampler(
                m,
                lambda m=m, x=x, w=w, g=g: layer.conv2d_layer(
                    x, w, padding="same", groups=g, method=m
                ),
            )
            for m in layer.LAYER_METHODS
            if m != "auto"
        ]
        run_interleaved(samplers, budget)
        auto = layer._choose_route(ws[0], ws[1], ws[2], ws[3] // g, g)
        times = {s.name: s.median_ms for s in samplers}
        best = min(times, key=lambda k: times[k])
        print(
            f"{'×'.join(map(str, xs)):>14} {'×'.join(map(str, ws)):>15} {g:>6} {auto:>8}   "
            + "  ".join(f"{k} {v:.1f}" + ("*" if k == best else "") for k, v in times.items()),
            flush=True,
        )
        rows.append({"input": xs, "weights": ws, "groups": g, "auto": auto, "ms": times})
    print("* fastest route")
    return rows


# --------------------------------------------------------------------------- main


def _fmt(v: float | None, spec: str) -> str:
    return "—" if v is None else format(v, spec)


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
    p.add_argument("--budget", type=float, default=3.0, help="seconds of timed calls per case")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--routes", action="store_true", help="also time every route of conv2d_layer")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    env = environment()
    print("convgui layer benchmark (issue 10)")
    print(
        f"python {env['python']}, numpy {env['numpy']}, torch "
        + (f"{env['torch']} ({TORCH_THREADS} threads)" if torch else "not installed")
    )
    print(f"os.cpu_count() = {env['cpu_count']}; engine threads = {env['engine_threads']}")
    print("load average at start: " + ", ".join(f"{v:.2f}" for v in env["loadavg_start"]))
    print(f"median of interleaved calls after one warm-up each, ~{args.budget:g} s per case")
    print()
    rng = np.random.default_rng(args.seed)
    print(
        f"{'case':>36} {'reads':>5} {'convgui':>8} {'separate':>9} {'torch':>7} "
        f"{'cg/sep':>6} {'cg/torch':>8} {'target':>12} {'result':>6} {'mem×out':>7} "
        f"{'err sep':>8} {'err torch':>9} {'n':>3}"
    )
    print(f"{'':>36} {'':>5} {'ms':>8} {'ms':>9} {'ms':>7}")
    results = []
    for case in CASES:
        r = bench_case(case, rng, args.budget)
        results.append(r)
        verdict = "—" if r.passed is None else ("PASS" if r.passed else "MISS")
        mem = f"{r.memory_ratio:.2f}" + ("" if r.memory_passed else "!")
        print(
            f"{r.case:>36} {r.reads:5d} {r.convgui_ms:8.1f} {r.separate_ms:9.1f} "
            f"{_fmt(r.torch_ms, '7.1f'):>7} {r.ratio_separate:6.2f} "
            f"{_fmt(r.ratio_torch, '8.2f'):>8} {r.target:>12} {verdict:>6} {mem:>7} "
            f"{r.err_separate:8.1e} {_fmt(r.err_torch, '9.1e'):>9} {r.rounds:3d}",
            flush=True,
        )
        gc.collect()
    judged = [r.passed for r in results if r.passed is not None]
    mem_ok = all(r.memory_passed for r in results)
    print()
    if torch is None:
        print("PyTorch not importable: the torch target is not judged")
    else:
        print(f"torch target met: {sum(judged)}/{len(judged)} cases")
    print(
        f"memory (traced peak of one call / output bytes) under {MEMORY_TARGET:g}×: "
        + ("all cases" if mem_ok else "MISSED (marked !)")
    )
    one = bench_one_filter(rng, args.budget)
    print(
        "one weight edit, 512×512×3 → 8 (window budget 33 ms for every map repainted): "
        f"whole layer {one['layer']:.1f} ms; the edited filter alone {one['filter gemm']:.1f} ms "
        f"(GEMM), {one['filter channels']:.1f} ms (per-channel correlate2d)"
    )
    routes = None
    if args.routes:
        print()
        print("conv2d_layer routes (method=...), float32, padding 'same'")
        routes = bench_routes(rng, args.budget / 2)
    load_end = os.getloadavg()
    print("load average at end: " + ", ".join(f"{v:.2f}" for v in load_end))
    if args.json is not None:
        payload = {
            "environment": env,
            "budget_s": args.budget,
            "cases": [asdict(r) for r in results],
            "one_filter_ms": one,
            "routes": routes,
            "loadavg_end": load_end,
        }
        args.json.write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
