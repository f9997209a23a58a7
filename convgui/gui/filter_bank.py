"""The filter bank editor of the layer mode: filters, the selected one's kernels, settings.

A thin view of :class:`convgui.layer_state.LayerState`: every control writes user intent to
the state (a refused value is explained through the state's ``message`` signal and the control
shows the state's value again) and every control is refreshed from the state's signals with
its own signals blocked, so nothing echoes.

The selected filter's kernels are edited in the single-kernel mode's table
(:class:`convgui.gui.kernel_panel.KernelTableModel` and ``KernelTableView``), one table per
input channel the filter reads, each over a small adapter (:class:`FilterKernelSource`) that
gives the table the kernel it shows and sends its edits to the layer state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import ACTIVATIONS, BOUNDARIES, CellParseError
from ..core.banks import BANK_PRESETS, BANK_TITLES, MAX_FILTERS, MAX_SIDE
from ..layer_state import SETTING_LIMITS, LayerState, describe_reads, short_reads_text
from .kernel_panel import (
    KernelTableModel,
    KernelTableView,
    cell_edit_text,
    cell_text,
    clean_total,
)
from .util import signals_blocked

#: Colours of the input channels in the groups picture and the channel captions.
CHANNEL_COLOURS = {"R": QColor(200, 40, 40), "G": QColor(30, 150, 50), "B": QColor(40, 80, 210)}
TYPE_TITLES = {"conv": "Conv2D", "transposed": "Conv2DTranspose"}
PADDING_TITLES = {"valid": "valid (no padding)", "same": "same (Keras)", "custom": "custom…"}


def bias_text(value: float) -> str:
    """The bias field's text: exactly ``value`` when typed back, without float32 noise.

    A bias learned in float32 (a network layer shown here) widens to a float64 such as
    ``-0.31550800800323486``; its float32 digits ``-0.315508`` are what was learned, and the
    layer computes in float32, so those are shown. Any other value is :func:`cell_edit_text`'s.
    """
    f32 = np.float32(value)
    if math.isfinite(value) and float(f32) == value:
        short = str(f32)
        if len(short) < len(repr(value)):
            return short
    return cell_edit_text(value)


class FilterKernelSource(QObject):
    """One kernel of the selected filter, as the kernel table model reads and edits it.

    It has the members :class:`~convgui.gui.kernel_panel.KernelTableModel` and
    ``KernelTableView`` use of a state (``kernel``, ``kernel_changed``, ``set_kernel_cell``,
    ``set_kernel_block``), taken from slot ``slot`` of the selected filter's stack.
    """

    kernel_changed = Signal()

    def __init__(self, layer: LayerState, slot: int) -> None:
        super().__init__()
        self._layer = layer
        self.slot = slot
        #: (filter, kernel) the table shows now (the panel re-announces only real changes).
        self.shown: tuple[int, np.ndarray] | None = None

    @property
    def kernel(self) -> np.ndarray:
        """The ``(kh, kw)`` kernel shown (read-only)."""
        w = self._layer.weights
        slot = min(self.slot, int(w.shape[2]) - 1)
        return w[:, :, slot, self._layer.selected]

    def set_kernel_cell(self, row: int, col: int, value: str) -> bool:
        """A typed cell: to the layer state (CellParseError for text that is no number)."""
        return self._layer.set_weight(self._layer.selected, self.slot, row, col, value)

    def set_kernel_block(self, row: int, col: int, block: np.ndarray) -> bool:
        """A pasted block with its top-left at ``(row, col)`` (clipped to the kernel)."""
        b = np.asarray(block, dtype=np.float64)
        if b.ndim != 2 or not np.all(np.isfinite(b)):
            raise ValueError("pasted values must be a finite 2-D block of numbers")
        k = np.array(self.kernel)
        h = max(0, min(b.shape[0], k.shape[0] - row))
        w = max(0, min(b.shape[1], k.shape[1] - col))
        k[row : row + h, col : col + w] = b[:h, :w]
        return self._layer.set_kernel(self._layer.selected, self.slot, k)


class GroupsPicture(QWidget):
    """Which input channels each filter reads: channels on top, filters below, joined by lines."""

    def __init__(self, layer: LayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layer = layer
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Lines join each input channel (top) to the filters that read it (below).")

    def sizeHint(self) -> QSize:
        return QSize(200, 70)

    def paintEvent(self, event: QPaintEvent) -> None:
        layer = self._layer
        names = layer.channel_names
        reads = layer.reads()
        n = len(reads)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        fh = self.fontMetrics().height()

        def xs(count: int) -> list[float]:
            return [(i + 0.5) * w / count for i in range(count)]

        cx, fx = xs(len(names)), xs(n)
        top, bottom = fh + 4.0, h - 8.0
        sel = layer.selected
        for o, r in enumerate(reads):
            for c in r:
                colour = CHANNEL_COLOURS.get(names[c], QColor(120, 120, 120))
                pen = QPen(colour)
                pen.setWidthF(2.2 if o == sel else 0.8)
                p.setPen(pen)
                p.drawLine(QPointF(cx[c], top), QPointF(fx[o], bottom))
        p.setPen(self.palette().color(self.foregroundRole()))
        for c, name in enumerate(names):
            p.drawText(
                QRectF(cx[c] - 30, 0, 60, fh), int(Qt.AlignmentFlag.AlignCenter), name
            )
        dot = max(2.0, min(6.0, w / max(1, n) / 3))
        for o in range(n):
            p.setBrush(QColor(255, 170, 0) if o == sel else QColor(90, 95, 105))
            p.drawEllipse(QPointF(fx[o], bottom), dot, dot)
        p.end()


class FilterButtons(QWidget):
    """The filters as a compact grid of numbered toggle buttons; one is the filter edited.

    Each button says which channels its filter reads in its tooltip and accessible name; the
    buttons are reachable with Tab and pressed with Space, as any button.

    Signals
    -------
    chosen(int)
        The user pressed filter ``i``'s button.
    """

    chosen = Signal(int)
    #: Buttons per row (8 rows hold the 64 filters a bank may have).
    COLUMNS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[QToolButton] = []
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.chosen)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(3)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The filter edited is outlined in the gold of the selected map tile and groups dot.
        self.setStyleSheet(
            "QToolButton:checked { border: 2px solid rgb(255, 170, 0); border-radius: 3px;"
            " font-weight: bold; }"
        )

    def set_filters(self, tips: list[str], selected: int) -> None:
        """One button per filter (``tips[i]`` says what filter ``i`` reads); check ``selected``."""
        while len(self.buttons) > len(tips):
            b = self.buttons.pop()
            self._group.removeButton(b)
            self._grid.removeWidget(b)
            b.hide()
            b.deleteLater()
        side = max(28, self.fontMetrics().height() + 10)
        while len(self.buttons) < len(tips):
            i = len(self.buttons)
            b = QToolButton(self, objectName=f"filterButton{i}")
            b.setText(str(i))
            b.setCheckable(True)
            b.setAutoRaise(False)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.setMinimumSize(side + 4, side)
            self._group.addButton(b, i)
            self._grid.addWidget(b, i // self.COLUMNS, i % self.COLUMNS)
            self.buttons.append(b)
        for b, tip in zip(self.buttons, tips, strict=True):
            b.setToolTip(tip)
            b.setAccessibleName(tip)
        self.select(selected)

    def select(self, index: int) -> None:
        """Check button ``index`` (no signal)."""
        if 0 <= index < len(self.buttons):
            with signals_blocked(self._group):
                self.buttons[index].setChecked(True)

    @property
    def current(self) -> int:
        """The checked button's filter, or -1."""
        b: QAbstractButton | None = self._group.checkedButton()
        return -1 if b is None else self._group.id(b)


def _spin(lo: int, hi: int, name: str, tip: str) -> QSpinBox:
    s = QSpinBox(objectName=name)
    s.setRange(lo, hi)
    s.setKeyboardTracking(False)
    s.setToolTip(tip)
    return s


class FilterBankPanel(QWidget):
    """The bank and the layer settings.

    Presets, filter count and size, the filter buttons, the selected filter's kernel tables and
    bias, and the layer settings with the picture of the groups.
    """

    def __init__(self, layer: LayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBankPanel")
        self._layer = layer

        # --- the bank ------------------------------------------------------------------
        bank = QGroupBox("Filter bank", objectName="bankBox")
        self.preset_combo = QComboBox(objectName="bankPresetCombo")
        self.preset_combo.addItem("Preset bank…", "")
        for name in BANK_PRESETS:
            self.preset_combo.addItem(BANK_TITLES[name], name)
        self.preset_combo.setToolTip("Load a classic bank (Edit ▸ Undo brings yours back).")
        self.preset_combo.activated.connect(self._on_preset)
        self.count_spin = _spin(1, MAX_FILTERS, "filterCountSpin", "Number of filters (1–64)")
        self.rows_spin = _spin(1, MAX_SIDE, "filterRowsSpin", "Kernel rows of every filter")
        self.cols_spin = _spin(1, MAX_SIDE, "filterColsSpin", "Kernel columns of every filter")
        self.add_btn = QPushButton("Add", objectName="addFilterButton")
        self.add_btn.setToolTip("Add a filter (the identity on the mean of its channels).")
        self.remove_btn = QPushButton("Remove", objectName="removeFilterButton")
        self.remove_btn.setToolTip("Remove the selected filter.")
        self.count_spin.valueChanged.connect(self._on_count)
        self.rows_spin.valueChanged.connect(self._on_size)
        self.cols_spin.valueChanged.connect(self._on_size)
        self.add_btn.clicked.connect(lambda: self._try(layer.add_filter))
        self.remove_btn.clicked.connect(lambda: self._try(layer.remove_filter))
        self.filter_buttons = FilterButtons()
        self.filter_buttons.setObjectName("filterButtons")
        self.filter_buttons.setToolTip("Choose the filter to edit (its map is shown large).")
        self.filter_buttons.chosen.connect(self._on_row)

        grid = QGridLayout(bank)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.addWidget(self.preset_combo, 0, 0, 1, 4)
        grid.addWidget(QLabel("Filters"), 1, 0)
        grid.addWidget(self.count_spin, 1, 1)
        grid.addWidget(self.add_btn, 1, 2)
        grid.addWidget(self.remove_btn, 1, 3)
        grid.addWidget(QLabel("Size"), 2, 0)
        size_row = QHBoxLayout()
        size_row.addWidget(self.rows_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.cols_spin)
        size_row.addStretch(1)
        grid.addLayout(size_row, 2, 1, 1, 3)
        grid.addWidget(QLabel("Edit"), 3, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.filter_buttons, 3, 1, 1, 3)

        # --- the selected filter ------------------------------------------------------
        self.filter_box = QGroupBox("Filter 0", objectName="filterBox")
        self.tables_layout = QGridLayout()
        self.tables_layout.setSpacing(6)
        self._table_columns = 0
        self.sources: list[FilterKernelSource] = []
        self.models: list[KernelTableModel] = []
        self.tables: list[KernelTableView] = []
        self.table_labels: list[QLabel] = []
        self._holders: list[QWidget] = []
        self.bias_edit = QLineEdit(objectName="biasEdit")
        self.bias_edit.setToolTip("The filter's bias, added after the channels' sums (Enter).")
        self.bias_edit.setMaximumWidth(110)
        self.bias_edit.editingFinished.connect(self._on_bias)
        self.sum_label = QLabel(objectName="filterSumLabel")
        self.sum_label.setWordWrap(True)
        fl = QVBoxLayout(self.filter_box)
        fl.setContentsMargins(6, 4, 6, 4)
        fl.addLayout(self.tables_layout, 1)
        brow = QHBoxLayout()
        brow.addWidget(QLabel("Bias"))
        brow.addWidget(self.bias_edit)
        brow.addWidget(self.sum_label, 1)
        fl.addLayout(brow)

        # --- the settings -----------------------------------------------------------------
        settings = QGroupBox("Layer", objectName="layerSettingsBox")
        self.type_combo = QComboBox(objectName="layerTypeCombo")
        for key, title in TYPE_TITLES.items():
            self.type_combo.addItem(title, key)
        self.type_combo.setToolTip(
            "Conv2D slides each filter over the input; Conv2DTranspose stamps each input pixel "
            "× kernel onto a larger output (upsampling)."
        )
        self.padding_combo = QComboBox(objectName="layerPaddingCombo")
        for key, title in PADDING_TITLES.items():
            self.padding_combo.addItem(title, key)
        self.padding_spin = _spin(
            *SETTING_LIMITS["padding"], "layerPaddingSpin", "Cells of padding on every side"
        )
        self.boundary_combo = QComboBox(objectName="layerBoundaryCombo")
        for b in BOUNDARIES:
            self.boundary_combo.addItem(b, b)
        self.boundary_combo.setToolTip("What the padding holds (Conv2D only).")
        self.stride_spin = _spin(
            *SETTING_LIMITS["stride"], "layerStrideSpin", "Step between windows (both axes)"
        )
        self.dilation_spin = _spin(
            *SETTING_LIMITS["dilation"], "layerDilationSpin", "Spacing of the kernel taps"
        )
        self.groups_combo = QComboBox(objectName="layerGroupsCombo")
        self.groups_combo.setToolTip(
            "Groups split the input channels: each filter reads only its group's channels. "
            "Groups = channels is depthwise (each filter reads one channel)."
        )
        # -1 is "auto" (None): Keras' rule.
        self.output_padding_spin = _spin(
            SETTING_LIMITS["output_padding"][0] - 1,
            SETTING_LIMITS["output_padding"][1],
            "outputPaddingSpin",
            "",
        )
        self.output_padding_spin.setSpecialValueText("auto")
        self.output_padding_spin.setToolTip(
            "Conv2DTranspose only: extra rows and columns at the bottom/right of the output "
            "(smaller than the stride or the dilation); auto follows Keras."
        )
        self.activation_combo = QComboBox(objectName="layerActivationCombo")
        for a in ACTIVATIONS:
            self.activation_combo.addItem(a, a)
        self.groups_picture = GroupsPicture(layer)
        self.groups_label = QLabel(objectName="groupsLabel")
        self.groups_label.setWordWrap(True)
        form = QFormLayout(settings)
        form.setContentsMargins(6, 4, 6, 4)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Type", self.type_combo)
        prow = QHBoxLayout()
        prow.addWidget(self.padding_combo, 1)
        prow.addWidget(self.padding_spin)
        form.addRow("Padding", prow)
        form.addRow("Boundary", self.boundary_combo)
        srow = QHBoxLayout()
        srow.addWidget(self.stride_spin)
        srow.addWidget(QLabel("Dilation"))
        srow.addWidget(self.dilation_spin)
        srow.addStretch(1)
        form.addRow("Stride", srow)
        form.addRow("Groups", self.groups_combo)
        form.addRow("Output pad", self.output_padding_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow(self.groups_picture)
        form.addRow(self.groups_label)

        self.type_combo.activated.connect(
            lambda: self._set("Layer type", layer_type=self.type_combo.currentData())
        )
        self.padding_combo.activated.connect(self._on_padding)
        self.padding_spin.valueChanged.connect(self._on_padding)
        self.boundary_combo.activated.connect(
            lambda: self._set("Boundary", boundary=self.boundary_combo.currentData())
        )
        self.stride_spin.valueChanged.connect(lambda v: self._set("Stride", stride=int(v)))
        self.dilation_spin.valueChanged.connect(lambda v: self._set("Dilation", dilation=int(v)))
        self.groups_combo.activated.connect(
            lambda: self._set("Groups", groups=int(self.groups_combo.currentData()))
        )
        self.output_padding_spin.valueChanged.connect(self._on_output_padding)
        self.activation_combo.activated.connect(
            lambda: self._set("Activation", activation=self.activation_combo.currentData())
        )

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(bank)
        lay.addWidget(self.filter_box, 1)
        lay.addWidget(settings)

        layer.bank_changed.connect(self._update_bank)
        layer.settings_changed.connect(self._update_settings)
        layer.settings_changed.connect(self._update_bank)
        layer.image_changed.connect(self._update_bank)
        layer.selected_changed.connect(self._update_selection)
        self._update_bank()
        self._update_settings()

    # --- writing intent ----------------------------------------------------------------

    def _try(self, fn: Any, *args: Any, **kwargs: Any) -> bool:
        try:
            return bool(fn(*args, **kwargs))
        except (ValueError, IndexError) as exc:
            self._layer.message.emit("warning", f"{exc}. Nothing was changed.")
            self._update_bank()
            self._update_settings()
            return False

    def _set(self, label: str, **changes: Any) -> None:
        self._try(self._layer.set_settings, label, **changes)

    def _on_preset(self) -> None:
        name = self.preset_combo.currentData()
        with signals_blocked(self.preset_combo):
            self.preset_combo.setCurrentIndex(0)
        if name:
            self._try(self._layer.apply_preset, str(name))

    def _on_count(self, n: int) -> None:
        self._try(self._layer.set_filter_count, int(n))

    def _on_size(self) -> None:
        self._try(self._layer.set_filter_size, self.rows_spin.value(), self.cols_spin.value())

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self._layer.select(row)

    def _on_bias(self) -> None:
        text = self.bias_edit.text().strip()
        o = self._layer.selected
        if text == bias_text(float(self._layer.bias[o])):
            return
        try:
            self._layer.set_bias(o, text)
        except CellParseError as exc:
            self._layer.message.emit(
                "warning", f"Bias of filter {o}: {exc} The old value was kept."
            )
            self._update_filter()

    def _on_padding(self) -> None:
        key = self.padding_combo.currentData()
        self.padding_spin.setEnabled(key == "custom")
        pad: Any = int(self.padding_spin.value()) if key == "custom" else key
        self._set("Padding", padding=pad)

    def _on_output_padding(self, v: int) -> None:
        self._set("Output padding", output_padding=None if v < 0 else int(v))

    # --- refreshing from the state ----------------------------------------------------------

    def _update_bank(self) -> None:
        layer = self._layer
        n = layer.n_filters
        kh, kw = layer.filter_size
        with signals_blocked(self.count_spin, self.rows_spin, self.cols_spin):
            self.count_spin.setValue(n)
            self.rows_spin.setValue(kh)
            self.cols_spin.setValue(kw)
        reads = describe_reads(layer.reads(), layer.channel_names)
        self.filter_buttons.set_filters(
            [f"Filter {o}: reads {reads[o]}" for o in range(n)], layer.selected
        )
        self.remove_btn.setEnabled(n // layer.settings.groups > 1)
        self.add_btn.setEnabled(n + layer.settings.groups <= MAX_FILTERS)
        self._update_groups()
        self._update_filter()

    def _ensure_tables(self, count: int) -> None:
        self._table_columns = 0  # the size may have changed: place again
        while len(self.tables) > count:
            self.tables_layout.removeWidget(self._holders[-1])
            self._holders.pop().deleteLater()  # the table and its caption with it
            self.tables.pop()
            self.table_labels.pop()
            self.models.pop()
            self.sources.pop()
        while len(self.tables) < count:
            slot = len(self.tables)
            src = FilterKernelSource(self._layer, slot)
            model = KernelTableModel(src)  # type: ignore[arg-type]
            table = KernelTableView(src)  # type: ignore[arg-type]
            table.setObjectName(f"filterKernelTable{slot}")
            table.setModel(model)
            table.setMinimumSize(90, 90)
            table.setToolTip(
                "Type a weight and press Enter or Tab (2, -0.5, 1/9, 2e-3 …); Ctrl+C / Ctrl+V "
                "copy and paste rows of numbers."
            )
            model.rejected.connect(self._on_rejected)
            table.paste_failed.connect(lambda m: self._layer.message.emit("warning", m))
            label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
            f = QFont(label.font())
            f.setBold(True)
            label.setFont(f)
            col = QVBoxLayout()
            col.setSpacing(2)
            col.addWidget(label)
            col.addWidget(table, 1)
            holder = QWidget()
            holder.setLayout(col)
            col.setContentsMargins(0, 0, 0, 0)
            self._holders.append(holder)
            self.sources.append(src)
            self.models.append(model)
            self.tables.append(table)
            self.table_labels.append(label)
        self._place_tables()

    #: A kernel table needs about this many pixels per column to show 4 significant digits.
    TABLE_COLUMN_PX = 58

    def _place_tables(self) -> None:
        """The channels' tables side by side when they fit, else one under the other."""
        n = len(self._holders)
        if not n:
            return
        need = self.TABLE_COLUMN_PX * self._layer.filter_size[1] + 30
        cols = max(1, min(n, (self.filter_box.width() - 12) // need))
        if cols == self._table_columns:
            return
        self._table_columns = cols
        for h in self._holders:
            self.tables_layout.removeWidget(h)
        for i, h in enumerate(self._holders):
            self.tables_layout.addWidget(h, i // cols, i % cols)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_tables()

    def _on_rejected(self, row: int, col: int, message: str) -> None:
        self._layer.message.emit(
            "warning",
            f"Filter {self._layer.selected}, row {row}, column {col}: {message} "
            "The old value was kept.",
        )

    def _update_filter(self) -> None:
        layer = self._layer
        o = layer.selected
        reads = layer.reads()[o]
        names = layer.channel_names
        self._ensure_tables(len(reads))
        for slot, c in enumerate(reads):
            name = names[c] if c < len(names) else str(c)
            lab = self.table_labels[slot]
            lab.setText(name if name != "grey" else "grey (1 channel)")
            colour = CHANNEL_COLOURS.get(name)
            lab.setStyleSheet(f"color: {colour.name()};" if colour is not None else "")
            src = self.sources[slot]
            shown = (o, np.array(src.kernel))
            last = src.shown
            if last is None or last[0] != o or not np.array_equal(last[1], shown[1]):
                src.shown = shown
                src.kernel_changed.emit()  # only the tables whose kernel changed redraw
        kh, kw = layer.filter_size
        if len(reads) > 4:  # a network layer's 16–64 channels: the count before it is cut off
            title = f"Filter {o} reads {short_reads_text(reads, names)}: one {kh}×{kw} kernel each"
        else:
            title = (
                f"Filter {o}: one {kh}×{kw} kernel per channel it reads "
                f"({describe_reads([reads], names)[0]})"
            )
        self.filter_box.setTitle(title)
        b = float(layer.bias[o])
        if not self.bias_edit.hasFocus() or self.bias_edit.text() != bias_text(b):
            with signals_blocked(self.bias_edit):
                self.bias_edit.setText(bias_text(b))
        # Float noise (LoG's 1e-16) is shown as the 0 a person means.
        sums = [clean_total(layer.weights[:, :, j, o].ravel()) for j in range(len(reads))]
        total = clean_total(layer.weights[:, :, : len(reads), o].ravel())
        self.sum_label.setText(
            "Σ weights: " + " + ".join(cell_text(s) for s in sums) + f" = {cell_text(total)}"
        )

    def _update_selection(self, index: int) -> None:
        self.filter_buttons.select(index)
        self._update_filter()
        self.groups_picture.update()

    def _update_groups(self) -> None:
        layer = self._layer
        c_in = layer.c_in
        with signals_blocked(self.groups_combo):
            self.groups_combo.clear()
            for g in range(1, c_in + 1):
                if c_in % g == 0:
                    title = f"{g}" + (" (depthwise)" if g == c_in and g > 1 else "")
                    self.groups_combo.addItem(title, g)
            i = self.groups_combo.findData(layer.settings.groups)
            self.groups_combo.setCurrentIndex(max(0, i))
        g = layer.settings.groups
        if g == 1:
            text = f"Every filter reads all {c_in} input channel{'s' if c_in > 1 else ''}."
        else:
            per = layer.n_filters // g
            text = (
                f"{g} groups: each filter reads {c_in // g} channel(s); {per} filter(s) per "
                "group."
            )
        self.groups_label.setText(text)
        self.groups_picture.update()

    def _update_settings(self) -> None:
        s = self._layer.settings
        transposed = s.layer_type == "transposed"
        with signals_blocked(
            self.type_combo,
            self.padding_combo,
            self.padding_spin,
            self.boundary_combo,
            self.stride_spin,
            self.dilation_spin,
            self.output_padding_spin,
            self.activation_combo,
        ):
            self.type_combo.setCurrentIndex(self.type_combo.findData(s.layer_type))
            if isinstance(s.padding, str):
                self.padding_combo.setCurrentIndex(self.padding_combo.findData(s.padding))
            else:
                self.padding_combo.setCurrentIndex(self.padding_combo.findData("custom"))
                self.padding_spin.setValue(int(s.padding[0]))
            self.padding_spin.setEnabled(not isinstance(s.padding, str))
            self.boundary_combo.setCurrentIndex(self.boundary_combo.findData(s.boundary))
            self.stride_spin.setValue(s.stride[0])
            self.dilation_spin.setValue(s.dilation[0])
            op = s.output_padding
            self.output_padding_spin.setValue(-1 if op is None else int(op[0]))
            self.activation_combo.setCurrentIndex(self.activation_combo.findData(s.activation))
        self.boundary_combo.setEnabled(not transposed)
        self.groups_combo.setEnabled(not transposed)
        self.output_padding_spin.setEnabled(transposed)
        self._update_groups()


__all__ = ["FilterBankPanel", "FilterButtons", "FilterKernelSource", "GroupsPicture"]
