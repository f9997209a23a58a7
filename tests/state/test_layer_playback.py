"""The layer animation's frames against naive loops written here and the engine's layer."""

from __future__ import annotations

import numpy as np
import pytest

from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.layer_playback import (
    MAX_TERMS,
    contributing_pixels,
    conv_frame,
    direct_frame,
    direct_input,
    grid_shape,
    output_size_text,
    scatter_frame,
    scatter_partial,
    shorten_sum_line,
    transposed_weights,
)
from convgui.layer_state import LayerSettings

RGB = ("R", "G", "B")
RNG = np.random.default_rng(42)
X = RNG.integers(0, 256, (7, 9, 3)).astype(np.float32)
W = RNG.normal(size=(3, 3, 3, 4))
B = RNG.normal(size=4)


def naive_conv_cell(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, o: int, r: int, c: int, pad: int, s: int, d: int
) -> tuple[list[float], float]:
    """'Zero' padding of ``pad`` cells, stride ``s``, dilation ``d``, groups 1: sums per channel."""
    h, wd, cin = x.shape
    sums = []
    for ch in range(cin):
        t = 0.0
        for a in range(w.shape[0]):
            for bb in range(w.shape[1]):
                i, j = r * s + a * d - pad, c * s + bb * d - pad
                if 0 <= i < h and 0 <= j < wd:
                    t += float(x[i, j, ch]) * float(w[a, bb, ch, o])
        sums.append(t)
    return sums, sum(sums) + float(b[o])


@pytest.mark.parametrize(
    ("rc", "stride", "dilation"), [((0, 0), 1, 1), ((3, 4), 1, 1), ((6, 8), 1, 1), ((1, 2), 2, 2)]
)
def test_conv_frame_sums_match_a_naive_loop_and_the_layer(
    rc: tuple[int, int], stride: int, dilation: int
) -> None:
    pad = dilation  # "same" for a 3×3 kernel at stride 1; explicit cells otherwise
    s = LayerSettings(padding=(pad, pad), stride=(stride, stride), dilation=(dilation, dilation))
    f = conv_frame(X, W, B, s, 2, rc, RGB)
    sums, value = naive_conv_cell(X, W, B, 2, rc[0], rc[1], pad, stride, dilation)
    np.testing.assert_allclose(f.channel_sums, sums, rtol=1e-12, atol=1e-9)
    assert f.value == pytest.approx(value, rel=1e-12, abs=1e-9)
    layer = conv2d_layer(X.astype(np.float64), W, B, padding=pad, stride=stride, dilation=dilation)
    assert f.value == pytest.approx(float(layer[rc[0], rc[1], 2]), rel=1e-12, abs=1e-9)
    # the text: one line per channel, then the sum of sums with the bias, then the activation
    assert [ln.split(":")[0] for ln in f.lines[1:4]] == ["R", "G", "B"]
    assert f.lines[4].startswith("sum_R + sum_G + sum_B + bias = ")
    assert f.lines[4].endswith(f"= {f.lines[4].rsplit('= ', 1)[1]}")
    assert "no activation" in f.lines[5]


def test_conv_frame_window_and_padding_cells() -> None:
    f = conv_frame(X, W, B, LayerSettings(padding="same"), 0, (0, 8), RGB)
    assert f.tap_rows.tolist() == [-1, 0, 1] and f.tap_cols.tolist() == [7, 8, 9]
    want = np.zeros((3, 3), bool)
    want[0, :] = True
    want[:, 2] = True
    np.testing.assert_array_equal(f.is_padding, want)


def test_conv_frame_activation_line() -> None:
    s = LayerSettings(padding="same", activation="relu")
    f = conv_frame(X, -np.abs(W), np.zeros(4), s, 0, (3, 3), RGB)
    assert f.value < 0 and f.activated == 0.0
    assert f.lines[-1].startswith("relu(x) = max(0, x): relu(−")
    assert f.lines[-1].endswith(") = 0")


def test_conv_frame_groups_reads_only_its_channels() -> None:
    x = RNG.normal(size=(5, 5, 4))
    w = RNG.normal(size=(3, 3, 2, 4))
    b = RNG.normal(size=4)
    s = LayerSettings(padding="same", groups=2)
    f = conv_frame(x, w, b, s, 3, (2, 2), ("c0", "c1", "c2", "c3"))
    assert [ln.split(":")[0] for ln in f.lines[1:3]] == ["c2", "c3"]
    assert f.channels == (2, 3)
    want = sum(float((x[1:4, 1:4, 2 + c] * w[:, :, c, 3]).sum()) for c in range(2)) + b[3]
    assert f.value == pytest.approx(want, rel=1e-12)


def test_long_sums_are_elided() -> None:
    w = np.ones((5, 5, 1, 1))
    f = conv_frame(
        np.ones((6, 6, 1)), w, np.zeros(1), LayerSettings(padding="valid"), 0, (0, 0), ("grey",)
    )
    assert f"(+ {25 - MAX_TERMS} more)" not in f.lines[1]
    assert f"… ({25 - MAX_TERMS} more) = 25" in f.lines[1]


TRANSPOSED = [
    LayerSettings(layer_type="transposed", padding="valid", stride=(2, 2)),
    LayerSettings(layer_type="transposed", padding="same", stride=(2, 1)),
    LayerSettings(layer_type="transposed", padding=(1, 1), stride=(2, 2), output_padding=(1, 1)),
    LayerSettings(layer_type="transposed", padding="valid", stride=(1, 1), dilation=(2, 2)),
]


def layer_transpose(x: np.ndarray, w: np.ndarray, b: np.ndarray, s: LayerSettings) -> np.ndarray:
    """The engine's transposed layer for these settings (the state's Conv2D-layout bank)."""
    full = conv_transpose2d(
        x,
        transposed_weights(w),
        b,
        stride=s.stride,
        padding=s.padding,
        output_padding=s.output_padding,
        dilation=s.dilation,
    )
    return full


@pytest.mark.parametrize("s", TRANSPOSED)
def test_scatter_contributions_add_up_to_the_transposed_layer(s: LayerSettings) -> None:
    x = X.astype(np.float64)
    want = layer_transpose(x, W, B, s)
    h, w = want.shape[:2]
    assert grid_shape("scatter", x.shape, (h, w)) == x.shape[:2]
    assert grid_shape("direct", x.shape, (h, w)) == (h, w)
    for cell in [(0, 0), (h // 2, w // 2), (h - 1, w - 1)]:
        f = scatter_frame(x, W, B, s, 1, (0, 0), RGB, watch=cell)
        assert f.cell == cell
        assert f.value == pytest.approx(float(want[cell[0], cell[1], 1]), rel=1e-12, abs=1e-9)
        # a naive scatter written here: every pixel, every tap that lands on the cell
        total = 0.0
        kh, kw = W.shape[:2]
        (sr, sc), (dr, dc) = s.stride, s.dilation
        crop_r = (x.shape[0] - 1) * sr + dr * (kh - 1) + 1
        crop_c = (x.shape[1] - 1) * sc + dc * (kw - 1) + 1
        top = (crop_r - h) // 2  # Keras 'same' crops the full scatter evenly
        left = (crop_c - w) // 2
        if isinstance(s.padding, tuple):
            top, left = s.padding
        elif s.padding == "valid":
            top = left = 0
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                for a in range(kh):
                    for bb in range(kw):
                        if (i * sr + a * dr - top, j * sc + bb * dc - left) == cell:
                            total += float((x[i, j, :] * W[a, bb, :, 1]).sum())
        assert f.value == pytest.approx(total + B[1], rel=1e-9, abs=1e-9)
        pixels = contributing_pixels(x, W, s, 1, cell)
        assert pixels == sorted(pixels) and all(0 <= p[0] < x.shape[0] for p in pixels)


@pytest.mark.parametrize("s", TRANSPOSED)
def test_direct_view_equals_the_transposed_layer(s: LayerSettings) -> None:
    x = X.astype(np.float64)
    want = layer_transpose(x, W, B, s)
    d = direct_input(x, W, s)
    h, w = want.shape[:2]
    for rc in [(0, 0), (h // 2, 1), (h - 1, w - 1)]:
        f = direct_frame(d, B, s, 3, rc, RGB)
        assert f.value == pytest.approx(float(want[rc[0], rc[1], 3]), rel=1e-12, abs=1e-9)
        # the window is stride 1 on the zero-inserted input; inserted/padded zeros are marked
        win = d.padded[np.ix_(f.tap_rows, f.tap_cols)]
        np.testing.assert_array_equal(f.is_padding, d.kind[np.ix_(f.tap_rows, f.tap_cols)] != 0)
        assert np.all(win[f.is_padding] == 0)


@pytest.mark.parametrize("s", TRANSPOSED[:2])
def test_scatter_partial_grows_to_the_whole_map(s: LayerSettings) -> None:
    x = X.astype(np.float64)
    want = layer_transpose(x, W, B, s)
    n = x.shape[0] * x.shape[1]
    last = scatter_partial(x, W, s, 2, n - 1)
    np.testing.assert_allclose(last + B[2], want[:, :, 2], rtol=1e-12, atol=1e-9)
    first = scatter_partial(x, W, s, 2, 0)
    stamp = scatter_frame(x, W, B, s, 2, (0, 0), RGB)
    nz = np.argwhere(first != 0)
    assert set(map(tuple, nz.tolist())) <= {
        (int(r), int(c)) for r in stamp.out_rows for c in stamp.out_cols
    }


def test_output_size_text_is_the_engine_formula() -> None:
    s = LayerSettings(layer_type="transposed", padding=(1, 1), stride=(2, 2), output_padding=(1, 1))
    text = output_size_text((5, 4, 3), (3, 3), s)
    assert text.splitlines() == [
        "H′ = (5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10",
        "W′ = (4 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 8",
    ]


def test_bad_view_is_refused() -> None:
    with pytest.raises(ValueError, match="'sideways'"):
        grid_shape("sideways", (3, 3, 1), (3, 3))


def _sum_line_of(n: int) -> tuple[str, list[str], list[str], str]:
    names = [f"sum_ch{c + 1}" for c in range(n)] + ["bias"]
    numbers = [f"{v:.4g}" if v >= 0 else f"({v:.4g})" for v in RNG.normal(size=n + 1)]
    result = "12.5"
    return f"{' + '.join(names)} = {' + '.join(numbers)} = {result}", names, numbers, result


@pytest.mark.parametrize("n", [3, 16, 64])
@pytest.mark.parametrize("chars", [30, 60, 100, 160, 240, 5000])
def test_a_shortened_sum_keeps_its_first_terms_last_terms_and_result(n: int, chars: int) -> None:
    line, names, numbers, result = _sum_line_of(n)
    short = shorten_sum_line(line, chars)
    assert len(short) <= chars
    if len(line) <= chars:
        assert short == line
        return
    least = f"… + bias = … + {numbers[-1]} = {result}"
    if len(least) > chars:  # not even one term each: the result alone
        assert short == f"… = {result}"
        return
    left, right, got_result = short.split(" = ")
    assert got_result == result
    kept = []
    for side, terms in ((left, names), (right, numbers)):
        parts = side.split(" + ")
        assert parts.count("…") == 1, side
        k = parts.index("…")
        assert parts[:k] == terms[:k], "the first terms, in order"
        tail = parts[k + 1 :]
        assert tail == terms[len(terms) - len(tail) :] and tail, "the last terms, in order"
        kept.append((k, len(tail)))
    (k, last), _ = kept
    assert kept[0] == kept[1], "as many names as numbers around the …"
    if chars >= 100 and n >= 16:
        assert last == 2 and k >= 1, "the first term, the last channel and the bias are kept"
    # The room is used: one more first term on each side would not fit.
    if k + 1 + last < len(names):
        one_more = [" + ".join([*t[: k + 1], "…", *t[-last:]]) for t in (names, numbers)]
        assert len(" = ".join([*one_more, result])) > chars


def test_a_sum_with_no_room_for_terms_keeps_its_result() -> None:
    line, *_ = _sum_line_of(64)
    assert shorten_sum_line(line, 12) == "… = 12.5"
    assert shorten_sum_line(line, 5) == "…12.5"
    assert shorten_sum_line(line, 1) == "…"
    assert shorten_sum_line("no activation: output = 0.5", 100) == "no activation: output = 0.5"
    with pytest.raises(ValueError, match="got 0"):
        shorten_sum_line(line, 0)
