"""(being written)"""

from __future__ import annotations

from .actions import Entry


def entries() -> list[Entry]:
    """This feature's menu entries."""
    return []
