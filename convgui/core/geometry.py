"""Output-geometry arithmetic shared by the engine, the scan and the window's labels.

All sizes follow the convention of TensorFlow/Keras: for one axis of length ``n``, kernel
length ``k``, stride ``s``, dilation ``d`` and padding ``p_before``/``p_after``, the output
length is ``floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

Pair = tuple[int, int]
Padding4 = tuple[int, int, int, int]
PaddingSpec = str | int | Sequence[int]
IntOrPair = int | Sequence[int]

#: Named padding modes accepted by :func:`resolve_padding`.
PADDING_MODES: tuple[str, ...] = ("valid", "same", "full")


def as_pair(value: IntOrPair, name: str, *, minimum: int = 1) -> Pair:
    """Return ``value`` as a ``(rows, cols)`` pair of ints, each at least ``minimum``.

    Parameters
    ----------
    value : int or pair of int
        A single int (used for both axes) or a sequence of two ints.
    name : str
        Name of the argument, quoted in error messages.
    minimum : int, optional
        Smallest accepted value.

    Returns
    -------
    tuple of int
        ``(rows, cols)``.

    Raises
    ------
    ValueError
        If ``value`` is not an int or a pair of ints, or is below ``minimum``.

    Examples
    --------
    >>> as_pair(2, "stride")
    (2, 2)
    >>> as_pair((1, 3), "stride")
    (1, 3)
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        pair = (int(value), int(value))
    else:
        try:
            items = list(value)  # type: ignore[arg-type]
        except TypeError:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}") from None
        if len(items) != 2 or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items
        ):
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        pair = (int(items[0]), int(items[1]))
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return pair


def effective_size(k: int, dilation: int) -> int:
    """Return the span of a kernel axis of length ``k`` with the given dilation.

    Examples
    --------
    >>> effective_size(3, 2)
    5
    """
    return (k - 1) * dilation + 1


def _same_axis(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    # TensorFlow: out = ceil(n / s); the extra cell of an odd total goes after (bottom/right).
    out = -(-n // s)
    total = max((out - 1) * s + effective_size(k, d) - n, 0)
    return total // 2, total - total // 2


def resolve_padding(
    image_shape: Sequence[int],
    kernel_shape: Sequence[int],
    padding: PaddingSpec = "same",
    *,
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
) -> Padding4:
    """Return the padding ``(top, bottom, left, right)`` for a parameter set.

    Parameters
    ----------
    image_shape : sequence of int
        ``(H, W)`` or ``(H, W, C)``; only the first two entries are used.
    kernel_shape : sequence of int
        ``(kh, kw)``.
    padding : {"valid", "same", "full"}, int or 4-tuple of int
        ``"valid"`` pads nothing, ``"same"`` pads as TensorFlow/Keras (output length
        ``ceil(n / stride)``, the odd cell at the bottom/right), ``"full"`` pads
        ``dilation * (k - 1)`` on each side; an int pads that many cells on every side and a
        4-tuple gives ``(top, bottom, left, right)``.
    stride, dilation : int or pair of int
        Step between output positions and spacing between kernel taps.

    Returns
    -------
    tuple of int
        ``(top, bottom, left, right)``.

    Raises
    ------
    ValueError
        For an unknown mode, a negative amount, or an invalid stride/dilation.

    Examples
    --------
    >>> resolve_padding((6, 6), (3, 3), "same")
    (1, 1, 1, 1)
    >>> resolve_padding((5, 5), (2, 2), "same")
    (0, 1, 0, 1)
    >>> resolve_padding((7, 7), (3, 3), "full", dilation=2)
    (4, 4, 4, 4)
    """
    sr, sc = as_pair(stride, "stride")
    dr, dc = as_pair(dilation, "dilation")
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    h, w = int(image_shape[0]), int(image_shape[1])
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            top, bottom = _same_axis(h, kh, sr, dr)
            left, right = _same_axis(w, kw, sc, dc)
            return (top, bottom, left, right)
        if padding == "full":
            ph, pw = (kh - 1) * dr, (kw - 1) * dc
            return (ph, ph, pw, pw)
        raise ValueError(
            f"padding must be 'valid', 'same', 'full', an int or a 4-tuple, got {padding!r}"
        )
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        if padding < 0:
            raise ValueError(f"padding must not be negative, got {padding!r}")
        p = int(padding)
        return (p, p, p, p)
    try:
        items = list(padding)  # type: ignore[arg-type]  # ints were handled above
    except TypeError:
        raise ValueError(
            f"padding must be 'valid', 'same', 'full', an int or a 4-tuple, got {padding!r}"
        ) from None
    if len(items) != 4 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items
    ):
        raise ValueError(
            f"padding as a tuple must be 4 ints (top, bottom, left, right), got {padding!r}"
        )
    if any(v < 0 for v in items):
        raise ValueError(f"padding must not be negative, got {padding!r}")
    t, b, lft, r = (int(v) for v in items)
    return (t, b, lft, r)


def _axis_out(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    return (n + before + after - effective_size(k, d)) // s + 1


def output_shape(
    image_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    padding: PaddingSpec = "same",
    stride: IntOrPair = 1,
    dilation: IntOrPair = 1,
) -> Pair:
    """Return the ``(rows, cols)`` of the output of :func:`convgui.core.correlate2d`.

    Parameters
    ----------
    image_shape, kernel_shape, padding, stride, dilation
        As for :func:`resolve_padding`.

    Returns
    -------
    tuple of int
        ``floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1`` for each axis.

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded image on either axis.

    Examples
    --------
    >>> output_shape((6, 6), (3, 3), padding="valid")
    (4, 4)
    >>> output_shape((28, 28), (3, 3), padding="same", stride=2)
    (14, 14)
    """
    pads = resolve_padding(image_shape, kernel_shape, padding, stride=stride, dilation=dilation)
    sr, sc = as_pair(stride, "stride")
    dr, dc = as_pair(dilation, "dilation")
    h, w = int(image_shape[0]), int(image_shape[1])
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    eh, ew = effective_size(kh, dr), effective_size(kw, dc)
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    if eh > ph or ew > pw:
        raise ValueError(
            f"the kernel window ({eh}x{ew}, kernel {kh}x{kw} with dilation {(dr, dc)}) is larger "
            f"than the padded input ({ph}x{pw}, image {h}x{w} with padding {pads}); "
            "use a smaller kernel or dilation, or more padding"
        )
    return (_axis_out(h, pads[0], pads[1], kh, sr, dr), _axis_out(w, pads[2], pads[3], kw, sc, dc))


def output_formula(n: int, before: int, after: int, k: int, stride: int, dilation: int) -> str:
    """Return the output-length arithmetic for one axis as a human-readable string.

    Examples
    --------
    >>> output_formula(6, 1, 1, 3, 1, 1)
    '(6 + 1 + 1 − 3)/1 + 1 = 6'
    >>> output_formula(8, 0, 0, 3, 2, 2)
    '⌊(8 + 0 + 0 − 5)/2⌋ + 1 = 2'
    """
    eff = effective_size(k, dilation)
    num = n + before + after - eff
    if num < 0:
        return f"({n} + {before} + {after} − {eff}) < 0: no output"
    out = num // stride + 1
    body = f"({n} + {before} + {after} − {eff})/{stride}"
    if num % stride:
        body = f"⌊{body}⌋"
    return f"{body} + 1 = {out}"


def pool_padding(
    shape: Sequence[int],
    size: IntOrPair = 2,
    *,
    stride: IntOrPair | None = None,
    padding: str = "valid",
) -> Padding4:
    """Return the padding ``(top, bottom, left, right)`` of a pooling layer.

    Parameters
    ----------
    shape : sequence of int
        ``(H, W)`` or ``(H, W, C)`` of the pooled map.
    size : int or pair of int
        Pooling window.
    stride : int or pair of int, optional
        Defaults to ``size`` (as Keras ``MaxPooling2D``).
    padding : {"valid", "same"}
        Keras semantics.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> pool_padding((5, 5), 2, padding="same")
    (0, 1, 0, 1)
    """
    kh, kw = as_pair(size, "size")
    sr, sc = as_pair(size if stride is None else stride, "stride")
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        top, bottom = _same_axis(int(shape[0]), kh, sr, 1)
        left, right = _same_axis(int(shape[1]), kw, sc, 1)
        return (top, bottom, left, right)
    raise ValueError(f"pool padding must be 'valid' or 'same', got {padding!r}")


def pool_output_shape(
    shape: Sequence[int],
    size: IntOrPair = 2,
    *,
    stride: IntOrPair | None = None,
    padding: str = "valid",
) -> Pair:
    """Return the ``(rows, cols)`` of :func:`convgui.core.pool2d`'s output.

    Raises
    ------
    ValueError
        If the window is larger than the (padded) map.

    Examples
    --------
    >>> pool_output_shape((6, 6), 2)
    (3, 3)
    >>> pool_output_shape((5, 5), 2, padding="same")
    (3, 3)
    """
    kh, kw = as_pair(size, "size")
    sr, sc = as_pair(size if stride is None else stride, "stride")
    pads = pool_padding(shape, (kh, kw), stride=(sr, sc), padding=padding)
    h, w = int(shape[0]), int(shape[1])
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    if kh > ph or kw > pw:
        raise ValueError(
            f"the pooling window ({kh}x{kw}) is larger than the map it pools ({ph}x{pw}); "
            "use a smaller pool size or 'same' padding"
        )
    return ((ph - kh) // sr + 1, (pw - kw) // sc + 1)


def ceil_div(a: int, b: int) -> int:
    """Integer ceiling of ``a / b`` for positive ``b``.

    Examples
    --------
    >>> ceil_div(7, 2)
    4
    """
    return -(-a // b)


__all__ = [
    "PADDING_MODES",
    "IntOrPair",
    "Padding4",
    "PaddingSpec",
    "Pair",
    "as_pair",
    "ceil_div",
    "effective_size",
    "output_formula",
    "output_shape",
    "pool_output_shape",
    "pool_padding",
    "resolve_padding",
]
