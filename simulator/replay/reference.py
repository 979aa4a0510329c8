"""A reference driver for replays that steers by the lane lines, and what it scores.

The replay measures how far a car strays from the path the recording's driver took.
Where that driver did not hold the lane centre, a car that does is counted as
straying. This driver answers what a recording's replay can give at best to a car
that keeps its lane: it sees only the re-rendered view, as a model does, takes the
lane centre the replay reads from that view's yellow lines (`DriverView.lane_offset_m`,
`simulator.replay.lane`, about 5 m ahead) and steers to it by pure pursuit
(`recorder.camera_geometry.return_steering` with that look-ahead); where the view
shows no two lane lines it steers as the driver did.
Its interventions at a threshold are the ones a model cannot avoid by keeping its
lane better.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from recorder.camera_geometry import return_steering
from recorder.lane_lines import READING_AHEAD_M
from simulator.replay.loop import DriverView
from simulator.replay.run import ReplayConfig, ReplayMetrics, replay_in_process

__all__ = ["LaneKeeper", "ReferenceReplay", "replay_lane_keeper", "REFERENCE_TABLE_HEADER"]


# Header of `ReferenceReplay.table_row`.
REFERENCE_TABLE_HEADER = (
    "| recording | threshold m | interventions | autonomy % | car mean \\|offset\\| m | driver mean \\|offset\\| m "
    "| steered by the lines |\n|---|---|---|---|---|---|---|"
)


@dataclass
class LaneKeeper:
    """`LaneKeeper()(view)`: steering to the lane centre where both lines show, else the recorded steering."""

    lookahead_m: float = READING_AHEAD_M
    decisions: int = 0  # calls so far
    by_lines: int = 0  # of them, steered by the lane lines

    def __call__(self, view: DriverView) -> float:
        self.decisions += 1
        offset = view.lane_offset_m
        if offset is None:
            return view.recorded_steering
        self.by_lines += 1
        return max(-1.0, min(1.0, float(return_steering(offset, 0.0, self.lookahead_m))))


@dataclass(frozen=True)
class ReferenceReplay:
    """The lane keeper's replay of one recording at one threshold."""

    recording: str
    metrics: ReplayMetrics
    by_lines_percent: float  # decisions steered by the lane lines (%)

    def table_row(self) -> str:
        """One markdown row under `REFERENCE_TABLE_HEADER`."""
        m = self.metrics
        name = os.path.basename(os.path.normpath(self.recording))
        lane = [f"{v:.2f}" if v is not None else "n/a" for v in (m.mean_abs_lane_offset_m, m.recorded_mean_abs_lane_offset_m)]
        return (f"| {name} | {m.threshold_m:g} | {m.interventions} | {m.autonomy_percent:.1f} | {lane[0]} | {lane[1]} "
                f"| {self.by_lines_percent:.0f} % |")

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {"recording": self.recording, "by_lines_percent": self.by_lines_percent, **self.metrics.to_dict()}


def replay_lane_keeper(recording: str | os.PathLike, config: ReplayConfig = ReplayConfig()) -> ReferenceReplay:
    """Replay `recording` with the lane keeper in process.

    Raises:
        RecordingError: the recording cannot be replayed.
    """
    keeper = LaneKeeper()
    metrics = replay_in_process(recording, keeper, config).metrics
    share = 100.0 * keeper.by_lines / keeper.decisions if keeper.decisions else 0.0
    return ReferenceReplay(os.fspath(recording), metrics, round(share, 1))
