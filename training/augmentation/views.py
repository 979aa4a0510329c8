"""View synthesis: what the camera would have seen shifted sideways or turned, and the steering back.

NVIDIA's PilotNet learns to recover from mistakes it never saw a person make by
training on views synthesised from the recorded frames for cameras shifted and
rotated away from the driven path, each labelled with the steering that brings
the car back to the path (Bojarski et al. 2016, "End to End Learning for
Self-Driving Cars", sections 2 and 5.2). Side cameras give two such shifts; the
tutorials' horizontal image shift imitates a turn with a guessed label. Here both
come from geometry:

- The view: the flat-ground homography of the Udacity simulator's own camera
  (`recorder.camera_geometry`, the values of its Unity project), the same warp the
  replay simulator (`simulator.replay`) renders deviated poses with. Only the
  road's homography is needed: the camera is pitched down so that its horizon
  (row 57 of 160) lies above the rows preprocessing keeps (from row 60), so the
  model never sees the sky, which would need a rotation-only warp.
- The label: pure pursuit towards the recorded path. A car `right_m` to the
  right of the path and turned `yaw_left_rad` to the left sees the path's point
  `lookahead_m` ahead at x = L sin(yaw) - d cos(yaw) to its right; the arc that
  reaches it has curvature 2x / L^2, and the bicycle model's wheel angle for that
  curvature is atan(wheelbase * curvature). The result is added to the recorded
  steering (the path's own curvature). A short look-ahead corrects hard, a long
  one gently; the closed loop it gives is damped for any look-ahead (the
  second-order system d'' + (2/L) d' + (2/L^2) d = 0 per metre, damping ratio
  1/sqrt(2)).

Pixels the moved camera sees beyond the recorded frame's edge repeat the edge, as
in the replay.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from recorder.camera_geometry import (
    UNITY_GEOMETRY,
    CameraGeometry,
    ground_homography,
    return_steering,
)
from training.augmentation.labels import frame_scale
from training.preprocess import PreprocessConfig

__all__ = ["draw_views", "return_steering", "view_homography", "warp_view"]


def _frame_to_preprocessed(preprocess: PreprocessConfig) -> np.ndarray:
    """Affine map from a 320x160 frame's pixel to the cropped and resized frame's pixel (pixel centres)."""
    scale_x, scale_y = frame_scale(preprocess)
    return np.array([
        [scale_x, 0.0, 0.5 * scale_x - 0.5],
        [0.0, scale_y, (0.5 - preprocess.crop_top) * scale_y - 0.5],
        [0.0, 0.0, 1.0],
    ])


def view_homography(
    right_m: float,
    yaw_left_rad: float,
    preprocess: PreprocessConfig | None = None,
    geometry: CameraGeometry = UNITY_GEOMETRY,
) -> np.ndarray:
    """H mapping a pixel of the moved camera's view to the recorded frame's pixel (for `WARP_INVERSE_MAP`).

    With `preprocess`, both are pixels of the preprocessed frame (crop and resize
    commute with the warp up to resampling), so a stored preprocessed frame can be
    warped directly; without it, pixels of the 320x160 frame.
    """
    homography = ground_homography(geometry, right_m, 0.0, yaw_left_rad)
    if preprocess is None:
        return homography
    to_preprocessed = _frame_to_preprocessed(preprocess)
    return to_preprocessed @ homography @ np.linalg.inv(to_preprocessed)


def warp_view(image: np.ndarray, homography: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Warp `image` by the inverse map `homography` (bilinear, edges repeated); into `out` when given."""
    height, width = image.shape[:2]
    return cv2.warpPerspective(
        image, homography, (width, height), dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )


def draw_views(
    batch: int, max_offset_m: float, max_turn_deg: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform sideways shifts (m) and left turns (rad) of `batch` views, either way."""
    right_m = rng.uniform(-max_offset_m, max_offset_m, batch)
    yaw_left_rad = rng.uniform(-1.0, 1.0, batch) * math.radians(max_turn_deg)
    return right_m, yaw_left_rad
