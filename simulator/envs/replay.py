"""`bcloning/Replay-v0`: a real recording replayed in closed loop, as a Gymnasium environment.

    env = gymnasium.make("bcloning/Replay-v0", recording="data/lap1")

Each step is one decision of `bcloning simulate replay`
(`simulator.replay.loop.ReplayStepper`): the recorded centre frame re-rendered
for the replayed car's pose, the bicycle model advanced along the recorded
path, more than `threshold_m` off it an intervention, and the same metrics.
The speed is the recorded one. The replay has no randomness: a seed changes
nothing, and every episode starts at the recording's first frame. Spaces and
reward: `simulator.envs.common`.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium
import numpy as np

from recorder.camera_geometry import CameraGeometry
from simulator.envs.common import ACTION_SPACE, OBSERVATION_SPACE, OFFSET_PENALTY, observation, reward, steering_of
from simulator.replay.loop import ReplayStepper
from simulator.replay.path import load_path
from simulator.replay.run import ReplayConfig, replay_metrics

__all__ = ["ReplayEnv"]


class ReplayEnv(gymnasium.Env):
    """A replayed recording; see the module docstring."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        recording: str | os.PathLike,
        spacing_m: float = ReplayConfig.spacing_m,
        threshold_m: float = ReplayConfig.threshold_m,
        max_gap_s: float = ReplayConfig.max_gap_s,
        offset_penalty: float = OFFSET_PENALTY,
        geometry: CameraGeometry = CameraGeometry(),
        render_mode: str | None = None,
    ) -> None:
        """Read the recording once (`RecordingError` where it cannot be replayed); defaults as `bcloning simulate replay`."""
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.config = ReplayConfig(spacing_m=spacing_m, threshold_m=threshold_m, max_gap_s=max_gap_s)
        self.path = load_path(recording, max_gap_s)
        self.geometry = geometry
        self.offset_penalty = offset_penalty
        self.observation_space = OBSERVATION_SPACE
        self.action_space = ACTION_SPACE
        self.render_mode = render_mode
        self._stepper = self._new_stepper()
        self._last = self._observation()

    def _new_stepper(self) -> ReplayStepper:
        return ReplayStepper(self.path, self.geometry, self.config.spacing_m, self.config.threshold_m, snapshots=0)

    def _observation(self) -> dict[str, np.ndarray]:
        view = self._stepper.view()
        return observation(view.image, view.speed_mph)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        """The car at the recording's first frame, on the recorded path."""
        super().reset(seed=seed)
        self._stepper = self._new_stepper()
        self._last = self._observation()
        return self._last, {"metrics": replay_metrics(self._stepper, self.config).to_dict()}

    def step(self, action: np.ndarray) -> tuple[dict, float, bool, bool, dict]:
        """One decision with this steering; terminated at an intervention, truncated at the recording's end."""
        stepper = self._stepper
        before = stepper.distance_m
        intervened = stepper.step(steering_of(action))
        offset = stepper.trace.lateral_m[-1]  # before any put-back
        info = {"offset_m": offset, "intervention": intervened, "metrics": replay_metrics(stepper, self.config).to_dict()}
        step_reward = reward(stepper.distance_m - before, offset, self.offset_penalty)
        if not stepper.done:  # at the recording's end there is no next view: the last one stands
            self._last = self._observation()
        return self._last, step_reward, intervened, stepper.done and not intervened, info

    def render(self) -> np.ndarray | None:
        """The re-rendered centre frame the driver sees next, for render_mode "rgb_array"."""
        if self.render_mode != "rgb_array" or self._stepper.done:
            return None
        return self._stepper.view().image
