"""The desktop entry and its installer."""

import configparser
import sys
from pathlib import Path

from convgui.app import install_desktop_entry
from convgui.resources import resource_path


def _entry(path: Path) -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # keys are case-sensitive
    cp.read(path, encoding="utf-8")
    return cp["Desktop Entry"]


def test_shipped_entry_is_complete() -> None:
    e = _entry(resource_path("convgui.desktop"))
    assert e["Type"] == "Application" and e["Name"] == "convgui"
    assert e["Exec"].startswith("convgui") and e["Icon"] == "convgui"
    assert "image/png" in e["MimeType"]
    assert resource_path("icons", "convgui.png").stat().st_size > 1000


def test_install_desktop_entry_points_at_this_python(tmp_path: Path) -> None:
    entry, icon = install_desktop_entry(tmp_path)
    e = _entry(entry)
    assert e["Exec"] == f'"{sys.executable}" -m convgui %f'
    assert icon.read_bytes() == resource_path("icons", "convgui.png").read_bytes()
    assert entry.is_relative_to(tmp_path / ".local" / "share" / "applications")
