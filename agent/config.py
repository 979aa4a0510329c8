"""Configuration of the drive server, one frozen dataclass per concern.

Defaults live only here. Each field's help text (used for its command-line
flag) gives its unit; `__post_init__` rejects bad values and names the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["ServerConfig", "ControllerConfig", "RecordConfig"]

# The Udacity simulator connects to ws://127.0.0.1:4567 (hard-coded in its Unity scene).
SIMULATOR_PORT = 4567
# A simulator frame is a 320x160 JPEG, about 10-30 kB, about 40 kB once base64 in JSON;
# 1 MB leaves a wide margin and refuses anything that is plainly not a frame.
DEFAULT_MAX_MESSAGE_BYTES = 1_000_000
# Below this a real frame (up to ~100 kB at JPEG quality 100, base64) could be refused.
MIN_MESSAGE_BYTES = 256 * 1024

T = TypeVar("T")


def _require(condition: bool, name: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{name}: {message}")


def _help(default: T, text: str) -> T:
    """A field with a default and the help text of its command-line flag."""
    return field(default=default, metadata={"help": text})  # type: ignore[return-value]


@dataclass(frozen=True)
class ServerConfig:
    """Where and how the drive server listens."""

    host: str = _help("127.0.0.1", "interface to listen on (0.0.0.0 for all)")
    port: int = _help(SIMULATOR_PORT, "TCP port; 0 picks a free one")
    max_message_bytes: int = _help(
        DEFAULT_MAX_MESSAGE_BYTES, "bytes; a larger WebSocket message closes that connection"
    )
    stats_interval_s: float = _help(
        10.0, "seconds between latency reports in the log; 0 = only at exit"
    )
    ping_interval_s: float = _help(25.0, "seconds between Engine.IO pings to a client")
    ping_timeout_s: float = _help(
        20.0, "seconds a client may stay silent after a ping before it is dropped"
    )

    def __post_init__(self) -> None:
        _require(bool(self.host), "host", "must not be empty")
        _require(0 <= self.port <= 65535, "port", f"must be in 0..65535, got {self.port}")
        _require(
            self.max_message_bytes >= MIN_MESSAGE_BYTES,
            "max_message_bytes",
            f"must be >= {MIN_MESSAGE_BYTES} (a frame is ~40 kB), got {self.max_message_bytes}",
        )
        _require(self.stats_interval_s >= 0, "stats_interval_s", "must be >= 0")
        _require(self.ping_interval_s > 0, "ping_interval_s", "must be > 0")
        _require(self.ping_timeout_s > 0, "ping_timeout_s", "must be > 0")


@dataclass(frozen=True)
class ControllerConfig:
    """PI speed controller; the throttle it gives is clamped to the simulator's range."""

    set_speed: float = _help(9.0, "target speed in mph (Udacity's drive.py uses 9)")
    kp: float = _help(0.1, "proportional gain, throttle per mph of error")
    ki: float = _help(0.05, "integral gain, throttle per mph*s of accumulated error")
    integral_limit: float = _help(
        0.5, "anti-windup: |ki * integral| never exceeds this (throttle units)"
    )
    throttle_min: float = _help(-1.0, "lowest throttle sent; negative brakes (simulator: -1..1)")
    throttle_max: float = _help(1.0, "highest throttle sent (simulator: -1..1)")
    turn_slowdown: float = _help(
        0.0, "fraction of the set speed removed at full steering lock; 0 = off"
    )
    max_dt_s: float = _help(
        0.2, "longest time step integrated at once (s), so a pause cannot wind up"
    )

    def __post_init__(self) -> None:
        for name in ("set_speed", "kp", "ki", "integral_limit", "max_dt_s"):
            value = getattr(self, name)
            _require(math.isfinite(value) and value >= 0, name, f"must be finite and >= 0, got {value}")
        _require(self.set_speed <= 30.0, "set_speed", "the simulator's top speed is about 30 mph")
        _require(
            -1.0 <= self.throttle_min < self.throttle_max <= 1.0,
            "throttle_min",
            f"need -1 <= throttle_min < throttle_max <= 1, got {self.throttle_min}, {self.throttle_max}",
        )
        _require(0.0 <= self.turn_slowdown < 1.0, "turn_slowdown", "must be in [0, 1)")
        _require(self.max_dt_s > 0, "max_dt_s", "must be > 0")


@dataclass(frozen=True)
class RecordConfig:
    """Recording an autonomous run in the simulator's format."""

    folder: str = _help("", "run folder (IMG/ + driving_log.csv); empty = do not record")
    overwrite: bool = _help(
        False, "record into a non-empty folder; files are added, none is deleted"
    )
    queue_frames: int = _help(
        256, "frames waiting for the writer thread before the server waits for the disk"
    )

    def __post_init__(self) -> None:
        _require(self.queue_frames >= 1, "queue_frames", "must be >= 1")
