"""Shared factory fixtures: tiny recordings with real 320x160 JPEGs, made per test.

No binary test data is committed; every test builds what it needs in tmp_path.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from recorder.log_writer import DrivingLogWriter  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def synthetic_frame(steering: float, shift: int = 0) -> np.ndarray:
    """A 160x320 RGB frame whose road edge position encodes `steering`.

    Sky above row 60, grass below, a grey road whose centre moves with the
    steering value, so a model can learn steering from it.
    """
    frame = np.zeros((160, 320, 3), np.uint8)
    frame[:60] = (135, 190, 235)
    frame[60:] = (60, 140, 50)
    centre = int(160 + shift - 100 * steering)
    for row in range(60, 160):
        half = 10 + (row - 60)
        frame[row, max(0, centre - half) : max(0, min(320, centre + half))] = (110, 110, 110)
    return frame


def write_recording(folder: Path, rows: int = 30, seed: int = 0, side_cameras: bool = True) -> Path:
    """Write a recording in the simulator's own format (no header, ", ", absolute paths) into `folder`.

    Steering follows a slow sine, speed is about 20 mph, images are `synthetic_frame`s.
    """
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 2, 3, 4, 5)
    with DrivingLogWriter(folder) as writer:
        for i in range(rows):
            steering = float(np.clip(0.5 * np.sin(i / 5.0) + rng.normal(0, 0.02), -1, 1))
            writer.write(
                center=synthetic_frame(steering),
                left=synthetic_frame(steering, shift=-20) if side_cameras else None,
                right=synthetic_frame(steering, shift=20) if side_cameras else None,
                steering=steering,
                throttle=0.5,
                brake=0.0,
                speed=20.0 + float(rng.normal(0, 0.5)),
                when=start + timedelta(milliseconds=100 * i),
            )
    return folder


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
