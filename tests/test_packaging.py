"""The wheel: the six packages and the files they read, nothing named `scripts`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "bcloning", "evaluation", "recorder", "simulator", "training")


@pytest.mark.slow
def test_the_wheel_holds_the_packages_and_their_data_and_no_scripts(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the working tree
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in (*PACKAGES, "scripts"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=source, check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("bcloning-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == set(PACKAGES)
    static = {p.name for p in (ROOT / "agent" / "static").iterdir()}
    assert static and {f"agent/static/{name}" for name in static} <= set(names)  # served pages, no CDN
    assert "training/co2/estimate.py" in names and "training/data/prepared.py" in names
