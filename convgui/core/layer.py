"""A convolution layer: every input channel in, one feature map per filter out.

:func:`conv2d_layer` is Keras ``Conv2D`` (kernel layout ``(kh, kw, C_in // groups, C_out)``),
built on the same padding, boundary, stride and dilation rules as
:func:`convgui.core.correlate2d`; :func:`conv_transpose2d` is its adjoint, Keras
``Conv2DTranspose`` / PyTorch ``ConvTranspose2d`` (kernel layout ``(kh, kw, C_out, C_in)``).
The geometry helpers (output shapes, the transposed layer's crop, parameter counts and the
arithmetic as text) are the single place these numbers are computed; the layer scan
(:mod:`convgui.core.layer_steps`) and the window read them from here.

Three execution routes give the same values to rounding: an im2col matrix built one block of
output rows at a time and multiplied with the weights (GEMM, every layer but depthwise ones;
the block is channel-first when a group has few channels, so every copy is a run of whole
rows), shifted-slice accumulation over all groups at once (depthwise layers), and a sum of
per-channel :func:`convgui.core.correlate2d` calls (the layer's definition; large depthwise
kernels, where ``correlate2d`` picks separable or FFT passes). All are measured in
``benchmarks/bench_layer.py``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import _describe, check_choice, check_finite_scalar, check_image, work_dtype
from .convolve import _N_WORKERS, _PARALLEL_MIN, _executor, correlate2d
from .geometry import (
    IntOrPair,
    Padding4,
    PaddingSpec,
    as_pair,
    effective_size,
    output_formula,
    output_shape,
    resolve_padding,
)
from .padding import BOUNDARIES, padded_rows
from .pipeline import MAX_PIXELS, OutputTooLargeError

#: Execution routes of :func:`conv2d_layer`; ``"auto"`` picks by the layer's shape.
LAYER_METHODS: tuple[str, ...] = ("auto", "gemm", "taps", "channels")

#: Named paddings of :func:`conv_transpose2d` (Keras ``Conv2DTranspose``).
TRANSPOSE_PADDINGS: tuple[str, ...] = ("valid", "same")

# Depthwise kernels up to this many taps use shifted slices, larger ones per-channel
# correlate2d (separable or FFT passes).
_TAPS_MAX = 49
# Elements of one im2col block (float32: 512 KiB, about an L2 cache), small next to the output.
_COLS_ELEMS = 1 << 17
# Multiply-adds per BLAS call. OpenBLAS runs a product this small on the calling thread; larger
# ones wake its own threads, which on a loaded 2-core machine (the GUI, the engine's threads
# and other programs) spin against each other and ran 5-20x slower in benchmarks/bench_layer.py.
# The layer calls BLAS on such items (numpy's stacked matmul loops over them in C) and splits
# the rows over its own threads instead.
_BLAS_ITEM = 1 << 18
# Fewest rows per BLAS item, even when one row alone exceeds _BLAS_ITEM (very wide layers).
_MIN_ITEM_ROWS = 16

#: The most values the layer functions hold in one array they make: the output
#: (H' × W' × C_out), and the working blocks (the padded rows one kernel window spans, one
#: output row of im2col columns, one input row of transposed stamps). The padded input is
#: bounded by :data:`convgui.core.pipeline.MAX_PIXELS` pixels (height × width), as in the
#: single-kernel pipeline. Larger requests raise
#: :class:`convgui.core.pipeline.OutputTooLargeError` before anything is allocated.
MAX_LAYER_VALUES = MAX_PIXELS


# --------------------------------------------------------------------------- argument checks


def _check_weights(weights: ArrayLike, name: str = "weights") -> NDArray[np.float64]:
    arr = np.asarray(weights)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got {_describe(arr)}")
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D (kh, kw, channels in, channels out) as in Keras, "
            f"got {_describe(arr)}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty: {_describe(arr)}")
    w = arr.astype(np.float64)
    if not np.all(np.isfinite(w)):
        bad = tuple(int(v) for v in np.argwhere(~np.isfinite(w))[0])
        raise ValueError(f"{name} must be finite, got {float(w[bad])} at index {bad}")
    return w


def _check_bias(bias: ArrayLike | None, n_out: int) -> NDArray[np.float64] | None:
    if bias is None:
        return None
    arr = np.asarray(bias)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"bias must hold real numbers, got {_describe(arr)}")
    if arr.shape != (n_out,):
        raise ValueError(
            f"bias must have shape ({n_out},), one value per output channel, got {_describe(arr)}"
        )
    b = arr.astype(np.float64)
    if not np.all(np.isfinite(b)):
        bad = int(np.argwhere(~np.isfinite(b))[0][0])
        raise ValueError(f"bias must be finite, got {float(b[bad])} at index {bad}")
    return b


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _check_values(n: int, what: str, advice: str) -> None:
    """Raise :class:`OutputTooLargeError` when ``what`` would hold more than the limit."""
    if n > MAX_LAYER_VALUES:
        raise OutputTooLargeError(
            f"{what} would hold {n:,} values, over convgui's limit of "
            f"{MAX_LAYER_VALUES:,}. {advice}"
        )


def _check_conv_sizes(
    shape: tuple[int, int, int],
    kernel: tuple[int, int, int, int],
    pads: Padding4,
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int]:
    """Check the padded input, the output and the working block of :func:`conv2d_layer`.

    Only arithmetic on the sizes; returns the output's ``(H', W')``.
    """
    h, w, c_in = shape
    kh, kw, _, c_out = kernel
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    if ph * pw > MAX_PIXELS:
        raise OutputTooLargeError(
            f"With padding {pads[0]}/{pads[1]}/{pads[2]}/{pads[3]} (top/bottom/left/right) the "
            f"{h}×{w} input becomes {ph}×{pw} ({ph * pw:,} pixels), over convgui's limit of "
            f"{MAX_PIXELS:,} pixels. Use less padding or a smaller dilation."
        )
    ho, wo = output_shape((h, w), (kh, kw), padding=pads, stride=stride, dilation=dilation)
    _check_values(
        ho * wo * c_out,
        f"The output of {ho}×{wo}×{c_out} (rows × columns × filters)",
        "Use less padding, a larger stride, fewer filters or a smaller input.",
    )
    eh = effective_size(kh, dilation[0])
    _check_values(
        eh * pw * c_in,
        f"One kernel window spans {eh} padded rows (kernel height {kh}, dilation "
        f"{dilation[0]}); those rows of {pw} columns × {c_in} channels",
        "Use a smaller dilation or kernel.",
    )
    return ho, wo


def _as_hwc(x: ArrayLike) -> NDArray[np.generic]:
    arr = check_image(x, "x")
    return arr[:, :, None] if arr.ndim == 2 else arr


def check_layer_args(
    x_shape: Sequence[int], weights_shape: Sequence[int], groups: int = 1
) -> tuple[int, int, int]:
    """Check that an input and a ``Conv2D`` kernel fit together; return ``(C_in, C_out, groups)``.

    Parameters
    ----------
    x_shape : sequence of int
        ``(H, W)`` or ``(H, W, C_in)``.
    weights_shape : sequence of int
        ``(kh, kw, C_in // groups, C_out)``.
    groups : int
        Number of channel groups; it divides both ``C_in`` and ``C_out``.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        If ``groups`` is not a positive int dividing both channel counts, or the kernel's
        third axis is not ``C_in // groups``.

    Examples
    --------
    >>> check_layer_args((32, 32, 3), (3, 3, 3, 8))
    (3, 8, 1)
    >>> check_layer_args((32, 32, 8), (3, 3, 1, 8), groups=8)
    (8, 8, 8)
    """
    g = _check_int(groups, "groups", 1)
    c_in = int(x_shape[2]) if len(x_shape) == 3 else 1
    if len(weights_shape) != 4:
        raise ValueError(
            f"weights must be 4-D (kh, kw, C_in // groups, C_out), got shape {tuple(weights_shape)}"
        )
    kh, kw, cg, c_out = (int(v) for v in weights_shape)
    if c_in % g:
        raise ValueError(
            f"groups={g} does not divide the {c_in} input channels; pick a divisor of {c_in}"
        )
    if c_out % g:
        raise ValueError(
            f"groups={g} does not divide the {c_out} filters (weights shape "
            f"{tuple(weights_shape)}); use a multiple of {g} filters"
        )
    if cg != c_in // g:
        raise ValueError(
            f"weights of shape {tuple(weights_shape)} read {cg} channel(s) per filter, but the "
            f"input has {c_in} channel(s) in {g} group(s), so each filter reads {c_in // g}; "
            f"use weights of shape ({kh}, {kw}, {c_in // g}, {c_out})"
        )
    return c_in, c_out, g


# --------------------------------------------------------------------------- geometry


def conv_layer_shape(
    in_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    padding: PaddingSpec = "valid",
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
) -> tuple[int, int]:
    """Return the ``(H', W')`` of :func:`conv2d_layer`'s output (channels: the filter count).

    Parameters
    ----------
    in_shape : sequence of int
        ``(H, W)`` or ``(H, W, C_in)``.
    kernel_shape : sequence of int
        ``(kh, kw)`` or the whole weights shape ``(kh, kw, C_in // groups, C_out)``.
    padding, stride, dilation
        As for :func:`conv2d_layer`.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        As :func:`convgui.core.output_shape`.

    Examples
    --------
    >>> conv_layer_shape((32, 32, 3), (3, 3, 3, 16))
    (30, 30)
    >>> conv_layer_shape((32, 32, 3), (3, 3), padding="same", stride=2)
    (16, 16)
    """
    k = (int(kernel_shape[0]), int(kernel_shape[1]))
    return output_shape(in_shape, k, padding=padding, stride=stride, dilation=dilation)


def layer_param_count(
    kh: int, kw: int, c_in: int, c_out: int, groups: int = 1, use_bias: bool = True
) -> int:
    """Return the number of trainable values of a ``Conv2D`` layer.

    ``kh * kw * (c_in / groups) * c_out`` weights plus ``c_out`` biases when ``use_bias``.

    Raises
    ------
    ValueError
        If a size is below 1 or ``groups`` does not divide both channel counts.

    Examples
    --------
    >>> layer_param_count(3, 3, 3, 32)
    896
    >>> layer_param_count(3, 3, 8, 8, groups=8, use_bias=False)
    72
    """
    for name, v in (("kh", kh), ("kw", kw), ("c_in", c_in), ("c_out", c_out), ("groups", groups)):
        _check_int(v, name, 1)
    check_layer_args((1, 1, c_in), (kh, kw, c_in // max(1, groups), c_out), groups)
    return kh * kw * (c_in // groups) * c_out + (c_out if use_bias else 0)


def param_formula(
    kh: int, kw: int, c_in: int, c_out: int, groups: int = 1, use_bias: bool = True
) -> str:
    """Return the parameter count written out, as :func:`layer_param_count` computes it.

    Examples
    --------
    >>> param_formula(3, 3, 3, 8)
    '3·3·3·8 + 8 = 224'
    >>> param_formula(3, 3, 8, 8, groups=8)
    '3·3·(8/8)·8 + 8 = 80'
    >>> param_formula(1, 1, 4, 2, use_bias=False)
    '1·1·4·2 = 8'
    """
    n = layer_param_count(kh, kw, c_in, c_out, groups, use_bias)
    cin = f"({c_in}/{groups})" if groups > 1 else f"{c_in}"
    body = f"{kh}·{kw}·{cin}·{c_out}"
    if use_bias:
        body += f" + {c_out}"
    return f"{body} = {n}"


def layer_formula(
    in_shape: Sequence[int],
    weights_shape: Sequence[int],
    *,
    padding: PaddingSpec = "valid",
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    groups: int = 1,
    use_bias: bool = True,
) -> str:
    """Return a layer's output rows, columns and parameter count as arithmetic, one per line.

    Parameters
    ----------
    in_shape : sequence of int
        ``(H, W)`` or ``(H, W, C_in)``.
    weights_shape : sequence of int
        ``(kh, kw, C_in // groups, C_out)``.
    padding, stride, dilation, groups
        As for :func:`conv2d_layer`.
    use_bias : bool
        Whether the layer has a bias per filter.

    Returns
    -------
    str
        Three lines: ``H′ = …``, ``W′ = …`` (as :func:`convgui.core.output_formula`) and
        ``params = …``.

    Raises
    ------
    ValueError
        As :func:`conv2d_layer` for shapes that do not fit.

    Examples
    --------
    >>> print(layer_formula((6, 6, 3), (3, 3, 3, 8), padding="same"))
    H′ = (6 + 1 + 1 − 3)/1 + 1 = 6
    W′ = (6 + 1 + 1 − 3)/1 + 1 = 6
    params = 3·3·3·8 + 8 = 224
    """
    c_in, c_out, g = check_layer_args(in_shape, weights_shape, groups)
    kh, kw = int(weights_shape[0]), int(weights_shape[1])
    (sr, sc), (dr, dc) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    pads = resolve_padding(in_shape, (kh, kw), padding, stride=(sr, sc), dilation=(dr, dc))
    h, w = int(in_shape[0]), int(in_shape[1])
    return "\n".join(
        (
            "H′ = " + output_formula(h, pads[0], pads[1], kh, sr, dr),
            "W′ = " + output_formula(w, pads[2], pads[3], kw, sc, dc),
            "params = " + param_formula(kh, kw, c_in, c_out, g, use_bias),
        )
    )


def _keras_shape(h: int, w: int, c: int) -> str:
    return f"(None, {h}, {w}, {c})"


def layer_summary(
    in_shape: Sequence[int],
    weights_shape: Sequence[int],
    *,
    padding: PaddingSpec = "valid",
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    groups: int = 1,
    use_bias: bool = True,
    transpose: bool = False,
    output_padding: IntOrPair | None = None,
) -> str:
    """Return the layer's line of a Keras ``model.summary()``: type, output shape, parameters.

    Parameters
    ----------
    in_shape : sequence of int
        ``(H, W)`` or ``(H, W, C_in)``.
    weights_shape : sequence of int
        ``(kh, kw, C_in // groups, C_out)``, or ``(kh, kw, C_out, C_in)`` when ``transpose``.
    padding, stride, dilation, groups, output_padding
        As for :func:`conv2d_layer` or :func:`conv_transpose2d`.
    use_bias : bool
        Whether the layer has a bias per filter.
    transpose : bool
        A ``Conv2DTranspose`` layer instead of ``Conv2D`` (``groups`` must be 1).

    Returns
    -------
    str

    Examples
    --------
    >>> layer_summary((28, 28, 1), (3, 3, 1, 32))
    'conv2d (Conv2D)   (None, 26, 26, 32)   320'
    >>> layer_summary((8, 8, 8), (3, 3, 1, 8), padding="same", groups=8)
    'depthwise_conv2d (DepthwiseConv2D)   (None, 8, 8, 8)   80'
    >>> layer_summary((64, 64, 16), (3, 3, 8, 16), stride=2, padding="same", transpose=True)
    'conv2d_transpose (Conv2DTranspose)   (None, 128, 128, 8)   1,160'
    """
    kh, kw = int(weights_shape[0]), int(weights_shape[1])
    if transpose:
        if groups != 1:
            raise ValueError(f"a transposed layer has no groups, got groups={groups!r}")
        geo = transpose_geometry(
            in_shape,
            weights_shape,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
        )
        c_out, c_in = int(weights_shape[2]), int(weights_shape[3])
        have = int(in_shape[2]) if len(in_shape) == 3 else 1
        if c_in != have:
            raise ValueError(
                f"weights of shape {tuple(weights_shape)} read {c_in} input channel(s), "
                f"but the input has {have}"
            )
        n = layer_param_count(kh, kw, c_in, c_out, 1, use_bias)
        shape = _keras_shape(*geo.out_shape, c_out)
        return f"conv2d_transpose (Conv2DTranspose)   {shape}   {n:,}"
    c_in, c_out, g = check_layer_args(in_shape, weights_shape, groups)
    h, w = conv_layer_shape(in_shape, (kh, kw), padding=padding, stride=stride, dilation=dilation)
    n = layer_param_count(kh, kw, c_in, c_out, g, use_bias)
    kind = "depthwise_conv2d (DepthwiseConv2D)" if g > 1 and g == c_in else "conv2d (Conv2D)"
    return f"{kind}   {_keras_shape(h, w, c_out)}   {n:,}"


@dataclass(frozen=True)
class TransposeGeometry:
    """Where a transposed layer's output sits in the full scatter of its input.

    Input pixel ``(i, j)`` stamps kernel tap ``(a, b)`` onto output cell
    ``(i*s + a*d - crop_top, j*s + b*d - crop_left)`` (cells outside ``out_shape`` are dropped).

    Attributes
    ----------
    in_shape, kernel, stride, dilation : (int, int)
        Input ``(H, W)``, kernel ``(kh, kw)``, stride and dilation.
    full_shape : (int, int)
        ``(n - 1)*s + d*(k - 1) + 1`` per axis: every cell some pixel stamps.
    crop : (int, int)
        ``(top, left)``: full-scatter cells cropped before the output starts.
    out_shape : (int, int)
        Output ``(H', W')``.
    crop_end : (int, int)
        ``(bottom, right)``: full-scatter cells cropped after the output ends; negative when
        the output reaches that many cells past the scatter (zeros, from ``output_padding``).
    direct_pads : (int, int, int, int)
        ``(top, bottom, left, right)`` around the zero-inserted input in the equivalent direct
        correlation (``d*(k - 1) - p`` before); negative means that many cells are cut off.
    """

    in_shape: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    full_shape: tuple[int, int]
    crop: tuple[int, int]
    out_shape: tuple[int, int]
    crop_end: tuple[int, int]
    direct_pads: tuple[int, int, int, int]


def _transpose_axis(
    n: int, k: int, s: int, d: int, padding: str | int, op: int | None
) -> tuple[int, int]:
    """``(crop_before, out_len)`` of one axis (Keras rules for names, PyTorch for ints)."""
    eff = effective_size(k, d)
    if isinstance(padding, int):
        return padding, (n - 1) * s - 2 * padding + eff + (op or 0)
    if op is None:  # Keras deconv_output_length with output_padding=None
        length = n * s + max(eff - s, 0) if padding == "valid" else n * s
    else:
        pad = 0 if padding == "valid" else eff // 2
        length = (n - 1) * s + eff - 2 * pad + op
    # TensorFlow computes the transposed op as the gradient of a conv2d whose input has
    # ``length`` cells: its "SAME" padding before is half the total, the odd cell after.
    before = 0 if padding == "valid" else max((n - 1) * s + eff - length, 0) // 2
    return before, length


def _check_keras_output_padding(
    padding: object, output_padding: object, axes: tuple[tuple[int, ...], ...]
) -> None:
    """Refuse an ``output_padding`` Keras/TensorFlow refuse with ``"valid"``/``"same"``.

    ``axes`` holds ``(n, k, s, d, output_padding, length)`` for the rows and the columns.
    TensorFlow computes the transposed layer as the gradient of a convolution whose input has
    the output's length; that convolution must map it back to the ``n`` input cells. With a
    named padding this needs ``output_padding < stride`` (Keras's own check) and, for
    ``"same"`` with an even kernel span ``d(k − 1) + 1``, an ``output_padding`` of at least 1.
    """
    for label, (n, k, s, d, op, length) in zip(("rows", "cols"), axes):
        if op >= s:
            raise ValueError(
                f"output_padding {output_padding!r} must be smaller than the stride with "
                f"padding {padding!r}, as in Keras ({label}: {op} with stride {s}); use a "
                "smaller one, None, or an int padding (PyTorch's rule)"
            )
        eff = effective_size(k, d)
        back = -(-length // s) if padding == "same" else (length - eff) // s + 1
        if back != n:
            fix = "None" if s == 1 else f"None or 1 to {s - 1}"
            raise ValueError(
                f"output_padding {output_padding!r} with padding {padding!r} makes the "
                f"{label} {length} cells, which a {padding!r} convolution with stride {s} maps "
                f"back to {back}, not {n} (the kernel spans an even {eff} cells); Keras "
                f"refuses it too: use output_padding {fix} there"
            )


def _transpose_padding(padding: object) -> tuple[str, str] | tuple[int, int]:
    if isinstance(padding, str):
        check_choice(padding, TRANSPOSE_PADDINGS, "padding")
        return (padding, padding)
    try:
        return as_pair(padding, "padding", minimum=0)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            "padding of a transposed layer must be 'valid', 'same', an int or (rows, cols) "
            f"of ints at least 0, got {padding!r}"
        ) from None


def transpose_geometry(
    in_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> TransposeGeometry:
    """Return the geometry of :func:`conv_transpose2d` (see :class:`TransposeGeometry`).

    Parameters
    ----------
    in_shape : sequence of int
        ``(H, W)`` or ``(H, W, C_in)``.
    kernel_shape : sequence of int
        ``(kh, kw)`` or the whole weights shape.
    stride, padding, output_padding, dilation
        As for :func:`conv_transpose2d`.

    Returns
    -------
    TransposeGeometry

    Raises
    ------
    ValueError
        For a bad stride, dilation or padding, an ``output_padding`` not below the stride or
        the dilation (with ``"valid"``/``"same"``: one Keras refuses, see
        :func:`conv_transpose2d`), or an output with no cells.

    Examples
    --------
    >>> g = transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1)
    >>> g.out_shape, g.crop, g.full_shape
    ((8, 8), (1, 1), (9, 9))
    >>> transpose_geometry((4, 4), (3, 3), stride=2, padding="same").out_shape
    (8, 8)
    """
    (sr, sc), (dr, dc) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    pr, pc = _transpose_padding(padding)
    ops: tuple[int, int] | tuple[None, None]
    if output_padding is None:
        ops = (None, None)
    else:
        ops = as_pair(output_padding, "output_padding", minimum=0)
        for axis, o, s, d in (("rows", ops[0], sr, dr), ("cols", ops[1], sc, dc)):
            if o >= s and o >= d:
                raise ValueError(
                    f"output_padding {output_padding!r} must be smaller than the stride "
                    f"{(sr, sc)} or the dilation {(dr, dc)} on every axis ({axis}: {o}); "
                    "a larger one would add cells no input pixel reaches"
                )
    h, w = int(in_shape[0]), int(in_shape[1])
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    if min(h, w, kh, kw) < 1:
        raise ValueError(f"shapes must be at least 1, got input {(h, w)} and kernel {(kh, kw)}")
    top, ho = _transpose_axis(h, kh, sr, dr, pr, ops[0])
    left, wo = _transpose_axis(w, kw, sc, dc, pc, ops[1])
    if isinstance(pr, str) and output_padding is not None:
        axes = ((h, kh, sr, dr, ops[0] or 0, ho), (w, kw, sc, dc, ops[1] or 0, wo))
        _check_keras_output_padding(padding, output_padding, axes)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"padding {padding!r} crops away the whole output (it would be {ho}x{wo}); "
            "use less padding or a larger kernel, stride or input"
        )
    fh, fw = (h - 1) * sr + effective_size(kh, dr), (w - 1) * sc + effective_size(kw, dc)
    direct = (
        (kh - 1) * dr - top,
        ho - 1 + top - (h - 1) * sr,
        (kw - 1) * dc - left,
        wo - 1 + left - (w - 1) * sc,
    )
    return TransposeGeometry(
        in_shape=(h, w),
        kernel=(kh, kw),
        stride=(sr, sc),
        dilation=(dr, dc),
        full_shape=(fh, fw),
        crop=(top, left),
        out_shape=(ho, wo),
        crop_end=(fh - top - ho, fw - left - wo),
        direct_pads=direct,
    )


def transpose_output_shape(
    in_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> tuple[int, int]:
    """Return the ``(H', W')`` of :func:`conv_transpose2d`'s output.

    Examples
    --------
    >>> transpose_output_shape((128, 128, 16), (3, 3), stride=2)
    (257, 257)
    >>> transpose_output_shape((5, 5), (3, 3), stride=2, padding=1, output_padding=1)
    (10, 10)
    """
    return transpose_geometry(
        in_shape,
        kernel_shape,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    ).out_shape


def _transpose_axis_formula(
    n: int, k: int, s: int, d: int, padding: str | int, op: int | None, out: int
) -> str:
    if isinstance(padding, int):
        return f"({n} − 1)·{s} − 2·{padding} + {d}·({k} − 1) + {op or 0} + 1 = {out}"
    eff = effective_size(k, d)
    if op is None:
        if padding == "same":
            return f"{n}·{s} = {out}"
        return f"{n}·{s} + max({eff} − {s}, 0) = {out}"
    pad = 0 if padding == "valid" else eff // 2
    return f"({n} − 1)·{s} + {eff} − 2·{pad} + {op} = {out}"


def transpose_formula(
    in_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> str:
    """Return the transposed layer's output size as arithmetic: ``H′ = …`` and ``W′ = …`` lines.

    An int padding is PyTorch's rule ``(n − 1)·s − 2p + d(k − 1) + output_padding + 1``;
    ``"valid"``/``"same"`` are Keras's (``n·s + max(d(k−1)+1 − s, 0)`` and ``n·s`` without an
    ``output_padding``).

    Examples
    --------
    >>> print(transpose_formula((5, 4), (3, 3), stride=2, padding=1, output_padding=1))
    H′ = (5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10
    W′ = (4 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 8
    >>> print(transpose_formula((4, 4), (3, 3), stride=2, padding="valid"))
    H′ = 4·2 + max(3 − 2, 0) = 9
    W′ = 4·2 + max(3 − 2, 0) = 9
    """
    geo = transpose_geometry(
        in_shape,
        kernel_shape,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    pads = _transpose_padding(padding)
    ops = (
        (None, None)
        if output_padding is None
        else as_pair(output_padding, "output_padding", minimum=0)
    )
    lines = []
    for axis, label in ((0, "H′"), (1, "W′")):
        lines.append(
            f"{label} = "
            + _transpose_axis_formula(
                geo.in_shape[axis],
                geo.kernel[axis],
                geo.stride[axis],
                geo.dilation[axis],
                pads[axis],
                ops[axis],
                geo.out_shape[axis],
            )
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- the layer


def _run_rows(n_rows: int, n_values: int, work: Callable[[int, int], None]) -> None:
    """``work(r0, r1)`` over ``[0, n_rows)``, split over the engine's threads when it pays.

    The calling thread does the first share itself, so at its own priority (the engine's
    helper threads yield to the GUI thread).
    """
    if _N_WORKERS == 1 or n_values < _PARALLEL_MIN or n_rows < 2 * _N_WORKERS:
        work(0, n_rows)
        return
    bounds = [int(v) for v in np.linspace(0, n_rows, _N_WORKERS + 1)]
    futures = [_executor().submit(work, a, b) for a, b in zip(bounds[1:-1], bounds[2:]) if b > a]
    try:
        work(bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()


def _matmul(
    lhs: NDArray[np.floating], rhs: NDArray[np.floating], out: NDArray[np.floating]
) -> None:
    """``out = lhs @ rhs`` as BLAS calls of about ``_BLAS_ITEM`` multiply-adds each."""
    m, k = lhs.shape
    item = max(_MIN_ITEM_ROWS, _BLAS_ITEM // max(1, k * rhs.shape[1]))
    n = m // item
    if n > 1:
        np.matmul(
            lhs[: n * item].reshape(n, item, k), rhs, out=out[: n * item].reshape(n, item, -1)
        )
    else:
        n = 0
    if n * item < m:
        np.matmul(lhs[n * item :], rhs, out=out[n * item :])


def _gemm_layer(
    arr: NDArray[np.generic],
    w: NDArray[np.float64],
    out: NDArray[np.floating],
    pads: Padding4,
    boundary: str,
    fill: float,
    groups: int,
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """im2col in blocks of output rows, one matrix product per block and group."""
    (sr, sc), (dr, dc) = stride, dilation
    kh, kw, cg, c_out = w.shape
    og = c_out // groups
    ho, wo = out.shape[:2]
    dt = out.dtype
    eh = effective_size(kh, dr)
    wp = arr.shape[1] + pads[2] + pads[3]
    c_in = arr.shape[2]
    k = kh * kw * cg
    # (groups, K, og) matrices, K ordered (i, j, c) as the im2col columns.
    mats = [
        np.ascontiguousarray(w[:, :, :, g * og : (g + 1) * og].reshape(k, og), dtype=dt)
        for g in range(groups)
    ]

    def work(r0: int, r1: int) -> None:
        step = max(1, min(r1 - r0, _COLS_ELEMS // max(1, wo * k)))
        buf = np.empty(((step - 1) * sr + eh, wp, c_in), dtype=dt)
        cols = np.empty((step, wo, kh, kw, cg), dtype=dt)
        res = np.empty((step * wo, og), dtype=dt) if groups > 1 else None
        for b0 in range(r0, r1, step):
            b1 = min(b0 + step, r1)
            m = b1 - b0
            block = buf[: (m - 1) * sr + eh]
            padded_rows(arr, pads, boundary, fill, b0 * sr, (b1 - 1) * sr + eh, block)
            for g in range(groups):
                chans = slice(g * cg, (g + 1) * cg)
                for i in range(kh):
                    rows = slice(i * dr, i * dr + (m - 1) * sr + 1, sr)
                    for j in range(kw):
                        cols[:m, :, i, j] = block[
                            rows, j * dc : j * dc + (wo - 1) * sc + 1 : sc, chans
                        ]
                lhs = cols[:m].reshape(m * wo, k)
                if groups == 1:
                    _matmul(lhs, mats[0], out[b0:b1].reshape(m * wo, c_out))
                else:
                    assert res is not None
                    _matmul(lhs, mats[g], res[: m * wo])
                    out[b0:b1, :, g * og : (g + 1) * og] = res[: m * wo].reshape(m, wo, og)

    _run_rows(ho, out.size, work)


def _gemm_planar(
    arr: NDArray[np.generic],
    w: NDArray[np.float64],
    out: NDArray[np.floating],
    pads: Padding4,
    boundary: str,
    fill: float,
    groups: int,
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """im2col with a channel-first block: one BLAS item per output row.

    For few channels per group the channel-last im2col copies a handful of values at a time;
    here every copy is a run of whole rows. Each output row is one product
    ``(og, K) @ (K, W')``, and the ``(og, W')`` results are transposed into the output.
    """
    (sr, sc), (dr, dc) = stride, dilation
    kh, kw, cg, c_out = w.shape
    og = c_out // groups
    ho, wo = out.shape[:2]
    dt = out.dtype
    eh = effective_size(kh, dr)
    wp = arr.shape[1] + pads[2] + pads[3]
    c_in = arr.shape[2]
    k = kh * kw * cg
    # (og, K) per group, K ordered (i, j, c) as the im2col rows.
    mats = [
        np.ascontiguousarray(w[:, :, :, g * og : (g + 1) * og].reshape(k, og).T, dtype=dt)
        for g in range(groups)
    ]
    planes = [arr[:, :, c] for c in range(c_in)]

    def work(r0: int, r1: int) -> None:
        step = max(1, min(r1 - r0, _COLS_ELEMS // max(1, wo * k)))
        buf = np.empty((c_in, (step - 1) * sr + eh, wp), dtype=dt)
        cols = np.empty((step, kh, kw, cg, wo), dtype=dt)
        res = np.empty((step, og, wo), dtype=dt)
        for b0 in range(r0, r1, step):
            b1 = min(b0 + step, r1)
            m = b1 - b0
            n_rows = (m - 1) * sr + eh
            for c in range(c_in):
                padded_rows(planes[c], pads, boundary, fill, b0 * sr, b0 * sr + n_rows, buf[c])
            for g in range(groups):
                block = buf[g * cg : (g + 1) * cg, :n_rows]
                for i in range(kh):
                    rows = slice(i * dr, i * dr + (m - 1) * sr + 1, sr)
                    for j in range(kw):
                        cols[:m, i, j] = block[
                            :, rows, j * dc : j * dc + (wo - 1) * sc + 1 : sc
                        ].transpose(1, 0, 2)
                np.matmul(mats[g], cols[:m].reshape(m, k, wo), out=res[:m])
                out[b0:b1, :, g * og : (g + 1) * og] = res[:m].transpose(0, 2, 1)

    _run_rows(ho, out.size, work)


def _taps_layer(
    arr: NDArray[np.generic],
    w: NDArray[np.float64],
    out: NDArray[np.floating],
    pads: Padding4,
    boundary: str,
    fill: float,
    groups: int,
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """Shifted-slice accumulation over every group at once, one pass per tap and channel.

    The route of depthwise layers: a filter reads one channel, so a matrix product would be
    a vector product per group, while here each pass multiplies a channel-first block of all
    groups by one weight per group and output. The block is transposed into the output once.
    """
    (sr, sc), (dr, dc) = stride, dilation
    kh, kw, cg, c_out = w.shape
    og = c_out // groups
    ho, wo = out.shape[:2]
    dt = out.dtype
    eh = effective_size(kh, dr)
    wp = arr.shape[1] + pads[2] + pads[3]
    c_in = arr.shape[2]
    wt = w.astype(dt).reshape(kh, kw, cg, groups, og, 1, 1)
    planes = [arr[:, :, c] for c in range(c_in)]

    def work(r0: int, r1: int) -> None:
        step = max(1, min(r1 - r0, _COLS_ELEMS // max(1, wo * (c_out + c_in))))
        buf = np.empty((c_in, (step - 1) * sr + eh, wp), dtype=dt)
        acc_buf = np.empty((groups, og, step, wo), dtype=dt)
        tmp_buf = np.empty_like(acc_buf)
        for b0 in range(r0, r1, step):
            b1 = min(b0 + step, r1)
            m = b1 - b0
            n_rows = (m - 1) * sr + eh
            for c in range(c_in):
                padded_rows(planes[c], pads, boundary, fill, b0 * sr, b0 * sr + n_rows, buf[c])
            acc, tmp = acc_buf[:, :, :m], tmp_buf[:, :, :m]
            first = True
            for i in range(kh):
                rows = slice(i * dr, i * dr + (m - 1) * sr + 1, sr)
                for j in range(kw):
                    cols = slice(j * dc, j * dc + (wo - 1) * sc + 1, sc)
                    for c in range(cg):
                        # channel c of every group (g*cg + c), one row of weights per output
                        src = buf[c::cg, rows, cols][:, None]
                        if first:
                            np.multiply(src, wt[i, j, c], out=acc)
                            first = False
                        else:
                            np.multiply(src, wt[i, j, c], out=tmp)
                            np.add(acc, tmp, out=acc)
            out[b0:b1] = acc.reshape(c_out, m, wo).transpose(1, 2, 0)

    _run_rows(ho, out.size, work)


def _channels_layer(
    arr: NDArray[np.generic],
    w: NDArray[np.float64],
    out: NDArray[np.floating],
    pads: Padding4,
    boundary: str,
    cval: float,
    groups: int,
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """The layer's definition: per filter, the sum over its channels of ``correlate2d``."""
    cg, c_out = w.shape[2], w.shape[3]
    og = c_out // groups
    for o in range(c_out):
        g = o // og
        for ci in range(cg):
            part = correlate2d(
                arr[:, :, g * cg + ci],
                w[:, :, ci, o],
                padding=pads,
                boundary=boundary,
                cval=cval,
                stride=stride,
                dilation=dilation,
            )
            if ci == 0:
                out[:, :, o] = part
            else:
                out[:, :, o] += part


def _choose_route(kh: int, kw: int, cg: int, og: int, groups: int) -> str:
    """The route ``method="auto"`` takes (see :data:`LAYER_METHODS`).

    From ``benchmarks/bench_layer.py --routes`` on the 2-core machine: GEMM wins everywhere
    except depthwise layers (one channel in, one map out per filter), whose per-group products
    are too thin: shifted slices there (level with GEMM at 3×3 on 8 channels, up to 1.8× faster
    with 64 groups or 5×5 and 7×7 kernels), and ``correlate2d``'s separable and FFT passes for
    kernels above 7×7.
    """
    if cg == 1 and og == 1 and groups > 1:
        return "taps" if kh * kw <= _TAPS_MAX else "channels"
    return "gemm"


def conv2d_layer(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    padding: PaddingSpec = "valid",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    groups: int = 1,
    method: str = "auto",
) -> NDArray[np.floating]:
    """Apply a convolution layer (Keras ``Conv2D``): many filters over every input channel.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C_in)
        The input; any real dtype; a 2-D image is one channel. Not modified.
    weights : array_like, shape (kh, kw, C_in // groups, C_out)
        The Keras ``Conv2D`` kernel layout, so Keras weights load unchanged: filter ``o`` is
        the stack ``weights[:, :, :, o]`` of one kernel per input channel of its group.
    bias : array_like, shape (C_out,), optional
        Added to each feature map; None for no bias.
    padding : {"valid", "same", "full"}, int or 4-tuple of int, optional
        As for :func:`convgui.core.correlate2d` (``"same"`` follows TensorFlow/Keras); the
        default is Keras's ``"valid"``.
    boundary : {"zero", "constant", "replicate", "reflect", "mirror", "wrap"}, optional
        What the padded cells hold, as for :func:`convgui.core.correlate2d`.
    cval : float, optional
        Value of the padded cells for ``boundary="constant"``.
    stride, dilation : int or (rows, cols), optional
        Step between output positions and spacing between kernel taps, each at least 1.
    groups : int, optional
        Channel groups: filter ``o`` reads input channels ``g*C_in/groups`` up to
        ``(g+1)*C_in/groups`` where ``g = o // (C_out/groups)``; ``groups = C_in`` is a
        depthwise layer. It must divide both ``C_in`` and ``C_out``.
    method : {"auto", "gemm", "taps", "channels"}, optional
        ``"gemm"`` multiplies im2col blocks with the weights; ``"taps"`` adds one shifted
        slice of every group per tap and channel; ``"channels"`` sums
        :func:`convgui.core.correlate2d` over channels. ``"auto"`` takes GEMM except for
        depthwise layers (``"taps"``; ``"channels"`` above 7×7). All give the same values up
        to rounding.

    Returns
    -------
    ndarray, shape (H', W', C_out)
        float32, or float64 when ``x`` is float64 (the engine's dtype rule, as
        :func:`convgui.core.correlate2d`; the weights' dtype does not change it).

    Raises
    ------
    ValueError
        For weights not 4-D, a channel count that does not match, ``groups`` not dividing
        both channel counts, a bias of the wrong shape, non-finite weights or bias, and every
        case :func:`convgui.core.correlate2d` rejects.
    convgui.core.pipeline.OutputTooLargeError
        A ``ValueError`` raised before anything is allocated when the padded input would
        exceed :data:`convgui.core.pipeline.MAX_PIXELS` pixels, or the output or a working
        block :data:`MAX_LAYER_VALUES` values; the message gives the sizes. (With
        ``method="auto"``, a layer whose im2col row would be too large takes the
        ``"channels"`` route instead.)

    Notes
    -----
    ``out[r, c, o] = bias[o] + sum_{i, j, c'} weights[i, j, c', o] *
    padded[r*sr + i*dr, c*sc + j*dc, g*C_in/groups + c']``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(32).reshape(4, 4, 2)
    >>> w = np.zeros((3, 3, 2, 2)); w[1, 1, 0, 0] = 1; w[1, 1, 1, 1] = 10
    >>> y = conv2d_layer(x, w, bias=[0.5, 0])
    >>> y.shape, y[0, 0].tolist()
    ((2, 2, 2), [10.5, 110.0])
    """
    arr = _as_hwc(x)
    w = _check_weights(weights)
    _, c_out, g = check_layer_args(arr.shape, w.shape, groups)
    b = _check_bias(bias, c_out)
    check_choice(boundary, BOUNDARIES, "boundary")
    check_choice(method, LAYER_METHODS, "method")
    cv = check_finite_scalar(cval, "cval") if boundary == "constant" else 0.0
    st, dl = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    kh, kw, cg, _ = w.shape
    pads = resolve_padding(arr.shape, (kh, kw), padding, stride=st, dilation=dl)
    h, wd, c_in = arr.shape
    ho, wo = _check_conv_sizes((h, wd, c_in), (kh, kw, cg, c_out), pads, st, dl)
    chosen = method if method != "auto" else _choose_route(kh, kw, cg, c_out // g, g)
    if chosen == "gemm" and wo * kh * kw * cg > MAX_LAYER_VALUES:
        # One output row of im2col columns would be too large: sum correlate2d per channel.
        if method == "gemm":
            _check_values(
                wo * kh * kw * cg,
                f"One output row of im2col columns ({wo} positions × {kh}×{kw}×{cg} taps)",
                "Use method='auto' or 'channels', a smaller kernel or a larger stride.",
            )
        chosen = "channels"
    dt = work_dtype(arr)
    out = np.empty((ho, wo, c_out), dtype=dt)
    if chosen == "gemm" and cg < 8 and (c_out // g) * kh * kw * cg * wo <= _BLAS_ITEM:
        _gemm_planar(arr, w, out, pads, boundary, cv, g, st, dl)
    elif chosen == "gemm":
        _gemm_layer(arr, w, out, pads, boundary, cv, g, st, dl)
    elif chosen == "taps":
        _taps_layer(arr, w, out, pads, boundary, cv, g, st, dl)
    else:
        _channels_layer(arr, w, out, pads, boundary, cv, g, st, dl)
    if b is not None:
        out += b.astype(dt)
    return out


def conv2d_filter(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None,
    filter: int,
    *,
    padding: PaddingSpec = "valid",
    boundary: str = "zero",
    cval: float = 0.0,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> NDArray[np.floating]:
    """Return one feature map of :func:`conv2d_layer`: what editing one filter changes.

    Only the filter's own group of input channels is read, so the cost is one filter's share
    of the layer.

    Parameters
    ----------
    x, weights, bias, padding, boundary, cval, stride, dilation, groups
        As for :func:`conv2d_layer`.
    filter : int
        Output channel, ``0 <= filter < C_out``.

    Returns
    -------
    ndarray, shape (H', W')
        Equal to ``conv2d_layer(...)[:, :, filter]`` up to rounding; same dtype rule.

    Raises
    ------
    ValueError
        As :func:`conv2d_layer`, or for a filter outside ``0 .. C_out - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.zeros((1, 1, 2, 3)); w[0, 0, 1, 2] = 2
    >>> conv2d_filter(np.arange(8).reshape(2, 2, 2), w, [0, 0, 1], 2)
    array([[ 3.,  7.],
           [11., 15.]], dtype=float32)
    """
    arr = _as_hwc(x)
    w = _check_weights(weights)
    _, c_out, g = check_layer_args(arr.shape, w.shape, groups)
    b = _check_bias(bias, c_out)
    if isinstance(filter, bool) or not isinstance(filter, (int, np.integer)):
        raise ValueError(f"filter must be an int, got {filter!r}")
    if not 0 <= int(filter) < c_out:
        raise ValueError(f"filter {filter!r} is outside 0..{c_out - 1}")
    o = int(filter)
    cg = w.shape[2]
    first = (o // (c_out // g)) * cg
    res = conv2d_layer(
        arr[:, :, first : first + cg],
        w[:, :, :, o : o + 1],
        None if b is None else b[o : o + 1],
        padding=padding,
        boundary=boundary,
        cval=cval,
        stride=stride,
        dilation=dilation,
    )
    return res[:, :, 0]


# --------------------------------------------------------------------------- transposed


def _check_transpose(
    x: ArrayLike, weights: ArrayLike, bias: ArrayLike | None
) -> tuple[NDArray[np.generic], NDArray[np.float64], NDArray[np.float64] | None]:
    arr = _as_hwc(x)
    w = _check_weights(weights)
    if w.shape[3] != arr.shape[2]:
        raise ValueError(
            f"weights of shape {w.shape} (kh, kw, C_out, C_in as in Keras Conv2DTranspose) "
            f"read {w.shape[3]} input channel(s), but x has {arr.shape[2]}; "
            f"use weights of shape ({w.shape[0]}, {w.shape[1]}, {w.shape[2]}, {arr.shape[2]})"
        )
    return arr, w, _check_bias(bias, w.shape[2])


def _tap_range(n: int, tap: int, s: int, before: int, length: int) -> tuple[int, int]:
    """Input indices ``[i0, i1)`` whose cell ``i*s + tap - before`` falls in ``[0, length)``."""
    i0 = max(0, -(-(before - tap) // s))
    i1 = min(n, (before + length - 1 - tap) // s + 1)
    return i0, max(i0, i1)


def conv_transpose2d(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = "valid",
    output_padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
) -> NDArray[np.floating]:
    """Apply a transposed convolution layer (Keras ``Conv2DTranspose``, torch ``ConvTranspose2d``).

    Each input pixel stamps ``value * kernel`` onto the output, ``stride`` cells apart;
    overlapping stamps add. It is the adjoint of :func:`conv2d_layer` with the same weights
    array: ``<conv2d_layer(y, W), x> == <y, conv_transpose2d(x, W)>``.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C_in)
        The input; any real dtype. Not modified.
    weights : array_like, shape (kh, kw, C_out, C_in)
        The Keras ``Conv2DTranspose`` kernel layout.
    bias : array_like, shape (C_out,), optional
        Added to each output channel.
    stride, dilation : int or (rows, cols), optional
        Spacing of the stamps and of the kernel taps, each at least 1.
    padding : {"valid", "same"}, int or (rows, cols), optional
        An int is PyTorch's: ``p`` cells cropped from each side of the full scatter, output
        size ``(n − 1)·s − 2p + d(k − 1) + output_padding + 1``. ``"valid"`` and ``"same"`` are
        Keras's, including its output size when ``output_padding`` is None (``n·s +
        max(d(k−1)+1 − s, 0)`` and ``n·s``).
    output_padding : int or (rows, cols), optional
        Extra cells after the last row and column, each smaller than the stride or the
        dilation (it picks among the input sizes a strided convolution maps to ``H``). With
        ``"valid"``/``"same"`` Keras's rules apply: smaller than the stride, and at least 1
        for ``"same"`` when the kernel spans an even ``d(k − 1) + 1`` cells.

    Returns
    -------
    ndarray, shape (H', W', C_out)
        float32, or float64 when ``x`` is float64.

    Raises
    ------
    ValueError
        For weights not 4-D, a channel count that does not match, a bias of the wrong shape,
        non-finite values, a bad stride, dilation, padding or output_padding, or an output
        cropped to nothing.
    convgui.core.pipeline.OutputTooLargeError
        A ``ValueError`` raised before anything is allocated when the output, or the stamps
        of one input row, would exceed :data:`MAX_LAYER_VALUES` values; the message gives
        the sizes.

    Notes
    -----
    ``out[i*s + a*d - top, j*s + b*d - left, o] += x[i, j, c] * weights[a, b, o, c]``, with
    ``(top, left)`` from :func:`transpose_geometry`. Computed as one matrix product per
    block of input rows (every pixel's stamps) and one strided add per kernel tap (col2im),
    about half the time of the equivalent direct correlation over the zero-inserted input
    (:func:`convgui.core.layer_steps.transpose_direct`), which multiplies mostly zeros.

    Examples
    --------
    >>> import numpy as np
    >>> conv_transpose2d([[1, 2]], np.ones((2, 2, 1, 1)), stride=2)[..., 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]], dtype=float32)
    """
    arr, w, b = _check_transpose(x, weights, bias)
    geo = transpose_geometry(
        arr.shape,
        w.shape,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    dt = work_dtype(arr)
    h, wd, c_in = arr.shape
    kh, kw, c_out, _ = w.shape
    (sr, sc), (dr, dc) = geo.stride, geo.dilation
    ho, wo = geo.out_shape
    _check_values(
        ho * wo * c_out,
        f"The output of {ho}×{wo}×{c_out} (rows × columns × channels; stride {geo.stride}, "
        f"dilation {geo.dilation})",
        "Use a smaller stride or dilation, fewer output channels or a smaller input.",
    )
    _check_values(
        wd * kh * kw * c_out,
        f"The stamps of one input row ({wd} pixels × {kh}×{kw} taps × {c_out} channels)",
        "Use a smaller kernel, fewer output channels or a narrower input.",
    )
    top, left = geo.crop
    out = np.zeros((ho, wo, c_out), dtype=dt)
    # (C_in, kh*kw*C_out): one matrix product turns a block of pixels into all their stamps.
    mat = np.ascontiguousarray(w.transpose(3, 0, 1, 2).reshape(c_in, kh * kw * c_out), dtype=dt)
    jr = [_tap_range(wd, b_ * dc, sc, left, wo) for b_ in range(kw)]
    step = max(1, _COLS_ELEMS // max(1, wd * kh * kw * c_out))
    buf = np.empty((step * wd, kh * kw * c_out), dtype=dt)
    for i0 in range(0, h, step):
        i1 = min(h, i0 + step)
        src = np.ascontiguousarray(arr[i0:i1].reshape(-1, c_in), dtype=dt)
        _matmul(src, mat, buf[: src.shape[0]])
        stamps = buf[: src.shape[0]].reshape(i1 - i0, wd, kh, kw, c_out)
        for a in range(kh):
            a0, a1 = _tap_range(h, a * dr, sr, top, ho)
            a0, a1 = max(a0, i0), min(a1, i1)
            if a1 <= a0:
                continue
            y0 = a0 * sr + a * dr - top
            rows = slice(y0, y0 + (a1 - a0 - 1) * sr + 1, sr)
            for b_ in range(kw):
                j0, j1 = jr[b_]
                if j1 <= j0:
                    continue
                z0 = j0 * sc + b_ * dc - left
                cols = slice(z0, z0 + (j1 - j0 - 1) * sc + 1, sc)
                out[rows, cols] += stamps[a0 - i0 : a1 - i0, j0:j1, a, b_]
    if b is not None:
        out += b.astype(dt)
    return out


__all__ = [
    "LAYER_METHODS",
    "TRANSPOSE_PADDINGS",
    "TransposeGeometry",
    "check_layer_args",
    "conv2d_filter",
    "conv2d_layer",
    "conv_layer_shape",
    "conv_transpose2d",
    "layer_formula",
    "layer_param_count",
    "layer_summary",
    "param_formula",
    "transpose_formula",
    "transpose_geometry",
    "transpose_output_shape",
]
