"""Lap counting, cross-track error and the put-back of an intervention."""

from __future__ import annotations

import math

import pytest

from simulator.car import MPH
from simulator.expert import Expert, ExpertConfig
from simulator.simulation import Simulation, SimulatorConfig


@pytest.mark.slow
def test_a_lap_is_counted_once_around(sim_config: SimulatorConfig) -> None:
    sim = Simulation(sim_config, start_speed=25 * MPH)
    expert = Expert(sim.track, ExpertConfig(speed_mph=25, drift_every=0), sim_config.car)
    while sim.laps < 1:
        action = expert.act(sim.state)
        sim.step(action.steering, action.throttle, action.brake)
        assert sim.steps < 2000
    assert sim.progress == pytest.approx(sim.track.length, abs=2.0)
    assert sim.distance == pytest.approx(sim.track.length, rel=0.02)
    assert sim.time == pytest.approx(sim.steps * sim_config.car.dt)
    assert not sim.off_road


@pytest.mark.slow
def test_off_road_and_put_back(sim_config: SimulatorConfig) -> None:
    sim = Simulation(sim_config, start_speed=8.0)
    steps = 0
    while not sim.off_road:
        sim.step(-1.0, 0.2)  # full left lock
        steps += 1
        assert steps < 200
    assert abs(sim.cte) > sim.track.half_width
    progress = sim.progress
    sim.put_back()
    assert abs(sim.cte) < 0.05 and not sim.off_road
    assert sim.progress == pytest.approx(progress, abs=sim.track.half_width + 1)
    _, _, heading = sim.track.point_at(sim.s)
    assert math.cos(sim.state.heading - heading) > 0.999
    assert sim.state.speed > 0  # keeps its speed
