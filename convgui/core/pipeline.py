"""One convolutional layer as the window computes it: convolve, scale, activate, pool.

The stages are separate functions so a caller can recompute only what a change touched
(a new pool size does not redo the convolution).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_choice, check_finite_scalar
from .activations import ACTIVATIONS, activate
from .convolve import correlate2d
from .geometry import PaddingSpec, as_pair, output_shape, pool_output_shape, resolve_padding
from .padding import BOUNDARIES
from .pool import pool2d
from .scan import PoolScan, WindowScan, scan_pool, scan_window

#: Pooling choices of a layer: none, or one of :data:`convgui.core.POOL_OPS`.
POOL_CHOICES: tuple[str, ...] = ("none", "max", "avg")


@dataclass(frozen=True)
class LayerParams:
    """Every setting of the layer except the image and the kernel (immutable).

    ``divisor`` and ``bias`` are applied as GIMP's Convolution Matrix does:
    ``conv / divisor + bias``.
    """

    padding: PaddingSpec = "same"
    boundary: str = "zero"
    cval: float = 0.0
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    flip: bool = False
    divisor: float = 1.0
    bias: float = 0.0
    activation: str = "none"
    pool: str = "none"
    pool_size: tuple[int, int] = (2, 2)
    pool_stride: tuple[int, int] = (2, 2)
    pool_padding: str = "valid"

    def __post_init__(self) -> None:
        check_choice(self.boundary, BOUNDARIES, "boundary")
        check_choice(self.activation, ACTIVATIONS, "activation")
        check_choice(self.pool, POOL_CHOICES, "pool")
        check_choice(self.pool_padding, ("valid", "same"), "pool padding")
        check_finite_scalar(self.cval, "cval")
        check_finite_scalar(self.bias, "bias")
        if check_finite_scalar(self.divisor, "divisor") == 0:
            raise ValueError("divisor must not be 0")
        for name in ("stride", "dilation", "pool_size", "pool_stride"):
            object.__setattr__(self, name, as_pair(getattr(self, name), name.replace("_", " ")))
        if isinstance(self.padding, list):
            object.__setattr__(self, "padding", tuple(self.padding))
        resolve_padding((1, 1), (1, 1), self.padding)  # validates the padding spec

    def evolve(self, **changes: Any) -> LayerParams:
        """Return a copy with ``changes`` applied (validated)."""
        return replace(self, **changes)

    def conv_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`correlate2d` and :func:`scan_window` for this layer."""
        return {
            "padding": self.padding,
            "boundary": self.boundary,
            "cval": self.cval,
            "stride": self.stride,
            "dilation": self.dilation,
            "flip": self.flip,
        }

    def conv_key(self) -> tuple[Any, ...]:
        """The settings the convolution stage depends on."""
        return tuple(self.conv_kwargs().values())

    def post_key(self) -> tuple[Any, ...]:
        """The settings of the scale-and-activate stage."""
        return (self.divisor, self.bias, self.activation)

    def pool_key(self) -> tuple[Any, ...]:
        """The settings of the pooling stage."""
        return (self.pool, self.pool_size, self.pool_stride, self.pool_padding)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict of the settings."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerParams:
        """Build from :meth:`to_dict` output; unknown keys are ignored, bad values raise."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        for k in ("stride", "dilation", "pool_size", "pool_stride"):
            if isinstance(kwargs.get(k), list):
                kwargs[k] = tuple(kwargs[k])
        return cls(**kwargs)


def conv_stage(image: ArrayLike, kernel: ArrayLike, p: LayerParams) -> NDArray[np.floating]:
    """Run :func:`correlate2d` with the layer's settings."""
    return correlate2d(image, kernel, **p.conv_kwargs())


def layer_scan(
    image: ArrayLike,
    kernel: ArrayLike,
    p: LayerParams,
    position: tuple[int, int],
    *,
    channel: int | None = None,
) -> WindowScan:
    """:func:`convgui.core.scan_window` with the layer's settings (one animation step)."""
    return scan_window(image, kernel, position, channel=channel, **p.conv_kwargs())


def layer_pool_scan(
    activated: ArrayLike,
    p: LayerParams,
    position: tuple[int, int],
    *,
    channel: int | None = None,
) -> PoolScan:
    """:func:`convgui.core.scan_pool` with the layer's pooling settings."""
    if p.pool == "none":
        raise ValueError("the layer has no pooling to scan")
    return scan_pool(
        activated,
        position,
        p.pool_size,
        stride=p.pool_stride,
        padding=p.pool_padding,
        op=p.pool,
        channel=channel,
    )


def post_stage(conv: NDArray[np.floating], p: LayerParams) -> NDArray[np.floating]:
    """``activation(conv / divisor + bias)``; returns ``conv`` itself when all are identity."""
    if p.divisor == 1 and p.bias == 0 and p.activation == "none":
        return conv
    out: NDArray[np.floating] = conv / conv.dtype.type(p.divisor) if p.divisor != 1 else conv.copy()
    if p.bias != 0:
        out += conv.dtype.type(p.bias)
    if p.activation != "none":
        out = activate(out, p.activation)
    return out


def post_value(value: float, p: LayerParams) -> float:
    """The scale-and-activate stage for one float64 value (used by the arithmetic panel)."""
    v = np.array([value / p.divisor + p.bias], dtype=np.float64)
    return float(activate(v, p.activation)[0])


def pool_stage(act: NDArray[np.floating], p: LayerParams) -> NDArray[np.floating] | None:
    """Pool the activation map, or None when the layer has no pooling."""
    if p.pool == "none":
        return None
    return pool2d(act, p.pool_size, stride=p.pool_stride, padding=p.pool_padding, op=p.pool)


@dataclass(frozen=True)
class LayerResult:
    """The arrays of one layer run."""

    conv: NDArray[np.floating]
    activated: NDArray[np.floating]
    pooled: NDArray[np.floating] | None


def run_layer(image: ArrayLike, kernel: ArrayLike, p: LayerParams) -> LayerResult:
    """Run every stage of the layer.

    Examples
    --------
    >>> import numpy as np
    >>> r = run_layer(np.ones((4, 4)), np.ones((3, 3)), LayerParams(pool="max"))
    >>> float(r.conv[0, 0]), r.pooled.shape
    (4.0, (2, 2))
    """
    conv = conv_stage(image, kernel, p)
    act = post_stage(conv, p)
    return LayerResult(conv, act, pool_stage(act, p))


def explain_no_output(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], p: LayerParams
) -> str | None:
    """Why a parameter set gives no output, in a user's words, or None when it gives one.

    Examples
    --------
    >>> print(explain_no_output((6, 6), (7, 7), LayerParams(padding="valid")))  # doctest: +ELLIPSIS
    The 7×7 kernel does not fit in the 6×6 padded image (6×6 image, no padding). Use a ...
    >>> explain_no_output((6, 6), (3, 3), LayerParams()) is None
    True
    """
    try:
        layer_shapes(image_shape, kernel_shape, p)
        return None
    except ValueError:
        pass
    h, w = int(image_shape[0]), int(image_shape[1])
    kh, kw = kernel_shape
    pads = resolve_padding((h, w), kernel_shape, p.padding, stride=p.stride, dilation=p.dilation)
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    eh, ew = (kh - 1) * p.dilation[0] + 1, (kw - 1) * p.dilation[1] + 1
    if eh > ph or ew > pw:
        spread = f" (spread to {eh}×{ew} by the dilation)" if (eh, ew) != (kh, kw) else ""
        how = "no padding" if not any(pads) else f"padding {pads[0]}/{pads[1]}/{pads[2]}/{pads[3]}"
        fix = "a smaller dilation" if spread else "a smaller kernel"
        return (
            f"The {kh}×{kw} kernel{spread} does not fit in the {ph}×{pw} padded image "
            f"({h}×{w} image, {how}). Use {fix}, or more padding such as “same”."
        )
    ho, wo = output_shape(
        (h, w), kernel_shape, padding=p.padding, stride=p.stride, dilation=p.dilation
    )
    return (
        f"The {p.pool_size[0]}×{p.pool_size[1]} pooling window does not fit in the {ho}×{wo} "
        "output. Use a smaller pool size, or “same” pool padding."
    )


def layer_shapes(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], p: LayerParams
) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """Output and pooled shapes for a parameter set (raises ``ValueError`` when impossible)."""
    out = output_shape(
        image_shape, kernel_shape, padding=p.padding, stride=p.stride, dilation=p.dilation
    )
    if p.pool == "none":
        return out, None
    pooled = pool_output_shape(out, p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
    return out, pooled


__all__ = [
    "POOL_CHOICES",
    "LayerParams",
    "LayerResult",
    "conv_stage",
    "explain_no_output",
    "layer_pool_scan",
    "layer_scan",
    "layer_shapes",
    "pool_stage",
    "post_stage",
    "post_value",
    "run_layer",
]
