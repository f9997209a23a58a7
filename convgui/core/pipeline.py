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
from .geometry import (
    PaddingSpec,
    as_pair,
    output_shape,
    pool_output_shape,
    pool_padding,
    resolve_padding,
)
from .padding import BOUNDARIES
from .pool import pool2d
from .scan import PoolScan, WindowScan, scan_pool, scan_window

#: The pixel limit shared by image loading and the engine: an image, a padded input or an output
#: with more pixels (height × width) than this is refused before anything is allocated.
MAX_PIXELS = 100_000_000

_F32_MAX = float(np.finfo(np.float32).max)

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


class OutputTooLargeError(ValueError):
    """A parameter set whose output, padded input or scan exceeds :data:`MAX_PIXELS`."""


def _magnitude_bound(image: ArrayLike) -> float:
    """An upper bound of ``|image|`` (from the dtype for integers, else the data)."""
    arr = np.asarray(image)
    if arr.dtype.kind in "ui":
        info = np.iinfo(arr.dtype)
        return float(max(abs(int(info.min)), int(info.max)))
    if arr.dtype == np.bool_:
        return 1.0
    if arr.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        return float(np.nanmax(np.abs(arr)))


def conv_stage(image: ArrayLike, kernel: ArrayLike, p: LayerParams) -> NDArray[np.floating]:
    """Run :func:`correlate2d` with the layer's settings.

    The result is float32 unless its values could exceed float32's range (huge kernel values
    or image values): it is then computed in float64, so it is never silently infinite.

    Raises
    ------
    ValueError
        When even float64 could overflow; the message says which values are too large.
    """
    k = np.asarray(kernel, dtype=np.float64)
    total = float(np.sum(np.abs(k))) if np.all(np.isfinite(k)) else np.inf
    cval = abs(p.cval) if p.boundary == "constant" else 0.0
    bound = total * max(_magnitude_bound(image), cval)
    if not np.isfinite(bound) or bound > 1e300:
        raise ValueError(
            f"The kernel values (sum of magnitudes {total:.3g}) times the image values (up to "
            f"{max(_magnitude_bound(image), cval):.3g}) are too large to compute. Use smaller "
            "kernel values."
        )
    if bound >= _F32_MAX / 2 and np.asarray(image).dtype != np.float64:
        image = np.asarray(image, dtype=np.float64)
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
    """``activation(conv / divisor + bias)``; returns ``conv`` itself when all are identity.

    A float32 ``conv`` whose scaled values would exceed float32's range (a tiny divisor, a
    huge bias) is computed in float64 instead, so the result is never silently infinite and
    agrees with :func:`post_value`.

    Examples
    --------
    >>> import numpy as np
    >>> out = post_stage(np.array([3e38], np.float32), LayerParams(divisor=0.01))
    >>> out.dtype, bool(np.isfinite(out).all())
    (dtype('float64'), True)
    """
    if p.divisor == 1 and p.bias == 0 and p.activation == "none":
        return conv
    if conv.dtype == np.float32 and conv.size:
        with np.errstate(invalid="ignore"):
            peak = float(np.nanmax(np.abs(conv))) if np.isfinite(conv).any() else 0.0
        if peak / abs(p.divisor) + abs(p.bias) >= _F32_MAX / 2:
            conv = conv.astype(np.float64)
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
    except OutputTooLargeError as exc:
        return str(exc)
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


def _mp(n: int) -> str:
    return f"{n / 1e6:,.1f} megapixels" if n >= 1e5 else f"{n:,} pixels"


def layer_shapes(
    image_shape: tuple[int, ...],
    kernel_shape: tuple[int, int],
    p: LayerParams,
    *,
    max_pixels: int = MAX_PIXELS,
) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """Output and pooled shapes for a parameter set, checked against the pixel limit.

    Only arithmetic on the sizes: nothing is allocated, so a caller can check any combination
    (from a control, a kernel file, the command line or remembered settings) before running it.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``.
    kernel_shape : (kh, kw)
    p : LayerParams
    max_pixels : int
        The largest padded input, output (the positions the animation scans) and pooled
        output accepted, in pixels (height × width).

    Returns
    -------
    (out_shape, pooled_shape or None)

    Raises
    ------
    OutputTooLargeError
        The padded input, the output or the pooled map (or its padded input) would exceed
        ``max_pixels``; the message gives the sizes.
    ValueError
        When the kernel or the pooling window does not fit (no output).

    Examples
    --------
    >>> layer_shapes((6, 6), (3, 3), LayerParams(pool="max"))
    ((6, 6), (3, 3))
    >>> layer_shapes((100, 100), (3, 3), LayerParams(padding=10**5))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convgui.core.pipeline.OutputTooLargeError: With padding 100000/100000/100000/100000 the ...
    """
    h, w = int(image_shape[0]), int(image_shape[1])
    pads = resolve_padding((h, w), kernel_shape, p.padding, stride=p.stride, dilation=p.dilation)
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    limit = f"convgui's limit of {_mp(max_pixels)}"
    if ph * pw > max_pixels:
        raise OutputTooLargeError(
            f"With padding {pads[0]}/{pads[1]}/{pads[2]}/{pads[3]} the {h}×{w} image becomes "
            f"{ph}×{pw} ({_mp(ph * pw)}), over {limit}. Use less padding or a smaller dilation."
        )
    out = output_shape((h, w), kernel_shape, padding=pads, stride=p.stride, dilation=p.dilation)
    if out[0] * out[1] > max_pixels:
        raise OutputTooLargeError(
            f"The output would be {out[0]}×{out[1]} ({_mp(out[0] * out[1])}), over {limit}. "
            "Use less padding, a larger stride or a smaller image."
        )
    if p.pool == "none":
        return out, None
    pp = pool_padding(out, p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
    qh, qw = out[0] + pp[0] + pp[1], out[1] + pp[2] + pp[3]
    if qh * qw > max_pixels:
        raise OutputTooLargeError(
            f"The padded input of the pooling would be {qh}×{qw} ({_mp(qh * qw)}), over "
            f"{limit}. Use “valid” pool padding or a smaller pool size."
        )
    pooled = pool_output_shape(out, p.pool_size, stride=p.pool_stride, padding=p.pool_padding)
    return out, pooled


__all__ = [
    "MAX_PIXELS",
    "POOL_CHOICES",
    "LayerParams",
    "LayerResult",
    "OutputTooLargeError",
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
