"""Locating the files under ``resources/``, from a checkout or from an installed wheel."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@cache
def resource_root() -> Path:
    """The folder holding ``samples/``, ``icons/`` and the desktop entry.

    An installed wheel ships ``resources/`` inside the package as ``convgui/_resources``; a
    checkout (or an editable install) has it at the repository root.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "_resources", here.parent / "resources"]
    spec = importlib.util.find_spec("convgui._resources")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) for p in spec.submodule_search_locations]
    for folder in candidates:
        if (folder / "samples" / "index.json").is_file():
            return folder
    raise FileNotFoundError(
        "convgui's resources folder is missing (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall convgui"
    )


def resource_path(*parts: str) -> Path:
    """Path of a file under the resources folder."""
    return resource_root().joinpath(*parts)


@dataclass(frozen=True)
class Sample:
    """A built-in sample image."""

    file: str
    title: str
    description: str

    @property
    def path(self) -> Path:
        """Where the sample's PNG is."""
        return resource_path("samples", self.file)


@cache
def samples() -> tuple[Sample, ...]:
    """The built-in samples, in menu order (from ``samples/index.json``)."""
    data = json.loads(resource_path("samples", "index.json").read_text(encoding="utf-8"))
    return tuple(Sample(d["file"], d["title"], d["description"]) for d in data)


def default_sample() -> Sample:
    """The sample the window opens on: the scene, which shows off every kernel."""
    for s in samples():
        if s.file.startswith("scene"):
            return s
    return samples()[0]
