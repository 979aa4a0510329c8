"""The replay's closed loop: render the deviated view, ask the driver, advance the deviation.

Per segment of the recorded path the car starts on the path. The driver decides
at most `spacing_m` metres apart along the path: each interval between two
recorded frames is cut into equal steps no longer than that (0: one decision per
recorded frame), so no step straddles a change of the recorded steering. At each
decision the driver sees the interval's first recorded frame re-rendered for the
replayed car's camera pose (which includes the forward shift from that frame),
and its steering is held until the next decision. The recorded steering, held from
frame to frame, bends the path. When the car's centre is more than
`threshold_m` off the path that is an intervention: the car is put back on the
path, heading along it, and the loop goes on. Each decision also notes how far
the viewed camera and the recorded one are from the lane centre
(`simulator.replay.lane`), where the frame shows both lane lines.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from tqdm import tqdm

from recorder.camera_geometry import CameraGeometry
from recorder.images import read_rgb
from simulator.replay.lane import LaneMeter
from simulator.replay.motion import Deviation, advance, camera_offset, curvature
from simulator.replay.path import RecordedPath, Segment
from simulator.replay.render import Renderer

__all__ = ["DriverView", "Driver", "Snapshot", "Trace", "closed_loop"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriverView:
    """What a driver gets at one decision."""

    image: np.ndarray  # the re-rendered centre camera frame, RGB uint8 (160, 320, 3)
    steering: float  # the replayed car's current steering, [-1, 1], > 0 right
    speed_mph: float  # the recorded speed here (mph)
    recorded_steering: float  # what the person steered here, [-1, 1] (for reference drivers)
    lane_offset_m: float | None = None  # the view's offset from the lane centre, None unseen (for reference drivers)


Driver = Callable[[DriverView], float]


@dataclass(frozen=True)
class Snapshot:
    """A recorded frame beside its re-rendering, for the strip."""

    recorded: np.ndarray  # RGB
    rendered: np.ndarray  # RGB
    distance_m: float  # where along the replay (m)
    lateral_m: float  # the car centre's offset at that decision (m, > 0 left)


@dataclass
class Trace:
    """One entry per decision, after advancing; distances count over all segments."""

    distance_m: list[float] = field(default_factory=list)  # path metres replayed up to this step
    lateral_m: list[float] = field(default_factory=list)  # car centre's offset (m, > 0 left), before any put-back
    heading_rad: list[float] = field(default_factory=list)  # heading error (rad, > 0 left)
    intervention_steps: list[int] = field(default_factory=list)  # steps where |lateral| passed the threshold
    steering_change: list[float] = field(default_factory=list)  # driver's steering minus its previous one, within a segment
    lane_offset_m: list[float] = field(default_factory=list)  # the view's offset from the lane centre (m, > 0 right; nan: unseen)
    recorded_lane_offset_m: list[float] = field(default_factory=list)  # the same for the recorded frame
    segment_starts_m: list[float] = field(default_factory=list)  # distance where each segment begins
    snapshots: list[Snapshot] = field(default_factory=list)


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


class _Loop:
    """State of one replay: renderer, trace, where the next snapshot is due."""

    def __init__(self, geometry: CameraGeometry, driver: Driver, threshold_m: float, snapshot_at: list[float]) -> None:
        self.geometry = geometry
        self.renderer = Renderer(geometry)
        self.lane = LaneMeter(geometry=geometry)
        self.driver = driver
        self.threshold_m = threshold_m
        self.snapshot_at = snapshot_at
        self.trace = Trace()
        self.offset_m = 0.0  # distance of the current segment's start

    def segment(self, segment: Segment, spacing_m: float, bar: tqdm) -> None:
        wheelbase, ahead = self.geometry.wheelbase_m, self.geometry.camera_ahead_of_rear_axle_m
        self.trace.segment_starts_m.append(self.offset_m)
        state, steering = Deviation(), 0.0
        for i in range(len(segment.frames) - 1):
            start_m, gap_m = float(segment.s_m[i]), float(segment.s_m[i + 1] - segment.s_m[i])
            # Equal decisions within each frame interval, so none straddles a change of the recorded steering.
            decisions = max(1, math.ceil(gap_m / spacing_m - 1e-9)) if spacing_m > 0 else 1
            step_m = gap_m / decisions
            frame, k_path = read_rgb(segment.frames[i]), curvature(float(segment.steering[i]), wheelbase)
            speed, recorded = float(segment.speed_mph[i]), float(segment.steering[i])
            recorded_lane = _or_nan(self.lane(frame))
            for n in range(decisions):
                right, forward, yaw = camera_offset(state, n * step_m, k_path, ahead)
                image = self.renderer.render(frame, right, forward, yaw)
                seen_from = state.lateral_at(wheelbase / 2)
                lane = self.lane(image)
                decided = float(self.driver(DriverView(image, steering, speed, recorded, lane)))
                if i or n:  # a segment's first decision has no previous one
                    self.trace.steering_change.append(decided - steering)
                steering = decided
                state = advance(state, step_m, curvature(steering, wheelbase), k_path)
                self.trace.lane_offset_m.append(_or_nan(lane))
                self.trace.recorded_lane_offset_m.append(recorded_lane)
                if self._record(state, start_m + (n + 1) * step_m, wheelbase, frame, image, seen_from):
                    state = Deviation()  # an intervention: back on the path, heading along it
            bar.update(gap_m)
            bar.set_postfix(interventions=len(self.trace.intervention_steps), refresh=False)
        self.offset_m += segment.length_m

    def _record(
        self, state: Deviation, end_m: float, wheelbase: float, frame: np.ndarray, image: np.ndarray, seen_from: float
    ) -> bool:
        """Log one step and take a snapshot where one is due; True where it is an intervention."""
        lateral = state.lateral_at(wheelbase / 2)
        trace = self.trace
        trace.distance_m.append(self.offset_m + end_m)
        trace.lateral_m.append(lateral)
        trace.heading_rad.append(state.psi)
        if self.snapshot_at and self.offset_m + end_m >= self.snapshot_at[0]:
            self.snapshot_at.pop(0)
            trace.snapshots.append(Snapshot(frame, image, self.offset_m + end_m, seen_from))
        if abs(lateral) > self.threshold_m:
            trace.intervention_steps.append(len(trace.lateral_m) - 1)
            logger.info("intervention %d at %.0f m (offset %.2f m)", len(trace.intervention_steps), self.offset_m + end_m, lateral)
            return True
        return False


def closed_loop(
    path: RecordedPath,
    driver: Driver,
    geometry: CameraGeometry,
    spacing_m: float,
    threshold_m: float,
    snapshots: int = 4,
    progress: bool = False,
) -> Trace:
    """Replay every segment of `path` with `driver` steering; see the module docstring."""
    total = path.length_m
    snapshot_at = [(k + 0.5) * total / snapshots for k in range(snapshots)]
    loop = _Loop(geometry, driver, threshold_m, snapshot_at)
    with tqdm(total=round(total), unit="m", desc="replaying", disable=not progress, leave=False) as bar:
        for segment in path.segments:
            loop.segment(segment, spacing_m, bar)
    return loop.trace
