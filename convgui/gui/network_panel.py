"""The network page's left column: the layer list, the selected layer's settings, the summary.

Three thin views with plain-data interfaces (no network state inside; the page connects them):

- :class:`LayerList`: one row a layer (``conv1 · Conv2D 16 3×3``) with Add ▾ / Remove / Up /
  Down buttons; it says what the user asked (``add_requested(kind)``, ``remove_requested()``,
  ``move_requested(delta)``, ``layer_selected(index)``).
- :class:`LayerSettingsForm`: the fields the selected layer's type has (filters, kernel, strides,
  padding, dilation, groups, bias, activation, pool size, units); an edit emits
  ``edited(dict)`` with the one setting changed (``{"kernel_size": (5, 5)}``), the page sends it
  to the state and shows the state's layer again with :meth:`LayerSettingsForm.show_layer`.
- :class:`SummaryTable`: the Keras ``model.summary()`` table (Layer (type) | Output Shape |
  Param #) and "Total params: 12,810" under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.activations import ACTIVATIONS
from ..core.network import LAYER_TYPES, MAX_CHANNELS, MAX_KERNEL_SIDE, MAX_UNITS, LayerSpec

#: The kinds offered by Add ▾, in order, with their menu titles.
ADD_KINDS: dict[str, str] = {
    "conv2d": "Convolution (Conv2D)",
    "conv2d_transpose": "Transposed Convolution (Conv2DTranspose)",
    "activation": "Activation",
    "max_pool": "Max Pooling",
    "avg_pool": "Average Pooling",
    "flatten": "Flatten",
    "dense": "Dense",
    "softmax": "Softmax",
}

TEXTS = {
    "layers": "Layers",
    "add": "Add",
    "add_tip": "Add a layer after the selected one",
    "remove": "Remove",
    "remove_tip": "Remove the selected layer (Edit ▸ Undo brings it back)",
    "up": "↑",
    "up_tip": "Move the selected layer one place earlier",
    "down": "↓",
    "down_tip": "Move the selected layer one place later",
    "settings": "Settings of {name}",
    "no_layer": "No layer selected",
    "no_settings": "A {kind} layer has no settings.",
    "summary": "Summary (Keras)",
    "summary_tip": "The network as Keras's model.summary() prints it: each layer's output "
    "shape and number of parameters (weights and biases)",
    "total": "Total params: {total:,}",
    "summary_error": "No summary: {error}",
    "filters": "Filters",
    "kernel": "Kernel",
    "pool": "Pool size",
    "strides": "Strides",
    "padding": "Padding",
    "dilation": "Dilation",
    "groups": "Groups",
    "units": "Units",
    "bias": "Bias",
    "bias_box": "use a bias",
    "activation": "Function",
    "name": "Name",
    "filters_tip": "Output channels: one feature map per filter",
    "kernel_tip": "Rows × columns of each kernel",
    "pool_tip": "Rows × columns of the pooling window",
    "strides_tip": "Step between two windows, rows × columns",
    "padding_tip": "valid: no padding; same: the output as large as the input (stride 1); "
    "full: every partial overlap",
    "dilation_tip": "Spacing between the kernel's taps, rows × columns",
    "groups_tip": "Channel groups: each filter reads only its group's input channels",
    "units_tip": "Output values of the dense layer",
    "name_tip": "The layer's name (also its weights' name in the .npz file); Enter renames",
}
#: The summary's column titles, as Keras prints them.
HEADERS = ("Layer (type)", "Output Shape", "Param #")

#: Which fields each layer type's form shows.
FIELDS: dict[str, tuple[str, ...]] = {
    "conv2d": ("name", "filters", "kernel", "strides", "padding", "dilation", "groups", "bias"),
    "conv2d_transpose": ("name", "filters", "kernel", "strides", "padding", "dilation", "bias"),
    "max_pool": ("name", "pool", "strides", "padding"),
    "avg_pool": ("name", "pool", "strides", "padding"),
    "dense": ("name", "units", "bias"),
    "activation": ("name", "activation"),
    "flatten": ("name",),
    "softmax": ("name",),
}

PADDINGS: dict[str, tuple[str, ...]] = {
    "conv2d": ("valid", "same", "full"),
    "conv2d_transpose": ("valid", "same"),
    "max_pool": ("valid", "same"),
    "avg_pool": ("valid", "same"),
}


def _pair_text(pair: Sequence[int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def layer_row_text(spec: LayerSpec) -> str:
    """A layer list row: ``conv1 · Conv2D 16 3×3`` (stride, dilation, padding when not plain).

    Examples
    --------
    >>> layer_row_text(LayerSpec("conv2d", "conv1", filters=16))
    'conv1 · Conv2D 16 3×3'
    >>> layer_row_text(LayerSpec("max_pool", "pool1", kernel_size=(2, 2), strides=(2, 2)))
    'pool1 · MaxPooling2D 2×2'
    >>> layer_row_text(LayerSpec("conv2d", "c", filters=8, strides=(2, 2), padding="same"))
    'c · Conv2D 8 3×3 s2 same'
    """
    t = spec.type
    parts = [f"{spec.name} · {spec.keras_class}"]
    if t in ("conv2d", "conv2d_transpose"):
        parts.append(f"{spec.filters} {_pair_text(spec.kernel_size)}")
    elif t in ("max_pool", "avg_pool"):
        parts.append(_pair_text(spec.kernel_size))
    elif t == "dense":
        parts.append(str(spec.units))
    elif t == "activation":
        parts.append(spec.activation)
    if t in ("conv2d", "conv2d_transpose", "max_pool", "avg_pool"):
        pooled_default = t in ("max_pool", "avg_pool") and spec.strides == spec.kernel_size
        if spec.strides != (1, 1) and not pooled_default:
            s = spec.strides
            parts.append(f"s{s[0]}" if s[0] == s[1] else f"s{_pair_text(s)}")
        if t.startswith("conv") and spec.dilation_rate != (1, 1):
            d = spec.dilation_rate
            parts.append(f"d{d[0]}" if d[0] == d[1] else f"d{_pair_text(d)}")
        if spec.padding != "valid":
            pad = spec.padding
            parts.append(pad if isinstance(pad, str) else "pad " + ",".join(map(str, pad)))
        if t == "conv2d" and spec.groups > 1:
            parts.append(f"g{spec.groups}")
    return " ".join(parts)


class LayerList(QWidget):
    """The layers, one a row, and the buttons that change the stack.

    Signals
    -------
    layer_selected(int)
        The user clicked (or moved the keyboard to) row ``index``.
    add_requested(str)
        Add ▾ ▸ a kind (one of :data:`ADD_KINDS`).
    remove_requested()
        Remove.
    move_requested(int)
        Up (−1) or Down (+1).
    """

    layer_selected = Signal(int)
    add_requested = Signal(str)
    remove_requested = Signal()
    move_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkLayerList")
        self.list = QListWidget(objectName="networkLayers")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.currentRowChanged.connect(self._on_row)
        self.add_button = QToolButton(objectName="networkAddLayer")
        self.add_button.setText(TEXTS["add"])
        self.add_button.setToolTip(TEXTS["add_tip"])
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        for kind, title in ADD_KINDS.items():
            act = QAction(title, self.add_menu)
            act.setObjectName(f"networkAdd_{kind}")
            act.triggered.connect(lambda _=False, k=kind: self.add_requested.emit(k))
            self.add_menu.addAction(act)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = self._button("networkRemoveLayer", "remove")
        self.remove_button.clicked.connect(self.remove_requested.emit)
        self.up_button = self._button("networkLayerUp", "up")
        self.up_button.clicked.connect(lambda: self.move_requested.emit(-1))
        self.down_button = self._button("networkLayerDown", "down")
        self.down_button.clicked.connect(lambda: self.move_requested.emit(1))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        title = QLabel(TEXTS["layers"], objectName="networkLayersTitle")
        f = title.font()
        f.setBold(True)
        title.setFont(f)
        # The title may be cut rather than widen the column (the buttons stay whole).
        title.setMinimumWidth(1)
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(title, 1)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.list, 1)
        self._count = 0

    def _button(self, name: str, key: str) -> QToolButton:
        b = QToolButton(objectName=name)
        b.setText(TEXTS[key])
        b.setToolTip(TEXTS[f"{key}_tip"])
        return b

    def set_layers(self, specs: Sequence[LayerSpec], selected: int) -> None:
        """Show ``specs``, row ``selected`` current (signals blocked: nothing echoes back)."""
        with QSignalBlocker(self.list):
            texts = [layer_row_text(s) for s in specs]
            if [self.list.item(i).text() for i in range(self.list.count())] != texts:
                self.list.clear()
                for s, text in zip(specs, texts):
                    item = QListWidgetItem(text)
                    item.setToolTip(f"{s.name}: {LAYER_TYPES[s.type]} — {s.to_dict()}")
                    self.list.addItem(item)
            if 0 <= selected < len(specs):
                self.list.setCurrentRow(selected)
        self._count = len(specs)
        self._update_buttons(selected)

    def _update_buttons(self, selected: int) -> None:
        ok = 0 <= selected < self._count
        self.remove_button.setEnabled(ok and self._count > 1)
        self.up_button.setEnabled(ok and selected > 0)
        self.down_button.setEnabled(ok and selected < self._count - 1)

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self._update_buttons(row)
            self.layer_selected.emit(row)

    def texts(self) -> list[str]:
        """The rows as shown."""
        return [self.list.item(i).text() for i in range(self.list.count())]


class _Pair(QWidget):
    """Two spin boxes, rows × columns; ``changed`` once either is set (Enter, arrows, focus out)."""

    changed = Signal()

    def __init__(self, name: str, lo: int, hi: int, tip: str) -> None:
        super().__init__(objectName=name)
        self.spins = (QSpinBox(objectName=f"{name}Rows"), QSpinBox(objectName=f"{name}Cols"))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        for i, s in enumerate(self.spins):
            s.setRange(lo, hi)
            s.setKeyboardTracking(False)
            s.setToolTip(tip)
            s.valueChanged.connect(lambda _v: self.changed.emit())
            s.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            lay.addWidget(s, 1)
            if i == 0:
                lay.addWidget(QLabel("×"))

    def value(self) -> tuple[int, int]:
        return self.spins[0].value(), self.spins[1].value()

    def set_value(self, v: Sequence[int]) -> None:
        for s, x in zip(self.spins, v):
            with QSignalBlocker(s):
                s.setValue(int(x))


class LayerSettingsForm(QWidget):
    """The selected layer's settings, as its type has them.

    Signals
    -------
    edited(dict)
        The user changed one setting: ``{LayerSpec field: new value}``.
    """

    edited = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkLayerForm")
        self.title = QLabel(TEXTS["no_layer"], objectName="networkFormTitle")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.name_edit = QLineEdit(objectName="networkLayerName")
        self.name_edit.setToolTip(TEXTS["name_tip"])
        self.name_edit.editingFinished.connect(self._on_name)
        self.filters = self._spin("networkFilters", 1, MAX_CHANNELS, "filters_tip")
        self.filters.valueChanged.connect(lambda v: self._emit(filters=v))
        self.kernel = _Pair("networkKernel", 1, MAX_KERNEL_SIDE, TEXTS["kernel_tip"])
        self.kernel.changed.connect(lambda: self._emit(kernel_size=self.kernel.value()))
        self.pool = _Pair("networkPool", 1, MAX_KERNEL_SIDE, TEXTS["pool_tip"])
        self.pool.changed.connect(self._on_pool)
        self.strides = _Pair("networkStrides", 1, 16, TEXTS["strides_tip"])
        self.strides.changed.connect(lambda: self._emit(strides=self.strides.value()))
        self.padding = QComboBox(objectName="networkPadding")
        self.padding.setToolTip(TEXTS["padding_tip"])
        self.padding.activated.connect(lambda _i: self._emit(padding=self.padding.currentData()))
        self.dilation = _Pair("networkDilation", 1, 16, TEXTS["dilation_tip"])
        self.dilation.changed.connect(lambda: self._emit(dilation_rate=self.dilation.value()))
        self.groups = self._spin("networkGroups", 1, MAX_CHANNELS, "groups_tip")
        self.groups.valueChanged.connect(lambda v: self._emit(groups=v))
        self.units = self._spin("networkUnits", 1, MAX_UNITS, "units_tip")
        self.units.valueChanged.connect(lambda v: self._emit(units=v))
        self.bias = QCheckBox(TEXTS["bias_box"], objectName="networkUseBias")
        self.bias.toggled.connect(lambda on: self._emit(use_bias=bool(on)))
        self.activation = QComboBox(objectName="networkActivation")
        for a in ACTIVATIONS:
            self.activation.addItem(a, a)
        self.activation.activated.connect(
            lambda _i: self._emit(activation=self.activation.currentData())
        )
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(2)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QWidget] = {
            "name": self.name_edit,
            "filters": self.filters,
            "kernel": self.kernel,
            "pool": self.pool,
            "strides": self.strides,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
            "units": self.units,
            "bias": self.bias,
            "activation": self.activation,
        }
        for key, widget in self.fields.items():
            self.form.addRow(TEXTS[key], widget)
        self.note = QLabel(objectName="networkFormNote")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addLayout(self.form)
        lay.addWidget(self.note)
        lay.addStretch(1)
        self.spec: LayerSpec | None = None
        self.show_layer(None)

    def _spin(self, name: str, lo: int, hi: int, tip: str) -> QSpinBox:
        s = QSpinBox(objectName=name)
        s.setRange(lo, hi)
        s.setKeyboardTracking(False)
        s.setToolTip(TEXTS[tip])
        return s

    def _emit(self, **change: Any) -> None:
        if self.spec is None:
            return
        key, value = next(iter(change.items()))
        if getattr(self.spec, key) == value:
            return
        self.edited.emit(change)

    def _on_pool(self) -> None:
        """A pooling window: its stride follows when it was the window (Keras's default)."""
        if self.spec is None:
            return
        size = self.pool.value()
        if self.spec.strides == self.spec.kernel_size:
            if size != self.spec.kernel_size:
                self.edited.emit({"kernel_size": size, "strides": size})
        else:
            self._emit(kernel_size=size)

    def _on_name(self) -> None:
        text = self.name_edit.text().strip()
        if self.spec is not None and text and text != self.spec.name:
            self.edited.emit({"name": text})
        elif self.spec is not None:
            with QSignalBlocker(self.name_edit):
                self.name_edit.setText(self.spec.name)

    def show_layer(self, spec: LayerSpec | None) -> None:
        """Show ``spec``'s settings (None: no layer); nothing is emitted."""
        self.spec = spec
        shown = FIELDS.get(spec.type, ()) if spec is not None else ()
        for key, widget in self.fields.items():
            visible = key in shown
            self.form.setRowVisible(widget, visible)
        if spec is None:
            self.title.setText(TEXTS["no_layer"])
            self.note.setText("")
            return
        self.title.setText(TEXTS["settings"].format(name=spec.name))
        self.note.setText(
            TEXTS["no_settings"].format(kind=spec.keras_class) if shown == ("name",) else ""
        )
        self.note.setVisible(shown == ("name",))
        widgets: list[QWidget] = [
            self.name_edit, self.filters, self.groups, self.units, self.bias, self.activation,
            self.padding,
        ]  # fmt: skip
        blockers = [QSignalBlocker(w) for w in widgets]
        try:
            self.name_edit.setText(spec.name)
            self.filters.setValue(spec.filters)
            self.groups.setValue(spec.groups)
            self.units.setValue(spec.units)
            self.bias.setChecked(spec.use_bias)
            self.activation.setCurrentIndex(max(0, self.activation.findData(spec.activation)))
            self.padding.clear()
            for p in PADDINGS.get(spec.type, ()):
                self.padding.addItem(p, p)
            if isinstance(spec.padding, str):
                self.padding.setCurrentIndex(max(0, self.padding.findData(spec.padding)))
            else:
                text = "explicit " + ", ".join(map(str, spec.padding))
                self.padding.addItem(text, spec.padding)
                self.padding.setCurrentIndex(self.padding.count() - 1)
        finally:
            for b in blockers:
                b.unblock()
        self.kernel.set_value(spec.kernel_size)
        self.pool.set_value(spec.kernel_size)
        self.strides.set_value(spec.strides)
        self.dilation.set_value(spec.dilation_rate)


class SummaryTable(QWidget):
    """The Keras summary: Layer (type) | Output Shape | Param #, then Total params."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkSummary")
        self.table = QTableWidget(0, 3, objectName="networkSummaryTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.total = QLabel(objectName="networkTotalParams")
        self.total.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.total.font()
        f.setBold(True)
        self.total.setFont(f)
        title = QLabel(TEXTS["summary"], objectName="networkSummaryTitle")
        tf = title.font()
        tf.setBold(True)
        title.setFont(tf)
        title.setToolTip(TEXTS["summary_tip"])
        title.setWordWrap(True)
        self.title = title
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(title)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.total)
        self.total.setWordWrap(True)

    def _fit_columns(self) -> None:
        """Output shapes as wide as they are, unless the column is narrow.

        In a narrow column the shapes share the room with the names (both cut short with
        "…") rather than push Param # out of sight.
        """
        head = self.table.horizontalHeader()
        needed = sum(self.table.sizeHintForColumn(c) for c in range(3))
        narrow = needed > self.table.viewport().width()
        mode = QHeaderView.ResizeMode.Stretch if narrow else QHeaderView.ResizeMode.ResizeToContents
        if head.sectionResizeMode(1) != mode:
            head.setSectionResizeMode(1, mode)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def set_summary(self, rows: Sequence[Any], total: int | None, error: str = "") -> None:
        """Show ``rows`` (:class:`~convgui.core.network.SummaryRow`) and the total."""
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (row.layer_text, row.shape_text, f"{row.params:,}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        if total is None:
            self.total.setText(TEXTS["summary_error"].format(error=error))
        else:
            self.total.setText(TEXTS["total"].format(total=total))
        self._fit_columns()

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's cells as text, a row a tuple."""
        t = self.table
        return [
            (t.item(r, 0).text(), t.item(r, 1).text(), t.item(r, 2).text())
            for r in range(t.rowCount())
        ]


__all__ = [
    "ADD_KINDS",
    "FIELDS",
    "TEXTS",
    "LayerList",
    "LayerSettingsForm",
    "SummaryTable",
    "layer_row_text",
]
