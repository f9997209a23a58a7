"""Input, output and pooled panels: three linked views at one scale, and what they display.

The views share the input's pixel coordinates and follow each other at the same on-screen
scale, top-left aligned, so an output cell sits level with the input pixel at the centre of
its window, and stride or pooling outputs are visibly smaller. Every panel has a title row and
a footer of the same height, so the pictures start at the same height.

How the output is displayed is decided here, once per result, by a
:class:`convgui.display_policy.DisplayPolicy`; the drop-down, the menu, the clipped count,
the status text and the saved files all read that one decision.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..display_policy import Decision
from ..state import ExplorerState
from . import texts
from .display import Display, DisplayCombo, result_display
from .image_view import ImageView, make_lut_cmap
from .panels import ElidedLabel
from .util import signals_blocked


def previews_pay_off(cores: int | None = None) -> bool:
    """Whether to paint block-averaged previews of very large recomputes before the result.

    A preview is computed on the worker before the exact result. Measured on two cores
    (4096², 3×3, benchmarks/bench_gui.py): preview painted after 89 ms, but the exact result
    then after 217 ms instead of 131 ms, the two competing for the cores. With four or more
    cores the preview is nearly free, so it is shown there only.
    """
    n = os.cpu_count() if cores is None else cores
    return (n or 1) >= 4


def _show_clipped(label: QLabel, disp: Display) -> None:
    """A short count beside the drop-down; the whole sentence in its tooltip."""
    full = disp.clipped_text()
    label.setText(full.replace(" (robust limits)", ""))
    if disp.robust:
        lo, hi = disp.levels
        tip = (
            f"{full}: the display spans {lo:.4g} to {hi:.4g}, leaving out the most extreme "
            "values (View ▸ Output Display ▸ Robust Limits); those show in full colour."
        )
    else:
        tip = texts.CLIPPED_TIP
    label.setToolTip(disp.note + "\n" + tip if disp.note else tip)


class ImagePanel(QWidget):
    """A titled image view with a footer of controls; every panel's rows have one height."""

    def __init__(self, title: str, view: ImageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Relative sizes, so View ▸ Text Size scales them with everything else.
        self.title = QLabel(f"<span style='font-size:large'><b>{title}</b></span>")
        # Long names end in "…" rather than widen the window past small screens.
        self.subtitle = ElidedLabel()
        self.head = QWidget()
        head = QHBoxLayout(self.head)
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 1)
        self.footer = QWidget()
        self.controls = QHBoxLayout(self.footer)
        self.controls.setContentsMargins(0, 0, 0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addWidget(self.head)
        lay.addWidget(view, 1)
        lay.addWidget(self.footer)
        self.view = view
        self.setMinimumWidth(120)

    def align_rows(self, head: int, foot: int) -> None:
        """Give the title row and the footer fixed heights (0: free again, to measure)."""
        for w, h in ((self.head, head), (self.footer, foot)):
            if h:
                w.setFixedHeight(h)
            else:
                w.setMinimumHeight(0)
                w.setMaximumHeight(16777215)


class ImagePanels(QObject):
    """Builds the three panels, keeps them in step with the state, and decides the display.

    Signals
    -------
    output_painted()
        A new result is in the output (and pooled) view.
    pooling_shown(bool)
        The pooled panel appeared or went.
    decision_changed(str)
        The sentence describing what the output shows ("" when there is nothing to say).
    """

    output_painted = Signal()
    decision_changed = Signal(str)
    #: The pooled panel was shown (True) or hidden (False).
    pooling_shown = Signal(bool)

    def __init__(self, state: ExplorerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.decision: Decision | None = None
        self.displays: dict[str, Display | None] = {"output": None, "pooled": None}

        self.input_view = ImageView(colorbar=True)
        self.input_view.setObjectName("inputView")
        self.input_view.setToolTip(texts.INPUT_VIEW_TIP)
        self.output_view = ImageView(colorbar=True)
        self.output_view.setObjectName("outputView")
        self.output_view.setToolTip(texts.OUTPUT_VIEW_TIP)
        self.pooled_view = ImageView(colorbar=True)
        self.pooled_view.setObjectName("pooledView")
        self.pooled_view.setToolTip(texts.POOLED_VIEW_TIP)
        for v in (self.output_view, self.pooled_view):
            v.follow(self.input_view)

        self.input_panel = ImagePanel(texts.INPUT_TITLE, self.input_view)
        self.input_panel.setObjectName("inputPanel")
        self.color_check = QCheckBox(texts.COLOR_CHECK, objectName="colorCheck")
        self.color_check.setToolTip(texts.COLOR_CHECK_TIP)
        self.color_check.toggled.connect(lambda on: state.set_color_mode("rgb" if on else "gray"))
        self.scale_combo = QComboBox(objectName="scaleCombo")
        for title, scale in texts.SCALE_ITEMS:
            self.scale_combo.addItem(title, scale)
        self.scale_combo.setToolTip(texts.SCALE_TIP)
        self.scale_combo.activated.connect(
            lambda i: state.set_value_scale(self.scale_combo.itemData(i))
        )
        self.input_panel.controls.addWidget(self.color_check)
        self.input_panel.controls.addWidget(self.scale_combo)
        self.input_panel.controls.addStretch(1)

        self.output_panel = ImagePanel(texts.OUTPUT_TITLE, self.output_view)
        self.output_panel.setObjectName("outputPanel")
        self.display_combo = DisplayCombo()
        self.display_combo.setObjectName("displayCombo")
        # Never elided: it says what is drawn (the robust limits are said by the clipped count
        # beside it and the View menu).
        self.display_combo.setMinimumContentsLength(0)
        self.display_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.display_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.display_combo.mode_chosen.connect(self.choose_mode)
        self.clipped_label = QLabel(objectName="clippedLabel")
        self.clipped_label.setToolTip(texts.CLIPPED_TIP)
        self.clipped_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.output_panel.controls.addWidget(self.display_combo)
        self.output_panel.controls.addWidget(self.clipped_label, 1)

        self.pooled_panel = ImagePanel(texts.POOLED_TITLE, self.pooled_view)
        self.pooled_panel.setObjectName("pooledPanel")
        self.pooled_clipped = QLabel(objectName="pooledClippedLabel")
        self.pooled_clipped.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.pooled_panel.controls.addWidget(self.pooled_clipped, 1)

        self._align_rows()

        # The output and the pooled map side by side, 3:2: a 2×2-pooled map is half the output
        # and its view also shows the margin the input view keeps around the image.
        self.results = QWidget(objectName="resultsArea")
        rl = QHBoxLayout(self.results)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(0)
        rl.addWidget(self.output_panel, 3)
        rl.addWidget(self.pooled_panel, 2)

        state.image_changed.connect(self.update_input)
        state.result_changed.connect(self.update_output)
        state.view_changed.connect(self.update_output)
        if previews_pay_off():
            state.preview_changed.connect(self.update_preview)
        self.update_input()
        self.update_output()

    def _align_rows(self) -> None:
        # One height for every title row and footer: the pictures start level.
        for p in self._panels():
            p.align_rows(0, 0)  # measure without the old fixed heights
        head = max(p.head.sizeHint().height() for p in self._panels()) + 2
        foot = max(p.footer.sizeHint().height() for p in self._panels()) + 2
        for p in self._panels():
            p.align_rows(head, foot)

    def _panels(self) -> tuple[ImagePanel, ImagePanel, ImagePanel]:
        return (self.input_panel, self.output_panel, self.pooled_panel)

    @property
    def views(self) -> tuple[ImageView, ImageView, ImageView]:
        """Input, output and pooled views."""
        return (self.input_view, self.output_view, self.pooled_view)

    # --- user intent -----------------------------------------------------------------------

    def choose_mode(self, mode: str) -> None:
        """The user picked an output display (drop-down or menu): it is kept."""
        self.state.set_display_mode(mode)

    def set_text_scale(self, factor: float) -> None:
        """Scale the numbers drawn in the cells; the title rows grow with the text."""
        for v in self.views:
            v.set_text_scale(factor)
        QTimer.singleShot(0, self, self._align_rows)  # once the new font has reached the labels

    # --- redraw ----------------------------------------------------------------------------

    def update_input(self) -> None:
        """Show the engine's input image and its controls."""
        s = self.state
        doc = s.doc
        with signals_blocked(self.color_check, self.scale_combo):
            self.color_check.setChecked(s.color_mode == "rgb" and doc is not None and doc.is_color)
            self.color_check.setEnabled(doc is not None and doc.is_color)
            self.scale_combo.setCurrentIndex(self.scale_combo.findData(s.value_scale))
        img = s.engine_image()
        if doc is None or img is None:
            self.input_view.set_image(None)
            self.input_panel.subtitle.setText("")
            return
        # Signed samples: grey is 0, so negative values are seen (black at −½ of white).
        levels = (-s.value_max / 2, s.value_max / 2) if doc.signed else (0.0, s.value_max)
        self.input_view.set_image(img, levels=levels, cmap=make_lut_cmap("gray"))
        self.input_panel.subtitle.setText(f"{doc.name} · {doc.describe()}")
        self.input_panel.subtitle.setToolTip(f"{doc.name} · {doc.describe()}")

    def update_preview(self) -> None:
        """Paint the block averages of a result still being computed (replaced by it)."""
        p = self.state.preview
        if p is not None and self.state.result is not None:
            self.output_view.set_preview(p.output, p.covered())

    def update_output(self) -> None:
        """Show the newest result, displayed as the policy decides, with its clipped count."""
        s, r = self.state, self.state.result
        pool = s.params.pool != "none"
        if pool != (not self.pooled_panel.isHidden()):
            self.pooled_panel.setVisible(pool)
            self.pooling_shown.emit(pool)
        if r is None:
            for v in (self.output_view, self.pooled_view):
                v.set_image(None)
            self.displays = {"output": None, "pooled": None}
            self.clipped_label.setText("")
            self.pooled_clipped.setText("")
            self.output_panel.subtitle.setText(texts.NO_OUTPUT_SUBTITLE if s.layer_error else "")
            self._set_decision(None)
            return
        d = s.display_decision  # decided once per result, by the state
        assert d is not None
        out = r.activated
        disp = result_display(s, r, "output")
        self.displays["output"] = disp
        with signals_blocked(self.display_combo):
            self.display_combo.show_decision(d.requested, out.ndim == 3, False)
        self.output_view.set_image(out, r.geometry.output, levels=disp.levels, cmap=disp.cmap)
        self.output_panel.subtitle.setText(self._shape_text(out.shape[:2], r.geometry.stride))
        _show_clipped(self.clipped_label, disp)
        if r.pooled is not None and r.geometry.pooled is not None:
            pdisp = result_display(s, r, "pooled")
            self.displays["pooled"] = pdisp
            self.pooled_view.set_image(
                r.pooled, r.geometry.pooled, levels=pdisp.levels, cmap=pdisp.cmap
            )
            self.pooled_panel.subtitle.setText(f"{r.pooled.shape[1]}×{r.pooled.shape[0]}")
            _show_clipped(self.pooled_clipped, pdisp)
        else:
            self.displays["pooled"] = None
            self.pooled_view.set_image(None)
        self._set_decision(d)
        self.output_painted.emit()

    @staticmethod
    def _shape_text(shape: tuple[int, int], stride: tuple[int, int]) -> str:
        h, w = shape
        if stride == (1, 1):
            return f"{w}×{h}"
        return f"{w}×{h} · stride {stride[0]}" + (f"×{stride[1]}" if stride[1] != stride[0] else "")

    def _set_decision(self, d: Decision | None) -> None:
        text = "" if d is None else d.status
        if d != self.decision:
            self.decision = d
            self.decision_changed.emit(text)

    def display_of(self, which: str) -> Display | None:
        """How the output (``"output"``) or pooled map (``"pooled"``) is displayed now."""
        return self.displays.get(which)


__all__ = ["ImagePanel", "ImagePanels"]
