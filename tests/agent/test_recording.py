"""Recording an autonomous run: simulator format, loadable by the recorder, folders kept safe."""

from __future__ import annotations

import pytest

from agent import PIController, RecordConfig, RecordingFolderError, RunRecorder, ServerConfig, create_app
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from recorder import LoadConfig, load_recordings
from tests.agent.conftest import camera_frame


def test_recorded_run_loads_with_the_recorder(tmp_path, steering_fn, frame_jpeg):
    run = tmp_path / "run1"
    recorder = RunRecorder(RecordConfig(folder=str(run)))
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
    with RunRecorder(RecordConfig(folder=str(run))) as recorder:
        recorder.add(camera_frame(), steering=0.1, throttle=-0.4, speed=12.0)
    fields = (run / "driving_log.csv").read_text().strip().split(", ")
    assert [float(f) for f in fields[3:]] == pytest.approx([0.1, 0.0, 0.4, 12.0])


def test_non_empty_folder_is_refused_without_overwrite(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    with pytest.raises(RecordingFolderError, match="--overwrite"):
        RunRecorder(RecordConfig(folder=str(run)))
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]


def test_overwrite_adds_files_and_deletes_none(tmp_path):
    run = tmp_path / "run"
    (run / "IMG").mkdir(parents=True)
    (run / "IMG" / "center_old.jpg").write_bytes(b"old")
    (run / "notes.txt").write_text("mine")
    with RunRecorder(RecordConfig(folder=str(run), overwrite=True)) as recorder:
        recorder.add(camera_frame(), steering=0.0, throttle=0.2, speed=3.0)
    assert (run / "notes.txt").read_text() == "mine"
    assert (run / "IMG" / "center_old.jpg").read_bytes() == b"old"
    assert len(list((run / "IMG").glob("center_*.jpg"))) == 2


def test_file_in_place_of_folder_is_refused(tmp_path):
    path = tmp_path / "run"
    path.write_text("x")
    with pytest.raises(RecordingFolderError, match="not a folder"):
        RunRecorder(RecordConfig(folder=str(path)))
