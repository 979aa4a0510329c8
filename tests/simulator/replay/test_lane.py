"""The lane-centre meter in the replay: the re-rendered views, the real side cameras, the replay's figures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import pytest

from bcloning.commands.simulate import main
from recorder.camera_geometry import UNITY_CAMERAS
from recorder.log_writer import DrivingLogWriter
from simulator.replay import ReplayConfig, replay_in_process
from simulator.replay.lane import LaneMeter, check_lane
from simulator.replay.plots import plot_lane
from simulator.replay.reference import replay_lane_keeper
from simulator.replay.render import Renderer
from tests.recorder.test_lane_lines import road


def test_agrees_with_the_replays_renderer() -> None:
    renderer, meter = Renderer(), LaneMeter()
    assert meter(renderer.render(road(0.3), right_m=0.5)) == pytest.approx(0.8, abs=0.05)
    for yaw in (-0.05, 0.05):  # turned about 3 degrees left or right: read about 5 m ahead along the camera's axis
        assert meter(renderer.render(road(0.3), right_m=0.0, yaw_left_rad=yaw)) == pytest.approx(0.3 - 5.0 * yaw, abs=0.06)


def test_real_side_cameras_sit_where_the_unity_prefab_puts_them(shared_data: Path, tmp_path: Path) -> None:
    check = check_lane(shared_data / "user_windows_2023")
    assert len(check.offsets_m) > 0.5 * check.rows
    for side in ("left", "right"):
        frames, measured, prefab = check.spacing_m[side]
        assert frames > 100 and prefab == UNITY_CAMERAS[side][0]
        assert measured == pytest.approx(prefab, abs=0.1)
    summary = check.summary()
    assert 0 < summary["mean_abs_offset_m"] < summary["p90_abs_offset_m"] <= summary["max_abs_offset_m"]
    assert check.table_row().startswith("| user_windows_2023 | 1075 |")
    assert cv2.imread(str(plot_lane([check], tmp_path / "lane.png"))) is not None


def write_lane_drive(folder: Path, rows: int, offset_m: float) -> Path:
    """A straight drive at 20 mph, 0.1 s apart, `offset_m` right of the lane centre, steering 0."""
    frame = road(offset_m)
    when = datetime(2024, 1, 2, 3, 4, 5)
    with DrivingLogWriter(folder) as writer:
        for _ in range(rows):
            writer.write(center=frame, left=frame, right=frame, steering=0.0, throttle=0.5, brake=0.0, speed=20.0, when=when)
            when += timedelta(seconds=0.1)
    return folder


def test_replay_reports_the_car_and_the_driver_in_the_lane(tmp_path: Path) -> None:
    recording = write_lane_drive(tmp_path / "lane_drive", 20, 0.3)
    config = ReplayConfig(spacing_m=0.0, strip_frames=1, threshold_m=5.0)
    same = replay_in_process(recording, lambda view: view.recorded_steering, config).metrics
    assert same.lane_measured_percent == 100.0
    assert same.mean_abs_lane_offset_m == pytest.approx(0.3, abs=0.05)
    assert same.recorded_mean_abs_lane_offset_m == pytest.approx(0.3, abs=0.05)
    assert "lane centre:" in "\n".join(same.lines())
    drifting = replay_in_process(recording, lambda view: 0.1, config).metrics  # steers right: further off
    assert drifting.max_abs_lane_offset_m > same.max_abs_lane_offset_m + 0.2


def test_a_lane_keeper_is_counted_off_a_driver_who_is_not_on_the_centre(tmp_path: Path) -> None:
    recording = write_lane_drive(tmp_path / "lane_drive", 40, 0.5)  # the driver keeps 0.5 m right of the centre
    held = replay_lane_keeper(recording, ReplayConfig(spacing_m=0.0, strip_frames=1, threshold_m=5.0))
    assert held.by_lines_percent == 100.0 and held.metrics.interventions == 0
    assert held.metrics.mean_abs_lane_offset_m < 0.6 * held.metrics.recorded_mean_abs_lane_offset_m  # nearer the centre
    strict = replay_lane_keeper(recording, ReplayConfig(spacing_m=0.0, strip_frames=1, threshold_m=0.3))
    assert strict.metrics.interventions >= 1  # it left the driver's path for the centre: counted as straying
    assert strict.table_row().startswith("| lane_drive | 0.3 |")


def test_lane_check_command_prints_and_writes(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["--quiet", "lane-check", str(shared_data / "user_windows_2020"), "--out", str(tmp_path / "lane")]
    assert main(argv + ["--reference-thresholds-m", "1.0"]) == 0
    printed = capsys.readouterr().out
    assert "| user_windows_2020 | 198 |" in printed and "| user_windows_2020 | 1 |" in printed
    saved = json.loads((tmp_path / "lane" / "lane.json").read_text())
    assert saved["drivers"][0]["rows"] == 198 and (tmp_path / "lane" / "lane.png").is_file()
    assert saved["lane_keeper"][0]["threshold_m"] == 1.0 and 0 < saved["lane_keeper"][0]["by_lines_percent"] < 100
    assert main(["--quiet", "lane-check", str(tmp_path / "missing")]) == 2
