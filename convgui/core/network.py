"""A network: an ordered stack of layers, its shapes, its forward pass and its receptive fields.

A network is a list of :class:`LayerSpec` (the structure, saved as JSON) and one weights dict
per layer (``{"kernel": ..., "bias": ...}`` in Keras layouts, saved as ``.npz``). Everything
here is pure numpy; the forward pass runs the engine's own :func:`conv2d_layer`,
:func:`conv_transpose2d`, :func:`pool2d` and :func:`activate`.

Shapes are channels-last as in Keras: a map is ``(H, W, C)``, a flattened vector ``(N,)``,
and ``Flatten`` reads ``(H, W, C)`` in C order (Keras's ``channels_last`` flatten), so a Keras
``Dense`` kernel of shape ``(H*W*C, units)`` loads unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .activations import ACTIVATIONS, activate
from .geometry import effective_size, pool_output_shape, pool_padding, resolve_padding
from .layer import (
    MAX_LAYER_VALUES,
    conv2d_layer,
    conv_layer_shape,
    conv_transpose2d,
    layer_param_count,
    transpose_geometry,
)
from .pool import pool2d

Array = NDArray[Any]
Shape = tuple[int, ...]

#: The layer types a network may hold, with the Keras class each one matches.
LAYER_TYPES: dict[str, str] = {
    "conv2d": "Conv2D",
    "conv2d_transpose": "Conv2DTranspose",
    "activation": "Activation",
    "max_pool": "MaxPooling2D",
    "avg_pool": "AveragePooling2D",
    "flatten": "Flatten",
    "dense": "Dense",
    "softmax": "Softmax",
}

#: Layer types that read a map ``(H, W, C)`` and write one.
SPATIAL_TYPES = ("conv2d", "conv2d_transpose", "max_pool", "avg_pool")

#: Layer types with weights.
WEIGHTED_TYPES = ("conv2d", "conv2d_transpose", "dense")

#: The most layers a network may hold (a file claiming more is refused before it is built).
MAX_LAYERS = 64

#: The largest kernel side, filter count and dense width a network layer may have.
MAX_KERNEL_SIDE = 15
MAX_CHANNELS = 512
MAX_UNITS = 4096

#: The most weights a network file may hold in all (about 64 MB of float32).
MAX_WEIGHTS = 16_000_000

NETWORK_FORMAT = "convgui-network"
NETWORK_VERSION = 1


def _pair(value: Any, name: str, minimum: int, maximum: int) -> tuple[int, int]:
    """``value`` (an int or two ints) as a checked pair."""
    items = list(value) if isinstance(value, list | tuple) else [value, value]
    if len(items) != 2:
        raise ValueError(f"{name} must be one integer or two, got {value!r}")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise ValueError(f"{name} must hold whole numbers, got {value!r}")
        if not minimum <= int(v) <= maximum:
            raise ValueError(f"{name} must be between {minimum} and {maximum}, got {value!r}")
        out.append(int(v))
    return (out[0], out[1])


def _count(value: Any, name: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not 1 <= int(value) <= maximum:
        raise ValueError(f"{name} must be between 1 and {maximum}, got {value!r}")
    return int(value)


def _conv_padding(value: Any) -> str | tuple[int, ...]:
    """A Conv2D padding: "valid", "same", "full", an int, or (top, bottom, left, right)."""
    if isinstance(value, str):
        if value not in ("valid", "same", "full"):
            raise ValueError(f"padding must be 'valid', 'same' or 'full', got {value!r}")
        return value
    items = list(value) if isinstance(value, list | tuple) else [value] * 4
    if len(items) != 4:
        raise ValueError(
            f"padding must be one integer or four (top, bottom, left, right), got {value!r}"
        )
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= int(v) <= 64:
            raise ValueError(f"padding amounts must be whole numbers from 0 to 64, got {value!r}")
        out.append(int(v))
    return tuple(out)


def _transpose_padding(value: Any) -> str | tuple[int, int]:
    """A Conv2DTranspose padding: "valid", "same", or PyTorch's crop (an int or (rows, cols))."""
    if isinstance(value, str):
        if value not in ("valid", "same"):
            raise ValueError(
                f"a transposed layer's padding must be 'valid' or 'same', got {value!r}"
            )
        return value
    return _pair(value, "padding", 0, 64)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a network: its type and the settings that type reads.

    Attributes
    ----------
    type : str
        One of :data:`LAYER_TYPES`.
    name : str
        Unique within its network; names the layer's weights in the ``.npz`` file.
    filters : int
        Output channels of a convolution (``conv2d``, ``conv2d_transpose``).
    units : int
        Width of a ``dense`` layer.
    kernel_size, strides, dilation_rate : (int, int)
        Convolution geometry; ``kernel_size`` and ``strides`` are also a pooling window and
        step (``strides`` defaults to the window for pooling, as Keras).
    padding : str or tuple of int
        ``"valid"``, ``"same"`` (Keras), ``"full"``, or explicit amounts (Conv2D:
        ``(top, bottom, left, right)``; transposed: PyTorch's ``(rows, cols)`` crop).
        Pooling takes ``"valid"`` or ``"same"``.
    groups : int
        Channel groups of a ``conv2d`` (``filters`` and the input channels divisible by it).
    use_bias : bool
        Whether a weighted layer adds a bias.
    activation : str
        The function of an ``activation`` layer (one of :data:`convgui.core.ACTIVATIONS`).
    output_padding : (int, int) or None
        Extra rows/columns of a transposed layer (Keras's ``output_padding``).
    """

    type: str
    name: str = ""
    filters: int = 8
    units: int = 10
    kernel_size: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)
    padding: str | tuple[int, ...] = "valid"
    dilation_rate: tuple[int, int] = (1, 1)
    groups: int = 1
    use_bias: bool = True
    activation: str = "relu"
    output_padding: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.type not in LAYER_TYPES:
            raise ValueError(
                f"unknown layer type {self.type!r}; use one of {', '.join(LAYER_TYPES)}"
            )
        if not isinstance(self.name, str) or len(self.name) > 64:
            raise ValueError(
                f"a layer name must be text of at most 64 characters, got {self.name!r}"
            )
        if any(ch in self.name for ch in "/\\\0") or self.name != self.name.strip():
            raise ValueError(f"a layer name may not hold '/', '\\' or outer spaces: {self.name!r}")
        t = self.type
        set_ = object.__setattr__
        if t in ("conv2d", "conv2d_transpose"):
            set_(self, "filters", _count(self.filters, "filters", MAX_CHANNELS))
            set_(self, "kernel_size", _pair(self.kernel_size, "kernel_size", 1, MAX_KERNEL_SIDE))
            set_(self, "strides", _pair(self.strides, "strides", 1, 16))
            set_(self, "dilation_rate", _pair(self.dilation_rate, "dilation_rate", 1, 16))
            set_(self, "groups", _count(self.groups, "groups", MAX_CHANNELS))
            if t == "conv2d":
                set_(self, "padding", _conv_padding(self.padding))
                if self.filters % self.groups:
                    raise ValueError(
                        f"groups ({self.groups}) must divide the filter count ({self.filters})"
                    )
                if self.output_padding is not None:
                    raise ValueError("output_padding belongs to a transposed layer only")
            else:
                set_(self, "padding", _transpose_padding(self.padding))
                if self.groups != 1:
                    raise ValueError("a transposed layer has no groups (use groups=1)")
                if self.output_padding is not None:
                    set_(
                        self, "output_padding", _pair(self.output_padding, "output_padding", 0, 15)
                    )
        elif t in ("max_pool", "avg_pool"):
            set_(self, "kernel_size", _pair(self.kernel_size, "pool_size", 1, MAX_KERNEL_SIDE))
            set_(self, "strides", _pair(self.strides, "strides", 1, 16))
            if self.padding not in ("valid", "same"):
                raise ValueError(f"pool padding must be 'valid' or 'same', got {self.padding!r}")
        elif t == "dense":
            set_(self, "units", _count(self.units, "units", MAX_UNITS))
        elif t == "activation" and self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; use one of {', '.join(ACTIVATIONS)}"
            )
        if not isinstance(self.use_bias, bool):
            raise ValueError(f"use_bias must be true or false, got {self.use_bias!r}")

    @property
    def keras_class(self) -> str:
        """The Keras layer class this layer matches (``Conv2D``, ``MaxPooling2D``, ...)."""
        if self.type == "conv2d" and self.groups > 1 and self.groups == self.filters:
            return "Conv2D"  # Keras's Conv2D(groups=...); DepthwiseConv2D has another layout
        return LAYER_TYPES[self.type]

    @property
    def weighted(self) -> bool:
        """Whether this layer has weights (a kernel and maybe a bias)."""
        return self.type in WEIGHTED_TYPES

    def evolve(self, **changes: Any) -> LayerSpec:
        """A copy with ``changes`` applied (and checked)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The settings this layer's type reads, as plain JSON values (Keras's config names)."""
        out: dict[str, Any] = {"type": self.type, "name": self.name}
        t = self.type
        if t in ("conv2d", "conv2d_transpose"):
            out.update(
                filters=self.filters,
                kernel_size=list(self.kernel_size),
                strides=list(self.strides),
                padding=self.padding if isinstance(self.padding, str) else list(self.padding),
                dilation_rate=list(self.dilation_rate),
                use_bias=self.use_bias,
            )
            if t == "conv2d":
                out["groups"] = self.groups
            elif self.output_padding is not None:
                out["output_padding"] = list(self.output_padding)
        elif t in ("max_pool", "avg_pool"):
            out.update(
                pool_size=list(self.kernel_size), strides=list(self.strides), padding=self.padding
            )
        elif t == "dense":
            out.update(units=self.units, use_bias=self.use_bias)
        elif t == "activation":
            out["activation"] = self.activation
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LayerSpec:
        """The layer a :meth:`to_dict` dict describes; unknown keys are refused.

        Raises
        ------
        ValueError
            For a missing type, an unknown key, or any setting :class:`LayerSpec` refuses.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a layer must be a JSON object, got {type(data).__name__}")
        kind = data.get("type")
        if kind not in LAYER_TYPES:
            raise ValueError(f"unknown layer type {kind!r}; use one of {', '.join(LAYER_TYPES)}")
        allowed = {"type", "name"} | set(_KEYS[str(kind)])
        extra = sorted(set(map(str, data)) - allowed)
        if extra:
            raise ValueError(f"a {kind} layer has no setting {', '.join(map(repr, extra))}")
        kwargs: dict[str, Any] = {"type": kind, "name": data.get("name", "")}
        for key, value in data.items():
            if key in ("type", "name"):
                continue
            attr = {"pool_size": "kernel_size"}.get(key, key)
            if isinstance(value, list):
                value = tuple(value)
            kwargs[attr] = value
        if kind in ("max_pool", "avg_pool") and "strides" not in data:
            kwargs["strides"] = kwargs.get("kernel_size", (2, 2))
        if kind in ("max_pool", "avg_pool") and "pool_size" not in data:
            kwargs["kernel_size"] = (2, 2)
        return cls(**kwargs)


_KEYS: dict[str, tuple[str, ...]] = {
    "conv2d": (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "dilation_rate",
        "use_bias",
        "groups",
    ),
    "conv2d_transpose": (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "dilation_rate",
        "use_bias",
        "output_padding",
    ),
    "max_pool": ("pool_size", "strides", "padding"),
    "avg_pool": ("pool_size", "strides", "padding"),
    "dense": ("units", "use_bias"),
    "activation": ("activation",),
    "flatten": (),
    "softmax": (),
}


def pool_layer(kind: str = "max_pool", size: int = 2, *, name: str = "") -> LayerSpec:
    """A pooling layer with window and stride ``size`` (Keras's default stride)."""
    return LayerSpec(kind, name=name, kernel_size=(size, size), strides=(size, size))


def default_names(specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """``specs`` with every empty name filled as Keras does (``conv2d``, ``conv2d_1``, ...)."""
    used = {s.name for s in specs if s.name}
    counts: dict[str, int] = {}
    out = []
    for s in specs:
        if s.name:
            out.append(s)
            continue
        base = s.type
        while True:
            n = counts.get(base, 0)
            counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            if name not in used:
                break
        used.add(name)
        out.append(replace(s, name=name))
    return out


def check_names(specs: Sequence[LayerSpec]) -> None:
    """Refuse empty or repeated layer names (they key the weights file)."""
    seen: set[str] = set()
    for i, s in enumerate(specs):
        if not s.name:
            raise ValueError(
                f'layer {i + 1} ({s.type}) has no name; give every layer a unique "name"'
            )
        if s.name in seen:
            raise ValueError(f"two layers are named {s.name!r}; names must be unique")
        seen.add(s.name)


def check_input_shape(shape: Sequence[int]) -> Shape:
    """A network input shape ``(H, W, C)`` with every side from 1 to 4096 and C up to 64."""
    items = list(shape)
    if len(items) == 2:
        items.append(1)
    if len(items) != 3:
        raise ValueError(f"the input shape must be (height, width, channels), got {shape!r}")
    h = _count(items[0], "input height", 4096)
    w = _count(items[1], "input width", 4096)
    c = _count(items[2], "input channels", 64)
    return (h, w, c)


def layer_output_shape(spec: LayerSpec, in_shape: Sequence[int]) -> Shape:
    """The output shape of ``spec`` for an input of ``in_shape`` (no batch axis).

    Raises
    ------
    ValueError
        When the layer cannot read that shape: a map layer after ``flatten``, a kernel or
        window larger than its padded input, channels not divisible by ``groups``, or an
        output larger than :data:`convgui.core.MAX_LAYER_VALUES`.
    """
    shape = tuple(int(v) for v in in_shape)
    t = spec.type
    if t in SPATIAL_TYPES and len(shape) != 3:
        raise ValueError(
            f"{spec.name or t} reads a map (height, width, channels) but gets a vector of "
            f"{shape[0]} values; move it before the flatten layer"
        )
    if t == "conv2d":
        if shape[2] % spec.groups:
            raise ValueError(
                f"{spec.name}: groups ({spec.groups}) must divide its input channels ({shape[2]})"
            )
        kh, kw = spec.kernel_size
        h, w = conv_layer_shape(
            shape,
            (kh, kw, shape[2] // spec.groups, spec.filters),
            padding=spec.padding,
            stride=spec.strides,
            dilation=spec.dilation_rate,
        )
        out: Shape = (h, w, spec.filters)
    elif t == "conv2d_transpose":
        geo = transpose_geometry(
            shape,
            spec.kernel_size,
            stride=spec.strides,
            padding=spec.padding,
            output_padding=spec.output_padding,
            dilation=spec.dilation_rate,
        )
        out = (geo.out_shape[0], geo.out_shape[1], spec.filters)
    elif t in ("max_pool", "avg_pool"):
        h, w = pool_output_shape(
            shape, spec.kernel_size, stride=spec.strides, padding=str(spec.padding)
        )
        out = (h, w, shape[2])
    elif t == "flatten":
        out = (math.prod(shape),)
    elif t == "dense":
        if len(shape) != 1:
            raise ValueError(
                f"{spec.name or t} reads a vector; put a flatten layer before it "
                f"(it gets a map of shape {shape})"
            )
        out = (spec.units,)
    else:  # activation, softmax: element-wise
        out = shape
    if out[0] < 1 or math.prod(out) < 1:
        raise ValueError(f"{spec.name or t} would have an empty output {out}")
    if math.prod(out) > MAX_LAYER_VALUES:
        raise ValueError(
            f"{spec.name or t}'s output {out} would hold {math.prod(out):,} values, more than "
            f"{MAX_LAYER_VALUES:,}; use fewer filters, a larger stride or a smaller input"
        )
    return out


def output_shapes(specs: Sequence[LayerSpec], input_shape: Sequence[int]) -> list[Shape]:
    """Every layer's output shape, in order (raises ValueError naming the first bad layer)."""
    shape: Shape = check_input_shape(input_shape)
    out = []
    for i, s in enumerate(specs):
        try:
            shape = layer_output_shape(s, shape)
        except ValueError as exc:
            raise ValueError(f"layer {i + 1} ({s.name or s.type}): {exc}") from None
        out.append(shape)
    return out


def weight_shapes(spec: LayerSpec, in_shape: Sequence[int]) -> dict[str, Shape]:
    """The Keras shapes of a layer's weights for an input of ``in_shape`` (empty if none).

    ``conv2d``: kernel ``(kh, kw, C_in/groups, filters)``; ``conv2d_transpose``: kernel
    ``(kh, kw, filters, C_in)``; ``dense``: kernel ``(N, units)``; each bias ``(C_out,)``.
    """
    shape = tuple(int(v) for v in in_shape)
    kh, kw = spec.kernel_size
    if spec.type == "conv2d":
        out: dict[str, Shape] = {"kernel": (kh, kw, shape[-1] // spec.groups, spec.filters)}
        n = spec.filters
    elif spec.type == "conv2d_transpose":
        out = {"kernel": (kh, kw, spec.filters, shape[-1])}
        n = spec.filters
    elif spec.type == "dense":
        out = {"kernel": (shape[0], spec.units)}
        n = spec.units
    else:
        return {}
    if spec.use_bias:
        out["bias"] = (n,)
    return out


def param_count(spec: LayerSpec, in_shape: Sequence[int]) -> int:
    """Trainable parameters of ``spec`` for an input of ``in_shape``, as Keras counts them."""
    if spec.type == "conv2d":
        kh, kw = spec.kernel_size
        return layer_param_count(
            kh, kw, int(in_shape[-1]), spec.filters, spec.groups, use_bias=spec.use_bias
        )
    return sum(math.prod(s) for s in weight_shapes(spec, in_shape).values())


@dataclass(frozen=True)
class SummaryRow:
    """One row of :func:`network_summary`: as Keras ``model.summary()`` prints it."""

    name: str
    keras_class: str
    output_shape: Shape
    params: int

    @property
    def shape_text(self) -> str:
        """``(None, 26, 26, 16)``: the output shape with Keras's batch axis."""
        return "(None, " + ", ".join(str(v) for v in self.output_shape) + ")"

    @property
    def layer_text(self) -> str:
        """``conv1 (Conv2D)``."""
        return f"{self.name} ({self.keras_class})"


def network_summary(
    specs: Sequence[LayerSpec], input_shape: Sequence[int]
) -> tuple[list[SummaryRow], int]:
    """The rows of a Keras ``model.summary()`` table and the total parameter count."""
    shape: Shape = check_input_shape(input_shape)
    rows = []
    for s, out in zip(specs, output_shapes(specs, shape)):
        rows.append(SummaryRow(s.name, s.keras_class, out, param_count(s, shape)))
        shape = out
    return rows, sum(r.params for r in rows)


def summary_text(specs: Sequence[LayerSpec], input_shape: Sequence[int]) -> str:
    """The summary as plain text, one layer a line, then the total (for copying or printing)."""
    rows, total = network_summary(specs, input_shape)
    w1 = max([len("Layer (type)")] + [len(r.layer_text) for r in rows])
    w2 = max([len("Output Shape")] + [len(r.shape_text) for r in rows])
    lines = [f"{'Layer (type)':<{w1}}  {'Output Shape':<{w2}}  {'Param #':>9}"]
    lines += [f"{r.layer_text:<{w1}}  {r.shape_text:<{w2}}  {r.params:>9,}" for r in rows]
    lines.append(f"Total params: {total:,}")
    return "\n".join(lines)


def init_weights(
    spec: LayerSpec, in_shape: Sequence[int], rng: np.random.Generator
) -> dict[str, Array]:
    """New weights for ``spec``: He-normal kernels (right for ReLU) and zero biases, float32."""
    out: dict[str, Array] = {}
    for key, shape in weight_shapes(spec, in_shape).items():
        if key == "bias":
            out[key] = np.zeros(shape, np.float32)
            continue
        if spec.type == "conv2d_transpose":
            fan_in = shape[0] * shape[1] * shape[3]
        else:
            fan_in = math.prod(shape[:-1])
        out[key] = (rng.standard_normal(shape) * math.sqrt(2.0 / max(fan_in, 1))).astype(np.float32)
    return out


def check_weights(
    specs: Sequence[LayerSpec], input_shape: Sequence[int], weights: Sequence[Mapping[str, Any]]
) -> list[dict[str, Array]]:
    """``weights`` checked against the structure and made float32 (a new list of new dicts).

    Raises
    ------
    ValueError
        One weights dict per layer is needed; each must hold exactly the arrays
        :func:`weight_shapes` names, with those shapes, all finite. The message names the layer.
    """
    if len(weights) != len(specs):
        raise ValueError(f"{len(specs)} layers need {len(specs)} weight sets, got {len(weights)}")
    shape: Shape = check_input_shape(input_shape)
    out = []
    for s, w, nxt in zip(specs, weights, output_shapes(specs, shape)):
        want = weight_shapes(s, shape)
        got = set(w)
        if got != set(want):
            missing = sorted(set(want) - got)
            extra = sorted(got - set(want))
            parts = []
            if missing:
                parts.append("no " + " or ".join(missing))
            if extra:
                parts.append("an unexpected " + " and ".join(extra))
            raise ValueError(f"{s.name}'s weights have {', '.join(parts)}")
        checked = {}
        for key, wshape in want.items():
            arr = np.asarray(w[key])
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"{s.name}'s {key} must hold real numbers, got {arr.dtype}")
            if arr.shape != wshape:
                raise ValueError(
                    f"{s.name}'s {key} has shape {arr.shape}; this layer needs {wshape}"
                )
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                arr32 = arr.astype(np.float32)
            if not np.isfinite(arr32).all():
                raise ValueError(f"{s.name}'s {key} holds values that are not finite in float32")
            checked[key] = arr32
        out.append(checked)
        shape = nxt
    return out


def softmax(x: ArrayLike) -> NDArray[np.floating]:
    """Softmax over the last axis, computed stably (the largest value subtracted first)."""
    arr = np.asarray(x, dtype=np.float32)
    e = np.exp(arr - arr.max(axis=-1, keepdims=True))
    out: NDArray[np.floating] = e / e.sum(axis=-1, keepdims=True)
    return out


def run_layer(spec: LayerSpec, weights: Mapping[str, Array], x: Array) -> NDArray[np.floating]:
    """One layer's output for the input ``x`` (already of the shape the layer reads)."""
    t = spec.type
    bias = weights.get("bias")
    if t == "conv2d":
        return conv2d_layer(
            x,
            weights["kernel"],
            bias,
            padding=spec.padding,
            stride=spec.strides,
            dilation=spec.dilation_rate,
            groups=spec.groups,
        )
    if t == "conv2d_transpose":
        return conv_transpose2d(
            x,
            weights["kernel"],
            bias,
            stride=spec.strides,
            padding=spec.padding,
            output_padding=spec.output_padding,
            dilation=spec.dilation_rate,
        )
    if t in ("max_pool", "avg_pool"):
        return pool2d(
            x,
            spec.kernel_size,
            stride=spec.strides,
            padding=str(spec.padding),
            op="max" if t == "max_pool" else "avg",
        )
    if t == "activation":
        return activate(x, spec.activation)
    if t == "flatten":
        return np.ascontiguousarray(x).reshape(-1).astype(np.float32, copy=False)
    if t == "dense":
        y = np.asarray(x, np.float32) @ weights["kernel"]
        if bias is not None:
            y = y + bias
        out: NDArray[np.floating] = y.astype(np.float32, copy=False)
        return out
    return softmax(x)


def as_input(x: ArrayLike, input_shape: Sequence[int]) -> NDArray[np.float32]:
    """``x`` as the network's float32 input ``(H, W, C)``; a 2-D array is one channel."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"the input must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    want = check_input_shape(input_shape)
    if arr.shape != want:
        raise ValueError(f"this network reads inputs of shape {want}, got {arr.shape}")
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        out = arr.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError("the input holds values that are not finite in float32")
    return out


def forward(
    specs: Sequence[LayerSpec],
    weights: Sequence[Mapping[str, Array]],
    x: ArrayLike,
    input_shape: Sequence[int] | None = None,
    *,
    start: int = 0,
    previous: Sequence[Array] | None = None,
) -> list[NDArray[np.floating]]:
    """Every layer's output for the input ``x``, in order (float32).

    Parameters
    ----------
    specs, weights
        The structure and one (checked) weights dict per layer.
    x : array_like, shape (H, W) or (H, W, C)
        The input.
    input_shape : sequence of int, optional
        The shape ``x`` must have; defaults to ``x``'s own.
    start : int, optional
        Recompute from layer ``start`` on, taking the outputs before it from ``previous``
        (an edit to layer ``start`` changes nothing before it).
    previous : sequence of ndarray, optional
        The outputs of an earlier call with the same input; needed when ``start > 0``.

    Returns
    -------
    list of ndarray
        ``outputs[i]`` is layer ``i``'s output.
    """
    arr = np.asarray(x)
    shape = (
        input_shape
        if input_shape is not None
        else (arr.shape if arr.ndim == 3 else arr.shape + (1,))
    )
    cur: Array = as_input(arr, shape)
    outs: list[NDArray[np.floating]] = []
    if start > 0:
        if previous is None or len(previous) < start:
            raise ValueError("recomputing from a later layer needs the earlier outputs")
        outs = [np.asarray(p) for p in previous[:start]]
        cur = outs[-1]
    for spec, w in zip(specs[start:], weights[start:]):
        cur = run_layer(spec, w, cur)
        outs.append(cur)
    return outs


# ---------------------------------------------------------------------------------------------
# Receptive fields
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A rectangle of cells ``[top, bottom) × [left, right)`` on one map.

    On the input, a box may reach outside the image (negative or past the edge): that part is
    padding. ``whole`` marks a unit that reads everything (after a flatten or dense layer).
    """

    top: int
    bottom: int
    left: int
    right: int
    whole: bool = False

    @property
    def rows(self) -> int:
        """Height of the box, padding included."""
        return max(self.bottom - self.top, 0)

    @property
    def cols(self) -> int:
        """Width of the box, padding included."""
        return max(self.right - self.left, 0)

    @property
    def empty(self) -> bool:
        """True when the box holds no cell (a transposed layer's output cell no input reaches)."""
        return self.rows == 0 or self.cols == 0

    def clipped(self, shape: Sequence[int]) -> Box:
        """The part inside a map of ``shape`` (``(H, W, ...)``)."""
        h, w = int(shape[0]), int(shape[1])
        return Box(
            min(max(self.top, 0), h),
            max(min(self.bottom, h), 0),
            min(max(self.left, 0), w),
            max(min(self.right, w), 0),
            self.whole,
        )


@dataclass(frozen=True)
class ReceptiveField:
    """What one unit reads, on the input and on every map before it.

    Attributes
    ----------
    layer : int
        The unit's layer (index into the network's layers).
    unit : tuple of int
        ``(row, col)`` of a map unit, or ``(index,)`` of a vector unit.
    boxes : list of Box
        ``boxes[0]`` on the input, ``boxes[i + 1]`` on layer ``i``'s output, for every layer up
        to and including ``layer`` (whose box is the unit itself). Each box is the smallest
        rectangle holding every cell the unit reads on that map. Input boxes are not clipped:
        the part outside the image is padding.
    size, stride, padding : (int, int)
        The stack's receptive-field size ``r0``, effective stride ``S0`` and effective padding
        ``P0`` per axis (Araujo, Norris and Sim, Distill 2019), for a stack of convolution and
        pooling layers; ``None`` after a flatten, a dense or a transposed layer.
    reads : Box or None
        The smallest rectangle holding the input pixels the unit reads (no padding). It can be
        smaller than ``boxes[0]`` clipped to the image: a dilated kernel may skip the first row
        inside the image when its first tap falls on padding.
    """

    layer: int
    unit: tuple[int, ...]
    boxes: list[Box] = field(default_factory=list)
    size: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] | None = None
    reads: Box | None = None

    @property
    def on_input(self) -> Box:
        """The box on the input (unclipped; the part outside the image is padding)."""
        return self.boxes[0]

    def input_bounds(self, shape: Sequence[int]) -> Box:
        """The input pixels the unit reads, clipped to an input of ``shape``."""
        if self.reads is not None:
            return self.reads.clipped(shape)
        return self.boxes[0].clipped(shape)


def _layer_geometry(spec: LayerSpec, in_shape: Shape) -> tuple[Any, ...]:
    """Per axis ``(k_eff, stride, pad_before)`` of a map layer (conv or pooling)."""
    k, d, s, p = _layer_taps(spec, in_shape)
    return (
        (effective_size(k[0], d[0]), effective_size(k[1], d[1])),
        s,
        p,
    )


def _layer_taps(spec: LayerSpec, in_shape: Shape) -> tuple[tuple[int, int], ...]:
    """Per axis ``(kernel, dilation, stride, pad_before)`` of a conv or pooling layer."""
    if spec.type == "conv2d":
        pads = resolve_padding(
            in_shape,
            spec.kernel_size,
            spec.padding,
            stride=spec.strides,
            dilation=spec.dilation_rate,
        )
        return (spec.kernel_size, spec.dilation_rate, spec.strides, (pads[0], pads[2]))
    pads = pool_padding(in_shape, spec.kernel_size, stride=spec.strides, padding=str(spec.padding))
    return (spec.kernel_size, (1, 1), spec.strides, (pads[0], pads[2]))


#: The cells one unit reads along each axis of a map: (rows, cols).
_Cells = tuple[frozenset[int], frozenset[int]]


def _cells_back(spec: LayerSpec, in_shape: Shape, cells: _Cells) -> _Cells:
    """The rows and columns of a layer's input that its output ``cells`` read.

    Every layer here is separable (a cell reads a rectangle of taps), so the cells read form
    a product of a set of rows and a set of columns. Rows may fall outside the input (padding).
    """
    if spec.type in ("activation", "softmax"):
        return cells
    out: list[frozenset[int]] = []
    if spec.type == "conv2d_transpose":
        geo = transpose_geometry(
            in_shape,
            spec.kernel_size,
            stride=spec.strides,
            padding=spec.padding,
            output_padding=spec.output_padding,
            dilation=spec.dilation_rate,
        )
        for want, s, crop, k, d, n in zip(
            cells, geo.stride, geo.crop, geo.kernel, geo.dilation, geo.in_shape
        ):
            # Input i stamps output cells i*s + a*d - crop for a in [0, k).
            out.append(
                frozenset(
                    i for i in range(n) if any(i * s + a * d - crop in want for a in range(k))
                )
            )
        return (out[0], out[1])
    k, d, s, p = _layer_taps(spec, in_shape)
    for axis, want in enumerate(cells):
        taps = [a * d[axis] - p[axis] for a in range(k[axis])]
        out.append(frozenset(r * s[axis] + t for r in want for t in taps))
    return (out[0], out[1])


def _box_of(cells: _Cells, limit: Sequence[int] | None = None) -> Box:
    """The smallest box holding ``cells`` (only those inside a map of ``limit``, when given)."""
    rows, cols = cells
    if limit is not None:
        rows = frozenset(r for r in rows if 0 <= r < int(limit[0]))
        cols = frozenset(c for c in cols if 0 <= c < int(limit[1]))
    if not rows or not cols:
        return Box(0, 0, 0, 0)
    return Box(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def _whole(shape: Shape) -> Box:
    """The box of a whole map (or vector), marked ``whole``."""
    return Box(0, int(shape[0]), 0, int(shape[1]) if len(shape) > 1 else 1, True)


def receptive_field(
    specs: Sequence[LayerSpec],
    input_shape: Sequence[int],
    layer: int,
    unit: Sequence[int],
) -> ReceptiveField:
    """The receptive field of one unit: which cells of the input and of each map it reads.

    Parameters
    ----------
    specs : sequence of LayerSpec
        The network.
    input_shape : sequence of int
        ``(H, W, C)`` of the input.
    layer : int
        Index of the unit's layer.
    unit : sequence of int
        ``(row, col)`` on a map layer (any channel: all channels of a position read the same
        cells), or ``(index,)`` on a vector layer.

    Returns
    -------
    ReceptiveField
        Boxes per map, the input box unclipped (its part outside the image is the padding the
        unit reads), the input pixels read, and the stack's size, effective stride and
        effective padding.

    Raises
    ------
    ValueError
        For a layer index or a unit outside the network.

    Notes
    -----
    Walking back one layer maps output cell ``u`` to input cells ``u*s − p + a*d`` for taps
    ``a`` in ``[0, k)``; composed over a stack of undilated layers the box is ``u*S0 − P0`` to
    ``u*S0 − P0 + r0 − 1`` with ``r0 = Σ (k_l − 1)·Π_{i<l} s_i + 1``, ``S0 = Π s_i`` and
    ``P0 = Σ p_l·Π_{i<l} s_i`` (Araujo, Norris and Sim, Distill 2019). The walk keeps the
    exact rows and columns read, so the boxes stay tight where the formula is not: on maps
    between the input and the unit only cells inside the map count (padding there holds no
    unit and reads nothing; padding around an activation of the input is the input's own), a
    dilated kernel skips rows, and a transposed layer's output cell is reached only by the
    input pixels whose stamps land on it.

    Examples
    --------
    >>> net = [LayerSpec("conv2d", "c1"), pool_layer(name="p1"), LayerSpec("conv2d", "c2")]
    >>> rf = receptive_field(net, (28, 28, 1), 2, (0, 0))
    >>> rf.on_input, rf.size, rf.stride
    (Box(top=0, bottom=8, left=0, right=8, whole=False), (8, 8), (2, 2))
    """
    shape0 = check_input_shape(input_shape)
    shapes = [shape0] + output_shapes(specs, shape0)
    if not 0 <= int(layer) < len(specs):
        raise ValueError(f"layer must be from 0 to {len(specs) - 1}, got {layer!r}")
    layer = int(layer)
    out_shape = shapes[layer + 1]
    idx = tuple(int(v) for v in unit)
    if len(out_shape) == 3:
        if len(idx) < 2 or not (0 <= idx[0] < out_shape[0] and 0 <= idx[1] < out_shape[1]):
            raise ValueError(f"unit must be (row, col) inside {out_shape[:2]}, got {tuple(unit)!r}")
        idx = idx[:2]
        box = Box(idx[0], idx[0] + 1, idx[1], idx[1] + 1)
    else:
        if len(idx) != 1 or not 0 <= idx[0] < out_shape[0]:
            raise ValueError(f"unit must be (index,) below {out_shape[0]}, got {tuple(unit)!r}")
        box = Box(0, 1, idx[0], idx[0] + 1)
    cells: _Cells = (frozenset({box.top}), frozenset({box.left}))
    whole = False
    boxes = [box]
    reads = box
    for i in range(layer, -1, -1):
        spec, in_shape = specs[i], shapes[i]
        whole = whole or spec.type in ("flatten", "dense") or len(in_shape) != 3
        if whole:
            box = reads = _whole(in_shape)
        else:
            cells = _cells_back(spec, in_shape, cells)
            reads = _box_of(cells, in_shape)
            if i == 0:
                box = _box_of(cells)
            else:
                box = reads
                if specs[i - 1].type not in ("activation", "softmax"):
                    # Padding around a map a layer computed holds no unit: nothing reads
                    # through it. Around an element-wise map of the input it is the input's
                    # padding, so it is kept for the input box.
                    cells = (
                        frozenset(r for r in cells[0] if 0 <= r < in_shape[0]),
                        frozenset(c for c in cells[1] if 0 <= c < in_shape[1]),
                    )
        boxes.append(box)
    boxes.reverse()
    size = stride = padding = None
    params = receptive_field_params(specs[: layer + 1], shape0)
    if params is not None:
        size, stride, padding = params
    return ReceptiveField(layer, idx, boxes, size, stride, padding, reads)


def receptive_field_params(
    specs: Sequence[LayerSpec], input_shape: Sequence[int]
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
    """Size ``r0``, effective stride ``S0`` and effective padding ``P0`` of a stack, per axis.

    Only convolution, pooling and element-wise layers have one (None otherwise). The padding
    of each layer is the cells before its first row/column (Keras "same" puts the odd one
    after).

    Examples
    --------
    >>> receptive_field_params([LayerSpec("conv2d", "c", strides=(2, 2))] * 1, (9, 9, 1))
    ((3, 3), (2, 2), (0, 0))
    """
    shape: Shape = check_input_shape(input_shape)
    r = [1, 1]
    jump = [1, 1]
    pad = [0, 0]
    for spec in specs:
        nxt = layer_output_shape(spec, shape)
        if spec.type in ("activation", "softmax"):
            shape = nxt
            continue
        if spec.type not in ("conv2d", "max_pool", "avg_pool"):
            return None
        k, s, p = _layer_geometry(spec, shape)
        for a in range(2):
            r[a] += (k[a] - 1) * jump[a]
            pad[a] += p[a] * jump[a]
            jump[a] *= s[a]
        shape = nxt
    return (r[0], r[1]), (jump[0], jump[1]), (pad[0], pad[1])


def padding_cells(box: Box, shape: Sequence[int]) -> tuple[int, int, int, int]:
    """How far ``box`` reaches past each edge of a map of ``shape``: (top, bottom, left, right)."""
    h, w = int(shape[0]), int(shape[1])
    return (max(-box.top, 0), max(box.bottom - h, 0), max(-box.left, 0), max(box.right - w, 0))


def network_dict(
    specs: Sequence[LayerSpec], input_shape: Sequence[int], name: str = ""
) -> dict[str, Any]:
    """The JSON structure of a network (see :func:`network_from_dict`)."""
    return {
        "format": NETWORK_FORMAT,
        "version": NETWORK_VERSION,
        "name": name,
        "input_shape": list(check_input_shape(input_shape)),
        "layers": [s.to_dict() for s in specs],
    }


def network_from_dict(data: Any) -> tuple[list[LayerSpec], Shape, str]:
    """The layers, input shape and name a network JSON holds.

    Raises
    ------
    ValueError
        When ``data`` is not a convgui network, or a layer or the shapes are not valid; the
        message says which layer and why.
    """
    if not isinstance(data, Mapping) or data.get("format") != NETWORK_FORMAT:
        raise ValueError(
            'this is not a convgui network file (its "format" is not "convgui-network")'
        )
    version = data.get("version")
    if version != NETWORK_VERSION:
        raise ValueError(
            f"this network file is version {version!r}; this convgui reads version "
            f"{NETWORK_VERSION}: update convgui"
        )
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ValueError('a network file needs a non-empty list of "layers"')
    if len(layers) > MAX_LAYERS:
        raise ValueError(
            f"a network may hold at most {MAX_LAYERS} layers, this one has {len(layers)}"
        )
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ValueError('a network\'s "name" must be text')
    shape_v = data.get("input_shape")
    if not isinstance(shape_v, list):
        raise ValueError('a network file needs "input_shape": [height, width, channels]')
    shape = check_input_shape(shape_v)
    specs = []
    for i, item in enumerate(layers):
        try:
            specs.append(LayerSpec.from_dict(item))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"layer {i + 1}: {exc}") from None
    check_names(specs)
    output_shapes(specs, shape)
    total = 0
    for s, sh in zip(specs, [shape] + output_shapes(specs, shape)[:-1]):
        total += param_count(s, sh)
    if total > MAX_WEIGHTS:
        raise ValueError(
            f"this network would have {total:,} weights, more than {MAX_WEIGHTS:,}; "
            "use fewer filters or units"
        )
    return specs, shape, name


def npz_key(layer: str, kind: str) -> str:
    """The ``.npz`` member name of a layer's weights (``conv1/kernel``), as Keras names them."""
    return f"{layer}/{kind}"
