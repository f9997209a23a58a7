"""The quiz's model: the expected value, the rule for a right answer, the score, the cell chosen."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from lesson_grid import GRID, KERNEL

from convgui.core import LayerParams
from convgui.core.layout import layer_geometry
from convgui.core.pipeline import layer_scan
from convgui.imageio import ImageDoc
from convgui.quiz import (
    EDGE,
    PADDING,
    RULE_TEXT,
    STRIDE,
    Quiz,
    QuizMap,
    describe_reasons,
    hard_reasons,
    is_right,
    parse_answer,
    pooled_readers,
    typed_tolerance,
    value_tolerance,
)
from convgui.state import ExplorerState


def naive_layer(image: np.ndarray, kernel: np.ndarray, params: LayerParams) -> np.ndarray:
    """Zero-padded 'same' or 'valid' cross-correlation by loops, then divisor, bias, ReLU."""
    kh, kw = kernel.shape
    sr, sc = params.stride
    if params.padding == "same":
        # TensorFlow's rule: total padding so that out = ceil(n / s); the extra cell at the end.
        def pads(n: int, k: int, s: int) -> tuple[int, int]:
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            return total // 2, total - total // 2

        (t, b), (lft, r) = pads(image.shape[0], kh, sr), pads(image.shape[1], kw, sc)
    else:
        t = b = lft = r = 0
    padded = np.zeros((image.shape[0] + t + b, image.shape[1] + lft + r))
    padded[t : t + image.shape[0], lft : lft + image.shape[1]] = image
    oh = (padded.shape[0] - kh) // sr + 1
    ow = (padded.shape[1] - kw) // sc + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            acc = 0.0
            for u in range(kh):
                for v in range(kw):
                    acc += padded[i * sr + u, j * sc + v] * kernel[u, v]
            out[i, j] = acc
    out = out / params.divisor + params.bias
    if params.activation == "relu":
        out = np.maximum(out, 0)
    return out


@pytest.fixture
def lesson(state: ExplorerState) -> ExplorerState:
    """The synchronous state on the lesson's 6×6 grid and kernel."""
    state.set_image(ImageDoc(GRID, name="lesson"))
    state.set_all(KERNEL.astype(float), LayerParams(padding="same"), "lesson")
    assert state.result is not None
    return state


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tol"),
    [
        (198.0, 0.5),  # 1 9 8: the 3rd significant digit is the units
        (127.5, 0.5),
        (0.0, 0.5),
        (-3.0, 0.005),  # 3.00
        (22.0, 0.05),
        (1530.4, 5.0),  # the tens
        (12.3333, 0.05),
        (-12.3333, 0.05),
        (2.25, 0.005),
        (0.125, 0.0005),
        (-0.5755, 0.0005),
        (0.5, 0.0005),
        (0.00025, 5e-7),
        (99.97, 0.5),  # written 100 to 3 significant digits
        (float("nan"), 0.0),
        (float("inf"), 0.0),
    ],
)
def test_tolerance_is_half_a_unit_of_the_third_significant_digit(value: float, tol: float) -> None:
    assert value_tolerance(value) == pytest.approx(tol, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "tol"),
    [
        ("198", 0.5),
        ("197.6", 0.05),
        ("−0.575", 0.0005),
        ("-0.576", 0.0005),
        ("1230", 5.0),  # zeros ending a number without a point: not digits typed
        ("200", 50.0),
        ("200.", 0.5),
        ("0.50", 0.005),
        (".5", 0.05),
        ("0", 0.5),
        ("2.5e-3", 5e-5),
        ("12e2", 50.0),
        ("+7", 0.5),
        ("37/3", None),  # a fraction is exact
        ("1 / 9", None),
    ],
)
def test_typed_tolerance_is_half_a_unit_of_the_last_digit_typed(
    text: str, tol: float | None
) -> None:
    got = typed_tolerance(text)
    assert got == (None if tol is None else pytest.approx(tol, rel=1e-12))


def judge(text: str, expected: float) -> bool:
    return is_right(parse_answer(text), expected, text)


def test_a_half_must_be_typed() -> None:
    v = float(np.float32(124.0) + np.float32(3.5))  # the worked sum with bias 3.5
    assert v == 127.5
    assert judge("127.5", v) and judge("255/2", v)
    assert not judge("127", v) and not judge("128", v)  # both 0.5 away
    assert not judge("127.4", v) and not judge("127.6", v)  # the last digit typed is wrong


def test_three_significant_digits_are_enough_but_every_digit_typed_counts() -> None:
    assert judge("198", 198.0) and judge("198.0", 198.0)
    assert not judge("197.6", 198.0)  # 0.4 away: within 0.5, but its last digit is wrong
    assert not judge("197", 198.0) and not judge("200", 198.0)
    third = float(np.float32(37 / 3))
    assert judge("12.3", third) and judge("12.33", third) and judge("37/3", third)
    assert not judge("12.4", third) and not judge("12", third) and not judge("12.34", third)
    assert judge("1530", 1530.4) and judge("1530.4", 1530.4) and not judge("1531", 1530.4)


def test_the_case_of_minus_0_5755() -> None:
    # float32 holds −0.5755000114: −0.576 is 0.49999e-3 away (right), −0.575 0.50001e-3.
    v = float(np.float32(-0.5755))
    assert v < -0.5755
    assert judge("−0.576", v) and judge("-0.5755", v)
    assert not judge("−0.575", v)
    # An exact −0.575 (float32 −0.57499999) accepts −0.575 and refuses −0.574 and −0.576.
    w = float(np.float32(-0.575))
    assert judge("−0.575", w) and not judge("−0.574", w) and not judge("−0.576", w)


def test_any_text_of_the_same_float32_is_right() -> None:
    v = float(np.float32(0.1))
    assert judge("0.10000000149", v)  # 11 decimals typed: right as the map holds it
    assert judge("0.1", v) and not judge("0.11", v)
    assert not is_right(1e300, 1e308, "1e300") and is_right(1e308, 1e308, "1e308")
    assert not is_right(float("inf"), 1.0) and not is_right(1.0, float("nan"))


def test_the_rule_is_stated_without_numbers_before_and_with_them_after() -> None:
    quiz = Quiz(seed=0)
    quiz.set_map(
        QuizMap("conv", np.array([[127.5, -0.5755]], np.float32), np.zeros((1, 2), np.uint8))
    )
    q = quiz.ask_at(0, 0)
    assert q is not None and q.shown == "127.5" and q.tolerance == 0.5
    assert "3 significant digits are enough" in RULE_TEXT
    assert "127.5" in RULE_TEXT and "127 or 128" in RULE_TEXT  # the example, not this value
    assert "closer than 0.5 to 127.5" in q.rule()
    v = quiz.answer("128")
    assert not v.right
    assert "the value is 127.5" in v.text() and "0.5 from it" in v.text()
    assert "closer than 0.5" in v.text()
    q = quiz.ask_at(0, 1)
    assert q is not None and q.shown == "−0.576"
    assert q.value_text() == "−0.576 (−0.5755 in the map)"
    v = quiz.answer("-0.5754")
    assert not v.right and "last digit you typed is wrong" in v.text()
    assert "closer than 0.00005" in v.text()
    quiz.ask_at(0, 1)
    v = quiz.reveal()
    assert "The answer is −0.576 (−0.5755 in the map)" in v.text()
    assert "closer than 0.0005" in v.text()


@pytest.mark.parametrize("text", ["", "   ", "abc", "1/0", "12,5", "1e999", "2+3"])
def test_unreadable_answers_say_what_to_type(text: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_answer(text)
    message = str(err.value)
    assert "kernel" not in message  # the cell parser's wording is not the quiz's
    assert "Type" in message or "with a point" in message


def test_answers_read_as_a_cell_is_read() -> None:
    assert parse_answer("198") == 198.0
    assert parse_answer(" −0.5 ") == -0.5
    assert parse_answer("1/9") == pytest.approx(1 / 9)
    assert parse_answer("2e-3") == 0.002


# --- the expected value ------------------------------------------------------------------------


def test_expected_is_what_the_app_shows_after_divisor_bias_and_activation(
    lesson: ExplorerState,
) -> None:
    params = LayerParams(padding="same", divisor=16.0, bias=-20.0, activation="relu")
    lesson.set_all(KERNEL.astype(float), params, "quiz")
    r = lesson.result
    assert r is not None
    want = naive_layer(GRID.astype(float), KERNEL.astype(float), params)
    quiz = Quiz(seed=0)
    quiz.set_map(QuizMap.of_result(r))
    for row, col in itertools.product(range(6), range(6)):
        q = quiz.ask_at(row, col)
        assert q is not None
        assert q.expected == pytest.approx(want[row, col], abs=1e-4)
    # The lesson's interior pixel: (2×1 + 5×2 + … = 198) / 16 − 20 = −7.625 → ReLU → 0.
    q = quiz.ask_at(2, 3)
    assert q is not None and q.expected == 0.0 and q.shown == "0"
    q = quiz.ask_at(5, 0)
    assert q is not None and q.expected == pytest.approx(want[5, 0])


def test_the_lesson_pixel_198_right_and_wrong(lesson: ExplorerState) -> None:
    assert lesson.result is not None
    quiz = Quiz(seed=0)
    quiz.set_map(QuizMap.of_result(lesson.result))
    q = quiz.ask_at(2, 3)
    assert q is not None and q.expected == 198.0 and q.shown == "198"
    assert "row 2, col 3" in q.text()
    v = quiz.answer("198")
    assert v.right and quiz.score.text() == "Score 1/1 · streak 1 (best 1)"
    assert not quiz.open
    with pytest.raises(ValueError, match="Next"):
        quiz.answer("198")  # answered once only
    q = quiz.ask_at(0, 0)
    assert q is not None and q.expected == 22.0  # the zero-padded corner of the lesson
    v = quiz.answer("21")
    assert not v.right
    assert "the value is 22" in v.text() and "closer than 0.05" in v.text()
    assert (quiz.score.right, quiz.score.asked, quiz.score.streak) == (1, 2, 0)


def test_unreadable_answer_is_not_counted_and_the_question_stays(lesson: ExplorerState) -> None:
    assert lesson.result is not None
    quiz = Quiz(seed=0)
    quiz.set_map(QuizMap.of_result(lesson.result))
    quiz.ask_at(1, 1)
    with pytest.raises(ValueError, match="not a number"):
        quiz.answer("lots")
    assert quiz.open and quiz.score.asked == 0


def test_score_streaks_and_reveal() -> None:
    quiz = Quiz(order="scan", seed=0)
    values = np.arange(9, dtype=np.float64).reshape(3, 3)
    quiz.set_map(QuizMap("conv", values, np.zeros((3, 3), np.uint8)))
    for text in ("0", "1", "2", "9", "4", "5"):
        q = quiz.ask()
        assert q is not None
        quiz.answer(text)
    assert (quiz.score.right, quiz.score.asked) == (5, 6)
    assert (quiz.score.streak, quiz.score.best_streak) == (2, 3)
    quiz.ask()
    v = quiz.reveal()
    assert v.revealed and not v.right and "6" in v.text()
    assert (quiz.score.right, quiz.score.asked, quiz.score.streak) == (5, 7, 0)
    with pytest.raises(ValueError):
        quiz.reveal()


def test_color_results_ask_the_red_channel(state: ExplorerState) -> None:
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (7, 8, 3), dtype=np.uint8)
    state.set_image(ImageDoc(rgb, name="rgb"))
    state.set_color_mode("rgb")
    state.set_all(KERNEL.astype(float), LayerParams(padding="valid"), "k")
    r = state.result
    assert r is not None and r.activated.ndim == 3
    m = QuizMap.of_result(r)
    assert m is not None and m.channel_note == " (red channel)"
    red = naive_layer(rgb[..., 0].astype(float), KERNEL.astype(float), LayerParams(padding="valid"))
    np.testing.assert_allclose(m.values, red, atol=1e-3)
    q = Quiz(seed=0)
    q.set_map(m)
    assert "(red channel)" in q.ask_at(0, 0).text()  # type: ignore[union-attr]


def test_pooled_questions_and_the_pooled_cells_that_give_an_output_away(
    lesson: ExplorerState,
) -> None:
    params = LayerParams(padding="same", pool="max")
    lesson.set_all(KERNEL.astype(float), params, "pool")
    r = lesson.result
    assert r is not None and r.pooled is not None
    conv = naive_layer(GRID.astype(float), KERNEL.astype(float), LayerParams(padding="same"))
    pooled = conv.reshape(3, 2, 3, 2).max(axis=(1, 3))
    pm = QuizMap.of_result(r, "pool")
    assert pm is not None and pm.shape == (3, 3)
    np.testing.assert_allclose(pm.values, pooled)
    quiz = Quiz(seed=0)
    quiz.set_map(QuizMap.of_result(r, "conv"))
    q = quiz.ask_at(3, 2)
    assert q is not None and q.give_away == ((1, 1),)
    assert QuizMap.of_result(r, "pool") is not None
    lesson.set_all(KERNEL.astype(float), LayerParams(padding="same"), "no pool")
    assert lesson.result is not None
    assert QuizMap.of_result(lesson.result, "pool") is None
    with pytest.raises(ValueError, match="stage"):
        QuizMap.of_result(lesson.result, "output")


def test_pooled_readers_with_overlapping_windows() -> None:
    g = layer_geometry((6, 6), (3, 3), LayerParams(pool="max", pool_size=3, pool_stride=2))
    readers = pooled_readers(g, 2, 2)
    # Windows start at 0 and 2 (rows 0-2 and 2-4): output row/col 2 is read by both.
    assert sorted(readers) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert pooled_readers(layer_geometry((6, 6), (3, 3), LayerParams()), 2, 2) == []


# --- hard cells --------------------------------------------------------------------------------


SETTINGS = [
    LayerParams(padding="same"),
    LayerParams(padding="valid"),
    LayerParams(padding="full"),
    LayerParams(padding="same", stride=2),
    LayerParams(padding="same", stride=(2, 3), dilation=2),
    LayerParams(padding=(2, 0, 1, 3)),
]


@pytest.mark.parametrize("params", SETTINGS, ids=range(len(SETTINGS)))
def test_padding_reason_matches_the_engines_scan(params: LayerParams) -> None:
    image = np.arange(7 * 9, dtype=np.float32).reshape(7, 9)
    kernel = np.ones((3, 4), np.float32)
    g = layer_geometry(image.shape, kernel.shape, params)
    bits = hard_reasons(g)
    assert bits.shape == g.out_shape
    for r, c in itertools.product(range(g.out_shape[0]), range(g.out_shape[1])):
        scan = layer_scan(image, kernel, params, (r, c))
        assert bool(bits[r, c] & PADDING) == bool(scan.is_padding.any()), (r, c)
        edge = r in (0, g.out_shape[0] - 1) or c in (0, g.out_shape[1] - 1)
        assert bool(bits[r, c] & EDGE) == edge
        h, w = g.out_shape
        moved = (g.stride[0] > 1 and r in (1, h - 1)) or (g.stride[1] > 1 and c in (1, w - 1))
        assert bool(bits[r, c] & STRIDE) == moved


def test_pool_reasons() -> None:
    g = layer_geometry((5, 5), (3, 3), LayerParams(pool="max", pool_padding="same"))
    bits = hard_reasons(g, "pool")
    assert bits.shape == (3, 3)
    # 5 outputs, 2×2 windows, stride 2, 'same': the last window reads one padded output.
    assert [bool(b & PADDING) for b in bits[:, 0]] == [False, False, True]
    with pytest.raises(ValueError, match="pooling"):
        hard_reasons(layer_geometry((5, 5), (3, 3), LayerParams()), "pool")
    assert "padding" in describe_reasons(int(bits[2, 2]))
    assert describe_reasons(0) == ""


def _geometry_map(image_shape: tuple[int, int], params: LayerParams) -> QuizMap:
    g = layer_geometry(image_shape, (3, 3), params)
    values = np.arange(g.out_shape[0] * g.out_shape[1], dtype=np.float64).reshape(g.out_shape)
    return QuizMap("conv", values, hard_reasons(g), geometry=g)


def test_hard_cells_cover_every_padding_cell_and_never_an_easy_one() -> None:
    m = _geometry_map((8, 8), LayerParams(padding="same"))
    padding = {tuple(rc) for rc in np.argwhere(m.reasons & PADDING)}
    assert len(padding) == 28  # the ring of an 8×8 output
    quiz = Quiz(order="hard", seed=3)
    quiz.set_map(m)
    seen = []
    for _ in range(len(padding)):
        q = quiz.ask()
        assert q is not None and q.reasons != 0
        quiz.answer(str(q.expected))
        seen.append(q.cell)
    assert set(seen) == padding  # one round visits each hard cell once


def test_hard_cells_with_stride_add_the_first_jump_and_the_last_window() -> None:
    m = _geometry_map((12, 12), LayerParams(padding="same", stride=2))
    assert m.shape == (6, 6)
    hard = {tuple(rc) for rc in np.argwhere(m.reasons)}
    # The ring of the 6×6 output, row and column 1 (the first jump): 20 + 4 + 3 cells.
    assert (1, 3) in hard and (3, 1) in hard and (1, 1) in hard
    assert (2, 2) not in hard and (3, 4) not in hard
    assert len(hard) == 27
    quiz = Quiz(order="hard", seed=4)
    quiz.set_map(m)
    asked = {quiz.ask().cell for _ in range(len(hard))}  # type: ignore[union-attr]
    assert asked == hard


def test_hard_cells_with_more_reasons_come_first() -> None:
    m = _geometry_map((12, 12), LayerParams(padding="same", stride=2))
    n_reasons = np.vectorize(lambda b: bin(int(b)).count("1"))(m.reasons)
    first = []
    for seed in range(300):
        quiz = Quiz(order="hard", seed=seed)
        quiz.set_map(m)
        cell = quiz.pick()
        assert cell is not None
        first.append(n_reasons[cell])
    hard = n_reasons[n_reasons > 0]
    # Picked in proportion to their reasons: the mean is sum(n²)/sum(n), above the plain mean.
    assert np.mean(first) == pytest.approx((hard**2).sum() / hard.sum(), abs=0.15)
    assert np.mean(first) > hard.mean() + 0.1


def test_no_hard_cells_falls_back_to_any_cell() -> None:
    quiz = Quiz(order="hard", seed=0)
    quiz.set_map(QuizMap("conv", np.ones((3, 3)), np.zeros((3, 3), np.uint8)))
    assert {quiz.ask().cell for _ in range(9)} == set(  # type: ignore[union-attr]
        itertools.product(range(3), range(3))
    )


@pytest.mark.parametrize("order", ["scan", "random", "hard"])
def test_tiny_outputs_and_no_output(order: str) -> None:
    m = _geometry_map((3, 3), LayerParams(padding="valid"))
    assert m.shape == (1, 1)
    quiz = Quiz(order=order, seed=0)
    quiz.set_map(m)
    for _ in range(3):
        q = quiz.ask()
        assert q is not None and q.cell == (0, 0)
        quiz.answer("0")
    assert quiz.ask_at(1, 0) is None and quiz.ask_at(0, -1) is None
    quiz.set_map(None)
    assert quiz.ask() is None and quiz.pick() is None
    quiz.set_map(QuizMap("conv", np.zeros((0, 0)), np.zeros((0, 0), np.uint8)))
    assert quiz.ask() is None
    # A map whose values cannot be written (inf) asks nothing rather than the impossible.
    quiz.set_map(QuizMap("conv", np.array([[np.inf, 1.0]]), np.zeros((1, 2), np.uint8)))
    assert [quiz.ask().cell for _ in range(3)] == [(0, 1)] * 3  # type: ignore[union-attr]


def test_scan_order_walks_row_by_row_and_wraps() -> None:
    quiz = Quiz(order="scan")
    quiz.set_map(QuizMap("conv", np.zeros((2, 3)), np.zeros((2, 3), np.uint8)))
    cells = [quiz.ask().cell for _ in range(7)]  # type: ignore[union-attr]
    assert cells == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 0)]
    quiz.ask_at(1, 0)
    assert quiz.pick() == (1, 1)


def test_random_order_is_repeatable_with_a_seed_and_never_repeats_at_once() -> None:
    m = _geometry_map((6, 6), LayerParams(padding="same"))

    def run(seed: int) -> list[tuple[int, int]]:
        quiz = Quiz(order="random", seed=seed)
        quiz.set_map(m)
        return [quiz.ask().cell for _ in range(60)]  # type: ignore[union-attr]

    a, b, c = run(1), run(1), run(2)
    assert a == b and a != c
    assert set(a[:36]) == set(itertools.product(range(6), range(6)))  # a round: each once
    assert all(x != y for x, y in itertools.pairwise(a))


def test_a_new_result_replaces_the_open_question_with_its_new_value(
    lesson: ExplorerState,
) -> None:
    assert lesson.result is not None
    quiz = Quiz(seed=0)
    quiz.set_map(QuizMap.of_result(lesson.result))
    quiz.ask_at(2, 3)
    lesson.set_params(divisor=16.0)
    assert lesson.result is not None
    assert quiz.set_map(QuizMap.of_result(lesson.result)) is True
    q = quiz.question
    assert q is not None and q.cell == (2, 3) and q.expected == pytest.approx(198 / 16)
    assert quiz.open and quiz.score.asked == 0
    # The cell is gone in a smaller output: another cell is asked.
    lesson.set_params(padding="valid")
    assert lesson.result is not None
    quiz.set_map(QuizMap.of_result(lesson.result))  # (2, 3) exists in 4×4: asked again
    assert quiz.question is not None and quiz.question.cell == (2, 3)
    lesson.set_params(padding="same")
    assert lesson.result is not None
    quiz.set_map(QuizMap.of_result(lesson.result))
    quiz.ask_at(5, 5)
    lesson.set_params(padding="valid")
    assert lesson.result is not None
    quiz.set_map(QuizMap.of_result(lesson.result))
    q = quiz.question
    assert q is not None and q.row < 4 and q.col < 4
    # Answered questions are not re-asked by a new result.
    quiz.answer(str(q.expected))
    assert quiz.set_map(QuizMap.of_result(lesson.result)) is False
    assert quiz.question is None


def test_orders_are_checked() -> None:
    with pytest.raises(ValueError, match="order"):
        Quiz(order="sideways")
    with pytest.raises(ValueError, match="order"):
        Quiz().set_order("hardest")


def test_the_model_imports_no_qt() -> None:
    code = (
        "import sys, convgui.quiz; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_map_is_a_view_of_the_result_not_a_copy(lesson: ExplorerState) -> None:
    r = lesson.result
    assert r is not None
    m = QuizMap.of_result(r)
    assert m is not None and np.shares_memory(m.values, r.activated)


@pytest.mark.parametrize("order", ["random", "hard"])
def test_the_last_fresh_cell_of_a_large_map_is_found(order: str) -> None:
    # 99 of 100 rows asked: random draws nearly always land on asked cells, so the exact
    # listing of the fresh cells has to find the one row left (then a new round starts).
    values = np.zeros((100, 60))
    reasons = np.full((100, 60), EDGE, np.uint8)
    quiz = Quiz(order=order, seed=0)
    quiz.set_map(QuizMap("conv", values, reasons))
    for r, c in itertools.product(range(100), range(60)):
        if r != 37:
            quiz.ask_at(r, c)
    left = {quiz.ask().cell for _ in range(60)}  # type: ignore[union-attr]
    assert left == {(37, c) for c in range(60)}
    assert quiz.ask() is not None and len(list(quiz.cells_asked())) == 1  # a new round
