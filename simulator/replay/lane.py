"""Where the car is in its lane: its offset from the midpoint of the two yellow lane lines.

The replay counts an intervention when the car is more than a metre from the
*recorded driver's* path. Bojarski et al. (2016) could take that path for the lane
centre (professional drivers on real roads); people steering the Udacity simulator
with a keyboard cannot be assumed to hold it. This meter measures how far a frame's
camera is from the lane centre, so a recording's driver and a replayed car can both
be placed in the lane, and a reader can tell a model that left the lane centre from
one that left a driver who was not on it.

Method (`recorder.lane_lines`, shared with training's lane-centre labels): the lake track's lane is marked by a yellow line on each side. The frame is
warped to a bird's-eye view of the road `near_m`..`far_m` ahead of the lens (flat
ground, the Unity camera geometry of `recorder.camera_geometry`); yellow pixels are
found by hue, saturation and value; in each row of the view the nearest yellow pixel
on each side of the lens belongs to a line; the medians over the rows place the two
lines. A frame counts only where both lines are found in most rows and lie a lane's
width apart, so curbs, shadows and the bridge (no yellow lines) give no reading
rather than a wrong one. Checked on the recordings' own side cameras (`check_lane`):
the lane centre seen from the left and right cameras must move by the cameras'
spacing in the Unity prefab.

Limits, stated where the figures are used:
- The reading is the lane centre's offset about 5 m ahead along the camera's axis:
  a camera turned against the lane by psi reads about 5 psi (0.09 m per degree)
  more to the side it turned from, and in a bend of radius R the centre 5 m ahead
  has moved about 12.5 / R m towards the inside. Fitting each line and taking it at
  the lens would remove both, but on the recordings that extrapolation moved the
  side-camera check's answer by 0.3 m with the window, so it is not done.
- The near rows see about 3.4 m to each side: a line further out is found only in
  the far rows, so offsets up to about 2 m are read and larger ones give no reading.
- The side-camera check reads the cameras' spacing about 5 % wide (0.85-0.86 m
  against the prefab's 0.81-0.83 m): offsets are about that much too large.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

from recorder import LoadConfig, load_recordings
from recorder.camera_geometry import UNITY_CAMERAS, UNITY_GEOMETRY, CameraGeometry
from recorder.images import read_rgb
from recorder.lane_lines import LaneConfig, LaneMeter

__all__ = ["LaneConfig", "LaneMeter", "LaneCheck", "check_lane", "LANE_TABLE_HEADER"]

logger = logging.getLogger(__name__)

# Header of `LaneCheck.table_row`.
LANE_TABLE_HEADER = (
    "| recording | rows | measured | mean offset m | mean \\|offset\\| m | p90 \\|offset\\| m | max \\|offset\\| m "
    "| rows > 1 m | left camera spacing m | right camera spacing m |\n|---|---|---|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class LaneCheck:
    """A recording's driver in the lane, and the meter checked on the side cameras."""

    recording: str  # the recording folder
    rows: int  # rows the recorder keeps
    offsets_m: tuple[float, ...]  # centre camera's offset from the lane centre where measured (m, > 0 right)
    spacing_m: dict[str, tuple[int, float, float]]  # side -> (frames, measured spacing, the prefab's) (m, > 0 right)

    def summary(self) -> dict[str, float]:
        """Mean, mean |.|, 90th percentile and max of |offset| (m), the share of rows over 1 m (%), and in how
        many places (runs of measured rows, in log order) the driver was more than 1 m off centre."""
        off = np.asarray(self.offsets_m, float)
        if not off.size:
            return {}
        return {
            "mean_offset_m": round(float(off.mean()), 3),
            "mean_abs_offset_m": round(float(np.abs(off).mean()), 3),
            "p90_abs_offset_m": round(float(np.percentile(np.abs(off), 90)), 3),
            "max_abs_offset_m": round(float(np.abs(off).max()), 3),
            "over_1m_percent": round(100.0 * float(np.mean(np.abs(off) > 1.0)), 1),
            "places_over_1m": int(np.count_nonzero(np.diff(np.concatenate([[0], (np.abs(off) > 1.0).astype(int)])) == 1)),
        }

    def table_row(self) -> str:
        """One markdown row under `LANE_TABLE_HEADER`."""
        name = os.path.basename(os.path.normpath(self.recording))
        s = self.summary()
        figures = (
            f"{s['mean_offset_m']:+.2f} | {s['mean_abs_offset_m']:.2f} | {s['p90_abs_offset_m']:.2f} | "
            f"{s['max_abs_offset_m']:.2f} | {s['over_1m_percent']:.1f} % in {s['places_over_1m']} places"
            if s else "n/a | n/a | n/a | n/a | n/a"
        )
        spacing = []
        for side in ("left", "right"):
            frames, measured, expected = self.spacing_m.get(side, (0, float("nan"), float("nan")))
            spacing.append(f"{measured:+.3f} (prefab {expected:+.3f}, {frames} frames)" if frames else "n/a")
        return f"| {name} | {self.rows} | {len(self.offsets_m)} | {figures} | {spacing[0]} | {spacing[1]} |"

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {
            "recording": self.recording,
            "rows": self.rows,
            "measured": len(self.offsets_m),
            **self.summary(),
            "side_camera_spacing_m": {
                side: {"frames": f, "measured": round(m, 4), "prefab": e} for side, (f, m, e) in self.spacing_m.items()
            },
            "offsets_m": [round(o, 3) for o in self.offsets_m],
        }


def check_lane(
    recording: str | os.PathLike, config: LaneConfig = LaneConfig(), geometry: CameraGeometry = UNITY_GEOMETRY
) -> LaneCheck:
    """Measure the driver's offset from the lane centre on every kept row of `recording`.

    Where a side camera's frame is measured too, the lane centre's position seen
    from the centre camera minus that seen from the side camera is the side
    camera's x in the car, which the Unity prefab gives: the meter's check.

    Raises:
        RecordingError: the recording is unusable.
    """
    meter = LaneMeter(config, geometry)
    samples = load_recordings([recording], LoadConfig()).samples
    offsets: list[float] = []
    spacing: dict[str, list[float]] = {"left": [], "right": []}
    for sample in samples:
        centre = meter(read_rgb(sample.center))
        if centre is None:
            continue
        offsets.append(centre)
        for side in spacing:
            if sample.has_side_cameras:
                seen = meter(read_rgb(sample.camera(side)))
                if seen is not None:
                    spacing[side].append(seen - centre)  # lane centre's x from the centre lens minus from the side lens
    measured = {
        side: (len(values), float(np.median(values)), UNITY_CAMERAS[side][0] - UNITY_CAMERAS["center"][0])
        for side, values in spacing.items()
        if values
    }
    logger.info("%s: lane centre measured on %d of %d rows", recording, len(offsets), len(samples))
    return LaneCheck(os.fspath(recording), len(samples), tuple(offsets), measured)
