"""Layer settings: padding, boundary, stride, dilation, activation, pooling, and the shapes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core import ACTIVATION_FORMULAS, BOUNDARY_DESCRIPTIONS
from ..core.layout import layer_formulas, layer_pads
from ..state import MAX_KERNEL_SIDE, ExplorerState
from .util import signals_blocked

PADDING_ITEMS = (
    (
        "valid",
        "Valid (no padding)",
        "No padding: the kernel stays inside the image, so the "
        "output loses the border (the lesson's “ignore the edge pixels”).",
    ),
    (
        "same",
        "Same (Keras)",
        "Pad so the output has the input's size (at stride 1), as "
        "Keras padding='same': the odd extra cell goes to the bottom/right.",
    ),
    ("full", "Full", "Pad kernel−1 cells on every side: every overlap of kernel and image."),
    ("custom", "Custom…", "Choose the padding of each side yourself."),
)
BOUNDARY_TITLES = {
    "zero": "Zero",
    "constant": "Constant",
    "replicate": "Replicate",
    "reflect": "Reflect",
    "mirror": "Mirror",
    "wrap": "Wrap",
}
ACTIVATION_TITLES = {
    "none": "None",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "sigmoid": "Sigmoid",
    "tanh": "tanh",
    "abs": "Absolute value",
}
MAX_DILATION = 8
#: "Full" padding of the largest kernel at the largest dilation: custom padding starts there.
MAX_PAD = (MAX_KERNEL_SIDE - 1) * MAX_DILATION
POOL_TITLES = {"none": "None", "max": "Max pooling", "avg": "Average pooling"}
POOL_DESCRIPTIONS = {
    "none": "No pooling: the output is the layer's result.",
    "max": "Keep the largest value of each window (Keras MaxPooling2D).",
    "avg": "Keep the mean of each window (Keras AveragePooling2D).",
}


def _combo(name: str, items: list[tuple[str, str, str]], tip: str) -> QComboBox:
    combo = QComboBox(objectName=name)
    for value, title, desc in items:
        combo.addItem(title, value)
        combo.setItemData(combo.count() - 1, desc, 3)  # Qt.ToolTipRole
    combo.setToolTip(tip)
    return combo


def _spin(name: str, lo: int, hi: int, tip: str) -> QSpinBox:
    sp = QSpinBox(objectName=name)
    sp.setRange(lo, hi)
    sp.setProperty("normalRange", (lo, hi))
    sp.setKeyboardTracking(False)
    sp.setToolTip(tip)
    return sp


def show_value(spin: QSpinBox | QDoubleSpinBox, value: float) -> None:
    """Show ``value`` in ``spin`` exactly, never clamped to the box's range.

    Values normally come from the box itself and lie in its range (its ``normalRange``
    property, else the range it had when first shown). A value put into the state another way
    (the state's API) is shown as it is: the range is widened to include it, and goes back to
    normal once the value is back inside. Call it with the box's signals blocked.
    """
    normal = spin.property("normalRange")
    if not normal:
        normal = (spin.minimum(), spin.maximum())
        spin.setProperty("normalRange", normal)
    lo, hi = normal
    spin.setRange(min(lo, value), max(hi, value))
    spin.setValue(value)  # type: ignore[arg-type]


class LayerPanel(QGroupBox):
    """Every setting of the convolution layer, written to the state on change."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__("Layer", parent)
        self._state = state
        self.padding_combo = _combo(
            "paddingCombo",
            list(PADDING_ITEMS),
            "Padding: what to do at the edges, where the kernel would hang over the image.",
        )
        self.pad_spins = [
            _spin(f"pad{side.capitalize()}Spin", 0, MAX_PAD, f"Cells of padding on the {side}")
            for side in ("top", "bottom", "left", "right")
        ]
        # Two rows of two (top/bottom, left/right): four spin boxes in one row would push the
        # column wider than the window gives it.
        self.custom_row = QWidget()
        cr = QGridLayout(self.custom_row)
        cr.setContentsMargins(0, 0, 0, 0)
        for i, (label, sp) in enumerate(zip(("Top", "Bottom", "Left", "Right"), self.pad_spins)):
            lab = QLabel(label)
            lab.setBuddy(sp)
            cr.addWidget(lab, i // 2, (i % 2) * 2)
            cr.addWidget(sp, i // 2, (i % 2) * 2 + 1)
            sp.valueChanged.connect(self._on_custom_pad)
        cr.setColumnStretch(1, 1)
        cr.setColumnStretch(3, 1)
        self.boundary_combo = _combo(
            "boundaryCombo",
            [(b, BOUNDARY_TITLES[b], BOUNDARY_DESCRIPTIONS[b]) for b in BOUNDARY_TITLES],
            "What the padded cells hold: zeros (the lesson's zero-padding) or copies of the image.",
        )
        self.cval_spin = QDoubleSpinBox(objectName="cvalSpin")
        self.cval_spin.setRange(-1e6, 1e6)
        self.cval_spin.setProperty("normalRange", (-1e6, 1e6))
        self.cval_spin.setKeyboardTracking(False)
        self.cval_spin.setToolTip("The value of every padded cell when the boundary is Constant.")
        self.cval_spin.setMaximumWidth(90)
        self.stride_spin = _spin(
            "strideSpin",
            1,
            16,
            "Stride: how many pixels the kernel moves between outputs. 2 halves the output size.",
        )
        self.dilation_spin = _spin(
            "dilationSpin",
            1,
            MAX_DILATION,
            "Dilation: spacing between the kernel's taps. 2 spreads a 3×3 "
            "kernel over a 5×5 area with gaps.",
        )
        self.activation_combo = _combo(
            "activationCombo",
            [(a, ACTIVATION_TITLES[a], ACTIVATION_FORMULAS[a]) for a in ACTIVATION_TITLES],
            "Activation applied to each output value (ReLU keeps positives, zeroes negatives).",
        )
        self.pool_combo = _combo(
            "poolCombo",
            [(p, POOL_TITLES[p], POOL_DESCRIPTIONS[p]) for p in POOL_TITLES],
            "Pooling shrinks the output: max pooling keeps the largest value of each window.",
        )
        self.pool_size_spin = _spin("poolSizeSpin", 1, 8, "Pooling window size (2 = 2×2).")
        self.pool_stride_spin = _spin(
            "poolStrideSpin", 1, 8, "Pooling stride (Keras uses the window size by default)."
        )
        self.pool_padding_combo = _combo(
            "poolPaddingCombo",
            [
                ("valid", "Valid", "Drop a partial window at the edge."),
                ("same", "Same", "Pad so partial windows count; padding never wins a max."),
            ],
            "Pooling padding, as in Keras.",
        )
        self.shape_label = QLabel(objectName="shapeLabel")
        self.shape_label.setWordWrap(True)
        self.shape_label.setToolTip(
            "Output size per axis: (n + padding − dilated kernel)/stride + 1, rounded down."
        )

        pool_row = QWidget()
        pr = QHBoxLayout(pool_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(QLabel("size"))
        pr.addWidget(self.pool_size_spin)
        pr.addWidget(QLabel("stride"))
        pr.addWidget(self.pool_stride_spin)
        pr.addWidget(self.pool_padding_combo)

        # Two label/control pairs per row where they belong together, so the whole layer fits
        # under the kernel without scrolling at the default window size.
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        def label(text: str, buddy: QWidget) -> QLabel:
            lab = QLabel(text)
            lab.setBuddy(buddy)
            return lab

        grid.addWidget(label("&Padding", self.padding_combo), 0, 0)
        grid.addWidget(self.padding_combo, 0, 1, 1, 3)
        grid.addWidget(self.custom_row, 1, 1, 1, 3)
        grid.addWidget(label("&Boundary", self.boundary_combo), 2, 0)
        grid.addWidget(self.boundary_combo, 2, 1)
        grid.addWidget(label("Value", self.cval_spin), 2, 2)
        grid.addWidget(self.cval_spin, 2, 3)
        grid.addWidget(label("S&tride", self.stride_spin), 3, 0)
        grid.addWidget(self.stride_spin, 3, 1)
        grid.addWidget(label("&Dilation", self.dilation_spin), 3, 2)
        grid.addWidget(self.dilation_spin, 3, 3)
        grid.addWidget(label("Acti&vation", self.activation_combo), 4, 0)
        grid.addWidget(self.activation_combo, 4, 1, 1, 3)
        grid.addWidget(label("P&ooling", self.pool_combo), 5, 0)
        grid.addWidget(self.pool_combo, 5, 1, 1, 3)
        grid.addWidget(pool_row, 6, 1, 1, 3)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(self.shape_label)
        self._pool_row = pool_row

        self.padding_combo.activated.connect(self._on_padding)
        self.boundary_combo.activated.connect(
            lambda i: state.set_params("Change boundary", boundary=self.boundary_combo.itemData(i))
        )
        self.cval_spin.valueChanged.connect(
            lambda v: state.set_params("Change constant", cval=float(v))
        )
        self.stride_spin.valueChanged.connect(
            lambda v: state.set_params("Change stride", stride=(v, v))
        )
        self.dilation_spin.valueChanged.connect(
            lambda v: state.set_params("Change dilation", dilation=(v, v))
        )
        self.activation_combo.activated.connect(
            lambda i: state.set_params(
                "Change activation", activation=self.activation_combo.itemData(i)
            )
        )
        self.pool_combo.activated.connect(
            lambda i: state.set_params("Change pooling", pool=self.pool_combo.itemData(i))
        )
        self.pool_size_spin.valueChanged.connect(
            lambda v: state.set_params("Change pool size", pool_size=(v, v))
        )
        self.pool_stride_spin.valueChanged.connect(
            lambda v: state.set_params("Change pool stride", pool_stride=(v, v))
        )
        self.pool_padding_combo.activated.connect(
            lambda i: state.set_params(
                "Change pool padding", pool_padding=self.pool_padding_combo.itemData(i)
            )
        )
        for sig in (
            state.params_changed,
            state.kernel_changed,
            state.image_changed,
            state.result_changed,
        ):
            sig.connect(self._update_from_state)
        self._update_from_state()

    def _on_padding(self, index: int) -> None:
        mode = self.padding_combo.itemData(index)
        if mode == "custom":
            doc = self._state.doc
            shape = doc.shape if doc is not None else (1, 1)
            pads = layer_pads(shape, self._state.kernel.shape, self._state.params)
            self._state.set_params("Custom padding", padding=pads)
        else:
            self._state.set_params("Change padding", padding=mode)

    def _on_custom_pad(self) -> None:
        pads = tuple(sp.value() for sp in self.pad_spins)
        self._state.set_params("Custom padding", padding=pads)

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _update_from_state(self) -> None:
        s, p = self._state, self._state.params
        custom = not isinstance(p.padding, str)
        widgets = [
            self.padding_combo,
            self.boundary_combo,
            self.cval_spin,
            self.stride_spin,
            self.dilation_spin,
            self.activation_combo,
            self.pool_combo,
            self.pool_size_spin,
            self.pool_stride_spin,
            self.pool_padding_combo,
            *self.pad_spins,
        ]
        doc = s.doc
        shape = doc.shape if doc is not None else (1, 1)
        pads = layer_pads(shape, s.kernel.shape, p)
        with signals_blocked(*widgets):
            self._select(self.padding_combo, "custom" if custom else p.padding)
            for sp, v in zip(self.pad_spins, pads):
                show_value(sp, v)
            self._select(self.boundary_combo, p.boundary)
            show_value(self.cval_spin, p.cval)
            show_value(self.stride_spin, p.stride[0])
            show_value(self.dilation_spin, p.dilation[0])
            self._select(self.activation_combo, p.activation)
            self._select(self.pool_combo, p.pool)
            show_value(self.pool_size_spin, p.pool_size[0])
            show_value(self.pool_stride_spin, p.pool_stride[0])
            self._select(self.pool_padding_combo, p.pool_padding)
        self.custom_row.setVisible(custom)
        self.cval_spin.setEnabled(p.boundary == "constant")
        self._pool_row.setEnabled(p.pool != "none")
        self.shape_label.setText(self._shape_text(shape))

    def _shape_text(self, shape: tuple[int, int]) -> str:
        s, p = self._state, self._state.params
        if s.doc is None:
            return ""
        g = s.geometry()
        rows, cols = (
            (g.row_formula, g.col_formula) if g else layer_formulas(shape, s.kernel.shape, p)
        )
        lines = [f"<b>Output</b> rows: {rows}<br>cols: {cols}"]
        if s.layer_error:
            lines.append(f"<span style='color:#b00020'>No output: {s.layer_error}</span>")
            return "<br>".join(lines)
        if g is not None and g.pooled_row_formula is not None:
            lines.append(
                f"<b>Pooled</b> rows: {g.pooled_row_formula}<br>cols: {g.pooled_col_formula}"
            )
        elif p.pool != "none":
            lines.append(
                "<span style='color:#b00020'>No pooled output: the pooling window "
                "is larger than the output.</span>"
            )
        return "<br>".join(lines)
