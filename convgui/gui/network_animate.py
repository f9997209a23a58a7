"""“Animate This Layer”: one layer of a network in the animations convgui already has.

:func:`animate_layer` is what the network mode's button calls:

- a convolution layer (``conv2d``, ``conv2d_transpose``) opens in the Convolution Layer mode,
  reading the layer's own input (its channels named ``ch1`` … or R, G, B) through
  :meth:`convgui.layer_state.LayerState.set_external_input`, with the layer's weights, bias,
  stride, padding, dilation, groups (and transposed settings) as the bank and settings, the
  chosen filter selected and the layer animation at its first position, so the arithmetic
  writes ``sum_ch1 + … + bias``. One undo step (“Show network layer conv2”) goes back to what
  the layer mode had; choosing R, G, B / grey or opening an image goes back to the image.
- a pooling layer opens in the Single Kernel mode: one channel of its input as the image, a
  1×1 identity kernel with valid padding, then that pooling, its animation on the pooling
  stage. The explorer takes images of integers, so the channel's float values are mapped
  linearly onto 16 bits (pooling picks or averages the same cells; the message says how).
- any other layer (activation, flatten, dense, softmax) is refused with a message naming the
  layers that can be animated.

Nothing here computes a layer: the states and animations do, as for any image and bank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.network import LayerSpec
from ..imageio import ImageDoc
from ..layer_state import network_bank
from ..net import Network
from . import layer_mode

#: Layers shown in the Convolution Layer mode and in the Single Kernel mode.
CONV_TYPES = ("conv2d", "conv2d_transpose")
POOL_TYPES = ("max_pool", "avg_pool")
SINGLE_TYPES = POOL_TYPES + ("activation",)
#: Activations that commute with a positive scale factor: f·act(x) = act(f·x).
SCALABLE_ACTIVATIONS = ("none", "relu", "leaky_relu", "abs")

TEXTS = {
    "input_name": "network: {name}'s input",
    "undo": "Show network layer {name}",
    "conv_shown": "{name} ({cls}, {n} filter(s) {kh}×{kw}) reads its input {h}×{w}×{c} from the "
    "network: filter {o} is animated. Edit ▸ Undo brings back what the layer mode had; "
    "choosing R, G, B or grey reads the image again.",
    "single_shown": "{name} ({what}) on ch{ch} of its input ({h}×{w}), in the Single Kernel "
    "mode: the channel is a 16-bit image, {mapping}. A 1×1 identity kernel with valid padding "
    "passes it on unchanged.",
    "pool_what": "{cls} {ph}×{pw}, stride {sh}×{sw}",
    "act_what": "activation {act}",
    "times": " × {f}",
    "as_is": " as they are",
    "scaled": "the network's values{times}",
    "shifted": "shifted by its lowest value ({lo:.4g}) so all are at least 0; the bias "
    "({bias:.4g}) brings back the network's values{times}",
    "not_animatable": "{name} is a {cls} layer, which has no sliding window to animate. "
    "Convolution layers (Conv2D, Conv2DTranspose) open in the Convolution Layer mode; pooling "
    "layers and activations of maps open in the Single Kernel mode{which}.",
    "which": "; in this network: {names}",
    "no_layer": "This network has no layer {index} (it has {n}); choose one in the layer list.",
    "bad_input": "{name} reads inputs of shape {want}, but got {got}; recompute the network's "
    "outputs and try again.",
    "refused": "{name} cannot be animated in the Convolution Layer mode: {why}.",
    "pool_refused": "{name} cannot be animated in the Single Kernel mode: {why}.",
}


def animate_layer(
    window: Any,
    network: Network,
    index: int,
    layer_input: Any,
    filter: int = 0,
    *,
    play: bool = False,
) -> bool:
    """Show layer ``index`` of ``network`` in the animation that fits it.

    Parameters
    ----------
    window : MainWindow
        Where to show it (its ``show_mode``, ``show_message``, ``state``, ``anim``, and the
        layer mode built on first use).
    network : convgui.net.Network
        The network.
    index : int
        The layer.
    layer_input : array_like
        What the layer reads: ``(H, W, C)`` (``network.forward(x)[index - 1]``, or the input
        itself for layer 0; a 2-D array is one channel).
    filter : int, optional
        The filter to animate (a convolution) or the input channel to show (a pooling layer);
        clamped to the layer's.
    play : bool, optional
        Start playing (default: the first position, paused, its arithmetic written).

    Returns
    -------
    bool
        True when the layer is shown; False with a window message saying why not.
    """
    layers = network.layers
    if (
        isinstance(index, bool)
        or not isinstance(index, int | np.integer)
        or not (0 <= int(index) < len(layers))
    ):
        window.show_message("error", TEXTS["no_layer"].format(index=index, n=len(layers)))
        return False
    i = int(index)
    spec = layers[i]
    name = spec.name or spec.type
    if not can_animate(spec, network.input_shape_of(i)):
        names = [
            s.name or s.type
            for j, s in enumerate(layers)
            if can_animate(s, network.input_shape_of(j))
        ]
        which = TEXTS["which"].format(names=", ".join(names)) if names else ""
        window.show_message(
            "info", TEXTS["not_animatable"].format(name=name, cls=spec.keras_class, which=which)
        )
        return False
    want = tuple(int(v) for v in network.input_shape_of(i))
    try:
        x = np.asarray(layer_input, dtype=np.float32)
    except (TypeError, ValueError):
        x = np.zeros(0, np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.shape != want:
        window.show_message(
            "error",
            TEXTS["bad_input"].format(name=name, want=want, got=np.shape(layer_input)),
        )
        return False
    try:
        chosen = int(filter)
    except (TypeError, ValueError, OverflowError):
        chosen = 0
    if spec.type in CONV_TYPES:
        return _animate_conv(window, network, i, spec, x, chosen, play)
    return _animate_single(window, spec, x, chosen, play)


def can_animate(spec: LayerSpec, in_shape: tuple[int, ...]) -> bool:
    """Whether :func:`animate_layer` can show a layer reading ``in_shape``.

    Convolutions, pooling, and activations of maps (not of a vector after flatten).
    """
    if spec.type in CONV_TYPES + POOL_TYPES:
        return True
    return spec.type == "activation" and len(in_shape) == 3


def channel_names(index: int, channels: int) -> tuple[str, ...]:
    """The names of a layer's input channels: R, G, B for a colour network input, else ch0, ch1, ….

    Numbered from 0 as the network mode numbers its maps, filters and channels (and as the
    weights are indexed), so "ch5" here is map 5 of the layer before.

    Examples
    --------
    >>> channel_names(0, 3)
    ('R', 'G', 'B')
    >>> channel_names(3, 2)
    ('ch0', 'ch1')
    """
    if index == 0 and channels == 3:
        return ("R", "G", "B")
    return tuple(f"ch{c}" for c in range(channels))


def _animate_conv(
    window: Any, network: Network, index: int, spec: LayerSpec, x: np.ndarray, o: int, play: bool
) -> bool:
    name = spec.name or spec.type
    try:
        weights, bias, settings = network_bank(spec, network.weights[index], x.shape)
    except ValueError as exc:
        window.show_message("warning", TEXTS["refused"].format(name=name, why=exc))
        return False
    lm = layer_mode.ensure(window)
    layer = lm.layer
    try:
        layer.set_external_input(
            x,
            TEXTS["input_name"].format(name=name),
            channel_names(index, int(x.shape[2])),
            weights=weights,
            bias=bias,
            settings=settings,
            label=TEXTS["undo"].format(name=name),
        )
    except ValueError as exc:
        window.show_message("warning", TEXTS["refused"].format(name=name, why=str(exc).rstrip(".")))
        return False
    o = max(0, min(o, layer.n_filters - 1))
    layer.select(o)
    window.show_mode(layer_mode.MODE)
    controller = lm.page.animation.controller

    def start() -> None:
        controller.to_start()
        if play:
            controller.play()

    def ready() -> bool:  # the result of this input and bank, not an older one still shown
        r = layer.result
        return (
            r is not None
            and r.image_version == layer.image_version
            and (r.weights is layer.weights)
        )

    _when(layer.result_changed, ready, start)
    h, w, c = x.shape
    kh, kw = spec.kernel_size
    window.show_message(
        "status",
        TEXTS["conv_shown"].format(
            name=name, cls=spec.keras_class, n=spec.filters, kh=kh, kw=kw, h=h, w=w, c=c, o=o
        ),
    )
    return True


def _animate_single(window: Any, spec: LayerSpec, x: np.ndarray, ch: int, play: bool) -> bool:
    """A pooling or activation layer in the Single Kernel mode, on one channel of its input.

    The channel becomes a 16-bit image (see :func:`pool_image`); a 1×1 identity kernel and a
    bias of ``lo × f`` give back the network's values × ``f`` exactly, before the layer's
    activation or pooling, so the arithmetic writes the network's numbers.
    """
    name = spec.name or spec.type
    c = max(0, min(ch, int(x.shape[2]) - 1))
    state = window.state
    top = float(state.value_max)
    pooling = spec.type in POOL_TYPES
    # Pooling, ReLU, leaky ReLU and |x| commute with a positive factor; sigmoid and tanh do not.
    scalable = pooling or spec.activation in SCALABLE_ACTIVATIONS
    values = x[:, :, c]
    try:
        doc, lo, hi = pool_image(values, f"{name}'s input, ch{c}", top, scalable=scalable)
    except ValueError as exc:
        window.show_message("warning", TEXTS["pool_refused"].format(name=name, why=exc))
        return False
    f = top / (hi - lo)
    changes: dict[str, Any] = {
        "padding": "valid",
        "stride": (1, 1),
        "dilation": (1, 1),
        "flip": False,
        "divisor": 1.0,
        "bias": lo * f,
        "activation": "none" if pooling else spec.activation,
        "pool": "none",
    }
    if pooling:
        changes.update(
            pool="max" if spec.type == "max_pool" else "avg",
            pool_size=spec.kernel_size,
            pool_stride=spec.strides,
            pool_padding=str(spec.padding),
        )
    try:
        params = state.params.evolve(**changes)
    except ValueError as exc:
        window.show_message("warning", TEXTS["pool_refused"].format(name=name, why=exc))
        return False
    window.show_mode("kernel")
    window.set_document(doc)  # hides the message bar: the message comes after
    try:
        state.set_all(np.ones((1, 1)), params, TEXTS["undo"].format(name=name))
    except ValueError as exc:  # the image is shown; the kernel and settings stay as they were
        window.show_message("warning", TEXTS["pool_refused"].format(name=name, why=exc))
        return False
    anim = window.anim

    def start() -> None:
        anim.set_stage("pool" if pooling else "conv")
        anim.to_start()
        if play:
            anim.play()

    _when(
        state.result_changed,
        lambda: state.result is not None and (not pooling or state.result.pooled is not None),
        start,
    )
    scale = TEXTS["times"].format(f=_factor(f)) if f != 1 else ""
    mapping = (
        TEXTS["scaled"].format(times=scale or TEXTS["as_is"])
        if lo == 0
        else TEXTS["shifted"].format(lo=lo, bias=lo * f, times=scale)
    )
    h, w = doc.shape
    if pooling:
        ph, pw = spec.kernel_size
        sh, sw = spec.strides
        what = TEXTS["pool_what"].format(cls=spec.keras_class, ph=ph, pw=pw, sh=sh, sw=sw)
    else:
        what = TEXTS["act_what"].format(act=spec.activation)
    shown = TEXTS["single_shown"].format(name=name, what=what, ch=c, h=h, w=w, mapping=mapping)
    window.show_message("info", shown)
    _withdraw_on_edit(window, shown)
    return True


def _withdraw_on_edit(window: Any, text: str) -> None:
    """Hide the message ``text`` once the user changes the kernel or a setting.

    It explains how the shown numbers are the network's (the identity kernel, the bias); after
    an edit that is no longer true. Another message shown meanwhile is left alone.
    """
    state = window.state
    signals = (state.kernel_changed, state.params_changed, state.image_changed)

    def once() -> None:
        for sig in signals:
            sig.disconnect(once)
        bar = window.message_bar
        if bar.isVisible() and bar.text == text:
            bar.hide()

    for sig in signals:
        sig.connect(once)


def _factor(f: float) -> str:
    """A power of ten as written in a message: 10,000 or 0.01."""
    return f"{f:,.0f}" if f >= 1 else f"{f:g}"


def pool_image(
    values: np.ndarray, name: str, top: float = 255.0, *, scalable: bool = True
) -> tuple[ImageDoc, float, float]:
    """A 2-D map of floats as a 16-bit grey image the single-kernel mode can animate.

    The single-kernel mode reads a 16-bit pixel ``p`` as the value ``p / 65535 · top`` (``top``
    is its white: 255, or 1 on the 0–1 scale). The map, shifted by its lowest value when it has
    negative ones, is multiplied by the largest power of ten that keeps it within ``top`` (× 1
    when ``scalable`` is False), so the numbers the animation writes are the network's with the
    decimal point moved (0.109 reads 1.09 at × 10). Max and average pooling, ReLU and |x|
    commute with the factor; the rounding to 16 bits is below a 65535th of the range.

    Returns
    -------
    doc : ImageDoc
        uint16 pixels, ``bit_depth`` 16, no file.
    lo, hi : float
        What 0 and 65535 stand for.

    Raises
    ------
    ValueError
        When ``scalable`` is False and the map spans more than ``top``.

    Examples
    --------
    >>> doc, lo, hi = pool_image(np.array([[0.0, 0.5], [1.0, 2.0]]), "m")
    >>> doc.pixels.tolist(), lo, hi
    ([[0, 12850], [25700, 51400]], 0.0, 2.55)
    """
    v = np.asarray(values, dtype=np.float64)
    lo = min(0.0, float(v.min()))
    span = float(v.max()) - lo
    if not span > 0:
        span = 1.0
    if scalable:
        scale = 10.0 ** math.floor(math.log10(top / span))
    elif span <= top:
        scale = 1.0
    else:
        raise ValueError(
            f"its values span {span:.4g}, more than the {top:g} a 16-bit image holds here, and "
            "this activation does not commute with a scale factor"
        )
    hi = lo + top / scale
    q = np.rint((v - lo) / (hi - lo) * 65535.0)
    pixels = np.clip(q, 0, 65535).astype(np.uint16)
    return ImageDoc(pixels, bit_depth=16, name=name), lo, hi


def _when(signal: Any, ready: Callable[[], bool], action: Callable[[], None]) -> None:
    """Run ``action`` now if ``ready()``, else at the next ``signal`` if it is ready then.

    The states publish only their newest result, so the next one is the one asked for (when
    it is an error, there is nothing to animate and nothing is left connected).
    """
    if ready():
        action()
        return

    def once() -> None:
        signal.disconnect(once)
        if ready():
            action()

    signal.connect(once)


__all__ = ["TEXTS", "animate_layer", "channel_names", "pool_image"]
