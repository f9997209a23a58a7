"""resources/ must be found from a checkout and from an installed (non-editable) wheel."""

import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_checkout_finds_resources() -> None:
    from convgui.resources import resource_root, samples

    assert (resource_root() / "samples" / "index.json").is_file()
    assert len(samples()) >= 4
    for s in samples():
        assert s.path.is_file(), s.path


def test_wheel_package_data_covers_every_resource_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert setuptools["package-dir"]["convgui._resources"] == "resources"
    patterns = setuptools["package-data"]["convgui._resources"]
    files = [p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*")]
    missing = [
        f
        for f in files
        if Path(ROOT / "resources" / f).is_file()
        and not any(fnmatch.fnmatch(f, pat) for pat in patterns)
    ]
    assert missing == [], f"not shipped in the wheel: {missing}"


def test_installed_layout_finds_resources(tmp_path: Path) -> None:
    # The layout a wheel installs: resources/ copied to convgui/_resources, no checkout around.
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "convgui", site / "convgui", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "resources", site / "convgui" / "_resources")
    code = (
        "from convgui.resources import resource_root, samples; print(resource_root()); "
        "print(all(s.path.is_file() for s in samples())); "
        "from convgui.net import Network, digit_samples; "
        "print(Network.digits().name == 'digits' and len(digit_samples()[1]) == 100)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(site), "PATH": ""},
    ).stdout
    root, ok, digits_ok = out.split()
    assert Path(root) == site / "convgui" / "_resources"
    assert ok == "True"
    assert digits_ok == "True", "the digits network is not found where a wheel installs it"
