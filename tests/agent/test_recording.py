"""Recording an autonomous run: simulator format, loadable by the recorder, folders kept safe."""

from __future__ import annotations

import pytest

from agent import (
    PIController,
    RecordingFolderError,
    RunRecorder,
    RunRecordingConfig,
    ServerConfig,
    create_app,
)
from recorder import LoadConfig, load_recordings
from tests.agent.conftest import camera_frame
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from tests.conftest import write_recording


def test_recorded_run_loads_with_the_recorder(tmp_path, steering_fn, frame_jpeg):
    run = tmp_path / "run1"
    recorder = RunRecorder(RunRecordingConfig(folder=str(run)))
    with create_app(ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController(), recorder) as server:
        with SimulatorWireClient("127.0.0.1", server.port) as sim:
            replies = [sim.telemetry(make_telemetry(frame_jpeg, speed=5.0 + i)) for i in range(6)]
            sim.telemetry({})  # manual frames are not recorded
    log = recorder.close()
    assert log == run / "driving_log.csv"
    assert len(list((run / "IMG").glob("center_*.jpg"))) == 6
    result = load_recordings([run], LoadConfig())
    assert len(result.samples) == 6 and not result.problems
    sent = [float(data["steering_angle"]) for _, data in replies]
    assert [s.steering for s in result.samples] == pytest.approx(sent, abs=1e-5)
    assert [s.speed for s in result.samples] == pytest.approx([5.0 + i for i in range(6)])
    assert all(s.left is None and s.right is None for s in result.samples)


def test_brake_is_recorded_for_negative_throttle(tmp_path):
    run = tmp_path / "run"
    with RunRecorder(RunRecordingConfig(folder=str(run))) as recorder:
        recorder.add(camera_frame(), steering=0.1, throttle=-0.4, speed=12.0)
    fields = (run / "driving_log.csv").read_text().strip().split(", ")
    assert [float(f) for f in fields[3:]] == pytest.approx([0.1, 0.0, 0.4, 12.0])


def test_non_empty_folder_is_refused_without_overwrite(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    with pytest.raises(RecordingFolderError, match="--overwrite"):
        RunRecorder(RunRecordingConfig(folder=str(run)))
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]


def test_overwrite_adds_files_and_deletes_none(tmp_path):
    run = tmp_path / "run"
    (run / "IMG").mkdir(parents=True)
    (run / "IMG" / "center_old.jpg").write_bytes(b"old")
    (run / "notes.txt").write_text("mine")
    with RunRecorder(RunRecordingConfig(folder=str(run), overwrite=True)) as recorder:
        recorder.add(camera_frame(), steering=0.0, throttle=0.2, speed=3.0)
    assert (run / "notes.txt").read_text() == "mine"
    assert (run / "IMG" / "center_old.jpg").read_bytes() == b"old"
    assert len(list((run / "IMG").glob("center_*.jpg"))) == 2


def test_file_in_place_of_folder_is_refused(tmp_path):
    path = tmp_path / "run"
    path.write_text("x")
    with pytest.raises(RecordingFolderError, match="not a folder"):
        RunRecorder(RunRecordingConfig(folder=str(path)))


def test_overwrite_renames_an_earlier_log_and_keeps_its_rows(tmp_path):
    run = write_recording(tmp_path / "run", rows=3, side_cameras=False)
    earlier = (run / "driving_log.csv").read_bytes()
    for _ in range(2):  # twice within the same second: two distinct names
        with RunRecorder(RunRecordingConfig(folder=str(run), overwrite=True)) as recorder:
            recorder.add(camera_frame(), steering=0.0, throttle=0.2, speed=3.0)
    moved = sorted(run.glob("driving_log.before_*.csv"))
    assert len(moved) == 2 and moved[0].read_bytes() == earlier
    assert len(moved[1].read_text().splitlines()) == 1
    assert len(load_recordings([run]).samples) == 1
    assert len(list((run / "IMG").glob("center_*.jpg"))) == 3 + 2


def test_full_disk_stops_recording_once_and_the_car_is_still_driven(tmp_path, steering_fn, frame_jpeg, full_disk, caplog):
    run = tmp_path / "run"
    recorder = RunRecorder(RunRecordingConfig(folder=str(run)))
    full_disk(run, 3 * len(frame_jpeg))  # room for about three frames
    server = create_app(ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController(), recorder)
    with server, SimulatorWireClient("127.0.0.1", server.port) as sim:
        replies = [sim.telemetry(make_telemetry(frame_jpeg, speed=5.0)) for _ in range(12)]
    recorder.close()
    assert [event for event, _ in replies] == ["steer"] * 12
    assert "No space left on device" in recorder.failure
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name == "agent.recording"]
    assert len(errors) == 1 and "the car is still being driven" in errors[0].getMessage()
    result = load_recordings([run])
    assert 1 <= len(result.samples) == recorder.rows < 12 and not result.problems
    assert len(list((run / "IMG").iterdir())) == recorder.rows  # the failed frame's partial image is gone
