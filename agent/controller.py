"""PI speed controller: the throttle that holds a set speed.

Udacity's drive.py integrates the error once per frame, so its gains depend on
the frame rate (about 10 fps with `model.predict`, over 200 fps here). This one
integrates over real time, clamps the integral (anti-windup: a car held still,
or a long pause, does not store up a full-throttle surge), and clamps the
throttle to the simulator's range.
"""

from __future__ import annotations

import math

from agent.config import ControllerConfig

__all__ = ["PIController"]


class PIController:
    """Throttle from speed error; optionally aims slower in sharp turns."""

    def __init__(self, config: ControllerConfig = ControllerConfig()) -> None:
        self.config = config
        self.integral = 0.0  # accumulated speed error (mph*s)
        self._last_time: float | None = None

    def reset(self) -> None:
        """Forget the integral and the time of the last update (a new connection)."""
        self.integral = 0.0
        self._last_time = None

    def target_speed(self, steering: float) -> float:
        """Set speed, reduced by `turn_slowdown` in proportion to |steering| (mph)."""
        lock = min(abs(steering), 1.0) if math.isfinite(steering) else 1.0
        return self.config.set_speed * (1.0 - self.config.turn_slowdown * lock)

    def update(self, speed: float, steering: float, now: float) -> float:
        """Return the throttle for the measured `speed` (mph) at time `now` (s)."""
        cfg = self.config
        dt = 0.0 if self._last_time is None else min(max(now - self._last_time, 0.0), cfg.max_dt_s)
        self._last_time = now
        error = self.target_speed(steering) - speed
        if cfg.ki > 0:
            limit = cfg.integral_limit / cfg.ki
            self.integral = min(max(self.integral + error * dt, -limit), limit)
        throttle = cfg.kp * error + cfg.ki * self.integral
        return min(max(throttle, cfg.throttle_min), cfg.throttle_max)
