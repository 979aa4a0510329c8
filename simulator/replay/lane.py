"""Where the car is in its lane: its offset from the midpoint of the two yellow lane lines.

The replay counts an intervention when the car is more than a metre from the
*recorded driver's* path. Bojarski et al. (2016) could take that path for the lane
centre (professional drivers on real roads); people steering the Udacity simulator
with a keyboard cannot be assumed to hold it. This meter measures how far a frame's
camera is from the lane centre, so a recording's driver and a replayed car can both
be placed in the lane, and a reader can tell a model that left the lane centre from
one that left a driver who was not on it.

Method: the lake track's lane is marked by a yellow line on each side. The frame is
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

import cv2
import numpy as np

from recorder import LoadConfig, load_recordings
from recorder.camera_geometry import UNITY_CAMERAS, UNITY_GEOMETRY, CameraGeometry
from recorder.config_fields import check_range, setting
from recorder.images import read_rgb

__all__ = ["LaneConfig", "LaneMeter", "LaneCheck", "check_lane", "LANE_TABLE_HEADER"]

logger = logging.getLogger(__name__)

# Header of `LaneCheck.table_row`.
LANE_TABLE_HEADER = (
    "| recording | rows | measured | mean offset m | mean \\|offset\\| m | p90 \\|offset\\| m | max \\|offset\\| m "
    "| rows > 1 m | left camera spacing m | right camera spacing m |\n|---|---|---|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class LaneConfig:
    """The bird's-eye window, what counts as yellow, and when a frame's two lines are believed."""

    near_m: float = setting(3.0, "nearest road ahead of the lens looked at (m)")
    far_m: float = setting(7.0, "farthest road ahead of the lens looked at (m)")
    half_width_m: float = setting(6.0, "road looked at either side of the lens (m)")
    cell_m: float = setting(0.05, "bird's-eye cell size (m)")
    min_saturation: int = setting(80, "least HSV saturation of a yellow pixel (0..255)")
    min_value: int = setting(80, "least HSV value of a yellow pixel (0..255)")
    min_row_fraction: float = setting(0.4, "share of the view's rows in which each line must be found")
    lane_width_m: float = setting(6.9, "distance between the lake track's yellow lines (m)")
    width_tolerance_m: float = setting(0.4, "lines further than this from the lane width apart give no reading (m)")

    def __post_init__(self) -> None:
        for name in ("near_m", "cell_m", "half_width_m", "lane_width_m", "width_tolerance_m"):
            check_range(name, getattr(self, name), low=0, low_open=True)
        if not self.far_m > self.near_m:
            raise ValueError(f"far_m must be > near_m ({self.near_m}), got {self.far_m}")
        for name in ("min_saturation", "min_value"):
            check_range(name, getattr(self, name), low=0, high=255)
        check_range("min_row_fraction", self.min_row_fraction, low=0, high=1, low_open=True)


# OpenCV's hue runs 0..179: yellow is about 30; the lines render between 15 and 35.
_YELLOW_HUE = (15, 35)


class LaneMeter:
    """`LaneMeter()(rgb)`: the camera's offset from the lane centre (m, > 0 right of it), or None."""

    def __init__(self, config: LaneConfig = LaneConfig(), geometry: CameraGeometry = UNITY_GEOMETRY) -> None:
        self.config = config
        steps = round(2 * config.half_width_m / config.cell_m) + 1
        self._x = np.linspace(-config.half_width_m, config.half_width_m, steps)
        self._centre = steps // 2  # the column straight ahead of the lens (x = 0)
        z = np.arange(config.near_m, config.far_m + 1e-9, config.cell_m)
        xx, zz = np.meshgrid(self._x, z)
        # Road point (x right, -h, z ahead) in car axes -> camera axes -> pixel.
        ground = np.stack([xx, np.full_like(xx, -geometry.lens_height_m), zz], axis=-1)
        pixels = ground @ (geometry.intrinsics @ geometry.camera_rotation.T).T
        self._map_u = (pixels[..., 0] / pixels[..., 2]).astype(np.float32)
        self._map_v = (pixels[..., 1] / pixels[..., 2]).astype(np.float32)

    def lines(self, rgb: np.ndarray) -> tuple[float, float] | None:
        """(left, right) lines' x (m, > 0 right of the lens) where both are found in enough rows, else None."""
        view = cv2.remap(rgb, self._map_u, self._map_v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        hsv = cv2.cvtColor(view, cv2.COLOR_RGB2HSV)
        low = (_YELLOW_HUE[0], self.config.min_saturation, self.config.min_value)
        yellow = cv2.inRange(hsv, low, (_YELLOW_HUE[1], 255, 255))
        # Per row, the nearest yellow pixel on each side of the lens: the last one left of it, the first one right.
        left_side, right_side = yellow[:, : self._centre][:, ::-1], yellow[:, self._centre + 1 :]
        left_found, right_found = left_side.any(axis=1), right_side.any(axis=1)
        left = self._x[self._centre - 1 - left_side.argmax(axis=1)][left_found]
        right = self._x[self._centre + 1 + right_side.argmax(axis=1)][right_found]
        needed = self.config.min_row_fraction * yellow.shape[0]
        if len(left) < needed or len(right) < needed:
            return None
        left_m, right_m = float(np.median(left)), float(np.median(right))
        if abs(right_m - left_m - self.config.lane_width_m) > self.config.width_tolerance_m:
            return None
        return left_m, right_m

    def __call__(self, rgb: np.ndarray) -> float | None:
        """The lens's offset from the midpoint of the lines (m, > 0 right of the lane centre), or None."""
        found = self.lines(rgb)
        return None if found is None else -0.5 * (found[0] + found[1])


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
