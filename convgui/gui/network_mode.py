"""The network mode: a stack of layers, every layer's maps, receptive fields, the digits network.

The page is built the first time the user switches to it (View ▸ Network, Samples ▸ Digits
Network or any Network ▸ entry) and added to the window with ``window.add_mode("network", page)``.
Its :class:`~convgui.net_state.NetState` holds the truth (the network, its input, its outputs,
the selection, the receptive-field unit, the history); the widgets only show it and send the
user's intent back. The mode is kept on the window as ``window.network_mode``
(a :class:`NetworkMode`: ``.net`` the state, ``.page`` the :class:`NetworkPage`).

Layout, left to right: the layer list with the selected layer's settings and the Keras summary;
the input (the digit canvas, or the opened image) beside the input drawn large with the
receptive field, and under them every layer's maps; the class probabilities, the selected
layer's learned kernel in the kernel table (filter and channel pickers, the filter's bias),
Reset to Trained Weights and Animate This Layer.

Edit ▸ Undo / Redo (Ctrl+Z, Ctrl+Shift+Z) act on the network's history in this mode: the
mode adds its own pair of actions with the same keys, shown only here (as the layer mode does).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.kernels import CellParseError, parse_cell
from ..net import Network, NetworkFileError
from ..safeio import NeedsConfirmationError, SaveError
from . import layer_mode, status
from .actions import ActionSpec, Entry, Separator
from .dense_view import DenseView
from .kernel_panel import KernelTableModel, KernelTableView, cell_edit_text
from .network_animate import can_animate
from .network_panel import ADD_KINDS, LayerList, LayerSettingsForm, SummaryTable
from .prob_bars import ProbabilityBars, percent_text
from .util import mode_undo_actions, show_history

if TYPE_CHECKING:  # the page's parts are imported when the mode is first built
    from ..net_state import NetState

MODE = "network"
MENU_NET = "&Network"
MENU_ADD = f"{MENU_NET}/&Add Layer"
MENU_VIEW, MENU_SAMPLES = "&View", "&Samples"
#: Where ``window.settings`` remembers the input source, the pen width and the splitters.
SOURCE_SETTING = "network/input_source"
PEN_SETTING = "network/pen_width"
SPLIT_SETTING = "network/splitter"
LEFT_SPLIT_SETTING = "network/left_splitter"
CENTRE_SPLIT_SETTING = "network/centre_splitter"
INPUTS_SPLIT_SETTING = "network/inputs_splitter"
#: The folder file dialogs start in (shared with File ▸ Open: ``window.files.dialog_dir()``).
LAST_DIR_SETTING = "lastDir"
#: Whether the network of the last run was kept (``networks/last.json`` + ``.npz``), where its
#: trained copy came from (``"digits"``, ``"file"`` or ``"none"``) and the file it came from.
REMEMBERED_SETTING = "network/remembered"
TRAINED_FROM_SETTING = "network/trained_from"
ORIGIN_SETTING = "network/origin"
#: The conv layer types whose kernels the kernel table shows.
KERNEL_TYPES = ("conv2d", "conv2d_transpose")

TEXTS = {
    "image_elsewhere": "The image opened in the Single Kernel mode; the network reads a digit "
    "(View ▸ Network, Input: the opened image, runs it on the image).",
    "source": "Input",
    "source_digit": "a digit (draw or pick a sample)",
    "source_image": "the opened image",
    "source_tip": "What the network reads: a 28×28 digit you draw or pick, or the image opened "
    "in the single-kernel mode (the network is then rebuilt for its size)",
    "sample": "Sample",
    "sample_tip": "One of the 100 held-out MNIST digits shipped with convgui (never used in "
    "training); drawing on the canvas replaces it",
    "sample_label": "(a {label})",
    "drawn": "drawn",
    "image_note": "The input is the image opened in the single-kernel mode ({shape}).",
    "probs": "Class probabilities",
    "kernel_box": "Kernel of the selected layer",
    "layer_none": "Select a convolution layer to edit its kernels.",
    "layer_kernel": "{name}: filter {f} of {nf}, input channel {c} of {nc}",
    "layer_dense": "{name}: {n_in:,} × {units:,} weights and {units:,} biases, not a sliding "
    "kernel: each of its {units:,} outputs adds up all {n_in:,} inputs, each times a weight "
    "of its own.",
    "layer_noweights": "{name} ({kind}) has no weights.",
    "layer_max_pool": "{name} has no weights: it keeps the largest value of each {size} "
    "window{step}.",
    "layer_avg_pool": "{name} has no weights: it keeps the average of each {size} window{step}.",
    "pool_step": ", moving {stride} at a time",
    "layer_relu": "{name} has no weights: it sets every negative value to 0 (ReLU) and keeps "
    "the rest.",
    "layer_activation": "{name} has no weights: it applies {act} to every value on its own.",
    "layer_flatten": "{name} has no weights: it lays the {shape} maps out as one row of {n:,} "
    "values (row by row, the {c} channels of each cell side by side, as Keras does), so a "
    "dense layer can read them.",
    "layer_softmax": "{name} has no weights: it turns the {n} scores into probabilities that "
    "add up to 100 %.",
    "flatten_large": "{name}: {prev}'s {shape} maps laid out as one row of {n:,} values (its "
    "strip below). No map to show large.",
    "filter": "Filter",
    "filter_tip": "The filter (output channel) whose kernel is shown; its map is shown large",
    "channel": "Channel",
    "channel_tip": "The input channel this kernel of the filter reads",
    "bias": "Bias",
    "bias_tip": "The filter's bias, added to every value of its map; type a number, Enter sets it",
    "no_bias": "none",
    "reset": "Reset to Trained Weights",
    "reset_tip": "Put back the weights the network was trained with (Edit ▸ Undo brings your "
    "edits back); enabled once a weight was changed",
    "animate": "Animate This Layer",
    "animate_tip": "Open this layer in the Convolution Layer mode, its input and learned "
    "weights loaded, to step through its arithmetic",
    "no_probs": "The network does not end in class scores (add flatten and dense layers to "
    "classify).",
    "error": "The network could not run: {error}",
    "open_title": "Open Network",
    "save_title": "Save Network As",
    "file_filter": "convgui networks (*.json *.npz);;All files (*)",
    "replace_title": "Replace file?",
    "replace_text": "“{name}” already exists and was not written by convgui in this session. "
    "Replace it (and its .json/.npz partner) with the network?",
    "not_saved": "The network was not saved to “{name}”.",
    "saved": "Network saved to {json} and {npz}",
    "save_failed": "The network was not saved: {exc}",
    "opened": "Network {name}: {n} layers, {params:,} parameters",
    "no_unit": "No receptive field shown",
    "busy": "Computing every layer's output… (the maps shown are the previous ones)",
    "new_weights": "No weights file {npz} beside {json}: the layers got new random weights.",
    "status": "{name} network · input: {input} · {result}",
    "status_sample": "sample {index} (a {label})",
    "status_sample_nolabel": "sample {index}",
    "status_drawn": "a drawn digit",
    "status_image": "the image ({shape})",
    "status_prediction": "prediction {label} ({pct})",
    "status_no_prediction": "{n} layers, no class scores",
    "status_error": "the network could not run",
    "status_edited": "weights edited",
    "remembered": "Your network from last time ({name}); Samples ▸ Digits Network opens the "
    "trained one.",
    "remembered_bad": "Your network from last time could not be read ({error}); the digits "
    "network is open instead.",
}


def float32_decimals(values: Any) -> np.ndarray:
    """Float32 weights as the shortest decimals that read back as the same float32 (float64).

    A learned weight ``-0.315508`` is float32; widened to float64 it reads
    ``-0.31550800800323486``, noise the user never typed. Typing the short text back gives the
    same float32, so the table and the bias field show that.
    """
    return np.asarray(values, dtype=np.float32).astype(str).astype(np.float64)


def _shape_text(shape: Any) -> str:
    return "×".join(str(int(v)) for v in shape)


def layer_text(network: Network, index: int) -> str:
    """What a layer without a sliding kernel does, in a sentence (the kernel editor's caption).

    Examples: ``pool1 has no weights: it keeps the largest value of each 2×2 window.``;
    ``dense: 800 × 10 weights and 10 biases, not a sliding kernel: …``.
    """
    spec = network.layers[index]
    name, t = spec.name, spec.type
    in_shape = network.input_shape_of(index)
    if t == "dense":
        kernel = network.weights[index].get("kernel")
        n_in = int(kernel.shape[0]) if kernel is not None else int(np.prod(in_shape))
        return TEXTS["layer_dense"].format(name=name, n_in=n_in, units=int(spec.units))
    if t in ("max_pool", "avg_pool"):
        size = _shape_text(spec.kernel_size)
        stride = tuple(spec.strides)
        step = (
            ""
            if stride == tuple(spec.kernel_size)
            else TEXTS["pool_step"].format(
                stride=_shape_text(stride) if stride[0] != stride[1] else stride[0]
            )
        )
        return TEXTS[f"layer_{t}"].format(name=name, size=size, step=step)
    if t == "activation":
        if spec.activation == "relu":
            return TEXTS["layer_relu"].format(name=name)
        return TEXTS["layer_activation"].format(name=name, act=spec.activation)
    if t == "flatten":
        n = int(np.prod(in_shape))
        return TEXTS["layer_flatten"].format(
            name=name, shape=_shape_text(in_shape), n=n, c=int(in_shape[-1])
        )
    if t == "softmax":
        return TEXTS["layer_softmax"].format(name=name, n=int(np.prod(in_shape)))
    return TEXTS["layer_noweights"].format(name=name, kind=spec.keras_class)


def status_line(net: NetState, sample_label: int | None) -> str:
    """The status bar's line in the network mode: the network, its input and its prediction.

    For example ``digits network · input: sample 3 (a 3) · prediction 3 (99.9 %)``.
    """
    network = net.network
    if net.input_source == "image":
        what = TEXTS["status_image"].format(shape=_shape_text(net.input.shape))
    elif net.sample_index is None:
        what = TEXTS["status_drawn"]
    elif sample_label is None:
        what = TEXTS["status_sample_nolabel"].format(index=net.sample_index)
    else:
        what = TEXTS["status_sample"].format(index=net.sample_index, label=sample_label)
    p = net.probabilities
    if net.error:
        result = TEXTS["status_error"]
    elif p is not None and p.size:
        win = int(np.argmax(p))
        result = TEXTS["status_prediction"].format(label=win, pct=percent_text(float(p[win])))
    else:
        result = TEXTS["status_no_prediction"].format(n=len(network.layers))
    line = TEXTS["status"].format(name=network.name or "new", input=what, result=result)
    if net.trained is not None and net.weights_modified:
        line += " · " + TEXTS["status_edited"]
    return line


class NetKernelSource(QObject):
    """One kernel of the selected conv layer, as the kernel table model reads and edits it.

    It has the members :class:`~convgui.gui.kernel_panel.KernelTableModel` and
    ``KernelTableView`` use of a state (``kernel``, ``kernel_changed``, ``set_kernel_cell``,
    ``set_kernel_block``), taken from the network state's selected layer, filter and channel.
    A layer without a kernel shows a 1×1 zero (the table is then disabled by the page).
    """

    kernel_changed = Signal()

    def __init__(self, net: NetState) -> None:
        super().__init__()
        self._net = net
        self._shown: tuple[Any, ...] | None = None
        #: The kernel shown, read once per change (the table reads it for every cell it paints).
        self._kernel = self._read_kernel()
        net.network_changed.connect(self.refresh)
        net.selection_changed.connect(self.refresh)

    def has_kernel(self) -> bool:
        """Whether the selected layer has kernels the table can show."""
        net = self._net
        layers = net.network.layers
        return 0 <= net.selected_layer < len(layers) and (
            layers[net.selected_layer].type in KERNEL_TYPES
        )

    @property
    def kernel(self) -> np.ndarray:
        """The ``(kh, kw)`` kernel shown (read-only)."""
        return self._kernel

    def _read_kernel(self) -> np.ndarray:
        net = self._net
        if not self.has_kernel():
            return np.zeros((1, 1), dtype=np.float32)
        try:
            k = net.kernel_of(net.selected_layer, net.selected_filter, net.selected_channel)
        except ValueError:  # a selection the state has not clamped yet: nothing to show
            return np.zeros((1, 1), dtype=np.float32)
        return float32_decimals(k)

    def _index(self, row: int, col: int) -> tuple[int, ...]:
        net = self._net
        spec = net.network.layers[net.selected_layer]
        f, c = net.selected_filter, net.selected_channel
        return (row, col, f, c) if spec.type == "conv2d_transpose" else (row, col, c, f)

    def set_kernel_cell(self, row: int, col: int, value: str) -> bool:
        """A typed cell: to the network state (CellParseError for text that is no number)."""
        if not self.has_kernel():
            return False
        parse_cell(str(value))  # the table marks text that is no number, as everywhere
        net = self._net
        return net.set_weight(net.selected_layer, "kernel", self._index(row, col), str(value))

    def set_kernel_block(self, row: int, col: int, block: np.ndarray) -> bool:
        """A pasted block with its top-left at ``(row, col)`` (clipped to the kernel)."""
        if not self.has_kernel():
            return False
        b = np.asarray(block, dtype=np.float64)
        if b.ndim != 2 or not np.all(np.isfinite(b)):
            raise ValueError("pasted values must be a finite 2-D block of numbers")
        k = np.array(self.kernel, dtype=np.float64)
        h = max(0, min(b.shape[0], k.shape[0] - row))
        w = max(0, min(b.shape[1], k.shape[1] - col))
        k[row : row + h, col : col + w] = b[:h, :w]
        net = self._net
        return net.set_kernel(net.selected_layer, net.selected_filter, net.selected_channel, k)

    def refresh(self) -> None:
        """Tell the table when the kernel it shows changed (another layer, filter or value)."""
        net = self._net
        k = self._kernel = self._read_kernel()
        key = (net.selected_layer, net.selected_filter, net.selected_channel, k.shape, k.tobytes())
        if key != self._shown:
            self._shown = key
            self.kernel_changed.emit()


class KernelEditor(QGroupBox):
    """The selected conv layer's kernel: filter and channel pickers, the table, the bias."""

    def __init__(self, net: NetState, parent: QWidget | None = None) -> None:
        super().__init__(TEXTS["kernel_box"], parent)
        self.setObjectName("networkKernelEditor")
        self.net = net
        self.source = NetKernelSource(net)
        self.model = KernelTableModel(self.source)  # type: ignore[arg-type]
        self.table = KernelTableView(self.source)  # type: ignore[arg-type]
        self.table.setObjectName("networkKernelTable")
        self.table.setModel(self.model)
        self.table.setMinimumHeight(90)
        self.caption = QLabel(objectName="networkKernelCaption")
        self.caption.setWordWrap(True)
        self.filter_spin = QSpinBox(objectName="networkFilterSpin")
        self.filter_spin.setToolTip(TEXTS["filter_tip"])
        self.filter_spin.valueChanged.connect(self._on_filter)
        self.channel_spin = QSpinBox(objectName="networkChannelSpin")
        self.channel_spin.setToolTip(TEXTS["channel_tip"])
        self.channel_spin.valueChanged.connect(self._on_channel)
        self.bias_edit = QLineEdit(objectName="networkBiasEdit")
        self.bias_edit.setToolTip(TEXTS["bias_tip"])
        self.bias_edit.editingFinished.connect(self._on_bias)
        self.pick_row = QWidget(objectName="networkKernelPickers")
        pick = QHBoxLayout(self.pick_row)
        pick.setContentsMargins(0, 0, 0, 0)
        pick.setSpacing(4)
        for text, w in ((TEXTS["filter"], self.filter_spin), (TEXTS["channel"], self.channel_spin)):
            label = QLabel(text)
            label.setBuddy(w)
            pick.addWidget(label)
            pick.addWidget(w, 1)
        self.bias_row = QWidget(objectName="networkBiasRow")
        bias_row = QHBoxLayout(self.bias_row)
        bias_row.setContentsMargins(0, 0, 0, 0)
        bias_row.setSpacing(4)
        bias_label = QLabel(TEXTS["bias"])
        bias_label.setBuddy(self.bias_edit)
        bias_row.addWidget(bias_label)
        bias_row.addWidget(self.bias_edit, 1)
        self.reset_button = QPushButton(TEXTS["reset"], objectName="networkResetWeights")
        self.reset_button.setToolTip(TEXTS["reset_tip"])
        self.reset_button.clicked.connect(net.reset_weights)
        self.animate_button = QPushButton(TEXTS["animate"], objectName="networkAnimateLayer")
        self.animate_button.setToolTip(TEXTS["animate_tip"])
        #: A dense layer's unit: its weights as the maps they multiply, its sum (read only).
        self.dense = DenseView(net)
        self.dense.setVisible(False)
        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.animate_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(3)
        lay.addWidget(self.caption)
        lay.addWidget(self.pick_row)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.dense, 1)
        lay.addWidget(self.bias_row)
        lay.addStretch(0)
        lay.addLayout(buttons)
        self.table.paste_failed.connect(lambda text: net.message.emit("warning", text))
        self.model.rejected.connect(
            lambda r, c, text: net.message.emit("warning", f"Weight ({r}, {c}): {text}")
        )
        net.network_changed.connect(self.update_view)
        net.selection_changed.connect(self.update_view)
        net.history_changed.connect(self._update_reset)
        #: The layers, selection and bias the pickers, caption and bias field show.
        self._shown: tuple[Any, ...] | None = None
        self.update_view()

    def _on_filter(self, value: int) -> None:
        net = self.net
        if value != net.selected_filter:
            net.select(net.selected_layer, value, net.selected_channel)

    def _on_channel(self, value: int) -> None:
        net = self.net
        if value != net.selected_channel:
            net.select(net.selected_layer, net.selected_filter, value)

    def _bias_value(self) -> float | None:
        net = self.net
        layers = net.network.layers
        i = net.selected_layer
        if not (0 <= i < len(layers)) or layers[i].type not in KERNEL_TYPES:
            return None
        bias = net.network.weights[i].get("bias")
        if bias is None or not 0 <= net.selected_filter < bias.shape[0]:
            return None
        return float(bias[net.selected_filter])

    def _on_bias(self) -> None:
        value = self._bias_value()
        text = self.bias_edit.text().strip()
        if value is None or not text or text == cell_edit_text(value):
            self._show_bias()
            return
        try:
            parse_cell(text)
        except CellParseError as exc:
            self.net.message.emit("warning", f"Bias: {exc}")
            self._show_bias()
            return
        net = self.net
        if not net.set_weight(net.selected_layer, "bias", (net.selected_filter,), text):
            self._show_bias()

    def _show_bias(self) -> None:
        value = self._bias_value()
        text = TEXTS["no_bias"] if value is None else cell_edit_text(float(float32_decimals(value)))
        if text != self.bias_edit.text() or self.bias_edit.isModified():
            with QSignalBlocker(self.bias_edit):
                self.bias_edit.setText(text)
                self.bias_edit.setCursorPosition(0)  # the sign and first digits in sight
        self.bias_edit.setEnabled(value is not None)

    def update_view(self) -> None:
        """Pickers, caption, bias and buttons from the state.

        A kernel cell edit gives a new network with the same layers, selection and bias: then
        only the reset button can change (the table follows its own source).
        """
        net = self.net
        network = net.network
        layers = network.layers
        i = net.selected_layer
        key = (
            layers,
            network.input_shape,
            i,
            net.selected_filter,
            net.selected_channel,
            self._bias_value(),
        )
        if key == self._shown:
            self._update_reset()
            return
        self._shown = key
        spec = layers[i] if 0 <= i < len(layers) else None
        conv = spec is not None and spec.type in KERNEL_TYPES
        if spec is not None and conv:
            in_ch = network.input_shape_of(i)[-1]
            nc = in_ch // spec.groups if spec.type == "conv2d" else in_ch
            nf = spec.filters
            self.caption.setText(
                TEXTS["layer_kernel"].format(
                    name=spec.name, f=net.selected_filter, nf=nf, c=net.selected_channel, nc=nc
                )
            )
        else:
            nf = nc = 1
            self.caption.setText(TEXTS["layer_none"] if spec is None else layer_text(network, i))
        for spin, n, value in (
            (self.filter_spin, nf, net.selected_filter),
            (self.channel_spin, nc, net.selected_channel),
        ):
            # Only what differs: setting a spin box's range or value rewrites and repaints
            # its text (and asks the column for a new layout) even when nothing changed.
            top = max(0, n - 1)
            with QSignalBlocker(spin):
                if (spin.minimum(), spin.maximum()) != (0, top):
                    spin.setRange(0, top)
                if spin.value() != min(max(0, value), top):
                    spin.setValue(min(max(0, value), top))
            spin.setEnabled(conv and n > 1)
        self.table.setEnabled(conv)
        # A layer without a kernel: no one-cell table, pickers or bias; the caption says
        # what the layer does instead.
        for w in (self.table, self.pick_row, self.bias_row):
            w.setVisible(conv)
        # A dense layer shows its unit's weights as the maps they multiply; its caption
        # scrolls with them (the column is short at a large text).
        dense = spec is not None and spec.type == "dense"
        self.dense.setVisible(dense)
        self.caption.setVisible(not dense)
        self.dense.caption.setText(self.caption.text() if dense else "")
        self.animate_button.setEnabled(
            spec is not None and can_animate(spec, network.input_shape_of(i))
        )
        self._show_bias()
        self._update_reset()

    def _update_reset(self) -> None:
        net = self.net
        self.reset_button.setEnabled(net.trained is not None and bool(net.weights_modified))


class NetworkPage(QWidget):
    """The network mode's page (see the module docstring for its layout)."""

    def __init__(self, net: NetState, parent: QWidget | None = None) -> None:
        from .digit_canvas import DigitPanel
        from .network_maps import InputRFView, NetworkMapsView

        super().__init__(parent)
        self.setObjectName("networkMode")
        self.net = net

        # --- left: layers, settings, summary ---------------------------------------------
        self.layer_list = LayerList()
        self.form = LayerSettingsForm()
        self.summary = SummaryTable()
        form_scroll = QScrollArea(objectName="networkFormScroll")
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        top_left = QWidget()
        tl = QVBoxLayout(top_left)
        tl.setContentsMargins(4, 2, 4, 2)
        tl.setSpacing(4)
        tl.addWidget(self.layer_list, 3)
        tl.addWidget(form_scroll, 4)
        self.left = QSplitter(Qt.Orientation.Vertical, objectName="networkLeftSplitter")
        self.left.addWidget(top_left)
        self.summary.setContentsMargins(4, 0, 4, 2)
        self.left.addWidget(self.summary)
        self.left.setChildrenCollapsible(False)
        self.left.setStretchFactor(0, 3)
        self.left.setStretchFactor(1, 2)

        # --- centre: input, input with the receptive field, every layer's maps ------------
        self.source_combo = QComboBox(objectName="networkSourceCombo")
        self.source_combo.addItem(TEXTS["source_digit"], "digit")
        self.source_combo.addItem(TEXTS["source_image"], "image")
        self.source_combo.setToolTip(TEXTS["source_tip"])
        self.source_combo.activated.connect(self._on_source)
        self.sample_spin = QSpinBox(objectName="networkSampleSpin")
        self.sample_spin.setRange(0, 99)
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setToolTip(TEXTS["sample_tip"])
        self.sample_spin.valueChanged.connect(self._on_sample)
        self.sample_label = QLabel(objectName="networkSampleLabel")
        self.digit_panel = DigitPanel()
        self.digit_panel.setObjectName("networkDigitPanel")
        self.digit_panel.digit_changed.connect(self._on_drawn)
        self.image_note = QLabel(objectName="networkImageNote")
        self.image_note.setWordWrap(True)
        self.image_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.input_stack = QStackedWidget(objectName="networkInputStack")
        self.input_stack.addWidget(self.digit_panel)
        self.input_stack.addWidget(self.image_note)
        self.rf_view = InputRFView()
        self.rf_view.setObjectName("networkInputRF")
        self.maps = NetworkMapsView()
        self.maps.setObjectName("networkMaps")
        source_row = QHBoxLayout()
        source_row.setSpacing(4)
        source_label = QLabel(TEXTS["source"])
        source_label.setBuddy(self.source_combo)
        source_row.addWidget(source_label)
        source_row.addWidget(self.source_combo, 1)
        sample_label = QLabel(TEXTS["sample"])
        sample_label.setBuddy(self.sample_spin)
        source_row.addWidget(sample_label)
        source_row.addWidget(self.sample_spin)
        source_row.addWidget(self.sample_label)
        # The input, the input with the receptive field, the selected map enlarged: side by
        # side above the strips of every layer's maps (the input has no strip of its own).
        # (The enlarged map is moved here directly: NetworkMapsView.detach_large_map shows it
        # as a window of its own for a moment, which takes the focus from the main window.)
        self.large_map = self.maps.large
        self.maps.set_input_strip_visible(False)
        inputs = QSplitter(Qt.Orientation.Horizontal, objectName="networkInputs")
        inputs.addWidget(self.input_stack)
        inputs.addWidget(self.rf_view)
        self.large_note = QLabel(objectName="networkLargeNote")
        self.large_note.setWordWrap(True)
        self.large_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.large_note.setMargin(8)
        # The note takes the enlarged map's room; its wrapped text never widens the page.
        self.large_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.large_stack = QStackedWidget(objectName="networkLargeStack")
        self.large_stack.addWidget(self.large_map)
        self.large_stack.addWidget(self.large_note)
        inputs.addWidget(self.large_stack)
        inputs.setChildrenCollapsible(False)
        for i, stretch in enumerate((2, 2, 3)):
            inputs.setStretchFactor(i, stretch)
        self.inputs = inputs
        top_centre = QWidget()
        tc = QVBoxLayout(top_centre)
        tc.setContentsMargins(4, 2, 4, 0)
        tc.setSpacing(2)
        tc.addLayout(source_row)
        tc.addWidget(inputs, 1)
        self.centre = QSplitter(Qt.Orientation.Vertical, objectName="networkCentreSplitter")
        self.centre.addWidget(top_centre)
        self.centre.addWidget(self.maps)
        self.centre.setChildrenCollapsible(False)
        self.centre.setStretchFactor(0, 2)
        self.centre.setStretchFactor(1, 3)
        self.status = QLabel(objectName="networkStatus")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        centre_box = QWidget(objectName="networkCentre")
        cb = QVBoxLayout(centre_box)
        cb.setContentsMargins(0, 0, 0, 0)
        cb.setSpacing(0)
        cb.addWidget(self.centre, 1)
        cb.addWidget(self.status)

        # --- right: probabilities, the kernel ------------------------------------------------
        self.bars = ProbabilityBars()
        self.kernel = KernelEditor(net)
        probs_title = QLabel(TEXTS["probs"], objectName="networkProbsTitle")
        pf = probs_title.font()
        pf.setBold(True)
        probs_title.setFont(pf)
        right = QWidget(objectName="networkRight")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 2, 4, 2)
        rl.setSpacing(4)
        rl.addWidget(probs_title)
        rl.addWidget(self.bars, 5)
        rl.addWidget(self.kernel, 4)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="networkSplitter")
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(centre_box)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)
        self._user_split = False
        self.splitter.splitterMoved.connect(self._on_split_moved)

        # --- wiring: intent to the state, the state to the views ----------------------------
        self.layer_list.layer_selected.connect(lambda i: net.select(i))
        self.layer_list.add_requested.connect(self.add_layer)
        self.layer_list.remove_requested.connect(self.remove_layer)
        self.layer_list.move_requested.connect(self.move_layer)
        self.form.edited.connect(self._on_form)
        self.maps.map_selected.connect(lambda layer, ch: net.select(layer, ch))
        self.maps.unit_clicked.connect(self._on_unit_clicked)
        net.network_changed.connect(self._on_network)
        net.structure_changed.connect(self._on_network)
        net.input_changed.connect(self._on_input)
        net.outputs_changed.connect(self._on_outputs)
        net.selection_changed.connect(self._on_selection)
        net.unit_changed.connect(self._on_unit)
        net.busy_changed.connect(self._on_busy)
        self._layers_key: tuple[Any, ...] | None = None
        #: The layers and selected layer the list and the settings form show.
        self._form_key: tuple[Any, ...] | None = None
        self._on_network()
        self._on_input()
        self._on_outputs()
        self._on_selection()
        self._on_unit()

    # --- intent ---------------------------------------------------------------------------

    def add_layer(self, kind: str) -> bool:
        """Add ▾ ▸ kind: a layer after the selected one."""
        net = self.net
        at = net.selected_layer + 1 if net.network.layers else 0
        return bool(net.add_layer(kind, at))

    def remove_layer(self) -> bool:
        """Remove the selected layer."""
        return bool(self.net.remove_layer(self.net.selected_layer))

    def move_layer(self, delta: int) -> bool:
        """Move the selected layer ``delta`` places (−1 up, +1 down)."""
        i = self.net.selected_layer
        return bool(self.net.move_layer(i, i + delta))

    def _on_form(self, changes: dict[str, Any]) -> None:
        net = self.net
        i = net.selected_layer
        ok = net.set_layer(i, **changes)
        if not ok:  # refused: the state said why; show its value again
            layers = net.network.layers
            self.form.show_layer(layers[i] if 0 <= i < len(layers) else None)
            self._form_key = (layers, net.selected_layer)

    def _on_unit_clicked(self, layer: int, row: int, col: int) -> None:
        """A unit clicked on a map (a vector layer's unit comes as ``(layer, 0, index)``)."""
        shapes = self.net.network.output_shapes
        if not 0 <= layer < len(shapes):
            return
        self.net.set_unit(layer, (row, col) if len(shapes[layer]) == 3 else (col,))

    def _on_source(self) -> None:
        source = str(self.source_combo.currentData())
        if not self.net.set_input_source(source):
            self._show_source()

    def _on_sample(self, index: int) -> None:
        if self.net.sample_index != index or self.net.input_source != "digit":
            self.net.set_sample(index)

    def _on_drawn(self, digit: object) -> None:
        self.net.set_drawn(np.asarray(digit, dtype=np.float32))

    # --- views --------------------------------------------------------------------------------

    def _on_network(self) -> None:
        net = self.net
        network = net.network
        layers = network.layers
        shapes = network.output_shapes
        key = (layers, network.input_shape)
        if key != self._layers_key:
            self._layers_key = key
            names, kinds = [s.name for s in layers], [s.type for s in layers]
            self.maps.set_layers(names, kinds, [tuple(s) for s in shapes])
            self.rf_view.set_layers(names, kinds, [tuple(s) for s in shapes])
            try:
                rows, total = network.summary()
                self.summary.set_summary(rows, total)
            except ValueError as exc:  # pragma: no cover - a Network always has valid shapes
                self.summary.set_summary([], None, str(exc))
        self._update_layer_form()
        self._update_large_note()

    def _update_layer_form(self) -> None:
        """The layer list and the selected layer's settings, when the layers or selection changed.

        A weight edit gives a new network with the same layers: the list and the form stay
        as they are (rewriting every field repaints the form and lays the column out again).
        """
        net = self.net
        layers = net.network.layers
        i = net.selected_layer
        key = (layers, i)
        if key == self._form_key:
            return
        self._form_key = key
        self.layer_list.set_layers(layers, i)
        self.form.show_layer(layers[i] if 0 <= i < len(layers) else None)

    def _show_source(self) -> None:
        net = self.net
        with QSignalBlocker(self.source_combo):
            self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(net.input_source)))
        digit = net.input_source == "digit"
        self.input_stack.setCurrentWidget(self.digit_panel if digit else self.image_note)
        # The image is drawn large beside it (with the receptive field): no room for a note.
        self.input_stack.setVisible(digit)
        self.sample_spin.setEnabled(digit)
        idx = net.sample_index
        with QSignalBlocker(self.sample_spin):
            if idx is not None:
                self.sample_spin.setValue(idx)
        if not digit:
            shape = "×".join(str(v) for v in net.input.shape)
            self.image_note.setText(TEXTS["image_note"].format(shape=shape))
            self.sample_label.setText("")
            self.source_combo.setToolTip(TEXTS["source_tip"] + "\n" + self.image_note.text())
        elif idx is None:
            self.sample_label.setText(TEXTS["drawn"])
        else:
            label = self.sample_class(idx)
            self.sample_label.setText(
                TEXTS["sample_label"].format(index=idx, label=label) if label is not None else ""
            )

    def sample_class(self, index: int) -> int | None:
        """The true class of shipped digit ``index`` (None when unknown)."""
        try:
            labels = self.net.samples[1]
        except (OSError, ValueError):
            return None
        return int(labels[index]) if 0 <= index < len(labels) else None

    def _on_input(self) -> None:
        net = self.net
        self._show_source()
        x = net.input
        self.rf_view.set_input(x)
        self.maps.set_input(x)
        if net.input_source == "digit" and net.sample_index is not None:
            with QSignalBlocker(self.digit_panel):
                self.digit_panel.set_digit(np.asarray(x)[:, :, 0])

    def _on_outputs(self) -> None:
        net = self.net
        self.maps.set_outputs(net.outputs)
        if net.error:
            self.bars.empty_text = TEXTS["error"].format(error=net.error)
            self.status.setText(TEXTS["error"].format(error=net.error))
            self.status.setVisible(True)
        else:
            self.bars.empty_text = TEXTS["no_probs"]
            self.status.setVisible(False)
        self.bars.set_probabilities(net.probabilities)

    def _on_busy(self, busy: bool) -> None:
        """A large input computes on a worker: say so while it runs (the old maps stay)."""
        if busy:
            self.status.setText(TEXTS["busy"])
            self.status.setVisible(True)
        elif self.status.text() == TEXTS["busy"]:
            self.status.setVisible(False)

    def _on_selection(self) -> None:
        net = self.net
        self._update_layer_form()
        self.maps.set_selected(net.selected_layer, net.selected_filter)
        self._update_large_note()

    def _update_large_note(self) -> None:
        """Flatten has no map to enlarge (it was a one-pixel line): say what it does instead."""
        network = self.net.network
        i = self.net.selected_layer
        flat = 0 <= i < len(network.layers) and network.layers[i].type == "flatten"
        if flat:
            in_shape = network.input_shape_of(i)
            prev = network.layers[i - 1].name if i > 0 else "the input"
            self.large_note.setText(
                TEXTS["flatten_large"].format(
                    name=network.layers[i].name,
                    shape=_shape_text(in_shape),
                    n=int(np.prod(in_shape)),
                    prev=prev,
                )
            )
        self.large_stack.setCurrentWidget(self.large_note if flat else self.large_map)

    def _on_unit(self) -> None:
        rf = self.net.receptive
        layers = self.net.network.layers
        name = layers[rf.layer].name if rf is not None and rf.layer < len(layers) else None
        self.maps.set_receptive_field(rf)
        self.rf_view.set_receptive_field(rf, name)

    # --- sizes --------------------------------------------------------------------------------

    def _on_split_moved(self, *_: object) -> None:
        self._user_split = True

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._balance()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._balance()

    def _balance(self) -> None:
        """Left and right columns as wide as their content needs; the centre takes the rest."""
        if self._user_split:
            return
        total = sum(self.splitter.sizes()) or self.width()
        left = max(self.left.minimumSizeHint().width(), min(420, int(total * 0.35)))
        right = max(self.splitter.widget(2).minimumSizeHint().width(), min(380, int(total * 0.25)))
        centre = max(0, total - left - right)
        self.splitter.setSizes([left, centre, right])
        # The input and its receptive field above, the maps (the enlarged one and the strips)
        # below with most of the height.
        height = sum(self.centre.sizes()) or self.height()
        top = min(max(int(height * 0.5), 240), 520)
        self.centre.setSizes([top, max(0, height - top)])

    def splitter_state(self) -> dict[str, list[int]]:
        """The three splitters' sizes (what the window remembers)."""
        return {
            SPLIT_SETTING: list(self.splitter.sizes()),
            LEFT_SPLIT_SETTING: list(self.left.sizes()),
            CENTRE_SPLIT_SETTING: list(self.centre.sizes()),
            INPUTS_SPLIT_SETTING: list(self.inputs.sizes()),
        }

    def restore_splitters(self, sizes: dict[str, list[int]]) -> None:
        """Bring back remembered splitter sizes (wrong or damaged values are ignored)."""
        for key, splitter in (
            (SPLIT_SETTING, self.splitter),
            (LEFT_SPLIT_SETTING, self.left),
            (CENTRE_SPLIT_SETTING, self.centre),
            (INPUTS_SPLIT_SETTING, self.inputs),
        ):
            value = sizes.get(key)
            if (
                isinstance(value, list)
                and len(value) == splitter.count()
                and all(isinstance(v, int) and 0 < v < 100_000 for v in value)
            ):
                splitter.setSizes(value)
                if splitter is self.splitter:
                    self._user_split = True

    def handle_key(self, key: int) -> bool:
        """The window's animation keys in this mode: none (the page has no animation)."""
        return False

    def set_text_scale(self, factor: float) -> None:
        """View ▸ Text Size reached this page (the bars scale with the widget's font)."""
        for view in (self.maps, self.rf_view):
            view.set_text_scale(factor)
        self.kernel.table.updateGeometries()
        self.bars.update()


def networks_dir(settings: Any) -> Path:
    """The folder where the network of the last run is kept.

    ``networks/`` beside the settings file when the settings are an INI file (the
    ``CONVGUI_SETTINGS`` file, a test's private settings), else ``networks/`` in the
    application data folder (``QStandardPaths.AppDataLocation``). Nothing else is written there.
    """
    try:
        ini = settings.format() == settings.Format.IniFormat
        name = str(settings.fileName()) if ini else ""
    except (AttributeError, RuntimeError):
        name = ""
    if name:
        return Path(name).parent / "networks"
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".convgui") / "networks"


def _int_list(value: Any) -> list[int] | None:
    """A remembered list of ints (QSettings gives strings back from an INI file)."""
    if isinstance(value, (list, tuple)):
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            return None
    return None


class NetworkMode(QObject):
    """The network mode of a window: its state, page and undo actions (``window.network_mode``)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        # The layer mode first: its mode handler then runs before ours, so ours has the last
        # word on which Undo/Redo pair is shown and which View entry is checked.
        from ..net_state import NetState

        layer_mode.ensure(window)
        self.net = NetState(window.state)
        self.page = NetworkPage(self.net)
        #: The last message this mode put in the window's bar, and whether it came in the
        #: change being handled now (then it stays: it is about that change).
        self._own: str | None = None
        self._fresh = False
        #: The explorer's display note, kept while this mode's line is in the status bar.
        self._display_text: str | None = None
        self.net.message.connect(self._on_message)
        self.net.network_changed.connect(self._on_accepted)
        self.net.input_changed.connect(self._on_accepted)
        window.add_mode(MODE, self.page, keys=self.page.handle_key)
        window.mode_changed.connect(self._on_mode)
        window.files.opening.connect(self._on_image_opening)
        for sig in (
            self.net.outputs_changed,
            self.net.input_changed,
            self.net.history_changed,
            window.state.busy_changed,  # the window writes the explorer's line on these:
            window.state.result_changed,  # ours comes after it while this mode is shown
            window.state.image_changed,
        ):
            sig.connect(self._update_status)
        window.text_scale_changed.connect(self.page.set_text_scale)
        self._closed = False
        window.installEventFilter(self)
        self.undo_action, self.redo_action = self._make_undo_actions()
        self.net.history_changed.connect(self._update_history)
        self._update_history()
        self.page.kernel.animate_button.clicked.connect(lambda: animate_selected(window))
        self._restore_settings()
        self.page.source_combo.activated.connect(self._remember_source)
        for s in (self.page.splitter, self.page.left, self.page.centre, self.page.inputs):
            s.splitterMoved.connect(self._remember_splitters)
        self.page.digit_panel.pen_slider.valueChanged.connect(
            lambda v: window.settings.setValue(PEN_SETTING, int(v))
        )

    # --- messages and the status bar ----------------------------------------------------------

    def _on_message(self, level: str, text: str) -> None:
        self.window.show_message(level, text)
        if level in ("error", "warning", "info"):
            self._own = text
            self._fresh = True
            QTimer.singleShot(0, self, self._settle)

    def _settle(self) -> None:
        self._fresh = False

    def _on_accepted(self) -> None:
        """An accepted change (network or input): our earlier message is obsolete.

        A refused edit's error, "dense got new random weights … Undo to get the old ones
        back" once undone, the red banner of a refused file once another opened. A message
        said in the same change (the event loop has not run since) is about it and stays.
        """
        if self._fresh or self._own is None:
            return
        bar = self.window.message_bar
        if bar.text == self._own:
            bar.hide()
        self._own = None

    def hide_own_message(self) -> None:
        """Hide the window's message bar if it shows this mode's last message."""
        if self._own is not None and self.window.message_bar.text == self._own:
            self.window.message_bar.hide()
        self._own = None

    def status_text(self) -> str:
        """The network's line for the status bar (see :func:`status_line`)."""
        idx = self.net.sample_index
        label = self.page.sample_class(idx) if idx is not None else None
        return status_line(self.net, label)

    def _update_status(self, *_: object) -> None:
        """The network's line in the status bar's widest part (no pointer readout here).

        The explorer's image line and display note are blanked while this mode is shown
        (the window writes them on its state's signals: this runs after it).
        """
        w = self.window
        if w.mode == MODE:
            w.hover_label.setText(self.status_text())
            w.info_label.setText("")
            w.display_label.setText("")

    # --- the network of the last run -------------------------------------------------------------

    def remembered_paths(self) -> tuple[Path, Path]:
        """``last.json`` and ``last.npz`` in :func:`networks_dir`."""
        folder = networks_dir(self.window.settings)
        return folder / "last.json", folder / "last.npz"

    def remember_network(self) -> bool:
        """Keep the network for the next run (on closing the window); True when written.

        The untouched shipped digits network is not written (the next run opens it anyway);
        anything else is saved as ``networks/last.json`` + ``.npz`` in :func:`networks_dir`,
        with where its trained copy came from. A failure is quiet: the window is closing.
        """
        net, s = self.net, self.window.settings
        try:
            digits = Network.digits()
        except (OSError, ValueError):
            digits = None
        if net.network is digits and net.trained is digits:
            s.setValue(REMEMBERED_SETTING, False)
            return False
        json_path, _ = self.remembered_paths()
        try:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            net.network.save(json_path, confirmed=True)
        except (SaveError, OSError, ValueError):
            return False
        if net.trained is None:
            origin = "none"
        elif net.trained is digits:
            origin = "digits"
        else:
            origin = "file" if net.path is not None else "none"
        s.setValue(REMEMBERED_SETTING, True)
        s.setValue(TRAINED_FROM_SETTING, origin)
        s.setValue(ORIGIN_SETTING, str(net.path) if net.path is not None else "")
        return True

    def restore_network(self) -> bool:
        """Open the network of the last run if one was kept; True when it was opened."""
        s = self.window.settings
        if str(s.value(REMEMBERED_SETTING, False)).lower() != "true":
            return False
        json_path, _ = self.remembered_paths()
        origin_text = s.value(ORIGIN_SETTING, "")
        origin = Path(origin_text) if isinstance(origin_text, str) and origin_text else None
        source = s.value(TRAINED_FROM_SETTING, "none")
        try:
            net = Network.load(json_path)
        except (NetworkFileError, OSError, ValueError) as exc:
            s.setValue(REMEMBERED_SETTING, False)
            self._on_message("warning", TEXTS["remembered_bad"].format(error=exc))
            return False
        trained: Network | None = None
        try:
            if source == "digits":
                trained = Network.digits()
            elif source == "file" and origin is not None:
                loaded = Network.load(origin)
                trained = None if loaded.new_weights else loaded
        except (NetworkFileError, OSError, ValueError):
            trained = None  # the file it came from is gone: Reset has nothing to restore
        if not self.net.open_remembered(net, trained=trained, path=origin):
            return False
        self.window.show_message("status", TEXTS["remembered"].format(name=net.name or "new"))
        return True

    # --- settings -----------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self.window.settings
        sizes = {}
        keys = (SPLIT_SETTING, LEFT_SPLIT_SETTING, CENTRE_SPLIT_SETTING, INPUTS_SPLIT_SETTING)
        for key in keys:
            value = _int_list(s.value(key))
            if value is not None:
                sizes[key] = value
        self.page.restore_splitters(sizes)
        pen = s.value(PEN_SETTING)
        try:
            width = float(pen) if pen is not None else math.nan
        except (TypeError, ValueError):
            width = math.nan  # a damaged remembered width: the panel keeps its own
        slider = self.page.digit_panel.pen_slider
        if math.isfinite(width) and slider.minimum() <= width <= slider.maximum():
            slider.setValue(round(width))

    def remembered_source(self) -> str:
        """The remembered input source (``"digit"`` unless ``"image"`` was remembered)."""
        value = self.window.settings.value(SOURCE_SETTING, "digit")
        return value if value in ("digit", "image") else "digit"

    def _remember_source(self) -> None:
        self.window.settings.setValue(SOURCE_SETTING, self.net.input_source)

    def _remember_splitters(self, *_: object) -> None:
        for key, value in self.page.splitter_state().items():
            self.window.settings.setValue(key, value)

    # --- undo and redo in this mode -----------------------------------------------------------

    def _make_undo_actions(self) -> tuple[QAction, QAction]:
        return mode_undo_actions(self.window, self.net, "network")

    def _update_history(self) -> None:
        show_history(self.undo_action, self.redo_action, self.net)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and not self._closed:
            self._closed = True  # a window may be closed twice (by the user, then by Qt)
            self.remember_network()
            self.net.close()
        return False

    def _on_image_opening(self) -> None:
        # An image opened here while the network reads a digit would land out of sight: show
        # it where it is read (the single-kernel mode), as the main path expects.
        w = self.window
        if w.mode == MODE and self.net.input_source != "image":
            w.show_mode("kernel")
            w.show_message("status", TEXTS["image_elsewhere"])

    def _on_mode(self, name: str) -> None:
        mine = name == MODE
        w = self.window
        self.undo_action.setVisible(mine)
        self.redo_action.setVisible(mine)
        if mine:
            lm = getattr(w, "layer_mode", None)
            others = [w.undo_action, w.redo_action]
            if lm is not None:
                others += [lm.undo_action, lm.redo_action]
            for act in others:
                act.setVisible(False)
        elif name == "kernel":
            w.undo_action.setVisible(True)
            w.redo_action.setVisible(True)
        built = getattr(w, "actions_built", None)
        group = built.groups.get(layer_mode.MODE_GROUP) if built is not None else None
        if mine and isinstance(group, QActionGroup):
            for act in group.actions():
                if act.objectName() == "modeNetworkAction":
                    act.setChecked(True)  # not triggered: the group stays exclusive
        if mine:
            QTimer.singleShot(0, self.page._balance)
            if self._display_text is None:
                self._display_text = w.display_label.text()
            self._update_status()
        elif self._display_text is not None:  # the explorer's lines back
            w.hover_label.setText("")
            w.info_label.setText(status.info_text(w.state))
            w.display_label.setText(self._display_text)
            self._display_text = None


# --- the entries' callbacks ---------------------------------------------------------------------


def ensure(window: Any) -> NetworkMode:
    """The window's network mode, built on first use (the digits network opened in it)."""
    nm = getattr(window, "network_mode", None)
    if nm is None:
        nm = NetworkMode(window)
        window.network_mode = nm
        nm.net.set_sample(0)
        if not nm.restore_network():
            nm.net.open_digits()
        if nm.remembered_source() == "image" and window.state.doc is not None:
            nm.net.set_input_source("image")
    return nm


def show_network_mode(window: Any) -> NetworkMode:
    """View ▸ Network."""
    nm = ensure(window)
    window.show_mode(MODE)
    return nm


def open_digits_network(window: Any) -> NetworkMode:
    """Samples ▸ Digits Network: the shipped trained network on a shipped digit."""
    nm = show_network_mode(window)
    nm.net.open_digits()
    nm.page._show_source()
    return nm


def new_network(window: Any) -> None:
    """Network ▸ New Network."""
    show_network_mode(window).net.new_network()


def open_network_path(window: Any, path: str | Path) -> bool:
    """Open a network file (either of its .json/.npz); on failure the state says why."""
    nm = show_network_mode(window)
    if not nm.net.open_network(path):
        return False
    rows, total = nm.net.network.summary()
    window.show_message(
        "status",
        TEXTS["opened"].format(name=Path(path).stem, n=len(rows), params=total),
    )
    return True


def remember_dir(window: Any, path: str | Path) -> None:
    """Remember ``path``'s folder: the next file dialog (a network's or an image's) starts there."""
    window.settings.setValue(LAST_DIR_SETTING, str(Path(path).parent))


def open_network_dialog(window: Any) -> None:
    """Network ▸ Open Network…."""
    path, _ = QFileDialog.getOpenFileName(
        window, TEXTS["open_title"], window.files.dialog_dir(), TEXTS["file_filter"]
    )
    if path:
        remember_dir(window, path)
        open_network_path(window, path)


def save_network_path(window: Any, path: str | Path) -> bool:
    """Save the network as ``stem.json`` + ``stem.npz``, asking before replacing a file."""
    nm = show_network_mode(window)
    p = Path(path)
    try:
        try:
            written = nm.net.save_network(p)
        except NeedsConfirmationError as exc:
            # The file that would be replaced: the .npz when only it is there and not ours.
            question = TEXTS["replace_text"].format(name=Path(exc.path).name)
            if not window.files.ask(TEXTS["replace_title"], question):
                window.show_message("status", TEXTS["not_saved"].format(name=p.name))
                return False
            written = nm.net.save_network(p, confirmed=True)
    except (SaveError, OSError, ValueError) as exc:
        window.show_message("error", TEXTS["save_failed"].format(exc=exc))
        return False
    stem = Path(written).with_suffix("")
    window.show_message(
        "status", TEXTS["saved"].format(json=stem.name + ".json", npz=stem.name + ".npz")
    )
    return True


def save_network_dialog(window: Any) -> None:
    """Network ▸ Save Network As…."""
    nm = show_network_mode(window)
    start = nm.net.path or Path(window.files.dialog_dir()) / "network.json"
    path, _ = QFileDialog.getSaveFileName(
        window,
        TEXTS["save_title"],
        str(start),
        TEXTS["file_filter"],
        options=QFileDialog.Option.DontConfirmOverwrite,  # we ask, about both files
    )
    if path:
        remember_dir(window, path)
        save_network_path(window, path)


def reset_weights(window: Any) -> bool:
    """Network ▸ Reset to Trained Weights."""
    return bool(show_network_mode(window).net.reset_weights())


def add_layer(window: Any, kind: str) -> bool:
    """Network ▸ Add Layer ▸ kind (after the selected layer)."""
    return show_network_mode(window).page.add_layer(kind)


def remove_layer(window: Any) -> bool:
    """Network ▸ Remove Layer."""
    return show_network_mode(window).page.remove_layer()


def move_layer(window: Any, delta: int) -> bool:
    """Network ▸ Move Layer Up (−1) / Down (+1)."""
    return show_network_mode(window).page.move_layer(delta)


def clear_unit(window: Any) -> None:
    """Network ▸ Clear Receptive Field."""
    show_network_mode(window).net.clear_unit()


def animate_selected(window: Any) -> bool:
    """Network ▸ Animate This Layer: the selected layer, with its input, in the layer mode."""
    from .network_animate import animate_layer

    nm = ensure(window)
    net = nm.net
    i = net.selected_layer
    outputs = net.outputs
    if i > 0 and (outputs is None or len(outputs) < i):
        window.show_message("warning", "The layer's input is not computed yet. Try again.")
        return False
    layer_input = net.input if i == 0 else outputs[i - 1]  # type: ignore[index]
    maps = nm.page.maps
    spec = net.network.layers[i] if 0 <= i < len(net.network.layers) else None
    # A pooling or activation layer (channel by channel) animates the channel shown large (the
    # map the user picked).
    per_channel = ("max_pool", "avg_pool", "activation")
    shown = (
        maps.selected_channel
        if spec is not None and spec.type in per_channel and maps.selected_layer == i
        else net.selected_filter
    )
    return bool(animate_layer(window, net.network, i, layer_input, filter=int(shown)))


def entries() -> list[Entry]:
    """The network mode's menu entries (View ▸ Network, Samples ▸ Digits Network, Network ▸ …)."""
    out: list[Entry] = [
        ActionSpec(
            "modeNetworkAction",
            "&Network",
            lambda w, _on=True: show_network_mode(w),
            MENU_VIEW,
            ("Ctrl+Alt+3",),
            "A stack of layers: every layer's maps, receptive fields, a trained digits network",
            checkable=True,
            group=layer_mode.MODE_GROUP,
        ),
        Separator(MENU_SAMPLES),
        ActionSpec(
            "digitsNetworkAction",
            "&Digits Network",
            lambda w: open_digits_network(w),
            MENU_SAMPLES,
            (),
            "A small CNN trained on MNIST digits: draw a digit, watch every layer and the "
            "prediction, edit a learned kernel",
        ),
        ActionSpec(
            "newNetworkAction",
            "&New Network",
            lambda w: new_network(w),
            MENU_NET,
            (),
            "A small stack for the current input: conv 8 3×3 same → relu → max pool 2",
        ),
        ActionSpec(
            "openNetworkAction",
            "&Open Network…",
            lambda w: open_network_dialog(w),
            MENU_NET,
            ("Ctrl+Alt+O",),
            "Load a network: its structure (.json) and weights (.npz, Keras layouts)",
        ),
        ActionSpec(
            "saveNetworkAction",
            "&Save Network As…",
            lambda w: save_network_dialog(w),
            MENU_NET,
            ("Ctrl+Alt+S",),
            "Save the network: structure as .json, weights as .npz (Keras layouts)",
        ),
        Separator(MENU_NET),
        ActionSpec(
            "resetWeightsAction",
            "&Reset to Trained Weights",
            lambda w: reset_weights(w),
            MENU_NET,
            (),
            TEXTS["reset_tip"],
        ),
        Separator(MENU_NET),
    ]
    for kind, title in ADD_KINDS.items():
        out.append(
            ActionSpec(
                f"addLayer_{kind}",
                title,
                lambda w, k=kind: add_layer(w, k),
                MENU_ADD,
                (),
                "Add this layer after the selected one (Edit ▸ Undo removes it)",
            )
        )
    out += [
        ActionSpec(
            "removeLayerAction",
            "Re&move Layer",
            lambda w: remove_layer(w),
            MENU_NET,
            (),
            "Remove the selected layer (Edit ▸ Undo brings it back)",
        ),
        ActionSpec(
            "moveLayerUpAction",
            "Move Layer &Up",
            lambda w: move_layer(w, -1),
            MENU_NET,
            (),
            "Move the selected layer one place earlier",
        ),
        ActionSpec(
            "moveLayerDownAction",
            "Move Layer Do&wn",
            lambda w: move_layer(w, 1),
            MENU_NET,
            (),
            "Move the selected layer one place later",
        ),
        Separator(MENU_NET),
        ActionSpec(
            "animateLayerAction",
            "&Animate This Layer",
            lambda w: animate_selected(w),
            MENU_NET,
            (),
            TEXTS["animate_tip"],
        ),
        ActionSpec(
            "clearUnitAction",
            "&Clear Receptive Field",
            lambda w: clear_unit(w),
            MENU_NET,
            (),
            "Hide the receptive-field outlines",
        ),
    ]
    return out


__all__ = [
    "MODE",
    "TEXTS",
    "KernelEditor",
    "NetKernelSource",
    "NetworkMode",
    "NetworkPage",
    "animate_selected",
    "ensure",
    "entries",
    "open_digits_network",
    "open_network_path",
    "save_network_path",
    "show_network_mode",
]
