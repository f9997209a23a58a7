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

It also reports the peak memory of opening hostile files (issue 9): the mutated kernel and
image corpora of the fuzz tests, decompression bombs (a PNG declaring 100000×100000, a zlib
stream of 1 GB of zeros), a 50 MB one-line kernel, deeply nested JSON, ``/dev/zero`` and a FIFO.
Each group is opened in a fresh child process, whose peak RSS (``VmHWM``) is an upper bound
for every file of the group (target < 1.5 GB each). ``--hostile-only`` runs only this part.

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_memory.py [--quick]
        [--hostile-only] [--json results.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
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
HOSTILE_TARGET = 1.5 * 2**30  # bytes of peak RSS per hostile file
ROOT = Path(__file__).resolve().parent.parent


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def hostile_groups(folder: Path) -> dict[str, list[str]]:
    """Write the hostile files into ``folder``; returns {group: [paths]}, each group a child."""
    sys.path.insert(0, str(ROOT / "tests" / "hardening"))
    import numpy as np
    import test_fuzz_images as fimg
    import test_fuzz_kernels as fker

    rng = np.random.default_rng(fker.SEED)
    kernels = []
    bases = fker._bases()
    for i in range(fker.N_FILES):
        name = sorted(bases)[i % len(bases)]
        p = folder / f"k{i:04d}.{name.split('-')[0]}"
        p.write_bytes(fker.mutate(bases[name], rng))
        kernels.append(str(p))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    ibases = fimg._base_images(app)
    rng = np.random.default_rng(fimg.SEED)
    images = []
    for i in range(fimg.N_FILES):
        name = sorted(ibases)[i % len(ibases)]
        p = folder / f"i{i:04d}.{name.split('-')[0]}"
        p.write_bytes(fimg._mutate(ibases[name], rng))
        images.append(str(p))
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = folder / "bomb-declared.png"
    bomb.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + _png_chunk(b"IEND", b"")
    )
    # Declares 30000×30000 (900 MP): refused; the zlib stream inflates to ~1 GB of zeros.
    ihdr2 = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    row = b"\0" * 30_001
    idat = b"".join(comp.compress(row) for _ in range(2000)) + comp.flush()
    bomb2 = folder / "bomb-zlib.png"
    bomb2.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr2)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    svg = folder / "huge.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200000" height="200000"/>')
    line = folder / "line.txt"
    line.write_bytes(b"1 " * 25_000_000)
    deep = folder / "deep.json"
    deep.write_bytes(b'{"kernel": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    return {
        "kernel fuzz corpus": [f"kernel:{p}" for p in kernels],
        "image fuzz corpus": [f"image:{p}" for p in images],
        "PNG declaring 100000×100000": [f"image:{bomb}"],
        "PNG bomb (1 GB zlib stream)": [f"image:{bomb2}"],
        "SVG declaring 200000×200000": [f"image:{svg}"],
        "50 MB one-line kernel": [f"kernel:{line}"],
        "JSON nested 200000 deep": [f"kernel:{deep}"],
        "/dev/zero as kernel and image": ["kernel:/dev/zero", "image:/dev/zero"],
        "FIFO as kernel and image": [f"kernel:{fifo}", f"image:{fifo}"],
    }


def open_files_child(list_file: Path) -> None:
    """Child mode: open every ``kind:path`` line; print outcomes and the peak RSS as JSON."""
    import resource

    from PySide6.QtWidgets import QApplication

    from convgui.imageio import LoadError, load_image, load_kernel

    app = QApplication.instance() or QApplication([])
    outcomes = {"ok": 0, "refused": 0, "other": 0}
    slowest = 0.0
    for line in list_file.read_text().splitlines():
        kind, path = line.split(":", 1)
        t0 = time.perf_counter()
        try:
            (load_image if kind == "image" else load_kernel)(path)
            outcomes["ok"] += 1
        except LoadError:
            outcomes["refused"] += 1
        except Exception:
            outcomes["other"] += 1
        slowest = max(slowest, time.perf_counter() - t0)
    # VmHWM belongs to this process's memory map (ru_maxrss would include the parent's peak
    # from before exec).
    peak = gc_.hwm_bytes() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak_rss_bytes": peak, "slowest_s": slowest, **outcomes}))
    del app


def run_hostile() -> list[dict[str, Any]]:
    """Open each hostile group in a fresh child process; print and return the peaks."""
    print("Peak memory of opening hostile files (each group in a fresh process):")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        groups = hostile_groups(Path(tmp))
        for name, files in groups.items():
            lst = Path(tmp) / "list.txt"
            lst.write_text("\n".join(files) + "\n")
            proc = subprocess.run(
                [sys.executable, __file__, "--open-files", str(lst)],
                capture_output=True,
                text=True,
                timeout=600,
                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
            )
            if proc.returncode != 0:
                rec = {"group": name, "files": len(files), "crashed": proc.stderr[-500:]}
                print(f"   {name}: the child process failed ({proc.returncode})")
            else:
                rec = {
                    "group": name,
                    "files": len(files),
                    **json.loads(proc.stdout.splitlines()[-1]),
                }
                rec["passed"] = rec["peak_rss_bytes"] < HOSTILE_TARGET and rec["other"] == 0
                print(
                    f"   {name} ({len(files)} files): peak RSS {rec['peak_rss_bytes'] / MIB:,.0f} "
                    f"MiB (target < {HOSTILE_TARGET / MIB:,.0f}); {rec['ok']} loaded, "
                    f"{rec['refused']} refused, {rec['other']} other errors; slowest "
                    f"{rec['slowest_s']:.2f} s: {gc_.verdict(rec['passed'])}",
                    flush=True,
                )
            results.append(rec)
    print()
    return results


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
    p.add_argument(
        "--hostile-only", action="store_true", help="only the peak memory of hostile files"
    )
    p.add_argument("--open-files", type=Path, help=argparse.SUPPRESS)  # child mode
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.open_files is not None:
        open_files_child(args.open_files)
        return 0
    if args.hostile_only:
        hostile = run_hostile()
        gc_.write_json(args.json, {"hostile": hostile})
        return 0 if all(r.get("passed") for r in hostile) else 1
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
    hostile = run_hostile()
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
            "hostile": hostile,
            "elapsed_s": elapsed,
            "loadavg_end": load_end,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
