"""The kernel editor: a table of numbers (an item model over the state) and its controls."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
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
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core import ACCEPTED_HELP, PRESETS, CellParseError, format_number
from ..imageio import LoadError, kernel_to_text, parse_kernel_text
from ..state import MAX_KERNEL_SIDE, ExplorerState
from .layer_panel import show_value
from .text_size import scaled_font
from .util import signals_blocked

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Largest denominator written as a fraction in a cell (1/256 of the 5×5 Gaussian, 1/1024).
MAX_CELL_DENOMINATOR = 1024
#: Integers up to this many digits are written in full; larger ones with 4 significant digits.
_MAX_INT_DIGITS = 6
#: A column narrower than this many digits of the table's font is drawn in a smaller font,
#: this fraction of the table's.
FULL_CHARS = 4
SMALLEST_FONT = 0.8


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


#: The most significant digits a cell shows (the tooltip and the editor hold the full value).
CELL_DIGITS = 4
#: Characters a cell's text may use besides a minus sign, when the view says nothing else:
#: ``0.0123``, ``1.2e-3``, ``3.142``.
CELL_WIDTH = 6
#: Below this magnitude (and from 10**6 up) a cell is written with an exponent: ``1.2e-3``.
TINY = 1e-2
MINUS = "-"  # narrower than U+2212 in most fonts: a digit more fits


def _decimal(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _exponent(value: float, digits: int) -> str:
    # 1.2e-03 -> 1.2e-3: no "+", no leading zeros.
    mantissa, exp = f"{abs(value):.{max(0, digits - 1)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    e = int(exp)
    return f"{mantissa}e{MINUS if e < 0 else ''}{abs(e)}"


def _candidates(mag: float) -> list[str]:
    """Texts for ``mag > 0``, most precise first (no sign).

    The usual forms with 4, 3 and 2 significant digits, then those without a leading zero
    (``.43``, for very narrow cells), then one significant digit.
    """
    usual: list[str] = []
    for digits in range(CELL_DIGITS, 0, -1):
        if mag < TINY or mag >= 10**_MAX_INT_DIGITS:
            usual.append(_exponent(mag, digits))
            continue
        text = _decimal(mag, digits)
        usual.append(_exponent(mag, digits) if "e" in text else text)  # rounded up to 10**6
    short = [t[1:] for t in usual if t.startswith("0.")]
    return usual[:-1] + short[:-1] + usual[-1:] + short[-1:]


def clean_total(values: np.ndarray | list[float]) -> float:
    """The sum of ``values`` with floating-point noise taken out.

    A sum within ``1e-12`` of the values' magnitude (the sum of their absolute values) of
    zero is 0: ``0.1 + 0.2 − 0.3`` is ``5.6e-17`` in float64, but no kernel a person made
    sums to that.

    Examples
    --------
    >>> clean_total([0.1, 0.2, -0.3]), clean_total([1e-20, 0.0]), clean_total([1 / 3, 2 / 3])
    (0.0, 1e-20, 1.0)
    """
    a = np.asarray(values, dtype=np.float64)
    total = float(a.sum())
    if not math.isfinite(total):
        return total
    magnitude = float(np.abs(a).sum())
    return 0.0 if abs(total) <= 1e-12 * magnitude else total


def cell_text(
    value: float, width: int = CELL_WIDTH, *, fits: Callable[[str], bool] | None = None
) -> str:
    """How a kernel cell shows ``value``: at most 4 significant digits that fit the cell.

    ``width`` is how many characters the cell has room for besides a minus sign; ``fits``,
    when given, replaces that count: it says whether a whole text (sign included) fits the cell
    (the table measures it in its font). Integers of up to 6 digits are written in full; an exact
    fraction with a denominator up to 1024 (``1/256``) when it is shorter than the decimal or
    the decimal is not exact; other values with the most significant digits (4 down to 1)
    that fit: ``0.0123``, ``3.142``, an exponent below 0.01 (``1.2e-3``), and, when the
    room is very short, without the leading zero (``.43``). Negative values carry a minus
    sign (``-0.5``). When nothing fits, the shortest text is returned (the view elides it).

    Examples
    --------
    >>> [cell_text(v) for v in (2.0, -1.0, 0.5, 0.25, 1 / 9, 1 / 256, 0.1234567, 1e-5)]
    ['2', '-1', '0.5', '1/4', '1/9', '1/256', '0.1235', '1e-5']
    >>> cell_text(0.012345), cell_text(-0.0012345), cell_text(0.4321, width=3)
    ('0.0123', '-1.2e-3', '.43')
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    sign = MINUS if value < 0 else ""
    if value == int(value) and abs(value) < 10**_MAX_INT_DIGITS:
        return sign + str(abs(int(value)))
    room = max(1, int(width))

    def ok(text: str) -> bool:
        return fits(sign + text) if fits is not None else len(text) <= room

    texts = _candidates(abs(value))
    dec = next((t for t in texts if ok(t)), texts[-1])
    frac = exact_fraction(value)
    if frac is not None:
        frac_text = f"{abs(frac.numerator)}/{frac.denominator}"
        exact_dec = "e" not in dec and float(dec) == abs(value)
        if ok(frac_text) and not (exact_dec and len(dec) <= len(frac_text)):
            return sign + frac_text
    return sign + dec


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
        #: The width (pixels) a cell's text may take, or None: :data:`CELL_WIDTH` characters.
        #: The view sets it from its columns.
        self.cell_room: float | None = None
        #: The font of the cells (None: the view's own); the view makes it smaller for a wide
        #: kernel.
        self.cell_font: QFont | None = None
        self._metrics: tuple[QFontMetricsF | None, QFontMetricsF | None] = (None, None)
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
            return self.display_text(v, bold=(r, c) == self.center())
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
        if role == Qt.ItemDataRole.FontRole:
            if (r, c) == self.center():
                f = QFont(self.cell_font) if self.cell_font is not None else QFont()
                f.setBold(True)
                return f
            return self.cell_font
        return None

    def display_text(self, value: float, *, bold: bool = False) -> str:
        """The text a cell shows for ``value``: as precise as its room allows.

        ``bold``: measured in the bold font of the centre cell.
        """
        metrics, room = self._metrics[int(bold)], self.cell_room
        if metrics is None or room is None:
            return cell_text(value)
        return cell_text(value, fits=lambda t: metrics.horizontalAdvance(t) <= room)

    def set_cell_style(self, room: float | None, font: QFont) -> None:
        """Cells' text in ``font``, at most ``room`` pixels wide (None: :data:`CELL_WIDTH`)."""
        if room == self.cell_room and font == self.cell_font:
            return
        self.cell_room, self.cell_font = room, font
        bold = QFont(font)
        bold.setBold(True)  # the centre's font
        self._metrics = (QFontMetricsF(font), QFontMetricsF(bold))
        kh, kw = self._state.kernel.shape
        self.dataChanged.emit(self.index(0, 0), self.index(kh - 1, kw - 1))

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
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._fitting = False
        self._fit_pending = False
        self._fit_cells()

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if self._fit_pending:
            self._fit_cells()

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._fit_cells)
            model.dataChanged.connect(self._on_data_changed)
        self._fit_cells()

    def _on_data_changed(self, *_: object) -> None:
        if not self._fitting:
            self._fit_cells()  # a new sign, or new values: the room per cell may differ

    def viewportEvent(self, event: QEvent) -> bool:
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:  # the window, or a scroll bar came or went
            self._fit_cells()
        return handled

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # View ▸ Text Size
            self._fit_cells()

    def _fit_cells(self) -> None:
        """Columns fit the table (no sideways scrolling); the cells' text fits the columns.

        A column is at least two digits wide (in a font :data:`SMALLEST_FONT` of the table's,
        used only when a column is narrower than :data:`FULL_CHARS` digits), so a 15×15 kernel
        fits the controls column; each cell then shows as many significant digits as its
        column holds, measured in its font; the full value is in the tooltip and the editor.
        """
        model = self.model()
        if self._fitting:
            return
        if self.state() == QAbstractItemView.State.EditingState:
            # Restyling emits dataChanged, and Qt then resets an open editor to the model's
            # value: the number being typed would be lost. Fit once the editor closes.
            self._fit_pending = True
            return
        self._fit_pending = False
        self._fitting = True
        try:
            base = QFont(self.font())
            small = scaled_font(base, SMALLEST_FONT)
            digit = QFontMetricsF(small).horizontalAdvance("0")
            margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
            self.horizontalHeader().setMinimumSectionSize(math.ceil(2 * digit + margin))
            line = QFontMetricsF(small).height()
            self.verticalHeader().setMinimumSectionSize(math.ceil(line + 4))
            if not isinstance(model, KernelTableModel):
                return
            cols = max(1, model.columnCount())
            grid = 1 if self.showGrid() else 0  # a column's last pixel is the grid line
            room = max(1.0, float(self.viewport().width() // cols - grid - margin))
            normal = QFontMetricsF(base).horizontalAdvance("0")
            model.set_cell_style(room, base if room >= FULL_CHARS * normal else small)
        finally:
            self._fitting = False

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
        total = clean_total(np.asarray(k))
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
    "clean_total",
    "exact_fraction",
]
