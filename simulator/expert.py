"""The expert driver: pure pursuit along the centre line, with drift-and-recover manoeuvres.

Pure pursuit (Coulter 1992) steers the rear axle onto the arc that passes
through a target point a lookahead distance ahead on the path; the lookahead
grows with speed so the car does not weave. A model cloned from perfect centre
driving never sees the car off-centre and cannot recover, so every so often the
expert lets the car drift towards one side (a target path offset sideways) and
then steers back: the way people record "recovery laps" in the Udacity
simulator. Like such people, the expert pauses the recording while drifting
out (those frames would teach the drift) and records the recovery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recorder.config_fields import check_range, setting
from simulator.car import MAX_STEER_DEG, MPH, CarConfig, CarState, holding_throttle
from simulator.checks import check_ranges
from simulator.track import Track

__all__ = ["ExpertConfig", "Expert", "ExpertAction", "pure_pursuit_steering"]


@dataclass(frozen=True)
class ExpertConfig:
    """How the expert drives."""

    speed_mph: float = setting(15.0, "expert's cruising speed (mph, <= 30)", aliases=("--speed",))
    # 7.5 m makes a 1 m sideways offset ask for about 0.2 steering, the usual
    # side-camera correction, with the cameras 1 m apart
    lookahead_min: float = setting(7.5, "shortest pure-pursuit lookahead (m)")
    lookahead_time: float = setting(0.5, "above --lookahead-min, the lookahead is this many seconds of travel (s)")
    speed_gain: float = setting(0.4, "throttle per m/s below the cruising speed (brake when negative)")
    drift_every: float = setting(8.0, "mean seconds between drift-and-recover manoeuvres (0 = never)")
    drift_min: float = setting(1.2, "smallest sideways offset a drift reaches (m)")
    drift_max: float = setting(3.0, "largest sideways offset a drift reaches (m)")
    drift_lookahead: float = setting(6.0, "lookahead while drifting out: smaller drifts out faster (m)")
    settle: float = setting(0.3, "a recovery ends when the car is this close to the centre line (m)")
    steering_noise: float = setting(0.0, "std of the noise added to the steering actually applied")
    seed: int = setting(0, "seed of the manoeuvres' timing, side and size")

    def __post_init__(self) -> None:
        check_ranges(self, non_negative=("seed", "drift_every", "steering_noise"))
        check_range("speed_mph", self.speed_mph, high=30, unit="(the car's top speed)")
        if self.drift_max < self.drift_min:
            raise ValueError("drift_max must be >= drift_min")


@dataclass(frozen=True)
class ExpertAction:
    """One step's controls and whether the frame belongs in the recording."""

    steering: float  # normalised [-1, 1], > 0 right
    throttle: float  # [0, 1]
    brake: float  # [0, 1]
    record: bool  # False while drifting out (the recording is paused)
    phase: str  # "cruise", "drift" or "recover"


def pure_pursuit_steering(
    state: CarState, target_x: float, target_y: float, wheelbase: float
) -> float:
    """Normalised steering (> 0 right) that puts the rear axle on an arc through the target."""
    dx, dy = target_x - state.x, target_y - state.y
    c, s = math.cos(state.heading), math.sin(state.heading)
    ahead, left = c * dx + s * dy, -s * dx + c * dy
    distance2 = ahead * ahead + left * left
    if distance2 < 1e-9:
        return 0.0
    curvature = 2.0 * left / distance2  # > 0 turns left
    angle = math.degrees(math.atan(wheelbase * curvature))
    return float(np.clip(-angle / MAX_STEER_DEG, -1.0, 1.0))


class Expert:
    """Drives a car around a track; `act(state)` gives one step's controls."""

    def __init__(self, track: Track, config: ExpertConfig = ExpertConfig(), car: CarConfig = CarConfig()) -> None:
        self.track = track
        self.config = config
        self.car = car
        self.rng = np.random.default_rng(config.seed)
        self.phase = "cruise"
        self._offset = 0.0  # sideways offset (m, > 0 left) of the path being followed
        self._next_drift = self._draw_wait()

    def _draw_wait(self) -> float:
        if self.config.drift_every == 0:
            return math.inf
        return float(self.rng.exponential(self.config.drift_every)) + 2.0

    def _update_phase(self, cte: float) -> None:
        cfg = self.config
        if self.phase == "cruise":
            self._next_drift -= self.car.dt
            if self._next_drift <= 0:
                self.phase = "drift"
                side = 1.0 if self.rng.random() < 0.5 else -1.0
                self._offset = side * self.rng.uniform(cfg.drift_min, cfg.drift_max)
        elif self.phase == "drift":
            if abs(cte) >= abs(self._offset) - cfg.settle:
                self.phase, self._offset = "recover", 0.0
        elif self.phase == "recover" and abs(cte) <= cfg.settle:
            self.phase = "cruise"
            self._next_drift = self._draw_wait()

    def act(self, state: CarState) -> ExpertAction:
        """The controls for the next step from `state` (advances the manoeuvre timer)."""
        cfg = self.config
        s, cte = self.track.project(state.x, state.y)
        self._update_phase(cte)
        if self.phase == "drift":
            lookahead = cfg.drift_lookahead
        else:
            lookahead = max(cfg.lookahead_min, cfg.lookahead_time * state.speed)
        x, y, heading = self.track.point_at(s + lookahead)
        x -= math.sin(heading) * self._offset
        y += math.cos(heading) * self._offset
        steering = pure_pursuit_steering(state, x, y, self.car.wheelbase)
        if cfg.steering_noise > 0:
            steering = float(np.clip(steering + self.rng.normal(0, cfg.steering_noise), -1, 1))
        target = cfg.speed_mph * MPH
        # Feed-forward for the drag at the target speed, so the speed settles on it.
        command = holding_throttle(target, self.car) + cfg.speed_gain * (target - state.speed)
        throttle, brake = float(np.clip(command, 0, 1)) + 0.0, float(np.clip(-command, 0, 1)) + 0.0
        return ExpertAction(steering, throttle, brake, self.phase != "drift", self.phase)
