"""The deviation's bicycle model: signs and the exact zero of the recorded steering."""

from __future__ import annotations

import math

import pytest

from simulator.replay.motion import Deviation, advance, camera_offset, curvature


def test_the_recorded_curvature_keeps_the_car_on_the_path() -> None:
    k = curvature(0.3, 2.87)
    assert advance(Deviation(), 25.0, k, k) == Deviation(0.0, 0.0)


def test_steering_right_of_the_path_drifts_right() -> None:
    assert curvature(0.2, 2.87) < 0 < curvature(-0.2, 2.87)  # > 0 steering turns right (clockwise)
    state = advance(Deviation(), 10.0, curvature(0.1, 2.87), 0.0)
    assert state.d < 0 and state.psi < 0
    # on a straight path the car drives a circle of radius 1/k: s = sin(psi) / k, d = (1 - cos(psi)) / k
    k = abs(curvature(0.1, 2.87))
    assert state.psi == pytest.approx(-math.asin(k * 10.0), rel=1e-6)
    assert state.d == pytest.approx(-(1 - math.cos(state.psi)) / k, rel=1e-6)


def test_camera_offset_follows_the_path_and_the_deviation() -> None:
    assert camera_offset(Deviation(), 0.0, 0.05, 2.6) == pytest.approx((0.0, 0.0, 0.0))
    right, forward, yaw = camera_offset(Deviation(), 1.2, 0.0, 2.6)
    assert (right, forward, yaw) == pytest.approx((0.0, 1.2, 0.0))
    right, forward, yaw = camera_offset(Deviation(d=0.5, psi=0.0), 0.0, 0.0, 2.6)
    assert right == pytest.approx(-0.5) and yaw == 0.0  # 0.5 m left of the path: the camera is 0.5 m left
