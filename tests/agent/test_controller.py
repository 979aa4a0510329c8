"""The PI speed controller, closed loop against a first-order model of the simulator's car."""

from __future__ import annotations

import numpy as np
import pytest

from agent import ControllerConfig, PIController

DT = 1 / 60  # the simulator's frame time (s)
# Car model: dv/dt = ACCEL * throttle - DRAG * v. Full throttle tops out at 30 mph, the
# simulator's top speed, with a 5 s time constant (0 to 9 mph in about 2 s).
ACCEL, DRAG = 6.0, 0.2


def simulate(config: ControllerConfig, v0: float = 0.0, seconds: float = 30.0, held_for: float = 0.0):
    """Speeds, throttles and clamped integral terms at each frame; the car is held still for `held_for` s."""
    controller = PIController(config)
    speed, speeds, throttles, integral_terms = v0, [], [], []
    for i in range(int(seconds / DT)):
        now = i * DT
        throttle = controller.update(speed, 0.0, now)
        speed = 0.0 if now < held_for else speed + DT * (ACCEL * throttle - DRAG * speed)
        speeds.append(speed)
        throttles.append(throttle)
        integral_terms.append(config.ki * controller.integral)
    return np.array(speeds), np.array(throttles), np.array(integral_terms)


def settling_time(speeds: np.ndarray, target: float, band: float) -> float:
    outside = np.flatnonzero(np.abs(speeds - target) > band)
    return 0.0 if outside.size == 0 else (outside[-1] + 1) * DT


def test_speed_step_from_rest_reaches_set_speed_without_large_overshoot():
    speeds, throttles, _ = simulate(ControllerConfig(set_speed=9.0))
    assert speeds.max() < 9.0 * 1.12  # overshoot under 12%
    assert settling_time(speeds, 9.0, band=0.3) < 12.0
    assert abs(speeds[-1] - 9.0) < 0.05  # the integral removes the steady-state error
    assert throttles.max() <= 1.0 and throttles.min() >= -1.0


def test_too_fast_brakes_then_settles():
    speeds, throttles, _ = simulate(ControllerConfig(set_speed=9.0), v0=20.0)
    assert throttles[0] < 0  # negative throttle is the simulator's brake
    assert abs(speeds[-1] - 9.0) < 0.05


def test_integral_is_clamped_while_the_car_is_stuck():
    config = ControllerConfig(set_speed=9.0, integral_limit=0.5)
    speeds, _, integral_terms = simulate(config, seconds=60.0, held_for=30.0)
    assert integral_terms.max() == pytest.approx(0.5)
    assert speeds.max() < 9.0 * 1.2  # released after 30 s, it does not surge
    unclamped, _, _ = simulate(ControllerConfig(set_speed=9.0, integral_limit=100.0), seconds=60.0, held_for=30.0)
    assert unclamped.max() > 15.0  # without the clamp the stored-up error makes it surge


def test_throttle_is_clamped_to_config_range():
    config = ControllerConfig(throttle_min=-0.2, throttle_max=0.4)
    _, braking, _ = simulate(config, v0=25.0, seconds=5.0)
    _, accelerating, _ = simulate(config, v0=0.0, seconds=5.0)
    assert braking.min() == pytest.approx(-0.2) and accelerating.max() == pytest.approx(0.4)


def test_long_pause_between_frames_counts_as_max_dt():
    controller = PIController(ControllerConfig(ki=0.05, max_dt_s=0.2))
    controller.update(0.0, 0.0, now=0.0)
    controller.update(0.0, 0.0, now=100.0)  # the simulator paused for 100 s
    assert controller.integral == pytest.approx(9.0 * 0.2)


def test_turn_slowdown_lowers_target_in_sharp_turns():
    controller = PIController(ControllerConfig(set_speed=20.0, turn_slowdown=0.5))
    assert controller.target_speed(0.0) == 20.0
    assert controller.target_speed(-1.0) == pytest.approx(10.0)
    assert controller.target_speed(0.5) == pytest.approx(15.0)


def test_reset_forgets_integral():
    controller = PIController()
    controller.update(0.0, 0.0, 0.0)
    controller.update(0.0, 0.0, 0.1)
    controller.reset()
    assert controller.integral == 0.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("set_speed", -1.0), ("set_speed", 40.0), ("kp", float("nan")), ("turn_slowdown", 1.0), ("max_dt_s", 0.0)],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        ControllerConfig(**{field: value})


def test_throttle_range_checked():
    with pytest.raises(ValueError, match="throttle_min"):
        ControllerConfig(throttle_min=0.5, throttle_max=0.2)
