"""Max and average pooling (Keras ``MaxPooling2D`` / ``AveragePooling2D`` semantics)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_image, work_dtype
from .geometry import IntOrPair, as_pair, pool_output_shape, pool_padding

#: Pooling operations of :func:`pool2d`.
POOL_OPS: tuple[str, ...] = ("max", "avg")


def _reduce_axis(
    x: NDArray[np.floating], axis: int, k: int, s: int, n_out: int, op: str
) -> NDArray[np.floating]:
    """Max or sum over windows of ``k`` cells, ``s`` apart, along ``axis``."""
    ufunc = np.maximum if op == "max" else np.add

    def take(i: int) -> NDArray[np.floating]:
        sl: list[slice] = [slice(None)] * x.ndim
        sl[axis] = slice(i, i + (n_out - 1) * s + 1, s)
        view: NDArray[np.floating] = x[tuple(sl)]
        return view

    if k == 1:
        single: NDArray[np.floating] = take(0).copy()
        return single
    res: NDArray[np.floating] = ufunc(take(0), take(1))
    for i in range(2, k):
        ufunc(res, take(i), out=res)
    return res


def pool2d(
    x: ArrayLike,
    size: IntOrPair = 2,
    *,
    stride: IntOrPair | None = None,
    padding: str = "valid",
    op: str = "max",
) -> NDArray[np.floating]:
    """Pool ``x`` with a sliding window, keeping the largest value or the average.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
        The map to pool; not modified.
    size : int or (rows, cols), optional
        Window size, each at least 1.
    stride : int or (rows, cols), optional
        Step between windows; defaults to ``size`` (as Keras ``MaxPooling2D``).
    padding : {"valid", "same"}, optional
        ``"same"`` pads as Keras: output ``ceil(n / stride)``, the odd cell at the
        bottom/right. Padded cells never win a max and are not counted in an average.
    op : {"max", "avg"}, optional
        Keep the maximum or the mean of each window.

    Returns
    -------
    ndarray
        Shape ``pool_output_shape(...)`` (plus the channel axis); float32, or float64 for
        float64 input.

    Raises
    ------
    ValueError
        For an unknown op or padding, a size or stride below 1, or a window larger than ``x``.

    Notes
    -----
    The window is reduced one axis at a time (rows, then columns), so a 2x2 max pool reads
    the input once and writes half of it once more.

    Examples
    --------
    >>> import numpy as np
    >>> pool2d(np.arange(16).reshape(4, 4))
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    >>> pool2d([[1, 2, 3]], (1, 2), padding="same", op="avg")
    array([[1.5, 3. ]], dtype=float32)
    """
    arr = check_image(x, "x")
    check_choice(op, POOL_OPS, "op")
    kh, kw = as_pair(size, "size")
    sr, sc = as_pair(size if stride is None else stride, "stride")
    pads = pool_padding(arr.shape, (kh, kw), stride=(sr, sc), padding=padding)
    ho, wo = pool_output_shape(arr.shape, (kh, kw), stride=(sr, sc), padding=padding)
    dt = work_dtype(arr)
    src: NDArray[np.floating] = np.asarray(arr, dtype=dt)
    if any(pads):
        top, bottom, left, right = pads
        h, w = arr.shape[:2]
        fill = -np.inf if op == "max" else 0.0
        padded = np.full((h + top + bottom, w + left + right) + arr.shape[2:], fill, dtype=dt)
        padded[top : top + h, left : left + w] = src
        src = padded
    rows = _reduce_axis(src, 0, kh, sr, ho, op)
    res = _reduce_axis(rows, 1, kw, sc, wo, op)
    if op == "avg":
        if any(pads):
            # Count only real cells: the count is separable, rows times columns.
            h, w = arr.shape[:2]
            ones_r = np.zeros(h + pads[0] + pads[1], dtype=dt)
            ones_r[pads[0] : pads[0] + h] = 1
            ones_c = np.zeros(w + pads[2] + pads[3], dtype=dt)
            ones_c[pads[2] : pads[2] + w] = 1
            cnt_r = _reduce_axis(ones_r[:, None], 0, kh, sr, ho, "avg")[:, 0]
            cnt_c = _reduce_axis(ones_c[None, :], 1, kw, sc, wo, "avg")[0]
            count = np.outer(cnt_r, cnt_c)
            if res.ndim == 3:
                count = count[..., None]
            res /= count
        else:
            res /= kh * kw
    return res


__all__ = ["POOL_OPS", "pool2d"]
