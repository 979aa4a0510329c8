"""bcloning/BuiltinTrack-v0: the Gymnasium API, and the same outcomes as the built-in simulator's own run."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import simulator  # noqa: F401  (registers the environments)
from simulator.autonomous import TrackRun
from simulator.car import MPH, holding_throttle
from simulator.expert import Expert, ExpertConfig
from simulator.simulation import Simulation

pytestmark = pytest.mark.slow  # painting the world and driving a lap: about 10 s


@pytest.fixture(scope="module")
def env():
    made = gymnasium.make("bcloning/BuiltinTrack-v0", track_seed=1, speed_mph=20.0)
    yield made
    made.close()


def _drive(env, steer) -> tuple[int, bool, bool, dict]:
    """Step until the episode ends; (steps, terminated, truncated, last info)."""
    env.reset(seed=0)
    steps = 0
    while True:
        _, _, terminated, truncated, info = env.step(np.array([steer()], np.float32))
        steps += 1
        if terminated or truncated:
            return steps, terminated, truncated, info


def test_passes_gymnasiums_checker(env) -> None:
    check_env(env.unwrapped)
    observation, _ = env.reset(seed=3)
    assert observation["image"].shape == (160, 320, 3) and observation["image"].dtype == np.uint8
    assert observation["speed"][0] == pytest.approx(20.0, abs=1e-4)


def test_the_expert_drives_a_lap_and_the_episode_is_truncated(env) -> None:
    sim = env.unwrapped.simulation
    expert = Expert(sim.track, ExpertConfig(drift_every=0), sim.config.car)
    steps, terminated, truncated, info = _drive(env, lambda: expert.act(sim.state).steering)
    assert truncated and not terminated
    assert info["metrics"]["laps"] == 1 and info["metrics"]["interventions"] == 0
    assert info["metrics"]["mean_speed_mph"] == pytest.approx(20.0, abs=0.01)  # the throttle held the speed


def test_steering_straight_leaves_the_road_where_the_simulators_own_run_does(env, sim_config) -> None:
    steps, terminated, truncated, info = _drive(env, lambda: 0.0)
    assert terminated and not truncated
    assert info["intervention"] and abs(info["offset_m"]) > sim_config.track.road_width / 2
    assert info["metrics"]["interventions"] == 1 and info["metrics"]["steps"] == steps
    # the stepper `bcloning simulate drive` uses, under the same controls
    run = TrackRun(Simulation(sim_config, start_speed=20.0 * MPH), laps=1, max_sim_s=1800.0)
    throttle = holding_throttle(20.0 * MPH, sim_config.car)
    first = next(n for n in range(1, steps + 1) if run.step(0.0, throttle))
    assert first == steps and run.metrics().to_dict() == info["metrics"]


def test_an_episode_is_the_same_for_the_same_actions(env) -> None:
    def episode() -> tuple[list[float], np.ndarray]:
        observation, _ = env.reset(seed=1)
        rewards = [env.step(np.array([a], np.float32))[1] for a in np.linspace(-0.3, 0.3, 20)]
        return rewards, env.step(np.array([0.0], np.float32))[0]["image"]

    (first, image), (second, again) = episode(), episode()
    assert first == second and np.array_equal(image, again)
    assert all(r > 0 for r in first[:5])  # on the road near the line: progress outweighs the offset
