"""The kernel lab's menu entries: generate a kernel, analyse it, compare two, compare borders.

Kernel ▸ Generate… (:mod:`.lab_generate`), View ▸ Kernel Analysis (:mod:`.lab_analysis`),
Kernel ▸ Compare… (:mod:`.lab_compare`) and Layer ▸ Compare Borders… (:mod:`.lab_borders`).
Every object the lab creates is kept on the window in one attribute, ``window.kernel_lab``
(a :class:`KernelLab`), and built the first time it is asked for.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction

from . import texts
from .actions import ActionSpec, Entry, Separator

#: The settings key remembering whether the analysis dock was open.
ANALYSIS_OPEN_KEY = "kernelLab/analysisOpen"
ANALYSIS_ACTION = "kernelAnalysisAction"


class KernelLab:
    """What the lab made for one window (each part built on first use)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.generator: Any = None
        self.analysis: Any = None
        self.compare: Any = None
        self.borders: Any = None


def lab(window: Any) -> KernelLab:
    """The window's :class:`KernelLab`, created on first use."""
    found = getattr(window, "kernel_lab", None)
    if not isinstance(found, KernelLab):
        found = KernelLab(window)
        window.kernel_lab = found
    return found


def open_generator(window: Any) -> Any:
    """Kernel ▸ Generate…: show the generators dialog (non-modal)."""
    from .lab_generate import GeneratorDialog

    k = lab(window)
    if k.generator is None:
        k.generator = GeneratorDialog(window.state, window.settings, window)
        window.text_scale_changed.connect(lambda _f: k.generator.fit_to_contents())
    k.generator.open_session()
    return k.generator


def _analysis_action(window: Any) -> QAction | None:
    act = window.findChild(QAction, ANALYSIS_ACTION)
    return act if isinstance(act, QAction) else None


def show_analysis(window: Any, on: bool) -> Any:
    """View ▸ Kernel Analysis: show or hide the analysis dock (and remember which)."""
    from PySide6.QtCore import Qt

    from .lab_analysis import AnalysisDock

    k = lab(window)
    if k.analysis is None:
        if not on:
            return None
        k.analysis = AnalysisDock(window.state, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, k.analysis)
        _fit_dock(window)
        window.text_scale_changed.connect(lambda _f: _fit_dock(window))
        k.analysis.closed.connect(lambda: _on_analysis_closed(window))
        window.text_scale_changed.connect(k.analysis.panel.set_text_scale)
        k.analysis.panel.set_text_scale(getattr(window, "text_scale", 1.0))
    k.analysis.setVisible(on)
    if on:
        k.analysis.panel.refresh()
    window.settings.setValue(ANALYSIS_OPEN_KEY, bool(on))
    act = _analysis_action(window)
    if act is not None and act.isChecked() != on:
        act.blockSignals(True)
        act.setChecked(on)
        act.blockSignals(False)
    return k.analysis


def _fit_dock(window: Any) -> None:
    # Wider with larger text, but a third of the window at most: the images keep the room.
    from PySide6.QtCore import Qt

    dock = lab(window).analysis
    if dock is None:
        return
    scale = float(getattr(window, "text_scale", 1.0))
    width = max(280, min(int(320 * scale), window.width() // 3))
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)


def _on_analysis_closed(window: Any) -> None:
    # The dock's own close button: the menu entry follows, and "closed" is remembered.
    window.settings.setValue(ANALYSIS_OPEN_KEY, False)
    act = _analysis_action(window)
    if act is not None and act.isChecked():
        act.blockSignals(True)
        act.setChecked(False)
        act.blockSignals(False)


def restore(window: Any) -> None:
    """Reopen what was open when the window last closed (the analysis dock).

    To be called once after the window restored its settings.
    """
    value = window.settings.value(ANALYSIS_OPEN_KEY, False)
    if str(value).lower() in ("true", "1"):
        show_analysis(window, True)


def open_compare(window: Any) -> Any:
    """Kernel ▸ Compare…: keep the current kernel as A and compare it with the edited B."""
    from .lab_compare import CompareDialog

    k = lab(window)
    if k.compare is None:
        k.compare = CompareDialog(window.state, window)
        window.text_scale_changed.connect(k.compare.set_text_scale)
        k.compare.set_text_scale(getattr(window, "text_scale", 1.0))
    elif not k.compare.isVisible():
        k.compare.take_b_as_a()  # reopened: A is a fresh snapshot of the current kernel
    k.compare.show()
    k.compare.raise_()
    return k.compare


def open_borders(window: Any) -> Any:
    """Layer ▸ Compare Borders…: the six boundary modes over the image's corner."""
    from .lab_borders import BorderCompareDialog

    k = lab(window)
    if k.borders is None:
        k.borders = BorderCompareDialog(window.state, window)
    k.borders.panel.refresh()
    k.borders.show()
    k.borders.raise_()
    return k.borders


def entries() -> list[Entry]:
    """The kernel lab's menu entries (Kernel, Layer and View menus)."""
    kmenu, lmenu, vmenu = texts.MENU_KERNEL, texts.MENU_LAYER, texts.MENU_VIEW
    return [
        Separator(kmenu),
        ActionSpec("generateKernelAction", "&Generate…", open_generator, kmenu, ("Ctrl+G",),
                   "Make a kernel from a formula (Gaussian, Gabor, edge at any angle…) with "
                   "sliders; the table and the output follow every move"),
        ActionSpec("compareKernelsAction", "&Compare…", open_compare, kmenu, ("Ctrl+Alt+K",),
                   "Keep the current kernel as A, go on editing B, and see both outputs and "
                   "their difference"),
        Separator(lmenu),
        ActionSpec("compareBordersAction", "Compare &Borders…", open_borders, lmenu,
                   ("Ctrl+Alt+B",), "The six border modes side by side over the image's "
                   "top-left corner: what each copies into the padding"),
        ActionSpec(ANALYSIS_ACTION, "Kernel &Analysis", show_analysis, vmenu, ("Ctrl+Alt+A",),
                   "Sum, output range, symmetry, separability and frequency response of the "
                   "kernel, always in step with the table", checkable=True),
    ]  # fmt: skip
