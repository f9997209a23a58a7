"""The window's feature modules: each adds its own menu entries (and builds its panels lazily).

A feature module exposes ``entries() -> list[Entry]`` (see :mod:`.actions`). Its callbacks are
functions of the host window, so a feature never needs a method on the window; the window only
lists the modules here. Entries are placed after the last entry of their menu (File entries
above Quit; a new menu goes before Help). A module may also define ``restore(window)``, called
once the window's settings are restored (to reopen a dock the user left open).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .actions import Entry


def _modules() -> tuple[ModuleType, ...]:
    from . import code_export, kernel_lab, layer_mode, network_mode, quiz, worksheet

    return (layer_mode, network_mode, kernel_lab, code_export, worksheet, quiz)


def feature_entries() -> list[Entry]:
    """Every feature module's menu entries, in the order the modules are listed."""
    out: list[Entry] = []
    for module in _modules():
        out.extend(module.entries())
    return out


def restore_features(window: Any) -> None:
    """Let each feature bring back what it remembers (an open dock…): its ``restore(window)``."""
    for module in _modules():
        restore = getattr(module, "restore", None)
        if restore is not None:
            restore(window)
