"""The teacher's worksheet: a small grid, a kernel, and the output the student works out.

Everything the worksheet prints is computed here, with the app's own engine, so the sheet
shows what the window computes: the padding and output size come from
:func:`convgui.core.layout.layer_geometry` (and its formula text), the answers from
:func:`convgui.core.pipeline.run_layer`, the worked sum from :func:`convgui.core.scene.conv_scene`
written as the arithmetic panel writes it. Pure numpy: the PDF is drawn by the GUI.

The worksheet's layer is a plain one: zero padding (``"valid"`` or ``"same"``), a stride, no
dilation, divisor, bias or activation, and, for the pooling question, 2×2 max pooling with
stride 2 over the output.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layout import LayerGeometry, layer_geometry
from .padding import pad_image
from .pipeline import LayerParams, run_layer
from .scene import ConvScene, PoolScene, conv_scene, pool_scene

#: Smallest and largest side of the worksheet's input grid.
MIN_SIDE, MAX_SIDE = 4, 10
#: Padding choices of the worksheet.
WORKSHEET_PADDINGS: tuple[str, ...] = ("valid", "same")
#: Strides offered.
WORKSHEET_STRIDES: tuple[int, ...] = (1, 2)
#: The pooling question: window and stride.
POOL_SIZE = 2
#: Largest kernel side a worksheet accepts (a student multiplies every tap by hand).
MAX_KERNEL_SIDE = 7
#: Products written out in the worked sum before the middle is elided (as the panel does).
WORKED_TERMS = 49
#: What replaces a number the student writes.
BLANK = "____"

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class WorksheetOptions:
    """The teacher's choices.

    Attributes
    ----------
    padding : {"valid", "same"}
        ``"same"`` pads with zeros as Keras does.
    stride : {1, 2}
        Step of the kernel.
    pool : bool
        Add the pooling question (2×2 max pooling, stride 2, over the output).
    cells : int
        How many output cells the student fills (all of them when larger than the output).
    """

    padding: str = "same"
    stride: int = 1
    pool: bool = False
    cells: int = 6

    def __post_init__(self) -> None:
        if not isinstance(self.padding, str) or self.padding not in WORKSHEET_PADDINGS:
            raise ValueError(f"padding must be 'valid' or 'same', got {self.padding!r}")
        if not _is_int(self.stride) or self.stride not in WORKSHEET_STRIDES:
            raise ValueError(f"stride must be the whole number 1 or 2, got {self.stride!r}")
        if not isinstance(self.pool, (bool, np.bool_)):
            raise ValueError(f"pool must be True or False, got {self.pool!r}")
        if not _is_int(self.cells) or self.cells < 1:
            raise ValueError(
                f"the number of cells to fill must be a whole number, at least 1, got "
                f"{self.cells!r}"
            )
        # numpy ints and bools are accepted; keep plain Python ones (hashing, repr, settings)
        object.__setattr__(self, "stride", int(self.stride))
        object.__setattr__(self, "pool", bool(self.pool))
        object.__setattr__(self, "cells", int(self.cells))

    def params(self) -> LayerParams:
        """The layer these choices describe."""
        return LayerParams(
            padding=self.padding,
            stride=(self.stride, self.stride),
            pool="max" if self.pool else "none",
            pool_size=(POOL_SIZE, POOL_SIZE),
            pool_stride=(POOL_SIZE, POOL_SIZE),
        )


@dataclass(frozen=True)
class Worksheet:
    """One worksheet and its answers.

    Attributes
    ----------
    grid : ndarray, shape (H, W)
        The input grid (float64, a copy).
    kernel : ndarray, shape (kh, kw)
        The kernel (float64, a copy).
    options : WorksheetOptions
        The choices it was made from.
    params : LayerParams
        The layer computed.
    geometry : LayerGeometry
        Pads, output shape and the size formulas (the app's own).
    padded : ndarray
        The grid with its zero padding, shape :attr:`LayerGeometry.padded_shape`.
    is_padding : ndarray of bool
        True where :attr:`padded` is padding.
    answers : ndarray, shape ``geometry.out_shape``
        The output, as :func:`run_layer` computes it.
    to_fill : tuple of (int, int)
        The output cells left blank for the student, row-major.
    worked : ConvScene
        The output cell whose sum is written out on the answer page.
    pooled : ndarray or None
        The pooled answers (pooling question on).
    pool_worked : PoolScene or None
        One pooled cell worked out.
    """

    grid: F64
    kernel: F64
    options: WorksheetOptions
    params: LayerParams
    geometry: LayerGeometry
    padded: F64
    is_padding: NDArray[np.bool_]
    answers: F64
    to_fill: tuple[tuple[int, int], ...]
    worked: ConvScene
    pooled: F64 | None
    pool_worked: PoolScene | None

    @property
    def out_shape(self) -> tuple[int, int]:
        """Rows and columns of the output."""
        return self.geometry.out_shape

    @property
    def pooled_shape(self) -> tuple[int, int] | None:
        """Rows and columns of the pooled map (None without the pooling question)."""
        return self.geometry.pooled_shape

    def fill_mask(self) -> NDArray[np.bool_]:
        """True at the output cells the student fills."""
        mask = np.zeros(self.out_shape, dtype=bool)
        for r, c in self.to_fill:
            mask[r, c] = True
        return mask

    def formulas(self) -> list[str]:
        """The output size written out: one line when rows and columns agree, else two."""
        return _axis_lines(self.geometry.row_formula, self.geometry.col_formula)

    def formula_blanks(self) -> list[str]:
        """:meth:`formulas` with every number the student works out left blank.

        The input size and the kernel's size stay; the padding and the result are blanks.

        Examples
        --------
        >>> ws = make_worksheet(np.zeros((6, 6)), np.ones((3, 3)), WorksheetOptions())
        >>> ws.formulas(), ws.formula_blanks()
        (['(6 + 1 + 1 − 3)/1 + 1 = 6'], ['(6 + ____ + ____ − 3)/1 + 1 = ____'])
        """
        g = self.geometry
        rows = _blank_formula(g.row_formula, g.image_shape[0], g.kernel_shape[0], g.stride[0])
        cols = _blank_formula(g.col_formula, g.image_shape[1], g.kernel_shape[1], g.stride[1])
        return _axis_lines(rows, cols)

    def pooled_formulas(self) -> list[str]:
        """The pooled map's size written out (empty without the pooling question)."""
        g = self.geometry
        if g.pooled_row_formula is None or g.pooled_col_formula is None:
            return []
        return _axis_lines(g.pooled_row_formula, g.pooled_col_formula)

    def worked_text(self) -> str:
        """The worked sum as the arithmetic panel writes it: ``2×1 + 5×2 + … = 198``."""
        return self.worked.sum_text(WORKED_TERMS)


def _is_int(value: object) -> bool:
    """True for an int (numpy's too), False for a bool, a float such as 2.0, or text."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _real_table(value: ArrayLike, what: str) -> F64:
    """``value`` as a float64 copy, refusing what is not a table of real numbers."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged rows
        raise ValueError(
            f"the worksheet's {what} must be a table of numbers with rows of equal length; "
            "check its rows"
        ) from None
    if arr.dtype.kind not in "biuf":
        kind = "complex numbers" if arr.dtype.kind == "c" else f"{arr.dtype} values"
        raise ValueError(
            f"the worksheet's {what} must hold real numbers, got {kind}; "
            f"use a {what} of real numbers"
        )
    return np.array(arr, dtype=np.float64)


def _axis_lines(rows: str, cols: str) -> list[str]:
    if rows == cols:
        return [rows]
    return [f"rows: {rows}", f"columns: {cols}"]


def _blank_formula(formula: str, n: int, k: int, stride: int) -> str:
    """``(n + p + q − k)/s + 1 = out`` with ``p``, ``q`` and ``out`` blank."""
    head, sep, _ = formula.rpartition(" = ")
    if not sep:
        return formula
    floor = head.startswith("⌊")
    body = f"({n} + {BLANK} + {BLANK} − {k})/{stride}"
    if floor:
        body = f"⌊{body}⌋"
    return f"{body} + 1 = {BLANK}"


def _window_padding(geometry: LayerGeometry) -> NDArray[np.intp]:
    """How many taps of each output cell's window fall in the padding."""
    h, w = geometry.image_shape
    ho, wo = geometry.out_shape
    counts = np.zeros((ho, wo), dtype=np.intp)
    for r in range(ho):
        for c in range(wo):
            rows, cols = geometry.window_taps(r, c)
            inside_r = int(np.count_nonzero((rows >= 0) & (rows < h)))
            inside_c = int(np.count_nonzero((cols >= 0) & (cols < w)))
            counts[r, c] = rows.size * cols.size - inside_r * inside_c
    return counts


def choose_cells(geometry: LayerGeometry, count: int) -> tuple[tuple[int, int], ...]:
    """The output cells the student fills: ``count`` of them, spread over the output.

    Deterministic. The first cell is one whose window reads the most padding when there is
    padding (so the sheet asks about an edge), else the cell nearest the centre; each next cell
    is the one farthest from those already chosen (ties: the first in row-major order).

    Parameters
    ----------
    geometry : LayerGeometry
        The worksheet's layer.
    count : int
        How many cells (all of them when ``count`` is at least the output's size).

    Returns
    -------
    tuple of (int, int)
        Row-major order.

    Examples
    --------
    >>> g = layer_geometry((6, 6), (3, 3), LayerParams(padding="same"))
    >>> choose_cells(g, 3)
    ((0, 0), (0, 5), (5, 5))
    """
    ho, wo = geometry.out_shape
    total = ho * wo
    if count >= total:
        return tuple((r, c) for r in range(ho) for c in range(wo))
    rr, cc = np.divmod(np.arange(total), wo)
    pad = _window_padding(geometry).ravel()
    if pad.max() > 0:
        first = int(np.argmax(pad))
    else:
        first = int(np.argmin((rr - (ho - 1) / 2) ** 2 + (cc - (wo - 1) / 2) ** 2))
    chosen = [first]
    dist = (rr - rr[first]) ** 2 + (cc - cc[first]) ** 2
    while len(chosen) < count:
        nxt = int(np.argmax(dist))  # argmax: the first of equal distances
        chosen.append(nxt)
        dist = np.minimum(dist, (rr - rr[nxt]) ** 2 + (cc - cc[nxt]) ** 2)
    return tuple((int(rr[i]), int(cc[i])) for i in sorted(chosen))


def _worked_cell(geometry: LayerGeometry, cells: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """The cell worked out on the answer page: among the blanks, one that reads padding first."""
    pad = _window_padding(geometry)
    return max(cells, key=lambda rc: (int(pad[rc]) > 0, -cells.index(rc)))


def make_worksheet(grid: ArrayLike, kernel: ArrayLike, options: WorksheetOptions) -> Worksheet:
    """Build the worksheet for ``grid`` and ``kernel``.

    Parameters
    ----------
    grid : array_like, shape (H, W)
        The input, :data:`MIN_SIDE` to :data:`MAX_SIDE` cells a side; finite values.
    kernel : array_like, shape (kh, kw)
        At most :data:`MAX_KERNEL_SIDE` a side; finite values.
    options : WorksheetOptions
        Padding, stride, pooling question, cells to fill.

    Returns
    -------
    Worksheet

    Raises
    ------
    ValueError
        A grid or kernel of the wrong shape or with non-finite values, or settings that give no
        output (the kernel does not fit) or an output too small to pool; the message says what
        to change.

    Examples
    --------
    >>> from convgui.core import get_preset
    >>> grid = [[2, 3, 0, 8, 120, 200], [2, 4, 2, 5, 4, 180], [1, 7, 10, 25, 12, 150],
    ...         [0, 9, 6, 11, 10, 90], [30, 45, 60, 75, 80, 70], [255, 230, 210, 190, 170, 160]]
    >>> ws = make_worksheet(grid, get_preset("lesson"), WorksheetOptions(padding="valid"))
    >>> ws.out_shape, float(ws.answers[1, 2])
    ((4, 4), 198.0)
    """
    g = _real_table(grid, "grid")
    k = _real_table(kernel, "kernel")
    if g.ndim != 2 or not (
        MIN_SIDE <= g.shape[0] <= MAX_SIDE and MIN_SIDE <= g.shape[1] <= MAX_SIDE
    ):
        raise ValueError(
            f"the worksheet's grid must be {MIN_SIDE}×{MIN_SIDE} to {MAX_SIDE}×{MAX_SIDE} cells, "
            f"got shape {g.shape}; choose a size in that range"
        )
    if k.ndim != 2 or k.size == 0 or max(k.shape) > MAX_KERNEL_SIDE:
        raise ValueError(
            f"the worksheet's kernel must be at most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}, got "
            f"shape {k.shape}; use a smaller kernel (Kernel ▸ Presets)"
        )
    if not (np.isfinite(g).all() and np.isfinite(k).all()):
        raise ValueError("the grid and the kernel must hold finite numbers (no NaN or infinity)")
    params = options.params()
    kshape = (int(k.shape[0]), int(k.shape[1]))
    try:
        geometry = layer_geometry(g.shape, kshape, params.evolve(pool="none"))
    except ValueError:
        raise ValueError(
            f"the {kshape[0]}×{kshape[1]} kernel does not fit in the {g.shape[0]}×{g.shape[1]} "
            "grid without padding; use 'same' padding, a larger grid or a smaller kernel"
        ) from None
    if options.pool:
        try:
            geometry = layer_geometry(g.shape, kshape, params)
        except ValueError:
            ho, wo = geometry.out_shape
            raise ValueError(
                f"the output is only {ho}×{wo}, too small for 2×2 pooling; turn the pooling "
                "question off, or use a larger grid, stride 1 or 'same' padding"
            ) from None
    padded = np.asarray(pad_image(g, geometry.pads, dtype=np.float64), dtype=np.float64)
    is_padding = np.ones(geometry.padded_shape, dtype=bool)
    t, _, lft, _ = geometry.pads
    is_padding[t : t + g.shape[0], lft : lft + g.shape[1]] = False
    result = run_layer(g.astype(np.float32), k.astype(np.float32), params)
    answers = np.asarray(result.activated, dtype=np.float64)
    cells = choose_cells(geometry, options.cells)
    worked = conv_scene(g, k, params, geometry, _worked_cell(geometry, cells))
    pooled = None if result.pooled is None else np.asarray(result.pooled, dtype=np.float64)
    pool_worked = None
    if pooled is not None:
        pool_worked = pool_scene(answers, params, (0, 0))
    g.setflags(write=False)
    k.setflags(write=False)
    return Worksheet(
        g, k, options, params, geometry, padded, is_padding, answers, cells, worked, pooled,
        pool_worked,
    )  # fmt: skip


def crop_grid(image: ArrayLike, top: int, left: int, size: int) -> F64:
    """The ``size``×``size`` part of a 2-D image starting at ``(top, left)``, as float64.

    Raises
    ------
    ValueError
        The image is not 2-D or not real, ``top``, ``left`` or ``size`` is not a whole number,
        ``size`` is below 1, or the square does not lie inside the image (the message gives
        the largest corner that fits).

    Examples
    --------
    >>> crop_grid(np.arange(36).reshape(6, 6), 1, 2, 4)[0].tolist()
    [8.0, 9.0, 10.0, 11.0]
    """
    img = np.asarray(image)
    if img.ndim != 2:
        raise ValueError(f"the image to crop must be 2-D (grey), got shape {img.shape}")
    if img.dtype.kind not in "biuf":
        raise ValueError(f"the image to crop must hold real numbers, got {img.dtype} values")
    for name, value in (("top row", top), ("left column", left), ("size", size)):
        if not _is_int(value):
            raise ValueError(f"the grid's {name} must be a whole number, got {value!r}")
    if size < 1:
        raise ValueError(f"the grid's size must be at least 1 cell, got {size!r}")
    h, w = img.shape
    if size > min(h, w):
        raise ValueError(
            f"the image ({w}×{h} pixels) is smaller than a {size}×{size} grid; choose a smaller "
            "size or the lesson grid"
        )
    if not (0 <= top <= h - size and 0 <= left <= w - size):
        raise ValueError(
            f"a {size}×{size} grid at row {top}, column {left} does not fit in the {w}×{h} image; "
            f"the top-left corner can be at most row {h - size}, column {w - size}"
        )
    return np.array(img[top : top + size, left : left + size], dtype=np.float64)


__all__ = [
    "BLANK",
    "MAX_KERNEL_SIDE",
    "MAX_SIDE",
    "MIN_SIDE",
    "WORKSHEET_PADDINGS",
    "WORKSHEET_STRIDES",
    "Worksheet",
    "WorksheetOptions",
    "choose_cells",
    "crop_grid",
    "make_worksheet",
]
