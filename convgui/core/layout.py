"""Layer geometry, computed once per result: pads, shapes, where each map sits, pool coverage.

Every view draws its map in the *input's* pixel coordinates (x to the right, y down, one unit
per input pixel), so linked views show all maps at the same on-screen scale. Each map is drawn
at one unit per cell: a stride-1 output cell sits exactly level with the input pixel at the
centre of its window, and stride or pooling outputs are visibly smaller, starting at the centre
of their first window.

Nothing in the GUI recomputes padding or shapes: it reads a :class:`LayerGeometry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .geometry import (
    Padding4,
    Pair,
    effective_size,
    output_formula,
    output_shape,
    pool_output_shape,
    pool_padding,
    resolve_padding,
)
from .pipeline import LayerParams


@dataclass(frozen=True)
class Placement:
    """Where a map's cells are drawn, in input-pixel coordinates.

    Attributes
    ----------
    shape : (int, int)
        Rows and columns of the map.
    top, left : float
        Input coordinates of the top-left corner of cell ``(0, 0)``.
    cell : float
        Side of one cell in input units (1: the same on-screen size as an input pixel).
    """

    shape: Pair
    top: float
    left: float
    cell: float = 1.0

    @property
    def width(self) -> float:
        """Width in input units."""
        return self.shape[1] * self.cell

    @property
    def height(self) -> float:
        """Height in input units."""
        return self.shape[0] * self.cell

    def rect(self) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` in input units."""
        return (self.left, self.top, self.width, self.height)

    def cell_rect(self, row: float, col: float) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` of cell ``(row, col)`` (may be fractional)."""
        return (self.left + col * self.cell, self.top + row * self.cell, self.cell, self.cell)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The cell ``(row, col)`` under input coordinates ``(x, y)``, or None outside.

        Examples
        --------
        >>> Placement((4, 4), 1.0, 1.0).cell_at(1.5, 4.99)
        (3, 0)
        >>> Placement((4, 4), 1.0, 1.0).cell_at(0.5, 2.0) is None
        True
        """
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        r = math.floor((y - self.top) / self.cell)
        c = math.floor((x - self.left) / self.cell)
        if 0 <= r < self.shape[0] and 0 <= c < self.shape[1]:
            return int(r), int(c)
        return None


@dataclass(frozen=True)
class LayerGeometry:
    """Everything about a layer's shapes that views, the animation and exports need.

    Attributes
    ----------
    image_shape, kernel_shape : (int, int)
        Input and kernel rows and columns.
    stride, dilation : (int, int)
        As in the layer settings.
    pads : (int, int, int, int)
        Padding ``(top, bottom, left, right)`` of the convolution.
    out_shape : (int, int)
        Shape of the convolution output.
    output : Placement
        Where the output is drawn.
    pool_size, pool_stride : (int, int) or None
        The pooling window and stride, None without pooling.
    pool_pads : (int, int, int, int) or None
        Padding of the pooling (in output cells).
    pooled_shape : (int, int) or None
        Shape of the pooled map, None without pooling.
    pooled : Placement or None
        Where the pooled map is drawn.
    row_formula, col_formula : str
        The output size per axis written out, e.g. ``"(6 + 1 + 1 − 3)/1 + 1 = 6"``.
    pooled_row_formula, pooled_col_formula : str or None
        The same for the pooled map.
    """

    image_shape: Pair
    kernel_shape: Pair
    stride: Pair
    dilation: Pair
    pads: Padding4
    out_shape: Pair
    output: Placement
    pool_size: Pair | None
    pool_stride: Pair | None
    pool_pads: Padding4 | None
    pooled_shape: Pair | None
    pooled: Placement | None
    row_formula: str
    col_formula: str
    pooled_row_formula: str | None = None
    pooled_col_formula: str | None = None

    @property
    def padded_shape(self) -> Pair:
        """Rows and columns of the padded input."""
        t, b, lft, r = self.pads
        return (self.image_shape[0] + t + b, self.image_shape[1] + lft + r)

    @property
    def effective_kernel(self) -> Pair:
        """The kernel's extent once dilated."""
        return (
            effective_size(self.kernel_shape[0], self.dilation[0]),
            effective_size(self.kernel_shape[1], self.dilation[1]),
        )

    def window_taps(self, row: int, col: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Input rows and columns (may be negative or past the edge: padding) of the taps.

        Examples
        --------
        >>> g = layer_geometry((6, 6), (3, 3), LayerParams(padding="same"))
        >>> [a.tolist() for a in g.window_taps(0, 0)]
        [[-1, 0, 1], [-1, 0, 1]]
        """
        kh, kw = self.kernel_shape
        r0 = row * self.stride[0] - self.pads[0]
        c0 = col * self.stride[1] - self.pads[2]
        return (
            r0 + np.arange(kh, dtype=np.intp) * self.dilation[0],
            c0 + np.arange(kw, dtype=np.intp) * self.dilation[1],
        )

    def pool_window(self, row: int, col: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Output rows and columns read by pooled cell ``(row, col)`` (may lie in padding)."""
        if self.pool_size is None or self.pool_stride is None or self.pool_pads is None:
            raise ValueError("this layer has no pooling")
        r0 = row * self.pool_stride[0] - self.pool_pads[0]
        c0 = col * self.pool_stride[1] - self.pool_pads[2]
        return (
            r0 + np.arange(self.pool_size[0], dtype=np.intp),
            c0 + np.arange(self.pool_size[1], dtype=np.intp),
        )

    def pooled_done_through(self, row: int, col: int) -> tuple[int, int] | None:
        """The last pooled cell complete once output ``(row, col)`` is computed (row-major).

        Returns ``(i, j)`` where pooled cells up to and including ``(i, j)`` in row-major order
        are complete, ``(i, -1)`` when pooled rows before ``i`` are complete and none of row
        ``i``, or None when there is no pooling (or every pooled row ends above ``row``). It
        never claims a cell that is not complete; at the last output position it claims all.

        Examples
        --------
        >>> g = layer_geometry((6, 6), (3, 3), LayerParams(pool="max"))
        >>> g.pooled_done_through(0, 5), g.pooled_done_through(1, 3), g.pooled_done_through(5, 5)
        ((0, -1), (0, 1), (2, 2))
        """
        if self.pooled_shape is None or self.pool_size is None or self.pool_stride is None:
            return None
        assert self.pool_pads is not None
        ho, wo = self.out_shape
        hp, wp = self.pooled_shape
        last_r = np.minimum(
            np.arange(hp) * self.pool_stride[0] - self.pool_pads[0] + self.pool_size[0] - 1,
            ho - 1,
        )
        last_c = np.minimum(
            np.arange(wp) * self.pool_stride[1] - self.pool_pads[2] + self.pool_size[1] - 1,
            wo - 1,
        )
        i = int(np.searchsorted(last_r, row))  # first pooled row not finished before this row
        if i >= hp:
            return None
        j = int(np.searchsorted(last_c, col, side="right")) - 1 if last_r[i] == row else -1
        if j == wp - 1:
            # Every pooled row ending on this output row is complete (overlapping "same"
            # pooling clamps several rows' ends to the last output row).
            i = int(np.searchsorted(last_r, row, side="right")) - 1
        return (i, j)


def _place(
    shape: Pair, first_center: tuple[float, float], origin: tuple[float, float]
) -> Placement:
    # A map cell is one unit wide; its first cell is centred on the centre of its first window.
    return Placement(shape, origin[0] + first_center[0] - 0.5, origin[1] + first_center[1] - 0.5)


def layer_geometry(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], params: LayerParams
) -> LayerGeometry:
    """Compute the :class:`LayerGeometry` of ``params`` on an image.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``.
    kernel_shape : (int, int)
        Kernel rows and columns.
    params : LayerParams
        The layer settings.

    Returns
    -------
    LayerGeometry

    Raises
    ------
    ValueError
        When the settings give no output (the window does not fit the padded image, or the
        pooling window does not fit the output).

    Examples
    --------
    >>> g = layer_geometry((6, 6), (3, 3), LayerParams(padding="valid"))
    >>> g.out_shape, g.output.top, g.output.left
    ((4, 4), 1.0, 1.0)
    >>> g = layer_geometry((6, 6), (3, 3), LayerParams(pool="max"))
    >>> g.pooled_shape, g.pooled.top
    ((3, 3), 0.5)
    """
    h, w = int(image_shape[0]), int(image_shape[1])
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    p = params
    pads = resolve_padding((h, w), (kh, kw), p.padding, stride=p.stride, dilation=p.dilation)
    out = output_shape((h, w), (kh, kw), padding=pads, stride=p.stride, dilation=p.dilation)
    eh, ew = effective_size(kh, p.dilation[0]), effective_size(kw, p.dilation[1])
    # Centre of output (0, 0)'s window in input coordinates (pixel centres at k + 0.5).
    center = (-pads[0] + (eh - 1) / 2 + 0.5, -pads[2] + (ew - 1) / 2 + 0.5)
    output = _place(out, center, (0.0, 0.0))
    rows = output_formula(h, pads[0], pads[1], kh, p.stride[0], p.dilation[0])
    cols = output_formula(w, pads[2], pads[3], kw, p.stride[1], p.dilation[1])
    if p.pool == "none":
        return LayerGeometry(
            (h, w), (kh, kw), p.stride, p.dilation, pads, out, output,
            None, None, None, None, None, rows, cols,
        )  # fmt: skip
    pp = pool_padding(out, p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
    pooled_shape = pool_output_shape(out, p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
    pcenter = (-pp[0] + (p.pool_size[0] - 1) / 2 + 0.5, -pp[2] + (p.pool_size[1] - 1) / 2 + 0.5)
    pooled = _place(pooled_shape, pcenter, (output.top, output.left))
    prow = output_formula(out[0], pp[0], pp[1], p.pool_size[0], p.pool_stride[0], 1)
    pcol = output_formula(out[1], pp[2], pp[3], p.pool_size[1], p.pool_stride[1], 1)
    return LayerGeometry(
        (h, w), (kh, kw), p.stride, p.dilation, pads, out, output,
        p.pool_size, p.pool_stride, pp, pooled_shape, pooled, rows, cols, prow, pcol,
    )  # fmt: skip


def layer_pads(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], params: LayerParams
) -> tuple[int, int, int, int]:
    """The convolution's padding ``(top, bottom, left, right)``, even when there is no output.

    Examples
    --------
    >>> layer_pads((6, 6), (3, 3), LayerParams(padding="same"))
    (1, 1, 1, 1)
    """
    p = params
    return resolve_padding(
        image_shape[:2], kernel_shape, p.padding, stride=p.stride, dilation=p.dilation
    )


def layer_formulas(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], params: LayerParams
) -> tuple[str, str]:
    """The output size per axis written out, even when it is not positive.

    Examples
    --------
    >>> layer_formulas((6, 6), (3, 3), LayerParams(padding="valid"))[0]
    '(6 + 0 + 0 − 3)/1 + 1 = 4'
    """
    pads = layer_pads(image_shape, kernel_shape, params)
    h, w = int(image_shape[0]), int(image_shape[1])
    p = params
    return (
        output_formula(h, pads[0], pads[1], kernel_shape[0], p.stride[0], p.dilation[0]),
        output_formula(w, pads[2], pads[3], kernel_shape[1], p.stride[1], p.dilation[1]),
    )


__all__ = ["LayerGeometry", "Placement", "layer_formulas", "layer_geometry", "layer_pads"]
