"""How fast a replay steps on one core, against a floor measured in the same run.

The floor is one bare `cv2.warpPerspective` of a recorded frame: the one OpenCV
call a homography renderer cannot avoid. Measured on top of it: the renderer
(road and sky warps, horizon mask) at varied poses; the whole in-process closed
loop (JPEG decode of each recorded frame, rendering, the bicycle model, one
trivial driver); and the same plus the telemetry JPEG encode a wire replay adds.
OpenCV runs on one thread, so the numbers are per core.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import cv2
import numpy as np

from recorder.camera_geometry import UNITY_GEOMETRY
from recorder.config_fields import check_range
from simulator.benchmark import rate
from simulator.replay.loop import DriverView, closed_loop
from simulator.replay.path import load_path
from simulator.replay.render import Renderer
from simulator.replay.run import ReplayConfig
from simulator.wire import jpeg_base64

__all__ = ["ReplayBenchmark", "benchmark_replay"]


@dataclass(frozen=True)
class ReplayBenchmark:
    """Steps per second of each measured path."""

    steps: int  # closed-loop decisions timed
    render_sps: float  # renderer calls per second at varied poses
    loop_sps: float  # in-process closed-loop steps per second
    wire_payload_sps: float  # closed-loop steps per second with each view JPEG-encoded for the wire
    floor_sps: float  # bare warpPerspective calls per second

    def lines(self, goal_sps: float = 200.0) -> list[str]:
        """Human-readable report."""
        return [
            f"render (one pose):        {self.render_sps:8.0f} steps/s  ({self.render_sps / self.floor_sps:.2f}x the floor's rate)",
            f"closed loop, in process:  {self.loop_sps:8.0f} steps/s  ({self.loop_sps / goal_sps:.1f}x the {goal_sps:.0f}/s goal)",
            f"closed loop + JPEG:       {self.wire_payload_sps:8.0f} steps/s  ({self.wire_payload_sps / goal_sps:.1f}x the goal)",
            f"floor (bare warp):        {self.floor_sps:8.0f} steps/s",
            f"({self.steps} steps, OpenCV on 1 thread)",
        ]


def benchmark_replay(recording: str | os.PathLike, steps: int = 1000, config: ReplayConfig = ReplayConfig()) -> ReplayBenchmark:
    """Time `steps` steps of each path on `recording` (the closed loop runs at most the whole recording)."""
    check_range("steps", steps, low=1)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        path = load_path(recording, config.max_gap_s)
        geometry = UNITY_GEOMETRY
        renderer = Renderer(geometry)
        frame = cv2.cvtColor(cv2.imread(str(path.segments[0].frames[0])), cv2.COLOR_BGR2RGB)
        rng = np.random.default_rng(0)
        poses = rng.uniform((-1.0, -0.5, -0.1), (1.0, 0.5, 0.1), (steps, 3))
        renderer.render(frame, *poses[0])  # warm up OpenCV's code paths
        render = rate(steps, lambda i: renderer.render(frame, *poses[i]))
        fixed = np.array([[1.0, 0.02, 3.0], [0.0, 1.05, 2.0], [0.0, 1e-4, 1.0]])
        floor = rate(steps, lambda i: cv2.warpPerspective(frame, fixed, (geometry.width, geometry.height)))

        def loop(encode: bool) -> float:
            count = 0

            def driver(view: DriverView) -> float:
                nonlocal count
                count += 1
                if count >= steps:
                    raise StopIteration
                if encode:
                    jpeg_base64(view.image)
                return view.recorded_steering + 0.02  # a small bias: the views are of deviated poses

            start = time.perf_counter()
            try:
                closed_loop(path, driver, geometry, config.spacing_m, config.threshold_m, snapshots=0)
            except StopIteration:
                pass
            return count / (time.perf_counter() - start)

        return ReplayBenchmark(steps, render, loop(False), loop(True), floor)
    finally:
        cv2.setNumThreads(threads)
