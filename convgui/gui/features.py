"""The window's feature modules: each adds its own menu entries (and builds its panels lazily).

A feature module exposes ``entries() -> list[Entry]`` (see :mod:`.actions`). Its callbacks are
functions of the host window, so a feature never needs a method on the window; the window only
lists the modules here. Entries are placed after the last entry of their menu (a new menu goes
before Help).
"""

from __future__ import annotations

from .actions import Entry


def feature_entries() -> list[Entry]:
    """Every feature module's menu entries, in the order the modules are listed."""
    from . import code_export, kernel_lab, layer_mode, quiz, worksheet

    out: list[Entry] = []
    for module in (layer_mode, kernel_lab, code_export, worksheet, quiz):
        out.extend(module.entries())
    return out
