"""Whole scans stepped through with the real controller, for a grid of layer settings.

At every position the arithmetic panel's sum must equal the engine's ``correlate2d`` value
(and an independent loop over a ``numpy.pad``-ed image), the value it reports written must be
the output view's pixel, and the window outline / output cover must sit where they belong.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from animation_helpers import NP_PAD_MODES, naive_correlate
from PySide6.QtCore import QPointF, QRectF

from convgui.core import (
    BOUNDARIES,
    LayerParams,
    activate,
    correlate2d,
    effective_size,
    get_preset,
    pool2d,
    pool_padding,
    resolve_padding,
    scan_pool,
)
from convgui.gui.image_view import format_value
from convgui.imageio import ImageDoc

PADDINGS: tuple[Any, ...] = ("valid", "same", "full", (1, 0, 2, 1))
KERNEL_SHAPES = ((1, 1), (2, 2), (3, 3), (2, 3), (5, 4))
STRIDES = (1, 2, 3)
DILATIONS = (1, 2)

_RNG = np.random.default_rng(20240604)
IMAGE = _RNG.integers(0, 256, size=(7, 9), dtype=np.uint8)
KERNELS = {s: _RNG.integers(-4, 5, size=s).astype(np.float64) for s in KERNEL_SHAPES}
for _k in KERNELS.values():
    _k.flat[0] = _k.flat[0] or 3  # no all-zero kernel: every sum must actually be checked


@dataclass(frozen=True)
class Case:
    kernel_shape: tuple[int, int]
    padding: Any
    boundary: str
    stride: Any
    dilation: Any
    cval: float = 0.0

    @property
    def id(self) -> str:
        pad = (
            self.padding
            if isinstance(self.padding, str)
            else "pad" + "".join(map(str, self.padding))
        )
        k = "x".join(map(str, self.kernel_shape))
        return f"k{k}-{pad}-{self.boundary}-s{self.stride}-d{self.dilation}".replace(" ", "")


def _cases() -> list[Case]:
    # Every padding with every boundary, every kernel with every padding, every stride with
    # every dilation (a covering design: 24 sets instead of all 720).
    cases = []
    for i, (padding, boundary) in enumerate(itertools.product(PADDINGS, BOUNDARIES)):
        cases.append(
            Case(
                KERNEL_SHAPES[i % len(KERNEL_SHAPES)],
                padding,
                boundary,
                STRIDES[i % 3],
                DILATIONS[(i // 3) % 2],
                cval=37.5 if boundary == "constant" else 0.0,
            )
        )
    # A fixed random sample of the rest, with per-axis strides and dilations mixed in.
    rng = np.random.default_rng(7)
    full = list(itertools.product(KERNEL_SHAPES, PADDINGS, BOUNDARIES, STRIDES, DILATIONS))
    for j in rng.choice(len(full), size=8, replace=False):
        k, padding, boundary, s, d = full[int(j)]
        cases.append(Case(k, padding, boundary, s, d, cval=-12.0 if boundary == "constant" else 0))
    cases += [
        Case((2, 3), "same", "reflect", (1, 2), (2, 1)),
        Case((5, 4), "same", "mirror", (3, 1), (1, 2)),
        Case((5, 4), "valid", "zero", 1, 2),  # 9×7 window on a 7×9 image: no output
    ]
    return cases


CASES = _cases()


def test_the_grid_covers_every_setting() -> None:
    assert {c.padding for c in CASES} == set(PADDINGS)
    assert {c.boundary for c in CASES} == set(BOUNDARIES)
    assert {(c.padding, c.boundary) for c in CASES} == set(itertools.product(PADDINGS, BOUNDARIES))
    assert {(c.kernel_shape, c.padding) for c in CASES} == set(
        itertools.product(KERNEL_SHAPES, PADDINGS)
    )
    assert {(c.stride, c.dilation) for c in CASES} >= set(itertools.product(STRIDES, DILATIONS))
    no_output = [c for c in CASES if c.padding == "valid" and c.kernel_shape == (5, 4)]
    assert any(c.dilation == 2 for c in no_output)


def expected_outline(
    rc: tuple[int, int], pads: tuple[int, int, int, int], case: Case, params: LayerParams
) -> QRectF:
    """Where the window sits on the input, in image pixel coordinates."""
    (sr, sc), (dr, dc) = params.stride, params.dilation
    kh, kw = case.kernel_shape
    eh, ew = effective_size(kh, dr), effective_size(kw, dc)
    return QRectF(rc[1] * sc - pads[2], rc[0] * sr - pads[0], ew, eh)


def assert_rect_equal(got: QRectF, want: QRectF, what: str) -> None:
    g = (got.left(), got.top(), got.width(), got.height())
    w = (want.left(), want.top(), want.width(), want.height())
    assert g == pytest.approx(w, abs=1e-9), f"{what}: {g} != {w}"


def cell_rect(rect: QRectF, shape: tuple[int, int], rc: tuple[int, int]) -> QRectF:
    h, w = shape
    cw, ch = rect.width() / w, rect.height() / h
    return QRectF(rect.left() + rc[1] * cw, rect.top() + rc[0] * ch, cw, ch)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_position_of_the_scan_matches_correlate2d(window: Any, case: Case) -> None:
    state, anim, panel = window.state, window.anim, window.arithmetic
    window.set_document(ImageDoc(IMAGE, 8, "t"))
    kernel = KERNELS[case.kernel_shape]
    params = LayerParams(
        padding=case.padding,
        boundary=case.boundary,
        cval=case.cval,
        stride=case.stride,
        dilation=case.dilation,
    )
    state.set_all(kernel, params, "grid")
    img = state.engine_image()
    assert np.array_equal(img, IMAGE)
    pads = resolve_padding(
        img.shape, kernel.shape, case.padding, stride=params.stride, dilation=params.dilation
    )
    (sr, sc), (dr, dc) = params.stride, params.dilation
    eh, ew = effective_size(kernel.shape[0], dr), effective_size(kernel.shape[1], dc)
    if eh > img.shape[0] + pads[0] + pads[1] or ew > img.shape[1] + pads[2] + pads[3]:
        # No valid output: the window says why, and there is nothing to animate.
        assert state.result is None
        assert state.layer_error
        assert "does not fit" in state.layer_error  # explained in words, not raised
        assert anim.playback.total == 0
        assert anim.grid_shape() == (0, 0)
        assert anim.position_rc() is None
        anim.step(1)
        anim.to_end()
        assert anim.playback.position == 0
        assert panel.last_total is None and panel.last_output is None
        assert not window.anim_bar.play_btn.isEnabled()
        assert not window.overlay.in_window.taps.isVisible()
        return

    want = correlate2d(
        img,
        kernel,
        padding=case.padding,
        boundary=case.boundary,
        cval=case.cval,
        stride=params.stride,
        dilation=params.dilation,
    )
    ref = naive_correlate(
        img,
        kernel,
        pads,
        boundary=case.boundary,
        cval=case.cval,
        stride=params.stride,
        dilation=params.dilation,
    )
    assert ref.shape == want.shape
    data = window.output_view.data
    assert data is not None
    assert data.shape == want.shape
    h, w = want.shape
    assert anim.grid_shape() == (h, w)
    assert anim.playback.total == h * w
    out_rect = window.output_view.rect
    # Output pixel (r, c) is one input unit, as large on screen as an input pixel; cell (0, 0)
    # is centred on its window's centre, so a strided output is visibly smaller.
    assert out_rect.width() == pytest.approx(w) and out_rect.height() == pytest.approx(h)
    first = expected_outline((0, 0), pads, case, params)

    for i in range(h * w):
        anim.seek(i)
        rc = divmod(i, w)
        assert anim.position_rc() == rc
        total, output = panel.last_total, panel.last_output
        assert total is not None and output is not None
        # The scan is float64, the engine's output float32: equal to rounding...
        assert total == pytest.approx(float(want[rc]), rel=1e-4, abs=1e-3), f"position {rc}"
        # ...and exactly the independent float64 reference (integer data: no rounding at all).
        assert total == ref[rc], f"position {rc}"
        assert output == float(data[rc]), f"position {rc}"
        assert output == total, f"position {rc}: panel sum and output pixel differ"
        assert f"= {format_value(total).replace('-', '−')}" in panel.toPlainText()

        taps = window.overlay.in_window.taps
        assert taps.isVisible()
        outline = expected_outline(rc, pads, case, params)
        assert_rect_equal(taps.path().boundingRect(), outline, f"window at {rc}")
        cover = window.overlay.out_cover
        current = cover.current.rect()
        assert_rect_equal(current, cell_rect(out_rect, (h, w), rc), f"current output {rc}")
        assert current.center().x() == pytest.approx(first.center().x() + rc[1])
        assert current.center().y() == pytest.approx(first.center().y() + rc[0])
        if (sr, sc) == (1, 1):  # stride 1: level with the window's centre everywhere
            assert current.center().x() == pytest.approx(outline.center().x())
            assert current.center().y() == pytest.approx(outline.center().y())
        # Not yet computed (seeking is playing by hand): the rest of this row and every
        # row below are blanked.
        assert cover.rest_of_row.isVisible() and cover.rows_below.isVisible()
        assert cover.rest_of_row.rect().width() == pytest.approx(w - 1 - rc[1])
        assert cover.rows_below.rect().height() == pytest.approx(h - 1 - rc[0])
        assert cover.rows_below.rect().top() == pytest.approx(current.bottom())
    assert anim.playback.at_end


def test_stepping_with_step_visits_every_position_in_order(window: Any) -> None:
    window.set_document(ImageDoc(IMAGE, 8, "t"))
    window.state.set_all(KERNELS[(2, 3)], LayerParams(padding="same", stride=2), "step")
    anim, panel = window.anim, window.arithmetic
    h, w = anim.grid_shape()
    assert (h, w) == (4, 5)
    want = correlate2d(IMAGE, KERNELS[(2, 3)], padding="same", stride=2)
    anim.to_start()
    seen = []
    for _ in range(h * w):
        rc = anim.position_rc()
        seen.append(rc)
        assert panel.last_total == pytest.approx(float(want[rc]), rel=1e-6)
        anim.step(1)
    assert seen == [divmod(i, w) for i in range(h * w)]
    assert anim.position_rc() == (h - 1, w - 1)  # stepping past the end stays at the end


ACTIVATED = [
    ("relu", 4.0, -30.0),
    ("leaky_relu", 2.0, -100.0),
    ("sigmoid", 200.0, -1.0),
    ("tanh", 100.0, 0.5),
    ("abs", 1.0, -150.0),
]


@pytest.mark.parametrize(("activation", "divisor", "bias"), ACTIVATED)
def test_divisor_bias_and_activation_are_written_out(
    window: Any, activation: str, divisor: float, bias: float
) -> None:
    state, anim, panel = window.state, window.anim, window.arithmetic
    kernel = get_preset("lesson")
    state.set_all(kernel, LayerParams(divisor=divisor, bias=bias, activation=activation), "post")
    img = state.engine_image()
    conv = naive_correlate(img, kernel, (1, 1, 1, 1))
    activated = activate(conv / divisor + bias, activation)
    data = window.output_view.data
    assert data is not None
    assert data.shape == (6, 6)
    title = {
        "relu": "ReLU",
        "leaky_relu": "Leaky ReLU",
        "sigmoid": "Sigmoid",
        "tanh": "tanh",
        "abs": "Absolute value",
    }[activation]
    for i in range(36):
        anim.seek(i)
        rc = divmod(i, 6)
        assert panel.last_total == conv[rc]  # the sum before scaling
        assert panel.last_output == float(data[rc])  # the value written: the output pixel
        assert panel.last_output == pytest.approx(float(activated[rc]), rel=1e-5, abs=1e-6)
        text = panel.toPlainText()
        scaled = conv[rc] / divisor + bias
        assert "Divisor and bias: " in text
        assert f"= {format_value(scaled).replace('-', '−')}" in text
        assert f"Activation: {title}(" in text
        assert f"written to the output at row {rc[0]}, column {rc[1]}" in text
    # The lesson's (2, 3) example keeps its 198 through the scaling line.
    anim.seek_rc(2, 3)
    assert panel.last_total == 198
    assert f"198 ÷ {format_value(divisor)}" in panel.toPlainText()


def test_without_divisor_bias_or_activation_those_lines_are_absent(window: Any) -> None:
    window.state.set_kernel(get_preset("lesson"))
    window.anim.seek_rc(2, 3)
    text = window.arithmetic.toPlainText()
    assert "= 198" in text
    assert "Divisor" not in text
    assert "Activation" not in text
    assert window.arithmetic.last_output == 198


def naive_pool(
    act: np.ndarray, size: tuple[int, int], stride: tuple[int, int], pads: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
    """Max and mean of every window over the real cells, and the first argmax of each."""
    h, w = act.shape
    ho = (h + pads[0] + pads[1] - size[0]) // stride[0] + 1
    wo = (w + pads[2] + pads[3] - size[1]) // stride[1] + 1
    mx, mean = np.empty((ho, wo)), np.empty((ho, wo))
    winners: list[list[tuple[int, int]]] = []
    for i in range(ho):
        row = []
        for j in range(wo):
            cells = [
                (y, x)
                for y in range(i * stride[0] - pads[0], i * stride[0] - pads[0] + size[0])
                for x in range(j * stride[1] - pads[2], j * stride[1] - pads[2] + size[1])
                if 0 <= y < h and 0 <= x < w
            ]
            vals = [float(act[c]) for c in cells]
            best = max(range(len(vals)), key=lambda k, v=vals: (v[k], -k))
            mx[i, j], mean[i, j] = vals[best], sum(vals) / len(vals)
            row.append(cells[best])
        winners.append(row)
    return mx, mean, winners


POOLS = [
    ("max", (2, 2), (2, 2), "valid"),
    ("max", (3, 3), (2, 2), "same"),
    ("max", (2, 3), (1, 2), "valid"),
    ("avg", (2, 2), (2, 2), "same"),
    ("avg", (3, 2), (2, 3), "valid"),
]


@pytest.mark.parametrize(("op", "size", "stride", "pool_pad"), POOLS)
def test_pooling_stage_steps_through_pooled_positions(
    window: Any,
    op: str,
    size: tuple[int, int],
    stride: tuple[int, int],
    pool_pad: str,
) -> None:
    state, anim, panel = window.state, window.anim, window.arithmetic
    window.set_document(ImageDoc(IMAGE, 8, "t"))
    kernel = KERNELS[(3, 3)]
    state.set_all(
        kernel,
        LayerParams(
            padding="same", pool=op, pool_size=size, pool_stride=stride, pool_padding=pool_pad
        ),
        "pool",
    )
    r = state.result
    assert r is not None and r.pooled is not None
    act = np.asarray(r.activated, dtype=np.float64)
    want = pool2d(r.activated, size, stride=stride, padding=pool_pad, op=op)
    assert np.array_equal(r.pooled, want)
    pads = pool_padding(act.shape, size, stride=stride, padding=pool_pad)
    mx, mean, winners = naive_pool(act, size, stride, pads)
    assert want.shape == mx.shape
    anim.set_stage("pool")
    assert anim.stage == "pool"
    ph, pw = want.shape
    assert anim.grid_shape() == (ph, pw)
    assert anim.playback.total == ph * pw
    assert anim.playback.position == 0
    assert window.anim_bar.stage_combo.currentData() == "pool"
    pooled_view = window.pooled_view
    assert pooled_view.data is not None and np.array_equal(pooled_view.data, want)
    out_rect = window.output_view.rect
    oh, ow = act.shape
    outline = window.overlay.out_window
    for i in range(ph * pw):
        anim.seek(i)
        rc = divmod(i, pw)
        assert anim.position_rc() == rc
        # A max is exact; an average is float64 in the scan and float32 in the map.
        assert panel.last_total == pytest.approx(float(want[rc]), rel=0 if op == "max" else 1e-6)
        assert panel.last_output == float(pooled_view.data[rc])
        text = panel.toPlainText()
        assert f"Pooled row {rc[0]}, column {rc[1]}" in text
        assert not window.overlay.in_window.taps.isVisible()  # the input is not the story here
        assert outline.taps.isVisible()
        # The pooling window outlined on the output, clipped to nothing: in map cells.
        y0, x0 = rc[0] * stride[0] - pads[0], rc[1] * stride[1] - pads[2]
        want_outline = QRectF(
            out_rect.left() + x0 * out_rect.width() / ow,
            out_rect.top() + y0 * out_rect.height() / oh,
            size[1] * out_rect.width() / ow,
            size[0] * out_rect.height() / oh,
        )
        assert_rect_equal(outline.taps.path().boundingRect(), want_outline, f"pool window {rc}")
        ps = scan_pool(act, rc, size, stride=stride, padding=pool_pad, op=op)
        if op == "max":
            assert panel.last_total == mx[rc]
            assert ps.winner == winners[rc[0]][rc[1]], f"winner at {rc}"
            assert act[ps.winner] == mx[rc]
            # The gold square is drawn on the winning output cell.
            assert outline.winner.isVisible()
            centre = outline.winner.rect().center()
            assert window.output_view.cell_at(centre.x(), centre.y()) == ps.winner
            assert text.count("max(") == 1
        else:
            assert panel.last_total == pytest.approx(mean[rc], rel=1e-6)
            assert ps.winner is None
            assert not outline.winner.isVisible()
            assert f"/ {ps.count} =" in text
        cur = window.overlay.pool_cover.current.rect()
        assert_rect_equal(cur, cell_rect(pooled_view.rect, (ph, pw), rc), f"pooled cell {rc}")

    # Back to the convolution: the whole output grid again.
    anim.set_stage("conv")
    assert anim.grid_shape() == act.shape
    assert not outline.taps.isVisible()


def test_the_max_winner_is_the_first_of_equal_values(window: Any) -> None:
    # A flat image: every output value ties, and the first cell in row-major order wins.
    window.set_document(ImageDoc(np.full((6, 6), 9, np.uint8), 8, "flat"))
    window.state.set_all(np.ones((1, 1)), LayerParams(pool="max"), "flat")
    window.anim.set_stage("pool")
    for i in range(9):
        window.anim.seek(i)
        rc = divmod(i, 3)
        s = scan_pool(window.state.result.activated, rc, 2)
        assert s.winner == (2 * rc[0], 2 * rc[1])
        centre = window.overlay.out_window.winner.rect().center()
        assert window.output_view.cell_at(centre.x(), centre.y()) == s.winner


def test_pool_stage_falls_back_to_conv_when_pooling_is_turned_off(window: Any) -> None:
    state, anim = window.state, window.anim
    state.set_params(pool="max")
    anim.set_stage("pool")
    anim.seek(3)
    assert anim.stage == "pool"
    state.set_params(pool="none")
    assert anim.stage == "conv"
    assert anim.grid_shape() == (6, 6)
    assert not window.anim_bar.stage_combo.isEnabled()
    anim.set_stage("pool")  # no pooled map: stays on the convolution
    assert anim.stage == "conv"


def test_strided_positions_are_visibly_skipped(window: Any) -> None:
    state, anim = window.state, window.anim
    state.set_all(get_preset("lesson"), LayerParams(padding="same", stride=2), "stride")
    assert anim.grid_shape() == (3, 3)
    pads = resolve_padding((6, 6), (3, 3), "same", stride=2)
    assert pads == (0, 1, 0, 1)  # Keras: the odd cell of "same" goes bottom/right
    boxes = []
    for i in range(9):
        anim.seek(i)
        boxes.append(window.overlay.in_window.taps.path().boundingRect())
    lefts = [b.left() for b in boxes]
    tops = [b.top() for b in boxes]
    assert lefts == [0, 2, 4] * 3
    assert tops == [0] * 3 + [2] * 3 + [4] * 3
    for a, b in itertools.pairwise(boxes[:3]):
        assert b.left() - a.left() == 2  # one step moves the window two pixels
    # The taps cover 3×3 pixels, so a column of input pixels is never a window's left edge.
    assert all(b.width() == 3 and b.height() == 3 for b in boxes)
    # On the output each position is one input unit: the 3×3 output is visibly half the
    # 6×6 input, its first cell centred on the first window.
    cur = window.overlay.out_cover.current.rect()
    assert (cur.width(), cur.height()) == (1, 1)
    assert window.output_view.rect.width() == 3 and window.output_view.rect.height() == 3
    assert cur.center() == boxes[0].center() + QPointF(2, 2)


def test_dilation_gaps_are_outlined_tap_by_tap(window: Any) -> None:
    window.state.set_all(get_preset("lesson"), LayerParams(padding="same", dilation=2), "dil")
    window.anim.seek_rc(2, 2)
    path = window.overlay.in_window.taps.path()
    assert path.boundingRect() == QRectF(0, 0, 5, 5)
    # The nine taps are outlined; the cells between them are not.
    for y, x in itertools.product(range(5), range(5)):
        inside = path.contains(QPointF(x + 0.5, y + 0.5))
        assert inside == (y % 2 == 0 and x % 2 == 0), (y, x)
    centre = window.overlay.in_window.center.rect()
    assert centre == QRectF(2, 2, 1, 1)


def test_padding_ring_holds_the_padded_values(window: Any) -> None:
    state = window.state
    for boundary in BOUNDARIES:
        state.set_all(
            get_preset("lesson"),
            LayerParams(padding=(1, 0, 2, 1), boundary=boundary, cval=7.0),
            boundary,
        )
        window.anim.seek(0)
        ring = window.overlay.ring
        assert ring.image.isVisible()
        assert ring.padded is not None
        assert ring.padded.shape == (7, 9)

        kw: dict[str, Any] = {}
        if NP_PAD_MODES[boundary] == "constant":
            kw["constant_values"] = 7.0 if boundary == "constant" else 0.0
        ref = np.pad(
            state.engine_image().astype(np.float64), ((1, 0), (2, 1)), NP_PAD_MODES[boundary], **kw
        )
        assert np.array_equal(ring.padded, ref), boundary
        assert ring.image.mapRectToParent(ring.image.boundingRect()) == QRectF(-2, -1, 9, 7)
        assert not math.isnan(float(ring.padded.sum()))


def test_the_max_winner_stands_out_from_the_pooling_window(window: Any) -> None:
    # The lesson says "the gold square": only the winner may be gold, not the whole window.
    window.state.set_all(get_preset("lesson"), LayerParams(pool="max"), "pool")
    window.anim.set_stage("pool")
    window.anim.seek(4)
    outline = window.overlay.out_window
    assert outline.taps.isVisible() and outline.winner.isVisible()
    gold = outline.winner.pen().color()
    assert gold.red() > 200 and gold.green() > 150 and gold.blue() < 100
    window_colour = outline.taps.pen().color()
    distance = math.dist(gold.getRgb()[:3], window_colour.getRgb()[:3])
    assert distance > 100, f"winner {gold.name()} looks like the window {window_colour.name()}"


SCIPY_BOUNDARY = {"zero": "fill", "wrap": "wrap", "reflect": "symm"}


SCIPY_CASES = [
    ("valid", "zero", False),
    ("same", "zero", True),
    ("full", "zero", False),
    ("same", "wrap", False),
    ("valid", "wrap", True),
    ("same", "reflect", False),
    ("full", "reflect", True),
]


def sum_terms(text: str) -> list[tuple[float, float]]:
    """The (value, weight) pairs of the panel's written-out sum."""
    line = next(ln for ln in text.splitlines() if ln.startswith("Sum: "))
    terms = line.removeprefix("Sum: ").rsplit(" = ", 1)[0].split(" + ")

    def num(t: str) -> float:
        return float(t.strip("()").replace("−", "-"))

    return [(num(a), num(b)) for a, b in (t.split("×") for t in terms)]


@pytest.mark.parametrize(("padding", "boundary", "flip"), SCIPY_CASES)
def test_panel_sums_match_scipy(window: Any, padding: str, boundary: str, flip: bool) -> None:
    # scipy.signal is a reference written by other people: correlate2d for the CNN
    # "convolution", convolve2d (kernel rotated 180°) for the true convolution of flip=True.
    from scipy import signal

    kernel = np.array([[1, -2, 0, 3, 1], [0, 4, -1, 2, -3], [2, 1, 1, -1, 0]], dtype=np.float64)
    window.set_document(ImageDoc(IMAGE, 8, "t"))
    window.state.set_all(kernel, LayerParams(padding=padding, boundary=boundary, flip=flip), "sp")
    fn = signal.convolve2d if flip else signal.correlate2d
    want = fn(IMAGE.astype(np.float64), kernel, mode=padding, boundary=SCIPY_BOUNDARY[boundary])
    anim, panel = window.anim, window.arithmetic
    assert anim.grid_shape() == want.shape
    h, w = want.shape
    for i in range(h * w):
        anim.seek(i)
        rc = divmod(i, w)
        assert panel.last_total == want[rc], f"position {rc}"
        assert panel.last_output == want[rc], f"position {rc}"
    # The written-out sum uses the kernel as applied (rotated 180° for a true convolution)
    # and adds up to the total.
    terms = sum_terms(panel.toPlainText())
    applied = kernel[::-1, ::-1] if flip else kernel
    assert [wt for _, wt in terms] == applied.ravel().tolist()
    assert sum(v * wt for v, wt in terms) == want[h - 1, w - 1]
    assert np.array_equal(window.state.kernel, kernel)  # the table keeps what was typed
