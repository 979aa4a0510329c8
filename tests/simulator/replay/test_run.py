"""The replay's closed loop: sanity drivers, determinism, the wire, the run's files."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from simulator.record import FolderNotEmptyError
from simulator.replay import ReplayConfig, replay, replay_in_process
from simulator.wire import WireError
from tests.simulator.wire_stub import WireStub

FAST = ReplayConfig(spacing_m=0.0, strip_frames=2)  # one decision per recorded frame


def test_replaying_the_recorded_steering_stays_on_the_path(curvy) -> None:
    steps = []
    for config in (FAST, ReplayConfig()):
        metrics = replay_in_process(curvy(), lambda view: view.recorded_steering, config).metrics
        assert metrics.interventions == 0 and metrics.autonomy_percent == 100.0
        assert metrics.max_abs_path_offset_m < 1e-9 and metrics.max_abs_heading_error_deg < 1e-7
        steps.append(metrics.steps)
    assert steps[0] == 59 and steps[1] == 59 * 3  # 0.89 m between frames: 3 decisions of at most 0.4 m


def test_steering_smoothness_and_interventions_per_km(curvy) -> None:
    decisions = iter(range(10_000))
    jitter = replay_in_process(curvy(), lambda view: 0.02 if next(decisions) % 2 else -0.02, FAST)
    metrics = jitter.metrics
    # every change is 0.04, within the one segment (its first decision has no previous one)
    assert len(jitter.trace.steering_change) == metrics.steps - metrics.segments
    assert metrics.steering_rms_change == pytest.approx(0.04)
    steady = replay_in_process(curvy(), lambda view: view.recorded_steering, FAST).metrics
    assert steady.steering_rms_change < metrics.steering_rms_change
    assert metrics.interventions_per_km == pytest.approx(metrics.interventions / (metrics.distance_m / 1000), rel=1e-4)
    assert 0 <= metrics.recorded_lane_measured_percent <= 100


def test_steering_straight_through_curves_intervenes(curvy) -> None:
    metrics = replay_in_process(curvy(), lambda view: 0.0, FAST).metrics
    assert metrics.interventions >= 1 and metrics.max_abs_path_offset_m > FAST.threshold_m
    assert metrics.autonomy_percent < 100.0


def test_a_right_bias_drifts_right_and_intervenes(curvy) -> None:
    result = replay_in_process(curvy(), lambda view: view.recorded_steering + 0.1, FAST)
    lateral = np.asarray(result.trace.lateral_m)
    assert result.metrics.interventions >= 1
    assert lateral.max() <= 0 and lateral.min() < -FAST.threshold_m  # > 0 steering is right: d < 0
    assert result.metrics.autonomy_percent == pytest.approx(
        max(0.0, 100 * (1 - result.metrics.interventions * 6 / result.metrics.elapsed_s)), abs=1e-3
    )


@pytest.mark.slow
def test_two_replays_are_identical(curvy) -> None:
    recording = curvy()

    def weave(view) -> float:  # a driver that looks at the image: steer towards the grey road's centre
        row = view.image[140].astype(int)
        grey = np.flatnonzero(np.all(np.abs(row - 110) < 8, axis=-1))
        return float(np.clip((grey.mean() - 160) / 100, -1, 1)) if grey.size else 0.0

    first = replay_in_process(recording, weave, ReplayConfig())
    second = replay_in_process(recording, weave, ReplayConfig())
    assert first.metrics == second.metrics
    assert first.trace.lateral_m == second.trace.lateral_m


@pytest.mark.slow
def test_the_wire_replay_is_the_same_loop(curvy, tmp_path: Path) -> None:
    recording = curvy(rows=30)
    stub = WireStub(steering=0.05, throttle=0.2, ping_every=7, manual_first=1)
    try:
        result = replay(recording, ReplayConfig(port=stub.port, timeout_s=10), tmp_path / "run")
    finally:
        stub.close()
    local = replay_in_process(recording, lambda view: 0.05, ReplayConfig())
    assert result.metrics == local.metrics
    telemetry = [json.loads(f[2:])[1] for f in stub.received if f.startswith('42["telemetry"')]
    assert len(telemetry) == result.metrics.steps + 1  # one repeated after `manual`
    assert telemetry[-1]["steering_angle"] == "1.2500" and telemetry[-1]["throttle"] == "0.2000"
    assert float(telemetry[-1]["speed"]) == pytest.approx(20.0)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"steps", "distance_m", "elapsed_s", "interventions", "autonomy_percent", "mean_abs_path_offset_m",
            "max_abs_path_offset_m", "mean_speed_mph", "max_abs_heading_error_deg"} <= set(saved)
    for name in ("deviation", "frames"):
        assert cv2.imread(str(result.files[name])) is not None
    with pytest.raises(FolderNotEmptyError, match="already holds a run"):
        replay(recording, ReplayConfig(port=stub.port), tmp_path / "run")


def test_no_server_is_a_wire_error(curvy) -> None:
    with socket.socket() as sock:  # nothing listens here
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(WireError, match="cannot connect"):
        replay(curvy(rows=5), ReplayConfig(port=port, timeout_s=2))


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="threshold_m"):
        ReplayConfig(threshold_m=0)
    with pytest.raises(ValueError, match="spacing_m"):
        ReplayConfig(spacing_m=-1)


@pytest.mark.slow
def test_the_shared_recordings_replay(shared_data: Path) -> None:
    recording = shared_data / "user_windows_2020"
    assert replay_in_process(recording, lambda view: view.recorded_steering, FAST).metrics.interventions == 0
    straight = replay_in_process(recording, lambda view: 0.0, FAST).metrics
    assert straight.interventions > 0 and straight.mean_speed_mph > 15


@pytest.mark.slow
def test_replays_against_the_real_drive_server(curvy) -> None:
    from agent.config import ServerConfig
    from agent.controller import PIController
    from agent.server import create_app

    frames: list[np.ndarray] = []

    def steer_straight(frame: np.ndarray) -> float:
        frames.append(frame)
        return 0.0

    recording = curvy(rows=20)
    server = create_app(ServerConfig(port=0), steer_straight, PIController()).start()
    try:
        result = replay(recording, ReplayConfig(port=server.port, timeout_s=10))
    finally:
        server.stop()
    assert result.metrics == replay_in_process(recording, lambda view: 0.0, ReplayConfig()).metrics
    assert len(frames) == result.metrics.steps and frames[0].shape == (66, 200, 3)
    assert server.bad_frames == 0
