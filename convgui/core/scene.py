"""One animation position described once: the window, its sum, and what is covered.

The overlays on the views, the arithmetic panel and the exported frames all draw the same
:class:`ConvScene` or :class:`PoolScene`, so the sum text and number formatting exist once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layout import LayerGeometry
from .pipeline import LayerParams, layer_pool_scan, layer_scan, post_value
from .scan import PoolScan, WindowScan
from .text import format_factor, pretty_number


@dataclass(frozen=True)
class Term:
    """One product of the sum: the value under a tap times the tap's weight."""

    value: float
    weight: float
    is_padding: bool

    @property
    def text(self) -> str:
        """``5×(−2)``."""
        return f"{format_factor(self.value)}×{format_factor(self.weight)}"


@dataclass(frozen=True)
class ConvScene:
    """The convolution at one output position.

    Attributes
    ----------
    position : (int, int)
        Output ``(row, col)``.
    scan : WindowScan
        The window, weights and products (first channel of a colour image).
    tap_rows, tap_cols : ndarray of int
        Input rows and columns of the taps (outside ``0..H-1`` / ``0..W-1``: padding).
    center : (int, int)
        The kernel's centre tap (as the views mark it).
    scaled : float
        ``total / divisor + bias``.
    value : float
        The output value written (after the activation).
    pooled_done : (int, int) or None
        See :meth:`LayerGeometry.pooled_done_through`: what of the pooled map is complete.
    divisor, bias : float
        The layer's divisor and bias (``scaled = total / divisor + bias``).
    activation : str
        The activation applied to ``scaled`` to give ``value``.
    """

    position: tuple[int, int]
    scan: WindowScan
    tap_rows: NDArray[np.intp]
    tap_cols: NDArray[np.intp]
    center: tuple[int, int]
    scaled: float
    value: float
    pooled_done: tuple[int, int] | None
    divisor: float = 1.0
    bias: float = 0.0
    activation: str = "none"

    stage = "conv"

    @property
    def total(self) -> float:
        """The sum of the products."""
        return self.scan.total

    @property
    def padding_taps(self) -> int:
        """How many taps fall outside the image."""
        return int(self.scan.is_padding.sum())

    def terms(self) -> list[Term]:
        """Every product, row by row."""
        return [
            Term(float(v), float(w), bool(p))
            for v, w, p in zip(
                self.scan.values.ravel(), self.scan.weights.ravel(), self.scan.is_padding.ravel()
            )
        ]

    def sum_text(self, limit: int | None = None) -> str:
        """``2×1 + 5×2 + … = 198``, with at most ``limit`` terms written out."""
        return sum_expression([t.text for t in self.terms()], self.total, limit)


@dataclass(frozen=True)
class PoolScene:
    """The pooling at one pooled position.

    Attributes
    ----------
    position : (int, int)
        Pooled ``(row, col)``.
    scan : PoolScan
        The window over the output (NaN in padding), the winner of a max.
    op : str
        ``"max"`` or ``"avg"``.
    """

    position: tuple[int, int]
    scan: PoolScan
    op: str

    stage = "pool"

    @property
    def value(self) -> float:
        """The pooled value."""
        return self.scan.result

    def expression(self) -> str:
        """``max(1, 5, 3, 2) = 5`` or ``(1 + 5 + 3 + 2) / 4 = 2.75``."""
        real = [pretty_number(float(v)) for v in self.scan.values[~self.scan.is_padding]]
        if self.op == "max":
            return f"max({', '.join(real)}) = {pretty_number(self.scan.result)}"
        return f"({' + '.join(real)}) / {self.scan.count} = {pretty_number(self.scan.result)}"


def sum_expression(terms: list[str], total: float, limit: int | None = None) -> str:
    """Join product terms into a sum, eliding the middle past ``limit`` terms.

    Examples
    --------
    >>> sum_expression(["1×2", "3×4"], 14.0)
    '1×2 + 3×4 = 14'
    >>> sum_expression(["a", "b", "c", "d"], 1.0, limit=3)
    'a + b + … (2 more terms) = 1'
    """
    shown = terms
    if limit is not None and len(terms) > limit:
        shown = [*terms[: limit - 1], f"… ({len(terms) - limit + 1} more terms)"]
    return " + ".join(shown) + f" = {pretty_number(total)}"


def conv_scene(
    image: ArrayLike,
    kernel: ArrayLike,
    params: LayerParams,
    geometry: LayerGeometry,
    position: tuple[int, int],
) -> ConvScene:
    """Describe output ``position`` of the convolution.

    Parameters
    ----------
    image, kernel, params
        What the layer computed.
    geometry : LayerGeometry
        The layer's geometry (from :func:`convgui.core.layout.layer_geometry`).
    position : (int, int)
        Output ``(row, col)``.

    Returns
    -------
    ConvScene

    Examples
    --------
    >>> import numpy as np
    >>> from convgui.core.layout import layer_geometry
    >>> p = LayerParams(padding="same")
    >>> g = layer_geometry((3, 3), (3, 3), p)
    >>> s = conv_scene(np.arange(1, 10.0).reshape(3, 3), np.ones((3, 3)), p, g, (0, 0))
    >>> s.total, s.padding_taps, s.tap_rows.tolist()
    (12.0, 5, [-1, 0, 1])
    """
    scan = layer_scan(image, kernel, params, position)
    kh, kw = scan.weights.shape
    scaled = scan.total / params.divisor + params.bias
    return ConvScene(
        position=scan.position,
        scan=scan,
        tap_rows=scan.rows - scan.pads[0],
        tap_cols=scan.cols - scan.pads[2],
        center=((kh - 1) // 2, (kw - 1) // 2),
        scaled=float(scaled),
        value=post_value(scan.total, params),
        pooled_done=geometry.pooled_done_through(*scan.position),
        divisor=float(params.divisor),
        bias=float(params.bias),
        activation=params.activation,
    )


def pool_scene(activated: ArrayLike, params: LayerParams, position: tuple[int, int]) -> PoolScene:
    """Describe pooled ``position`` over the activated output.

    Examples
    --------
    >>> import numpy as np
    >>> s = pool_scene(np.arange(16.0).reshape(4, 4), LayerParams(pool="max"), (1, 1))
    >>> s.expression()
    'max(10, 11, 14, 15) = 15'
    """
    scan = layer_pool_scan(activated, params, position)
    return PoolScene(scan.position, scan, params.pool)


Scene = ConvScene | PoolScene

__all__ = [
    "ConvScene",
    "PoolScene",
    "Scene",
    "Term",
    "conv_scene",
    "pool_scene",
    "sum_expression",
]
