"""`bcloning/BuiltinTrack-v0`: the built-in simulator's track as a Gymnasium environment.

    env = gymnasium.make("bcloning/BuiltinTrack-v0", track_seed=7, laps=1)

Each step is one step of `bcloning simulate drive` (`simulator.autonomous.TrackRun`):
the same car, cameras, intervention rule (the car's centre off the road) and
metrics. The action is the steering only: the car starts at `speed_mph` and the
throttle holds that speed, as a drive server's speed controller would at its
set speed. The world has no randomness: a seed changes nothing, and every
episode starts on the centre line at the lap's start. Spaces and reward:
`simulator.envs.common`.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from recorder.config_fields import check_range
from simulator.autonomous import DriveConfig, TrackRun
from simulator.car import MPH, holding_throttle
from simulator.envs.common import ACTION_SPACE, OBSERVATION_SPACE, OFFSET_PENALTY, observation, reward, steering_of
from simulator.simulation import Simulation, SimulatorConfig
from simulator.track import TrackConfig

__all__ = ["BuiltinTrackEnv"]

# The drive server's default set speed (agent.config.ControllerConfig.set_speed, Udacity's drive.py).
SET_SPEED_MPH = 9.0


class BuiltinTrackEnv(gymnasium.Env):
    """The built-in track; see the module docstring."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        track_seed: int = 0,
        laps: int = 1,
        speed_mph: float = SET_SPEED_MPH,
        max_sim_s: float = DriveConfig.max_sim_s,
        offset_penalty: float = OFFSET_PENALTY,
        sim_config: SimulatorConfig | None = None,
        render_mode: str | None = None,
    ) -> None:
        """`sim_config` (default: the track of `track_seed`, the rest as `bcloning simulate`) is painted once here."""
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        config = sim_config or SimulatorConfig(track=TrackConfig(seed=track_seed))
        check_range("speed_mph", speed_mph, low=0, high=config.car.max_speed_mph, low_open=True)
        check_range("laps", laps, low=1)
        self.observation_space = OBSERVATION_SPACE
        self.action_space = ACTION_SPACE
        self.render_mode = render_mode
        self.laps, self.max_sim_s, self.offset_penalty = laps, max_sim_s, offset_penalty
        self.speed = speed_mph * MPH
        self.throttle = holding_throttle(self.speed, config.car)
        self._sim = Simulation(config)
        self._run = TrackRun(self._sim, laps, max_sim_s)

    @property
    def simulation(self) -> Simulation:
        """The world and the car as they are now, for reference drivers (`simulator.Expert`) and plots."""
        return self._sim

    def _observation(self) -> dict[str, np.ndarray]:
        return observation(self._run.frame(), self._sim.state.speed_mph)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        """The car at the lap's start, on the centre line at the set speed."""
        super().reset(seed=seed)
        self._sim.restart(self.speed)
        self._run = TrackRun(self._sim, self.laps, self.max_sim_s)
        return self._observation(), {"metrics": self._run.metrics().to_dict()}

    def step(self, action: np.ndarray) -> tuple[dict, float, bool, bool, dict]:
        """One time step with this steering; terminated at an intervention, truncated after the laps."""
        before = self._sim.progress
        intervened = self._run.step(steering_of(action), self.throttle)
        offset = self._run.tracker.ctes[-1]  # before any put-back
        info = {"offset_m": offset, "intervention": intervened, "metrics": self._run.metrics().to_dict()}
        step_reward = reward(self._sim.progress - before, offset, self.offset_penalty)
        return self._observation(), step_reward, intervened, self._run.done and not intervened, info

    def render(self) -> np.ndarray | None:
        """The centre camera's frame, for render_mode "rgb_array"."""
        return self._run.frame() if self.render_mode == "rgb_array" else None
