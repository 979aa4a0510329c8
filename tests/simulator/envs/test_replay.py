"""bcloning/Replay-v0: the Gymnasium API, and the same outcomes as `replay_in_process` on the same recording."""

from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import simulator  # noqa: F401  (registers the environments)
from recorder import RecordingError
from simulator.replay import ReplayConfig, replay_in_process

FAST = ReplayConfig(spacing_m=0.0)  # one decision per recorded frame


def _drive(env, steer) -> tuple[int, bool, bool, dict, float]:
    """Step until the episode ends with steer(step); (steps, terminated, truncated, last info, total reward)."""
    env.reset(seed=0)
    steps, total = 0, 0.0
    while True:
        _, reward, terminated, truncated, info = env.step(np.array([steer(steps)], np.float32))
        steps, total = steps + 1, total + reward
        if terminated or truncated:
            return steps, terminated, truncated, info, total


def _recorded_steering(rows: int = 60) -> np.ndarray:
    return 0.4 * np.sin(np.arange(rows) / 8.0)  # what tests/simulator/replay/conftest.py's `curvy` recorded


def test_passes_gymnasiums_checker(curvy) -> None:
    env = gymnasium.make("bcloning/Replay-v0", recording=curvy())
    check_env(env.unwrapped)
    observation, info = env.reset(seed=0)
    assert observation["image"].shape == (160, 320, 3) and observation["speed"][0] == pytest.approx(20.0)
    assert info["metrics"]["steps"] == 0


def test_the_recorded_steering_replays_to_the_end_as_replay_in_process(curvy) -> None:
    env = gymnasium.make("bcloning/Replay-v0", recording=curvy(), spacing_m=0.0)
    steering = _recorded_steering()
    steps, terminated, truncated, info, total = _drive(env, lambda n: steering[n])
    expected = replay_in_process(curvy(), lambda view: view.recorded_steering, FAST).metrics
    assert truncated and not terminated and steps == 59
    assert info["metrics"] == expected.to_dict() and expected.interventions == 0
    with pytest.raises(RuntimeError, match="has ended"):  # past the end: reset first
        env.step(np.array([0.0], np.float32))
    assert total == pytest.approx(expected.distance_m, abs=1e-3)  # on the path: the reward is the distance (m, to 3 decimals)


def test_steering_straight_is_terminated_at_replay_in_processs_first_intervention(curvy) -> None:
    env = gymnasium.make("bcloning/Replay-v0", recording=curvy(), spacing_m=0.0)
    steps, terminated, truncated, info, _ = _drive(env, lambda n: 0.0)
    trace = replay_in_process(curvy(), lambda view: 0.0, FAST).trace
    assert terminated and not truncated and info["intervention"]
    assert steps == trace.intervention_steps[0] + 1
    assert info["offset_m"] == trace.lateral_m[steps - 1] and abs(info["offset_m"]) > FAST.threshold_m
    assert info["metrics"]["interventions"] == 1 and info["metrics"]["autonomy_percent"] < 100


def test_a_bad_recording_is_refused_when_made(tmp_path: Path) -> None:
    with pytest.raises(RecordingError):
        gymnasium.make("bcloning/Replay-v0", recording=tmp_path / "missing")


@pytest.mark.slow
def test_the_shared_recording_passes_the_checker_and_replays_as_the_replay_tests_say(shared_data: Path) -> None:
    env = gymnasium.make("bcloning/Replay-v0", recording=shared_data / "user_windows_2020", spacing_m=0.0)
    check_env(env.unwrapped)
    steps, terminated, _, info, _ = _drive(env, lambda n: 0.0)
    assert terminated and info["metrics"]["mean_speed_mph"] > 15
