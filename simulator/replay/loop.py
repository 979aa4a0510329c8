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
from simulator.replay.path import RecordedPath
from simulator.replay.render import Renderer

__all__ = ["DriverView", "ReplayStepper", "Snapshot", "Trace", "ViewSteering", "closed_loop"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriverView:
    """What a driver gets at one decision."""

    image: np.ndarray  # the re-rendered centre camera frame, RGB uint8 (160, 320, 3)
    steering: float  # the replayed car's current steering, [-1, 1], > 0 right
    speed_mph: float  # the recorded speed here (mph)
    recorded_steering: float  # what the person steered here, [-1, 1] (for reference drivers)
    lane_offset_m: float | None = None  # the view's offset from the lane centre, None unseen (for reference drivers)


# What steers the replayed car: the steering ([-1, 1]) for a re-rendered view (a model served over
# the wire, or a reference driver). Not `agent.Driver`, which turns telemetry into a command.
ViewSteering = Callable[[DriverView], float]


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


@dataclass(frozen=True)
class _Decision:
    """Where one decision sits: segment, recorded frame interval, and the step within it."""

    segment: int  # index in path.segments
    frame: int  # the interval from recorded frame `frame` to the next
    n: int  # decision within the interval, 0..count-1
    count: int  # decisions in the interval
    step_m: float  # metres along the path from this decision to the next


def _decisions(path: RecordedPath, spacing_m: float) -> list[_Decision]:
    """Every decision of the replay, in order: equal steps within each frame interval, so none
    straddles a change of the recorded steering."""
    out = []
    for k, segment in enumerate(path.segments):
        for i in range(len(segment.frames) - 1):
            gap_m = float(segment.s_m[i + 1] - segment.s_m[i])
            count = max(1, math.ceil(gap_m / spacing_m - 1e-9)) if spacing_m > 0 else 1
            out.extend(_Decision(k, i, n, count, gap_m / count) for n in range(count))
    return out


class ReplayStepper:
    """One replay, one decision at a time: `view()` is what the driver sees, `step(steering)` moves on.

    The closed loop of `replay`, `replay_in_process` and the Gymnasium environment
    (`simulator.envs`): whoever decides, the car, the re-rendering, the intervention
    rule and the trace are these.
    """

    def __init__(
        self, path: RecordedPath, geometry: CameraGeometry, spacing_m: float, threshold_m: float, snapshots: int = 4
    ) -> None:
        self.path = path
        self.geometry = geometry
        self.renderer = Renderer(geometry)
        self.lane = LaneMeter(geometry=geometry)
        self.threshold_m = threshold_m
        self.snapshot_at = [(k + 0.5) * path.length_m / snapshots for k in range(snapshots)]
        self.trace = Trace()
        self._decisions = _decisions(path, spacing_m)
        self._next = 0  # index of the next decision
        self._frame: tuple[int, int, np.ndarray, float] | None = None  # (segment, frame, RGB, recorded lane offset)
        self._view: tuple[DriverView, float] | None = None  # the next decision's view and its camera's offset
        self.state, self.steering = Deviation(), 0.0
        self.offset_m = 0.0  # path metres before the current segment
        self.elapsed_s = 0.0  # recorded seconds replayed, over all segments

    @property
    def done(self) -> bool:
        """True when every decision of the recording has been made."""
        return self._next >= len(self._decisions)

    @property
    def distance_m(self) -> float:
        """Path metres replayed so far, over all segments."""
        return self.trace.distance_m[-1] if self.trace.distance_m else 0.0

    def _recorded(self, at: _Decision) -> tuple[np.ndarray, float]:
        if self._frame is None or self._frame[:2] != (at.segment, at.frame):
            frame = read_rgb(self.path.segments[at.segment].frames[at.frame])
            self._frame = (at.segment, at.frame, frame, _or_nan(self.lane(frame)))
        return self._frame[2], self._frame[3]

    def view(self) -> DriverView:
        """What the driver sees at the next decision: the recorded frame re-rendered for the car's camera pose.

        Raises:
            RuntimeError: every decision has been made (`done`).
        """
        if self.done:
            raise RuntimeError(f"the replay of {self.path.recording} has ended: every decision has been made")
        if self._view is None:
            at = self._decisions[self._next]
            segment = self.path.segments[at.segment]
            if at.frame == 0 and at.n == 0:  # a segment starts on the path
                self.state, self.steering = Deviation(), 0.0
                self.trace.segment_starts_m.append(self.offset_m)
            frame, _ = self._recorded(at)
            k_path = curvature(float(segment.steering[at.frame]), self.geometry.wheelbase_m)
            right, forward, yaw = camera_offset(self.state, at.n * at.step_m, k_path, self.geometry.camera_ahead_of_rear_axle_m)
            image = self.renderer.render(frame, right, forward, yaw)
            view = DriverView(
                image, self.steering, float(segment.speed_mph[at.frame]), float(segment.steering[at.frame]), self.lane(image)
            )
            self._view = (view, self.state.lateral_at(self.geometry.wheelbase_m / 2))
        return self._view[0]

    def step(self, steering: float) -> bool:
        """Hold `steering` to the next decision and log the step; True where it was an intervention
        (the car has then been put back on the path, heading along it)."""
        self.view()
        view, seen_from = self._view
        at = self._decisions[self._next]
        segment = self.path.segments[at.segment]
        wheelbase = self.geometry.wheelbase_m
        if at.frame or at.n:  # a segment's first decision has no previous one
            self.trace.steering_change.append(float(steering) - self.steering)
        self.steering = float(steering)
        self.state = advance(self.state, at.step_m, curvature(self.steering, wheelbase), curvature(view.recorded_steering, wheelbase))
        self.trace.lane_offset_m.append(_or_nan(view.lane_offset_m))
        self.trace.recorded_lane_offset_m.append(self._recorded(at)[1])
        end_m = float(segment.s_m[at.frame]) + (at.n + 1) * at.step_m
        gap_s = float(segment.times_s[at.frame + 1] - segment.times_s[at.frame])
        self.elapsed_s += gap_s / at.count
        intervened = self._record(end_m, self._recorded(at)[0], view.image, seen_from)
        if intervened:
            self.state = Deviation()
        self._next += 1
        self._view = None
        if at.frame == len(segment.frames) - 2 and at.n == at.count - 1:
            self.offset_m += segment.length_m
        return intervened

    def _record(self, end_m: float, frame: np.ndarray, image: np.ndarray, seen_from: float) -> bool:
        """Log one step and take a snapshot where one is due; True where it is an intervention."""
        lateral = self.state.lateral_at(self.geometry.wheelbase_m / 2)
        trace = self.trace
        trace.distance_m.append(self.offset_m + end_m)
        trace.lateral_m.append(lateral)
        trace.heading_rad.append(self.state.psi)
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
    driver: ViewSteering,
    geometry: CameraGeometry,
    spacing_m: float,
    threshold_m: float,
    snapshots: int = 4,
    progress: bool = False,
) -> ReplayStepper:
    """Replay every segment of `path` with `driver` steering (see the module docstring); return the
    finished stepper, whose `trace` holds every decision."""
    stepper = ReplayStepper(path, geometry, spacing_m, threshold_m, snapshots)
    with tqdm(total=round(path.length_m), unit="m", desc="replaying", disable=not progress, leave=False) as bar:
        while not stepper.done:
            stepper.step(float(driver(stepper.view())))
            bar.update(max(0, round(stepper.distance_m) - bar.n))
            bar.set_postfix(interventions=len(stepper.trace.intervention_steps), refresh=False)
    return stepper
