"""Speed and memory benchmark of convgui's numeric engine (issue 2, section "4. Speed").

What it measures, in one run on this machine:

1. ``convgui.core.correlate2d(image, kernel)`` (padding "same", boundary "zero") against
   ``scipy.ndimage.correlate(image, kernel, mode="constant")`` and, when ``cv2`` is importable,
   ``cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_CONSTANT)``, on 1024x1024 and
   4096x4096 float32 images with 3x3, 5x5, 15x15 and 31x31 kernels, each random and rank 1
   (outer product of two random vectors). The calls are interleaved (convgui, scipy, opencv,
   convgui, ...) so background load hits every method alike, after one warm-up call each.
   Medians are printed with the ratios and a PASS/MISS column against the issue's targets.
2. 2x2 max pooling of a 4096x4096 float32 image against one memory-copy pass
   (``np.copyto`` into a preallocated array) and a naive numpy reshape/max.
3. Peak extra memory of one call, from ``tracemalloc`` (numpy reports its buffers to it), as
   a multiple of the input's size; the output counts as extra memory. A Linux RSS high-water
   rise is printed beside it as a cross-check for buffers allocated outside numpy.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_core.py [--quick] [--json results.json]

scipy is required (it is in the ``test`` extra); OpenCV is optional and only compared against,
never a dependency. The script leaves the OpenBLAS variables alone and only prints them.
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
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
Call = Callable[[], Array]

SIZES: tuple[int, ...] = (1024, 4096)
KERNEL_SIZES: tuple[int, ...] = (3, 5, 15, 31)
KINDS: tuple[str, ...] = ("random", "rank-1")
# A reference call whose warm-up takes longer than this is "slow": its warm-up is counted as a
# sample (one-time costs are negligible next to it) and it is repeated only --slow-repeats times.
SLOW_SECONDS = 1.0
MIN_ROUNDS = 5
MAX_ROUNDS = 41
ENV_VARS: tuple[str, ...] = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")


def _import_core() -> ModuleType:
    """Import ``convgui.core``, from the checkout this file lives in if it is not installed."""
    try:
        import convgui.core as core
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import convgui.core as core
    return core


def _import_optional(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


core = _import_core()
try:
    import scipy
    import scipy.ndimage as ndi
except ImportError:  # pragma: no cover - the bench is meaningless without its reference
    sys.exit("bench_core.py needs scipy: pip install -e '.[test]'")
cv2 = _import_optional("cv2")


# --------------------------------------------------------------------------- timing helpers


def _timed(fn: Call) -> tuple[float, Array]:
    t0 = time.perf_counter()
    res = fn()
    return time.perf_counter() - t0, res


@dataclass
class Sampler:
    """Samples of one method within one case."""

    name: str
    fn: Call
    limit: int | None = None  # at most this many samples (slow references)
    times: list[float] = field(default_factory=list)
    warmup: float = 0.0
    result: Array | None = None

    def wants_more(self) -> bool:
        """Whether this sampler still takes part in the timed rounds."""
        return self.limit is None or len(self.times) < self.limit

    @property
    def median_ms(self) -> float:
        """Median of the samples, in milliseconds."""
        return 1e3 * statistics.median(self.times) if self.times else float("nan")


def run_interleaved(samplers: list[Sampler], budget: float, slow_repeats: int) -> int:
    """Warm up each sampler, then time them in turn, round after round.

    Returns the number of rounds. The round count is chosen from the warm-up times so that
    the fast methods take about ``budget`` seconds; a sampler whose warm-up exceeded
    :data:`SLOW_SECONDS` keeps its warm-up as a sample and joins only the first rounds, up to
    ``slow_repeats`` samples in all.
    """
    per_round = 0.0
    for s in samplers:
        s.warmup, s.result = _timed(s.fn)
        if s.warmup > SLOW_SECONDS:
            s.times.append(s.warmup)
            s.limit = max(1, slow_repeats)
        else:
            per_round += s.warmup
    rounds = int(np.clip(budget / max(per_round, 1e-6), MIN_ROUNDS, MAX_ROUNDS))
    # Slow samplers still owed a sample need at least that many rounds.
    for s in samplers:
        if s.limit is not None:
            rounds = max(rounds, s.limit - len(s.times))
    gc.collect()
    for _ in range(rounds):
        for s in samplers:
            if s.wants_more():
                dt, s.result = _timed(s.fn)
                s.times.append(dt)
    return rounds


# --------------------------------------------------------------------------- correlate2d cases


@dataclass
class CaseResult:
    """One image size and kernel, all methods."""

    size: int
    ksize: int
    kind: str
    method: str
    convgui_ms: float
    scipy_ms: float | None
    opencv_ms: float | None
    n_convgui: int
    n_scipy: int
    n_opencv: int
    ratio_scipy: float | None
    ratio_opencv: float | None
    target: float
    passed: bool | None
    err_vs_scipy: float | None
    err_opencv_vs_scipy: float | None
    note: str = ""


def make_kernel(rng: np.random.Generator, k: int, kind: str) -> NDArray[np.float64]:
    if kind == "rank-1":
        return np.outer(rng.standard_normal(k), rng.standard_normal(k))
    return rng.standard_normal((k, k))


def target_for(k: int, kind: str) -> float:
    """Strictest of the issue's targets that apply to this kernel (ratio to scipy's time)."""
    targets = []
    if kind == "random" and k <= 5:
        targets.append(0.7)
    if kind == "rank-1":
        targets.append(0.3)
    if k >= 15:
        targets.append(0.1)
    return min(targets)


def rel_err(a: Array | None, ref: Array | None) -> float | None:
    if a is None or ref is None:
        return None
    scale = float(np.max(np.abs(ref))) or 1.0
    return float(np.max(np.abs(a.astype(np.float64) - ref))) / scale


def bench_case(
    image: NDArray[np.float32],
    kernel: NDArray[np.float64],
    kind: str,
    *,
    budget: float,
    slow_repeats: int,
    skip_scipy: bool,
) -> CaseResult:
    n, k = image.shape[0], kernel.shape[0]
    samplers = [Sampler("convgui", lambda: core.correlate2d(image, kernel))]
    if not skip_scipy:
        samplers.append(Sampler("scipy", lambda: ndi.correlate(image, kernel, mode="constant")))
    if cv2 is not None:
        border = cv2.BORDER_CONSTANT
        samplers.append(
            Sampler("opencv", lambda: cv2.filter2D(image, -1, kernel, borderType=border))
        )
    run_interleaved(samplers, budget, slow_repeats)
    by = {s.name: s for s in samplers}
    cg, sp, cv = by["convgui"], by.get("scipy"), by.get("opencv")
    ratio_s = cg.median_ms / sp.median_ms if sp else None
    ratio_c = cg.median_ms / cv.median_ms if cv else None
    target = target_for(k, kind)
    notes = []
    if sp is None:
        notes.append("scipy skipped (--quick)")
    elif sp.limit is not None:
        notes.append(f"slow scipy: {len(sp.times)} call(s)")
    return CaseResult(
        size=n,
        ksize=k,
        kind=kind,
        method=core.choose_method(kernel, n * n, np.float32),
        convgui_ms=cg.median_ms,
        scipy_ms=sp.median_ms if sp else None,
        opencv_ms=cv.median_ms if cv else None,
        n_convgui=len(cg.times),
        n_scipy=len(sp.times) if sp else 0,
        n_opencv=len(cv.times) if cv else 0,
        ratio_scipy=ratio_s,
        ratio_opencv=ratio_c,
        target=target,
        passed=None if ratio_s is None else ratio_s <= target,
        err_vs_scipy=rel_err(cg.result, sp.result if sp else None),
        err_opencv_vs_scipy=rel_err(cv.result if cv else None, sp.result if sp else None),
        note="; ".join(notes),
    )


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None or x != x else format(x, spec)


def print_case_header() -> None:
    print(
        f"{'image':>10} {'kernel':>13} {'method':>9} {'convgui':>9} {'scipy':>9} "
        f"{'opencv':>8} {'cg/scipy':>8} {'cg/cv':>6} {'target':>7} {'result':>6} "
        f"{'n cg/sp/cv':>11} {'err':>8}  note"
    )
    print(f"{'':>10} {'':>13} {'':>9} {'ms':>9} {'ms':>9} {'ms':>8}")


def print_case(r: CaseResult) -> None:
    result = "—" if r.passed is None else ("PASS" if r.passed else "MISS")
    counts = f"{r.n_convgui}/{r.n_scipy}/{r.n_opencv}"
    print(
        f"{f'{r.size}×{r.size}':>10} {f'{r.ksize}×{r.ksize} {r.kind}':>13} {r.method:>9} "
        f"{r.convgui_ms:9.1f} {_fmt(r.scipy_ms, '9.1f'):>9} {_fmt(r.opencv_ms, '8.1f'):>8} "
        f"{_fmt(r.ratio_scipy, '8.3f'):>8} {_fmt(r.ratio_opencv, '6.2f'):>6} "
        f"{f'≤{r.target:.1f}':>7} {result:>6} {counts:>11} {_fmt(r.err_vs_scipy, '8.1e'):>8}"
        f"  {r.note}".rstrip(),
        flush=True,
    )


# --------------------------------------------------------------------------- pooling


def bench_pool(rng: np.random.Generator, budget: float) -> dict[str, Any]:
    x = rng.random((4096, 4096), dtype=np.float32)
    dst = np.empty_like(x)

    def copy() -> Array:
        np.copyto(dst, x)
        return dst

    samplers = [
        Sampler("pool2d", lambda: core.pool2d(x, 2)),
        Sampler("copy", copy),
        Sampler("naive", lambda: x.reshape(2048, 2, 2048, 2).max(axis=(1, 3))),
    ]
    rounds = run_interleaved(samplers, budget, slow_repeats=MAX_ROUNDS)
    by = {s.name: s for s in samplers}
    pool_res, naive_res = by["pool2d"].result, by["naive"].result
    assert pool_res is not None and naive_res is not None
    ratio = by["pool2d"].median_ms / by["copy"].median_ms
    out = {
        "pool2d_ms": by["pool2d"].median_ms,
        "copy_ms": by["copy"].median_ms,
        "naive_ms": by["naive"].median_ms,
        "rounds": rounds,
        "copy_passes": ratio,
        "naive_copy_passes": by["naive"].median_ms / by["copy"].median_ms,
        "target": 3.0,
        "passed": ratio <= 3.0,
        "matches_naive": bool(np.array_equal(pool_res, naive_res)),
    }
    print(
        f"pool2d(x, 2) {out['pool2d_ms']:.1f} ms; np.copyto {out['copy_ms']:.1f} ms; "
        f"naive reshape/max {out['naive_ms']:.1f} ms ({rounds} interleaved rounds)"
    )
    print(
        f"pool time / copy time = {ratio:.2f} copy passes (target ≤ 3): "
        f"{'PASS' if out['passed'] else 'MISS'}; naive = {out['naive_copy_passes']:.2f} passes; "
        f"result equals naive: {out['matches_naive']}"
    )
    return out


# --------------------------------------------------------------------------- memory


def _proc_status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_rise(fn: Call) -> int | None:
    """Rise of the resident set's high-water mark over one call, in bytes (Linux only).

    Writing 5 to ``/proc/self/clear_refs`` resets the high-water mark to the current RSS.
    Memory that the C allocator already holds resident is reused without a rise, so this is a
    lower bound; it does see buffers that bypass tracemalloc (e.g. FFT scratch space).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = _proc_status_kb("VmRSS")
    res = fn()
    peak = _proc_status_kb("VmHWM")
    del res
    if before is None or peak is None:
        return None
    return (peak - before) * 1024


def traced_peak(fn: Call) -> int:
    """Peak bytes traced by tracemalloc during one call, above what was traced before it."""
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


def bench_memory(rng: np.random.Generator) -> list[dict[str, Any]]:
    x = rng.random((4096, 4096), dtype=np.float32)
    calls: list[tuple[str, Call]] = []
    for k, kind in ((3, "random"), (15, "rank-1"), (31, "random")):
        ker = make_kernel(rng, k, kind)
        label = f"correlate2d {k}×{k} {kind} ({core.choose_method(ker, x.size, np.float32)})"
        calls.append((label, partial(core.correlate2d, x, ker)))
    calls.append(("pool2d 2×2 max", lambda: core.pool2d(x, 2)))
    rows = []
    print(f"input: 4096×4096 float32 = {x.nbytes / 2**20:.0f} MiB; target ≤ 4× input")
    print(
        f"{'call':>36} {'traced peak':>12} {'× input':>8} {'result':>6} {'RSS rise':>10} {'×':>6}"
    )
    for label, fn in calls:
        fn()  # warm-up: thread pools, FFT plan caches
        gc.collect()
        peak = traced_peak(fn)
        gc.collect()
        rss = rss_rise(fn)
        ratio = peak / x.nbytes
        row = {
            "call": label,
            "traced_peak_bytes": peak,
            "ratio": ratio,
            "target": 4.0,
            "passed": ratio <= 4.0,
            "rss_rise_bytes": rss,
            "rss_ratio": None if rss is None else rss / x.nbytes,
        }
        rows.append(row)
        rss_txt = "n/a" if rss is None else f"{rss / 2**20:.0f} MiB"
        rss_ratio = "" if rss is None else f"{rss / x.nbytes:.2f}"
        print(
            f"{label:>36} {peak / 2**20:8.0f} MiB {ratio:8.2f} "
            f"{'PASS' if row['passed'] else 'MISS':>6} {rss_txt:>10} {rss_ratio:>6}",
            flush=True,
        )
    return rows


# --------------------------------------------------------------------------- main


def environment() -> dict[str, Any]:
    try:
        cpus_usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus_usable = None
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "opencv": None if cv2 is None else cv2.__version__,
        "opencv_threads": None if cv2 is None else cv2.getNumThreads(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": cpus_usable,
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "env": {v: os.environ.get(v) for v in ENV_VARS},
        "loadavg_start": os.getloadavg(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="skip scipy on 4096×4096 with 15×15 and 31×31 kernels (≈13 s a call) and use a "
        "smaller time budget per case",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds of timed calls per case for the fast methods (default 2, 0.7 with --quick)",
    )
    p.add_argument(
        "--slow-repeats",
        type=int,
        default=2,
        help="samples of a reference whose single call takes over 1 s (default 2)",
    )
    p.add_argument("--seed", type=int, default=12345)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    budget = args.budget if args.budget is not None else (0.7 if args.quick else 2.0)
    t_start = time.perf_counter()
    env = environment()
    print("convgui core benchmark" + (" (--quick)" if args.quick else ""))
    print(
        f"python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, "
        f"opencv {env['opencv'] or 'not installed'}"
        + (f" ({env['opencv_threads']} threads)" if cv2 is not None else "")
    )
    print(
        f"CPU: {env['processor']}; os.cpu_count() = {env['cpu_count']}, "
        f"usable = {env['cpus_usable']}"
    )
    for var, val in env["env"].items():
        print(f"{var}: {'not set' if val is None else repr(val)}")
    print("load average at start: " + ", ".join(f"{v:.2f}" for v in env["loadavg_start"]))
    print(
        f"timing: median of interleaved calls after one warm-up each, ~{budget:g} s per case; "
        f"references slower than {SLOW_SECONDS:g} s a call: {args.slow_repeats} call(s), "
        "warm-up counted"
    )
    if args.quick:
        print("--quick: scipy is NOT timed on 4096×4096 with 15×15 and 31×31 kernels")
    print()

    rng = np.random.default_rng(args.seed)
    cases: list[CaseResult] = []
    print("correlate2d (padding 'same', boundary 'zero') vs scipy.ndimage.correlate / cv2.filter2D")
    print("err = max |convgui − scipy| / max |scipy|; target = strictest applicable ratio to scipy")
    print_case_header()
    for n in SIZES:
        image = rng.random((n, n), dtype=np.float32)
        for k in KERNEL_SIZES:
            for kind in KINDS:
                kernel = make_kernel(rng, k, kind)
                r = bench_case(
                    image,
                    kernel,
                    kind,
                    budget=budget,
                    slow_repeats=args.slow_repeats,
                    skip_scipy=args.quick and n >= 4096 and k >= 15,
                )
                print_case(r)
                cases.append(r)
        del image
        gc.collect()
    judged = [c.passed for c in cases if c.passed is not None]
    print(f"targets met: {sum(judged)}/{len(judged)} cases")
    print()

    print("max pooling 2×2, 4096×4096 float32")
    pool = bench_pool(rng, budget)
    print()

    print("peak extra memory of one call (tracemalloc; the output counts)")
    memory = bench_memory(rng)
    print()

    elapsed = time.perf_counter() - t_start
    load_end = os.getloadavg()
    print(
        f"total time {elapsed:.0f} s; load average at end: "
        + ", ".join(f"{v:.2f}" for v in load_end)
    )
    if args.json is not None:
        payload = {
            "environment": env,
            "quick": args.quick,
            "budget_s": budget,
            "slow_repeats": args.slow_repeats,
            "correlate2d": [asdict(c) for c in cases],
            "pool": pool,
            "memory": memory,
            "elapsed_s": elapsed,
            "loadavg_end": load_end,
        }
        args.json.write_text(json.dumps(payload, indent=2, allow_nan=False, default=_json_default))
        print(f"wrote {args.json}")
    return 0


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {obj!r}")


if __name__ == "__main__":
    sys.exit(main())
