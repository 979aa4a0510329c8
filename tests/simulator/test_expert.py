"""The expert: pure pursuit steers towards its target, laps stay on the road, drifts recover."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.car import MPH, CarState
from simulator.expert import Expert, ExpertConfig, pure_pursuit_steering
from simulator.simulation import Simulation, SimulatorConfig


def test_pure_pursuit_signs_and_magnitude() -> None:
    car = CarState(x=0.0, y=0.0, heading=0.0)
    assert pure_pursuit_steering(car, 10.0, 0.0, 2.5) == 0.0
    assert pure_pursuit_steering(car, 10.0, 1.0, 2.5) < 0  # target on the left: steer left (< 0)
    assert pure_pursuit_steering(car, 10.0, -1.0, 2.5) > 0
    # Arc through (7.5, -1): curvature 2*1/(7.5^2+1); angle atan(2.5 k) in units of 25 degrees.
    expected = np.degrees(np.arctan(2.5 * 2 / (7.5**2 + 1))) / 25
    assert pure_pursuit_steering(car, 7.5, -1.0, 2.5) == pytest.approx(expected)
    assert pure_pursuit_steering(car, 0.1, -5.0, 2.5) == 1.0  # clipped to full lock


def _drive(sim: Simulation, expert: Expert, metres: float) -> tuple[np.ndarray, list[str]]:
    ctes, phases = [], []
    while sim.progress < metres:
        action = expert.act(sim.state)
        sim.step(action.steering, action.throttle, action.brake)
        ctes.append(sim.cte)
        phases.append(action.phase)
    return np.array(ctes), phases


@pytest.mark.slow
def test_expert_drifts_and_recovers_without_leaving_the_road(sim_config: SimulatorConfig) -> None:
    sim = Simulation(sim_config, start_speed=15 * MPH)
    config = ExpertConfig(drift_every=3.0, seed=2)
    ctes, phases = _drive(sim, Expert(sim.track, config, sim_config.car), 400.0)
    assert np.abs(ctes).max() < sim.track.half_width - 1.0
    assert np.abs(ctes).max() > config.drift_min - config.settle  # it did drift
    assert phases.count("recover") > 0 and phases.count("drift") > 0
    cruising = np.array([p == "cruise" for p in phases])
    assert np.abs(ctes[cruising]).mean() < 0.2  # on the centre line between manoeuvres


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="speed_mph"):
        ExpertConfig(speed_mph=45.0)
    with pytest.raises(ValueError, match="drift_max"):
        ExpertConfig(drift_min=3.0, drift_max=2.0)
    with pytest.raises(ValueError, match="seed"):
        ExpertConfig(seed=-1)
