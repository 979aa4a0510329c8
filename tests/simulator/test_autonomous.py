"""Autonomous mode on the wire: exact simulator behaviour, stepping, interventions, outputs."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from simulator.autonomous import METRICS_NAME, DriveConfig, drive
from simulator.record import FolderNotEmptyError
from simulator.simulation import SimulatorConfig
from simulator.wire import WireError
from tests.simulator.wire_stub import WireStub


def _run(stub: WireStub, sim_config: SimulatorConfig, seconds: float, out: Path | None = None):
    try:
        return drive(DriveConfig(port=stub.port, laps=1, timeout_s=10, max_sim_s=seconds), sim_config, out)
    finally:
        stub.close()


@pytest.mark.slow
def test_speaks_exactly_like_the_unity_simulator(sim_config: SimulatorConfig) -> None:
    stub = WireStub(steering=0.0, throttle=0.3, ping_every=5, manual_first=2)
    result = _run(stub, sim_config, seconds=3.0)
    assert "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1" in stub.request
    assert stub.received[0].startswith('42["telemetry",')  # no CONNECT packet, ever
    assert not any(frame.startswith("40") for frame in stub.received)
    telemetry = [json.loads(f[2:])[1] for f in stub.received if f.startswith('42["telemetry"')]
    pongs = [f for f in stub.received if f == "3"]
    # One step per steer: 30 steps of 0.1 s; 2 extra telemetries answered `manual`, none after the last step.
    assert result.metrics.steps == 30
    assert len(telemetry) == 30 + 2
    assert len(pongs) == 30 // 5
    for data in telemetry:
        assert set(data) == {"steering_angle", "throttle", "speed", "image"}
        assert all(isinstance(value, str) for value in data.values())
    frame = cv2.imdecode(np.frombuffer(base64.b64decode(telemetry[-1]["image"]), np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (160, 320, 3)
    assert float(telemetry[-1]["speed"]) > float(telemetry[0]["speed"])  # throttle 0.3 moves the car
    assert telemetry[-1]["throttle"] == "0.3000"


@pytest.mark.slow
def test_leaving_the_road_is_an_intervention(sim_config: SimulatorConfig, tmp_path: Path) -> None:
    stub = WireStub(steering=1.0, throttle=0.6)  # full right lock: off the road within seconds
    result = _run(stub, sim_config, seconds=30.0, out=tmp_path / "run")
    metrics = result.metrics
    assert metrics.steps == 300 and metrics.interventions >= 2
    assert metrics.max_abs_cte_m > sim_config.track.road_width / 2
    assert metrics.autonomy_percent == pytest.approx(max(0.0, 100 * (1 - metrics.interventions * 6 / 30)))
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["interventions"] == metrics.interventions
    for name in ("path", "cameras"):
        image = cv2.imread(str(result.files[name]))
        assert image is not None and image.size > 0


@pytest.mark.slow
def test_no_server_is_a_clear_error(sim_config: SimulatorConfig) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(WireError, match="cannot connect"):
        drive(DriveConfig(port=port, timeout_s=2), sim_config)


@pytest.mark.slow
def test_drives_against_the_real_drive_server(sim_config: SimulatorConfig) -> None:
    from agent.config import ServerConfig
    from agent.controller import PIController
    from agent.server import create_app

    frames: list[np.ndarray] = []

    def steer_straight(frame: np.ndarray) -> float:
        frames.append(frame)
        return 0.0

    server = create_app(ServerConfig(port=0), steer_straight, PIController()).start()
    try:
        result = drive(DriveConfig(port=server.port, laps=1, timeout_s=10, max_sim_s=10.0), sim_config)
    finally:
        server.stop()
    assert result.metrics.steps == 100
    assert result.metrics.mean_speed_mph > 1.0  # the server's speed controller drove it
    assert len(frames) >= 100 and frames[0].shape == (66, 200, 3)
    assert server.bad_frames == 0


@pytest.mark.slow
def test_a_server_that_only_answers_manual_is_an_error(sim_config: SimulatorConfig) -> None:
    stub = WireStub(manual_first=10_000)
    with pytest.raises(WireError, match="manual"):
        _run(stub, sim_config, seconds=3.0)


def test_an_unusable_out_folder_is_refused_before_connecting(sim_config: SimulatorConfig, tmp_path: Path) -> None:
    with socket.socket() as sock:  # nothing listens here: connecting first would raise WireError instead
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "file").write_text("x")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / METRICS_NAME).write_text("{}")
    for out, message in [("file", "not a folder"), ("file/run", "not a folder"), ("old", "already holds a run")]:
        with pytest.raises(FolderNotEmptyError, match=message):
            drive(DriveConfig(port=port, timeout_s=2), sim_config, tmp_path / out)
    assert (tmp_path / "old" / METRICS_NAME).read_text() == "{}"
