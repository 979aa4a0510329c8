"""Who may connect: no Origin (the simulator) and the server's own origin by default, --allow-origin
adds others, and on loopback a request for another host name (DNS rebinding) is refused."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
import websocket

from agent import PIController, ServerConfig, create_app
from agent.guard import OriginPolicy, is_loopback
from tests.agent.sim_client import SimulatorWireClient, make_telemetry

ALLOWED = "http://localhost:8000"


@pytest.fixture(scope="module")
def server(steering_fn):
    config = ServerConfig(port=0, stats_interval_s=0, allow_origin=f"{ALLOWED}, http://127.0.0.1:9999")
    with create_app(config, steering_fn, PIController()) as running:
        yield running


def open_websocket(port: int, **headers: object) -> str:
    """The first frame the server sends a WebSocket client with these handshake options.

    websocket-client sends `Origin: http://127.0.0.1:PORT` (the URL's) unless told otherwise.
    """
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=10, **headers)
    try:
        return ws.recv()
    finally:
        ws.close()


def polling(port: int, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Status and headers of a polling handshake with these request headers."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_simulator_without_origin_drives(server, frame_jpeg):
    with SimulatorWireClient("127.0.0.1", server.port) as sim:
        assert sim.telemetry(make_telemetry(frame_jpeg))[0] == "steer"


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:8001"])
def test_foreign_origin_is_refused(server, origin):
    with pytest.raises(websocket.WebSocketBadStatusException, match="400"):
        open_websocket(server.port, origin=origin)
    status, headers = polling(server.port, {"Origin": origin})
    assert status == 400
    assert "Access-Control-Allow-Origin" not in headers and "Access-Control-Allow-Credentials" not in headers


def test_own_and_allowed_origins_are_served(server):
    for origin in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}", ALLOWED):
        host = f"localhost:{server.port}" if "localhost" in origin and origin != ALLOWED else f"127.0.0.1:{server.port}"
        assert open_websocket(server.port, origin=origin, host=host).startswith("0{")
    status, headers = polling(server.port, {"Origin": ALLOWED})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4567", "127.0.0.1.nip.io", "LOCALHOST.evil"])
def test_unknown_host_is_refused_on_loopback(server, host):
    with pytest.raises(websocket.WebSocketBadStatusException, match="421"):
        open_websocket(server.port, host=host, suppress_origin=True)
    status, _ = polling(server.port, {"Host": host})
    assert status == 421
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/status.json", headers={"Host": host})
    with pytest.raises(urllib.error.HTTPError, match="421"):
        urllib.request.urlopen(request, timeout=10)


def test_a_page_on_a_rebound_domain_is_refused(server):
    """The attacker's page at evil.example, its name now resolving to 127.0.0.1: same origin as its Host."""
    with pytest.raises(websocket.WebSocketBadStatusException, match="421"):
        open_websocket(server.port, host=f"evil.example:{server.port}", origin=f"http://evil.example:{server.port}")


def test_any_host_is_served_beyond_loopback(steering_fn):
    config = ServerConfig(host="0.0.0.0", port=0, stats_interval_s=0)
    with create_app(config, steering_fn, PIController()) as server:
        assert open_websocket(server.port, host="drive-box.lan", suppress_origin=True).startswith("0{")


def test_origin_policy_and_loopback_names():
    policy = OriginPolicy(["http://localhost:8000/"])
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:4567"}
    assert policy("http://127.0.0.1:4567", environ) and policy("http://localhost:8000", environ)
    assert not policy("https://127.0.0.1:4567", environ) and not policy("http://127.0.0.1:4568", environ)
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "localhost", "0.0.0.0", "192.168.1.2")] == [
        True, True, True, False, False,
    ]


@pytest.mark.parametrize("value", ["evil.example", "http://a.example/path", "http://a.example,ftp:/x"])
def test_bad_allow_origin_names_the_field(value):
    with pytest.raises(ValueError, match="allow_origin"):
        ServerConfig(allow_origin=value)
