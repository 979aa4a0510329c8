"""The replayed car's deviation from the recorded path, advanced with the bicycle model.

The state is the rear axle's lateral offset d from the recorded rear axle's
path (m, > 0 left) and the heading error psi (rad, > 0 turned left), as in
Bojarski et al. 2016, section 6. Per metre s along the recorded path, whose
curvature k_p comes from the recorded steering, a car steering with curvature
k_c moves as (Frenet frame of the path):

    dd/ds   = (1 - k_p d) tan(psi)
    dpsi/ds = k_c (1 - k_p d) / cos(psi) - k_p

so the same steering as recorded keeps d = psi = 0 exactly, and the speed drops
out: per metre, the deviation does not depend on how fast the car goes.
Steering 1 is the wheel's 25 degrees to the right (the simulator's convention,
`simulator.car`), a clockwise turn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.car import MAX_STEER_DEG

__all__ = ["Deviation", "curvature", "advance", "camera_offset"]

# Longest integration step along the path (m): the Frenet equations are smooth at this scale.
MAX_SUBSTEP_M = 0.1


@dataclass(frozen=True)
class Deviation:
    """Where the replayed car is relative to the recorded one at the same point of the path."""

    d: float = 0.0  # rear axle's lateral offset (m, > 0 left)
    psi: float = 0.0  # heading error (rad, > 0 turned left)

    def lateral_at(self, ahead_m: float) -> float:
        """Lateral offset (m, > 0 left) of the point `ahead_m` in front of the rear axle (the car's centre, a camera)."""
        return self.d + ahead_m * math.sin(self.psi)


def curvature(steering: float, wheelbase_m: float) -> float:
    """Path curvature (1/m, > 0 turning left) of the bicycle model at normalised `steering` (> 0 right)."""
    steering = min(1.0, max(-1.0, steering))
    return -math.tan(math.radians(steering * MAX_STEER_DEG)) / wheelbase_m


def _rates(d: float, psi: float, k_car: float, k_path: float) -> tuple[float, float]:
    stretch = 1.0 - k_path * d
    return stretch * math.tan(psi), k_car * stretch / math.cos(psi) - k_path


def advance(state: Deviation, distance_m: float, k_car: float, k_path: float) -> Deviation:
    """The deviation after `distance_m` metres of the recorded path, both curvatures constant (RK4)."""
    steps = max(1, math.ceil(distance_m / MAX_SUBSTEP_M))
    h = distance_m / steps
    d, psi = state.d, state.psi
    for _ in range(steps):
        a_d, a_p = _rates(d, psi, k_car, k_path)
        b_d, b_p = _rates(d + h / 2 * a_d, psi + h / 2 * a_p, k_car, k_path)
        c_d, c_p = _rates(d + h / 2 * b_d, psi + h / 2 * b_p, k_car, k_path)
        e_d, e_p = _rates(d + h * c_d, psi + h * c_p, k_car, k_path)
        d += h / 6 * (a_d + 2 * b_d + 2 * c_d + e_d)
        psi += h / 6 * (a_p + 2 * b_p + 2 * c_p + e_p)
    return Deviation(d, psi)


def camera_offset(state: Deviation, along_m: float, k_path: float, camera_ahead_m: float) -> tuple[float, float, float]:
    """Pose of the replayed car's camera relative to the recorded camera of an earlier frame.

    Args:
        state: the deviation at the point `along_m` metres past that frame.
        along_m: path distance from the frame to the point (m).
        k_path: the path's curvature over that distance (1/m).
        camera_ahead_m: lens ahead of the rear axle (m).

    Returns:
        (right_m, forward_m, yaw_left_rad) in the frame's camera position and heading.
    """
    theta = k_path * along_m  # the recorded car's turn since the frame
    if abs(theta) < 1e-9:
        ahead, left = along_m, 0.0
    else:
        ahead, left = math.sin(theta) / k_path, (1.0 - math.cos(theta)) / k_path
    heading = theta + state.psi
    forward = ahead - math.sin(theta) * state.d + camera_ahead_m * math.cos(heading) - camera_ahead_m
    left += math.cos(theta) * state.d + camera_ahead_m * math.sin(heading)
    return -left, forward, heading
