"""Synthetic recordings for tests, benchmarks and demos: a grey road whose centre follows the steering.

One drawing of the frame serves everything that needs simulator-sized frames
without the simulator: the tests' tiny recordings, the training benchmark's
synthetic recording and the drive benchmark's telemetry JPEGs. A model can learn
steering from these frames (the road's position encodes it), so a training
smoke test can show its loss falling.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from recorder.formats import FRAME_SHAPE
from recorder.log_writer import DrivingLogWriter

__all__ = ["REALISTIC_TEXTURE", "SIDE_CAMERA_SHIFT", "road_frame", "write_synthetic_recording"]

SKY, GRASS, ROAD = (135, 190, 235), (60, 140, 50), (110, 110, 110)
HORIZON_ROW = 60  # sky above, grass and road below
ROAD_PX_PER_STEERING = 100  # the road's centre moves this many px left per unit of steering
SIDE_CAMERA_SHIFT = 20  # px the road moves in the left (-) and right (+) camera frames
# `texture` (and noise std in benchmarks) that gives JPEGs a camera-like grain, not flat colour
REALISTIC_TEXTURE = 12


def road_frame(steering: float, shift: int = 0) -> np.ndarray:
    """A (160, 320, 3) uint8 RGB frame: sky, grass and a grey road whose centre encodes `steering`.

    Args:
        shift: px the road's centre moves right (a side camera's view, or a random road position).
    """
    height, width = FRAME_SHAPE
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:HORIZON_ROW] = SKY
    frame[HORIZON_ROW:] = GRASS
    centre = int(width // 2 + shift - ROAD_PX_PER_STEERING * steering)
    for row in range(HORIZON_ROW, height):
        half = 10 + (row - HORIZON_ROW)  # the road widens towards the car
        frame[row, max(0, centre - half) : max(0, min(width, centre + half))] = ROAD
    return frame


def write_synthetic_recording(
    folder: str | os.PathLike, rows: int = 30, seed: int = 0, side_cameras: bool = True, texture: int = 0
) -> Path:
    """Write a recording in the simulator's own format (no header, ", ", absolute paths) into `folder`.

    Steering follows a slow sine with a little noise, speed is about 20 mph, 10 rows per second.

    Args:
        side_cameras: also write the left and right cameras' frames.
        texture: add uniform noise 0..texture-1 to every pixel, so JPEGs have a realistic size.
    """
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 2, 3, 4, 5)

    def frame(steering: float, shift: int = 0) -> np.ndarray:
        image = road_frame(steering, shift)
        return image + rng.integers(0, texture, image.shape, dtype=np.uint8) if texture else image

    with DrivingLogWriter(folder) as writer:
        for i in range(rows):
            steering = float(np.clip(0.5 * np.sin(i / 5.0) + rng.normal(0, 0.02), -1, 1))
            writer.write(
                center=frame(steering),
                left=frame(steering, -SIDE_CAMERA_SHIFT) if side_cameras else None,
                right=frame(steering, SIDE_CAMERA_SHIFT) if side_cameras else None,
                steering=steering,
                throttle=0.5,
                brake=0.0,
                speed=20.0 + float(rng.normal(0, 0.5)),
                when=start + timedelta(milliseconds=100 * i),
            )
    return Path(folder)
