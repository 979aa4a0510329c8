"""Expert recordings are in the simulator's exact format and load with zero problems."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from recorder import LoadConfig, load_recordings
from simulator.expert import ExpertConfig
from simulator.record import FolderNotEmptyError, RecordConfig, RecordSummary, record
from simulator.simulation import SimulatorConfig

NAME = re.compile(r"^(center|left|right)_(\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\d{3})\.jpg$")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, sim_config: SimulatorConfig) -> RecordSummary:
    folder = tmp_path_factory.mktemp("sim") / "rec"
    expert = ExpertConfig(drift_every=3.0, seed=1)
    return record(folder, sim_config, expert, RecordConfig(laps=0.15))


def test_loads_with_zero_problems(recording: RecordSummary) -> None:
    result = load_recordings([recording.folder], LoadConfig(decode_images=True))
    assert result.problems == []
    assert len(result.samples) == recording.rows > 100
    assert all(sample.has_side_cameras for sample in result.samples)
    assert recording.recoveries >= 1
    # Drifting out is not recorded: fewer rows than steps.
    assert recording.rows < recording.steps


def test_simulator_format(recording: RecordSummary) -> None:
    text = (recording.folder / "driving_log.csv").read_text()
    lines = text.splitlines()
    assert len(lines) == recording.rows and text.endswith("\n")
    stamps = []
    for line in lines:
        fields = line.split(", ")
        assert len(fields) == 7  # no header: every line is a frame
        for camera, path in zip(("center", "left", "right"), fields[:3]):
            assert Path(path).is_absolute() and Path(path).parent == recording.folder / "IMG"
            match = NAME.match(Path(path).name)
            assert match and match.group(1) == camera and Path(path).is_file()
        steering, throttle, brake, speed = map(float, fields[3:])
        assert -1 <= steering <= 1 and 0 <= throttle <= 1 and 0 <= brake <= 1 and 0 < speed <= 30
        stamps.append(datetime.strptime(NAME.match(Path(fields[0]).name).group(2), "%Y_%m_%d_%H_%M_%S_%f"))
    gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])]
    assert min(gaps) == pytest.approx(0.1, abs=0.002)  # 10 rows per simulated second
    assert max(gaps) > 0.15  # a pause while drifting out


def test_refuses_a_folder_with_files(recording: RecordSummary, sim_config: SimulatorConfig) -> None:
    before = (recording.folder / "driving_log.csv").read_bytes()
    with pytest.raises(FolderNotEmptyError, match="not an empty folder"):
        record(recording.folder, sim_config, ExpertConfig(), RecordConfig(laps=0.01))
    assert (recording.folder / "driving_log.csv").read_bytes() == before


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="laps"):
        RecordConfig(laps=0)
