"""One driver at a time: a second connection neither resets nor feeds the run's controller and
recording, and every connection's fallback answer is its own."""

from __future__ import annotations

import numpy as np
import pytest

from agent import (
    ControllerConfig,
    PIController,
    RunRecorder,
    RunRecordingConfig,
    ServerConfig,
    create_app,
)
from agent.driver import Command, Driver
from agent.sessions import Sessions
from recorder import load_recordings
from tests.agent.conftest import jpeg_bytes
from tests.agent.sim_client import SimulatorWireClient, make_telemetry


def brightness_steering(frame: np.ndarray) -> float:
    """A stand-in model whose steering tells frames apart: brighter frame, more to the right."""
    return float(frame.mean()) / 255.0 - 0.5


def flat_jpeg(level: int) -> bytes:
    return jpeg_bytes(np.full((160, 320, 3), level, np.uint8))


def steer(reply: tuple[str, dict]) -> tuple[float, float]:
    event, data = reply
    assert event == "steer"
    return float(data["steering_angle"]), float(data["throttle"])


BAD_FRAME = '42["telemetry",{"speed":"1.0"}]'  # no image: answered with the fallback


def test_second_client_neither_resets_nor_feeds_the_run(tmp_path):
    recorder = RunRecorder(RunRecordingConfig(folder=str(tmp_path / "run")))
    controller = PIController(ControllerConfig(kp=0.02, ki=0.05))
    dark, bright = flat_jpeg(40), flat_jpeg(220)
    with create_app(ServerConfig(port=0, stats_interval_s=0), brightness_steering, controller, recorder) as server:
        with SimulatorWireClient("127.0.0.1", server.port) as first:
            throttles = [steer(first.telemetry(make_telemetry(dark, speed=2.0)))[1] for _ in range(5)]
            integral = controller.integral
            assert integral > 0
            with SimulatorWireClient("127.0.0.1", server.port) as second:
                for _ in range(4):  # far too fast: its own controller brakes
                    assert steer(second.telemetry(make_telemetry(bright, speed=25.0)))[1] < 0
                second_steering = steer(second.telemetry(make_telemetry(bright, speed=25.0)))[0]
                assert controller.integral == integral  # untouched by the second client
                second.send_raw(BAD_FRAME)
                assert steer(second.receive()) == (pytest.approx(second_steering, abs=1e-6), 0.0)
                first_steering, throttle = steer(first.telemetry(make_telemetry(dark, speed=2.0)))
                assert throttle >= throttles[-1]  # its integral went on growing: no reset
                first.send_raw(BAD_FRAME)
                assert steer(first.receive()) == (pytest.approx(first_steering, abs=1e-6), 0.0)
                assert first_steering < 0 < second_steering
    recorder.close()
    rows = load_recordings([tmp_path / "run"]).samples
    assert len(rows) == 6  # the first client's frames only
    assert all(row.steering < 0 for row in rows)


def test_the_next_client_drives_once_the_driver_left(tmp_path):
    recorder = RunRecorder(RunRecordingConfig(folder=str(tmp_path / "run")))
    with create_app(ServerConfig(port=0, stats_interval_s=0), brightness_steering, PIController(), recorder) as server:
        with SimulatorWireClient("127.0.0.1", server.port) as first:
            steer(first.telemetry(make_telemetry(flat_jpeg(40), speed=2.0)))
            with SimulatorWireClient("127.0.0.1", server.port) as second:
                steer(second.telemetry(make_telemetry(flat_jpeg(220), speed=2.0)))
                first.close()
                for _ in range(50):  # the server notices the close on its own time; bounded
                    steer(second.telemetry(make_telemetry(flat_jpeg(220), speed=2.0)))
                    if server.sessions.owner is not None:
                        break
                assert server.sessions.is_owner(server.sio.manager.sid_from_eio_sid(second.session["sid"], "/"))
    recorder.close()
    assert any(row.steering > 0 for row in load_recordings([tmp_path / "run"]).samples)


def test_a_page_that_only_connects_does_not_take_the_run():
    driver = Driver(brightness_steering, PIController())
    sessions = Sessions(driver)
    assert sessions.fallback("watcher") == Command(0.0, 0.0) and sessions.owner is None
    assert sessions.driver_for("sim") is driver and sessions.is_owner("sim")
    guest = sessions.driver_for("other")
    assert guest is not driver and guest.controller is not driver.controller
    assert guest.controller.config == driver.controller.config
    assert not sessions.is_owner(None)
