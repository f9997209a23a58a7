"""The step-by-step scan the animation replays, checked at EVERY output position.

For each parameter set: ``scan_window(...).total`` equals ``correlate2d`` on float64 input
(the issue asks for relative 1e-9); the window values equal an independently padded image
(``np.pad``); ``is_padding`` marks exactly the cells outside the image; the source indices
point at the image cells the values came from. ``scan_pool`` is checked against a naive
loop and ``covering_positions`` against brute force over all output positions.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import (
    BOUNDARIES,
    naive_pool,
    np_pad,
    pair,
    ref_out_len,
    ref_pads,
)

from convgui.core import correlate2d, covering_positions, scan_pool, scan_window

PADDINGS = ["valid", "same", "full", 1, (0, 2, 3, 1)]
# (kernel shape, stride, dilation, flip)
COMBOS = [
    ((1, 1), 1, 1, False),
    ((2, 2), 1, 1, False),
    ((3, 3), 2, 1, False),
    ((3, 3), 1, 1, True),
    ((5, 4), 1, 2, False),
    ((2, 3), (1, 3), (2, 1), True),
    ((4, 1), 3, 1, False),
    ((3, 5), (2, 1), (1, 2), False),
]
CVAL = -3.25


def _fits(shape, kshape, pads, stride, dilation) -> tuple[int, int]:
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    return (
        ref_out_len(shape[0], pads[0], pads[1], kshape[0], sr, dr),
        ref_out_len(shape[1], pads[2], pads[3], kshape[1], sc, dc),
    )


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_scan_window_at_every_position(padding, boundary) -> None:
    rng = np.random.default_rng(0)
    image = rng.standard_normal((6, 7)) * 10
    h, w = image.shape
    n_checked = 0
    for kshape, stride, dilation, flip in COMBOS:
        kernel = rng.standard_normal(kshape)
        weights = kernel[::-1, ::-1] if flip else kernel
        kw = dict(padding=padding, boundary=boundary, cval=CVAL, stride=stride, dilation=dilation)
        pads = ref_pads(image.shape, kshape, padding, stride, dilation)
        ho, wo = _fits(image.shape, kshape, pads, stride, dilation)
        if ho <= 0 or wo <= 0:
            with pytest.raises(ValueError, match="larger than the padded input"):
                scan_window(image, kernel, (0, 0), flip=flip, **kw)
            continue
        conv = correlate2d(image, kernel, flip=flip, **kw)
        assert conv.shape == (ho, wo)
        padded = np_pad(image, pads, boundary, CVAL)
        (sr, sc), (dr, dc) = pair(stride), pair(dilation)
        for r in range(ho):
            for c in range(wo):
                s = scan_window(image, kernel, (r, c), flip=flip, **kw)
                rows = r * sr + np.arange(kshape[0]) * dr
                cols = c * sc + np.arange(kshape[1]) * dc
                assert s.position == (r, c)
                assert tuple(s.pads) == pads
                np.testing.assert_array_equal(s.rows, rows)
                np.testing.assert_array_equal(s.cols, cols)
                np.testing.assert_array_equal(s.weights, weights)
                np.testing.assert_array_equal(s.values, padded[np.ix_(rows, cols)])
                np.testing.assert_array_equal(s.products, s.values * weights)
                img_r, img_c = rows - pads[0], cols - pads[2]
                outside = ((img_r < 0) | (img_r >= h))[:, None] | ((img_c < 0) | (img_c >= w))
                np.testing.assert_array_equal(s.is_padding, outside)
                inside = ~outside
                np.testing.assert_array_equal(
                    s.src_rows[inside], np.broadcast_to(img_r[:, None], kshape)[inside]
                )
                np.testing.assert_array_equal(
                    s.src_cols[inside], np.broadcast_to(img_c[None, :], kshape)[inside]
                )
                if boundary in ("zero", "constant"):
                    assert np.all(s.src_rows[outside] == -1)
                    assert np.all(s.src_cols[outside] == -1)
                else:
                    np.testing.assert_array_equal(image[s.src_rows, s.src_cols], s.values)
                scale = float(np.abs(s.products).sum())
                assert abs(s.total - float(conv[r, c])) <= 1e-9 * scale + 1e-300, (r, c)
                assert s.total == pytest.approx(float(s.products.sum()), abs=0)
                n_checked += 1
    assert n_checked > 100


@pytest.mark.parametrize("boundary", ["zero", "reflect"])
def test_scan_window_reads_the_chosen_channel(boundary) -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(5, 6, 3)).astype(np.uint8)
    kernel = rng.standard_normal((3, 2))
    conv = correlate2d(image.astype(np.float64), kernel, boundary=boundary)
    for ch in range(3):
        padded = np_pad(image[..., ch], ref_pads(image.shape, (3, 2), "same"), boundary)
        for r in range(5):
            for c in range(6):
                s = scan_window(image, kernel, (r, c), boundary=boundary, channel=ch)
                np.testing.assert_array_equal(s.values, padded[r : r + 3, c : c + 2])
                assert abs(s.total - conv[r, c, ch]) <= 1e-9 * np.abs(s.products).sum()
    default = scan_window(image, kernel, (2, 2), boundary=boundary)
    np.testing.assert_array_equal(
        default.values, scan_window(image, kernel, (2, 2), boundary=boundary, channel=0).values
    )


def test_scan_window_zero_boundary_ignores_cval() -> None:
    s = scan_window(np.ones((3, 3)), np.ones((3, 3)), (0, 0), boundary="zero", cval=9.0)
    assert s.total == 4.0
    s = scan_window(np.ones((3, 3)), np.ones((3, 3)), (0, 0), boundary="constant", cval=9.0)
    assert s.total == 4.0 + 5 * 9.0


def test_scan_window_input_not_modified() -> None:
    image = np.arange(20.0).reshape(4, 5)
    kernel = np.arange(6.0).reshape(2, 3)
    ic, kc = image.copy(), kernel.copy()
    image.setflags(write=False)
    kernel.setflags(write=False)
    s = scan_window(image, kernel, (1, 1), flip=True, boundary="wrap")
    np.testing.assert_array_equal(image, ic)
    np.testing.assert_array_equal(kernel, kc)
    np.testing.assert_array_equal(s.weights, kc[::-1, ::-1])


@pytest.mark.parametrize(
    ("position", "kwargs", "match"),
    [
        ((6, 0), {}, r"position \(6, 0\).*outside.*\(6, 6\)"),
        ((0, -1), {}, r"position \(0, -1\).*outside"),
        ((0, 4), {"padding": "valid"}, r"position \(0, 4\).*\(4, 4\)"),
        ((0,), {}, r"position must be \(row, col\)"),
        ("ab", {}, r"position must be \(row, col\)"),
        ((0, 0), {"boundary": "bogus"}, r"boundary.*'bogus'"),
        ((0, 0), {"stride": 0}, r"stride.*0"),
    ],
)
def test_scan_window_errors(position, kwargs, match) -> None:
    image, kernel = np.ones((6, 6)), np.ones((3, 3))
    with pytest.raises(ValueError, match=match):
        scan_window(image, kernel, position, **kwargs)


def test_scan_window_channel_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"channel 3 is outside 0\.\.2"):
        scan_window(np.ones((4, 4, 3)), np.ones((3, 3)), (0, 0), channel=3)


# --- pooling scan --------------------------------------------------------------------------------


def _first_max(x: np.ndarray, rows: range, cols: range) -> tuple[tuple[int, int], float]:
    best, where = -np.inf, None
    for y in rows:
        for z in cols:
            if 0 <= y < x.shape[0] and 0 <= z < x.shape[1] and x[y, z] > best:
                best, where = x[y, z], (y, z)
    assert where is not None
    return where, best


@pytest.mark.parametrize(
    ("size", "stride"), [(2, None), (3, None), (3, 2), ((1, 3), (2, 1)), (2, 3)], ids=str
)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("op", ["max", "avg"])
def test_scan_pool_at_every_position(op, padding, size, stride) -> None:
    rng = np.random.default_rng(2)
    # Small integers make ties likely: the winner must be the first maximum in row-major order.
    x = -rng.integers(0, 4, size=(7, 8)).astype(np.float64)
    pooled = naive_pool(x, size, stride=stride, padding=padding, op=op)
    kh, kw = pair(size)
    sr, sc = pair(size if stride is None else stride)
    pads = ref_pads(x.shape, (kh, kw), padding, (sr, sc))  # Keras "same", or none
    for r in range(pooled.shape[0]):
        for c in range(pooled.shape[1]):
            s = scan_pool(x, (r, c), size, stride=stride, padding=padding, op=op)
            rows = range(r * sr - pads[0], r * sr - pads[0] + kh)
            cols = range(c * sc - pads[2], c * sc - pads[2] + kw)
            assert s.position == (r, c)
            assert tuple(s.pads) == pads
            np.testing.assert_array_equal(s.rows, list(rows))
            np.testing.assert_array_equal(s.cols, list(cols))
            outside = np.array([[not (0 <= y < 7 and 0 <= z < 8) for z in cols] for y in rows])
            np.testing.assert_array_equal(s.is_padding, outside)
            assert s.count == int((~outside).sum())
            want_values = np.array(
                [[x[y, z] if 0 <= y < 7 and 0 <= z < 8 else np.nan for z in cols] for y in rows]
            )
            np.testing.assert_array_equal(s.values, want_values)  # NaN where padded
            assert s.result == pytest.approx(pooled[r, c], rel=1e-12)
            if op == "max":
                where, best = _first_max(x, rows, cols)
                assert s.winner == where, (r, c)
                assert s.result == best
            else:
                assert s.winner is None


def test_scan_pool_matches_pool2d_on_a_colour_channel() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 6, 2))
    pooled = naive_pool(x[..., 1], 2, padding="same")
    for r in range(3):
        for c in range(3):
            s = scan_pool(x, (r, c), 2, padding="same", channel=1)
            assert s.result == pooled[r, c]


def test_scan_pool_position_outside() -> None:
    with pytest.raises(ValueError, match=r"position \(2, 0\).*\(2, 2\)"):
        scan_pool(np.ones((4, 4)), (2, 0))


# --- covering positions --------------------------------------------------------------------------


@pytest.mark.parametrize(("kshape", "stride", "dilation", "_flip"), COMBOS, ids=str)
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_covering_positions_by_brute_force(padding, kshape, stride, dilation, _flip) -> None:
    shape = (6, 7)
    pads = ref_pads(shape, kshape, padding, stride, dilation)
    ho, wo = _fits(shape, kshape, pads, stride, dilation)
    if ho <= 0 or wo <= 0:
        with pytest.raises(ValueError):
            covering_positions(
                shape, kshape, (0, 0), padding=padding, stride=stride, dilation=dilation
            )
        return
    (sr, sc), (dr, dc) = pair(stride), pair(dilation)
    covers: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for r in range(ho):
        for c in range(wo):
            for i in range(kshape[0]):
                for j in range(kshape[1]):
                    y, z = r * sr + i * dr - pads[0], c * sc + j * dc - pads[2]
                    if 0 <= y < shape[0] and 0 <= z < shape[1]:
                        lst = covers.setdefault((y, z), [])
                        if (r, c) not in lst:
                            lst.append((r, c))
    for y in range(shape[0]):
        for z in range(shape[1]):
            got = covering_positions(
                shape, kshape, (y, z), padding=padding, stride=stride, dilation=dilation
            )
            want = sorted(covers.get((y, z), []))
            assert got.shape == (len(want), 2), (y, z)
            assert [tuple(p) for p in got.tolist()] == want, (y, z)
