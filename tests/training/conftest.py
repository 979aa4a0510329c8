"""Fixtures of the training tests: one tiny recording and one run per approach, made once.

Training even a tiny PilotNet costs seconds on 2 cores, so the runs that several
tests inspect (run folder, report, emissions, compare) are trained once per session.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from recorder.log_writer import DrivingLogWriter
from tests.conftest import synthetic_frame

TINY_ROWS = 40


def write_tiny_recording(folder: Path, rows: int = TINY_ROWS, seed: int = 0) -> Path:
    """A recording like `recording_factory`'s, written where a session fixture wants it."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 2, 3, 4, 5)
    with DrivingLogWriter(folder) as writer:
        for i in range(rows):
            steering = float(np.clip(0.5 * np.sin(i / 5.0) + rng.normal(0, 0.02), -1, 1))
            writer.write(
                center=synthetic_frame(steering),
                left=synthetic_frame(steering, shift=-20),
                right=synthetic_frame(steering, shift=20),
                steering=steering, throttle=0.5, brake=0.0, speed=20.0,
                when=start + timedelta(milliseconds=100 * i),
            )
    return folder


@pytest.fixture(scope="session")
def tiny_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-row recording with three cameras (shared: tests must not write into it)."""
    return write_tiny_recording(tmp_path_factory.mktemp("tiny") / "rec")


@pytest.fixture(scope="session")
def trained_runs(tiny_recording: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """approach -> (run folder, report): one epoch of each approach, emissions measured."""
    from recorder.split import SplitConfig
    from training.config import TrainConfig
    from training.emissions import EmissionsConfig
    from training.run import train_run

    runs = {}
    base = tmp_path_factory.mktemp("runs")
    for approach in ("generator", "in-memory"):
        config = TrainConfig(approach=approach, epochs=1, batch_size=16, samples_per_epoch=64, verbose=0)
        run_dir = base / approach
        report = train_run(
            [tiny_recording], run_dir, config, split=SplitConfig(block_size=10),
            emissions=EmissionsConfig(country_iso_code="ESP"),
        )
        runs[approach] = (run_dir, report)
    return runs
