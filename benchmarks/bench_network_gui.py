"""Speed of the network mode in the window (issue 11, section 4): a pen stroke and a weight edit.

Drives the real window (1400×900, Qt's offscreen platform) in its network mode on the shipped
digits network (Samples ▸ Digits Network) and measures, each to the repaint:

**Pen stroke → probabilities and maps repainted.** Strokes are drawn on the digit canvas with
mouse events (``QTest.mouseMove`` while the left button is down, every move adding ink). The
clock starts before a move event is sent and stops once the event loop has painted the
probability bars and every strip of maps on screen again (their paint counters moved on): the
canvas stamp and the MNIST preprocessing, the state's forward pass, the views' updates and the
paint itself are all inside.

**Weight edit → prediction repainted.** A kernel cell of the kernel table is committed through
its model (``KernelTableModel.setData``, what Enter in the table does) with a new value each
time, alternating between conv1 (the whole network recomputed) and conv2 (from conv2 on). The
clock stops once the bars and every strip on screen whose maps the edit changed have been
painted again: the strips of the layers before the edited one show the same arrays and are
rightly not repainted (after the edits, the run checks that every strip on screen shows the
network's current outputs, the unrepainted ones included).

Beside them, in the same run: the bare forward pass of the network (``Network.forward``) and
the preprocessing of the canvas (``mnist_preprocess``), so each result is also printed as a
ratio to the forward pass. Targets: both medians ≤ 33 ms.

Run from the repository root::

    .venv/bin/python benchmarks/bench_network_gui.py [--moves N] [--edits N] [--window WxH]
        [--json out.json]

``--window 1920x1080`` shows the enlarged conv2 map with its values written in the cells
(at 1400×900 its cells are too small for numbers).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _gui_common as common  # sets QT_QPA_PLATFORM before Qt is imported
import numpy as np
from PySide6.QtCore import QEventLoop, QPoint, Qt
from PySide6.QtTest import QTest

from convgui.core.digits import mnist_preprocess
from convgui.gui import network_mode
from convgui.gui.digit_canvas import CANVAS_SIDE

TARGET_MS = 33.0
LEFT, NO_MOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def _at(canvas: object, x: float, y: float) -> QPoint:
    sq = canvas.square()  # type: ignore[attr-defined]
    scale = sq.width() / CANVAS_SIDE
    return QPoint(round(sq.left() + (x + 0.5) * scale), round(sq.top() + (y + 0.5) * scale))


def _stroke_points(k: int, n: int) -> list[tuple[float, float]]:
    """``n`` points of a zigzag stroke across the canvas (a different one for each ``k``)."""
    rng = np.random.default_rng(k)
    xs = np.linspace(20, CANVAS_SIDE - 20, n)
    ys = CANVAS_SIDE / 2 + (CANVAS_SIDE / 3) * np.sin(np.linspace(0, 3 * np.pi, n) + rng.random())
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moves", type=int, default=120, help="pen moves to time")
    ap.add_argument("--edits", type=int, default=60, help="weight edits to time")
    ap.add_argument(
        "--window", default="x".join(map(str, common.WINDOW_SIZE)), help="window size WxH"
    )
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    try:
        width, height = (int(v) for v in args.window.lower().split("x"))
        if not (320 <= width <= 8000 and 240 <= height <= 8000):
            raise ValueError
    except ValueError:
        ap.error(f"--window {args.window!r}: give the size as WxH, e.g. 1920x1080")
    t_start = time.perf_counter()
    env = common.environment()
    common.print_header("convgui network mode: pen stroke / weight edit → repainted", env)

    h = common.Harness((width, height))
    nm = network_mode.open_digits_network(h.window)
    net, page = nm.net, nm.page
    h.settle(0.5)
    bars = page.bars
    canvas = page.digit_panel.canvas

    def counts() -> tuple[int, ...]:
        return (bars.paint_count, *(s.paint_count for s in strips))

    def wait_painted(before: tuple[int, ...], timeout: float = 10.0) -> bool:
        deadline = time.perf_counter() + timeout
        while True:
            now = counts()
            if all(a > b for a, b in zip(now, before, strict=True)):
                return True
            if time.perf_counter() > deadline:
                return False
            h.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    def strips_now(first: int = 0) -> list[object]:
        """The map strips on screen showing layer ``first`` or a later one.

        Scrolled-away strips are not painted, by Qt's design.
        """
        out: list[object] = []
        for i in range(first, len(net.network.layers)):
            ls = page.maps.strip_of(i)
            strip = None if ls is None else ls.strip
            if strip is not None and strip not in out and not strip.visibleRegion().isEmpty():
                out.append(strip)
        return out

    strips = strips_now()
    print(
        f"network {net.network.name!r}: {len(net.network.layers)} layers, "
        f"input {net.network.input_shape}; window {width}×{height}; "
        f"{args.moves} pen moves, {args.edits} weight edits; "
        f"{len(strips)} of {len(page.maps.layer_strips())} map strips on screen"
    )

    # --- pen strokes ------------------------------------------------------------------------
    stroke_ms: list[float] = []
    missed = 0
    k = 0
    per_stroke = 12
    while len(stroke_ms) < args.moves:
        page.digit_panel.clear()
        h.settle(0.02)
        pts = _stroke_points(k, per_stroke + 1)
        k += 1
        QTest.mousePress(canvas, LEFT, NO_MOD, _at(canvas, *pts[0]))
        h.settle(0.01)
        for x, y in pts[1:]:
            strips = strips_now()
            before = counts()
            probs_before = net.probabilities
            t0 = time.perf_counter()
            QTest.mouseMove(canvas, _at(canvas, x, y))
            ok = wait_painted(before)
            t1 = time.perf_counter()
            if not ok or net.probabilities is probs_before:
                missed += 1
                continue
            stroke_ms.append((t1 - t0) * 1e3)
            if len(stroke_ms) >= args.moves:
                break
        QTest.mouseRelease(canvas, LEFT, NO_MOD, _at(canvas, *pts[-1]))
        h.settle(0.02)

    # --- weight edits -----------------------------------------------------------------------
    edit_ms: list[float] = []
    edit_layers: list[int] = []
    model = page.kernel.model
    for i in range(args.edits):
        layer = 0 if i % 2 == 0 else 3
        net.select(layer, i % 8, 0)
        h.settle(0.01)
        strips = strips_now(layer)  # the strips before ``layer`` keep their maps
        before = counts()
        net_before = net.network
        t0 = time.perf_counter()
        assert model.setData(model.index(i % 3, (i // 3) % 3), f"{0.31 + 0.01 * i:.2f}")
        ok = wait_painted(before)
        t1 = time.perf_counter()
        assert ok and net.network is not net_before, "the edit was not painted"
        edit_ms.append((t1 - t0) * 1e3)
        edit_layers.append(layer)
    h.settle(0.05)
    current = net.outputs or []
    for strip in strips_now():
        layers = [
            i for i in range(len(current)) if getattr(page.maps.strip_of(i), "strip", None) is strip
        ]
        assert strip.data is current[max(layers)], "a strip on screen shows an old output"
    net.reset_weights()

    # --- references, same process ----------------------------------------------------------
    x = np.asarray(net.input)
    network = net.network
    forward_ms: list[float] = []
    for _ in range(200):
        t0 = time.perf_counter()
        network.forward(x)
        forward_ms.append((time.perf_counter() - t0) * 1e3)
    big = np.asarray(canvas.canvas())
    prep_ms: list[float] = []
    for _ in range(100):
        t0 = time.perf_counter()
        mnist_preprocess(big)
        prep_ms.append((time.perf_counter() - t0) * 1e3)

    med = common.median
    fwd = med(forward_ms)
    print()
    print(f"{'measure':52s} {'median':>8s} {'p90':>8s} {'max':>8s} {'× fwd':>7s}")
    rows = [
        ("pen move → bars and maps repainted (ms)", stroke_ms),
        ("weight edit → bars and maps repainted (ms)", edit_ms),
        ("  of which edits in conv1 (ms)", [t for t, la in zip(edit_ms, edit_layers) if la == 0]),
        ("  of which edits in conv2 (ms)", [t for t, la in zip(edit_ms, edit_layers) if la == 3]),
        ("reference: Network.forward, the whole net (ms)", forward_ms),
        ("reference: mnist_preprocess of the canvas (ms)", prep_ms),
    ]
    for name, vals in rows:
        print(
            f"{name:52s} {med(vals):8.2f} {common.pct(vals, 90):8.2f} {max(vals):8.2f} "
            f"{med(vals) / fwd:7.1f}"
        )
    if missed:
        print(f"pen moves that changed nothing or were not painted (not timed): {missed}")
    stroke_ok = med(stroke_ms) <= TARGET_MS
    edit_ok = med(edit_ms) <= TARGET_MS
    print(f"target: pen move median ≤ {TARGET_MS:.0f} ms → {common.verdict(stroke_ok)}")
    print(f"target: weight edit median ≤ {TARGET_MS:.0f} ms → {common.verdict(edit_ok)}")
    elapsed, load_end = common.print_footer(t_start)
    common.write_json(
        args.json,
        {
            "environment": env,
            "window": [width, height],
            "stroke_ms": stroke_ms,
            "edit_ms": edit_ms,
            "edit_layers": edit_layers,
            "forward_ms": forward_ms,
            "preprocess_ms": prep_ms,
            "missed_moves": missed,
            "target_ms": TARGET_MS,
            "passed": {"stroke": stroke_ok, "edit": edit_ok},
            "elapsed_s": elapsed,
            "loadavg_end": load_end,
        },
    )
    h.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
