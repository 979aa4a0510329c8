"""Fixtures of the training tests: one tiny recording and one run per approach, made once.

Training even a tiny PilotNet costs seconds on 2 cores, so the runs that several
tests inspect (run folder, report, emissions, compare) are trained once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_recording

TINY_ROWS = 40


@pytest.fixture(scope="session")
def tiny_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-row recording with three cameras (shared: tests must not write into it)."""
    return write_recording(tmp_path_factory.mktemp("tiny") / "rec", rows=TINY_ROWS)


@pytest.fixture(scope="session")
def trained_runs(tiny_recording: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """approach -> (run folder, report): one epoch of each approach, emissions measured."""
    from recorder.split import SplitConfig
    from training.co2.emissions import EmissionsConfig
    from training.config import TrainConfig
    from training.run.settings import RunSettings
    from training.run.train import train_run

    runs = {}
    base = tmp_path_factory.mktemp("runs")
    for approach in ("generator", "in-memory"):
        config = TrainConfig(approach=approach, epochs=1, batch_size=16, samples_per_epoch=64, verbose=0)
        run_dir = base / approach
        report = train_run([tiny_recording], run_dir, RunSettings(
            train=config, split=SplitConfig(block_size=10), emissions=EmissionsConfig(country_iso_code="ESP"),
        ))
        runs[approach] = (run_dir, report)
    return runs
