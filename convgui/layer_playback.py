"""What the layer animation shows at one position: Qt-free, read by the window and its tests.

The layer animation replays one filter of the convolution layer: the playback itself is the
single-kernel mode's :class:`convgui.playback.AnimationModel` (position, play state, speed);
this module turns a position into a :class:`LayerFrame`: where the window sits on the input
(on every channel at once), which output cells to outline, the arithmetic as lines of text, and
the value. Every number comes from the engine's layer scan (:mod:`convgui.core.layer_steps`).

Three views:

``"conv"``
    A ``Conv2D`` layer, one position per output cell: each channel's products and sum, then
    ``sum_R + sum_G + sum_B + bias = value``, then the activation.
``"scatter"``
    A transposed layer as it is defined: one position per *input* pixel, which stamps
    ``Σ_c value_c × kernel_c`` onto the output (overlaps add). The text lists the contributions
    to the watched output cell (by default the stamp's centre; a click picks another).
``"direct"``
    The same transposed layer as a plain correlation: one position per output cell, the window
    on the zero-inserted, padded input, the flipped kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict

import numpy as np
from numpy.typing import NDArray

from .core.activations import ACTIVATION_FORMULAS, activate
from .core.layer import conv_transpose2d, transpose_formula
from .core.layer_steps import (
    TransposeDirect,
    conv_layer_step,
    transpose_contributions,
    transpose_direct,
)
from .core.text import format_factor, pretty_number

VIEWS: tuple[str, ...] = ("conv", "scatter", "direct")
#: Products written out per channel before the rest is elided ("… n more").
MAX_TERMS = 12

F64 = NDArray[np.float64]


class LayerParams(Protocol):
    """The layer settings the animation reads (:class:`convgui.layer_state.LayerSettings`)."""

    @property
    def layer_type(self) -> str:
        """``"conv"`` or ``"transposed"``."""
        ...

    @property
    def padding(self) -> str | tuple[int, int]:
        """``"valid"``, ``"same"`` or ``(rows, cols)``."""
        ...

    @property
    def boundary(self) -> str:
        """What the padding holds."""
        ...

    @property
    def cval(self) -> float:
        """The constant padding value."""
        ...

    @property
    def stride(self) -> tuple[int, int]:
        """Stride."""
        ...

    @property
    def dilation(self) -> tuple[int, int]:
        """Dilation."""
        ...

    @property
    def groups(self) -> int:
        """Channel groups."""
        ...

    @property
    def output_padding(self) -> tuple[int, int] | None:
        """Transposed only: extra output rows and columns."""
        ...

    @property
    def activation(self) -> str:
        """Applied after the bias."""
        ...


@dataclass(frozen=True)
class LayerFrame:
    """One position of the layer animation, described once for every view to draw.

    Attributes
    ----------
    view : {"conv", "scatter", "direct"}
    filter : int
        The filter (output channel) animated.
    position : (int, int)
        The position: an output cell (``"conv"``, ``"direct"``) or an input pixel
        (``"scatter"``).
    tap_rows, tap_cols : ndarray of int
        The window's rows and columns on the shown input (image coordinates for ``"conv"``,
        may be negative in the padding; coordinates of the zero-inserted input for
        ``"direct"``; the input pixel itself for ``"scatter"``).
    is_padding : ndarray of bool, shape (len(tap_rows), len(tap_cols))
        Taps in the padding (``"conv"``), or on an inserted or padded zero (``"direct"``).
    out_rows, out_cols : ndarray of int
        Output cells outlined: the current cell, or the stamp's cells (``"scatter"``,
        cropped to the output).
    cell : (int, int)
        The output cell the text adds up (the current or the watched one).
    lines : tuple of str
        The arithmetic, one line each.
    value : float
        The layer's output at :attr:`cell` before the activation (``"scatter"``: complete, all
        contributions).
    activated : float
        :attr:`value` through the activation.
    channel_sums : tuple of float
        Each channel's sum at :attr:`cell`.
    bias : float
    channels : tuple of int
        The input channels the window reads (a filter of a grouped layer reads its group's).
    """

    view: str
    filter: int
    position: tuple[int, int]
    tap_rows: NDArray[np.intp]
    tap_cols: NDArray[np.intp]
    is_padding: NDArray[np.bool_]
    out_rows: NDArray[np.intp]
    out_cols: NDArray[np.intp]
    cell: tuple[int, int]
    lines: tuple[str, ...]
    value: float
    activated: float
    channel_sums: tuple[float, ...]
    bias: float
    channels: tuple[int, ...] = ()


def _terms(values: F64, weights: F64) -> str:
    pairs = [
        f"{format_factor(float(w))}×{format_factor(float(v))}" for v, w in zip(values, weights)
    ]
    if len(pairs) > MAX_TERMS:
        return " + ".join(pairs[:MAX_TERMS]) + f" + … ({len(pairs) - MAX_TERMS} more)"
    return " + ".join(pairs) if pairs else "0"


def _activation_line(name: str, value: float) -> tuple[str, float]:
    out = float(activate(np.array([value]), name)[0]) if name != "none" else value
    if name == "none":
        return "no activation: output = " + pretty_number(value), out
    formula = ACTIVATION_FORMULAS.get(name, name)
    return f"{name}(x) = {formula}: {name}({pretty_number(value)}) = {pretty_number(out)}", out


def _sum_line(names: list[str], sums: list[float], bias: float, value: float) -> str:
    left = " + ".join(f"sum_{n}" for n in names) + " + bias"
    right = " + ".join(format_factor(s) for s in sums) + f" + {format_factor(bias)}"
    return f"{left} = {right} = {pretty_number(value)}"


def channel_label(names: tuple[str, ...], c: int) -> str:
    """The name of channel ``c`` (``R``, ``G``, ``B``, ``grey`` or ``c3``)."""
    return names[c] if c < len(names) else f"c{c}"


def grid_shape(
    view: str, image_shape: tuple[int, ...], out_shape: tuple[int, int]
) -> tuple[int, int]:
    """Rows and columns of positions: input pixels for ``"scatter"``, output cells otherwise."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if view == "scatter":
        return int(image_shape[0]), int(image_shape[1])
    return int(out_shape[0]), int(out_shape[1])


class _TransposeKw(TypedDict):
    stride: tuple[int, int]
    padding: str | tuple[int, int]
    output_padding: tuple[int, int] | None
    dilation: tuple[int, int]


def _transpose_kwargs(s: LayerParams) -> _TransposeKw:
    return {
        "stride": s.stride,
        "padding": s.padding,
        "output_padding": s.output_padding,
        "dilation": s.dilation,
    }


def conv_padding(settings: LayerParams) -> str | tuple[int, int, int, int]:
    """The ``Conv2D`` padding as the engine takes it: a ``(rows, cols)`` pair as 4 sides."""
    p = settings.padding
    if isinstance(p, str):
        return p
    return (int(p[0]), int(p[0]), int(p[1]), int(p[1]))


def transposed_weights(weights: F64) -> F64:
    """The ``Conv2DTranspose`` layout ``(kh, kw, C_out, C_in)`` of a state's ``Conv2D`` bank."""
    return np.ascontiguousarray(np.asarray(weights, dtype=np.float64).transpose(0, 1, 3, 2))


def conv_frame(
    image: NDArray[np.floating],
    weights: F64,
    bias: F64,
    settings: LayerParams,
    o: int,
    rc: tuple[int, int],
    names: tuple[str, ...],
) -> LayerFrame:
    """The ``Conv2D`` layer at output cell ``rc`` of filter ``o``.

    Parameters
    ----------
    image : ndarray, shape (H, W, C_in)
    weights : ndarray, shape (kh, kw, C_in // groups, C_out)
    bias : ndarray, shape (C_out,)
    settings : LayerParams
    o : int
        The filter.
    rc : (int, int)
        The output cell.
    names : tuple of str
        The channels' names.

    Returns
    -------
    LayerFrame
    """
    s = settings
    step = conv_layer_step(
        image,
        weights,
        bias,
        o,
        rc[0],
        rc[1],
        padding=conv_padding(s),
        boundary=s.boundary,
        cval=s.cval,
        stride=s.stride,
        dilation=s.dilation,
        groups=s.groups,
    )
    top, _, left, _ = step.pads
    kh, kw = step.is_padding.shape
    lines = [
        f"Filter {o}, output ({rc[0]}, {rc[1]}): the {kh}×{kw} window on every channel it "
        "reads (weight × value)"
    ]
    labels = []
    for ch in step.channels:
        n = channel_label(names, ch.channel)
        labels.append(n)
        lines.append(
            f"{n}: {_terms(ch.values.ravel(), ch.weights.ravel())} = {pretty_number(ch.total)}"
        )
    lines.append(_sum_line(labels, [c.total for c in step.channels], step.bias, step.value))
    act_line, act = _activation_line(s.activation, step.value)
    lines.append(act_line)
    return LayerFrame(
        view="conv",
        filter=o,
        position=rc,
        tap_rows=(step.rows - top).astype(np.intp),
        tap_cols=(step.cols - left).astype(np.intp),
        is_padding=step.is_padding,
        out_rows=np.array([rc[0]], dtype=np.intp),
        out_cols=np.array([rc[1]], dtype=np.intp),
        cell=rc,
        lines=tuple(lines),
        value=step.value,
        activated=act,
        channel_sums=step.channel_sums,
        bias=step.bias,
        channels=tuple(ch.channel for ch in step.channels),
    )


def contributing_pixels(
    image: NDArray[np.floating],
    weights: F64,
    settings: LayerParams,
    o: int,
    cell: tuple[int, int],
) -> list[tuple[int, int]]:
    """The input pixels whose stamps reach output ``cell`` (row-major order, no repeats)."""
    tc = transpose_contributions(
        image, transposed_weights(weights), None, o, cell[0], cell[1], **_transpose_kwargs(settings)
    )
    seen = sorted({(int(r), int(c)) for r, c in zip(tc.in_rows, tc.in_cols)})
    return seen


def scatter_frame(
    image: NDArray[np.floating],
    weights: F64,
    bias: F64,
    settings: LayerParams,
    o: int,
    pixel: tuple[int, int],
    names: tuple[str, ...],
    watch: tuple[int, int] | None = None,
) -> LayerFrame:
    """A transposed layer's input pixel ``pixel`` stamping onto filter ``o``'s map.

    Parameters
    ----------
    image, bias, settings, o, names
        As for :func:`conv_frame`.
    weights : ndarray, shape (kh, kw, C_in, C_out)
        The state's bank (the ``Conv2D`` layout; transposed here for the engine).
    pixel : (int, int)
        The input pixel.
    watch : (int, int), optional
        The output cell whose contributions are written out (default: the stamp's centre,
        moved inside the output).

    Returns
    -------
    LayerFrame
    """
    wt = transposed_weights(weights)
    kw_t = _transpose_kwargs(settings)
    kh, kwid = wt.shape[:2]
    from .core.layer_steps import transpose_scatter

    st = transpose_scatter(image, wt, 0, pixel[0], pixel[1], **kw_t)
    h_out, w_out = st.out_shape
    rows_in = st.rows[(st.rows >= 0) & (st.rows < h_out)]
    cols_in = st.cols[(st.cols >= 0) & (st.cols < w_out)]
    if watch is None:
        cr = int(np.clip(st.rows[kh // 2], 0, h_out - 1))
        cc = int(np.clip(st.cols[kwid // 2], 0, w_out - 1))
        watch = (cr, cc)
    c_in = image.shape[2]
    vals = [float(image[pixel[0], pixel[1], c]) for c in range(c_in)]
    lines = [
        f"Input pixel ({pixel[0]}, {pixel[1]}): "
        + ", ".join(f"{channel_label(names, c)} = {pretty_number(v)}" for c, v in enumerate(vals)),
        f"stamps Σ value × kernel onto rows {st.rows[0]}…{st.rows[-1]}, columns "
        f"{st.cols[0]}…{st.cols[-1]} of map {o} (overlapping stamps add up)",
    ]
    tc = transpose_contributions(image, wt, bias, o, watch[0], watch[1], **kw_t)
    mine = (tc.in_rows == pixel[0]) & (tc.in_cols == pixel[1])
    lines.append(
        f"Output ({watch[0]}, {watch[1]}) of map {o} gets {len(tc.products)} products "
        f"({int(mine.sum())} from this pixel):"
    )
    sums = [float(v) for v in tc.channel_sums]
    labels = []
    for c in range(c_in):
        sel = tc.channels == c
        n = channel_label(names, c)
        labels.append(n)
        lines.append(f"{n}: {_terms(tc.values[sel], tc.weights[sel])} = {pretty_number(sums[c])}")
    lines.append(_sum_line(labels, sums, tc.bias, tc.value))
    act_line, act = _activation_line(settings.activation, tc.value)
    lines.append(act_line)
    return LayerFrame(
        view="scatter",
        filter=o,
        position=pixel,
        tap_rows=np.array([pixel[0]], dtype=np.intp),
        tap_cols=np.array([pixel[1]], dtype=np.intp),
        is_padding=np.zeros((1, 1), dtype=bool),
        out_rows=rows_in.astype(np.intp),
        out_cols=cols_in.astype(np.intp),
        cell=watch,
        lines=tuple(lines),
        value=tc.value,
        activated=act,
        channel_sums=tuple(sums),
        bias=tc.bias,
        channels=tuple(range(c_in)),
    )


def scatter_partial(
    image: NDArray[np.floating],
    weights: F64,
    settings: LayerParams,
    o: int,
    done: int,
) -> F64:
    """Filter ``o``'s map after the first ``done + 1`` input pixels (row-major) stamped.

    No bias and no activation: the sum of the stamps so far.
    """
    x = np.array(image, dtype=np.float64)
    flat = x.reshape(-1, x.shape[2])
    flat[done + 1 :] = 0.0
    wt = transposed_weights(weights)[:, :, o : o + 1, :]
    out = conv_transpose2d(x, wt, None, **_transpose_kwargs(settings))
    return np.asarray(out[:, :, 0], dtype=np.float64)


def direct_input(
    image: NDArray[np.floating], weights: F64, settings: LayerParams
) -> TransposeDirect:
    """The zero-inserted, padded input and flipped kernel of the transposed layer."""
    return transpose_direct(image, transposed_weights(weights), **_transpose_kwargs(settings))


def direct_frame(
    direct: TransposeDirect,
    bias: F64,
    settings: LayerParams,
    o: int,
    rc: tuple[int, int],
    names: tuple[str, ...],
) -> LayerFrame:
    """The transposed layer's output cell ``rc`` as a stride-1 correlation of the direct view."""
    k = direct.kernel  # (kh, kw, C_in, C_out), flipped
    kh, kw = k.shape[:2]
    dr, dc = direct.dilation
    rows = (rc[0] + np.arange(kh) * dr).astype(np.intp)
    cols = (rc[1] + np.arange(kw) * dc).astype(np.intp)
    window = np.asarray(direct.padded[np.ix_(rows, cols)], dtype=np.float64)  # (kh, kw, C_in)
    zero = direct.kind[np.ix_(rows, cols)] != 0
    lines = [
        f"Filter {o}, output ({rc[0]}, {rc[1]}): the flipped {kh}×{kw} kernel on the "
        "zero-inserted, padded input (stride 1; weight × value)"
    ]
    sums, labels = [], []
    for c in range(window.shape[2]):
        vals, wts = window[:, :, c].ravel(), k[:, :, c, o].ravel()
        total = float((vals * wts).sum())
        sums.append(total)
        n = channel_label(names, c)
        labels.append(n)
        lines.append(f"{n}: {_terms(vals, wts)} = {pretty_number(total)}")
    b = float(bias[o])
    value = float(sum(sums)) + b
    lines.append(_sum_line(labels, sums, b, value))
    act_line, act = _activation_line(settings.activation, value)
    lines.append(act_line)
    return LayerFrame(
        view="direct",
        filter=o,
        position=rc,
        tap_rows=rows,
        tap_cols=cols,
        is_padding=zero,
        out_rows=np.array([rc[0]], dtype=np.intp),
        out_cols=np.array([rc[1]], dtype=np.intp),
        cell=rc,
        lines=tuple(lines),
        value=value,
        activated=act,
        channel_sums=tuple(sums),
        bias=b,
        channels=tuple(range(window.shape[2])),
    )


def output_size_text(
    image_shape: tuple[int, ...], kernel_hw: tuple[int, int], settings: LayerParams
) -> str:
    """The transposed layer's output size written out (:func:`transpose_formula`)."""
    return transpose_formula(image_shape[:2], kernel_hw, **_transpose_kwargs(settings))


__all__ = [
    "MAX_TERMS",
    "VIEWS",
    "LayerFrame",
    "LayerParams",
    "channel_label",
    "contributing_pixels",
    "conv_frame",
    "conv_padding",
    "direct_frame",
    "direct_input",
    "grid_shape",
    "output_size_text",
    "scatter_frame",
    "scatter_partial",
    "transposed_weights",
]


def shorten_sum_line(line: str, chars: int) -> str:
    """``line`` in at most ``chars`` characters, keeping its first terms, last terms and result.

    A line of arithmetic such as ``"sum_c1 + sum_c2 + … + bias = 0.5 + 1.25 + … + 0.1 = 3"``
    (the sum over 64 channels of a network layer) loses terms in the middle of each side of
    its ``" = "``, replaced by ``"…"``; the last part, the result, is always kept whole.

    Parameters
    ----------
    line : str
        One line of arithmetic: parts joined by ``" = "``, each part terms joined by ``" + "``.
    chars : int
        The most characters wanted (at least 1).

    Returns
    -------
    str
        ``line`` itself when it fits; else the shortened line (the same number of first terms
        kept on each side, so names and numbers stay in step, and the last two terms of each
        side when they fit). When not even one term fits,
        ``"… = result"``, or ``"…"`` and the end of the line.

    Raises
    ------
    ValueError
        ``chars`` is smaller than 1.

    Examples
    --------
    >>> shorten_sum_line("a + b + c + d + e + f = 1 + 2 + 3 + 4 + 5 + 6 = 21", 36)
    'a + … + e + f = 1 + … + 5 + 6 = 21'
    >>> shorten_sum_line("x + y = 3", 20)
    'x + y = 3'
    """
    if chars < 1:
        raise ValueError(f"chars must be at least 1, got {chars!r}")
    if len(line) <= chars:
        return line
    *parts, result = line.split(" = ")
    terms = [p.split(" + ") for p in parts]
    # The same number of first terms on every side, so names and numbers stay in step.
    # The last two terms (the last channel, then the bias) tell how many there are: kept
    # before more first terms, and first terms before none.
    most = max((len(t) for t in terms), default=0)
    tries = [(f, 2) for f in range(most, 0, -1)] + [(f, 1) for f in range(most, 0, -1)]
    for first, last in [*tries, (0, 2), (0, 1)]:
        text = " = ".join([*(_keep_terms(t, first, last) for t in terms), result])
        if len(text) <= chars:
            return text
    if parts and len("… = " + result) <= chars:
        return "… = " + result
    return "…" if chars == 1 else "…" + line[-(chars - 1) :]


def _keep_terms(terms: list[str], first: int, last: int) -> str:
    """``terms`` joined by ``" + "``: the ``first`` ones, "…", the ``last`` ones."""
    last = min(last, len(terms) - 1) if len(terms) > 1 else 1
    if len(terms) <= first + last:
        return " + ".join(terms)
    return " + ".join([*terms[:first], "…", *terms[-last:]])
