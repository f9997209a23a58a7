"""The worksheet's model (convgui.core.worksheet): grids, answers, blanks, the worked sum.

The answers are checked against a naive loop written here (zero padding as Keras' "same", a
stride, 2×2 max pooling), not against the engine the model calls.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from lesson_grid import GRID, KERNEL

from convgui.core.worksheet import (
    BLANK,
    WorksheetOptions,
    choose_cells,
    crop_grid,
    make_worksheet,
)


def naive_layer(grid: np.ndarray, kernel: np.ndarray, padding: str, stride: int) -> np.ndarray:
    """Cross-correlation with zero padding, by loops over every output cell and tap."""
    h, w = grid.shape
    kh, kw = kernel.shape
    if padding == "valid":
        top = left = 0
        ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    else:  # TensorFlow's "same": ceil(n / s) outputs, the odd padding cell after
        ho, wo = math.ceil(h / stride), math.ceil(w / stride)
        top = max((ho - 1) * stride + kh - h, 0) // 2
        left = max((wo - 1) * stride + kw - w, 0) // 2
    out = np.zeros((ho, wo))
    for r in range(ho):
        for c in range(wo):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    y, x = r * stride - top + i, c * stride - left + j
                    if 0 <= y < h and 0 <= x < w:
                        total += grid[y, x] * kernel[i, j]
            out[r, c] = total
    return out


def naive_max_pool(a: np.ndarray) -> np.ndarray:
    ho, wo = a.shape[0] // 2, a.shape[1] // 2
    return np.array(
        [
            [max(a[2 * r : 2 * r + 2, 2 * c : 2 * c + 2].ravel()) for c in range(wo)]
            for r in range(ho)
        ]
    )


SETTINGS = list(itertools.product(("valid", "same"), (1, 2)))


@pytest.mark.parametrize(("padding", "stride"), SETTINGS)
@pytest.mark.parametrize("size", [4, 5, 7, 10])
def test_answers_match_a_naive_loop(padding: str, stride: int, size: int) -> None:
    rng = np.random.default_rng(size * 10 + stride)
    grid = rng.integers(0, 256, (size, size)).astype(float)
    kernel = rng.integers(-3, 4, (3, 3)).astype(float)
    ws = make_worksheet(grid, kernel, WorksheetOptions(padding=padding, stride=stride))
    want = naive_layer(grid, kernel, padding, stride)
    assert ws.out_shape == want.shape
    np.testing.assert_array_equal(ws.answers, want)


@pytest.mark.parametrize("shape", [(4, 6), (9, 5)])
def test_even_and_rectangular_kernels_and_grids(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 10, shape).astype(float)
    kernel = rng.integers(-2, 3, (2, 3)).astype(float)
    ws = make_worksheet(grid, kernel, WorksheetOptions(padding="same", stride=2, cells=3))
    np.testing.assert_array_equal(ws.answers, naive_layer(grid, kernel, "same", 2))


def test_padded_grid_and_padding_mask() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same"))
    assert ws.padded.shape == (8, 8)
    assert ws.is_padding.sum() == 8 * 8 - 6 * 6
    assert ws.is_padding[0].all() and ws.is_padding[:, -1].all()
    assert not ws.is_padding[1:7, 1:7].any()
    np.testing.assert_array_equal(ws.padded[1:7, 1:7], GRID)
    assert (ws.padded[ws.is_padding] == 0).all()
    # "same" with stride 2 on 6 cells pads one cell, after (bottom/right), as Keras does.
    ws2 = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", stride=2))
    assert ws2.geometry.pads == (0, 1, 0, 1)
    assert ws2.is_padding[-1].all() and not ws2.is_padding[0, :-1].any()
    valid = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="valid"))
    assert not valid.is_padding.any()
    np.testing.assert_array_equal(valid.padded, GRID)


def test_lesson_worksheet_numbers() -> None:
    same = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", cells=6))
    assert same.answers[0, 0] == 22 and same.answers[2, 3] == 198
    # The worked cell reads padding: the lesson's edge pixel, written as the panel writes it.
    assert same.worked.position == (0, 0)
    assert same.worked_text() == "0×1 + 0×2 + 0×1 + 0×2 + 2×4 + 3×2 + 0×1 + 2×2 + 4×1 = 22"
    assert same.worked.value == same.answers[0, 0]


def test_worked_sum_without_padding_and_with_negative_weights() -> None:
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    ws = make_worksheet(GRID, kernel, WorksheetOptions(padding="valid", cells=1))
    r, c = ws.worked.position
    assert ws.to_fill == ((r, c),)
    window = GRID[r : r + 3, c : c + 3].astype(float)
    terms = []
    for v, k in zip(window.ravel(), kernel.ravel()):
        kt = f"(−{int(-k)})" if k < 0 else str(int(k))
        terms.append(f"{int(v)}×{kt}")
    total = int((window * kernel).sum())
    want = " + ".join(terms) + f" = {total}".replace("-", "−")
    assert ws.worked_text() == want
    assert ws.answers[r, c] == total


def test_formula_blanks_fill_back_to_the_app_formula() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", stride=2))
    assert ws.formulas() == ["(6 + 0 + 1 − 3)/2 + 1 = 3"]
    (blank,) = ws.formula_blanks()
    assert blank.count(BLANK) == 3
    filled = blank.replace(BLANK, "0", 1).replace(BLANK, "1", 1).replace(BLANK, "3", 1)
    assert filled == ws.formulas()[0]
    odd = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="valid", stride=2))
    assert odd.formulas() == ["⌊(6 + 0 + 0 − 3)/2⌋ + 1 = 2"]
    assert odd.formula_blanks() == [f"⌊(6 + {BLANK} + {BLANK} − 3)/2⌋ + 1 = {BLANK}"]


def test_rectangular_grid_has_a_formula_per_axis() -> None:
    ws = make_worksheet(np.ones((4, 7)), np.ones((3, 3)), WorksheetOptions(padding="valid"))
    assert ws.formulas() == [
        "rows: (4 + 0 + 0 − 3)/1 + 1 = 2",
        "columns: (7 + 0 + 0 − 3)/1 + 1 = 5",
    ]
    assert len(ws.formula_blanks()) == 2


@pytest.mark.parametrize(("padding", "stride"), SETTINGS)
def test_pooling_question(padding: str, stride: int) -> None:
    rng = np.random.default_rng(11)
    grid = rng.integers(0, 50, (10, 10)).astype(float)
    kernel = rng.integers(-1, 2, (3, 3)).astype(float)
    ws = make_worksheet(grid, kernel, WorksheetOptions(padding=padding, stride=stride, pool=True))
    want = naive_max_pool(naive_layer(grid, kernel, padding, stride))
    assert ws.pooled is not None and ws.pooled_shape == want.shape
    np.testing.assert_array_equal(ws.pooled, want)
    assert ws.pool_worked is not None
    assert ws.pool_worked.expression().endswith(f"= {int(want[0, 0])}".replace("-", "−"))
    assert ws.pooled_formulas() and ws.pooled_formulas()[0].endswith(f"= {want.shape[0]}")
    off = make_worksheet(grid, kernel, WorksheetOptions(padding=padding, stride=stride))
    assert off.pooled is None and off.pool_worked is None and off.pooled_formulas() == []


def test_cells_to_fill_are_spread_and_include_an_edge_when_padded() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", cells=6))
    cells = ws.to_fill
    assert len(cells) == len(set(cells)) == 6
    assert list(cells) == sorted(cells)
    assert {r for r, _ in cells} | {c for _, c in cells} >= {0, 5}  # reaches both edges
    # Spread: no two chosen cells touch.
    for (a, b), (c, d) in itertools.combinations(cells, 2):
        assert max(abs(a - c), abs(b - d)) >= 2
    # An edge cell (its window reads padding) is among them.
    assert any(r in (0, 5) or c in (0, 5) for r, c in cells)
    assert ws.fill_mask().sum() == 6
    again = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", cells=6))
    assert again.to_fill == cells  # deterministic


def test_edge_cell_even_when_same_padding_is_only_after() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="same", stride=2, cells=1))
    # Pads (0, 1, 0, 1): only the last row and column read padding.
    (cell,) = ws.to_fill
    assert cell[0] == 2 or cell[1] == 2
    assert ws.worked.padding_taps > 0


def test_valid_padding_starts_from_the_centre() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="valid", cells=1))
    assert ws.to_fill == ((1, 1),)
    assert ws.worked.padding_taps == 0


def test_more_cells_than_the_output_fills_all() -> None:
    ws = make_worksheet(GRID, KERNEL, WorksheetOptions(padding="valid", stride=2, cells=9))
    assert ws.to_fill == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert choose_cells(ws.geometry, 4) == ws.to_fill


def test_inputs_are_copied_not_modified() -> None:
    grid = GRID.astype(float)
    before = grid.copy()
    ws = make_worksheet(grid, KERNEL, WorksheetOptions())
    grid[0, 0] = 99
    assert ws.grid[0, 0] == before[0, 0]
    assert not ws.grid.flags.writeable


@pytest.mark.parametrize(
    ("grid", "kernel", "options", "match"),
    [
        (np.ones((3, 3)), KERNEL, WorksheetOptions(), "4×4 to 10×10"),
        (np.ones((11, 6)), KERNEL, WorksheetOptions(), "4×4 to 10×10"),
        (np.ones((6, 6, 3)), KERNEL, WorksheetOptions(), "4×4 to 10×10"),
        (np.ones((6, 6)), np.ones((9, 9)), WorksheetOptions(), "at most 7×7"),
        (np.full((6, 6), np.nan), KERNEL, WorksheetOptions(), "finite"),
        (np.ones((4, 4)), np.ones((5, 5)), WorksheetOptions(padding="valid"), "does not fit"),
        (np.ones((4, 4)), KERNEL, WorksheetOptions(padding="valid", stride=2, pool=True), "pool"),
    ],
)
def test_bad_input_says_what_to_change(
    grid: np.ndarray, kernel: np.ndarray, options: WorksheetOptions, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        make_worksheet(grid, kernel, options)


@pytest.mark.parametrize(
    "kwargs", [{"padding": "full"}, {"stride": 3}, {"stride": True}, {"cells": 0}]
)
def test_bad_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=repr(next(iter(kwargs.values())))):
        WorksheetOptions(**kwargs)  # type: ignore[arg-type]


def test_crop_grid() -> None:
    img = np.arange(100).reshape(10, 10)
    np.testing.assert_array_equal(crop_grid(img, 2, 3, 4), img[2:6, 3:7])
    with pytest.raises(ValueError, match="at most row 6, column 6"):
        crop_grid(img, 7, 0, 4)
    with pytest.raises(ValueError, match="smaller than"):
        crop_grid(img, 0, 0, 11)
    with pytest.raises(ValueError, match="2-D"):
        crop_grid(np.zeros((5, 5, 3)), 0, 0, 4)


@pytest.mark.parametrize(
    ("top", "left", "size", "match"),
    [
        (1.5, 0, 4, "top row must be a whole number, got 1.5"),
        ("1", 0, 4, "top row must be a whole number, got '1'"),
        (0, None, 4, "left column must be a whole number, got None"),
        (0, 0, 4.0, "size must be a whole number, got 4.0"),
        (0, True, 4, "left column must be a whole number, got True"),
        (0, 0, 0, "at least 1 cell, got 0"),
        (9, 9, -3, "at least 1 cell, got -3"),
        (-1, 0, 4, "at most row 6, column 6"),
    ],
)
def test_crop_grid_refuses_bad_corners_and_sizes(top, left, size, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        crop_grid(np.arange(100).reshape(10, 10), top, left, size)


def test_crop_grid_takes_numpy_ints_and_refuses_complex_images() -> None:
    img = np.arange(100).reshape(10, 10)
    np.testing.assert_array_equal(crop_grid(img, np.int64(2), np.int32(3), np.int16(4)),
                                  img[2:6, 3:7])  # fmt: skip
    with pytest.raises(ValueError, match="real numbers, got complex128"):
        crop_grid(img * 1j, 0, 0, 4)


@pytest.mark.parametrize(
    ("grid", "kernel", "match"),
    [
        (np.ones((6, 6)), np.ones((3, 3)) * 1j, "kernel must hold real numbers, got complex"),
        (np.ones((6, 6)) + 0j, np.ones((3, 3)), "grid must hold real numbers, got complex"),
        ([["a"] * 6] * 6, np.ones((3, 3)), "grid must hold real numbers, got <U1 values"),
        (None, np.ones((3, 3)), "grid must hold real numbers, got object values"),
        ([[1] * 6] * 5 + [[1]], np.ones((3, 3)), "rows of equal length"),
    ],
)
def test_worksheet_refuses_tables_that_are_not_real_numbers(grid, kernel, match: str) -> None:
    """A complex kernel used to lose its imaginary part silently (ComplexWarning)."""
    with pytest.raises(ValueError, match=match):
        make_worksheet(grid, kernel, WorksheetOptions())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"stride": 2.0}, "whole number 1 or 2, got 2.0"),
        ({"stride": "2"}, "whole number 1 or 2, got '2'"),
        ({"cells": 2.0}, "whole number, at least 1, got 2.0"),
        ({"pool": "yes"}, "True or False, got 'yes'"),
        ({"pool": 1}, "True or False, got 1"),
    ],
)
def test_options_refuse_values_of_the_wrong_type(kwargs, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WorksheetOptions(**kwargs)


def test_options_keep_plain_python_values_from_numpy_ones() -> None:
    opts = WorksheetOptions(stride=np.int64(2), pool=np.bool_(True), cells=np.int32(3))
    assert opts == WorksheetOptions(stride=2, pool=True, cells=3)
    assert type(opts.stride) is int and type(opts.pool) is bool and type(opts.cells) is int


@pytest.mark.parametrize("pool", [False, True])
def test_a_kernel_that_does_not_fit_says_so_with_or_without_pooling(pool: bool) -> None:
    """With pooling on, the engine's text ("... with dilation (1, 1) ...") used to come through."""
    with pytest.raises(ValueError, match="the 3×6 kernel does not fit in the 10×4 grid") as info:
        make_worksheet(
            np.ones((10, 4)), np.ones((3, 6)), WorksheetOptions(padding="valid", pool=pool)
        )
    assert "dilation" not in str(info.value)
