"""Always stoppable: the server ends within 3 s whatever its clients do (an abandoned polling
handshake, a silent WebSocket, a client stopped mid-message, a connection that sent nothing)."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import time
import urllib.request

import pytest

from agent import PIController, ServerConfig, create_app
from simulator.wire import SimulatorLink
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from tests.commands.test_drive import DriveProcess
from training.model import build_pilotnet
from training.model_file import save_model

STOP_WITHIN_S = 3.0


def stalled_mid_message(port: int) -> socket.socket:
    """A WebSocket client that sent the first 10 bytes of a 100 kB frame and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    # A masked text frame with a 64-bit length of 100,000, its zero mask, then 3 of those bytes.
    sock.sendall(b"\x81\xff" + (100_000).to_bytes(8, "big") + b"\x00\x00\x00\x00" + b"42[")
    return sock


def hostile_clients(port: int) -> list:
    """Every kind of client the issue found holding a stop: kept open until the test ends."""
    polling = urllib.request.urlopen(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=10)
    assert polling.read().startswith(b"0{")  # the handshake, then never a poll again
    return [
        polling,
        SimulatorLink("127.0.0.1", port, timeout=10),  # handshake done, then silent
        stalled_mid_message(port),
        socket.create_connection(("127.0.0.1", port), timeout=10),  # not a byte sent
    ]


def test_stop_ends_the_server_within_3_s_whatever_the_clients_do(steering_fn, frame_jpeg):
    # Long timeouts, so that no idle timeout ends these clients before the stop does.
    config = ServerConfig(port=0, stats_interval_s=0, idle_timeout_s=60)
    server = create_app(config, steering_fn, PIController()).start()
    sim = SimulatorWireClient("127.0.0.1", server.port)
    clients = hostile_clients(server.port)
    try:
        assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"
        started = time.monotonic()
        server.stop(timeout=10)
        assert time.monotonic() - started < STOP_WITHIN_S
        assert not server._thread.is_alive()
        assert server.stats.summary().frames == 1
    finally:
        sim.close()
        for client in clients:
            client.close()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM])
def test_drive_ends_within_3_s_of_a_signal_with_its_recording_and_stats(tmp_path, frame_jpeg, signum):
    """The real command: SIGINT takes the same path, and tests/commands/test_drive.py sends it."""
    model = save_model(build_pilotnet(seed=1), tmp_path / "model.keras")
    run = tmp_path / "run"
    with DriveProcess([str(model), str(run), "--idle-timeout-s", "60"], tmp_path) as drive:
        port = int(drive.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        with SimulatorWireClient("127.0.0.1", port) as sim:
            for speed in range(5):
                assert sim.telemetry(make_telemetry(frame_jpeg, speed=1.0 + speed))[0] == "steer"
            clients = hostile_clients(port)
            started = time.monotonic()
            drive.process.send_signal(signum)
            code = drive.process.wait(timeout=30)
            elapsed = time.monotonic() - started
            for client in clients:
                client.close()
    assert code == 0 and elapsed < STOP_WITHIN_S, (code, elapsed, drive.log)
    assert re.search(r"final telemetry->steer: frames=5 p50=", drive.log)
    assert "Traceback" not in drive.log
    rows = (run / "driving_log.csv").read_text().strip().splitlines()
    assert len(rows) == 5
