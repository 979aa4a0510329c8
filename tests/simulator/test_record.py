"""Expert recordings are in the simulator's exact format and load with zero problems."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from recorder import LoadConfig, load_recordings
from recorder.log_writer import RecordingWriteError
from simulator.expert import ExpertConfig
from simulator.record import (
    ExpertRecordingConfig,
    FolderNotEmptyError,
    RecordSummary,
    record,
)
from simulator.simulation import SimulatorConfig

NAME = re.compile(r"^(center|left|right)_(\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\d{3})\.jpg$")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, sim_config: SimulatorConfig) -> RecordSummary:
    folder = tmp_path_factory.mktemp("sim") / "rec"
    expert = ExpertConfig(drift_every=3.0, seed=1)
    return record(folder, sim_config, expert, ExpertRecordingConfig(laps=0.15))


@pytest.mark.slow
def test_loads_with_zero_problems(recording: RecordSummary) -> None:
    result = load_recordings([recording.folder], LoadConfig(decode_images=True))
    assert result.problems == []
    assert len(result.samples) == recording.rows > 100
    assert all(sample.has_side_cameras for sample in result.samples)
    assert recording.recoveries >= 1
    # Drifting out is not recorded: fewer rows than steps.
    assert recording.rows < recording.steps


@pytest.mark.slow
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


@pytest.mark.slow
def test_refuses_a_folder_with_files(recording: RecordSummary, sim_config: SimulatorConfig) -> None:
    before = (recording.folder / "driving_log.csv").read_bytes()
    with pytest.raises(FolderNotEmptyError, match="not an empty folder"):
        record(recording.folder, sim_config, ExpertConfig(), ExpertRecordingConfig(laps=0.01))
    assert (recording.folder / "driving_log.csv").read_bytes() == before


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="laps"):
        ExpertRecordingConfig(laps=0)


@pytest.mark.slow
def test_full_disk_keeps_every_complete_row(tmp_path: Path, sim_config: SimulatorConfig, full_disk) -> None:
    folder = tmp_path / "rec"
    full_disk(folder, 200_000)  # a few dozen frames of three cameras
    with pytest.raises(RecordingWriteError, match="No space left on device") as caught:
        record(folder, sim_config, ExpertConfig(seed=1), ExpertRecordingConfig(laps=1.0))
    rows = len((folder / "driving_log.csv").read_text().splitlines())
    assert f"{rows} complete rows kept" in str(caught.value)
    result = load_recordings([folder])
    assert len(result.samples) == rows >= 1 and result.problems == []
    assert len(list((folder / "IMG").iterdir())) == 3 * rows  # the failed frame's images are removed
