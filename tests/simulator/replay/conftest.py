"""Tiny recordings with curves for the replay tests: real JPEGs and logs written per test."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pytest

from recorder.log_writer import DrivingLogWriter
from tests.conftest import synthetic_frame


def write_drive(folder: Path, steering: Sequence[float], speed_mph: float = 20.0, pause_after: int | None = None) -> Path:
    """A recording of `steering` rows at `speed_mph`, 0.1 s apart; a 5 s pause after row `pause_after`."""
    start = datetime(2024, 1, 2, 3, 4, 5)
    when = start
    with DrivingLogWriter(folder) as writer:
        for i, value in enumerate(steering):
            frame = synthetic_frame(float(value))
            writer.write(
                center=frame, left=frame, right=frame, steering=float(value), throttle=0.5, brake=0.0,
                speed=speed_mph, when=when,
            )
            when += timedelta(seconds=5.0 if i == pause_after else 0.1)
    return folder


@pytest.fixture
def curvy(tmp_path: Path) -> Callable[..., Path]:
    """Return a builder: `make(rows=60, pause_after=None) -> folder`, a drive through an S-bend at 20 mph.

    The same arguments give the same folder, written once.
    """

    def make(rows: int = 60, pause_after: int | None = None) -> Path:
        folder = tmp_path / f"curvy_{rows}_{pause_after}"
        if folder.exists():
            return folder
        return write_drive(folder, 0.4 * np.sin(np.arange(rows) / 8.0), pause_after=pause_after)

    return make
