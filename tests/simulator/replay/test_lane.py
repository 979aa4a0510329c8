"""The lane-centre meter: synthetic roads drawn through the Unity camera, the real side cameras, the replay's figures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from bcloning.commands.simulate import main
from recorder.camera_geometry import UNITY_CAMERAS, CameraGeometry
from recorder.log_writer import DrivingLogWriter
from simulator.replay import ReplayConfig, replay_in_process
from simulator.replay.lane import LaneConfig, LaneMeter, check_lane
from simulator.replay.plots import plot_lane
from simulator.replay.reference import replay_lane_keeper
from simulator.replay.render import Renderer

ASPHALT, YELLOW, SKY = (105, 105, 105), (225, 200, 40), (120, 170, 230)


def road(offset_m: float, width_m: float = 6.9, line_m: float = 0.15) -> np.ndarray:
    """RGB frame of a straight flat road whose yellow lines are `width_m` apart, the camera `offset_m` right of centre."""
    geometry = CameraGeometry()
    v, u = np.mgrid[0 : geometry.height, 0 : geometry.width].astype(np.float64)
    pixels = np.stack([u, v, np.ones_like(u)], axis=-1)
    rays = pixels @ (geometry.camera_rotation @ np.linalg.inv(geometry.intrinsics)).T  # car axes
    down = rays[..., 1] < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = -geometry.lens_height_m * rays[..., 0] / rays[..., 1] + offset_m  # across the road, from its centre
    frame = np.empty((geometry.height, geometry.width, 3), np.uint8)
    frame[:] = SKY
    frame[down] = ASPHALT
    on_line = down & (np.minimum(np.abs(x - width_m / 2), np.abs(x + width_m / 2)) < line_m / 2)
    frame[on_line] = YELLOW
    return frame


@pytest.mark.parametrize("offset_m", [-1.5, 0.0, 0.3, 1.6])
def test_measures_a_drawn_road(offset_m: float) -> None:
    assert LaneMeter()(road(offset_m)) == pytest.approx(offset_m, abs=0.05)


def test_agrees_with_the_replays_renderer() -> None:
    renderer, meter = Renderer(), LaneMeter()
    assert meter(renderer.render(road(0.3), right_m=0.5)) == pytest.approx(0.8, abs=0.05)
    for yaw in (-0.05, 0.05):  # turned about 3 degrees left or right: read about 5 m ahead along the camera's axis
        assert meter(renderer.render(road(0.3), right_m=0.0, yaw_left_rad=yaw)) == pytest.approx(0.3 - 5.0 * yaw, abs=0.06)


def test_no_reading_without_two_lines_a_lane_apart() -> None:
    meter = LaneMeter()
    assert meter(road(0.0, width_m=4.0)) is None  # lines too close: a curb, a shadow, not this lane
    plain = road(0.0)
    plain[np.all(plain == YELLOW, axis=-1)] = ASPHALT
    assert meter(plain) is None
    assert LaneMeter(LaneConfig(lane_width_m=4.0))(road(0.0, width_m=4.0)) == pytest.approx(0.0, abs=0.05)


def test_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="far_m"):
        LaneConfig(near_m=5.0, far_m=4.0)
    with pytest.raises(ValueError, match="min_row_fraction"):
        LaneConfig(min_row_fraction=0.0)
    with pytest.raises(ValueError, match="min_value"):
        LaneConfig(min_value=300)


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
