"""Where a camera is in its lane: its offset from the midpoint of the two yellow lane lines.

The lake track's lane is marked by a yellow line on each side. A frame is warped to
a bird's-eye view of the road `near_m`..`far_m` ahead of the lens (flat ground, the
Unity camera geometry of `recorder.camera_geometry`); yellow pixels are found by
hue, saturation and value; in each row of the view the nearest yellow pixel on each
side of the lens belongs to a line; the medians over the rows place the two lines.
A frame counts only where both lines are found in most rows and lie a lane's width
apart, so curbs, shadows and the bridge (no yellow lines) give no reading rather
than a wrong one.

It is image geometry on a recorded frame, so it lives beside the camera geometry:
the replay (`simulator.replay.lane`) places cars in the lane with it, and training
(`training.augmentation`) labels examples with the steering back to the lane centre.
The reading is the lane centre's offset about `READING_AHEAD_M` ahead along the
camera's axis; `simulator.replay.lane` states its limits and its check on the
recordings' side cameras.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recorder.camera_geometry import UNITY_GEOMETRY, CameraGeometry
from recorder.config_fields import check_range, setting

__all__ = ["LaneConfig", "LaneMeter", "READING_AHEAD_M"]

# The meter reads the lane centre about this far ahead along the camera's axis (its rows span 3-7 m).
READING_AHEAD_M = 5.0


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
