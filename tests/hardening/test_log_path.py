"""The error log is where the README says: ``~/.cache/convgui/convgui.log``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from convgui import errors


@pytest.fixture
def named_app(qapp: Any) -> Iterator[None]:
    """The application named as :func:`convgui.app.main` names it."""
    old = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName("convgui")
    QCoreApplication.setApplicationName("convgui")
    yield
    QCoreApplication.setOrganizationName(old[0])
    QCoreApplication.setApplicationName(old[1])


def test_log_is_in_the_users_cache_folder(
    named_app: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert errors.log_path() == tmp_path / ".cache" / "convgui" / "convgui.log"


def test_log_follows_xdg_cache_home(
    named_app: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert errors.log_path() == tmp_path / "cache" / "convgui" / "convgui.log"
    path = errors.setup_logging()
    try:
        errors.log.warning("a line for the log")
        assert path == tmp_path / "cache" / "convgui" / "convgui.log"
        assert "a line for the log" in path.read_text(encoding="utf-8")
    finally:
        for h in list(errors.log.handlers):
            h.close()
            errors.log.removeHandler(h)
