"""The kinematic bicycle model against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from simulator.car import MPH, CarConfig, CarState, step

# No drag and one step of exactly one second keep the hand computations simple.
PLAIN = CarConfig(drag=0.0, dt=1.0, substeps=10)


def test_straight_at_constant_speed() -> None:
    state = CarState(x=1.0, y=2.0, heading=math.pi / 2, speed=5.0)
    after = step(state, steering=0.0, throttle=0.0, config=PLAIN)
    assert (after.x, after.y, after.speed) == pytest.approx((1.0, 7.0, 5.0))
    assert after.heading == pytest.approx(math.pi / 2)


def test_full_right_lock_drives_the_closed_form_circle() -> None:
    radius = 2.5 / math.tan(math.radians(25.0))  # 5.361 m
    speed = 4.0
    state = CarState(speed=speed)
    # Quarter circle takes (pi/2 * R) / v seconds: do it in steps of 0.1 s plus a remainder.
    quarter = math.pi / 2 * radius / speed
    config = CarConfig(drag=0.0, dt=quarter / 20, substeps=3)
    for _ in range(20):
        state = step(state, steering=1.0, throttle=0.0, config=config)
    # Turning right (clockwise) from heading east: ends at (R, -R), heading south.
    assert (state.x, state.y) == pytest.approx((radius, -radius), abs=1e-6)
    assert state.heading == pytest.approx(-math.pi / 2)


def test_left_steering_turns_counter_clockwise() -> None:
    after = step(CarState(speed=5.0), steering=-0.5, throttle=0.0, config=PLAIN)
    assert after.heading > 0 and after.y > 0
    assert after.heading == pytest.approx(5.0 * math.tan(math.radians(12.5)) / 2.5)


def test_throttle_brake_and_limits() -> None:
    after = step(CarState(), steering=0.0, throttle=1.0, config=PLAIN)
    assert after.speed == pytest.approx(4.0)  # max_accel 4 m/s^2 for 1 s
    assert after.x == pytest.approx(2.0)  # v^2 / 2a
    stopped = step(CarState(speed=3.0), steering=0.0, throttle=0.0, brake=1.0, config=PLAIN)
    assert stopped.speed == 0.0  # braking never reverses
    reverse_throttle = step(CarState(speed=3.0), steering=0.0, throttle=-1.0, config=PLAIN)
    assert reverse_throttle.speed == 0.0  # negative throttle brakes, as the simulator's
    top = CarState(speed=30 * MPH)
    assert step(top, 0.0, 1.0, config=PLAIN).speed == pytest.approx(30 * MPH)
    assert step(CarState(), steering=7.0, throttle=0.0).steering == 1.0  # clipped


def test_drag_slows_a_coasting_car_and_steps_are_deterministic() -> None:
    state = CarState(speed=10.0)
    assert step(state, 0.0, 0.0).speed < 10.0
    assert step(state, 0.3, 0.5) == step(state, 0.3, 0.5)


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="wheelbase"):
        CarConfig(wheelbase=0.0)
