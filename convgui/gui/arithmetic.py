"""The arithmetic panel: one position's window, kernel, products and sum, as in the lesson."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtWidgets import QTextBrowser, QWidget

from ..core import LayerParams, PoolScan, WindowScan, post_value
from .image_view import format_value
from .layer_panel import ACTIVATION_TITLES

#: Kernels with more taps than this have the sum written out only in part.
MAX_TERMS = 49
#: Terms written out while the animation plays.
COMPACT_TERMS = 12
PAD_COLOR = "#2b6cb0"
COPY_COLOR = "#b7791f"
WIN_COLOR = "#c53030"


def _num(v: float) -> str:
    s = format_value(v)
    return s.replace("-", "−")


def _factor(v: float) -> str:
    """A factor in a product: negative numbers in parentheses."""
    s = _num(v)
    return f"({s})" if v < 0 else s


def _grid(
    values: np.ndarray,
    *,
    pad: np.ndarray | None = None,
    copied: bool = False,
    mark: tuple[int, int] | None = None,
    title: str = "",
) -> str:
    rows = []
    for i in range(values.shape[0]):
        cells = []
        for j in range(values.shape[1]):
            v = values[i, j]
            text = "·" if np.isnan(v) else _num(float(v))
            style = "padding:1px 5px; border:1px solid #bbb; text-align:center;"
            if pad is not None and pad[i, j]:
                color = COPY_COLOR if copied else PAD_COLOR
                style += f" color:{color}; background:#eef4fb;"
            if mark is not None and (i, j) == mark:
                style += f" font-weight:bold; border:2px solid {WIN_COLOR};"
            cells.append(f"<td style='{style}'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<td style='padding-right:14px; vertical-align:top;'><b>{title}</b>"
        f"<table cellspacing='0' style='border-collapse:collapse;'>{''.join(rows)}</table></td>"
    )


def conv_arithmetic_html(
    scan: WindowScan,
    params: LayerParams,
    output_value: float | None,
    *,
    boundary: str = "zero",
    channel_note: str = "",
    compact: bool = False,
) -> str:
    """HTML for one output position: grids, the written-out sum, scaling and activation.

    ``compact`` (used while playing) leaves out the three grids and shortens the sum, so the
    panel keeps up with the animation even for a 15×15 kernel.
    """
    r, c = scan.position
    copied = boundary not in ("zero", "constant")
    kh, kw = scan.weights.shape
    center = ((kh - 1) // 2, (kw - 1) // 2)
    grids = (
        "<table><tr>"
        + _grid(scan.values, pad=scan.is_padding, copied=copied, mark=center, title="Window")
        + "<td style='vertical-align:middle; font-size:16px; padding-right:14px;'>×</td>"
        + _grid(scan.weights, mark=center, title="Kernel")
        + "<td style='vertical-align:middle; font-size:16px; padding-right:14px;'>=</td>"
        + _grid(scan.products, pad=scan.is_padding, copied=copied, title="Products")
        + "</tr></table>"
    )
    terms = []
    n = scan.values.size
    flat_v, flat_w = scan.values.ravel(), scan.weights.ravel()
    flat_p = scan.is_padding.ravel()
    limit = COMPACT_TERMS if compact else MAX_TERMS
    shown = range(n) if n <= limit else list(range(limit - 1))
    for i in shown:
        t = f"{_factor(float(flat_v[i]))}×{_factor(float(flat_w[i]))}"
        if flat_p[i]:
            t = f"<span style='color:{COPY_COLOR if copied else PAD_COLOR}'>{t}</span>"
        terms.append(t)
    if n > limit:
        terms.append(f"… ({n - len(terms)} more terms)")
    total = scan.total
    lines = [
        f"<b>Output row {r}, column {c}</b>{html.escape(channel_note)}: the kernel over window "
        f"rows {scan.rows[0] - scan.pads[0]}…{scan.rows[-1] - scan.pads[0]}, columns "
        f"{scan.cols[0] - scan.pads[2]}…{scan.cols[-1] - scan.pads[2]} of the image"
        + (
            (
                " (the orange cells are padding, copied from the image)"
                if copied
                else " (the blue cells are padding)"
            )
            if scan.is_padding.any()
            else ""
        ),
        "Sum: " + " + ".join(terms) + f" = <b>{_num(total)}</b>",
    ]
    if not compact:
        lines.insert(1, grids)
    value = total
    if params.divisor != 1 or params.bias != 0:
        scaled = total / params.divisor + params.bias
        lines.append(
            f"Divisor and bias: {_num(total)} ÷ {_factor(params.divisor)} + {_factor(params.bias)}"
            f" = <b>{_num(scaled)}</b>"
        )
        value = scaled
    if params.activation != "none":
        act = post_value(total, params)
        name = ACTIVATION_TITLES[params.activation]
        lines.append(f"Activation: {name}({_num(value)}) = <b>{_num(act)}</b>")
        value = act
    if output_value is not None:
        lines.append(f"→ written to the output at row {r}, column {c}: <b>{_num(output_value)}</b>")
    return "<br>".join(lines)


def pool_arithmetic_html(
    scan: PoolScan, op: str, output_value: float | None, *, channel_note: str = ""
) -> str:
    """HTML for one pooling position: the window, the winner or the average."""
    r, c = scan.position
    mark = None
    if scan.winner is not None:
        mark = (int(scan.winner[0] - scan.rows[0]), int(scan.winner[1] - scan.cols[0]))
    grid = (
        "<table><tr>"
        + _grid(scan.values, pad=scan.is_padding, mark=mark, title="Window")
        + "</tr></table>"
    )
    real = [float(v) for v in scan.values[~scan.is_padding]]
    if op == "max":
        expr = "max(" + ", ".join(_num(v) for v in real) + f") = <b>{_num(scan.result)}</b>"
    else:
        expr = (
            "(" + " + ".join(_num(v) for v in real) + f") / {scan.count} = "
            f"<b>{_num(scan.result)}</b>"
        )
    lines = [
        f"<b>Pooled row {r}, column {c}</b>{html.escape(channel_note)}: "
        f"{'max' if op == 'max' else 'average'} pooling over "
        f"output rows {scan.rows[0]}…{scan.rows[-1]}, columns {scan.cols[0]}…{scan.cols[-1]}"
        + (" (padding never wins and is not counted)" if scan.is_padding.any() else ""),
        grid,
        expr,
    ]
    if output_value is not None:
        lines.append(
            f"→ written to the pooled map at row {r}, column {c}: <b>{_num(output_value)}</b>"
        )
    return "<br>".join(lines)


class ArithmeticPanel(QTextBrowser):
    """Shows the arithmetic of the animation's current position."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arithmeticPanel")
        self.setOpenLinks(False)
        self.setToolTip(
            "The arithmetic of the current position: each image value times the kernel weight "
            "over it, summed into one output pixel. Blue cells are padding."
        )
        self.setMinimumHeight(120)
        self.last_total: float | None = None
        self.last_output: float | None = None

    def show_html(self, text: str, *, total: float | None, output: float | None) -> None:
        """Replace the contents (keeping what the tests and tools read back)."""
        self.last_total = total
        self.last_output = output
        self.setHtml(text)
