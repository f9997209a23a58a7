"""The kernel editor: a table of numbers (an item model over the state) and its controls."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core import ACCEPTED_HELP, PRESETS, CellParseError, format_number
from ..imageio import LoadError, kernel_to_text, parse_kernel_text
from ..state import MAX_KERNEL_SIDE, ExplorerState
from .layer_panel import show_value
from .util import signals_blocked

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Largest denominator written as a fraction in a cell (1/256 of the 5×5 Gaussian, 1/1024).
MAX_CELL_DENOMINATOR = 1024
#: Integers up to this many digits are written in full; larger ones with 4 significant digits.
_MAX_INT_DIGITS = 6


def exact_fraction(value: float) -> Fraction | None:
    """``value`` as a fraction ``p/q`` with ``1 < q <= 1024`` when that is exact in float64.

    Examples
    --------
    >>> exact_fraction(1 / 256), exact_fraction(-3 / 128), exact_fraction(0.1)
    (Fraction(1, 256), Fraction(-3, 128), Fraction(1, 10))
    >>> exact_fraction(0.1234), exact_fraction(2.0) is None
    (None, True)
    """
    if not math.isfinite(value) or value == int(value):
        return None
    frac = Fraction(value).limit_denominator(MAX_CELL_DENOMINATOR)
    if frac.denominator <= 1 or frac.numerator / frac.denominator != value:
        return None
    return frac


def _decimal(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def cell_text(value: float) -> str:
    """How a kernel cell shows ``value``: short enough to read in its cell.

    Integers as integers; other values as the shorter of an exact fraction (denominator up to
    1024, so ``0.00390625`` is ``1/256``) and the decimal with at most 4 significant digits,
    the decimal winning a tie or when the fraction is not exact.

    Examples
    --------
    >>> [cell_text(v) for v in (2.0, -1.0, 0.5, 0.25, 1 / 9, 1 / 256, 0.1234567, 1e-5)]
    ['2', '-1', '0.5', '1/4', '1/9', '1/256', '0.1235', '1e-05']
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if value == int(value) and abs(value) < 10**_MAX_INT_DIGITS:
        return str(int(value))
    dec = _decimal(value, 4)
    frac = exact_fraction(value)
    if frac is None:
        return dec
    frac_text = f"{frac.numerator}/{frac.denominator}"
    exact_dec = float(dec) == value
    return dec if exact_dec and len(dec) <= len(frac_text) else frac_text


def cell_edit_text(value: float) -> str:
    """The text a cell editor starts with: exactly ``value`` when typed back.

    An integer, the shortest decimal that reads back as the same float64 when it is short (what
    the user typed: ``2.5`` stays ``2.5``), else an exact fraction (``1/9``), so opening an
    editor and pressing Enter never changes the kernel.

    Examples
    --------
    >>> cell_edit_text(1 / 9), cell_edit_text(3.0), cell_edit_text(2.5), cell_edit_text(0.0625)
    ('1/9', '3', '2.5', '0.0625')
    >>> cell_edit_text(0.123456789012345)
    '0.123456789012345'
    """
    if value == int(value) and math.isfinite(value) and abs(value) < 2**53:
        return str(int(value))
    decimal = repr(float(value))
    frac = exact_fraction(value)
    if frac is not None and len(decimal) > 7:
        return f"{frac.numerator}/{frac.denominator}"
    return decimal


def _cell_tooltip(value: float) -> str:
    full = repr(float(value)) if value != int(value) else str(int(value))
    frac = exact_fraction(value)
    return f"{frac.numerator}/{frac.denominator} = {full}" if frac is not None else full


class KernelTableModel(QAbstractTableModel):
    """The kernel as a Qt table model. Edits go to the state, which validates them.

    Signals
    -------
    rejected(row, col, message)
        A typed value was refused; the cell keeps its old value and is marked.
    """

    rejected = Signal(int, int, str)

    def __init__(self, state: ExplorerState) -> None:
        super().__init__()
        self._state = state
        self._shape = state.kernel.shape
        self._bad: dict[tuple[int, int], str] = {}
        state.kernel_changed.connect(self._on_kernel_changed)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else int(self._state.kernel.shape[0])

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else int(self._state.kernel.shape[1])

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        v = float(self._state.kernel[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(v)
        if role == Qt.ItemDataRole.EditRole:
            return cell_edit_text(v)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if (r, c) in self._bad:
                return QBrush(QColor(255, 205, 205))
            if v > 0:
                return QBrush(QColor(226, 240, 226))
            if v < 0:
                return QBrush(QColor(240, 228, 244))
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(20, 20, 20))
        if role == Qt.ItemDataRole.ToolTipRole:
            if (r, c) in self._bad:
                return self._bad[(r, c)]
            return f"Weight at row {r}, column {c}: {_cell_tooltip(v)}"
        if role == Qt.ItemDataRole.FontRole and (r, c) == self.center():
            f = QFont()
            f.setBold(True)
            return f
        return None

    def center(self) -> tuple[int, int]:
        """The cell the kernel is centred on (top-left of the middle for even sizes)."""
        kh, kw = self._state.kernel.shape
        return (kh - 1) // 2, (kw - 1) // 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)  # 0-based, like every other row/column the window names
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        r, c = index.row(), index.column()
        try:
            self._state.set_kernel_cell(r, c, str(value))
        except CellParseError as exc:
            self._bad[(r, c)] = str(exc)
            self.dataChanged.emit(index, index)
            self.rejected.emit(r, c, str(exc))
            return False
        if self._bad.pop((r, c), None) is not None:
            self.dataChanged.emit(index, index)
        return True

    def _on_kernel_changed(self) -> None:
        shape = self._state.kernel.shape
        if shape != self._shape:
            self.beginResetModel()
            self._shape = shape
            self._bad.clear()
            self.endResetModel()
        else:
            self._bad.clear()  # a refused entry's mark is stale once the kernel has changed
            self.dataChanged.emit(self.index(0, 0), self.index(shape[0] - 1, shape[1] - 1))


class KernelTableView(QTableView):
    """Table view with copy and paste of blocks of numbers."""

    paste_failed = Signal(str)

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )  # not SelectedClicked: its delayed editor swallowed a digit typed right after a click
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(30)
        self.verticalHeader().setMinimumSectionSize(24)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        super().keyPressEvent(event)

    def _top_left(self) -> tuple[int, int]:
        idx = self.selectedIndexes() or [self.currentIndex()]
        valid = [i for i in idx if i.isValid()]
        if not valid:
            return 0, 0
        return min(i.row() for i in valid), min(i.column() for i in valid)

    def paste(self) -> None:
        """Paste rows of numbers from the clipboard, starting at the current cell."""
        text = QGuiApplication.clipboard().text()
        try:
            block = parse_kernel_text(text, "the clipboard")
        except LoadError as exc:
            self.paste_failed.emit(f"Nothing pasted: {exc}")
            return
        r, c = self._top_left()
        self._state.set_kernel_block(r, c, block)

    def copy(self) -> None:
        """Copy the selected cells (or the whole kernel) as rows of numbers."""
        idx = [i for i in self.selectedIndexes() if i.isValid()]
        k = self._state.kernel
        if len(idx) > 1:
            rows = sorted({i.row() for i in idx})
            cols = sorted({i.column() for i in idx})
            k = k[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        QGuiApplication.clipboard().setText(kernel_to_text(np.asarray(k)))


class KernelPanel(QGroupBox):
    """Kernel table, size, presets, normalize, divisor, bias, flip, reset and the live sum."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__("Kernel", parent)
        self._state = state
        self.setToolTip(
            "The kernel (or filter): a small grid of weights. At each position it is laid over "
            "the image, each pixel is multiplied by the weight above it, and the products are "
            "summed into one output pixel."
        )
        self.model = KernelTableModel(state)
        self.table = KernelTableView(state)
        self.table.setObjectName("kernelTable")
        self.table.setModel(self.model)
        self.table.setToolTip(
            "Type a weight and press Enter or Tab. Numbers like 2, -0.5, 1/9 or 2e-3 are "
            "accepted. Arrow keys move between cells; Ctrl+C / Ctrl+V copy and paste rows."
        )
        self.table.setMinimumHeight(140)

        self.rows_spin = QSpinBox(objectName="kernelRowsSpin")
        self.cols_spin = QSpinBox(objectName="kernelColsSpin")
        for sp, what in ((self.rows_spin, "rows"), (self.cols_spin, "columns")):
            sp.setRange(1, MAX_KERNEL_SIDE)
            sp.setKeyboardTracking(False)
            sp.setToolTip(f"Number of kernel {what} (1–{MAX_KERNEL_SIDE}); values stay centred.")
            sp.valueChanged.connect(self._on_size_spin)
        self.preset_combo = QComboBox(objectName="presetCombo")
        self.preset_combo.addItem("Custom kernel (choose a preset…)", "")
        for p in PRESETS.values():
            self.preset_combo.addItem(p.title, p.name)
            self.preset_combo.setItemData(
                self.preset_combo.count() - 1, p.description, Qt.ItemDataRole.ToolTipRole
            )
        self.preset_combo.setToolTip("Load a classic kernel: blur, sharpen, edge detectors…")
        self.preset_combo.activated.connect(self._on_preset)

        self.normalize_btn = QPushButton("Normalize", objectName="normalizeButton")
        self.normalize_btn.setToolTip(
            "Divide every weight by the kernel's sum, so a flat area keeps its brightness."
        )
        self.normalize_btn.clicked.connect(self._on_normalize)
        self.reset_btn = QPushButton("Reset", objectName="resetKernelButton")
        self.reset_btn.setToolTip("Back to the identity kernel: 1 in the centre, 0 elsewhere.")
        self.reset_btn.clicked.connect(lambda: self._state.apply_preset("identity"))
        self.flip_check = QCheckBox("Flip (true convolution)", objectName="flipCheck")
        self.flip_check.setToolTip(
            "CNNs slide the kernel as it is (cross-correlation). Tick this to rotate it by "
            "180° first, which is convolution as signal processing defines it."
        )
        self.flip_check.toggled.connect(
            lambda on: self._state.set_params("Flip kernel" if on else "Unflip kernel", flip=on)
        )
        self.divisor_spin = QDoubleSpinBox(objectName="divisorSpin")
        self.divisor_spin.setRange(-1e6, 1e6)
        self.divisor_spin.setProperty("normalRange", (-1e6, 1e6))
        self.divisor_spin.setDecimals(4)
        self.divisor_spin.setKeyboardTracking(False)
        self.divisor_spin.setToolTip(
            "Each sum is divided by this before the bias is added (never 0)."
        )
        self.divisor_spin.valueChanged.connect(self._on_divisor)
        self.bias_spin = QDoubleSpinBox(objectName="biasSpin")
        self.bias_spin.setRange(-1e6, 1e6)
        self.bias_spin.setProperty("normalRange", (-1e6, 1e6))
        self.bias_spin.setDecimals(4)
        self.bias_spin.setKeyboardTracking(False)
        self.bias_spin.setToolTip("Added to each output pixel after dividing: the layer's bias.")
        self.bias_spin.valueChanged.connect(
            lambda v: self._state.set_params("Change bias", bias=float(v))
        )
        # Their size hint is sized for ±1,000,000.0000; the usual values are short, and a long
        # one scrolls inside the box: this keeps the controls column narrow.
        for sp in (self.divisor_spin, self.bias_spin):
            sp.setMaximumWidth(96)
        self.sum_label = QLabel(objectName="kernelSumLabel")
        self.sum_label.setToolTip("The sum of all weights: 1 keeps brightness, 0 finds edges.")

        size_row = QHBoxLayout()
        size_row.addWidget(QLabel("Size"))
        size_row.addWidget(self.rows_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.cols_spin)
        size_row.addStretch(1)
        size_row.addWidget(self.flip_check)

        grid = QGridLayout()
        grid.addWidget(QLabel("Divisor"), 0, 0)
        grid.addWidget(self.divisor_spin, 0, 1)
        grid.addWidget(QLabel("Bias"), 0, 2)
        grid.addWidget(self.bias_spin, 0, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.normalize_btn)
        buttons.addWidget(self.reset_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.sum_label)

        lay = QVBoxLayout(self)
        lay.addWidget(self.preset_combo)
        lay.addWidget(self.table, 1)
        lay.addLayout(size_row)
        lay.addLayout(buttons)
        lay.addLayout(grid)

        state.kernel_changed.connect(self._update_from_state)
        state.params_changed.connect(self._update_from_state)
        self._update_from_state()

    def _update_from_state(self) -> None:
        k = self._state.kernel
        p = self._state.params
        with signals_blocked(
            self.rows_spin, self.cols_spin, self.flip_check, self.divisor_spin, self.bias_spin
        ):
            self.rows_spin.setValue(k.shape[0])
            self.cols_spin.setValue(k.shape[1])
            self.flip_check.setChecked(p.flip)
            show_value(self.divisor_spin, p.divisor)
            show_value(self.bias_spin, p.bias)
        total = float(k.sum())
        self.sum_label.setText(f"Sum: {format_number(total, 6)}")
        # Name the preset the kernel equals, if any ("Choose a preset…" otherwise).
        match = next(
            (
                p.name
                for p in PRESETS.values()
                if p.kernel.shape == k.shape and np.array_equal(p.kernel, k)
            ),
            "",
        )
        with signals_blocked(self.preset_combo):
            self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(match)))

    def _on_size_spin(self) -> None:
        self._state.resize_kernel(self.rows_spin.value(), self.cols_spin.value())

    def _on_preset(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name:
            self._state.apply_preset(str(name))

    def _on_normalize(self) -> None:
        try:
            self._state.normalize()
        except ValueError as exc:
            self._state.message.emit("warning", f"Cannot normalize: {exc}.")

    def _on_divisor(self, value: float) -> None:
        if value == 0:
            self._state.message.emit("warning", "The divisor cannot be 0; it was left unchanged.")
            with signals_blocked(self.divisor_spin):
                self.divisor_spin.setValue(self._state.params.divisor)
            return
        self._state.set_params("Change divisor", divisor=float(value))


__all__ = [
    "ACCEPTED_HELP",
    "KernelPanel",
    "KernelTableModel",
    "KernelTableView",
    "cell_edit_text",
    "cell_text",
    "exact_fraction",
]
