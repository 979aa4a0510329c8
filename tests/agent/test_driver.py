"""agent.driver: one telemetry message in, (steering, throttle) out, with the training's preprocessing."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from agent import ControllerConfig, PIController
from agent.driver import Command, Driver
from agent.telemetry import Telemetry
from tests.agent.conftest import camera_frame
from training.preprocess import PreprocessConfig, preprocess


def _telemetry(steering: float = 0.1, speed: float = 5.0, at: float = 100.0) -> Telemetry:
    return Telemetry(image=camera_frame(steering), speed=speed, throttle=0.0, steering_angle=0.0, received_at=at)


def _constant(value: float):
    """A steering model that always answers `value` (a model is any frame -> float function)."""
    return lambda frame: value


def test_the_model_sees_the_preprocessed_frame(steering_fn) -> None:
    telemetry = _telemetry()
    command = Driver(steering_fn, PIController()).decide(telemetry)
    expected = float(np.clip(steering_fn(preprocess(telemetry.image)), -1, 1))
    assert command.steering == pytest.approx(expected, abs=1e-6)


def test_the_models_preprocessing_config_is_used() -> None:
    config = PreprocessConfig(crop_top=40, crop_bottom=20, out_height=33, out_width=100)

    def shape_model(frame: np.ndarray) -> float:  # 33 rows and 100 columns give 0.43
        return frame.shape[0] / 100 + frame.shape[1] / 1000

    assert Driver(shape_model, PIController(), config).decide(_telemetry()).steering == pytest.approx(0.43)


@pytest.mark.parametrize(("model_says", "sent"), [(3.0, 1.0), (-7.5, -1.0), (0.25, 0.25)])
def test_steering_is_clamped_to_the_simulators_range(model_says: float, sent: float) -> None:
    assert Driver(_constant(model_says), PIController()).decide(_telemetry()).steering == sent


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_steering_becomes_zero_and_is_logged(bad: float, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agent.driver"):
        command = Driver(_constant(bad), PIController()).decide(_telemetry())
    assert command.steering == 0.0 and np.isfinite(command.throttle)
    assert "non-finite steering" in caplog.text


def test_throttle_is_the_controllers_answer_for_the_speed_and_steering() -> None:
    config = ControllerConfig(set_speed=20.0, turn_slowdown=0.5)
    driver, reference = Driver(_constant(0.6), PIController(config)), PIController(config)
    for step, speed in enumerate((0.0, 5.0, 12.0, 25.0)):
        command = driver.decide(_telemetry(speed=speed, at=100.0 + 0.1 * step))
        assert command.throttle == pytest.approx(reference.update(speed, 0.6, 100.0 + 0.1 * step))
    assert command.throttle < 0  # 25 mph over a slowed-down target: brake


def test_an_undecodable_frame_holds_the_wheel_and_coasts() -> None:
    driver = Driver(_constant(-0.4), PIController())
    driver.decide(_telemetry())
    assert driver.fallback() == Command(-0.4, 0.0)
    driver.reset()
    assert driver.fallback() == Command(0.0, 0.0) and driver.controller.integral == 0.0


def test_a_fork_shares_the_model_but_not_the_controllers_state() -> None:
    config = PreprocessConfig(out_height=33, out_width=100)
    driver = Driver(_constant(0.0), PIController(ControllerConfig(set_speed=20.0)), config)
    for step in range(5):  # wind the integral up
        driver.decide(_telemetry(speed=0.0, at=100.0 + step))
    fork = driver.fork()
    assert fork.model is driver.model and fork.preprocess_config == config
    assert fork.controller is not driver.controller and fork.controller.config == driver.controller.config
    assert fork.controller.integral == 0.0 < driver.controller.integral
    assert fork.fallback() == Command(0.0, 0.0)
