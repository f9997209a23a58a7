"""Kernel ▸ Generate…: make a kernel from a formula with one slider per parameter, live.

Every move of a slider (or spin box, or choice) sets the state's kernel, so the table and the
output follow; moves are throttled (at most one kernel per :data:`THROTTLE_MS`) and the state
runs large recomputes off the GUI thread, so dragging stays smooth. The whole dialog session is
one undo step: OK or Apply keep the kernel (Edit ▸ Undo then goes back to the kernel from
before), Cancel or Escape put the kernel from before back. The last generator and its values
are remembered (``kernelLab/…`` in the window's settings).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..core.generators import GENERATORS, Generator, ParamSpec, ParamValue
from ..core.text import format_value
from ..state import HISTORY_LIMIT, ExplorerState, Session, Snapshot
from .util import signals_blocked

TITLE = "Generate Kernel"
#: At most one new kernel per this many milliseconds while a slider is dragged.
THROTTLE_MS = 40
SETTINGS_GENERATOR = "kernelLab/generator"
SETTINGS_PREFIX = "kernelLab/values"
HINT = (
    "Every change updates the kernel table and the output. OK keeps the kernel (Edit ▸ Undo "
    "brings the previous one back in one step); Cancel or Escape restores the previous kernel."
)


def slider_steps(spec: ParamSpec) -> int:
    """How many slider steps a numeric parameter has (its range over its step).

    Examples
    --------
    >>> from convgui.core.generators import ParamSpec
    >>> slider_steps(ParamSpec("sigma", "σ", 0.3, 5.0, 0.1, 1.0))
    47
    """
    if spec.step <= 0:
        return 100
    return max(1, round((spec.maximum - spec.minimum) / spec.step))


def value_at(spec: ParamSpec, index: int) -> float:
    """The parameter's value at slider position ``index`` (rounded to its decimals).

    Examples
    --------
    >>> from convgui.core.generators import ParamSpec
    >>> value_at(ParamSpec("sigma", "σ", 0.3, 5.0, 0.1, 1.0, decimals=1), 7)
    1.0
    """
    n = slider_steps(spec)
    v = spec.minimum + (spec.maximum - spec.minimum) * min(max(index, 0), n) / n
    v = round(v, spec.decimals)
    return float(min(max(v, spec.minimum), spec.maximum))


def index_of(spec: ParamSpec, value: float) -> int:
    """The slider position nearest to ``value``."""
    n = slider_steps(spec)
    span = spec.maximum - spec.minimum
    if span <= 0:
        return 0
    return min(n, max(0, round((value - spec.minimum) / span * n)))


def parse_setting(spec: ParamSpec, raw: object) -> ParamValue:
    """A remembered value, checked: the default when it is missing or no longer valid.

    Examples
    --------
    >>> from convgui.core.generators import ParamSpec
    >>> s = ParamSpec("sigma", "σ", 0.3, 5.0, 0.1, 1.0, decimals=1)
    >>> parse_setting(s, "2.5"), parse_setting(s, "99"), parse_setting(s, "abc")
    (2.5, 1.0, 1.0)
    """
    if raw is None:
        return spec.default
    if spec.is_choice:
        return str(raw) if str(raw) in spec.choices else spec.default
    try:
        v = float(str(raw))
    except ValueError:
        return spec.default
    if not math.isfinite(v) or not spec.minimum <= v <= spec.maximum:
        return spec.default
    return v


class GeneratorDialog(QDialog):
    """The generators dialog (non-modal): a generator, its parameters, a live kernel.

    Signals
    -------
    kernel_generated()
        A kernel from the dialog was put into the state (after the throttle).
    """

    kernel_generated = Signal()

    def __init__(
        self, state: ExplorerState, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("generatorDialog")
        self.setWindowTitle(TITLE)
        self.setModal(False)
        self.state = state
        self.settings = settings
        self._start: Session | None = None
        #: The widest :meth:`fit_to_contents` makes the dialog (None: no limit): where it was
        #: placed, wider would cover the kernel table.
        self.width_limit: int | None = None
        self._values: dict[str, ParamValue] = {}
        self._controls: dict[str, tuple[QWidget, ...]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self.apply_now)

        self.combo = QComboBox(objectName="generatorCombo")
        self.combo.setToolTip("Which formula makes the kernel")
        for g in GENERATORS.values():
            self.combo.addItem(g.title, g.name)
        self.description = QLabel(objectName="generatorDescription")
        self.description.setWordWrap(True)
        self.form = QGridLayout()
        self.form.setColumnStretch(1, 1)
        self.form_host = QWidget()
        self.form_host.setLayout(self.form)
        self.summary = QLabel(objectName="generatorSummary")
        self.error = QLabel(objectName="generatorError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.clicked.connect(self._on_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.combo)
        layout.addWidget(self.description)
        layout.addWidget(self.form_host)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.combo.currentIndexChanged.connect(self._on_generator_chosen)
        self.resize(460, 420)

    # --- reading ---------------------------------------------------------------------------

    @property
    def generator(self) -> Generator:
        """The generator chosen in the combo."""
        return GENERATORS[str(self.combo.currentData())]

    @property
    def values(self) -> dict[str, ParamValue]:
        """The parameter values now shown (a copy)."""
        return dict(self._values)

    def slider(self, name: str) -> QSlider:
        """The slider of numeric parameter ``name`` (for tests and the keyboard)."""
        w = self._controls[name][0]
        assert isinstance(w, QSlider)
        return w

    def spin(self, name: str) -> QDoubleSpinBox:
        """The spin box of numeric parameter ``name``."""
        w = self._controls[name][1]
        assert isinstance(w, QDoubleSpinBox)
        return w

    def choice(self, name: str) -> QComboBox:
        """The choice box of parameter ``name`` (e.g. the edge operator)."""
        w = self._controls[name][0]
        assert isinstance(w, QComboBox)
        return w

    # --- the session -----------------------------------------------------------------------

    def open_session(self) -> None:
        """Show the dialog; a new session starts (the kernel now is what Cancel restores)."""
        if not self.isVisible():
            self._start = self.state.session()
            name = str(self.settings.value(SETTINGS_GENERATOR, "gaussian"))
            index = self.combo.findData(name if name in GENERATORS else "gaussian")
            with signals_blocked(self.combo):
                self.combo.setCurrentIndex(index)
            self._build(self.generator)
            self.show()
            self.apply_now()  # the table shows the generator's kernel at once
        self.raise_()
        self.activateWindow()

    def _label(self) -> str:
        return f"Generate {self.generator.title}"

    def commit(self) -> None:
        """Keep the kernel: the session's edits become one undo step."""
        self._flush()
        start, self._start = self._start, None
        if start is None:
            return
        s = self.state
        cur = s.session()
        before = Snapshot(start.kernel, start.params, self._label())
        if before.same_as(Snapshot(cur.kernel, cur.params, "")):
            undo, redo = start.undo, start.redo
        else:
            undo, redo = (start.undo + (before,))[-HISTORY_LIMIT:], ()
        s.restore_session(replace(cur, undo=undo, redo=redo))

    def restore(self) -> None:
        """Put the kernel from before the session back (and its undo history)."""
        self._timer.stop()
        start, self._start = self._start, None
        if start is None:
            return
        cur = self.state.session()
        self.state.restore_session(
            replace(cur, kernel=start.kernel, undo=start.undo, redo=start.redo)
        )

    def accept(self) -> None:
        self.commit()
        self._remember()
        super().accept()

    def reject(self) -> None:
        self.restore()
        self._remember()
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        # Back to the window, ready to type into the table the dialog just filled (without a
        # window manager, or with one that does not, nothing would be active).
        parent = self.parentWidget()
        if parent is not None:
            parent.window().activateWindow()

    def _on_button(self, button: QAbstractButton) -> None:
        if self.buttons.buttonRole(button) == QDialogButtonBox.ButtonRole.ApplyRole:
            self.commit()
            self._remember()
            self._start = self.state.session()  # later moves: a new undo step

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._start is None:  # shown without open_session
            self._start = self.state.session()

    # --- the controls ----------------------------------------------------------------------

    def _on_generator_chosen(self) -> None:
        self._timer.stop()  # the old generator's pending values are for the old generator
        self._build(self.generator)
        self.apply_now()

    def _build(self, gen: Generator) -> None:
        while self.form.count():
            item = self.form.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()
                w.deleteLater()
        self._controls.clear()
        self._values = {}
        self.description.setText(gen.description)
        for row, spec in enumerate(gen.params):
            raw = self.settings.value(f"{SETTINGS_PREFIX}/{gen.name}/{spec.name}")
            value = parse_setting(spec, raw)
            self._values[spec.name] = value
            title = QLabel(spec.title)
            self.form.addWidget(title, row, 0)
            if spec.is_choice:
                box = QComboBox(objectName=f"param_{spec.name}")
                box.addItems(list(spec.choices))
                box.setCurrentText(str(value))
                box.setToolTip(f"{spec.title}: one of {', '.join(spec.choices)}")
                box.currentTextChanged.connect(
                    lambda text, n=spec.name: self._set_value(n, text)
                )
                self.form.addWidget(box, row, 1, 1, 2)
                self._controls[spec.name] = (box,)
                continue
            slider = QSlider(Qt.Orientation.Horizontal, objectName=f"slider_{spec.name}")
            slider.setRange(0, slider_steps(spec))
            slider.setSingleStep(1)
            slider.setPageStep(max(1, slider_steps(spec) // 10))
            slider.setValue(index_of(spec, float(value)))
            spin = QDoubleSpinBox(objectName=f"spin_{spec.name}")
            spin.setDecimals(spec.decimals)
            spin.setRange(spec.minimum, spec.maximum)
            spin.setSingleStep(spec.step)
            spin.setKeyboardTracking(False)
            if spec.unit:
                spin.setSuffix(spec.unit if spec.unit == "°" else f" {spec.unit}")
            if spec.special_text:
                spin.setSpecialValueText(spec.special_text)
            spin.setValue(float(value))
            tip = f"{spec.title}: {format_value(spec.minimum)} to {format_value(spec.maximum)}"
            if spec.special_text:
                tip += f" ({format_value(spec.minimum)}: {spec.special_text})"
            slider.setToolTip(tip)
            spin.setToolTip(tip)
            slider.valueChanged.connect(lambda i, s=spec: self._on_slider(s, i))
            spin.valueChanged.connect(lambda v, s=spec: self._on_spin(s, v))
            self.form.addWidget(slider, row, 1)
            self.form.addWidget(spin, row, 2)
            self._controls[spec.name] = (slider, spin)
        # New controls are shown (and count in the size hint) once the event loop runs.
        QTimer.singleShot(0, self, self.fit_to_contents)

    def fit_to_contents(self) -> None:
        """Grow (never shrink) to what the controls need at the current text size.

        No wider than :attr:`width_limit` (when set), if the controls' minimum allows: the
        texts wrap and the sliders are shorter instead.
        """
        hint = self.sizeHint()
        width = max(self.width(), hint.width())
        if self.width_limit is not None:
            width = max(min(width, self.width_limit), self.minimumSizeHint().width())
        self.resize(width, max(self.height(), self.heightForWidth(width), hint.height()))

    def _on_slider(self, spec: ParamSpec, index: int) -> None:
        v = value_at(spec, index)
        with signals_blocked(self.spin(spec.name)):
            self.spin(spec.name).setValue(v)
        self._set_value(spec.name, v)

    def _on_spin(self, spec: ParamSpec, value: float) -> None:
        with signals_blocked(self.slider(spec.name)):
            self.slider(spec.name).setValue(index_of(spec, value))
        self._set_value(spec.name, float(value))

    def _set_value(self, name: str, value: ParamValue) -> None:
        self._values[name] = value
        if not self._timer.isActive():
            self._timer.start()  # throttled: at most one kernel per THROTTLE_MS

    def _flush(self) -> None:
        if self._timer.isActive():
            self.apply_now()

    def apply_now(self) -> bool:
        """Put the kernel of the values shown into the state now; False if they are refused."""
        self._timer.stop()
        gen = self.generator
        try:
            kernel = gen.make(**self._values)
            self.state.set_kernel(kernel, self._label())
        except ValueError as exc:
            self.error.setText(f"{exc}. The kernel was not changed; choose another value.")
            self.error.show()
            return False
        self.error.hide()
        k = np.asarray(self.state.kernel)
        self.summary.setText(
            f"{k.shape[0]}×{k.shape[1]} kernel, sum {format_value(float(k.sum()))}"
        )
        self.kernel_generated.emit()
        return True

    def _remember(self) -> None:
        gen = self.generator
        self.settings.setValue(SETTINGS_GENERATOR, gen.name)
        for name, value in self._values.items():
            self.settings.setValue(f"{SETTINGS_PREFIX}/{gen.name}/{name}", value)


__all__ = ["GeneratorDialog", "index_of", "parse_setting", "slider_steps", "value_at"]
