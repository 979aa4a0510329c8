"""Configuration of the drive server, one frozen dataclass per concern.

Defaults live only here. Each field's help text (used for its command-line
flag) gives its unit; `__post_init__` rejects bad values and names the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from recorder.config_fields import check_range, setting

__all__ = ["ServerConfig", "ControllerConfig", "RunRecordingConfig"]

# The Udacity simulator connects to ws://127.0.0.1:4567 (hard-coded in its Unity scene).
SIMULATOR_PORT = 4567
# A simulator frame is a 320x160 JPEG, about 10-30 kB, about 40 kB once base64 in JSON;
# 1 MB leaves a wide margin and refuses anything that is plainly not a frame.
DEFAULT_MAX_MESSAGE_BYTES = 1_000_000
# Below this a real frame (up to ~100 kB at JPEG quality 100, base64) could be refused.
MIN_MESSAGE_BYTES = 256 * 1024
# Connections served at once. The simulator needs one, a dashboard page a few
# (browsers open up to 6 per host); eventlet's own default pool is 1024 greenthreads.
DEFAULT_MAX_CONNECTIONS = 64
# Above this, select()-style limits and the fds of one process come into play.
MAX_CONNECTIONS_LIMIT = 1000
# Sending budgets. The simulator sends one ~20-40 kB frame per answer, at most a
# few hundred answers a second (Unity: one per rendered frame): under 10 MB/s and
# 400 messages/s. The driving connection may send twice that. Any other
# connection (a second simulator, a test client) is served at a fraction of it,
# so that a flood from it is cut after one message of the 1 MB maximum (a burst
# of FLOOD_BURST_S at 0.5 MB/s); 0.5 MB/s is still 12 simulator frames a second.
# A burst may spend FLOOD_BURST_S seconds of a budget at once.
DEFAULT_DRIVER_BYTES_PER_S = 20_000_000
DEFAULT_GUEST_BYTES_PER_S = 500_000
DEFAULT_MAX_MESSAGES_PER_S = 1000.0
FLOOD_BURST_S = 2.0
# An origin as browsers send it: scheme://host[:port], nothing after.
ORIGIN_PATTERN = r"[a-z][a-z0-9+.-]*://[^/\s,]+"


def _require(condition: bool, name: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{name}: {message}")


@dataclass(frozen=True)
class ServerConfig:
    """Where and how the drive server listens."""

    host: str = setting("127.0.0.1", "interface to listen on (0.0.0.0 for all)")
    port: int = setting(SIMULATOR_PORT, "TCP port; 0 picks a free one")
    max_message_bytes: int = setting(
        DEFAULT_MAX_MESSAGE_BYTES, "bytes; a larger WebSocket message closes that connection"
    )
    stats_interval_s: float = setting(
        10.0, "seconds between latency reports in the log; 0 = only at exit"
    )
    ping_interval_s: float = setting(25.0, "seconds between Engine.IO pings to a client")
    ping_timeout_s: float = setting(
        20.0, "seconds a client may stay silent after a ping before it is dropped"
    )
    allow_origin: str = setting(
        "",
        "comma-separated origins (scheme://host[:port]) whose pages may connect, besides "
        "the server's own origin and clients that send no Origin header (the simulator)",
    )
    max_connections: int = setting(
        DEFAULT_MAX_CONNECTIONS, "open TCP connections served at once; more are answered 503 and closed"
    )
    idle_timeout_s: float = setting(
        5.0,
        "seconds a connection may wait before its first request, and a new session before "
        "its first message, before it is dropped",
    )
    driver_bytes_per_s: float = setting(
        DEFAULT_DRIVER_BYTES_PER_S,
        "bytes/s the driving connection may send on average (bursts: 2 s of it); more disconnects it",
    )
    guest_bytes_per_s: float = setting(
        DEFAULT_GUEST_BYTES_PER_S,
        "bytes/s any other connection may send on average (bursts: 2 s of it); more disconnects it",
    )
    max_messages_per_s: float = setting(
        DEFAULT_MAX_MESSAGES_PER_S,
        "messages/s a connection may send on average (bursts: 2 s of it); more disconnects it",
    )

    def __post_init__(self) -> None:
        _require(bool(self.host), "host", "must not be empty")
        check_range("port", self.port, low=0, high=65535)
        check_range("max_message_bytes", self.max_message_bytes, low=MIN_MESSAGE_BYTES, unit="(a frame is ~40 kB)")
        check_range("stats_interval_s", self.stats_interval_s, low=0)
        check_range("ping_interval_s", self.ping_interval_s, low=0, low_open=True)
        check_range("ping_timeout_s", self.ping_timeout_s, low=0, low_open=True)
        for origin in self.allowed_origins:
            _require(
                re.fullmatch(ORIGIN_PATTERN, origin) is not None,
                "allow_origin",
                f"{origin!r} is not an origin like http://localhost:8000 (scheme://host[:port], no path)",
            )
        check_range("max_connections", self.max_connections, low=1, high=MAX_CONNECTIONS_LIMIT)
        check_range("idle_timeout_s", self.idle_timeout_s, low=0, low_open=True)
        for name in ("driver_bytes_per_s", "guest_bytes_per_s"):
            _require(
                getattr(self, name) * FLOOD_BURST_S >= self.max_message_bytes,
                name,
                f"a burst ({FLOOD_BURST_S:g} s of it) must hold one message of max_message_bytes "
                f"({self.max_message_bytes}), got {getattr(self, name)}",
            )
        check_range("max_messages_per_s", self.max_messages_per_s, low=1)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """The origins of `allow_origin`, as a tuple."""
        return tuple(part.strip() for part in self.allow_origin.split(",") if part.strip())


@dataclass(frozen=True)
class ControllerConfig:
    """PI speed controller; the throttle it gives is clamped to the simulator's range."""

    set_speed: float = setting(9.0, "target speed in mph (Udacity's drive.py uses 9)")
    kp: float = setting(0.1, "proportional gain, throttle per mph of error")
    ki: float = setting(0.05, "integral gain, throttle per mph*s of accumulated error")
    integral_limit: float = setting(
        0.5, "anti-windup: |ki * integral| never exceeds this (throttle units)"
    )
    throttle_min: float = setting(-1.0, "lowest throttle sent; negative brakes (simulator: -1..1)")
    throttle_max: float = setting(1.0, "highest throttle sent (simulator: -1..1)")
    turn_slowdown: float = setting(
        0.0, "fraction of the set speed removed at full steering lock; 0 = off"
    )
    max_dt_s: float = setting(
        0.2, "longest time step integrated at once (s), so a pause cannot wind up"
    )

    def __post_init__(self) -> None:
        for name in ("set_speed", "kp", "ki", "integral_limit", "max_dt_s"):
            check_range(name, getattr(self, name), low=0, high=math.inf, high_open=True)
        _require(self.set_speed <= 30.0, "set_speed", "the simulator's top speed is about 30 mph")
        _require(
            -1.0 <= self.throttle_min < self.throttle_max <= 1.0,
            "throttle_min",
            f"need -1 <= throttle_min < throttle_max <= 1, got {self.throttle_min}, {self.throttle_max}",
        )
        check_range("turn_slowdown", self.turn_slowdown, low=0, high=1, high_open=True)
        check_range("max_dt_s", self.max_dt_s, low=0, low_open=True)


@dataclass(frozen=True)
class RunRecordingConfig:
    """Recording an autonomous run in the simulator's format."""

    folder: str = setting("", "run folder (IMG/ + driving_log.csv); empty = do not record")
    overwrite: bool = setting(
        False, "record into a non-empty folder; files are added, none deleted, an earlier log renamed"
    )
    queue_frames: int = setting(
        256, "frames waiting for the writer thread before the server waits for the disk"
    )

    def __post_init__(self) -> None:
        check_range("queue_frames", self.queue_frames, low=1)
