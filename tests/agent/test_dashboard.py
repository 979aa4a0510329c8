"""The live dashboard: its routes on a real drive server, and the page in a real headless Chromium."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from agent import PIController, ServerConfig, create_app
from agent.dashboard import MIN_FRAME_INTERVAL_S
from simulator.autonomous import DriveConfig, drive
from simulator.simulation import SimulatorConfig
from simulator.track import TrackConfig
from simulator.wire import WireError
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from tests.browser import browser_fixture, wait_for

pytestmark = pytest.mark.slow  # live servers and a headless browser

STATIC = Path(__file__).resolve().parents[2] / "agent" / "static"

browser = browser_fixture()


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


@pytest.fixture
def server(steering_fn):
    """A drive server of its own, so frame counts start at zero."""
    with create_app(ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController()) as live:
        yield live


def test_page_and_status_json_are_served_and_the_page_loads_nothing_from_elsewhere(server):
    base = f"http://127.0.0.1:{server.port}"
    status, page, kind = _get(base + "/")
    assert status == 200 and kind.startswith("text/html") and b"/static/dashboard.js" in page
    for name in ("dashboard.js", "plot.js", "style.css"):
        assert _get(f"{base}/static/{name}")[0] == 200
    status, body, kind = _get(base + "/status.json")
    counters = json.loads(body)
    assert kind == "application/json" and counters["frames"] == 0 and counters["recording"] is None
    for path in STATIC.iterdir():  # offline: no URL with a scheme or a protocol-relative one
        assert not re.search(r"(https?:)?//[a-z0-9]", path.read_text(), re.I), path


def test_frame_is_the_last_jpeg_driven_and_a_greedy_client_is_refused_frames(server):
    base = f"http://127.0.0.1:{server.port}"
    assert _get(base + "/frame.jpg")[0] == 404  # nothing driven yet
    jpegs = [jpeg_bytes(camera_frame(seed=seed)) for seed in range(4)]
    with SimulatorWireClient("127.0.0.1", server.port) as sim:
        sim.telemetry(make_telemetry(jpegs[0], speed=3.0))
        status, body, kind = _get(base + "/frame.jpg")
        assert (status, body, kind) == (200, jpegs[0], "image/jpeg")
        statuses, start = [], time.monotonic()
        while time.monotonic() - start < 1.0:  # a greedy client, a new frame before each request
            sim.telemetry(make_telemetry(jpegs[len(statuses) % 4], speed=3.0))
            statuses.append(_get(base + "/frame.jpg")[0])
    served = statuses.count(200)
    assert 429 in statuses and set(statuses) == {200, 429}  # refused, not slowed down
    assert 2 <= served <= 1 / MIN_FRAME_INTERVAL_S + 1
    counters = json.loads(_get(base + "/status.json")[1])
    assert counters["frames_to_browser"] == served + 1
    assert counters["speed"] == 3.0 and -1.0 <= counters["steering"] <= 1.0


def _drive_until_stopped(port: int, errors: list[Exception]) -> None:
    """The built-in simulator in autonomous mode; it ends when the server stops (or after its cap)."""
    try:
        drive(DriveConfig(port=port, laps=1, timeout_s=10, max_sim_s=600), SimulatorConfig(track=TrackConfig(seed=1)))
    except WireError:
        pass  # the server stopped under it: the end of the test
    except Exception as exc:  # noqa: BLE001 - reported by the test thread
        errors.append(exc)


def test_dashboard_shows_the_car_view_and_moving_plots_while_the_simulator_drives(browser, steering_fn):
    errors: list[Exception] = []
    server = create_app(ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController()).start()
    car = threading.Thread(target=_drive_until_stopped, args=(server.port, errors), daemon=True)
    try:
        car.start()
        browser.get(f"http://127.0.0.1:{server.port}/")
        wait_for(lambda: browser.execute_script(
            "const img = document.getElementById('frame'); return img.complete && img.naturalWidth === 320"
            " && Number(document.body.dataset.shownFrame) > 0"), what="a camera frame on the page")
        plot = "return document.getElementById('plot-steering').toDataURL()"
        first_plot, first_samples = browser.execute_script(plot), int(browser.execute_script(
            "return document.body.dataset.samples"))
        first_frame = int(browser.execute_script("return document.body.dataset.shownFrame"))
        wait_for(lambda: int(browser.execute_script("return document.body.dataset.samples")) >= first_samples + 5,
                 what="five more plotted samples")
        assert browser.execute_script(plot) != first_plot  # the plots scrolled
        assert int(browser.execute_script("return document.body.dataset.shownFrame")) > first_frame
        wait_for(lambda: browser.find_element("id", "connection").text == "driving", what="the 'driving' badge")
        assert int(browser.find_element("id", "frames").text) > 0
        assert server.dashboard.frames_sent >= 2
    finally:
        server.stop()
        car.join(30)
    assert not errors and not car.is_alive()
