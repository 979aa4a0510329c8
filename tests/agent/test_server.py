"""The drive server over real sockets: the simulator's raw protocol and a modern client."""

from __future__ import annotations

import base64
import json
import math
import time
import urllib.request

import pytest
import socketio
import websocket

from agent import PIController, ServerConfig, create_app
from simulator.wire import WireError
from tests.agent.bad_frames import encoded, with_size
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.sim_client import SimulatorWireClient, make_telemetry


def assert_steer(event: str, data: object) -> tuple[float, float]:
    """A `steer` whose values are strings holding finite floats in the simulator's range."""
    assert event == "steer"
    assert isinstance(data, dict) and set(data) == {"steering_angle", "throttle"}
    assert all(isinstance(value, str) for value in data.values()), data
    steering, throttle = float(data["steering_angle"]), float(data["throttle"])
    assert math.isfinite(steering) and -1.0 <= steering <= 1.0
    assert math.isfinite(throttle) and -1.0 <= throttle <= 1.0
    return steering, throttle


def test_simulator_client_gets_steer_after_every_telemetry(drive_server, frame_jpeg):
    connects_before = drive_server.legacy.implicit_connects
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        assert sim.handshake["upgrades"] == []  # websocket already: nothing to upgrade to
        for i in range(20):
            event, data = sim.telemetry(make_telemetry(frame_jpeg, speed=0.5 * i))
            assert_steer(event, data)
        assert sim.connected  # the server sent `40` itself: the client never did
        assert sim.connect_steer == {"steering_angle": "0.000000", "throttle": "0.000000"}
    assert drive_server.legacy.implicit_connects == connects_before + 1


def test_car_at_rest_gets_throttle(drive_server, frame_jpeg):
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        _, throttle = assert_steer(*sim.telemetry(make_telemetry(frame_jpeg, speed=0.0)))
    assert throttle > 0.5  # 9 mph short, kp 0.1


def test_empty_telemetry_gets_manual(drive_server, frame_jpeg):
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        assert sim.telemetry({}) == ("manual", {})
        assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))


def test_modern_socketio_client_gets_steer(drive_server, frame_jpeg):
    connects_before = drive_server.legacy.implicit_connects
    with socketio.SimpleClient() as client:
        client.connect(f"http://127.0.0.1:{drive_server.port}", wait_timeout=10)
        assert client.receive(timeout=10) == ["steer", {"steering_angle": "0.000000", "throttle": "0.000000"}]
        for _ in range(3):
            client.emit("telemetry", make_telemetry(frame_jpeg, speed=3.0))
            event, data = client.receive(timeout=10)
            assert_steer(event, data)
    assert drive_server.legacy.implicit_connects == connects_before  # it sent CONNECT itself


def test_pings_are_sent_and_answered(steering_fn, frame_jpeg):
    config = ServerConfig(port=0, stats_interval_s=0, ping_interval_s=0.1, ping_timeout_s=5.0)
    with create_app(config, steering_fn, PIController()) as server:
        with SimulatorWireClient("127.0.0.1", server.port) as sim:
            for _ in range(3):  # the next ping comes only after the last was answered
                time.sleep(0.3)
                assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))
            assert sim.pings_answered >= 3


def _telemetry_with(frame_jpeg: bytes, **changes: object) -> str:
    payload = {**make_telemetry(frame_jpeg, speed=2.0), **changes}
    return "42" + json.dumps(["telemetry", {k: v for k, v in payload.items() if v is not None}])


SMALL_JPEG = jpeg_bytes(camera_frame()[:80, :160].copy())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# (name, raw frame, answered with a fallback `steer`?) Every event gets an answer:
# the simulator sends its next frame only after one.
MALFORMED = [
    ("bad json", lambda j: '42["telemetry",{"speed": "1.0", ', True),
    ("json 50000 deep", lambda j: '42["telemetry",' + "[" * 50_000 + "]" * 50_000 + "]", True),
    ("extra argument", lambda j: "42" + json.dumps(["telemetry", make_telemetry(j), "extra"]), True),
    ("event not a list", lambda j: '42{"telemetry": 1}', True),
    ("empty event", lambda j: "42[]", True),
    ("unknown event", lambda j: '42["honk",{"volume":"11"}]', False),
    ("unknown packet type", lambda j: "49", False),
    ("binary frame", lambda j: b"\x04\x00\xffbinary", False),
    ("payload not an object", lambda j: '42["telemetry","fast"]', True),
    ("missing image", lambda j: _telemetry_with(j, image=None), True),
    ("non-base64 image", lambda j: _telemetry_with(j, image="not base64 at all!"), True),
    ("base64 of non-image", lambda j: _telemetry_with(j, image=base64.b64encode(b"hello").decode()), True),
    ("wrong-size jpeg", lambda j: _telemetry_with(j, image=base64.b64encode(SMALL_JPEG).decode()), True),
    ("truncated jpeg", lambda j: _telemetry_with(j, image=base64.b64encode(j[: len(j) // 2]).decode()), True),
    ("NaN speed", lambda j: _telemetry_with(j, speed="NaN"), True),
    ("infinite throttle", lambda j: _telemetry_with(j, throttle="inf"), True),
    ("non-numeric speed", lambda j: _telemetry_with(j, speed="fast"), True),
    ("missing speed", lambda j: _telemetry_with(j, speed=None), True),
    ("negative speed", lambda j: _telemetry_with(j, speed="-5"), True),
    ("png frame", lambda j: _telemetry_with(j, image=_b64(encoded(camera_frame(), ".png"))), True),
    ("webp frame", lambda j: _telemetry_with(j, image=_b64(encoded(camera_frame(), ".webp"))), True),
    ("60000x60000 jpeg header", lambda j: _telemetry_with(j, image=_b64(with_size(j, 60000, 60000))), True),
]


@pytest.mark.parametrize(("name", "make", "answered"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_next_valid_telemetry_is_answered_after_malformed(drive_server, frame_jpeg, caplog, name, make, answered):
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        driven = assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))
        sim.send_raw(make(frame_jpeg))
        if answered:  # the simulator waits for a reply: it gets "hold the wheel, coast"
            assert assert_steer(*sim.receive()) == (driven[0], 0.0)
        sim.emit("telemetry", make_telemetry(frame_jpeg, speed=1.5))
        event, data = sim.receive()  # the very next event answers the good frame: nothing was left over
        assert_steer(event, data)
        assert float(data["throttle"]) > 0
    assert not [r for r in caplog.records if r.exc_info], "a bad input logged a traceback"


def test_oversized_message_closes_only_that_connection(drive_server, frame_jpeg):
    huge = '42["telemetry",{"image":"' + "A" * 5_000_000 + '"}]'
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            sim.send_raw(huge)  # the server closes (1009) as soon as it reads the frame's length
            sim.receive()
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))


def test_large_real_frame_is_accepted(drive_server):
    big = jpeg_bytes(camera_frame(seed=3), quality=100)
    assert len(big) > 40_000  # well above a simulator frame at quality 75
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        assert_steer(*sim.telemetry(make_telemetry(big)))


def test_status_page_reports_frames(drive_server, frame_jpeg):
    with SimulatorWireClient("127.0.0.1", drive_server.port) as sim:
        sim.telemetry(make_telemetry(frame_jpeg))
    with urllib.request.urlopen(f"http://127.0.0.1:{drive_server.port}/status.json", timeout=10) as response:
        status = json.loads(response.read())
    assert status["frames"] >= 1 and status["p99_ms"] >= status["p50_ms"] > 0


def test_stop_closes_connected_clients_and_ends_the_thread(steering_fn, frame_jpeg):
    server = create_app(ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController()).start()
    sim = SimulatorWireClient("127.0.0.1", server.port)
    assert_steer(*sim.telemetry(make_telemetry(frame_jpeg)))
    server.stop()
    assert not server._thread.is_alive()
    with pytest.raises((WireError, websocket.WebSocketConnectionClosedException)):
        sim.receive()
    sim.close()
    assert server.stats.summary().frames == 1
