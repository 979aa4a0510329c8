"""The live dashboard of the drive server: a page in the browser beside the simulator.

Routes on the drive server's own Flask app (so the page has the server's origin):

    GET /             the page (agent/static/dashboard.html, .js, plot.js, style.css)
    GET /status.json  counters: frames, latency p50/p99, bad and manual frames,
                      the last command and speed, the recording's folder and rows
    GET /frame.jpg    the last centre frame, as the simulator sent it

Why polling and not a push: the telemetry handler must not wait for a browser.
It keeps a reference to the last frame's base64 text and numbers (one tuple
assignment, no encoding); the page asks for the status ten times a second and
for a frame only when a new one arrived, and the frame is base64-decoded here.
Whatever the simulator's rate, a page gets at most 10 frames a second, and the
server refuses a frame sooner than `MIN_FRAME_INTERVAL_S` after the last one for
all pages together (a runaway client gets 429), so browsers cost the server's
event loop a bounded amount. A page opened from a browser holds no Socket.IO connection,
so it never counts as a driver.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify

from agent.stats import LatencyStats

__all__ = ["Dashboard", "MIN_FRAME_INTERVAL_S"]

# Shortest time between two frames sent to browsers, all pages together (s): 12.5
# frames/s at most. The page asks 10 times a second (dashboard.js); the margin
# keeps its timer's jitter from being refused.
MIN_FRAME_INTERVAL_S = 0.08
PAGE = "dashboard.html"


@dataclass(frozen=True)
class LatestFrame:
    """What the telemetry handler keeps of the last driven frame."""

    number: int  # frames answered when it arrived (1 for the first)
    image_b64: str  # the centre camera's JPEG, base64, as the simulator sent it
    speed: float  # mph
    steering: float  # steering sent (normalised)
    throttle: float  # throttle sent


class Dashboard:
    """The dashboard routes of one drive server, and the last frame they show."""

    def __init__(self, stats: Callable[[], LatencyStats], server_status: Callable[[], Mapping[str, Any]]) -> None:
        """Show the latency stats `stats()` returns and what `server_status()` returns.

        Args:
            stats: the server's current latency stats (a benchmark starts new ones each round).
            server_status: the server's own counters, called per request:
                {"bad_frames", "manual_frames", "recording": {"folder", "rows"} or None}.
        """
        self.stats = stats
        self.server_status = server_status
        self.latest: LatestFrame | None = None
        self.frames_sent = 0  # frames served to browsers
        self._jpeg: tuple[int, bytes] = (0, b"")  # (frame number, decoded JPEG) last served
        self._sent_at = float("-inf")  # time.monotonic() of the last frame served

    def attach(self, app: Flask) -> None:
        """Add the page, `/status.json` and `/frame.jpg` to `app` (whose static folder is agent/static)."""
        app.add_url_rule("/", "dashboard", lambda: app.send_static_file(PAGE))
        app.add_url_rule("/status.json", "status", self._status)
        app.add_url_rule("/frame.jpg", "frame", self._frame)

    def keep(self, image_b64: str, speed: float, steering: float, throttle: float) -> None:
        """Remember the last driven frame; called by the telemetry handler, so it only assigns."""
        self.latest = LatestFrame(self.stats().frames, image_b64, speed, steering, throttle)

    def status(self) -> dict[str, Any]:
        """The counters the page and scripts read."""
        summary = self.stats().summary()
        latest, server = self.latest, self.server_status()
        return {
            "server": "bcloning drive server",
            "frames": summary.frames,
            "p50_ms": summary.p50_ms,
            "p99_ms": summary.p99_ms,
            "bad_frames": server["bad_frames"],
            "manual_frames": server["manual_frames"],
            "frame": latest.number if latest else 0,
            "steering": latest.steering if latest else None,
            "throttle": latest.throttle if latest else None,
            "speed": latest.speed if latest else None,
            "recording": server["recording"],
            "frames_to_browser": self.frames_sent,
        }

    def _status(self) -> Response:
        response = jsonify(self.status())
        response.headers["Cache-Control"] = "no-store"
        return response

    def _frame(self) -> Response:
        latest = self.latest
        if latest is None:
            return Response("no frame yet", status=404, mimetype="text/plain")
        now = time.monotonic()
        if latest.number != self._jpeg[0]:
            if now - self._sent_at < MIN_FRAME_INTERVAL_S:
                return Response("too many frames", status=429, headers={"Retry-After": "1"}, mimetype="text/plain")
            # Only frames the telemetry decoder accepted are kept, so this is valid base64.
            self._jpeg = (latest.number, base64.b64decode(latest.image_b64))
            self._sent_at = now
            self.frames_sent += 1
        return Response(self._jpeg[1], mimetype="image/jpeg", headers={"Cache-Control": "no-store"})
