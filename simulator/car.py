"""A kinematic bicycle model of the car, stepped with a fixed time step.

The pose is the rear axle's position and the heading. Steering follows the
Udacity simulator: normalised to [-1, 1] where 1 is the wheel's 25 degrees to
the RIGHT, so a positive steering turns the car clockwise seen from above.
Each step is integrated exactly for constant speed within `substeps` equal
sub-steps, so the model is deterministic and matches the closed-form arcs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from recorder.camera_geometry import MAX_STEER_DEG
from simulator.checks import check_ranges

__all__ = ["CarConfig", "CarState", "step", "holding_throttle", "MPH", "MAX_STEER_DEG"]

# Metres per second in one mile per hour.
MPH = 0.44704


@dataclass(frozen=True)
class CarConfig:
    """Physical parameters of the car."""

    wheelbase: float = 2.5  # distance between the axles (m)
    max_speed_mph: float = 30.0  # top speed, as the Udacity simulator's car (mph)
    max_accel: float = 4.0  # acceleration at full throttle (m/s^2)
    max_brake: float = 8.0  # deceleration at full brake (m/s^2)
    drag: float = 0.05  # speed-proportional deceleration (1/s): coasting slows the car
    dt: float = 0.1  # one step of simulated time (s); one telemetry or log row per step
    substeps: int = 5  # integration sub-steps per step

    def __post_init__(self) -> None:
        check_ranges(self, non_negative=("drag",))


@dataclass(frozen=True)
class CarState:
    """Where the car is and how fast it goes."""

    x: float = 0.0  # rear axle, east (m)
    y: float = 0.0  # rear axle, north (m)
    heading: float = 0.0  # direction of travel, counter-clockwise from east (rad)
    speed: float = 0.0  # forward speed (m/s, >= 0)
    steering: float = 0.0  # last applied steering, normalised [-1, 1], > 0 right

    @property
    def speed_mph(self) -> float:
        """Speed in miles per hour, the unit of logs and telemetry."""
        return self.speed / MPH


def step(
    state: CarState,
    steering: float,
    throttle: float,
    brake: float = 0.0,
    config: CarConfig = CarConfig(),
) -> CarState:
    """Advance the car by `config.dt` seconds under constant controls.

    Args:
        steering: normalised wheel angle, clipped to [-1, 1]; > 0 turns right.
        throttle: [0, 1]; a negative throttle is taken as brake (the simulator's
            reverse is not modelled: the car stops at 0).
        brake: [0, 1].
    """
    steering = min(1.0, max(-1.0, float(steering)))
    throttle = float(throttle)
    if throttle < 0:
        brake, throttle = max(float(brake), -throttle), 0.0
    throttle = min(1.0, throttle)
    brake = min(1.0, max(0.0, float(brake)))
    # Right turn = clockwise = heading decreases.
    yaw_per_metre = -math.tan(math.radians(steering * MAX_STEER_DEG)) / config.wheelbase
    h = config.dt / config.substeps
    vmax = config.max_speed_mph * MPH
    x, y, heading, v = state.x, state.y, state.heading, state.speed
    for _ in range(config.substeps):
        accel = throttle * config.max_accel - brake * config.max_brake - config.drag * v
        v_new = min(vmax, max(0.0, v + accel * h))
        dist = 0.5 * (v + v_new) * h
        dtheta = yaw_per_metre * dist
        if abs(dtheta) < 1e-9:
            x += dist * math.cos(heading)
            y += dist * math.sin(heading)
        else:
            radius = dist / dtheta
            x += radius * (math.sin(heading + dtheta) - math.sin(heading))
            y -= radius * (math.cos(heading + dtheta) - math.cos(heading))
        heading = math.remainder(heading + dtheta, 2 * math.pi)
        v = v_new
    return replace(state, x=x, y=y, heading=heading, speed=v, steering=steering)


def holding_throttle(speed: float, config: CarConfig = CarConfig()) -> float:
    """The throttle whose acceleration balances the drag at `speed` (m/s): it holds that speed."""
    return config.drag * speed / config.max_accel
