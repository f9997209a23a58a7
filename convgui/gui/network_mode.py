"""The network mode: a stack of layers, every layer's maps, receptive fields, the digits network."""

from __future__ import annotations

from .actions import Entry


def entries() -> list[Entry]:
    """This feature's menu entries."""
    return []
