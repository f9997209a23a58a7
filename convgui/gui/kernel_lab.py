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


#: What the status bar says when a single-kernel tool is asked for in another mode.
SWITCHED = "{what} works on the single kernel: switched to View ▸ Single Kernel"


def to_single_kernel(window: Any, what: str) -> None:
    """Show the single-kernel mode (and say so) when the window shows another mode.

    Kernel ▸ Generate… and Kernel ▸ Compare… act on the single kernel's table: used from the
    layer mode they would change a kernel the user cannot see.
    """
    if getattr(window, "mode", "kernel") != "kernel":
        window.show_mode("kernel")
        window.show_message("status", SWITCHED.format(what=what))


def open_generator(window: Any) -> Any:
    """Kernel ▸ Generate…: show the generators dialog (non-modal), beside the kernel table."""
    from .lab_generate import GeneratorDialog

    to_single_kernel(window, "Kernel ▸ Generate")
    k = lab(window)
    first = k.generator is None
    if k.generator is None:
        k.generator = GeneratorDialog(window.state, window.settings, window)
        window.text_scale_changed.connect(lambda _f: k.generator.fit_to_contents())
    shown = k.generator.isVisible()
    k.generator.open_session()
    if first or not shown:
        place_beside_controls(window, k.generator)
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
        window.text_scale_changed.connect(k.analysis.set_text_scale)
        k.analysis.set_text_scale(getattr(window, "text_scale", 1.0))
        window.mode_changed.connect(lambda mode: _on_mode(window, mode))
        _on_mode(window, getattr(window, "mode", "kernel"))
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


def _on_mode(window: Any, mode: str) -> None:
    # In the layer mode the dock analyses the kernel edited there (the selected filter's).
    dock = lab(window).analysis
    if dock is None:
        return
    lm = getattr(window, "layer_mode", None)
    if lm is not None:
        bank = lm.page.bank
        dock.panel.follow_layer(lm.layer, lambda: list(bank.tables))
    dock.panel.set_mode(mode)


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

    to_single_kernel(window, "Kernel ▸ Compare")
    k = lab(window)
    shown = k.compare is not None and k.compare.isVisible()
    if k.compare is None:
        k.compare = CompareDialog(window.state, window)
        window.text_scale_changed.connect(k.compare.set_text_scale)
        k.compare.set_text_scale(getattr(window, "text_scale", 1.0))
    elif not shown:
        k.compare.take_b_as_a()  # reopened: A is a fresh snapshot of the current kernel
    if not shown:
        place_beside_controls(window, k.compare, tall=True)
    k.compare.show()
    k.compare.raise_()
    return k.compare


def open_borders(window: Any) -> Any:
    """Layer ▸ Compare Borders…: the six boundary modes over the image's corner."""
    from .lab_borders import BorderCompareDialog

    k = lab(window)
    if k.borders is None:
        k.borders = BorderCompareDialog(window.state, window)
        window.text_scale_changed.connect(k.borders.set_text_scale)
        k.borders.set_text_scale(getattr(window, "text_scale", 1.0))
    k.borders.panel.refresh()
    k.borders.show()
    k.borders.raise_()
    return k.borders


def free_area(window: Any) -> Any:
    """The screen rectangle (global coordinates) where a lab dialog covers nothing in use.

    The input view's panel in the single-kernel mode: left of the kernel table, which the
    dialogs change, and of the output, which shows what they do.
    """
    from PySide6.QtCore import QPoint, QRect

    panel = getattr(window, "input_panel", None)
    if panel is None or not panel.isVisible():
        return QRect(window.mapToGlobal(QPoint(0, 0)), window.size())
    return QRect(panel.mapToGlobal(QPoint(0, 0)), panel.size())


def place_beside_controls(window: Any, dialog: Any, *, tall: bool = False) -> None:
    """Move (and if needed shrink) ``dialog`` so it covers neither the kernel table nor the output.

    Beside the main window when the screen has room on its left or right (the side with more
    room), else over the input view (:func:`free_area`), no wider than it; always on the
    screen. A dialog with ``arrange_for(width)`` lays itself out for its width first (the
    comparison puts its views one under the other); ``tall`` gives it the window's height.
    """
    from PySide6.QtCore import QRect

    screen = window.screen() if hasattr(window, "screen") else None
    if screen is None:
        return
    avail = screen.availableGeometry()
    frame = window.frameGeometry()
    arrange = getattr(dialog, "arrange_for", None)
    w = dialog.width() if dialog.isVisible() else max(dialog.width(), dialog.sizeHint().width())
    h = dialog.height()
    left_room = frame.left() - avail.left()
    right_room = avail.right() - frame.right()
    room = max(left_room, right_room)
    if callable(arrange):
        arrange(min(w, room))
    if room >= dialog.minimumSizeHint().width():
        # Outside the window: nothing of it is covered.
        w = min(w, room)
        x = frame.right() + 1 if right_room >= left_room else frame.left() - w
        h = max(h, frame.height()) if tall else h
        target = QRect(x, frame.top(), w, min(h, avail.height()))
    else:
        area = free_area(window)
        if callable(arrange):
            arrange(min(w, area.width()))
        w = max(min(w, area.width()), dialog.minimumSizeHint().width())
        h = max(h, area.height()) if tall else h
        target = QRect(area.left(), area.top(), w, min(h, avail.height()))
    if hasattr(dialog, "width_limit"):
        dialog.width_limit = target.width()  # growing with the text stays within the room
    # On the screen, whatever the window's position.
    x = min(max(target.left(), avail.left()), avail.right() - target.width() + 1)
    y = min(max(target.top(), avail.top()), avail.bottom() - target.height() + 1)
    dialog.resize(target.width(), target.height())
    dialog.move(x, y)


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
