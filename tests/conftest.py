"""Shared factory fixtures: tiny recordings with real 320x160 JPEGs, made per test.

No binary test data is committed; every test builds what it needs in tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from recorder.synthetic import road_frame, write_synthetic_recording  # noqa: E402
from tests.disk_full import DiskBudget  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# The one drawing of the tests' frames and recordings (also the benchmarks'): recorder.synthetic.
synthetic_frame = road_frame
write_recording = write_synthetic_recording


@pytest.fixture
def recording_factory(tmp_path: Path) -> Callable[..., Path]:
    """Return a builder: `make(name="rec", rows=30, seed=0, side_cameras=True) -> folder` (`write_recording` in tmp_path)."""

    def make(name: str = "rec", rows: int = 30, seed: int = 0, side_cameras: bool = True) -> Path:
        return write_recording(tmp_path / name, rows, seed, side_cameras)

    return make


@pytest.fixture
def shared_data() -> Path:
    """The real third-party recordings in ../shared/data; skip where absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not found at {SHARED_DATA} (../shared/data is optional)")
    return SHARED_DATA


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, int], DiskBudget]:
    """Return `limit(folder, nbytes)`: from then on writes under `folder` fail as on a full disk past `nbytes`."""

    def limit(folder: Path, nbytes: int) -> DiskBudget:
        budget = DiskBudget(folder, nbytes)
        monkeypatch.setattr(os, "write", budget)
        return budget

    return limit


def spoil_frames(folder: Path) -> tuple[str, str]:
    """Replace two centre frames of a recording: row 2's by a 640x480 JPEG, row 4's by a JPEG cut in half that
    still ends with the end marker (it decodes, with errors). Returns the two file names."""
    import cv2
    import numpy as np

    names = [line.split(",")[0].replace("\\", "/").rsplit("/", 1)[-1]
             for line in (folder / "driving_log.csv").read_text().splitlines() if line.strip()]
    noise = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    (folder / "IMG" / names[1]).write_bytes(cv2.imencode(".jpg", noise)[1].tobytes())
    whole = (folder / "IMG" / names[3]).read_bytes()
    (folder / "IMG" / names[3]).write_bytes(whole[: len(whole) // 2] + b"\xff\xd9")
    return names[1], names[3]
