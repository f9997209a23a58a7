"""The digit canvas's pen and MNIST preprocessing (``convgui.core.digits``).

References: the pen against a plain loop over every pixel with its own point-to-segment
distance; the centring against ``scipy.ndimage.center_of_mass``; the area averaging against
an exact supersampling (repeat each pixel, then take block means).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from convgui.core.digits import (
    BOX_SIDE,
    CANVAS_SIDE,
    DIGIT_SIDE,
    INK_THRESHOLD,
    area_weights,
    ink_box,
    mnist_preprocess,
    stamp_segment,
    upscale_digit,
)

# ---------------------------------------------------------------------------------------------
# independent references


def naive_distance(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """Distance from (px, py) to the segment (x0, y0)–(x1, y1), written out case by case."""
    vx, vy = x1 - x0, y1 - y0
    wx, wy = px - x0, py - y0
    along = vx * wx + vy * wy
    if along <= 0:  # before p0
        return math.hypot(wx, wy)
    length2 = vx * vx + vy * vy
    if along >= length2:  # past p1
        return math.hypot(px - x1, py - y1)
    # Perpendicular distance: |cross product| / length.
    return abs(vx * wy - vy * wx) / math.sqrt(length2)


def naive_ink(d: float, radius: float, softness: float) -> float:
    """The pen's profile: 1 inside, 0 outside, a smoothstep across the rim of width softness."""
    if softness == 0:
        return 1.0 if d <= radius else 0.0
    inner, outer = radius - softness / 2, radius + softness / 2
    if d <= inner:
        return 1.0
    if d >= outer:
        return 0.0
    t = (outer - d) / softness
    return t * t * (3 - 2 * t)


def naive_stamp(canvas: np.ndarray, p0, p1, radius: float, softness: float) -> np.ndarray:
    """Every pixel of the canvas, one at a time: pixel (i, j) has its centre at x=j, y=i."""
    out = canvas.astype(np.float64)
    for i in range(canvas.shape[0]):
        for j in range(canvas.shape[1]):
            d = naive_distance(j, i, p0[0], p0[1], p1[0], p1[1])
            out[i, j] = max(out[i, j], naive_ink(d, radius, softness))
    return out


def supersampled_mean(crop: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """Exact area averaging: repeat each pixel oh (ow) times, then average blocks of h (w)."""
    h, w = crop.shape
    fine = np.repeat(np.repeat(crop, oh, axis=0), ow, axis=1)  # (h*oh, w*ow)
    return fine.reshape(oh, h, ow, w).mean(axis=(1, 3))


#: Half a pixel, and the float32 rounding of a centre of mass that is a tie at exactly ½.
HALF = 0.5 + 1e-5


def bbox(img: np.ndarray, threshold: float = 0.0) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels above threshold, from np.nonzero."""
    rows, cols = np.nonzero(img > threshold)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def draw(strokes, radius: float = 6.0, softness: float = 1.5) -> np.ndarray:
    """A canvas with polylines drawn on it (each stroke a list of (x, y))."""
    c = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.float32)
    for pts in strokes:
        for a, b in zip(pts[:1] + pts[:-1], pts, strict=True):
            stamp_segment(c, a, b, radius=radius, softness=softness)
    return c


def circle(cx: float, cy: float, rx: float, ry: float, n: int = 40) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * np.pi, n)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


#: Strokes of several shapes, as a learner draws them on the 140×140 canvas.
SHAPES = {
    "one": [[(70, 20), (72, 120)]],
    "seven": [[(35, 25), (105, 25), (60, 120)]],
    "four": [[(80, 20), (30, 85), (110, 85)], [(85, 50), (85, 125)]],
    "zero": [circle(70, 70, 30, 45)],
    "L": [[(30, 20), (30, 110), (100, 110)]],
    "wide_dash": [[(10, 70), (130, 74)]],
    "dot": [[(70, 70)]],
    "corner_diagonal": [[(0, 0), (60, 50)]],
    "small_two": [[(60, 60), (72, 58), (74, 66), (60, 78), (76, 78)]],
}


# ---------------------------------------------------------------------------------------------
# the pen


@pytest.mark.parametrize(
    ("p0", "p1", "radius", "softness"),
    [
        ((10.0, 12.0), (30.0, 20.0), 4.0, 1.5),
        ((5.3, 7.9), (5.3, 7.9), 3.2, 2.0),  # a dot
        ((20.0, 3.0), (20.0, 30.0), 2.5, 0.0),  # vertical, hard edge
        ((-5.0, 10.0), (12.0, -4.0), 6.0, 1.0),  # starts and ends outside
        ((33.0, 37.0), (45.0, 25.0), 5.0, 3.0),  # runs off the bottom-right corner
        ((1.5, 2.5), (30.5, 2.5), 1.0, 4.0),  # softness wider than the stroke: a faint line
    ],
)
def test_stamp_matches_a_loop_over_every_pixel(p0, p1, radius, softness) -> None:
    rng = np.random.default_rng(3)
    canvas = (rng.random((36, 40)) * 0.6).astype(np.float32)  # old ink to max-blend with
    want = naive_stamp(canvas, p0, p1, radius, softness)
    got = canvas.copy()
    top, bottom, left, right = stamp_segment(got, p0, p1, radius=radius, softness=softness)
    np.testing.assert_allclose(got, want, atol=2e-7)
    # The box holds every pixel the pen reached and is clipped to the canvas.
    changed = got != canvas
    assert changed.any()
    rows, cols = np.nonzero(changed)
    assert 0 <= top <= rows.min() and rows.max() < bottom <= canvas.shape[0]
    assert 0 <= left <= cols.min() and cols.max() < right <= canvas.shape[1]
    # ...and no more than a pixel beyond the pen's reach around the segment.
    reach = radius + softness / 2
    assert top >= min(p0[1], p1[1]) - reach - 1 and bottom <= max(p0[1], p1[1]) + reach + 2
    assert left >= min(p0[0], p1[0]) - reach - 1 and right <= max(p0[0], p1[0]) + reach + 2


@settings(max_examples=60, deadline=None)
@given(
    coords=st.lists(st.floats(-10, 40, allow_nan=False), min_size=4, max_size=4),
    radius=st.floats(0.3, 9),
    softness=st.floats(0, 5),
)
def test_stamp_matches_the_loop_for_any_segment(coords, radius, softness) -> None:
    canvas = np.zeros((24, 30), np.float32)
    p0, p1 = (coords[0], coords[1]), (coords[2], coords[3])
    want = naive_stamp(canvas, p0, p1, radius, softness)
    box = stamp_segment(canvas, p0, p1, radius=radius, softness=softness)
    np.testing.assert_allclose(canvas, want, atol=2e-7)
    top, bottom, left, right = box
    outside = np.ones_like(canvas, dtype=bool)
    outside[top:bottom, left:right] = False
    assert not canvas[outside].any(), "ink outside the box the stamp returned"
    assert canvas.max() <= 1.0


def test_a_pen_rim_thinner_than_float_spacing_is_a_clean_edge() -> None:
    # Found by hypothesis: a subnormal softness overflowed the rim's slope (a warning).
    canvas = np.zeros((5, 5), np.float32)
    stamp_segment(canvas, (2, 2), (2, 2), radius=1.0, softness=2.2250738585e-313)
    np.testing.assert_array_equal(canvas, naive_stamp(np.zeros((5, 5)), (2, 2), (2, 2), 1.0, 0))


def test_stamp_blends_with_max_and_keeps_float64() -> None:
    canvas = np.full((20, 20), 0.25)
    stamp_segment(canvas, (2, 10), (17, 10), radius=3, softness=0)
    assert canvas.dtype == np.float64
    assert canvas[10, 10] == 1.0 and canvas[0, 0] == 0.25  # old ink kept where the pen is not
    stamp_segment(canvas, (10, 2), (10, 17), radius=3, softness=0)  # crossing: never above 1
    assert canvas.max() == 1.0


def test_a_stroke_that_misses_the_canvas_draws_nothing() -> None:
    canvas = np.zeros((10, 10), np.float32)
    top, bottom, left, right = stamp_segment(canvas, (50, 50), (80, 60), radius=3)
    assert top == bottom or left == right
    assert not canvas.any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"canvas": np.zeros((5, 5), np.int32)}, "float"),
        ({"canvas": np.zeros((5, 5, 3), np.float32)}, "2-D"),
        ({"canvas": [[0.0, 0.0]]}, "numpy array"),
        ({"p0": (float("nan"), 1.0)}, "finite"),
        ({"p1": (1.0,)}, "(x, y)"),
        ({"p1": "ab"}, "(x, y)"),
        ({"radius": 0.0}, "radius must be > 0"),
        ({"radius": float("inf")}, "finite"),
        ({"softness": -1.0}, "softness must be ≥ 0"),
        ({"radius": 1.7e308, "softness": 1e308}, "too far"),
        ({"p0": (1e300, 0.0)}, r"too far for a pen \(the limit is ±1,000,000"),
    ],
)
def test_stamp_refuses_bad_arguments_and_says_why(kwargs, message) -> None:
    args = {"canvas": np.zeros((5, 5), np.float32), "p0": (1.0, 1.0), "p1": (3.0, 3.0)}
    args.update({k: v for k, v in kwargs.items() if k in args})
    pen = {"radius": 2.0, "softness": 1.0}
    pen.update({k: v for k, v in kwargs.items() if k in pen})
    with pytest.raises(ValueError, match=message):
        stamp_segment(args["canvas"], args["p0"], args["p1"], **pen)


def test_stamp_refuses_a_read_only_canvas() -> None:
    canvas = np.zeros((5, 5), np.float32)
    canvas.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        stamp_segment(canvas, (1, 1), (2, 2), radius=1)


# ---------------------------------------------------------------------------------------------
# preprocessing


def test_an_empty_canvas_gives_zeros() -> None:
    out = mnist_preprocess(np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.float32))
    assert out.shape == (DIGIT_SIDE, DIGIT_SIDE) and out.dtype == np.float32
    assert not out.any()


def test_float_noise_below_the_threshold_is_no_ink() -> None:
    c = np.full((CANVAS_SIDE, CANVAS_SIDE), INK_THRESHOLD * 0.9, np.float32)
    assert not mnist_preprocess(c).any()
    c[60:80, 65:75] = 1.0
    out = mnist_preprocess(c)
    # The box is the bar's (20 tall, 10 wide), not the whole noisy canvas.
    top, bottom, left, right = bbox(out, threshold=0.5)
    assert (bottom - top, right - left) == (20, 10)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_are_scaled_to_a_20_pixel_box_and_centred_by_mass(name: str) -> None:
    canvas = draw(SHAPES[name])
    out = mnist_preprocess(canvas)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    # Bounding box: the larger side is 20, the smaller keeps the drawing's aspect.
    t, b, left, r = bbox(canvas, INK_THRESHOLD)
    h, w = b - t, r - left
    ot, ob, ol, orr = bbox(out)
    oh, ow = ob - ot, orr - ol
    assert max(oh, ow) == BOX_SIDE
    small = min(h, w) * BOX_SIDE / max(h, w)
    assert abs(min(oh, ow) - small) <= 1.0, (oh, ow, h, w)
    assert (oh >= ow) == (h >= w)
    # Centre of mass: the whole-pixel shift puts it within half a pixel of (14, 14), so no
    # other whole-pixel shift is nearer.
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 14.0) <= HALF and abs(cx - 14.0) <= HALF, (cy, cx)


def test_scaling_is_area_averaging() -> None:
    rng = np.random.default_rng(11)
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE))
    crop = rng.random((97, 61)) * 0.9 + 0.05  # all ink, awkward sizes: 97 → 20, 61 → 13
    canvas[20:117, 40:101] = crop
    out = mnist_preprocess(canvas)
    oh, ow = 20, round(61 * 20 / 97)
    want = supersampled_mean(crop, oh, ow)
    top, _, left, _ = bbox(out)
    np.testing.assert_allclose(out[top : top + oh, left : left + ow], want, atol=1e-6)
    assert np.count_nonzero(out) == oh * ow
    # The whole-pixel shift matches scipy's centre of mass of the scaled block.
    cy, cx = ndimage.center_of_mass(want)
    assert (top, left) == (math.floor(14 - cy + 0.5), math.floor(14 - cx + 0.5))


def test_area_weights_against_supersampling() -> None:
    rng = np.random.default_rng(5)
    for n_in, n_out in ((140, 20), (7, 20), (33, 13), (1, 1), (5, 1)):
        x = rng.random(n_in)
        want = supersampled_mean(x[:, None], n_out, 1)[:, 0]
        np.testing.assert_allclose(area_weights(n_in, n_out) @ x, want, atol=1e-12)
    with pytest.raises(ValueError, match="at least 1"):
        area_weights(0, 3)


def test_a_drawn_one_becomes_a_narrow_centred_bar() -> None:
    canvas = draw([[(68, 15), (70, 125)]], radius=7)
    out = mnist_preprocess(canvas)
    top, bottom, left, right = bbox(out)
    assert bottom - top == 20 and right - left <= 4
    assert top in (4, 5)  # a symmetric bar's centre of mass is a tie: 14 ± ½
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cx - 14) <= HALF and abs(cy - 14) <= HALF
    # A solid bar: its middle rows are full strength in the middle column.
    assert out[8:20, round(cx)].min() > 0.9


def test_lopsided_ink_stays_whole_in_the_field() -> None:
    # A heavy blob at the top and a long thin tail: centring the mass would push the box's
    # bottom out of the field, so the shift stops at the edge and no ink is cut.
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE))
    canvas[10:50, 10:50] = 1.0
    canvas[10:130, 10:12] = 1.0
    out = mnist_preprocess(canvas)
    top, bottom, left, right = bbox(out)
    assert (bottom - top, right - left) == (20, 7)
    assert bottom == 28  # 28 - 20: as far down as the field allows
    cy, cx = ndimage.center_of_mass(out)
    assert cy < 13.5  # centring the mass would have needed more
    assert abs(cx - 14) <= HALF  # the other axis is centred as usual
    # The scaled drawing keeps its mass (area averaging): nothing was cut off.
    crop = canvas[10:130, 10:50]
    assert out.sum() == pytest.approx(crop.sum() * (20 * 7) / crop.size, rel=1e-5)


def test_preprocess_reads_any_size_and_dtype_and_never_modifies_its_input() -> None:
    canvas = draw(SHAPES["seven"])
    keep = canvas.copy()
    out = mnist_preprocess(canvas)
    assert np.array_equal(canvas, keep)
    u8 = np.round(canvas * 255).astype(np.uint8)
    np.testing.assert_allclose(mnist_preprocess(u8), out, atol=2 / 255)
    # Ink above 1 is clipped, as a stroke crossing itself never goes above 1.
    np.testing.assert_array_equal(
        mnist_preprocess(canvas * 3.0), mnist_preprocess(np.clip(canvas * 3.0, 0, 1))
    )
    small = np.zeros((40, 30))
    small[5:35, 12:16] = 1.0
    assert bbox(mnist_preprocess(small))[1] - bbox(mnist_preprocess(small))[0] == 20


@pytest.mark.parametrize(
    ("canvas", "message"),
    [
        (np.zeros((4, 4, 3)), "2-D"),
        (np.zeros((0, 4)), "non-empty"),
        (np.array([["a"]]), "real numbers"),
        (np.array([[0.0, np.nan]]), "finite.*row 0, column 1"),
    ],
)
def test_preprocess_refuses_bad_canvases_and_says_why(canvas, message) -> None:
    with pytest.raises(ValueError, match=message):
        mnist_preprocess(canvas)


# ---------------------------------------------------------------------------------------------
# a 28×28 digit onto the canvas and back


def test_upscale_makes_blocks() -> None:
    rng = np.random.default_rng(2)
    digit = rng.random((28, 28)).astype(np.float32)
    big = upscale_digit(digit)
    assert big.shape == (CANVAS_SIDE, CANVAS_SIDE) and big.dtype == np.float32
    assert np.array_equal(big, np.kron(digit, np.ones((5, 5), np.float32)))
    assert np.array_equal(upscale_digit(np.full((2, 2), 255, np.uint8), factor=3), np.ones((6, 6)))
    with pytest.raises(ValueError, match="factor"):
        upscale_digit(digit, factor=0)
    with pytest.raises(ValueError, match="4096"):
        upscale_digit(digit, factor=1000)


@pytest.mark.parametrize("name", ["one", "seven", "four", "zero", "L", "small_two"])
def test_a_shipped_like_digit_survives_upscale_and_preprocess(name: str) -> None:
    digit = mnist_preprocess(draw(SHAPES[name]))  # an MNIST-like digit: 20-px box, centred
    again = mnist_preprocess(upscale_digit(digit))
    b0, b1 = np.array(bbox(digit)), np.array(bbox(again))
    assert np.abs(b0 - b1).max() <= 1
    np.testing.assert_allclose(again, digit, atol=1e-5)
    assert np.allclose(ndimage.center_of_mass(again), ndimage.center_of_mass(digit), atol=0.5)
    # Drawing over it adds ink where the pen went and keeps the rest.
    canvas = upscale_digit(digit)
    stamp_segment(canvas, (20, 130), (120, 130), radius=4)
    over = mnist_preprocess(canvas)
    assert over.sum() > 0 and not np.allclose(over, digit)


def test_ink_box_matches_nonzero() -> None:
    canvas = draw(SHAPES["four"])
    assert ink_box(canvas) == bbox(canvas, INK_THRESHOLD)
    assert ink_box(np.zeros((3, 3))) is None


def test_the_shipped_digits_survive_the_canvas_unchanged() -> None:
    from convgui.net import digit_samples

    images, _ = digit_samples()
    for digit in images:
        again = mnist_preprocess(upscale_digit(digit))
        assert np.abs(np.array(bbox(again)) - np.array(bbox(digit))).max() <= 1
        np.testing.assert_allclose(again, digit, atol=1e-6)


#: Digits drawn as a learner would, with the panel's default pen (12 canvas pixels wide).
DRAWN = {
    1: [[(70, 15), (72, 125)]],
    2: [[(40, 45), (55, 25), (85, 22), (100, 45), (45, 115), (110, 115)]],
    3: [[(40, 25), (100, 25), (65, 65), (100, 90), (70, 120), (35, 110)]],
    4: SHAPES["four"],
    7: SHAPES["seven"],
    0: SHAPES["zero"],
}


@pytest.mark.parametrize("label", sorted(DRAWN))
def test_drawn_digits_are_read_right_by_the_shipped_network(label: int) -> None:
    # The preprocessing matches what the network was trained on: a drawn digit, made into
    # an MNIST-like image, is classified as what was drawn.
    from convgui.net import Network

    digit = mnist_preprocess(draw(DRAWN[label], radius=6.0))
    p = Network.digits().predict(digit)
    assert int(np.argmax(p)) == label, np.round(p, 3)
