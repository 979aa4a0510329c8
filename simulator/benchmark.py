"""How fast the cameras render, against a floor measured in the same run.

The floor is one bare `cv2.remap` of a whole 320x160 frame from the world
raster with a fixed map: the one OpenCV call a remap-based renderer cannot
avoid. The ratio to it shows what the per-frame pose transform, the pyramid
bands, the sky and the haze cost on top, whatever the machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from recorder.config_fields import check_range, setting
from recorder.formats import CAMERAS, JPEG_QUALITY
from simulator.car import CarState
from simulator.simulation import Simulation

__all__ = ["RenderBenchConfig", "RenderBenchmark", "benchmark_render", "rate"]


@dataclass(frozen=True)
class RenderBenchConfig:
    """How much the rendering benchmark renders."""

    frames: int = setting(500, "car poses rendered per measurement")

    def __post_init__(self) -> None:
        check_range("frames", self.frames, low=1)


@dataclass(frozen=True)
class RenderBenchmark:
    """Frames per second of each measured path."""

    frames: int  # poses rendered per measurement
    three_cameras_fps: float  # car poses per second, three cameras each
    center_fps: float  # centre camera frames per second
    record_fps: float  # three cameras rendered and JPEG-encoded (what recording does per row)
    floor_fps: float  # bare full-frame cv2.remap calls per second

    def lines(self, goal_fps: float = 200.0) -> list[str]:
        """Human-readable report."""
        return [
            f"three cameras:        {self.three_cameras_fps:8.0f} poses/s  ({self.three_cameras_fps / goal_fps:.1f}x the {goal_fps:.0f}/s goal)",
            f"centre camera:        {self.center_fps:8.0f} frames/s",
            f"three cameras + JPEG: {self.record_fps:8.0f} rows/s",
            f"floor (bare remap):   {self.floor_fps:8.0f} frames/s  (centre camera at {self.center_fps / self.floor_fps:.2f}x the floor's rate)",
        ]


def rate(count: int, fn: Callable[[int], object]) -> float:
    """Calls of `fn(i)` per second over `count` calls."""
    start = time.perf_counter()
    for i in range(count):
        fn(i)
    return count / (time.perf_counter() - start)


def benchmark_render(sim: Simulation, config: RenderBenchConfig = RenderBenchConfig()) -> RenderBenchmark:
    """Render `config.frames` poses spread along the track each way and time them."""
    frames = config.frames
    track, cams = sim.track, sim.cameras
    poses = []
    for i in range(frames):
        x, y, heading = track.point_at(i * track.length / frames)
        poses.append(CarState(x=x, y=y, heading=heading))
    cams.render_all(poses[0])  # warm up OpenCV's code paths
    three = rate(frames, lambda i: cams.render_all(poses[i]))
    centre = rate(frames, lambda i: cams.render(poses[i], "center"))
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]

    def record_row(i: int) -> None:
        for name in CAMERAS:
            cv2.imencode(".jpg", cams.render(poses[i], name), params)

    record = rate(frames, record_row)
    height, width = cams.config.height, cams.config.width
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    fixed = np.dstack([cols * 1.3 + 500, rows * 1.7 + 500]).astype(np.float32)
    image = sim.world.image
    floor = rate(frames, lambda i: cv2.remap(image, fixed, None, cv2.INTER_LINEAR))
    return RenderBenchmark(frames, three, centre, record, floor)
