"""What both environments share: observation and action spaces, and the reward.

Observation: a dict of `image`, the centre camera's frame as the simulator sends
it (RGB uint8, 160x320x3), and `speed`, the car's speed (mph, shape (1,)).
Action: the steering, shape (1,), in [-1, 1], > 0 to the right (25 degrees of
wheel at 1), as a drive server answers it.

Reward per step: the metres advanced along the road's centre line (built-in
track) or the recorded path (replay), minus `offset_penalty` times the car
centre's distance from that line (m), so driving on is worth more the closer to
the line it is done. An intervention ends the episode (`terminated`); the end
of the laps or of the recording truncates it. `info["metrics"]` holds the
run's metrics so far, the same as `bcloning simulate` writes to metrics.json.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

__all__ = ["OBSERVATION_SPACE", "ACTION_SPACE", "observation", "reward", "steering_of", "OFFSET_PENALTY"]

FRAME_SHAPE = (160, 320, 3)  # the simulator's camera frame (rows, columns, RGB)
MAX_SPEED_MPH = 100.0  # bounds the speed box; the cars' top speed is about 30 mph
# Reward taken off per metre of offset from the line, per step (1/step): at the drive
# server's 9 mph a step advances 0.4 m, so 1 m off costs a quarter of that step's progress.
OFFSET_PENALTY = 0.1

OBSERVATION_SPACE = spaces.Dict({
    "image": spaces.Box(0, 255, FRAME_SHAPE, np.uint8),
    "speed": spaces.Box(0.0, MAX_SPEED_MPH, (1,), np.float32),
})
ACTION_SPACE = spaces.Box(-1.0, 1.0, (1,), np.float32)


def observation(image: np.ndarray, speed_mph: float) -> dict[str, np.ndarray]:
    """An observation of OBSERVATION_SPACE."""
    return {"image": image, "speed": np.array([min(max(speed_mph, 0.0), MAX_SPEED_MPH)], np.float32)}


def steering_of(action: np.ndarray | float) -> float:
    """The steering of an action (clipped to [-1, 1], as the car clips it)."""
    return float(np.clip(np.asarray(action, dtype=np.float64).reshape(-1)[0], -1.0, 1.0))


def reward(progress_m: float, offset_m: float, offset_penalty: float) -> float:
    """Metres advanced along the line minus `offset_penalty` per metre off it (see the module docstring)."""
    return float(progress_m - offset_penalty * abs(offset_m))
