"""The one object that holds the truth of the convolution-layer mode.

:class:`LayerState` is to the layer mode what :class:`convgui.state.ExplorerState` is to the
single-kernel explorer: widgets write user intent here (validated first; a bad value raises
``ValueError`` and changes nothing) and redraw from its signals, one per user action; undo and
redo cover every bank and setting change.

It follows the explorer's image: a grey image (or the explorer's grey switch) is one channel,
a colour one three (R, G, B), on the explorer's value scale. When the channel count changes,
every filter is adapted (see :func:`convgui.core.banks.adapt_channels`) and so is the history.

It can read an external input instead (:meth:`LayerState.set_external_input`: a network
layer's input, any 1–64 channels, with that layer's bank and settings from
:func:`network_bank`), in one undoable step. The input choice is then ``"external"`` until the
user picks R, G, B or grey again or another image is opened; the layer then follows the
explorer's image again (also undoable). Each history step remembers the input its bank was
made for, so undo and redo bring an external input back with its bank.

The bank is stored in the Keras ``Conv2D`` layout, ``(kh, kw, C_in // groups, C_out)``, in
float64 (what the user typed, exactly); :attr:`LayerState.keras_kernel` gives the layout of
the current layer type (``Conv2DTranspose``: ``(kh, kw, C_out, C_in)``), which files hold.

Recomputes are tagged with a generation number and run as the explorer's do: small ones at
once, large ones on one worker thread, only the newest waiting request kept ("latest wins"),
a result published only if still the newest. Each feature map remembers what it was computed
from (image, settings, its filter's weights and bias), so editing one weight recomputes only
that filter's map; the others are carried over unchanged.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, Signal

from .core import ACTIVATIONS, BOUNDARIES, activate, as_pair, parse_cell
from .core.banks import (
    BANK_PRESETS,
    FLOAT32_MAX,
    MAX_BANK_CHANNELS,
    MAX_BANK_VALUES,
    MAX_FILTERS,
    MAX_SIDE,
    adapt_channels,
    bank_preset,
    check_bank,
    group_channels,
    read_npy,
    read_npz,
    resize_bank,
)
from .core.convolve import lower_thread_priority
from .core.geometry import resolve_padding
from .core.imageops import scale_factor, to_grayscale
from .core.layer import (
    conv2d_filter,
    conv2d_layer,
    conv_layer_shape,
    conv_transpose2d,
    layer_summary,
    transpose_output_shape,
)
from .core.network import LayerSpec
from .core.pipeline import MAX_PIXELS
from .history import HasHistory, UndoHistory
from .safeio import LoadError, atomic_write, read_bytes_bounded, shown_name
from .state import ExplorerState, SyncExecutor, WorkerBridge, wait_until

Array = NDArray[Any]
PathLike = str | Path

LAYER_TYPES: tuple[str, ...] = ("conv", "transposed")
LAYER_PADDINGS: tuple[str, ...] = ("valid", "same")
#: What the layer reads of a colour image: its R, G, B channels, or one grey channel (BT.601).
INPUT_MODES: tuple[str, ...] = ("rgb", "grey")
HISTORY_LIMIT = 500
#: The undo step of going from an external input back to the explorer's image.
LEAVE_EXTERNAL = "Back to the image"
MAX_KERNEL_SIDE = MAX_SIDE
#: The range of each numeric setting, per axis: the controls of the filter-bank panel offer
#: exactly these, and :class:`LayerSettings` refuses anything outside them (from a file too).
SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "padding": (0, 15),
    "stride": (1, 8),
    "dilation": (1, 8),
    "output_padding": (0, 7),
}
SETTING_TITLES: dict[str, str] = {
    "padding": "padding",
    "stride": "stride",
    "dilation": "dilation",
    "output_padding": "output padding",
}
#: Filter bank files larger than this are refused before reading (64 filters 15×15 on 64
#: channels in float64 are 7.4 MB).
MAX_BANK_BYTES = 16_000_000
#: At most this many output values (height × width × filters) are computed and kept.
MAX_OUTPUT_VALUES = MAX_PIXELS
BANK_SUFFIXES: tuple[str, ...] = (".npz", ".npy", ".json")
#: Recomputes with less work (output values × taps) run at once on the calling thread: one
#: 3×3 filter over 512×512×3 (7.1 M) takes about 5–10 ms on the per-channel route, less than a
#: thread hop to the (lower-priority) worker and back costs on a busy 2-core machine, so a
#: weight edit at that size is painted in the same event-loop turn. A whole 8-filter layer
#: (57 M) goes to the worker.
LAYER_SYNC_WORK_LIMIT = 8_000_000


def _frozen(a: Array, dtype: Any = np.float64) -> Array:
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _readonly(a: Array) -> Array:
    if a.flags.writeable:
        a.setflags(write=False)
    return a


PaddingValue = str | tuple[int, int]


@dataclass(frozen=True)
class LayerSettings:
    """Every setting of the layer except the bank (immutable, validated).

    Attributes
    ----------
    layer_type : {"conv", "transposed"}
        Keras ``Conv2D`` or ``Conv2DTranspose``.
    padding : "valid", "same" or (rows, cols)
        As in :func:`convgui.core.layer.conv2d_layer` / ``conv_transpose2d``.
    boundary, cval
        What the padding holds (conv only; a transposed layer pads with zeros).
    stride, dilation : (int, int)
    groups : int
        Channel groups (conv only; ``groups = C_in`` is depthwise).
    output_padding : (int, int) or None
        Transposed only: extra rows/columns at the bottom/right of the output.
    activation : str
        One of :data:`convgui.core.ACTIVATIONS`, applied after the bias.
    """

    layer_type: str = "conv"
    padding: PaddingValue = "same"
    boundary: str = "zero"
    cval: float = 0.0
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    output_padding: tuple[int, int] | None = None
    activation: str = "none"

    def __post_init__(self) -> None:
        if self.layer_type not in LAYER_TYPES:
            raise ValueError(f"layer type must be one of {LAYER_TYPES}, got {self.layer_type!r}")
        if isinstance(self.padding, str):
            if self.padding not in LAYER_PADDINGS:
                raise ValueError(
                    f"padding must be 'valid', 'same' or a number of cells, got {self.padding!r}"
                )
        else:
            object.__setattr__(self, "padding", _limited(self.padding, "padding"))
        if not isinstance(self.boundary, str) or self.boundary not in BOUNDARIES:
            raise ValueError(f"boundary must be one of {BOUNDARIES}, got {self.boundary!r}")
        object.__setattr__(self, "cval", _cval(self.cval))
        object.__setattr__(self, "stride", _limited(self.stride, "stride"))
        object.__setattr__(self, "dilation", _limited(self.dilation, "dilation"))
        if isinstance(self.groups, bool) or not isinstance(self.groups, int) or self.groups < 1:
            raise ValueError(f"groups must be a positive int, got {self.groups!r}")
        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.layer_type == "transposed" and self.groups != 1:
            raise ValueError(
                f"a transposed layer has one group (no depthwise), got groups={self.groups}"
            )
        if self.output_padding is not None:
            if self.layer_type != "transposed":
                raise ValueError("output padding is a setting of the transposed layer only")
            op = _limited(self.output_padding, "output_padding")
            for axis, (o, s, d) in enumerate(zip(op, self.stride, self.dilation, strict=True)):
                if o >= s and o >= d:
                    raise ValueError(
                        f"output padding {o} on the {('rows', 'columns')[axis]} must be smaller "
                        f"than the stride ({s}) or the dilation ({d})"
                    )
            object.__setattr__(self, "output_padding", op)

    def evolve(self, **changes: Any) -> LayerSettings:
        """A copy with ``changes`` applied (validated).

        Raises
        ------
        ValueError
            An unknown setting's name or a bad value (quoted); this object is unchanged.
        """
        names = {f.name for f in fields(self)}
        unknown = sorted(k for k in changes if k not in names)
        if unknown:
            raise ValueError(
                f"unknown layer setting(s) {', '.join(map(repr, unknown))}; the settings are "
                f"{', '.join(sorted(names))}"
            )
        try:
            return replace(self, **changes)
        except (TypeError, OverflowError) as exc:
            raise ValueError(f"the layer settings {changes!r} cannot be used: {exc}") from None

    def engine_padding(self) -> str | tuple[int, ...]:
        """The padding as the engine takes it.

        Conv2D takes numbers as four sides (top, bottom, left, right), as ``correlate2d``
        does; the transposed layer takes ``(rows, cols)``, as PyTorch's ``ConvTranspose2d``.
        """
        if isinstance(self.padding, str) or self.layer_type == "transposed":
            return self.padding
        r, c = self.padding
        return (r, r, c, c)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict of the settings."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerSettings:
        """Build from :meth:`to_dict` output; unknown keys are ignored, bad values raise."""
        if not isinstance(data, dict):
            raise ValueError(f"the layer settings must be a JSON object, got {data!r}")
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        for k in ("padding", "stride", "dilation", "output_padding"):
            if isinstance(kwargs.get(k), list):
                kwargs[k] = tuple(kwargs[k])
        try:
            return cls(**kwargs)
        except (TypeError, OverflowError) as exc:
            raise ValueError(f"the layer settings cannot be used: {exc}") from None


def _limited(value: Any, name: str) -> tuple[int, int]:
    """``value`` as a (rows, cols) pair within :data:`SETTING_LIMITS` [name] (ValueError)."""
    lo, hi = SETTING_LIMITS[name]
    title = SETTING_TITLES[name]
    pair = as_pair(value, title, minimum=lo)
    if max(pair) > hi:
        raise ValueError(f"{title} must be {lo} to {hi} on each axis, got {value!r}")
    return pair


def _cval(value: Any) -> float:
    """The padding value as a float within float32's range (ValueError quoting it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"the padding value must be a number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v) or abs(v) > FLOAT32_MAX:
        raise ValueError(
            f"the padding value must be a finite number within ±{FLOAT32_MAX:.3g} (the layer "
            f"computes in float32), got {_quoted(value)}"
        )
    return v


def _quoted(value: Any) -> str:
    """``repr(value)``, shortened for messages (a 400-digit int is not quoted whole)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:18]}…{text[-8:]} ({len(text)} characters)"


def _number(value: Any, what: str) -> float:
    """A weight or bias as typed text (:func:`convgui.core.parse_cell`) or a real number.

    Raises
    ------
    ValueError
        Anything else, or a value outside float32's range (the layer computes in float32);
        the message quotes it.
    """
    if isinstance(value, str):
        v = parse_cell(value)
    elif isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"the {what} must be a number, got {_quoted(value)}")
    else:
        try:
            v = float(value)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            raise ValueError(f"the {what} must be a finite number, got {_quoted(value)}")
    if abs(v) > FLOAT32_MAX:
        raise ValueError(
            f"the {what} {_quoted(value)} is too large to compute: the layer computes in "
            f"float32 (at most ±{FLOAT32_MAX:.3g}). Use smaller kernel values."
        )
    return v


def _index(value: Any, size: int, what: str) -> int:
    """``value`` as an index in ``range(size)`` (IndexError; ValueError for a non-int)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"the {what} must be an int, got {_quoted(value)}")
    if not 0 <= int(value) < size:
        raise IndexError(f"{what} {value} is outside 0 to {size - 1}")
    return int(value)


def magnitude_problem(
    input_max: float, weights: Array, bias: Array, settings: LayerSettings
) -> str | None:
    """Why the layer's values could overflow float32 (the engine's dtype), or None.

    Each output value is at most ``Σ|w| · max|x| + |b|`` for its filter (a transposed layer
    stamps every weight at most once per output cell too), where ``max|x|`` is the largest
    input magnitude: ``input_max`` (the image's and its value scale's largest) and, with a
    constant boundary, the padding value's. Said as the single-kernel pipeline says it.

    Examples
    --------
    >>> from convgui.layer_state import LayerSettings
    >>> magnitude_problem(255.0, np.ones((3, 3, 1, 1)), np.zeros(1), LayerSettings()) is None
    True
    >>> print(magnitude_problem(255.0, np.full((1, 1, 1, 1), 1e38), np.zeros(1), LayerSettings()))
    The kernel values of filter 0 (sum of magnitudes 1e+38) times the image values (up to 255) ...
    """
    x = float(input_max)
    if settings.boundary == "constant" and settings.layer_type == "conv":
        x = max(x, abs(settings.cval))
    totals = np.abs(weights).sum(axis=(0, 1, 2))
    worst = totals * x + np.abs(bias)
    if not np.all(np.isfinite(worst)) or np.any(worst > FLOAT32_MAX / 2):
        o = int(np.argmax(np.where(np.isfinite(worst), worst, np.inf)))
        return (
            f"The kernel values of filter {o} (sum of magnitudes {float(totals[o]):.3g}) times "
            f"the image values (up to {x:.3g}) are too large to compute. Use smaller kernel "
            "values."
        )
    return None


def size_problem(
    image_shape: tuple[int, ...], weights_shape: tuple[int, ...], settings: LayerSettings
) -> str | None:
    """Why the layer is too large to compute and keep (padded input or output), or None.

    The padded input (conv) is bounded by :data:`convgui.core.pipeline.MAX_PIXELS` as the
    single-kernel pipeline bounds it, and the output by :data:`MAX_OUTPUT_VALUES`; only
    arithmetic on the sizes, nothing is allocated. Settings without output are not a size
    problem (:attr:`LayerState.layer_error` explains them).
    """
    h, w = int(image_shape[0]), int(image_shape[1])
    kh, kw, c_out = int(weights_shape[0]), int(weights_shape[1]), int(weights_shape[3])
    s = settings
    if s.layer_type == "conv":
        try:
            pads = resolve_padding(
                (h, w), (kh, kw), s.engine_padding(), stride=s.stride, dilation=s.dilation
            )
        except ValueError:
            return None
        ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
        if ph * pw > MAX_PIXELS:
            return (
                f"with this padding the {h}×{w} image becomes {ph}×{pw} ({ph * pw:,} pixels), "
                f"more than the {MAX_PIXELS:,} convgui computes; use less padding or a smaller "
                "dilation"
            )
    try:
        oh, ow = output_hw(image_shape, (kh, kw), s)
    except ValueError:
        return None
    n = oh * ow * c_out
    if n > MAX_OUTPUT_VALUES:
        return (
            f"the output would hold {oh}×{ow}×{c_out} = {n:,} values, more than the "
            f"{MAX_OUTPUT_VALUES:,} convgui keeps; use fewer filters, a larger stride or a "
            "smaller image"
        )
    return None


@dataclass(frozen=True, eq=False)
class ExternalInput:
    """An input the layer reads instead of the explorer's image (a network layer's input).

    Attributes
    ----------
    image : ndarray
        ``(H, W, C)`` float32, read-only.
    name : str
        What the Input choice says, e.g. ``"network: conv2's input"``.
    channel_names : tuple of str
        One name per channel (``"ch1"`` … or ``"R", "G", "B"``).
    value_max : float
        The largest magnitude in :attr:`image` (1 when it is all zeros): the top of the input's
        grey scale and the bound of the overflow checks.
    """

    image: Array
    name: str
    channel_names: tuple[str, ...]
    value_max: float

    @property
    def channels(self) -> int:
        """The number of channels ``C``."""
        return int(self.image.shape[2])

    @property
    def title(self) -> str:
        """``name (H×W×C)``, as the Input choice shows it."""
        h, w, c = self.image.shape
        return f"{self.name} ({h}×{w}×{c})"


def external_input(
    x: Any, name: str, channel_names: Iterable[str] | None = None
) -> ExternalInput:
    """Validate an input array for :meth:`LayerState.set_external_input`.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
        Real, finite values within float32's range; ``C`` from 1 to 64, ``H × W`` at most
        :data:`convgui.core.pipeline.MAX_PIXELS`.
    name : str
        What the Input choice calls it (blank: ``"external input"``).
    channel_names : iterable of str, optional
        One per channel; default ``"ch1"``, ``"ch2"``, ….

    Returns
    -------
    ExternalInput
        Holding a read-only float32 copy of ``x``.

    Raises
    ------
    ValueError
        What was wrong with ``x`` or the names, quoted.

    Examples
    --------
    >>> e = external_input(np.ones((4, 5, 2)), "network: conv2's input")
    >>> e.title, e.channel_names
    ("network: conv2's input (4×5×2)", ('ch1', 'ch2'))
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise ValueError(f"an input must be an array of numbers, got {_quoted(x)}") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"an input must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or 0 in arr.shape:
        raise ValueError(
            f"an input is (height, width, channels), not empty; got shape {np.shape(x)}"
        )
    h, w, c = (int(v) for v in arr.shape)
    if c > MAX_BANK_CHANNELS:
        raise ValueError(
            f"the layer mode reads at most {MAX_BANK_CHANNELS} input channels, this input has "
            f"{c}"
        )
    if h * w > MAX_PIXELS:
        raise ValueError(
            f"the input is {h}×{w} ({h * w:,} pixels), more than the {MAX_PIXELS:,} convgui "
            "computes"
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError("every value of the input must be a finite number")
    top = float(np.max(np.abs(arr.astype(np.float64)))) if arr.size else 0.0
    if top > FLOAT32_MAX:
        raise ValueError(
            f"the input holds values up to {top:.3g}, beyond float32's range (the layer "
            "computes in float32)"
        )
    names = (
        tuple(f"ch{i + 1}" for i in range(c))
        if channel_names is None
        else tuple(str(n) for n in channel_names)
    )
    if len(names) != c:
        raise ValueError(f"the input has {c} channel(s) but {len(names)} channel name(s)")
    label = name.strip() if isinstance(name, str) else ""
    return ExternalInput(
        _frozen(arr, np.float32), label or "external input", names, top if top > 0 else 1.0
    )


@dataclass(frozen=True)
class _Snapshot:
    weights: Array
    bias: Array
    settings: LayerSettings
    label: str
    #: The input the bank was made for: an external one, or None (the explorer's image).
    external: ExternalInput | None = None

    def same_as(self, other: _Snapshot) -> bool:
        return (
            self.external is other.external
            and self.weights.shape == other.weights.shape
            and bool(np.array_equal(self.weights, other.weights))
            and bool(np.array_equal(self.bias, other.bias))
            and self.settings == other.settings
        )


@dataclass(frozen=True)
class FeatureMap:
    """One filter's output (after bias and activation) and how it is coloured.

    Attributes
    ----------
    index : int
        The filter.
    data : ndarray
        ``(H', W')`` float32, read-only.
    levels : (float, float)
        Its own colour-scale limits: symmetric about 0 when it has negative values (shown with
        a diverging map), else its min and max.
    signed : bool
        It has negative values.
    """

    index: int
    data: Array
    levels: tuple[float, float]
    signed: bool
    #: What it was computed from: image version, settings, the filter's kernels and bias.
    image_version: int
    settings: LayerSettings
    kernels: Array
    bias: float

    def made_from(
        self, image_version: int, settings: LayerSettings, kernels: Array, bias: float
    ) -> bool:
        """True when this map is what those inputs give (nothing to recompute)."""
        return (
            self.image_version == image_version
            and self.settings == settings
            and self.bias == bias
            and self.kernels.shape == kernels.shape
            and bool(np.array_equal(self.kernels, kernels))
        )


@dataclass(frozen=True)
class LayerResult:
    """One published computation of the layer. Arrays are read-only."""

    generation: int
    image_version: int
    #: The engine's input, (H, W, C_in) float32, read-only (the channels shown beside the maps).
    image: Array
    settings: LayerSettings
    weights: Array
    bias: Array
    maps: tuple[FeatureMap, ...]
    #: The filters whose maps were computed for this result (the others were carried over).
    changed: tuple[int, ...]
    engine_ms: float

    @property
    def out_shape(self) -> tuple[int, int]:
        """``(H', W')`` of every map."""
        return (int(self.maps[0].data.shape[0]), int(self.maps[0].data.shape[1]))

    def stacked(self) -> Array:
        """The maps as one ``(H', W', C_out)`` array (a new array)."""
        return np.stack([m.data for m in self.maps], axis=2)


def map_levels(data: Array) -> tuple[tuple[float, float], bool]:
    """A map's own colour limits and whether it is signed.

    Examples
    --------
    >>> map_levels(np.array([[-2.0, 1.0]]))
    ((-2.0, 2.0), True)
    >>> map_levels(np.array([[3.0, 5.0]]))
    ((3.0, 5.0), False)
    >>> map_levels(np.zeros((2, 2)))
    ((-0.5, 0.5), False)
    """
    finite = data[np.isfinite(data)] if not np.all(np.isfinite(data)) else data
    if finite.size == 0:
        return (0.0, 1.0), False
    lo, hi = float(finite.min()), float(finite.max())
    if lo < 0:
        m = max(-lo, hi)
        return (-m, m), True
    if hi <= lo:
        return (lo - 0.5, hi + 0.5), False
    return (lo, hi), False


def output_hw(
    image_shape: tuple[int, ...], kernel_hw: tuple[int, int], settings: LayerSettings
) -> tuple[int, int]:
    """``(H', W')`` of the layer's maps (the engine's geometry); ValueError when none."""
    pad = settings.engine_padding()
    if settings.layer_type == "transposed":
        return transpose_output_shape(
            image_shape,
            kernel_hw,
            stride=settings.stride,
            padding=pad,
            output_padding=settings.output_padding,
            dilation=settings.dilation,
        )
    return conv_layer_shape(
        image_shape, kernel_hw, padding=pad, stride=settings.stride, dilation=settings.dilation
    )


def filter_maps(
    x: Array, weights: Array, bias: Array, settings: LayerSettings, indices: Iterable[int]
) -> dict[int, Array]:
    """The activated maps of the filters ``indices`` (the engine, one call per filter or all).

    ``x`` is ``(H, W, C_in)`` float32; ``weights`` the ``Conv2D`` layout. Each filter reads
    only its group's channels, so one filter's map costs one filter's work.
    """
    idx = list(indices)
    c_out = int(weights.shape[3])
    w32 = np.asarray(weights, dtype=np.float32)
    b32 = np.asarray(bias, dtype=np.float32)
    s = settings
    out: dict[int, Array] = {}
    if s.layer_type == "transposed":
        wt = np.ascontiguousarray(w32.transpose(0, 1, 3, 2))  # (kh, kw, C_out, C_in)
        kw_t: dict[str, Any] = {
            "stride": s.stride,
            "padding": s.engine_padding(),
            "output_padding": s.output_padding,
            "dilation": s.dilation,
        }
        if len(idx) == c_out:
            full = conv_transpose2d(x, wt, b32, **kw_t)
            for o in idx:
                out[o] = full[:, :, o]
        else:
            for o in idx:
                out[o] = conv_transpose2d(x, wt[:, :, o : o + 1, :], b32[o : o + 1], **kw_t)[
                    :, :, 0
                ]
    else:
        kw_c: dict[str, Any] = {
            "padding": s.engine_padding(),
            "boundary": s.boundary,
            "cval": s.cval,
            "stride": s.stride,
            "dilation": s.dilation,
        }
        if len(idx) == c_out:
            full = conv2d_layer(x, w32, b32, groups=s.groups, **kw_c)
            for o in idx:
                out[o] = full[:, :, o]
        else:
            for o in idx:  # one filter reads only its group's channels: its share of the work
                out[o] = conv2d_filter(x, w32, b32, o, groups=s.groups, **kw_c)
    for o in idx:
        a = out[o]
        if s.activation != "none":
            a = activate(a, s.activation)
        out[o] = _readonly(np.ascontiguousarray(a, dtype=np.float32))
    return out


@dataclass(frozen=True)
class _Job:
    generation: int
    image_version: int
    image: Array
    weights: Array
    bias: Array
    settings: LayerSettings
    previous: LayerResult | None

    def stale_filters(self) -> list[int]:
        """The filters whose maps the previous result cannot give."""
        prev = self.previous
        todo: list[int] = []
        for o in range(int(self.weights.shape[3])):
            m = prev.maps[o] if prev is not None and o < len(prev.maps) else None
            if m is None or not m.made_from(
                self.image_version, self.settings, self.weights[..., o], float(self.bias[o])
            ):
                todo.append(o)
        return todo

    def run(self) -> LayerResult:
        t0 = time.perf_counter()
        todo = self.stale_filters()
        fresh = filter_maps(self.image, self.weights, self.bias, self.settings, todo)
        maps: list[FeatureMap] = []
        for o in range(int(self.weights.shape[3])):
            if o in fresh:
                levels, signed = map_levels(fresh[o])
                maps.append(
                    FeatureMap(
                        o,
                        fresh[o],
                        levels,
                        signed,
                        self.image_version,
                        self.settings,
                        _frozen(self.weights[..., o]),
                        float(self.bias[o]),
                    )
                )
            else:
                assert self.previous is not None
                maps.append(self.previous.maps[o])
        return LayerResult(
            self.generation,
            self.image_version,
            self.image,
            self.settings,
            self.weights,
            self.bias,
            tuple(maps),
            tuple(todo),
            (time.perf_counter() - t0) * 1e3,
        )


class LayerState(QObject, HasHistory):
    """The single source of truth of the convolution-layer mode.

    Parameters
    ----------
    explorer : ExplorerState
        Whose image (and grey/colour switch and value scale) the layer reads.
    executor : concurrent.futures.Executor, optional
        Where large recomputes run; a one-thread pool by default (a
        :class:`convgui.state.SyncExecutor` makes every recompute synchronous).
    sync_work_limit : int
        Recomputes with less work (output values × taps) run on the calling thread.

    Signals
    -------
    image_changed()
        The input (its channels) changed.
    bank_changed()
        Weights, bias, filter count or filter size changed.
    settings_changed()
        A layer setting changed.
    selected_changed(int)
        Another filter is selected (not an undoable change).
    result_changed()
        A new result is published (see :attr:`LayerResult.changed`), or there is none.
    history_changed(), busy_changed(bool)
    message(str, str)
        ``(level, text)`` for the window's message bar.
    input_mode : {"rgb", "grey"}
        What the layer reads of a colour image (see :meth:`set_input_mode`).
    """

    image_changed = Signal()
    bank_changed = Signal()
    settings_changed = Signal()
    selected_changed = Signal(int)
    result_changed = Signal()
    history_changed = Signal()
    busy_changed = Signal(bool)
    message = Signal(str, str)

    def __init__(
        self,
        explorer: ExplorerState,
        executor: Executor | None = None,
        *,
        sync_work_limit: int = LAYER_SYNC_WORK_LIMIT,
        input_mode: str = "rgb",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if input_mode not in INPUT_MODES:
            raise ValueError(f"input mode must be one of {INPUT_MODES}, got {input_mode!r}")
        self._input_mode = input_mode
        #: What the current image was made from: (document, value scale, grey).
        self._image_key: tuple[Any, ...] | None = None
        #: The largest input magnitude (the image's and its value scale's): overflow checks.
        self._input_max = 0.0
        self._explorer = explorer
        self._executor: Executor = executor or ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="convgui-layer",
            initializer=lower_thread_priority,
        )
        self._owns_executor = executor is None
        self._sync_limit = sync_work_limit
        self._bridge = WorkerBridge()
        self._bridge.done.connect(self._on_job_done)
        self._image: Array | None = None
        self._image_version = 0
        self._c_in = 1
        #: The input read instead of the explorer's image, or None (see set_external_input).
        self._external: ExternalInput | None = None
        #: The channels of the explorer's image as the layer reads it: every snapshot made for
        #: it (``external`` None) holds a bank for this many channels.
        self._explorer_c = 1
        self._settings = LayerSettings()
        bank = bank_preset("edges", 1)
        self._weights: Array = _frozen(bank.weights)
        self._bias: Array = _frozen(bank.bias)
        self._selected = 0
        self._result: LayerResult | None = None
        self._error: str | None = None
        self._generation = 0
        self._running = False
        self._pending: _Job | None = None
        self._active = True
        self._dirty = False
        self._closed = False
        self._history: UndoHistory[_Snapshot] = UndoHistory(HISTORY_LIMIT)
        explorer.image_changed.connect(self._on_explorer_image)
        self._take_image()
        self._schedule()

    # --- reading -------------------------------------------------------------------------

    @property
    def explorer(self) -> ExplorerState:
        """The single-kernel state whose image the layer reads."""
        return self._explorer

    @property
    def image(self) -> Array | None:
        """The input as the engine sees it: ``(H, W, C_in)`` float32, read-only (or None)."""
        return self._image

    @property
    def image_version(self) -> int:
        """Increases whenever the input changes."""
        return self._image_version

    @property
    def input_mode(self) -> str:
        """``"rgb"`` (a colour image is 3 channels) or ``"grey"`` (one, BT.601).

        What the layer reads of the explorer's image; while an external input is shown
        (:attr:`input_choice` ``"external"``) it is what the layer goes back to.
        """
        return self._input_mode

    @property
    def input_choice(self) -> str:
        """``"external"`` while an external input is read, else :attr:`input_mode`."""
        return "external" if self._external is not None else self._input_mode

    @property
    def external(self) -> ExternalInput | None:
        """The external input read instead of the explorer's image, or None."""
        return self._external

    @property
    def value_max(self) -> float:
        """The top of the input's grey scale.

        The explorer's white (255 or 1), or an external input's largest magnitude.
        """
        if self._external is not None:
            return self._external.value_max
        return float(self._explorer.value_max)

    @property
    def c_in(self) -> int:
        """Input channels: 1 (grey), 3 (R, G, B), or an external input's count."""
        return self._c_in

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The input channels' names.

        ``("R", "G", "B")`` for a colour input, ``("grey",)`` for one channel, an external
        input's own names.
        """
        if self._external is not None and self._external.channels == self._c_in:
            return self._external.channel_names
        return ("R", "G", "B") if self._c_in == 3 else tuple(
            "grey" if self._c_in == 1 else f"channel {c}" for c in range(self._c_in)
        )

    @property
    def settings(self) -> LayerSettings:
        """The layer settings."""
        return self._settings

    @property
    def weights(self) -> Array:
        """``(kh, kw, C_in // groups, C_out)`` float64, read-only (the Keras ``Conv2D`` layout)."""
        return self._weights

    @property
    def keras_kernel(self) -> Array:
        """The weights in the Keras layout of the layer type (what bank files hold).

        ``Conv2D``: :attr:`weights`; ``Conv2DTranspose``: ``(kh, kw, C_out, C_in)``.
        """
        if self._settings.layer_type == "transposed":
            return np.ascontiguousarray(self._weights.transpose(0, 1, 3, 2))
        return np.array(self._weights)

    @property
    def bias(self) -> Array:
        """``(C_out,)`` float64, read-only."""
        return self._bias

    @property
    def n_filters(self) -> int:
        """The number of filters (``C_out``)."""
        return int(self._weights.shape[3])

    @property
    def filter_size(self) -> tuple[int, int]:
        """``(kh, kw)``."""
        return int(self._weights.shape[0]), int(self._weights.shape[1])

    @property
    def selected(self) -> int:
        """The selected filter (its kernels are edited; its map is shown large)."""
        return self._selected

    def reads(self) -> list[tuple[int, ...]]:
        """The input channels each filter reads."""
        return group_channels(self._c_in, self.n_filters, self._settings.groups)

    @property
    def result(self) -> LayerResult | None:
        """The newest published result, or None (no image, or no output)."""
        return self._result

    @property
    def layer_error(self) -> str | None:
        """Why the current settings give no output, or None."""
        return self._error

    @property
    def busy(self) -> bool:
        """True while a background recompute runs."""
        return self._running

    def summary(self) -> str:
        """The layer's line of a Keras ``model.summary()``, or why there is no output."""
        if self._image is None:
            return "No image: open one (File ▸ Open) to see the layer's output."
        if self._error is not None:
            return f"No output: {self._error}"
        s = self._settings
        try:
            return layer_summary(
                self._image.shape,
                self.keras_kernel.shape,
                padding=s.engine_padding(),
                stride=s.stride,
                dilation=s.dilation,
                groups=s.groups,
                transpose=s.layer_type == "transposed",
                output_padding=s.output_padding,
            )
        except ValueError as exc:
            return f"No output: {exc}"

    # --- activity ------------------------------------------------------------------------

    def set_active(self, on: bool) -> None:
        """Compute only while the layer mode is shown; catch up when it is shown again."""
        self._active = bool(on)
        if self._active and self._dirty:
            self._dirty = False
            self._schedule()

    # --- the image -----------------------------------------------------------------------

    def _input_image(self) -> Array | None:
        """The explorer's image as the layer reads it: R, G, B or grey, on its value scale.

        Independent of the single-kernel mode's colour switch; the explorer's own engine image
        is shared when it is the same (no copy).
        """
        e = self._explorer
        doc = e.doc
        if doc is None:
            return None
        grey = doc.pixels.ndim == 2 or self._input_mode == "grey"
        if grey == (doc.pixels.ndim == 2 or e.color_mode == "gray"):
            return e.engine_image()
        px = to_grayscale(doc.pixels) if grey else doc.pixels
        img = np.asarray(px, dtype=np.float32)
        f = scale_factor(doc.bit_depth, e.value_scale)
        if f != 1.0:
            img = img * np.float32(f)
        return img

    def _current_key(self) -> tuple[Any, ...]:
        e = self._explorer
        doc = e.doc
        grey = doc is not None and (doc.pixels.ndim == 2 or self._input_mode == "grey")
        return (doc, e.value_scale, grey)

    def _take_image(self) -> bool:
        """Read the explorer's image; adapt the bank to a new channel count.

        The history's snapshots made for the explorer's image are adapted too; those made for
        an external input keep their bank (restoring one brings its input back).
        """
        self._image_key = self._current_key()
        img = self._input_image()
        self._input_max = float(self._explorer.value_max)
        if img is None:
            self._image = None
            return False
        if img.size:  # once per image, not per weight edit
            self._input_max = max(self._input_max, float(np.max(np.abs(img))))
        x = img[:, :, None] if img.ndim == 2 else img
        self._image = _readonly(x)
        c_new = int(x.shape[2])
        c_explorer, self._explorer_c = self._explorer_c, c_new
        if c_new != c_explorer:
            self._history.map(lambda s: self._adapt_snapshot(s, c_explorer, c_new))
        if c_new != self._c_in:
            c_old, self._c_in = self._c_in, c_new
            self._weights, groups = self._adapted(self._weights, self._settings.groups, c_old)
            if groups != self._settings.groups:
                self._settings = self._settings.evolve(groups=groups)
            self.bank_changed.emit()
            self.settings_changed.emit()
        return True

    def _adapted(
        self, weights: Array, groups: int, c_old: int, c_new: int | None = None
    ) -> tuple[Array, int]:
        b = adapt_channels(weights, groups, c_old, self._c_in if c_new is None else c_new)
        return _frozen(b.weights), b.groups

    def _adapt_snapshot(self, snap: _Snapshot, c_old: int, c_new: int) -> _Snapshot:
        if snap.external is not None:
            return snap  # made for its own input, which it brings back
        w, g = self._adapted(snap.weights, snap.settings.groups, c_old, c_new)
        return replace(snap, weights=w, settings=snap.settings.evolve(groups=g))

    def _on_explorer_image(self) -> None:
        key, old = self._current_key(), self._image_key
        if old is not None and key[0] is old[0] and key[1:] == old[1:]:
            return  # e.g. the single-kernel colour switch: the layer reads the same input
        if self._external is not None:
            if old is not None and key[0] is old[0]:
                self._image_key = key  # the value scale: the external input is unchanged
                return
            self._leave_external()  # another image was opened: the layer follows it again
            return
        self._follow_explorer()

    def _follow_explorer(self) -> None:
        self._take_image()
        self._image_version += 1
        self.image_changed.emit()
        self._schedule()

    def _leave_external(self) -> None:
        """Read the explorer's image again, one undoable step (undo brings the input back)."""
        self._history.push(self._snapshot(LEAVE_EXTERNAL))
        self._external = None
        self._follow_explorer()
        self.history_changed.emit()

    def set_input_mode(self, mode: str) -> bool:
        """Read a colour image as R, G, B (``"rgb"``) or as one grey channel (``"grey"``).

        The bank is adapted to the new channel count as for a new image (see
        :func:`convgui.core.banks.adapt_channels`); not an undoable change. A grey image is
        one channel either way. An external input (:meth:`set_external_input`) is left: the
        layer reads the explorer's image again (an undoable step, as is leaving it for another
        image: undo brings the external input and its bank back). True when the input changed.

        Raises
        ------
        ValueError
            An unknown mode (quoted); nothing changes.
        """
        if not isinstance(mode, str) or mode not in INPUT_MODES:
            raise ValueError(f"the input must be one of {INPUT_MODES}, got {_quoted(mode)}")
        if mode == self._input_mode and self._external is None:
            return False
        self._input_mode = mode
        if self._external is not None:
            self._leave_external()
            return True
        self._on_explorer_image()
        return True

    def set_external_input(
        self,
        x: Any,
        name: str,
        channel_names: Iterable[str] | None = None,
        *,
        weights: Any = None,
        bias: Any = None,
        settings: LayerSettings | None = None,
        label: str | None = None,
    ) -> bool:
        """Read ``x`` instead of the explorer's image, in one undoable step.

        The input choice becomes ``"external"`` (see :attr:`input_choice`) and stays until
        :meth:`set_input_mode` is called (the user picks R, G, B or grey) or another image is
        opened in the explorer; then the layer follows the explorer's image again. Undo brings
        back the input, bank and settings the layer had before.

        Parameters
        ----------
        x : array_like, shape (H, W) or (H, W, C)
            The input (see :func:`external_input` for what is accepted).
        name : str
            What the Input choice calls it, e.g. ``"network: conv2's input"``.
        channel_names : iterable of str, optional
            One per channel (default ``"ch1"``, ``"ch2"``, …).
        weights, bias : array_like, optional
            A bank for this input (``Conv2D`` layout, as :meth:`set_bank`); without one the
            current bank is adapted to the channel count (as for a new image) and keeps its
            bias.
        settings : LayerSettings, optional
            The layer settings to use with it (default: the current ones).
        label : str, optional
            The undo step's name (default ``"Show <name>"``).

        Returns
        -------
        bool
            True (the input always changes).

        Raises
        ------
        ValueError
            An input, bank or settings the layer cannot take (more than 64 channels or
            filters, kernels beyond 15×15, an output too large, values that overflow): the
            message says which; nothing changes.
        """
        ext = external_input(x, name, channel_names)
        s = settings if settings is not None else self._settings
        if weights is None:
            adapted = adapt_channels(self._weights, s.groups, self._c_in, ext.channels)
            w: Array = adapted.weights.astype(np.float64)
            if adapted.groups != s.groups:
                s = s.evolve(groups=adapted.groups)
            b: Array = np.array(self._bias) if bias is None else np.asarray(bias, np.float64)
        else:
            check_bank(weights, bias, s.groups, ext.channels)
            w = np.asarray(weights, dtype=np.float64)
            b = np.zeros(w.shape[3]) if bias is None else np.asarray(bias, dtype=np.float64)
        return self._apply(w, b, s, label or f"Show {ext.name}", external=ext)

    # --- selection -----------------------------------------------------------------------

    def select(self, index: int) -> None:
        """Select filter ``index`` (clamped to the bank; ValueError for a non-int)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ValueError(f"a filter is chosen by its number, got {_quoted(index)}")
        i = max(0, min(int(index), self.n_filters - 1))
        if i != self._selected:
            self._selected = i
            self.selected_changed.emit(i)

    # --- undoable changes ----------------------------------------------------------------

    def _snapshot(self, label: str) -> _Snapshot:
        return _Snapshot(self._weights, self._bias, self._settings, label, self._external)

    def _apply(
        self,
        weights: Array,
        bias: Array,
        settings: LayerSettings,
        label: str,
        external: ExternalInput | bool | None = False,
    ) -> bool:
        """One undoable change; ``external`` (when not False) also changes the input."""
        ext = self._external if external is False else external
        assert ext is None or isinstance(ext, ExternalInput)
        w = weights if weights is self._weights else _frozen(weights)
        b = bias if bias is self._bias else _frozen(bias)
        if ext is None and self._external is not None:
            raise ValueError("going back to the explorer's image is set_input_mode's work")
        c_in = ext.channels if ext is not None else self._c_in
        check_bank(w, b, settings.groups, c_in)
        if settings.layer_type == "transposed" and settings.groups != 1:
            raise ValueError("a transposed layer has one group")
        if ext is not None:
            self._check_output(w, b, settings, ext.image.shape, ext.value_max)
        else:
            self._check_output(w, b, settings)
        new = _Snapshot(w, b, settings, label, ext)
        old = self._snapshot(label)
        if new.same_as(old):
            return False
        self._history.push(old)
        self._restore(new)
        self.history_changed.emit()
        return True

    def _check_output(
        self,
        weights: Array,
        bias: Array,
        settings: LayerSettings,
        image_shape: tuple[int, ...] | None = None,
        input_max: float | None = None,
    ) -> None:
        """Refuse a bank or settings whose layer is too large or whose values overflow.

        ``image_shape`` and ``input_max`` describe the input (default: the current one).
        """
        if np.any(np.abs(weights) > FLOAT32_MAX) or np.any(np.abs(bias) > FLOAT32_MAX):
            raise ValueError(
                f"weights and biases must be within ±{FLOAT32_MAX:.3g} (the layer computes in "
                "float32). Use smaller kernel values"
            )
        top = self._input_max if input_max is None else input_max
        why = magnitude_problem(top, weights, bias, settings)
        if why is not None:
            raise ValueError(why.rstrip("."))
        shape = image_shape if image_shape is not None else (
            None if self._image is None else self._image.shape
        )
        if shape is None:
            return
        why = size_problem(shape, weights.shape, settings)
        if why is not None:
            raise ValueError(why)

    def _restore(self, snap: _Snapshot) -> None:
        bank_changed = not (
            snap.weights.shape == self._weights.shape
            and np.array_equal(snap.weights, self._weights)
            and np.array_equal(snap.bias, self._bias)
        )
        settings_changed = snap.settings != self._settings
        input_changed = snap.external is not self._external
        self._weights, self._bias, self._settings = snap.weights, snap.bias, snap.settings
        if input_changed:
            self._set_input(snap.external)
        if self._selected >= self.n_filters:
            self._selected = self.n_filters - 1
            self.selected_changed.emit(self._selected)
        if bank_changed:
            self.bank_changed.emit()
        if settings_changed:
            self.settings_changed.emit()
        if input_changed:
            self.image_changed.emit()
        self._schedule()

    def _set_input(self, external: ExternalInput | None) -> None:
        """Read ``external``, or the explorer's image (None), with the bank already set for it.

        Only :meth:`_restore` calls this: every snapshot holds a bank made for its input.
        """
        self._external = external
        self._image_version += 1
        if external is not None:
            self._image_key = self._current_key()
            self._image = external.image
            self._c_in = external.channels
            self._input_max = external.value_max
            return
        # What the bank reads: the explorer's channels when it was made (snapshots made for
        # the explorer's image are adapted whenever its channel count changes).
        self._c_in = int(self._weights.shape[2]) * self._settings.groups
        self._take_image()

    def set_weight(self, index: int, channel: int, row: int, col: int, value: str | float) -> bool:
        """Set one weight of filter ``index`` on its ``channel``-th kernel.

        ``value`` is typed text (as :func:`convgui.core.parse_cell` accepts) or a number.

        Raises
        ------
        convgui.core.CellParseError
            Text that is not an accepted number (a ``ValueError``); nothing changes.
        ValueError
            Not text or a real number, beyond float32's range, or a value whose layer would
            overflow float32; nothing changes.
        IndexError
            A filter, channel or cell outside the bank.
        """
        kh, kw, cg, c_out = self._weights.shape
        try:
            at = (
                _index(row, kh, "row"),
                _index(col, kw, "column"),
                _index(channel, cg, "channel"),
                _index(index, c_out, "filter"),
            )
        except IndexError:
            raise IndexError(
                f"weight (filter {index}, channel {channel}, row {row}, column {col}) is outside "
                f"the bank of {c_out} filter(s) {kh}×{kw}×{cg}"
            ) from None
        v = _number(value, "weight")
        w = np.array(self._weights)
        w[at] = v
        return self._apply(w, self._bias, self._settings, "Edit weight")

    def set_kernel(
        self, index: int, channel: int, kernel: Any, label: str = "Paste kernel"
    ) -> bool:
        """Replace filter ``index``'s kernel on one channel (same size as the bank).

        Raises
        ------
        IndexError
            A filter or channel outside the bank (a negative one too).
        ValueError
            Not a grid of finite numbers of the bank's size; nothing changes.
        """
        cg, c_out = int(self._weights.shape[2]), int(self._weights.shape[3])
        o = _index(index, c_out, "filter")
        c = _index(channel, cg, "channel")
        try:
            k = np.asarray(kernel, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"a kernel must be a grid of numbers, got {_quoted(kernel)}") from None
        if k.shape != self.filter_size:
            raise ValueError(
                f"a kernel of this bank is {self.filter_size[0]}×{self.filter_size[1]}, "
                f"got shape {k.shape}"
            )
        if not np.all(np.isfinite(k)):
            raise ValueError("every value of a kernel must be a finite number")
        w = np.array(self._weights)
        w[:, :, c, o] = k
        return self._apply(w, self._bias, self._settings, label)

    def set_bias(self, index: int, value: str | float) -> bool:
        """Set filter ``index``'s bias (typed text or a number).

        Raises
        ------
        ValueError
            Not an accepted number (quoted) or beyond float32's range; nothing changes.
        IndexError
            A filter outside the bank.
        """
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ValueError(f"the filter must be an int, got {_quoted(index)}")
        if not 0 <= index < self.n_filters:
            raise IndexError(f"filter {index} is outside the bank of {self.n_filters}")
        v = _number(value, "bias")
        b = np.array(self._bias)
        b[index] = v
        return self._apply(self._weights, b, self._settings, "Edit bias")

    def set_bank(
        self,
        weights: Any,
        bias: Any = None,
        *,
        settings: LayerSettings | None = None,
        label: str = "Set filter bank",
    ) -> bool:
        """Replace the whole bank (``Conv2D`` layout), and optionally the settings, in one step.

        Raises
        ------
        ValueError
            A bank that does not fit the input or the settings (see
            :func:`convgui.core.banks.check_bank`); nothing changes.
        """
        s = settings if settings is not None else self._settings
        bank = check_bank(weights, bias, s.groups, self._c_in)
        w = np.asarray(weights, dtype=np.float64)
        b = np.zeros(w.shape[3]) if bias is None else np.asarray(bias, dtype=np.float64)
        del bank
        return self._apply(w, b, s, label)

    def add_filter(self) -> bool:
        """Append a filter: the identity on the mean of the channels it reads (bias 0)."""
        n = self.n_filters
        g = self._settings.groups
        step = g  # the count must stay a multiple of the groups
        if n + step > MAX_FILTERS:
            raise ValueError(f"a bank holds at most {MAX_FILTERS} filters")
        kh, kw, cg, _ = self._weights.shape
        new = np.zeros((kh, kw, cg, step))
        new[(kh - 1) // 2, (kw - 1) // 2, :, :] = 1.0 / cg
        # Filters are ordered group by group: insert one at the end of each group.
        per = n // g
        parts_w, parts_b = [], []
        for grp in range(g):
            parts_w += [self._weights[..., grp * per : (grp + 1) * per], new[..., grp : grp + 1]]
            parts_b += [self._bias[grp * per : (grp + 1) * per], np.zeros(1)]
        w, b = np.concatenate(parts_w, axis=3), np.concatenate(parts_b)
        label = "Add filter" if step == 1 else f"Add {step} filters (one per group)"
        return self._apply(w, b, self._settings, label)

    def remove_filter(self, index: int | None = None) -> bool:
        """Remove filter ``index`` (default: the selected one); a bank keeps at least one.

        With groups, the same position is removed from every group (the count stays a multiple
        of the groups).
        """
        n, g = self.n_filters, self._settings.groups
        i = self._selected if index is None else _index(index, n, "filter")
        if not 0 <= i < n:
            raise IndexError(f"filter {i} is outside the bank of {n}")
        if n - g < 1 or n // g <= 1:
            raise ValueError(
                "a layer keeps at least one filter" + (" per group" if g > 1 else "")
                + "; add another before removing this one"
            )
        per = n // g
        drop = [grp * per + i % per for grp in range(g)] if g > 1 else [i]
        keep = [o for o in range(n) if o not in drop]
        label = f"Remove filter {i}" if g == 1 else f"Remove filter {i} (and its group peers)"
        return self._apply(self._weights[..., keep], self._bias[keep], self._settings, label)

    def set_filter_count(self, n: int) -> bool:
        """Grow or shrink the bank to ``n`` filters (1–64), in one undoable step."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_FILTERS:
            raise ValueError(f"a bank holds 1 to {MAX_FILTERS} filters, got {n!r}")
        g = self._settings.groups
        if n % g:
            raise ValueError(f"with {g} groups the number of filters must be a multiple of {g}")
        cur = self.n_filters
        if n == cur:
            return False
        kh, kw, cg, _ = self._weights.shape
        if n < cur:
            w, b = self._weights[..., :n], self._bias[:n]
        else:
            extra = np.zeros((kh, kw, cg, n - cur))
            extra[(kh - 1) // 2, (kw - 1) // 2] = 1.0 / cg
            w = np.concatenate([self._weights, extra], axis=3)
            b = np.concatenate([self._bias, np.zeros(n - cur)])
        return self._apply(w, b, self._settings, f"{n} filters")

    def set_filter_size(self, rows: int, cols: int) -> bool:
        """Resize every kernel to ``rows × cols``, values kept centred (1–15 per side).

        Raises
        ------
        ValueError
            Not ints from 1 to 15 (quoted); nothing changes.
        """
        for v in (rows, cols):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(
                    f"filter size must be ints from 1 to {MAX_KERNEL_SIDE}, got {_quoted(rows)}"
                    f"×{_quoted(cols)}"
                )
        rows, cols = int(rows), int(cols)
        if not (1 <= rows <= MAX_KERNEL_SIDE and 1 <= cols <= MAX_KERNEL_SIDE):
            raise ValueError(
                f"filter size must be 1 to {MAX_KERNEL_SIDE} on each side, got {rows}×{cols}"
            )
        w = resize_bank(self._weights, rows, cols).astype(np.float64)
        if rows == self._weights.shape[0] and cols == self._weights.shape[1]:
            w = self._weights
        return self._apply(w, self._bias, self._settings, f"Filter size {rows}×{cols}")

    def set_settings(self, label: str = "Change layer settings", **changes: Any) -> bool:
        """Change layer settings (validated; nothing changes on a ``ValueError``).

        Changing ``groups`` keeps each filter's kernels on the channels it still reads (new
        channels start at zero); going to one group this way leaves the output unchanged.
        Switching to the transposed layer type regroups to one group the same way.
        """
        cur = self._settings
        if changes.get("layer_type") == "transposed" and "groups" not in changes:
            changes["groups"] = 1
        if changes.get("layer_type") == "conv" and cur.output_padding is not None:
            changes.setdefault("output_padding", None)
        new = cur.evolve(**changes)
        w = self._weights
        if new.groups != cur.groups:
            w = self._regroup(new.groups)
        return self._apply(w, self._bias, new, label)

    def _regroup(self, groups: int) -> Array:
        c_in, n, old = self._c_in, self.n_filters, self._settings.groups
        if c_in % groups or n % groups:
            raise ValueError(
                f"groups ({groups}) must divide both the input channels ({c_in}) and the "
                f"number of filters ({n})"
            )
        kh, kw = self.filter_size
        w = np.zeros((kh, kw, c_in // groups, n))
        old_reads = group_channels(c_in, n, old)
        new_reads = group_channels(c_in, n, groups)
        for o in range(n):
            for j, c in enumerate(new_reads[o]):
                if c in old_reads[o]:
                    w[:, :, j, o] = self._weights[:, :, old_reads[o].index(c), o]
        return w

    def apply_preset(self, name: str, *, seed: int = 0) -> bool:
        """Load a bank preset (see :data:`convgui.core.banks.BANK_PRESETS`), one undo step.

        ``"random"`` keeps the filter count and size (rounded to a multiple of the groups).
        """
        if name not in BANK_PRESETS:
            raise ValueError(f"unknown bank preset {name!r}; choose one of {BANK_PRESETS}")
        s = self._settings
        if name == "random":
            g = s.groups
            bank = bank_preset(
                name, self._c_in, size=self.filter_size, filters=self.n_filters, groups=g,
                seed=seed,
            )
        else:
            bank = bank_preset(name, self._c_in)
        settings = s.evolve(groups=bank.groups)
        if bank.groups != 1 and s.layer_type == "transposed":
            settings = settings.evolve(layer_type="conv", output_padding=None)
        label = f"Preset {name}"
        return self._apply(bank.weights.astype(np.float64), bank.bias, settings, label)

    def undo(self) -> bool:
        """Revert the last bank or settings change."""
        snap = self._history.undo(self._snapshot(self._history.undo_label))
        if snap is None:
            return False
        self._restore(snap)
        self.history_changed.emit()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change."""
        snap = self._history.redo(self._snapshot(self._history.redo_label))
        if snap is None:
            return False
        self._restore(snap)
        self.history_changed.emit()
        return True

    # --- files -----------------------------------------------------------------------------

    def bank_file_bytes(self, suffix: str) -> bytes:
        """The bank as a file of type ``suffix`` (``.npz``, ``.npy`` or ``.json``)."""
        kernel = self.keras_kernel
        if suffix == ".npz":
            buf = io.BytesIO()
            np.savez(buf, kernel=kernel, bias=np.array(self._bias))
            return buf.getvalue()
        if suffix == ".npy":
            buf = io.BytesIO()
            np.save(buf, kernel, allow_pickle=False)
            return buf.getvalue()
        if suffix == ".json":
            data = {
                "convgui_layer": 1,
                "layout": "Conv2DTranspose" if self._settings.layer_type == "transposed"
                else "Conv2D",
                "kernel": kernel.tolist(),
                "bias": [float(v) for v in self._bias],
                "settings": self._settings.to_dict(),
            }
            return json.dumps(data, indent=1).encode("utf-8")
        raise ValueError(
            f"a filter bank is saved as {', '.join(BANK_SUFFIXES)}, not “{suffix or 'no suffix'}”"
        )

    def save_bank(
        self, path: PathLike, *, protected: Iterable[PathLike | None] = (), confirmed: bool = False
    ) -> Path:
        """Save the bank atomically, read back before it replaces a file.

        ``.npz``: ``kernel`` and ``bias``; ``.npy``: the kernel only; ``.json``: weights, bias
        and the layer settings.

        Raises
        ------
        ValueError
            An unknown suffix.
        convgui.safeio.NeedsConfirmationError
            The file exists and was not written by convgui in this session (ask, then pass
            ``confirmed=True``), or is protected.
        convgui.safeio.SaveError
            The file could not be written (the message says why); nothing was replaced.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        data = self.bank_file_bytes(suffix)
        want_kernel, want_bias = self.keras_kernel, np.array(self._bias)

        def verify(tmp: Path) -> None:
            got = parse_bank_bytes(tmp.read_bytes(), suffix, tmp.name)
            if not np.array_equal(got[0], want_kernel) or (
                got[1] is not None and not np.array_equal(got[1], want_bias)
            ):
                raise ValueError("the values read back differ from the values written")

        return atomic_write(p, data, verify=verify, protected=protected, confirmed=confirmed)

    def load_bank(self, path: PathLike) -> bool:
        """Load a bank file (one undoable step); on any problem nothing changes.

        ``.npz`` (``kernel``, optional ``bias``) and ``.npy`` hold the Keras layout of the
        current layer type; a kernel that reads fewer channels than the input is loaded with
        the groups that fit (``C_in / channels``). ``.json`` holds its own settings.

        Raises
        ------
        ValueError
            Unreadable, the wrong kind of file, or a bank that does not fit the input; the
            message says what was wrong and what to do.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in BANK_SUFFIXES:
            raise ValueError(
                f"“{shown_name(p)}” is not a filter bank file: open a .npz, .npy or .json file"
            )
        try:
            raw = read_bytes_bounded(p, max_bytes=MAX_BANK_BYTES, what="a filter bank file")
        except LoadError as exc:
            raise ValueError(str(exc)) from None
        kernel, bias, settings = parse_bank_bytes(raw, suffix, shown_name(p))
        s = settings if settings is not None else self._settings
        if kernel.ndim != 4:
            raise ValueError(
                f"“{shown_name(p)}” holds a kernel of shape {kernel.shape}; a filter bank has 4 "
                "axes (kh, kw, channels in, filters), the Keras layout"
            )
        if s.layer_type == "transposed":
            if kernel.shape[3] != self._c_in:
                raise ValueError(
                    f"“{shown_name(p)}” holds a Conv2DTranspose kernel {kernel.shape} for "
                    f"{kernel.shape[3]} input channel(s), but the image has {self._c_in}; "
                    "switch the image's colour setting or the layer type"
                )
            w = kernel.transpose(0, 1, 3, 2)
        else:
            w = kernel
            cg = int(kernel.shape[2])
            if settings is None and cg and self._c_in % cg == 0 and cg != self._c_in:
                groups = self._c_in // cg
                if kernel.shape[3] % groups == 0:
                    s = s.evolve(groups=groups)
            elif settings is None and cg == self._c_in and s.groups != 1:
                s = s.evolve(groups=1)
        try:
            return self.set_bank(w, bias, settings=s, label=f"Open bank {shown_name(p)}")
        except ValueError as exc:
            raise ValueError(
                f"“{shown_name(p)}” cannot be used with this image: {exc}. The current bank "
                "is kept."
            ) from None

    # --- recompute -----------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._closed:
            return
        self._generation += 1
        if not self._active:
            self._dirty = True
            return
        img = self._image
        if img is None:
            if self._result is not None or self._error is not None:
                self._result, self._error = None, None
                self.result_changed.emit()
            return
        try:
            h, w = output_hw(img.shape, self.filter_size, self._settings)
            if h < 1 or w < 1:
                raise ValueError(f"the output would be {h}×{w}")
            why = size_problem(img.shape, self._weights.shape, self._settings) or (
                magnitude_problem(self._input_max, self._weights, self._bias, self._settings)
            )
            if why is not None:
                raise ValueError(why)
        except ValueError as exc:
            self._error = str(exc)
            self._pending = None
            self._result = None
            self.result_changed.emit()
            return
        self._error = None
        job = _Job(
            self._generation,
            self._image_version,
            img,
            self._weights,
            self._bias,
            self._settings,
            self._result,
        )
        kh, kw, cg, _ = self._weights.shape
        work = h * w * kh * kw * cg * max(1, len(job.stale_filters()))
        if work <= self._sync_limit and not self._running:
            self._finish(job, SyncExecutor().submit(job.run))
            return
        if self._running:
            self._pending = job  # replaces an older waiting request: latest wins
            return
        self._start(job)

    def _start(self, job: _Job) -> None:
        self._running = True
        self.busy_changed.emit(True)
        fut = self._executor.submit(job.run)
        bridge = self._bridge

        def done(f: Future[LayerResult]) -> None:  # on the worker thread
            bridge.done.emit(job, f)  # queued to the GUI thread

        fut.add_done_callback(done)

    def _on_job_done(self, job: _Job, fut: Future[LayerResult]) -> None:
        self._running = False
        pending, self._pending = self._pending, None
        if pending is not None and not self._closed:
            if fut.exception() is None:  # what it computed may still serve the newer request
                pending = replace(pending, previous=fut.result())
            self._start(pending)
        else:
            self.busy_changed.emit(False)
        self._finish(job, fut)

    def _finish(self, job: _Job, fut: Future[LayerResult]) -> None:
        if self._closed or job.generation != self._generation:
            return  # a newer request exists
        exc = fut.exception()
        if exc is not None:
            self._error = f"{type(exc).__name__}: {exc}"
            self.message.emit(
                "error",
                f"The layer could not be computed ({self._error}). The previous maps are kept; "
                "undo the last change or change the settings.",
            )
            return
        self._result = fut.result()
        self.result_changed.emit()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no background work runs (processes Qt events). For tests and tools."""
        return wait_until(lambda: not self._running and self._pending is None, timeout)

    def close(self) -> None:
        """Stop accepting work and shut the worker down (waits for a running job).

        Closing again does nothing (a window may be closed twice: by the user, then by Qt).
        """
        if self._closed:
            return
        self._closed = True
        self._pending = None
        with contextlib.suppress(RuntimeError, TypeError):
            self._explorer.image_changed.disconnect(self._on_explorer_image)
        if self._owns_executor and isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=True, cancel_futures=True)


def parse_bank_bytes(
    raw: bytes, suffix: str, name: str
) -> tuple[Array, Array | None, LayerSettings | None]:
    """``(kernel, bias or None, settings or None)`` from a bank file's bytes.

    NumPy files are read with their headers checked first (see
    :func:`convgui.core.banks.read_npz`): a header or a zip member claiming more than a bank
    holds is refused before anything is allocated; pickles are never loaded.

    Raises
    ------
    ValueError
        The bytes are not such a file, are damaged, or hold something else than numbers; the
        message names the file ``name`` and says what to do.
    """

    def numbers(a: Any, what: str) -> Array:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError):
            raise ValueError(f"“{name}”: the {what} is not a regular grid of numbers") from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise ValueError(f"“{name}”: the {what} must hold numbers, got {arr.dtype}")
        if arr.size > MAX_BANK_VALUES:
            raise ValueError(
                f"“{name}”: the {what} holds {arr.size:,} values, more than a bank holds "
                f"({MAX_BANK_VALUES:,})"
            )
        out = arr.astype(np.float64)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"“{name}”: every value of the {what} must be a finite number")
        if np.any(np.abs(out) > FLOAT32_MAX):
            raise ValueError(
                f"“{name}”: the {what} holds values beyond ±{FLOAT32_MAX:.3g}, too large to "
                "compute (the layer computes in float32). Use smaller kernel values."
            )
        return out

    if suffix == ".json":
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except RecursionError:
            raise ValueError(
                f"“{name}” is not a JSON filter bank: it is nested too deeply (a bank is lists "
                "of numbers 4 deep); save a bank with File ▸ Save Filter Bank"
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"“{name}” is not a JSON filter bank ({exc})") from None
        if not isinstance(data, dict) or "kernel" not in data:
            raise ValueError(
                f"“{name}” is not a convgui filter bank: a JSON object with “kernel”, “bias” "
                "and “settings” is expected (save one with File ▸ Save Filter Bank)"
            )
        kernel = numbers(data["kernel"], "kernel")
        bias = None if data.get("bias") is None else numbers(data["bias"], "bias")
        settings = None
        if data.get("settings") is not None:
            try:
                settings = LayerSettings.from_dict(data["settings"])
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"“{name}”: the layer settings cannot be used: {exc}") from None
        return kernel, bias, settings
    hint = "Open another file, or save the bank again from where it came."
    if raw[:4] == b"PK\x03\x04" or (suffix == ".npz" and raw[:2] == b"PK"):
        try:
            arrays, members = read_npz(raw)
        except ValueError as exc:
            raise ValueError(
                f"“{name}” is not a NumPy .npz file, or it is damaged: {exc}. {hint}"
            ) from None
        if "kernel" not in arrays:
            raise ValueError(
                f"“{name}” has no “kernel” array (it holds {', '.join(members) or 'none'})"
                "; save the Keras weights as np.savez(path, kernel=..., bias=...)"
            )
        kernel = numbers(arrays["kernel"], "kernel")
        bias = numbers(arrays["bias"], "bias") if "bias" in arrays else None
        return kernel, bias, None
    try:
        arr = read_npy(raw)
    except ValueError as exc:
        raise ValueError(
            f"“{name}” is not a NumPy {suffix} file, or it is damaged: {exc}. {hint}"
        ) from None
    if suffix == ".npz":
        raise ValueError(f"“{name}” holds one array, not an .npz archive; name it .npy")
    return numbers(arr, "kernel"), None, None


def _refuse_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number")


def describe_reads(reads: list[tuple[int, ...]], names: tuple[str, ...]) -> list[str]:
    """For each filter, the names of the channels it reads: ``["R", "G", "B"]`` → ``"R+G+B"``.

    Examples
    --------
    >>> describe_reads([(0,), (1, 2)], ("R", "G", "B"))
    ['R', 'G+B']
    """
    return ["+".join(names[c] if c < len(names) else str(c) for c in r) for r in reads]


def short_reads_text(reads: Sequence[int], names: Sequence[str], *, most: int = 4) -> str:
    """The channels a filter reads in a few words: ``"R+G+B"``, or the first and last of many.

    Parameters
    ----------
    reads : sequence of int
        The input channels the filter reads, in order.
    names : sequence of str
        The input channels' names (a channel beyond them is written as its number).
    most : int, optional
        Up to this many channels are all named, joined by ``+``.

    Returns
    -------
    str
        ``"R+G+B"``, or ``"ch1 … ch64 (64 channels)"`` for more than ``most`` channels.

    Examples
    --------
    >>> short_reads_text((0, 2), ("R", "G", "B"))
    'R+B'
    >>> short_reads_text(range(16), tuple(f"ch{c + 1}" for c in range(16)))
    'ch1 … ch16 (16 channels)'
    """
    chosen = list(reads)
    if len(chosen) <= most:
        return describe_reads([tuple(chosen)], tuple(names))[0]

    def name(c: int) -> str:
        return names[c] if c < len(names) else str(c)

    return f"{name(chosen[0])} … {name(chosen[-1])} ({len(chosen)} channels)"


def network_bank(
    spec: LayerSpec, weights: Mapping[str, Any], in_shape: Sequence[int]
) -> tuple[Array, Array, LayerSettings]:
    """A network's convolution layer as this mode's bank and settings.

    Parameters
    ----------
    spec : convgui.core.network.LayerSpec
        A ``conv2d`` or ``conv2d_transpose`` layer.
    weights : mapping
        Its weights in the Keras layouts (``"kernel"``, and ``"bias"`` unless it has none).
    in_shape : sequence of int
        The layer's input shape ``(H, W, C)``.

    Returns
    -------
    weights, bias : ndarray
        float64, the ``Conv2D`` layout ``(kh, kw, C_in // groups, C_out)`` (a transposed
        kernel ``(kh, kw, C_out, C_in)`` is transposed, as bank files are read) and ``(C_out,)``.
    settings : LayerSettings
        Its stride, padding (symmetric amounts as ``(rows, cols)``), dilation, groups, output
        padding; no activation (a network applies it in its own layer).

    Raises
    ------
    ValueError
        A layer this mode cannot show, saying why: another type, more than 64 filters or
        input channels, a kernel beyond 15×15, a setting outside the mode's controls
        (:data:`SETTING_LIMITS`) or padding that differs between two sides.

    Examples
    --------
    >>> from convgui.core.network import LayerSpec
    >>> spec = LayerSpec("conv2d", "conv2", filters=4, strides=2, padding="full")
    >>> w, b, s = network_bank(spec, {"kernel": np.ones((3, 3, 2, 4))}, (9, 9, 2))
    >>> w.shape, b.tolist(), s.stride, s.padding
    ((3, 3, 2, 4), [0.0, 0.0, 0.0, 0.0], (2, 2), (2, 2))
    """
    who = spec.name or spec.type
    if spec.type not in ("conv2d", "conv2d_transpose"):
        raise ValueError(
            f"{who} is a {spec.keras_class} layer; the layer mode shows convolution layers "
            "(Conv2D, Conv2DTranspose)"
        )
    h, w_, c_in = (int(v) for v in in_shape)
    if c_in > MAX_BANK_CHANNELS:
        raise ValueError(
            f"{who} reads {c_in} channels; the layer mode shows at most {MAX_BANK_CHANNELS}"
        )
    if spec.filters > MAX_FILTERS:
        raise ValueError(
            f"{who} has {spec.filters} filters; the layer mode shows at most {MAX_FILTERS}"
        )
    kh, kw = spec.kernel_size
    if max(kh, kw) > MAX_KERNEL_SIDE:
        raise ValueError(
            f"{who}'s kernels are {kh}×{kw}; the layer mode shows kernels up to "
            f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}"
        )
    kernel = np.asarray(weights["kernel"], dtype=np.float64)
    n = spec.filters
    raw_bias = weights.get("bias")
    bias = np.zeros(n) if raw_bias is None else np.asarray(raw_bias, dtype=np.float64)
    transposed = spec.type == "conv2d_transpose"
    padding: PaddingValue
    if isinstance(spec.padding, str) and (spec.padding in LAYER_PADDINGS or transposed):
        padding = spec.padding
    elif transposed:
        padding = (int(spec.padding[0]), int(spec.padding[1]))
    else:
        top, bottom, left, right = resolve_padding(
            (h, w_), (kh, kw), spec.padding, stride=spec.strides, dilation=spec.dilation_rate
        )
        if top != bottom or left != right:
            raise ValueError(
                f"{who} pads {top}, {bottom}, {left}, {right} cells (top, bottom, left, right); "
                "the layer mode pads both sides of an axis alike"
            )
        padding = (int(top), int(left))
    try:
        settings = LayerSettings(
            layer_type="transposed" if transposed else "conv",
            padding=padding,
            stride=spec.strides,
            dilation=spec.dilation_rate,
            groups=1 if transposed else spec.groups,
            output_padding=spec.output_padding if transposed else None,
        )
    except ValueError as exc:
        raise ValueError(f"{who} cannot be shown in the layer mode: {exc}") from None
    w = np.ascontiguousarray(kernel.transpose(0, 1, 3, 2)) if transposed else kernel
    want = (kh, kw, c_in // settings.groups, n)
    if w.shape != want or bias.shape != (n,):
        raise ValueError(
            f"{who}'s weights have shape {kernel.shape} (bias {bias.shape}); for its input "
            f"{h}×{w_}×{c_in} they must be {weights_layout(spec, c_in)}"
        )
    return w, bias, settings


def weights_layout(spec: LayerSpec, c_in: int) -> str:
    """The Keras kernel shape of a convolution layer reading ``c_in`` channels, as text."""
    kh, kw = spec.kernel_size
    if spec.type == "conv2d_transpose":
        return f"({kh}, {kw}, {spec.filters}, {c_in})"
    return f"({kh}, {kw}, {c_in // spec.groups}, {spec.filters})"


__all__ = [
    "BANK_SUFFIXES",
    "INPUT_MODES",
    "LAYER_PADDINGS",
    "LAYER_TYPES",
    "SETTING_LIMITS",
    "ExternalInput",
    "FeatureMap",
    "LayerResult",
    "LayerSettings",
    "LayerState",
    "describe_reads",
    "external_input",
    "filter_maps",
    "magnitude_problem",
    "map_levels",
    "network_bank",
    "output_hw",
    "parse_bank_bytes",
    "size_problem",
]
