"""Element-wise activation functions applied after the convolution."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, work_dtype

#: Activation names accepted by :func:`activate`.
ACTIVATIONS: tuple[str, ...] = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "abs")

ACTIVATION_FORMULAS: dict[str, str] = {
    "none": "x",
    "relu": "max(0, x)",
    "leaky_relu": "x if x > 0 else 0.01·x",
    "sigmoid": "1 / (1 + e^−x)",
    "tanh": "tanh(x)",
    "abs": "|x|",
}

#: Slope of ``leaky_relu`` for negative inputs: 0.01, PyTorch's default and the textbook value
#: (Keras's ``LeakyReLU`` layer defaults to 0.3).
LEAKY_SLOPE = 0.01


def activate(x: ArrayLike, name: str) -> NDArray[np.floating]:
    """Apply the activation ``name`` element-wise and return a new array.

    Parameters
    ----------
    x : array_like
        Values to transform; not modified.
    name : {"none", "relu", "leaky_relu", "sigmoid", "tanh", "abs"}
        The activation. ``"none"`` returns a copy.

    Returns
    -------
    ndarray
        float32, or float64 for float64 input.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> activate([-2, 0, 3], "relu")
    array([0., 0., 3.], dtype=float32)
    >>> activate([0.0], "sigmoid")
    array([0.5])
    """
    check_choice(name, ACTIVATIONS, "activation")
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"x must hold real numbers, got dtype {arr.dtype}")
    out = arr.astype(work_dtype(arr), copy=True)
    if name == "relu":
        np.maximum(out, 0, out=out)
    elif name == "leaky_relu":
        np.multiply(out, np.where(out > 0, 1.0, LEAKY_SLOPE).astype(out.dtype), out=out)
    elif name == "sigmoid":
        # 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x)).
        np.multiply(out, 0.5, out=out)
        np.tanh(out, out=out)
        np.add(out, 1, out=out)
        np.multiply(out, 0.5, out=out)
    elif name == "tanh":
        np.tanh(out, out=out)
    elif name == "abs":
        np.abs(out, out=out)
    return out


__all__ = ["ACTIVATIONS", "ACTIVATION_FORMULAS", "LEAKY_SLOPE", "activate"]
