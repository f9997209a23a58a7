"""Every menu entry and shortcut of the window, as one table (as napari's ``qactions``).

Each :class:`ActionSpec` names its action (the QAction's ``objectName``), its title, what it does,
the menu it sits in, its shortcuts and tip. The callback is either a dotted path resolved on the
host window when triggered (``"files.open_dialog"``, ``"state.undo"``) or a free function taking
the host (``lambda w: w.anim.step(1)``); a checkable action's callback also receives the checked
state. :func:`build_actions` makes every QAction and menu from the table; the window defines no
per-menu methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from ..core import PRESETS, LayerParams
from ..resources import samples
from ..state import DISPLAY_MODES, DISPLAY_TITLES, ExplorerState
from . import texts

Shortcut = str | QKeySequence.StandardKey
Callback = str | Callable[..., Any]
SK = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One menu entry.

    Attributes
    ----------
    id
        The QAction's ``objectName`` (tests and the shortcut list find it by this).
    title
        The menu text (``&`` marks the mnemonic; a tab adds a key hint shown on the right).
    callback
        A dotted attribute path on the host, or a function ``f(host)`` (``f(host, checked)``
        for checkable entries).
    menu
        The menu path, "/"-separated: ``"&Kernel/&Presets"``.
    shortcuts
        Key sequences (strings or standard keys); the first is the primary one.
    tip
        Tooltip and status tip.
    checkable, checked
        A check box entry and its initial state.
    group
        Entries with the same group name are exclusive (a radio group).
    attr
        The host attribute the QAction is also kept in (``"open_action"``).
    """

    id: str
    title: str
    callback: Callback
    menu: str
    shortcuts: tuple[Shortcut, ...] = ()
    tip: str = ""
    checkable: bool = False
    checked: bool = False
    group: str = ""
    attr: str = ""


@dataclass(frozen=True)
class Separator:
    """A separator line in ``menu``."""

    menu: str


@dataclass(frozen=True)
class DynamicMenu:
    """A submenu filled each time it opens: ``filler`` (a dotted path) receives the QMenu."""

    menu: str
    filler: str
    attr: str = ""


Entry = ActionSpec | Separator | DynamicMenu


@dataclass
class BuiltActions:
    """What :func:`build_actions` made: actions by id, menus by path, exclusive groups."""

    actions: dict[str, QAction] = field(default_factory=dict)
    menus: dict[str, QMenu] = field(default_factory=dict)
    groups: dict[str, QActionGroup] = field(default_factory=dict)


# --- free callbacks ---------------------------------------------------------------------------


def reset_layer_settings(state: ExplorerState) -> bool:
    """Layer ▸ Reset Layer Settings: every layer setting back to its default, one undo step."""
    return state.set_all(state.kernel, LayerParams(), "Reset layer settings")


def show_about(parent: QWidget) -> None:
    """Help ▸ About."""
    QMessageBox.about(parent, texts.ABOUT_TITLE, texts.ABOUT_TEXT)


def shortcuts_html(actions: Sequence[QAction]) -> str:
    """The keyboard shortcuts table: the fixed keys, then every action with a shortcut."""
    rows = set()
    for act in actions:
        if act.shortcut().isEmpty() or not act.text():
            continue
        keys = ", ".join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in act.shortcuts()
        )
        title = act.text().replace("&", "").split("\t")[0]
        rows.add(f"<tr><td>{title}</td><td><b>{keys}</b></td></tr>")
    fixed = "".join(f"<tr><td>{a}</td><td><b>{b}</b></td></tr>" for a, b in texts.SHORTCUTS_FIXED)
    return "<table>" + fixed + "".join(sorted(rows)) + "</table>" + texts.SHORTCUTS_NOTE


def show_shortcuts(parent: QWidget) -> None:
    """Help ▸ Keyboard Shortcuts."""
    QMessageBox.information(
        parent, texts.SHORTCUTS_TITLE, shortcuts_html(parent.findChildren(QAction))
    )


# --- the table --------------------------------------------------------------------------------

F, E, K, L, S, V, A, H = (
    texts.MENU_FILE,
    texts.MENU_EDIT,
    texts.MENU_KERNEL,
    texts.MENU_LAYER,
    texts.MENU_SAMPLES,
    texts.MENU_VIEW,
    texts.MENU_ANIMATION,
    texts.MENU_HELP,
)
DISPLAY_MENU = f"{V}/{texts.MENU_DISPLAY}"
TEXT_MENU = f"{V}/{texts.MENU_TEXT_SIZE}"
PRESETS_MENU = f"{K}/{texts.MENU_PRESETS}"


def _fixed_entries() -> list[Entry]:
    return [
        # File
        ActionSpec("openAction", "&Open Image…", "files.open_dialog", F, (SK.Open,),
                   "Open an image file", attr="open_action"),
        DynamicMenu(f"{F}/{texts.MENU_RECENT}", "files.fill_recent_menu", attr="recent_menu"),
        Separator(F),
        ActionSpec("saveOutputAction", "&Save Output Image…", "files.save_output_dialog", F,
                   (SK.Save,), "Save the output (or, with pooling, the pooled map) as displayed "
                   "(PNG, 16-bit PNG, …)", attr="save_action"),
        ActionSpec("saveNpyAction", "Save Output Values (.npy)…", "files.save_npy_dialog", F,
                   ("Ctrl+Shift+S",), "Save the raw float values", attr="save_npy_action"),
        Separator(F),
        ActionSpec("openKernelAction", "Open &Kernel…", "files.open_kernel_dialog", F,
                   ("Ctrl+Shift+O",), "Load a kernel file (JSON or text)",
                   attr="open_kernel_action"),
        ActionSpec("saveKernelAction", "Save K&ernel…", "files.save_kernel_dialog", F,
                   ("Ctrl+Shift+K",), "Save the kernel and settings", attr="save_kernel_action"),
        Separator(F),
        ActionSpec("quitAction", "&Quit", "close", F, ("Ctrl+Q",), "Quit convgui",
                   attr="quit_action"),
        # Edit
        ActionSpec("undoAction", "&Undo", "state.undo", E, (SK.Undo,), attr="undo_action"),
        ActionSpec("redoAction", "&Redo", "state.redo", E, ("Ctrl+Shift+Z", "Ctrl+Y"),
                   attr="redo_action"),
        Separator(E),
        ActionSpec("copyOutputAction", "&Copy Output Image", "files.copy_output", E,
                   ("Ctrl+Shift+C",), "Copy the output as displayed to the clipboard",
                   attr="copy_action"),
        # Kernel (the presets follow, from the engine's list)
        ActionSpec("normalizeAction", "&Normalize Kernel", "kernel_panel._on_normalize", K,
                   ("Ctrl+Alt+N",), "Divide the kernel by its sum", attr="normalize_action"),
        ActionSpec("flipKernelAction", "Rotate Kernel 180°", "state.flip_kernel", K, (),
                   "Rotate the kernel's values in the table", attr="flip_table_action"),
        ActionSpec("resetKernelAction", "&Reset Kernel",
                   lambda w: w.state.apply_preset("identity"), K, ("Ctrl+Alt+R",),
                   "Back to the identity kernel", attr="reset_action"),
        # Layer
        ActionSpec("resetLayerAction", "&Reset Layer Settings",
                   lambda w: reset_layer_settings(w.state), L, (),
                   "Padding, boundary, stride, dilation, divisor, bias, activation and pooling "
                   "back to their defaults (Edit ▸ Undo brings them back)",
                   attr="reset_layer_action"),
        # View
        ActionSpec("zoomInAction", "Zoom &In", lambda w: w.input_view.zoom(1.25), V,
                   (SK.ZoomIn,), "Zoom the images in", attr="zoom_in_action"),
        ActionSpec("zoomOutAction", "Zoom &Out", lambda w: w.input_view.zoom(0.8), V,
                   ("Ctrl+_",), "Zoom the images out", attr="zoom_out_action"),
        ActionSpec("fitAction", "&Fit to Window", "input_view.fit", V, ("Ctrl+0",),
                   "Show the whole image", attr="fit_action"),
        ActionSpec("valuesAction", "Show Pixel &Values When Zoomed In", "_on_values_toggled",
                   V, (), "Write each pixel's value in its cell when there is room",
                   checkable=True, checked=True, attr="values_action"),
        Separator(V),
        ActionSpec("textLargerAction", "&Larger", "text_size.larger", TEXT_MENU,
                   ("Ctrl+=",), "Larger text everywhere (for a projector)",
                   attr="text_larger_action"),
        ActionSpec("textSmallerAction", "&Smaller", "text_size.smaller", TEXT_MENU,
                   ("Ctrl+-",), "Smaller text everywhere", attr="text_smaller_action"),
        ActionSpec("textResetAction", "&Reset", "text_size.reset", TEXT_MENU, (),
                   "Text at the system's size", attr="text_reset_action"),
        # Animation: the keys are handled by the key router (they must not steal typing),
        # so they are shown as hints, not registered as shortcuts.
        # Each drives the animation of the mode shown (the window routes it).
        ActionSpec("playAction", "&Play / Pause\tSpace",
                   lambda w: w.animation_command("toggle"), A),
        ActionSpec("stepForwardAction", "Step &Forward\tRight",
                   lambda w: w.animation_command("step", 1), A),
        ActionSpec("stepBackAction", "Step &Back\tLeft",
                   lambda w: w.animation_command("step", -1), A),
        ActionSpec("firstPositionAction", "F&irst Position\tHome",
                   lambda w: w.animation_command("to_start"), A),
        ActionSpec("lastPositionAction", "&Last Position\tEnd",
                   lambda w: w.animation_command("to_end"), A),
        ActionSpec("stopAction", texts.STOP_TITLE, lambda w: w.animation_command("stop"), A,
                   (), texts.STOP_TIP, attr="stop_action"),
        Separator(A),
        ActionSpec("exportGifAction", "Export Animated &GIF…",
                   lambda w: w.export_dialog("gif"), A, attr="export_gif_action"),
        ActionSpec("exportFramesAction", "Export PNG &Frames…",
                   lambda w: w.export_dialog("png"), A, attr="export_png_action"),
        ActionSpec("exportSvgAction", "Export S&VG Frames…", lambda w: w.export_dialog("svg"), A,
                   (), "Frames as SVG drawings, sharp on slides at any size",
                   attr="export_svg_action"),
        ActionSpec("exportPdfAction", "Export P&DF Frames…", lambda w: w.export_dialog("pdf"), A,
                   (), "One PDF with a page per frame, sharp at any size",
                   attr="export_pdf_action"),
        # Help
        ActionSpec("lessonAction", "&Lesson: How a Convolution Works", "start_lesson", H,
                   (SK.HelpContents,), attr="lesson_action"),
        ActionSpec("aboutAction", "&About convgui", show_about, H),
        ActionSpec("shortcutsAction", "&Keyboard Shortcuts", show_shortcuts, H),
    ]  # fmt: skip


def action_table() -> list[Entry]:
    """The whole table, with the presets, samples and display modes listed from their sources."""
    entries = _fixed_entries()
    presets = [
        ActionSpec(f"preset_{p.name}", p.title,
                   lambda w, n=p.name: w.state.apply_preset(n), PRESETS_MENU, tip=p.description)
        for p in PRESETS.values()
    ]  # fmt: skip
    sample_entries = [
        ActionSpec(f"sample_{s.file}", s.title, lambda w, smp=s: w.open_sample(smp), S,
                   (f"Ctrl+{i + 1}",) if i < 9 else (), s.description)
        for i, s in enumerate(samples())
    ]  # fmt: skip
    displays = [
        ActionSpec(f"display_{m}", DISPLAY_TITLES[m],
                   lambda w, on, m=m: w.images.choose_mode(m), DISPLAY_MENU,
                   checkable=True, group="display")
        for m in DISPLAY_MODES
    ]  # fmt: skip
    displays += [
        Separator(DISPLAY_MENU),
        ActionSpec("robustAction", texts.ROBUST_TITLE,
                   lambda w, on: w.state.set_robust_limits(on), DISPLAY_MENU, (),
                   texts.ROBUST_TIP, checkable=True, checked=True, attr="robust_action"),
    ]  # fmt: skip
    # Menus appear in the order their first entry does: presets first in Kernel, the Samples
    # menu before View, Output Display after the view entries.
    kernel_at = next(i for i, e in enumerate(entries) if e.menu == K)
    entries[kernel_at:kernel_at] = presets
    view_at = next(i for i, e in enumerate(entries) if e.menu == V)
    entries[view_at:view_at] = sample_entries
    text_at = next(i for i, e in enumerate(entries) if e.menu == TEXT_MENU)
    entries[text_at:text_at] = [*displays, Separator(V)]
    from .features import feature_entries

    # File entries go above the separator before Quit (Quit stays last).
    quit_at = next(i for i, e in enumerate(entries) if getattr(e, "id", "") == "quitAction")
    for extra in feature_entries():
        if extra.menu == F:
            entries.insert(quit_at - 1, extra)
            quit_at += 1
            continue
        at = max((i for i, e in enumerate(entries) if e.menu == extra.menu), default=-1)
        if at < 0:  # a new menu (or submenu): before Help
            at = next(i for i, e in enumerate(entries) if e.menu == H) - 1
        entries.insert(at + 1, extra)
    return entries


# --- building ---------------------------------------------------------------------------------


def resolve(host: object, path: str) -> Any:
    """``host.a.b.c`` for ``"a.b.c"``."""
    obj = host
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _run(host: object, spec: ActionSpec, checked: bool) -> None:
    cb = spec.callback
    if isinstance(cb, str):
        fn = resolve(host, cb)
        fn(checked) if spec.checkable else fn()
    else:
        cb(host, checked) if spec.checkable else cb(host)


def _menu(window: QMainWindow, built: BuiltActions, path: str) -> QMenu:
    if path in built.menus:
        return built.menus[path]
    parent, _, title = path.rpartition("/")
    owner = _menu(window, built, parent) if parent else window.menuBar()
    menu = owner.addMenu(title)
    built.menus[path] = menu
    return menu


def make_action(host: QMainWindow, spec: ActionSpec) -> QAction:
    """One QAction from its spec, added to ``host`` so its shortcuts work anywhere in it."""
    act = QAction(spec.title, host)
    act.setObjectName(spec.id)
    if spec.shortcuts:
        act.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
    if spec.tip:
        act.setToolTip(spec.tip)
        act.setStatusTip(spec.tip)
    if spec.checkable:
        act.setCheckable(True)
        act.setChecked(spec.checked)
    if spec.checkable and not spec.group:
        act.toggled.connect(lambda on, s=spec: _run(host, s, on))
    else:
        act.triggered.connect(lambda checked=False, s=spec: _run(host, s, checked))
    host.addAction(act)
    return act


def build_actions(host: QMainWindow, table: Sequence[Entry] | None = None) -> BuiltActions:
    """Make every action and menu of ``table`` (default :func:`action_table`) on ``host``.

    Each action is also stored on ``host`` under its ``attr``; dynamic menus are filled by their
    ``filler`` each time they open.
    """
    built = BuiltActions()
    for entry in action_table() if table is None else table:
        if isinstance(entry, Separator):
            _menu(host, built, entry.menu).addSeparator()
        elif isinstance(entry, DynamicMenu):
            menu = _menu(host, built, entry.menu)
            menu.aboutToShow.connect(lambda m=menu, f=entry.filler: resolve(host, f)(m))
            if entry.attr:
                setattr(host, entry.attr, menu)
        else:
            act = make_action(host, entry)
            built.actions[entry.id] = act
            _menu(host, built, entry.menu).addAction(act)
            if entry.group:
                group = built.groups.get(entry.group)
                if group is None:
                    group = built.groups[entry.group] = QActionGroup(host)
                group.addAction(act)
            if entry.attr:
                setattr(host, entry.attr, act)
    return built
