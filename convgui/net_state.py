"""The one object that holds the truth of the network mode: :class:`NetState`.

Widgets write user intent here and redraw from its signals. A refused change (a layer setting
that breaks the shapes downstream, a weight that is not a number...) emits
``message("error", "<what was wrong>. <what to do>")``, returns False and changes nothing.

What it holds
-------------
- :attr:`NetState.network`: an immutable :class:`convgui.net.Network`; every edit makes a new
  one. :attr:`NetState.trained` is what "Reset to Trained Weights" restores (the network as
  opened; None for one made here).
- :attr:`NetState.input`: what layer 0 reads, ``(H, W, C)`` float32 in 0–1: a shipped digit or
  a drawn one (``input_source == "digit"``; a 28×28 digit is repeated over the channels of a
  network that reads more than one), or the explorer's image (``"image"``: grey BT.601 for a
  1-channel network, R, G, B for a 3-channel one, each channel the grey image otherwise). The
  network is rebuilt for the input's size: convolution weights are kept, a layer whose weight
  shapes change (a dense layer after a flatten) gets the weights it last had at that size (or
  the trained ones), otherwise new random ones, and an info message says which.
- :attr:`NetState.outputs` (every layer's output), :attr:`NetState.probabilities` (when the
  network ends in a vector) and :attr:`NetState.error`.

Recompute
---------
Results are tagged with a generation number. Small work (fewer than :data:`NET_SYNC_WORK_LIMIT`
multiply-adds: the digits network needs about 0.2 M) runs at once on the calling thread, so a
pen stroke or a weight edit is painted in the same event-loop turn; larger work (a user-built
network on a large photo) runs on one worker thread, the newest request waiting ("latest
wins") and a result published only if it is still the newest. Only what changed is
recomputed: the outputs are compared with the network they came from, and the forward pass
restarts at the first layer whose settings or weights differ (a weight edit in layer ``i``
recomputes from ``i``); a new input recomputes everything; a selection or a receptive-field
unit computes nothing.

A small edit is computed before it is accepted: one whose outputs would overflow float32 is
refused with a message.

Extras beyond the shared plan
-----------------------------
- ``NetState(explorer, parent=None, *, executor=None, sync_work_limit=NET_SYNC_WORK_LIMIT)``.
- :attr:`NetState.busy`, :attr:`NetState.input_version`, :attr:`NetState.samples` (the shipped
  digits and labels, read once).
- :meth:`NetState.filter_count` and :meth:`NetState.channel_count`: what the filter and
  channel pickers offer for a layer (output channels; a kernel's input channels).
- :meth:`NetState.layer_input`: the map a layer reads (for "Animate This Layer").
- Each layer remembers (by name) the filter and channel it was last shown with, and gets them
  back when it is selected again (:meth:`NetState.select` without them, or by an edit).
- :meth:`NetState.set_bias`, :meth:`NetState.set_active` / :attr:`NetState.active`
  (compute only while the mode is shown).
- Until :meth:`NetState.open_digits` (or another network) is opened, the state holds
  :meth:`NetState.new_network`'s default stack on a blank 28×28 digit: the shipped files are
  read only when asked for. Opening the digits network when it is already open (untouched) is
  no second undo step: only the input goes back to digit 0.
- ``add_layer(kind, at=None)`` appends at the end; the new layer is selected and named
  ``kind``, ``kind_1``... never a name the network had (so it never inherits weights).
- Structure edits keep every layer's weights whose shapes still fit (a convolution keeps its
  kernels whatever its padding, stride or position); a layer whose kernel shape changes gets
  new random weights, said in an info message. ``structure_changed`` is also emitted when the
  input size changes (every output shape does).
- While a background recompute runs, outputs whose shapes no longer fit the network are
  dropped (None, with ``outputs_changed``) so views never draw old maps against new shapes.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from types import EllipsisType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QObject, Signal

from .core import network as netcore
from .core.banks import FLOAT32_MAX
from .core.convolve import lower_thread_priority
from .core.imageops import to_grayscale
from .core.kernels import parse_cell
from .core.layer import MAX_LAYER_VALUES
from .core.network import (
    LAYER_TYPES,
    MAX_WEIGHTS,
    LayerSpec,
    ReceptiveField,
    Shape,
    check_input_shape,
    default_names,
    init_weights,
    output_shapes,
    param_count,
    pool_layer,
    receptive_field,
    run_layer,
    softmax,
    weight_shapes,
)
from .history import HasHistory, UndoHistory
from .net import Network, NetworkFileError, digit_samples
from .state import ExplorerState, SyncExecutor, WorkerBridge, wait_until

Array = NDArray[Any]
PathLike = str | Path

#: Recomputes with fewer multiply-adds than this run at once on the calling thread (the digits
#: network's whole forward pass is about 0.2 M, 0.4 ms); larger ones go to the worker.
NET_SYNC_WORK_LIMIT = 20_000_000
HISTORY_LIMIT = 200
#: The undo history keeps at most this many bytes of weights (every step holds a whole network:
#: a large dense layer on a photo can weigh tens of MB); the oldest steps go first.
HISTORY_BYTES = 256 * 2**20
INPUT_SOURCES: tuple[str, ...] = ("digit", "image")
#: The side of a digit (MNIST): what the digit canvas and the shipped samples give.
DIGIT_SIDE = 28
#: How many networks rebuilt for other input sizes are remembered (their weights come back
#: when the input returns to that size).
SHAPE_MEMORY = 4

#: The most values every layer's output may hold together (the forward pass keeps them all:
#: about 400 MB of float32); as many as one layer may hold.
MAX_NETWORK_VALUES = MAX_LAYER_VALUES
#: The most multiply-adds one forward pass may take (a few seconds of the engine's threads): a
#: larger network would keep the worker, and closing the window, busy for minutes.
MAX_NETWORK_WORK = 50_000_000_000

#: Settings a new layer of each kind starts with.
NEW_LAYERS: dict[str, LayerSpec] = {
    "conv2d": LayerSpec("conv2d", filters=8, kernel_size=(3, 3), padding="same"),
    "conv2d_transpose": LayerSpec(
        "conv2d_transpose", filters=8, kernel_size=(3, 3), strides=(2, 2), padding="same"
    ),
    "activation": LayerSpec("activation", activation="relu"),
    "max_pool": pool_layer("max_pool", 2),
    "avg_pool": pool_layer("avg_pool", 2),
    "flatten": LayerSpec("flatten"),
    "dense": LayerSpec("dense", units=10),
    "softmax": LayerSpec("softmax"),
}


def default_stack() -> list[LayerSpec]:
    """The layers of :meth:`NetState.new_network`: conv 8 3×3 same → ReLU → max pool 2."""
    return [NEW_LAYERS["conv2d"], NEW_LAYERS["activation"], NEW_LAYERS["max_pool"]]


# ---------------------------------------------------------------------------------------------
# Helpers (no Qt)
# ---------------------------------------------------------------------------------------------


def live_filter(net: Network, x: Array) -> int:
    """The first layer's filter with the largest total ReLU response to the input ``x``.

    Used to select a filter that responds to the shown digit when a network opens (filter 0
    of the shipped digits network's conv1 is dead: its ReLU output is 0 on every shipped
    digit, so an edit there changes nothing). The response of a filter is the sum of
    ``max(0, conv1(x))`` over its map, computed on the shown sample only. 0 when the first
    layer is no convolution or cannot run.
    """
    if not net.layers or net.layers[0].type not in ("conv2d", "conv2d_transpose"):
        return 0
    try:
        out = run_layer(net.layers[0], net.weights[0], np.asarray(x, dtype=np.float32))
    except (ValueError, MemoryError):
        return 0
    response = np.maximum(np.asarray(out, dtype=np.float64), 0.0).sum(axis=(0, 1))
    return int(np.argmax(response)) if response.size else 0


def _readonly(a: Array) -> Array:
    if a.flags.writeable:
        a.setflags(write=False)
    return a


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:18]}…{text[-8:]} ({len(text)} characters)"


def _same_array(a: Array, b: Array) -> bool:
    return a is b or (a.shape == b.shape and bool(np.array_equal(a, b)))


def _same_weights(a: Mapping[str, Array], b: Mapping[str, Array]) -> bool:
    return set(a) == set(b) and all(_same_array(a[k], b[k]) for k in a)


def first_change(old: Network, new: Network) -> int:
    """The first layer of ``new`` whose output may differ from ``old``'s for the same input.

    0 when the input shapes differ; ``min(len)`` when one network extends the other.
    """
    if old.input_shape != new.input_shape:
        return 0
    ow, nw = old.weights, new.weights
    for i, (a, b) in enumerate(zip(old.layers, new.layers)):
        if a != b or not _same_weights(ow[i], nw[i]):
            return i
    return min(len(old.layers), len(new.layers))


def layer_work(spec: LayerSpec, in_shape: Shape, out_shape: Shape) -> int:
    """Multiply-adds (or element operations) of one layer's forward pass."""
    out_n = math.prod(out_shape)
    if spec.type == "conv2d":
        kh, kw = spec.kernel_size
        return out_n * kh * kw * (int(in_shape[-1]) // spec.groups)
    if spec.type == "conv2d_transpose":
        kh, kw = spec.kernel_size
        return math.prod(in_shape) * kh * kw * spec.filters
    if spec.type in ("max_pool", "avg_pool"):
        kh, kw = spec.kernel_size
        return out_n * kh * kw
    if spec.type == "dense":
        return int(in_shape[0]) * spec.units
    return out_n


def network_work(net: Network, start: int = 0) -> int:
    """Multiply-adds of the forward pass from layer ``start`` on."""
    shapes = net.output_shapes
    total = 0
    for i in range(start, len(net.layers)):
        total += layer_work(net.layers[i], net.input_shape_of(i), shapes[i])
    return total


def check_cost(specs: Sequence[LayerSpec], shape: Shape, shapes: Sequence[Shape]) -> None:
    """Refuse a network whose outputs or forward pass are too large to compute here.

    Parameters
    ----------
    specs : sequence of LayerSpec
        The layers.
    shape : tuple of int
        The input shape ``(H, W, C)``.
    shapes : sequence of tuple of int
        Every layer's output shape (:func:`convgui.core.network.output_shapes`).

    Raises
    ------
    ValueError
        When all the outputs together would hold more than :data:`MAX_NETWORK_VALUES` values,
        or the forward pass would take more than :data:`MAX_NETWORK_WORK` multiply-adds; the
        message quotes both numbers and says what to change.
    """
    values = sum(math.prod(s) for s in shapes)
    if values > MAX_NETWORK_VALUES:
        raise ValueError(
            f"the layers' outputs would hold {values:,} values in all, more than "
            f"{MAX_NETWORK_VALUES:,} (about {MAX_NETWORK_VALUES * 4 // 2**20:,} MB); use fewer "
            "filters or layers, a larger stride, a pooling layer or a smaller input"
        )
    ins = [shape, *shapes[:-1]]
    work = sum(layer_work(s, i, o) for s, i, o in zip(specs, ins, shapes))
    if work > MAX_NETWORK_WORK:
        raise ValueError(
            f"the forward pass would take {work:,} multiply-adds, more than "
            f"{MAX_NETWORK_WORK:,}; use fewer filters, smaller kernels, a larger stride, a "
            "pooling layer or a smaller input"
        )


def _weights_for(
    specs: Sequence[LayerSpec], shape: Shape
) -> tuple[list[Shape], list[dict[str, Shape]]]:
    """Output shapes and weight shapes of ``specs`` on an input of ``shape`` (checked)."""
    shapes = output_shapes(specs, shape)
    check_cost(specs, shape, shapes)
    ins = [shape, *shapes[:-1]]
    total = sum(param_count(s, sh) for s, sh in zip(specs, ins))
    if total > MAX_WEIGHTS:
        raise ValueError(
            f"the network would have {total:,} weights for this input, more than "
            f"{MAX_WEIGHTS:,}; use fewer filters or units, a pooling layer or a smaller input"
        )
    return shapes, [weight_shapes(s, sh) for s, sh in zip(specs, ins)]


def rebuild(
    specs: Sequence[LayerSpec],
    shape: Sequence[int],
    *,
    donors: Sequence[Network] = (),
    aliases: Mapping[str, str] | None = None,
    name: str = "",
    meta: Mapping[str, float] | None = None,
    seed: int = 0,
) -> tuple[Network, list[str]]:
    """A network of ``specs`` on inputs of ``shape``, weights taken from ``donors`` where they fit.

    Each weight array (kernel, bias) of a layer is taken from the first donor holding a layer
    of the same name (or of the name ``aliases`` gives for it: a renamed layer's old name)
    with an array of that shape (so a convolution keeps its kernels whatever its padding or
    the input size); otherwise it is new (He-normal kernels seeded by ``seed``, zero biases).
    The names of layers that got a new kernel are returned.

    Raises
    ------
    ValueError
        When the layers cannot read ``shape`` (a kernel larger than its input, a map layer
        after a flatten, an output too large), would hold more than
        :data:`convgui.core.network.MAX_WEIGHTS` weights, or cost too much (see
        :func:`check_cost`); the message names the layer or the limit.
    """
    in_shape = check_input_shape(shape)
    named = default_names(list(specs))
    shapes, wanted = _weights_for(named, in_shape)
    ins = [in_shape, *shapes[:-1]]
    rng = np.random.default_rng(seed)
    pools = [{s.name: w for s, w in zip(d.layers, d.weights)} for d in donors]
    alias = dict(aliases or {})
    weights: list[dict[str, Array]] = []
    renewed: list[str] = []
    for s, sh, want in zip(named, ins, wanted):
        got: dict[str, Array] = {}
        for key, wshape in want.items():
            for pool in pools:
                arr = pool.get(alias.get(s.name, s.name), {}).get(key)
                if arr is not None and arr.shape == wshape:
                    got[key] = arr
                    break
        if len(got) < len(want):
            fresh = init_weights(s, sh, rng)
            if "kernel" not in got and "kernel" in want:
                renewed.append(s.name)
            got = {k: got.get(k, fresh[k]) for k in want}
        weights.append(got)
    return Network(named, weights, in_shape, name=name, meta=meta), renewed


def for_input_shape(
    net: Network,
    shape: Sequence[int],
    *,
    donors: Sequence[Network] = (),
    seed: int = 0,
) -> tuple[Network, list[str]]:
    """``net`` rebuilt for inputs of ``shape``, and the names of layers given new kernels.

    Every layer keeps its weights when their shapes still fit (convolutions do whatever the
    input size); a layer whose shapes change (a dense layer after a flatten) takes the weights
    of the layer of the same name in one of ``donors`` (when their shapes fit), or new
    He-normal ones (seeded by ``seed``). See :func:`rebuild`.

    Raises
    ------
    ValueError
        When the layers cannot read ``shape`` (see :func:`rebuild`).
    """
    new_shape = check_input_shape(shape)
    if new_shape == net.input_shape:
        return net, []
    out, renewed = rebuild(net.layers, new_shape, donors=[net, *donors], name=net.name, seed=seed)
    if not renewed:
        out = Network(out.layers, out.weights, new_shape, name=net.name, meta=net.meta)
    return out, renewed


def number(value: Any) -> float:
    """A weight typed as text (``"1/9"``, ``"-0.5"``, as the kernel table reads) or a number.

    Raises
    ------
    ValueError
        Text that is not a number, a value that is not finite or beyond float32's range; the
        message says what was wrong and what to type.
    """
    if isinstance(value, str):
        v = parse_cell(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{_quoted(value)} is not a number. Type a number such as 0.5 or 1/9")
    else:
        try:
            v = float(value)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            raise ValueError(
                f"{_quoted(value)} is not a finite number. Type a number such as 0.5 or 1/9"
            )
    if abs(v) > FLOAT32_MAX:
        raise ValueError(
            f"{_quoted(value)} is too large: the network computes in float32 (at most "
            f"±{FLOAT32_MAX:.3g}). Type a smaller value"
        )
    return v


def settings_of(kind: str) -> set[str]:
    """The :class:`LayerSpec` fields a layer of type ``kind`` reads (``type`` and ``name`` too).

    Examples
    --------
    >>> sorted(settings_of("dense"))
    ['name', 'type', 'units', 'use_bias']
    """
    keys = LayerSpec(kind).to_dict()
    return {"kernel_size" if k == "pool_size" else k for k in keys} | (
        {"output_padding"} if kind == "conv2d_transpose" else set()
    )


def _is_index(value: Any) -> bool:
    """Whether ``value`` is a whole number usable as an index (not a bool, not a float)."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and no final full stop (for joining)."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def _size_text(shape: Sequence[int]) -> str:
    return f"{shape[1]}×{shape[0]}" if len(shape) >= 2 else f"{shape[0]}"


# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Computed:
    """Outputs and what they were computed from."""

    network: Network
    input_version: int
    outputs: list[Array]


@dataclass(frozen=True)
class _Job:
    generation: int
    network: Network
    input: Array
    input_version: int
    start: int
    previous: list[Array] | None

    def run(self) -> _Computed:
        net = self.network
        if self.start >= len(net.layers) and self.previous is not None:
            outs = list(self.previous[: len(net.layers)])
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked after
                outs = netcore.forward(
                    net.layers,
                    net.weights,
                    self.input,
                    net.input_shape,
                    start=self.start,
                    previous=self.previous if self.start > 0 else None,
                )
        return _Computed(net, self.input_version, [_readonly(np.asarray(o)) for o in outs])


@dataclass(frozen=True)
class _Snapshot:
    network: Network
    trained: Network | None
    path: Path | None
    label: str


def _non_finite_layer(outputs: Sequence[Array], net: Network) -> str | None:
    for spec, out in zip(net.layers, outputs):
        if not np.isfinite(out).all():
            return spec.name
    return None


# ---------------------------------------------------------------------------------------------
# The state
# ---------------------------------------------------------------------------------------------


class NetState(QObject, HasHistory):
    """The single source of truth of the network mode.

    Parameters
    ----------
    explorer : ExplorerState
        Whose image is the input when :attr:`input_source` is ``"image"``.
    executor : concurrent.futures.Executor, optional
        Where large recomputes run; a one-thread pool by default (a
        :class:`convgui.state.SyncExecutor` makes every recompute synchronous).
    sync_work_limit : int
        Recomputes with fewer multiply-adds run on the calling thread.
    parent : QObject, optional

    Signals
    -------
    network_changed()
        A new network (weights or structure); the outputs follow.
    structure_changed()
        Layers added, removed, moved or edited (``network_changed`` is emitted too).
    input_changed(), outputs_changed(), selection_changed(), unit_changed(),
    history_changed(), busy_changed(bool)
    message(str, str)
        ``(level, text)``: ``"info"``, ``"warning"`` or ``"error"``; a refused edit says why.
    """

    network_changed = Signal()
    structure_changed = Signal()
    input_changed = Signal()
    outputs_changed = Signal()
    selection_changed = Signal()
    unit_changed = Signal()
    history_changed = Signal()
    busy_changed = Signal(bool)
    message = Signal(str, str)

    def __init__(
        self,
        explorer: ExplorerState,
        parent: QObject | None = None,
        *,
        executor: Executor | None = None,
        sync_work_limit: int = NET_SYNC_WORK_LIMIT,
    ) -> None:
        super().__init__(parent)
        self._explorer = explorer
        self._executor: Executor = executor or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="convgui-net", initializer=lower_thread_priority
        )
        self._owns_executor = executor is None
        self._sync_limit = int(sync_work_limit)
        self._bridge = WorkerBridge()
        self._bridge.done.connect(self._on_job_done)
        self._source = "digit"
        self._sample: int | None = None
        #: The shipped digit last put on the canvas: a drawing undone back to it is that sample.
        self._shown_sample: int | None = None
        self._digit: Array = np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32)
        self._samples: tuple[NDArray[np.float32], NDArray[np.int64]] | None = None
        self._image_doc: object | None = None
        self._network = Network(default_stack(), None, (DIGIT_SIDE, DIGIT_SIDE, 1), name="new")
        self._trained: Network | None = None
        self._path: Path | None = None
        self._by_shape: dict[Shape, Network] = {}
        self._input: Array = self._digit_input(1)
        self._input_version = 0
        self._outputs: list[Array] | None = None
        self._probabilities: Array | None = None
        self._error: str | None = None
        self._basis: _Computed | None = None
        self._generation = 0
        self._running = False
        self._pending = False
        self._closed = False
        self._active = True
        self._dirty = False
        self._layer = 0
        self._filter = 0
        self._channel = 0
        #: The filter and channel last shown for each layer, by layer name (see :meth:`select`).
        self._shown: dict[str, tuple[int, int]] = {}
        self._unit: tuple[int, tuple[int, ...]] | None = None
        self._receptive: ReceptiveField | None = None
        self._history: UndoHistory[_Snapshot] = UndoHistory(
            HISTORY_LIMIT, size=self._history_bytes, max_size=HISTORY_BYTES
        )
        self._modified: tuple[Network, Network | None, bool] | None = None
        explorer.image_changed.connect(self._on_explorer_image)
        self._request()

    # --- reading ---------------------------------------------------------------------------

    @property
    def explorer(self) -> ExplorerState:
        """The explorer whose image is the ``"image"`` input."""
        return self._explorer

    @property
    def network(self) -> Network:
        """The network (immutable; every edit makes a new one)."""
        return self._network

    @property
    def trained(self) -> Network | None:
        """What "Reset to Trained Weights" restores: the network as opened (None if made here)."""
        return self._trained

    @property
    def path(self) -> Path | None:
        """The structure file last opened or saved (None for the digits network or a new one)."""
        return self._path

    @property
    def weights_modified(self) -> bool:
        """True when a weight differs from what :meth:`reset_weights` would restore."""
        cached = self._modified
        if cached is not None and cached[0] is self._network and cached[1] is self._trained:
            return cached[2]
        target = self._reset_target()
        modified = target is not None and first_change(self._network, target) < len(
            self._network.layers
        )
        self._modified = (self._network, self._trained, modified)
        return modified

    @property
    def input_source(self) -> str:
        """``"digit"`` (a shipped or drawn 28×28 digit) or ``"image"`` (the explorer's image)."""
        return self._source

    @property
    def sample_index(self) -> int | None:
        """Which shipped digit is the input (None when drawn, or when the image is)."""
        return self._sample if self._source == "digit" else None

    @property
    def input(self) -> Array:
        """What layer 0 reads: ``(H, W, C)`` float32 in 0–1, read-only."""
        return self._input

    @property
    def input_version(self) -> int:
        """Increases whenever the input changes."""
        return self._input_version

    @property
    def samples(self) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """The shipped digits ``(100, 28, 28)`` float32 0–1 and their labels (read once).

        Raises
        ------
        OSError, ValueError
            When the shipped file cannot be read.
        """
        if self._samples is None:
            images, labels = digit_samples()
            self._samples = (_readonly(images), _readonly(labels))
        return self._samples

    @property
    def outputs(self) -> list[Array] | None:
        """Every layer's output for the input (read-only float32), or None (see :attr:`error`)."""
        return self._outputs

    @property
    def probabilities(self) -> Array | None:
        """The class probabilities when the network ends in a vector, else None.

        A softmax is applied when the last layer is not one (as :meth:`Network.predict`).
        """
        return self._probabilities

    @property
    def error(self) -> str | None:
        """Why there are no (finite) outputs, or None."""
        return self._error

    @property
    def busy(self) -> bool:
        """True while a background recompute runs."""
        return self._running

    @property
    def selected_layer(self) -> int:
        """The selected layer (its maps shown large, its kernels in the table)."""
        return self._layer

    @property
    def selected_filter(self) -> int:
        """The selected filter of the selected layer (its output channel)."""
        return self._filter

    @property
    def selected_channel(self) -> int:
        """The selected input channel of the selected filter's kernel."""
        return self._channel

    @property
    def unit(self) -> tuple[int, tuple[int, ...]] | None:
        """``(layer, (row, col))`` or ``(layer, (index,))`` of the receptive-field unit."""
        return self._unit

    @property
    def receptive(self) -> ReceptiveField | None:
        """The receptive field of :attr:`unit` (None without a unit)."""
        return self._receptive

    def filter_count(self, layer: int) -> int:
        """How many filters layer ``layer`` has (its output channels; 1 for a vector layer)."""
        shape = self._network.output_shapes[self._layer_index(layer)]
        return int(shape[2]) if len(shape) == 3 else 1

    def channel_count(self, layer: int) -> int:
        """How many input channels each kernel of layer ``layer`` reads (1 without kernels)."""
        i = self._layer_index(layer)
        spec = self._network.layers[i]
        kernel = self._network.weights[i].get("kernel")
        if kernel is None or spec.type == "dense":
            return 1
        return int(kernel.shape[3] if spec.type == "conv2d_transpose" else kernel.shape[2])

    def kernel_of(self, layer: int, filter: int, channel: int) -> Array:
        """Filter ``filter``'s 2-D kernel on input channel ``channel`` of a convolution layer.

        A read-only ``kh × kw`` view of the Keras kernel (``conv2d``: ``[:, :, channel,
        filter]``; ``conv2d_transpose``: ``[:, :, filter, channel]``).

        Raises
        ------
        ValueError
            For a layer without a 2-D kernel, or a filter or channel out of range.
        """
        i = self._layer_index(layer)
        spec = self._network.layers[i]
        if spec.type not in ("conv2d", "conv2d_transpose"):
            raise ValueError(f"{spec.name} ({spec.type}) has no 2-D kernels")
        kernel = self._network.weights[i]["kernel"]
        f_axis, c_axis = (2, 3) if spec.type == "conv2d_transpose" else (3, 2)
        if not (_is_index(filter) and _is_index(channel)):
            raise ValueError(
                f"{spec.name}'s filters and channels are chosen by whole numbers, got filter "
                f"{_quoted(filter)}, channel {_quoted(channel)}"
            )
        f, c = int(filter), int(channel)
        if not 0 <= f < kernel.shape[f_axis] or not 0 <= c < kernel.shape[c_axis]:
            raise ValueError(
                f"{spec.name} has filters 0 to {kernel.shape[f_axis] - 1} and channels 0 to "
                f"{kernel.shape[c_axis] - 1}, got filter {filter!r}, channel {channel!r}"
            )
        view = kernel[:, :, c, f] if f_axis == 3 else kernel[:, :, f, c]
        return _readonly(view)

    def layer_input(self, layer: int) -> Array | None:
        """The map layer ``layer`` reads (the input for layer 0), or None without outputs."""
        i = self._layer_index(layer)
        if i == 0:
            return self._input
        return None if self._outputs is None else self._outputs[i - 1]

    def _layer_index(self, layer: int) -> int:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
            raise ValueError(f"a layer is chosen by its number, got {_quoted(layer)}")
        n = len(self._network.layers)
        if not 0 <= int(layer) < n:
            raise ValueError(f"layer {layer} is outside 0 to {n - 1}")
        return int(layer)

    # --- opening and saving ----------------------------------------------------------------

    def open_digits(self) -> None:
        """Open the shipped digits network and show shipped digit 0 (an undoable change).

        When it is already open with its trained weights, only the input goes back to digit 0.
        """
        try:
            net = Network.digits()
            images, _ = self.samples
        except (OSError, ValueError) as exc:
            self.message.emit(
                "error",
                f"The shipped digits network cannot be read ({exc}). Reinstall convgui; the "
                "current network is kept",
            )
            return
        if self._network is net and self._trained is net:
            self.set_sample(0)  # already open: no second undo step
            return
        self._history.push(
            _Snapshot(self._network, self._trained, self._path, "Open digits network")
        )
        self._source, self._sample = "digit", 0
        self._shown_sample = 0
        self._digit = _readonly(np.array(images[0], dtype=np.float32))
        x = self._digit_input(net.input_shape[2])
        self._install(net, net, None, input_=x)
        self._set_selection(0, live_filter(net, x), 0)
        self.history_changed.emit()

    def open_network(self, path: PathLike) -> bool:
        """Open a network (its ``.json`` and ``.npz``); a refused file keeps the current one.

        The network is rebuilt for the current input's size if it reads another (see
        :func:`for_input_shape`). Returns True when it was opened.
        """
        if not isinstance(path, (str, Path)) or not str(path).strip():
            self.message.emit(
                "error",
                f"{_quoted(path)} is not a file name. Choose a network's .json or .npz file; "
                "the current network is kept",
            )
            return False
        try:
            net = Network.load(path)
        except NetworkFileError as exc:
            self.message.emit("error", str(exc).rstrip(".") + ". The current network is kept")
            return False
        except (OSError, MemoryError) as exc:
            self.message.emit(
                "error",
                f"{Path(path).name} cannot be read ({exc}). The current network is kept",
            )
            return False
        try:
            fitted, renewed = for_input_shape(net, self._input.shape[:2] + net.input_shape[2:])
            check_cost(fitted.layers, fitted.input_shape, fitted.output_shapes)
        except ValueError as exc:
            self.message.emit(
                "error",
                f"{net.name or Path(path).stem} reads {_size_text(net.input_shape)} inputs and "
                f"cannot read the current {_size_text(self._input.shape)} input: "
                f"{exc}. Choose another input first; the current network is kept",
            )
            return False
        p = Path(path)
        stem = p.with_suffix("") if p.suffix.lower() in (".json", ".npz") else p
        label = f"Open {stem.name}"
        # A structure opened without its weights file got random weights: nothing to reset to.
        made = bool(getattr(net, "new_weights", False))
        trained = None if made else net
        if not self._commit(fitted, label, trained=trained, path=stem.with_suffix(".json")):
            return False
        if made:
            self.message.emit(
                "warning",
                f"No weights file {stem.name}.npz beside {stem.name}.json: the layers got new "
                "random weights (Reset to Trained Weights is off). Put the .npz beside the "
                ".json and open it again to get the trained weights",
            )
        self._say_renewed(renewed, fitted.input_shape)
        self._select_live_filter()
        return True

    def open_remembered(self, net: Network, *, trained: Network | None, path: Path | None) -> bool:
        """Make ``net`` (the network kept from the last run) the network (an undoable change).

        ``trained`` is what Reset to Trained Weights restores (the shipped digits network, the
        file it was opened from, or None) and ``path`` the file it came from. The network is
        rebuilt for the current input as :meth:`open_network` does; False with a message when
        it cannot read it.
        """
        try:
            fitted, renewed = for_input_shape(net, self._input.shape[:2] + net.input_shape[2:])
            check_cost(fitted.layers, fitted.input_shape, fitted.output_shapes)
        except ValueError as exc:
            self.message.emit(
                "warning",
                f"Your network from last time cannot read the current "
                f"{_size_text(self._input.shape)} input ({exc}). Open it with Network ▸ Open "
                "Network from the convgui data folder",
            )
            return False
        if not self._commit(fitted, "Open your last network", trained=trained, path=path):
            return False
        self._say_renewed(renewed, fitted.input_shape)
        self._select_live_filter()
        return True

    def _select_live_filter(self) -> None:
        """Show the first layer's most active filter for the input (not a dead one)."""
        if self._network.layers:
            self._set_selection(0, live_filter(self._network, self._input), 0)

    def save_network(self, path: PathLike, *, confirmed: bool = False) -> Path:
        """Write the network to ``stem.json`` and ``stem.npz``; return the structure file.

        Raises
        ------
        convgui.safeio.NeedsConfirmationError
            When a file this session did not write would be replaced (ask, then pass
            ``confirmed=True``).
        convgui.safeio.SaveError
            When a file cannot be written; nothing is half-written.
        """
        json_path, _ = self._network.save(path, confirmed=confirmed)
        self._path = Path(json_path)
        return self._path

    def new_network(self) -> None:
        """A small default stack for the current input: conv 8 3×3 same → ReLU → max pool 2."""
        try:
            net = Network(default_stack(), None, self._input.shape, name="new")
            check_cost(net.layers, net.input_shape, net.output_shapes)
        except ValueError as exc:
            self.message.emit(
                "error",
                f"A new network cannot read this {_size_text(self._input.shape)} input: {exc}. "
                "Choose a larger input",
            )
            return
        self._commit(net, "New network", trained=None, path=None)

    def reset_weights(self) -> bool:
        """Restore the trained weights of every layer that has them (an undoable change)."""
        target = self._reset_target()
        if target is None:
            self.message.emit(
                "info",
                "This network has no trained weights to restore: it was made here. Open a "
                "network (or the digits network) to have some",
            )
            return False
        return self._commit(target, "Reset to trained weights")

    def _reset_target(self) -> Network | None:
        """The current network with the trained weights put back.

        A layer takes them when the trained network has a layer of its name and settings with
        weights of the same shapes; None without a trained network.
        """
        trained = self._trained
        if trained is None:
            return None
        t_layers = {s.name: (s, w) for s, w in zip(trained.layers, trained.weights)}
        net = self._network
        weights = net.weights
        changed = False
        for i, (s, w) in enumerate(zip(net.layers, weights)):
            prev = t_layers.get(s.name)
            if (
                prev is None
                or prev[0] != s
                or {k: v.shape for k, v in prev[1].items()} != {k: v.shape for k, v in w.items()}
            ):
                continue
            if not _same_weights(prev[1], w):
                weights[i] = prev[1]
                changed = True
        if not changed:
            return net
        meta = trained.meta if trained.input_shape == net.input_shape else {}
        return Network(net.layers, weights, net.input_shape, name=net.name, meta=meta)

    # --- structure -------------------------------------------------------------------------

    def add_layer(self, kind: str, at: int | None = None) -> bool:
        """Insert a new ``kind`` layer (see :data:`NEW_LAYERS`) at ``at`` (the end if None)."""
        if not isinstance(kind, str) or kind not in NEW_LAYERS:
            self.message.emit(
                "error",
                f"There is no layer type {_quoted(kind)}. Choose one of {', '.join(LAYER_TYPES)}",
            )
            return False
        specs = list(self._network.layers)
        n = len(specs)
        pos = n if at is None else at
        if isinstance(pos, bool) or not isinstance(pos, (int, np.integer)) or not 0 <= pos <= n:
            self.message.emit(
                "error", f"A layer can be added at places 0 to {n}, not {_quoted(at)}. Pick one"
            )
            return False
        if n >= netcore.MAX_LAYERS:
            self.message.emit(
                "error",
                f"A network may hold at most {netcore.MAX_LAYERS} layers. Remove one first",
            )
            return False
        used = {s.name for s in specs}
        name, n_used = kind, 0
        while name in used:
            n_used += 1
            name = f"{kind}_{n_used}"
        specs.insert(int(pos), NEW_LAYERS[kind].evolve(name=name))
        return self._restructure(specs, f"Add {kind} layer", select=int(pos))

    def remove_layer(self, index: int) -> bool:
        """Remove layer ``index`` (the last layer cannot go: a network has at least one)."""
        specs = list(self._network.layers)
        if not self._valid_index(index, len(specs), "remove"):
            return False
        if len(specs) == 1:
            self.message.emit(
                "error", "A network needs at least one layer. Add another before removing this one"
            )
            return False
        name = specs.pop(int(index)).name
        select = min(self._layer, len(specs) - 1)
        return self._restructure(specs, f"Remove {name}", select=select)

    def move_layer(self, index: int, to: int) -> bool:
        """Move layer ``index`` to position ``to`` (the others keep their order)."""
        specs = list(self._network.layers)
        if not self._valid_index(index, len(specs), "move") or not self._valid_index(
            to, len(specs), "move"
        ):
            return False
        if int(index) == int(to):
            return False
        spec = specs.pop(int(index))
        specs.insert(int(to), spec)
        return self._restructure(specs, f"Move {spec.name}", select=int(to))

    def set_layer(self, index: int, **changes: Any) -> bool:
        """Change settings of layer ``index`` (``LayerSpec.evolve(**changes)``)."""
        specs = list(self._network.layers)
        if not self._valid_index(index, len(specs), "change"):
            return False
        old = specs[int(index)]
        known = {f.name for f in fields(LayerSpec)}
        unknown = sorted(k for k in changes if k not in known)
        if unknown:
            self.message.emit(
                "error",
                f"Layer {old.name} has no setting {', '.join(map(repr, unknown))}. Its "
                f"settings are {', '.join(sorted(known))}",
            )
            return False
        try:
            new = old.evolve(**changes)
        except (ValueError, TypeError) as exc:
            self.message.emit(
                "error", f"Layer {old.name}: {exc}. The layer is unchanged; try another value"
            )
            return False
        reads = settings_of(new.type)
        unread = sorted(k for k in changes if k not in reads)
        if unread:
            self.message.emit(
                "error",
                f"Layer {old.name} ({LAYER_TYPES[new.type]}) has no setting "
                f"{', '.join(map(repr, unread))}; it reads {', '.join(sorted(reads))}. The "
                "layer is unchanged",
            )
            return False
        if new == old:
            return False
        specs[int(index)] = new
        what = ", ".join(sorted(changes))
        if new.name == old.name:
            return self._restructure(specs, f"Change {old.name} {what}", select=int(index))
        # A renamed layer keeps its weights, and its trained ones stay what Reset restores.
        return self._restructure(
            specs,
            f"Change {old.name} {what}",
            select=int(index),
            aliases={new.name: old.name},
            trained=self._renamed_trained(old.name, new.name),
        )

    def _renamed_trained(self, old: str, new: str) -> Network | None:
        """The trained network with its layer ``old`` named ``new`` (as it is, if it has none)."""
        t = self._trained
        if t is None:
            return None
        names = [s.name for s in t.layers]
        if old not in names or new in names:
            return t
        layers = [s.evolve(name=new) if s.name == old else s for s in t.layers]
        return Network(layers, t.weights, t.input_shape, name=t.name, meta=t.meta)

    def _valid_index(self, index: Any, n: int, verb: str) -> bool:
        if (
            isinstance(index, bool)
            or not isinstance(index, (int, np.integer))
            or not (0 <= int(index) < n)
        ):
            self.message.emit(
                "error",
                f"There is no layer {_quoted(index)} to {verb}: the layers are 0 to {n - 1}. "
                "Pick one in the list",
            )
            return False
        return True

    def _restructure(
        self,
        specs: list[LayerSpec],
        label: str,
        *,
        select: int,
        aliases: Mapping[str, str] | None = None,
        trained: Network | EllipsisType | None = ...,
    ) -> bool:
        old = self._network
        try:
            net, renewed = rebuild(
                specs,
                old.input_shape,
                donors=[old],
                aliases=aliases,
                name=old.name,
                meta=old.meta,
            )
        except ValueError as exc:
            self.message.emit(
                "error",
                f"{_sentence(str(exc))}. The network is unchanged; change the settings or the "
                "order so that each layer reads what the one before gives",
            )
            return False
        if not self._commit(net, label, select=select, trained=trained):
            return False
        old_names = {s.name for s in old.layers if s.weighted}
        alias = dict(aliases or {})
        renewed = [n for n in renewed if alias.get(n, n) in old_names]
        if renewed:
            self.message.emit(
                "info",
                f"{', '.join(renewed)} got new random weights: "
                f"{'its' if len(renewed) == 1 else 'their'} weight shapes changed. Undo to get "
                "the old ones back",
            )
        return True

    # --- weights ---------------------------------------------------------------------------

    def set_weight(self, layer: int, key: str, index: tuple[int, ...], value: str | float) -> bool:
        """Set one weight: ``network.weights[layer][key][index] = value``.

        ``value`` is a number or typed text (``"1/9"``, ``"-0.5"``). A refused value (not a
        number, not finite, an index outside the array, an output that would overflow)
        emits a message and returns False; False too when the value is already there.
        """
        got = self._weight_array(layer, key)
        if got is None:
            return False
        i, spec, arr = got
        try:
            items = tuple(index)
            if len(items) != arr.ndim or any(
                isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < n
                for v, n in zip(items, arr.shape)
            ):
                raise IndexError
            at = tuple(int(v) for v in items)
        except (TypeError, ValueError, IndexError):
            self.message.emit(
                "error",
                f"Layer {spec.name}'s {key} has shape {arr.shape}; {_quoted(index)} is not a "
                "place in it. Pick a cell of the table",
            )
            return False
        try:
            v = number(value)
        except ValueError as exc:
            self.message.emit(
                "error", f"In {spec.name}'s {key}: {_sentence(str(exc))}. The old value is kept"
            )
            return False
        if arr[at] == np.float32(v):
            return False
        new = np.array(arr)
        new[at] = v
        return self._commit(
            self._network.with_weight(i, key, new), self._weight_label(spec, key, at)
        )

    def set_bias(self, layer: int, filter: int, value: str | float) -> bool:
        """Set the bias of filter (or unit) ``filter`` of ``layer`` (see :meth:`set_weight`)."""
        return self.set_weight(layer, "bias", (filter,), value)

    def set_kernel(self, layer: int, filter: int, channel: int, kernel: ArrayLike) -> bool:
        """Replace filter ``filter``'s ``kh × kw`` kernel on input channel ``channel``."""
        got = self._weight_array(layer, "kernel")
        if got is None:
            return False
        i, spec, arr = got
        try:
            self.kernel_of(i, filter, channel)
        except ValueError as exc:
            self.message.emit("error", f"Layer {_sentence(str(exc))}. Pick a kernel of the table")
            return False
        try:
            k = np.asarray(kernel)
            if k.dtype.kind not in "biuf":
                raise ValueError(f"the kernel must hold numbers, got {k.dtype}")
            if k.shape != arr.shape[:2]:
                raise ValueError(
                    f"its kernels are {arr.shape[0]}×{arr.shape[1]}, got shape {k.shape}"
                )
            k64 = k.astype(np.float64)
            if not np.isfinite(k64).all() or np.abs(k64).max(initial=0) > FLOAT32_MAX:
                raise ValueError("the kernel holds values that are not finite in float32")
        except (ValueError, TypeError) as exc:
            self.message.emit(
                "error",
                f"Layer {spec.name}: {str(exc).rstrip('.')}. The kernel is unchanged; paste "
                "a fitting one",
            )
            return False
        new = np.array(arr)
        if spec.type == "conv2d_transpose":
            new[:, :, int(filter), int(channel)] = k64
        else:
            new[:, :, int(channel), int(filter)] = k64
        if _same_array(new, arr):
            return False
        label = f"Set {spec.name} kernel {int(filter)}, channel {int(channel)}"
        return self._commit(self._network.with_weight(i, "kernel", new), label)

    def _weight_array(self, layer: Any, key: str) -> tuple[int, LayerSpec, Array] | None:
        n = len(self._network.layers)
        if not self._valid_index(layer, n, "edit"):
            return None
        i = int(layer)
        spec = self._network.layers[i]
        arr = self._network.weights[i].get(key) if isinstance(key, str) else None
        if arr is None:
            has = ", ".join(sorted(self._network.weights[i])) or "no weights"
            self.message.emit(
                "error",
                f"Layer {spec.name} ({spec.type}) has no {_quoted(key)} (it has {has}). Pick a "
                "convolution or dense layer's kernel or bias",
            )
            return None
        return i, spec, arr

    @staticmethod
    def _weight_label(spec: LayerSpec, key: str, at: tuple[int, ...]) -> str:
        if key == "bias":
            return f"Edit {spec.name} bias {at[0]}"
        if spec.type == "conv2d":
            return f"Edit {spec.name} kernel {at[3]}, channel {at[2]}"
        if spec.type == "conv2d_transpose":
            return f"Edit {spec.name} kernel {at[2]}, channel {at[3]}"
        return f"Edit {spec.name} weight {at[0]}, {at[1]}"

    # --- input -----------------------------------------------------------------------------

    def set_input_source(self, source: str) -> bool:
        """Read a digit (``"digit"``) or the explorer's image (``"image"``).

        The network is rebuilt for the input's size when it changes (see
        :func:`for_input_shape`; an info message names layers given new weights). Not an undo
        step. False (with a message) when refused: no image is open, or the network cannot
        read it; nothing changes then.
        """
        if source not in INPUT_SOURCES:
            self.message.emit(
                "error",
                f"The input is a digit or the image, not {_quoted(source)}. Choose one of "
                f"{', '.join(INPUT_SOURCES)}",
            )
            return False
        if source == self._source and (source == "digit" or self._explorer.doc is self._image_doc):
            return True  # already the input
        if source == "image":
            try:
                img = self._image_input(self._network.input_shape[2])
            except ValueError as exc:
                self.message.emit("error", str(exc))
                return False
            if img is None:
                self.message.emit(
                    "error", "No image is open. Open one (File ▸ Open) first, then choose it"
                )
                return False
            return self._change_input("image", img, sample=None)
        digit = self._digit
        return self._change_input("digit", digit, sample=self._sample)

    def set_sample(self, index: int) -> None:
        """Make shipped digit ``index`` the input (the source becomes ``"digit"``)."""
        try:
            images, _ = self.samples
        except (OSError, ValueError) as exc:
            self.message.emit(
                "error", f"The shipped digits cannot be read ({exc}). Draw a digit instead"
            )
            return
        n = len(images)
        if (
            isinstance(index, bool)
            or not isinstance(index, (int, np.integer))
            or not (0 <= int(index) < n)
        ):
            self.message.emit(
                "error", f"There is no shipped digit {_quoted(index)}: pick one from 0 to {n - 1}"
            )
            return
        self._change_input("digit", images[int(index)], sample=int(index))

    def set_drawn(self, digit: np.ndarray) -> None:
        """Make a drawn digit (a preprocessed 28×28 float array, 0–1) the input."""
        try:
            arr = np.asarray(digit)
        except (ValueError, TypeError):
            arr = np.empty(0, dtype=object)  # ragged nesting: refused just below
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        if arr.shape != (DIGIT_SIDE, DIGIT_SIDE) or arr.dtype.kind not in "biuf":
            self.message.emit(
                "error",
                f"A drawn digit is a {DIGIT_SIDE}×{DIGIT_SIDE} array of numbers, got "
                f"{arr.dtype} of shape {arr.shape}. Draw it on the canvas",
            )
            return
        if not np.isfinite(arr).all():
            self.message.emit(
                "error", "The drawn digit holds values that are not finite. Clear it and draw again"
            )
            return
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            self.message.emit(
                "error",
                f"A drawn digit holds ink from 0 to 1, got values from {arr.min():.4g} to "
                f"{arr.max():.4g} (a 0–255 image: divide it by 255). The input is unchanged",
            )
            return
        self._change_input("digit", arr, sample=self._sample_of(arr))

    def _sample_of(self, digit: np.ndarray) -> int | None:
        """The shipped digit last shown if ``digit`` is exactly it (a drawing undone), else None."""
        i = self._shown_sample
        if i is None or self._samples is None:
            return None
        images = self._samples[0]
        if not 0 <= i < len(images):
            return None
        same = np.array_equal(np.asarray(digit, dtype=np.float32), images[i])
        return i if same else None

    def _digit_input(self, channels: int) -> Array:
        x = np.asarray(self._digit, dtype=np.float32)[:, :, None]
        if channels != 1:
            x = np.repeat(x, channels, axis=2)
        return _readonly(np.ascontiguousarray(x))

    def _image_input(self, channels: int) -> Array | None:
        """The explorer's image as 0–1 floats with ``channels`` channels, or None.

        Each array is allocated once (a 4096×4096 image is 64 MB a channel).

        Raises
        ------
        ValueError
            When the image is larger than a network input may be (checked before anything is
            converted); the message says what to do.
        """
        doc = self._explorer.doc
        if doc is None:
            return None
        px = np.asarray(doc.pixels)
        try:
            check_input_shape((px.shape[0], px.shape[1], channels))
        except ValueError as exc:
            raise ValueError(
                f"The network cannot read this {_size_text(px.shape)} image ({exc}). Choose a "
                "smaller image or crop it; the input stays as it was"
            ) from None
        top = np.float32((1 << int(doc.bit_depth)) - 1)
        h, w = px.shape[:2]
        if px.ndim == 3 and channels == 3:
            img = np.empty((h, w, 3), np.float32)
            np.divide(px[:, :, :3], top, out=img, dtype=np.float32)
            return _readonly(img)
        grey = to_grayscale(px.astype(np.float32)) if px.ndim == 3 else px
        img = np.empty((h, w, 1), np.float32)
        np.divide(np.asarray(grey)[:, :, None], top, out=img, dtype=np.float32)
        if channels != 1:
            img = np.repeat(img, channels, axis=2)
        return _readonly(img)

    def _change_input(self, source: str, data: ArrayLike, *, sample: int | None) -> bool:
        """Make ``data`` the input (rebuilding the network for its size); not an undo step."""
        c = self._network.input_shape[2]
        digit = self._digit
        if source == "digit":
            digit = _readonly(np.array(data, dtype=np.float32))
            x = np.asarray(digit, dtype=np.float32)[:, :, None]
            x = np.repeat(x, c, axis=2) if c != 1 else x
        else:
            x = np.asarray(data, dtype=np.float32)
        shape = tuple(int(v) for v in x.shape)
        net: Network = self._network
        renewed: list[str] = []
        if shape != net.input_shape:
            donors = [n for n in (self._by_shape.get(shape), self._trained) if n is not None]
            try:
                net, renewed = for_input_shape(self._network, shape, donors=donors)
            except ValueError as exc:
                what = "digit" if source == "digit" else "image"
                self.message.emit(
                    "error",
                    f"The network cannot read this {_size_text(shape)} {what}: "
                    f"{exc}. Change the network (fewer pooling layers, smaller kernels) or "
                    "choose another input; the input stays as it was",
                )
                return False
        self._digit = digit
        self._image_doc = self._explorer.doc if source == "image" else None
        self._source = source
        if source == "digit":  # the image keeps the digit's sample for the way back
            self._sample = sample
            if sample is not None:
                self._shown_sample = sample
        self._input = _readonly(np.ascontiguousarray(x))
        self._input_version += 1
        if net is not self._network:
            self._remember(self._network)
            self._network = net
            self._on_network_replaced(structure=True)
            self._say_renewed(renewed, shape)
        self._emit_input()
        return True

    def _emit_input(self) -> None:
        self.input_changed.emit()
        self._request()

    def _remember(self, net: Network) -> None:
        self._by_shape.pop(net.input_shape, None)
        self._by_shape[net.input_shape] = net
        while len(self._by_shape) > SHAPE_MEMORY:
            del self._by_shape[next(iter(self._by_shape))]

    def _say_renewed(self, renewed: list[str], shape: Sequence[int]) -> None:
        if renewed:
            self.message.emit(
                "info",
                f"The network was rebuilt for the {_size_text(shape)} input: "
                f"{', '.join(renewed)} got new random weights because "
                f"{'its' if len(renewed) == 1 else 'their'} input size changed. Go back to the "
                "earlier input size to get the old weights back",
            )

    def _on_explorer_image(self) -> None:
        if self._source != "image" or self._closed:
            return
        doc = self._explorer.doc
        if doc is None or doc is self._image_doc:
            return  # the colour switch or value scale: the network reads 0–1 either way
        try:
            img = self._image_input(self._network.input_shape[2])
        except ValueError as exc:
            self.message.emit("error", str(exc))
            return
        if img is not None:
            self._change_input("image", img, sample=None)

    # --- selection and receptive fields ----------------------------------------------------

    def select(self, layer: int, filter: int | None = None, channel: int | None = None) -> None:
        """Select a layer and (optionally) a filter and an input channel (clamped).

        Each layer remembers, by its name, the filter and channel it was last shown with:
        selecting another layer without a filter (or a channel) brings back the one it had,
        so leaving conv1 for a dense layer (one filter) and coming back finds the filter the
        user had. A layer never shown takes the current filter and channel.
        """
        n = len(self._network.layers)
        try:
            i = max(0, min(int(layer), n - 1))
            f_given = None if filter is None else int(filter)
            c_given = None if channel is None else int(channel)
        except (TypeError, ValueError, OverflowError):
            self.message.emit(
                "error",
                f"A layer, filter and channel are chosen by number, got {_quoted(layer)}, "
                f"{_quoted(filter)}, {_quoted(channel)}. Pick them in the list",
            )
            return
        f, c = (self._filter, self._channel) if i == self._layer else self._shown_with(i)
        self._set_selection(i, f if f_given is None else f_given, c if c_given is None else c_given)

    def _shown_with(self, layer: int) -> tuple[int, int]:
        """The filter and channel ``layer`` was last shown with (the current ones if never)."""
        return self._shown.get(self._network.layers[layer].name, (self._filter, self._channel))

    def _set_selection(self, layer: int, filter: int, channel: int) -> None:
        """Select (clamped) and remember the filter and channel for the layer's name."""
        n = len(self._network.layers)
        i = max(0, min(layer, n - 1))
        f = max(0, min(filter, self.filter_count(i) - 1))
        c = max(0, min(channel, self.channel_count(i) - 1))
        self._shown[self._network.layers[i].name] = (f, c)
        if (i, f, c) != (self._layer, self._filter, self._channel):
            self._layer, self._filter, self._channel = i, f, c
            self.selection_changed.emit()

    def set_unit(self, layer: int, unit: tuple[int, ...]) -> None:
        """Show the receptive field of ``unit`` (``(row, col)`` or ``(index,)``) of ``layer``."""
        items = tuple(unit) if isinstance(unit, (tuple, list)) else None
        if not _is_index(layer) or not items or not all(_is_index(v) for v in items):
            self.message.emit(
                "error",
                f"A unit is a layer number and (row, column) or (index,), got layer "
                f"{_quoted(layer)}, unit {_quoted(unit)}. Click a unit of a map",
            )
            return
        try:
            rf = receptive_field(self._network.layers, self._network.input_shape, layer, unit)
        except (ValueError, TypeError) as exc:
            self.message.emit("error", f"{_sentence(str(exc))}. Click a unit of a map")
            return
        new = (rf.layer, tuple(rf.unit))
        if new == self._unit:
            return
        self._unit, self._receptive = new, rf
        self.unit_changed.emit()

    def clear_unit(self) -> None:
        """Show no receptive field."""
        if self._unit is None:
            return
        self._unit = self._receptive = None
        self.unit_changed.emit()

    def _refresh_unit(self) -> None:
        """Recompute the receptive field for a new structure or input size (or drop it)."""
        if self._unit is None:
            return
        layer, unit = self._unit
        try:
            rf = receptive_field(self._network.layers, self._network.input_shape, layer, unit)
        except ValueError:
            self._unit = self._receptive = None
            self.unit_changed.emit()
            return
        if rf != self._receptive:
            self._receptive = rf
            self.unit_changed.emit()

    # --- undoable changes ------------------------------------------------------------------

    def _commit(
        self,
        net: Network,
        label: str,
        *,
        trained: Network | EllipsisType | None = ...,
        path: Path | EllipsisType | None = ...,
        select: int | None = None,
        check: bool = True,
    ) -> bool:
        """Make ``net`` the network as an undo step (computed first when small)."""
        new_trained = self._trained if isinstance(trained, EllipsisType) else trained
        new_path = self._path if isinstance(path, EllipsisType) else path
        if net is self._network and new_trained is self._trained and new_path == self._path:
            return False
        computed: _Computed | None = None
        if check and not self._running and net.input_shape == self._input.shape:
            job = self._job_for(net)
            if job.start < len(net.layers) and self._work(job) <= self._sync_limit:
                try:
                    computed = job.run()
                except (ValueError, MemoryError) as exc:
                    self.message.emit(
                        "error",
                        f"{_sentence(str(exc))}. The change was not made; try another value",
                    )
                    return False
                bad = _non_finite_layer(computed.outputs, net)
                if bad is not None and self._error is None:  # this change would cause it
                    self.message.emit(
                        "error",
                        f"With this change {bad}'s outputs overflow float32 (they become "
                        "infinite). The change was not made; use smaller weights",
                    )
                    return False
        self._history.push(_Snapshot(self._network, self._trained, self._path, label))
        self._install(net, new_trained, new_path, select=select, computed=computed)
        self.history_changed.emit()
        return True

    def _history_bytes(self, steps: Sequence[_Snapshot]) -> int:
        """Bytes of weights in the distinct networks of ``steps`` and the current one.

        The history's size bound: :data:`HISTORY_BYTES` (trained networks count too; a network
        several steps share counts once).
        """
        nets: dict[int, Network] = {id(self._network): self._network}
        for snap in steps:
            for n in (snap.network, snap.trained):
                if n is not None:
                    nets[id(n)] = n
        return sum(a.nbytes for n in nets.values() for w in n.weights for a in w.values())

    def _install(
        self,
        net: Network,
        trained: Network | None,
        path: Path | None,
        *,
        select: int | None = None,
        computed: _Computed | None = None,
        input_: Array | None = None,
    ) -> None:
        """Make ``net`` the network (not an undo step by itself).

        A new input (``input_``, or the current one remade for the network's channel count)
        is installed with it.
        """
        structure = net.layers != self._network.layers or net.input_shape != (
            self._network.input_shape
        )
        if input_ is None and self._input.shape != net.input_shape:
            input_ = self._current_input(net.input_shape[2])
        if input_ is not None:
            self._input = _readonly(input_)
            self._input_version += 1
        self._network, self._trained, self._path = net, trained, path
        self._on_network_replaced(structure=structure, select=select)
        if input_ is not None:
            self.input_changed.emit()
        if computed is not None:
            self._generation += 1
            self._publish(computed)
        else:
            self._request()

    def _current_input(self, channels: int) -> Array:
        """The current source's input with ``channels`` channels."""
        if self._source == "image":
            with contextlib.suppress(ValueError):  # an image too large: the current one, repeated
                img = self._image_input(channels)
                if img is not None:
                    return img
            return _readonly(np.repeat(self._input[:, :, :1], channels, axis=2))
        return self._digit_input(channels)

    def _on_network_replaced(self, *, structure: bool, select: int | None = None) -> None:
        self._modified = None
        self.network_changed.emit()
        if structure:
            self.structure_changed.emit()
        if select is None:
            self._set_selection(self._layer, self._filter, self._channel)
        else:  # the layer an edit selects gets back what it was shown with
            select = max(0, min(select, len(self._network.layers) - 1))
            self._set_selection(select, *self._shown_with(select))
        if structure:
            self._refresh_unit()

    def _restore(self, snap: _Snapshot) -> bool:
        net = snap.network
        renewed: list[str] = []
        shape = self._input.shape[:2] + net.input_shape[2:]
        if net.input_shape != shape:
            donors = [
                n for n in (self._network, self._by_shape.get(shape), snap.trained) if n is not None
            ]
            try:
                net, renewed = for_input_shape(net, shape, donors=donors)
            except ValueError as exc:
                self.message.emit(
                    "error",
                    f"“{snap.label}” cannot be undone or redone on this "
                    f"{_size_text(self._input.shape)} input ({exc}). Choose the earlier input "
                    "first",
                )
                return False
        self._install(net, snap.trained, snap.path)
        self._say_renewed(renewed, shape)
        return True

    def undo(self) -> bool:
        """Revert the last weight, structure or open/new change."""
        snap = self._history.next_undo
        if snap is None:
            return False
        current = _Snapshot(self._network, self._trained, self._path, snap.label)
        if not self._restore(snap):  # refused: the step stays where it was
            return False
        self._history.undo(current)
        self.history_changed.emit()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change."""
        snap = self._history.next_redo
        if snap is None:
            return False
        current = _Snapshot(self._network, self._trained, self._path, snap.label)
        if not self._restore(snap):
            return False
        self._history.redo(current)
        self.history_changed.emit()
        return True

    # --- recompute -------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether outputs are computed (see :meth:`set_active`)."""
        return self._active

    def set_active(self, on: bool) -> None:
        """Compute only while the network mode is shown; catch up when it is shown again.

        While inactive, changes (a new explorer image followed as the input, say) are kept and
        outputs of shapes that no longer fit are dropped; nothing is computed.
        """
        self._active = bool(on)
        if self._active and self._dirty:
            self._dirty = False
            self._request()

    def _job_for(self, net: Network) -> _Job:
        basis = self._basis
        start = 0
        previous: list[Array] | None = None
        if basis is not None and basis.input_version == self._input_version:
            start = first_change(basis.network, net)
            previous = basis.outputs if start > 0 else None
        return _Job(self._generation, net, self._input, self._input_version, start, previous)

    @staticmethod
    def _work(job: _Job) -> int:
        return network_work(job.network, job.start)

    def _request(self) -> None:
        """Ask for the outputs of the current network and input (latest wins)."""
        if self._closed:
            return
        self._generation += 1
        if not self._active:
            self._dirty = True  # computed when the mode is shown again
            self._drop_misfit_outputs()
            return
        if self._running:
            self._pending = True  # replaces an older waiting request
            self._drop_misfit_outputs()
            return
        job = self._job_for(self._network)
        if self._work(job) <= self._sync_limit:
            self._finish(job, SyncExecutor().submit(job.run))
            return
        self._drop_misfit_outputs()
        self._start(job)

    def _drop_misfit_outputs(self) -> None:
        """Show no outputs while the new ones compute when the old ones have other shapes."""
        outs = self._outputs
        if outs is not None and [o.shape for o in outs] != self._network.output_shapes:
            self._outputs = self._probabilities = None
            self._error = None
            self.outputs_changed.emit()

    def _start(self, job: _Job) -> None:
        if not self._running:
            self._running = True
            self.busy_changed.emit(True)
        fut = self._executor.submit(job.run)
        bridge = self._bridge

        def done(f: Future[_Computed]) -> None:  # on the worker thread
            bridge.done.emit(job, f)  # queued to the GUI thread

        fut.add_done_callback(done)

    def _on_job_done(self, job: _Job, fut: Future[_Computed]) -> None:
        if self._closed:
            self._running = False
            return
        pending, self._pending = self._pending, False
        if pending and not self._active:
            self._dirty, pending = True, False
        if not pending:
            self._running = False
            self._finish(job, fut)
            self.busy_changed.emit(False)
            return
        self._finish(job, fut)  # stale: kept only as the basis of the next recompute
        nxt = self._job_for(self._network)
        if self._work(nxt) > self._sync_limit:
            self._start(nxt)  # still busy
            return
        self._running = False
        self._finish(nxt, SyncExecutor().submit(nxt.run))
        self.busy_changed.emit(False)

    def _finish(self, job: _Job, fut: Future[_Computed]) -> None:
        if self._closed:
            return
        exc = fut.exception()
        if exc is None:
            self._basis = fut.result()
        if job.generation != self._generation:
            return  # a newer request exists: its result will be published
        if exc is not None:
            self._outputs = self._probabilities = None
            why = str(exc).strip().rstrip(".") or type(exc).__name__
            self._error = _sentence(why)
            self.message.emit(
                "error",
                f"The network could not be computed ({why}). Undo the last change or choose a "
                "smaller input",
            )
            self.outputs_changed.emit()
            return
        self._publish(fut.result())

    def _publish(self, computed: _Computed) -> None:
        self._basis = computed
        outs = computed.outputs
        net = computed.network
        bad = _non_finite_layer(outs, net)
        self._outputs = outs
        self._error = None
        self._probabilities = None
        if bad is not None:
            self._error = (
                f"{bad}'s outputs overflow float32 (some are infinite or not a number). Use "
                "smaller weights"
            )
        elif outs and outs[-1].ndim == 1:
            last = outs[-1]
            with np.errstate(over="ignore", invalid="ignore"):
                p = last if net.layers[-1].type == "softmax" else softmax(last)
            self._probabilities = _readonly(np.asarray(p))
        self.outputs_changed.emit()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no background work runs (processes Qt events). For tests and tools."""
        return wait_until(lambda: not (self._running or self._pending), timeout)

    def close(self) -> None:
        """Stop accepting work and shut the worker down (waits for a running job); once."""
        if self._closed:
            return
        self._closed = True
        self._pending = False
        with contextlib.suppress(RuntimeError, TypeError):
            self._explorer.image_changed.disconnect(self._on_explorer_image)
        if self._owns_executor and isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=True, cancel_futures=True)
