"""Bounded resources on a real server: idle connections time out, the connection count is capped with
a clean 503, and a flooding client is disconnected while the driving client goes on."""

from __future__ import annotations

import resource
import socket
import time
import urllib.error
import urllib.request

import pytest
import websocket

from agent import ControllerConfig, PIController, ServerConfig, create_app
from simulator.wire import SimulatorLink, WireError, event_packet, telemetry_payload
from tests.agent.sim_client import SimulatorWireClient, make_telemetry

IDLE_CONNECTIONS = 1100
# Each idle connection costs two descriptors here: the test's end and the server's.
NEEDED_FDS = 2 * IDLE_CONNECTIONS + 200


def eof_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing `sock`, or None if it did not close it within `seconds`."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def connect_simulator(port: int, seconds: float) -> SimulatorWireClient:
    """Connect as the simulator does, retrying (as it does) while the server is full."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return SimulatorWireClient("127.0.0.1", port, timeout=5)
        except WireError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def enough_fds():
    """Raise the soft limit of open files to what the test needs, or skip saying why."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < NEEDED_FDS:
        if hard != resource.RLIM_INFINITY and hard < NEEDED_FDS:
            pytest.skip(f"ulimit -n is {soft} (hard {hard}); {IDLE_CONNECTIONS} idle connections need {NEEDED_FDS}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (NEEDED_FDS, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
def test_1100_idle_connections_neither_lock_out_the_simulator_nor_stay(steering_fn, frame_jpeg, enough_fds):
    config = ServerConfig(port=0, stats_interval_s=0, max_connections=32, idle_timeout_s=1.0)
    with create_app(config, steering_fn, PIController()) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(IDLE_CONNECTIONS)]
        deadline = time.monotonic() + config.idle_timeout_s + 10  # one bound for all, not one each
        try:
            answers = [eof_within(sock, max(0.01, deadline - time.monotonic())) for sock in idle]
        finally:
            for sock in idle:
                sock.close()
        assert None not in answers  # every one was closed by the server: refused at once or timed out
        refused = [a for a in answers if a.startswith(b"HTTP/1.1 503 Service Unavailable")]
        assert len(refused) == server.listener.refused >= IDLE_CONNECTIONS - 10 * config.max_connections
        assert all(b"32 connections open already" in a for a in refused)
        with connect_simulator(server.port, seconds=10) as sim:
            assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"


def test_a_websocket_handshake_that_sends_nothing_is_dropped(steering_fn, frame_jpeg):
    config = ServerConfig(port=0, stats_interval_s=0, idle_timeout_s=0.5)
    with create_app(config, steering_fn, PIController()) as server:
        with SimulatorLink("127.0.0.1", server.port, timeout=5) as silent, SimulatorWireClient(
            "127.0.0.1", server.port
        ) as sim:
            started = time.monotonic()
            assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"
            with pytest.raises(WireError):
                silent.next_event()  # the server closes it
            assert time.monotonic() - started < 3
            time.sleep(1.0)  # the simulator sent a frame: it is not idle, however long it waits
            assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"
        assert server.guard.idle_dropped == 1


def test_an_abandoned_polling_handshake_is_dropped(steering_fn):
    config = ServerConfig(port=0, stats_interval_s=0, idle_timeout_s=0.5)
    with create_app(config, steering_fn, PIController()) as server:
        url = f"http://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=polling"
        with urllib.request.urlopen(url, timeout=10) as response:
            sid = response.read().decode().split('"sid":"')[1].split('"')[0]
        deadline = time.monotonic() + 5
        while sid in server.sio.eio.sockets and not server.sio.eio.sockets[sid].closed and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.guard.idle_dropped == 1
        with pytest.raises(urllib.error.HTTPError, match="400"):
            urllib.request.urlopen(f"{url}&sid={sid}", timeout=10)


def test_engineio_sessions_are_capped(steering_fn):
    config = ServerConfig(port=0, stats_interval_s=0, max_connections=2, idle_timeout_s=30)
    with create_app(config, steering_fn, PIController()) as server:
        url = f"http://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=polling"
        for _ in range(2):
            urllib.request.urlopen(url, timeout=10).close()
        with pytest.raises(urllib.error.HTTPError, match="401"):
            urllib.request.urlopen(url, timeout=10)
        assert server.guard.refused == 1


def flood_until_cut(port: int, message: str, limit: int) -> int:
    """Send `message` over one connection without reading answers; how many went out before the server cut it."""
    link = SimulatorLink("127.0.0.1", port, timeout=5)
    try:
        for sent in range(limit):
            link._ws.send(message)
    except (OSError, websocket.WebSocketException):
        return sent
    finally:
        link.close()
    return limit


@pytest.mark.parametrize(
    ("name", "message", "limit", "max_messages_per_s"),
    [
        ("0.9 MB messages", event_packet("telemetry", telemetry_payload(0, 0, 5, "A" * 900_000)), 40, None),
        # A budget of 100 messages/s: the default 1000/s is cut only where the test client sends faster,
        # which a loaded 2-core machine does not.
        ("tiny messages", event_packet("honk", 1), 20_000, 100.0),
    ],
)
def test_a_flooding_client_is_cut_off_and_the_driver_goes_on(steering_fn, frame_jpeg, name, message, limit,
                                                             max_messages_per_s):
    budget = {} if max_messages_per_s is None else {"max_messages_per_s": max_messages_per_s}
    config = ServerConfig(port=0, stats_interval_s=0, **budget)
    with create_app(config, steering_fn, PIController(ControllerConfig())) as server:
        with SimulatorWireClient("127.0.0.1", server.port) as sim:
            assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"  # it drives: the flood is a guest
            assert flood_until_cut(server.port, message, limit) < limit
            for speed in range(5):
                assert sim.telemetry(make_telemetry(frame_jpeg, speed=speed))[0] == "steer"
        assert server.guard.flood_dropped == 1


@pytest.mark.parametrize("field", ["driver_bytes_per_s", "guest_bytes_per_s"])
def test_a_budget_below_one_message_names_the_field(field):
    with pytest.raises(ValueError, match=field):
        ServerConfig(**{field: 100_000})
