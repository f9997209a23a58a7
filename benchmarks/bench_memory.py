"""Resident memory while editing the kernel on a big image (issue 5, "How it is shown").

Drives the real :class:`convgui.gui.window.MainWindow` (1400×900, Qt's offscreen platform):
loads a 4096×4096 random uint8 image, then edits a kernel cell 200 times through the kernel
table's model (``KernelTableModel.setData``, what pressing Enter in a cell does), each time
waiting for the result (``state.wait_idle()`` and the event loop, until the output view holds
the new result) and painting the output view (so pyqtgraph's rendered image is made, as on a
screen). After each edit it reads the process's resident set size from ``/proc/self/statm``.

It reports the RSS after edits 20 and 200 and the growth between them (target < 5 %: the
memory settles), the peak RSS (``VmHWM``), and, as clues should memory grow, the number of
Python objects tracked by the garbage collector and the undo history's length at both points.
The edits are run twice: with a 3×3 kernel (the engine's direct path) and with a 15×15 kernel
(its FFT path, which allocates differently); each run has its own verdict.

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_memory.py [--quick]
        [--json results.json]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

import _gui_common as gc_  # sets QT_QPA_PLATFORM before Qt is imported
import numpy as np

from convgui import core
from convgui.imageio import ImageDoc

SIZE = 4096
EDITS = 200
FIRST = 20  # growth is measured from this edit to the last
GROWTH_TARGET = 5.0  # percent
KERNELS: tuple[int, ...] = (3, 15)
MIB = 2**20


def run_edits(h: gc_.Harness, ksize: int, edits: int, rng: np.random.Generator) -> dict[str, Any]:
    """Set a ksize² kernel, then ``edits`` cell edits; RSS after each."""
    st, win = h.state, h.window
    st.set_kernel(rng.standard_normal((ksize, ksize)), "benchmark kernel")
    h.wait_result(300)
    h.paint_output()
    h.settle(0.2)
    method = core.choose_method(np.array(st.kernel), SIZE * SIZE, np.float32)
    values = gc_.cell_value_source(0.1 + ksize * 1e-2)
    rss: list[int] = []
    times: list[float] = []
    marks: dict[int, dict[str, int]] = {}
    rss_before = gc_.rss_bytes()
    for i in range(1, edits + 1):
        r, c = (int(v) for v in rng.integers(0, ksize, 2))
        text = values()
        t0 = time.perf_counter()
        if not gc_.edit_cell(win, r, c, text):
            raise RuntimeError(f"the model refused {text!r}")
        h.wait_result(300)
        res = st.result
        assert res is not None
        if float(res.kernel[r, c]) != float(text):
            raise RuntimeError("the result shown is not the one for this edit")
        h.paint_output()
        h.app.processEvents()
        times.append(time.perf_counter() - t0)
        rss.append(gc_.rss_bytes())
        if i in (FIRST, edits):
            marks[i] = {
                "rss": rss[-1],
                "gc_objects": len(gc.get_objects()),
                "undo_len": len(getattr(st, "_undo", [])),
            }
        if i % 50 == 0 or i == edits:
            print(
                f"   edit {i:3d}: RSS {rss[-1] / MIB:7.1f} MiB, {np.median(times[-50:]):.2f} s "
                "per edit (median of the last 50)",
                flush=True,
            )
    first = marks.get(FIRST, {"rss": rss[min(FIRST, len(rss)) - 1]})
    last = marks[edits]
    growth = 100.0 * (last["rss"] - first["rss"]) / first["rss"]
    return {
        "kernel": f"{ksize}×{ksize}",
        "method": method,
        "edits": edits,
        "rss_before_bytes": rss_before,
        "rss_first_bytes": first["rss"],
        "rss_last_bytes": last["rss"],
        "rss_max_bytes": max(rss),
        "rss_min_bytes": min(rss),
        "growth_pct": growth,
        "gc_objects_first": first.get("gc_objects"),
        "gc_objects_last": last.get("gc_objects"),
        "undo_first": first.get("undo_len"),
        "undo_last": last.get("undo_len"),
        "median_edit_s": gc_.median(times),
        "rss_per_edit_bytes": rss,
        "target_pct": GROWTH_TARGET,
        "passed": growth < GROWTH_TARGET,
    }


def print_run(r: dict[str, Any]) -> None:
    first, last = FIRST, r["edits"]
    print(
        f"   engine path {r['method']!r}; RSS after edit {first}: "
        f"{r['rss_first_bytes'] / MIB:.1f} MiB; after edit {last}: "
        f"{r['rss_last_bytes'] / MIB:.1f} MiB; growth {r['growth_pct']:+.2f} % (target < "
        f"{GROWTH_TARGET:g} %): {gc_.verdict(r['passed'])}"
    )
    print(
        f"   over the edits: min {r['rss_min_bytes'] / MIB:.1f} MiB, max "
        f"{r['rss_max_bytes'] / MIB:.1f} MiB (before the first edit "
        f"{r['rss_before_bytes'] / MIB:.1f} MiB); median {r['median_edit_s']:.2f} s per edit; "
        f"gc-tracked objects {r['gc_objects_first']:,} → {r['gc_objects_last']:,}; undo "
        f"history {r['undo_first']} → {r['undo_last']} entries",
        flush=True,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="60 edits per kernel (growth from edit 20 to 60)"
    )
    p.add_argument("--edits", type=int, default=None, help=f"edits per kernel (default {EDITS})")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    p.add_argument("--seed", type=int, default=12345)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    edits = args.edits if args.edits is not None else (60 if args.quick else EDITS)
    if edits < FIRST:
        sys.exit(f"--edits must be at least {FIRST}")
    t_start = time.perf_counter()
    env = gc_.environment()
    gc_.print_header("convgui memory benchmark" + (" (--quick)" if args.quick else ""), env)
    rng = np.random.default_rng(args.seed)
    rss_start = gc_.rss_bytes()
    h = gc_.Harness()
    rss_window = gc_.rss_bytes()
    image = rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8)
    h.window.set_document(ImageDoc(image, 8, f"{SIZE}²"))
    h.wait_result(300)
    h.paint_output()
    h.settle(0.3)
    rss_loaded = gc_.rss_bytes()
    print(
        f"RSS: {rss_start / MIB:.1f} MiB before the window, {rss_window / MIB:.1f} MiB with the "
        f"window shown, {rss_loaded / MIB:.1f} MiB with the {SIZE}×{SIZE} image loaded and its "
        f"first output shown (one {SIZE}² float32 array = {SIZE * SIZE * 4 / MIB:.0f} MiB)"
    )
    print(
        f"{edits} cell edits per kernel through KernelTableModel.setData; after each: "
        "state.wait_idle() + event loop until the output view holds the result, output view "
        "repainted, RSS read from /proc/self/statm"
    )
    print()
    runs = []
    for k in KERNELS:
        print(f"{k}×{k} random kernel:")
        r = run_edits(h, k, edits, rng)
        print_run(r)
        runs.append(r)
        print()
    peak = gc_.hwm_bytes()
    print(
        "peak RSS of the process (VmHWM): "
        + ("n/a" if peak is None else f"{peak / MIB:.1f} MiB")
        + f"; all runs {gc_.verdict(all(r['passed'] for r in runs))}"
    )
    print()
    h.close()
    elapsed, load_end = gc_.print_footer(t_start)
    gc_.write_json(
        args.json,
        {
            "environment": env,
            "quick": args.quick,
            "rss_start_bytes": rss_start,
            "rss_window_bytes": rss_window,
            "rss_loaded_bytes": rss_loaded,
            "runs": runs,
            "peak_rss_bytes": peak,
            "elapsed_s": elapsed,
            "loadavg_end": load_end,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
