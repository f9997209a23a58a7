"""Find widgets a user cannot see whole: cut off by their parent, outside any scroll area."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QMainWindow, QWidget

#: The window sizes every layout check runs at (the issue's list).
WINDOW_SIZES = ((1024, 700), (1280, 800), (1366, 768), (1920, 1080), (2560, 1440))


def _scroll_area(w: QWidget) -> QAbstractScrollArea | None:
    """The scroll area whose viewport holds ``w``, or None."""
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and p.viewport().isAncestorOf(w):
            return p
        p = p.parentWidget()
    return None


def _cut_sideways_in(area: QAbstractScrollArea, w: QWidget) -> bool:
    """True when ``w`` sticks out of a scroll area sideways with no way to scroll there."""
    if area.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        return False
    view = area.viewport()
    left = w.mapTo(view, QPoint(0, 0)).x()
    return left < 0 or left + w.width() > view.width()


def _unclipped(w: QWidget) -> QRect:
    """The part of ``w`` (its own coordinates) inside every ancestor up to its window.

    Unlike ``visibleRegion`` this ignores children and siblings drawn over ``w`` (a scroll
    area's viewport covers the scroll area; an overlay covers a panel): only what the parents
    cut off counts.
    """
    visible = QWidget.rect(w)
    anc = w.parentWidget()
    while anc is not None:
        origin = w.mapTo(anc, QPoint(0, 0)) if anc.isAncestorOf(w) else QPoint(0, 0)
        visible = visible.intersected(QWidget.rect(anc).translated(-origin))
        if anc.isWindow():
            break
        anc = anc.parentWidget()
    return visible


def clipped_widgets(window: QMainWindow, *, ignore: tuple[QWidget, ...] = ()) -> list[str]:
    """Every visible widget whose visible part is narrower or shorter than the widget.

    Widgets in a scroll area are left out (they can be reached by scrolling); so are overlays
    that draw over others on purpose (``ignore``) and empty zero-sized widgets. Each finding
    is described by its class, object name, text and the sizes.
    """
    QApplication.processEvents()
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w in ignore or any(i.isAncestorOf(w) for i in ignore):
            continue
        if w.width() <= 1 or w.height() <= 1 or w.isWindow():
            continue  # menus, tooltips, dialogs: their own windows
        area = _scroll_area(w)
        if area is not None:
            # Reachable by scrolling, unless the area cannot scroll that way.
            if _cut_sideways_in(area, w):
                found.append(
                    f"{type(w).__name__}#{w.objectName()}: cut off sideways in a "
                    f"scroll area that cannot scroll sideways"
                )
            continue
        visible = _unclipped(w)
        top_left = w.mapTo(window, QWidget.rect(w).topLeft())
        bottom_right = w.mapTo(window, QWidget.rect(w).bottomRight())
        win = window.rect()
        inside_window = win.contains(top_left) and win.contains(bottom_right)
        if visible.width() < w.width() or visible.height() < w.height() or not inside_window:
            text = ""
            for attr in ("text", "title", "currentText"):
                fn = getattr(w, attr, None)
                if callable(fn):
                    try:
                        text = str(fn())
                    except TypeError:
                        continue
                    break
            found.append(
                f"{type(w).__name__}#{w.objectName()} {text!r}: shown "
                f"{visible.width()}×{visible.height()} of {w.width()}×{w.height()}"
            )
    return found
