"""Speed of one weight edit in the convolution-layer mode (issue 10, section 3, the window).

Drives the real window (1400×900, Qt's offscreen platform) in its layer mode on a 512×512 RGB
random image with 8 filters 3×3 ("same" padding, seeded He weights), and measures:

**Edit to every map painted.** A weight of the selected filter is committed through the
kernel table's model (``KernelTableModel.setData``, what Enter in the table does), with a
new value each time, cycling over the filters and channels. The clock stops when the state
has published the result (only that filter's map recomputed; the other 7 are carried over),
the page has updated its tiles and large view, and a synchronous ``repaint()`` of the whole
map grid (all 8 tiles) and of the large map view has returned. Beside it, in the same run:
the engine alone for the same work (``filter_maps`` of the one edited filter, i.e.
``conv2d_layer`` on its channels plus the colour limits), and the whole layer
(``conv2d_layer`` of all 8 filters) for scale. GUI overhead = total − the state's own
engine time for that result. Target: total ≤ 33 ms (median).

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_layer_edit.py [--edits N]
        [--json results.json]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _gui_common as common  # sets QT_QPA_PLATFORM before Qt is imported
import numpy as np
from PySide6.QtCore import Qt

from convgui.core.layer import conv2d_layer
from convgui.gui import layer_mode
from convgui.imageio import ImageDoc
from convgui.layer_state import filter_maps, map_levels

TARGET_MS = 33.0
SIZE = 512
FILTERS = 8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=40, help="weight edits to time")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    t_start = time.perf_counter()
    env = common.environment()
    common.print_header("convgui layer mode: one weight edit → every feature map painted", env)

    h = common.Harness()
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (SIZE, SIZE, 3)).astype(np.uint8)
    h.window.set_document(ImageDoc(img, name="random 512×512×3"))
    h.state.set_color_mode("rgb")
    lm = layer_mode.show_layer_mode(h.window)
    layer, page = lm.layer, lm.page
    layer.set_filter_count(FILTERS)
    layer.apply_preset("random", seed=1)
    assert layer.wait_idle(60)
    h.settle(0.3)
    r0 = layer.result
    assert r0 is not None and len(r0.maps) == FILTERS and r0.out_shape == (SIZE, SIZE)
    print(
        f"input {SIZE}×{SIZE}×3 float32, {FILTERS} filters 3×3, padding 'same'; "
        f"window {common.WINDOW_SIZE[0]}×{common.WINDOW_SIZE[1]}; {args.edits} edits"
    )

    totals: list[float] = []
    engine_state: list[float] = []
    overhead: list[float] = []
    recomputed: list[int] = []
    for i in range(args.edits):
        o, c = i % FILTERS, (i // FILTERS) % 3
        layer.select(o)
        h.app.processEvents()
        model = page.bank.models[c]
        index = model.index(i % 3, (i // 3) % 3)
        gen_before = layer.result.generation if layer.result is not None else -1
        value = f"{0.05 + 0.01 * i:.2f}"
        t0 = time.perf_counter()
        assert model.setData(index, value, Qt.ItemDataRole.EditRole)
        ok = h.wait_until(
            lambda gb=gen_before: layer.result is not None
            and layer.result.generation > gb
            and not layer.busy,
            30,
        )
        assert ok, "no result"
        r = layer.result
        assert r is not None
        page.map_grid.repaint()  # every tile, synchronously
        page.map_view.viewport().repaint()
        t1 = time.perf_counter()
        assert page.map_view.data is r.maps[o].data
        totals.append((t1 - t0) * 1e3)
        engine_state.append(r.engine_ms)
        overhead.append((t1 - t0) * 1e3 - r.engine_ms)
        recomputed.append(len(r.changed))
        h.settle(0.02)

    # The engine alone, same work, same image, same process.
    x = layer.image
    assert x is not None
    w, b, s = np.array(layer.weights), np.array(layer.bias), layer.settings
    one: list[float] = []
    for i in range(args.edits):
        t0 = time.perf_counter()
        m = filter_maps(x, w, b, s, [i % FILTERS])
        map_levels(m[i % FILTERS])
        one.append((time.perf_counter() - t0) * 1e3)
    whole: list[float] = []
    for _ in range(max(5, args.edits // 4)):
        t0 = time.perf_counter()
        conv2d_layer(x, w.astype(np.float32), b.astype(np.float32), padding="same")
        whole.append((time.perf_counter() - t0) * 1e3)

    med = common.median
    print()
    print(f"{'measure':58s} {'median':>8s} {'p90':>8s} {'max':>8s}")
    rows = [
        ("edit → all 8 maps painted (ms)", totals),
        ("  of which the state's engine time for the result (ms)", engine_state),
        ("  GUI overhead = total − engine (ms)", overhead),
        ("engine alone: one filter's map + its limits (ms)", one),
        ("engine alone: the whole layer, 8 filters (ms)", whole),
    ]
    for name, vals in rows:
        print(f"{name:58s} {med(vals):8.1f} {common.pct(vals, 90):8.1f} {max(vals):8.1f}")
    print(f"maps recomputed per edit: {sorted(set(recomputed))} (of {FILTERS})")
    passed = med(totals) <= TARGET_MS
    print(f"target: median ≤ {TARGET_MS:.0f} ms → {common.verdict(passed)}")
    elapsed, load_end = common.print_footer(t_start)
    common.write_json(
        args.json,
        {
            "environment": env,
            "edits": args.edits,
            "total_ms": totals,
            "engine_ms": engine_state,
            "overhead_ms": overhead,
            "engine_one_filter_ms": one,
            "engine_whole_layer_ms": whole,
            "recomputed": recomputed,
            "target_ms": TARGET_MS,
            "passed": passed,
            "elapsed_s": elapsed,
            "loadavg_end": load_end,
        },
    )
    h.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
