"""Re-rendering a recorded frame as a camera at a deviated pose would have seen it.

Bojarski et al. 2016, section 6: the recorded image is transformed to the view of
the car's shifted and rotated camera under the assumption that everything below
the horizon is flat road. Here that is one homography per pose for the road
(`ground_homography`) and one for the rest (`rotation_homography`: far away, only
a turn moves it), each a single `cv2.warpPerspective`; the new camera's horizon line
splits the two. On the horizon the two maps agree (the road homography tends to
the rotation one as the distance grows), so there is no seam. Where the moved
camera sees past the recorded image's edge, the edge pixels are repeated.
"""

from __future__ import annotations

import cv2
import numpy as np

from recorder.camera_geometry import (
    UNITY_GEOMETRY,
    CameraGeometry,
    ground_homography,
    rotation_homography,
    yaw_matrix,
)

__all__ = ["Renderer"]

# Flags: the homographies map output pixels to source pixels.
_WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


class Renderer:
    """Warps recorded centre frames to deviated poses; one per camera geometry."""

    def __init__(self, geometry: CameraGeometry = UNITY_GEOMETRY) -> None:
        self.geometry = geometry
        self.size = (geometry.width, geometry.height)
        self._columns = np.arange(geometry.width, dtype=np.float64)
        self._k_inv = np.linalg.inv(geometry.intrinsics)

    def _horizon(self, yaw_left_rad: float) -> tuple[int, int, np.ndarray]:
        """Rows [top, bottom) the turned camera's horizon line crosses, and its ground mask there.

        A pixel's ray goes down (sees the road) where r_y = a u + b v + c < 0; the
        line is nearly level (the cameras' roll is about 1 degree), so the band is a few rows.
        """
        a, b, c = (yaw_matrix(yaw_left_rad) @ self.geometry.camera_rotation @ self._k_inv)[1]
        rows = -(a * self._columns[[0, -1]] + c) / b  # horizon row at the first and last column
        top = int(np.clip(np.floor(rows.min()), 0, self.geometry.height))
        bottom = int(np.clip(np.ceil(rows.max()) + 1, top, self.geometry.height))
        v = np.arange(top, bottom, dtype=np.float64)[:, None]
        return top, bottom, a * self._columns[None, :] + b * v + c < 0

    def render(
        self, frame: np.ndarray, right_m: float, forward_m: float = 0.0, yaw_left_rad: float = 0.0
    ) -> np.ndarray:
        """The view from a camera `right_m` to the right, `forward_m` ahead and turned `yaw_left_rad` left.

        Args:
            frame: the recorded centre frame, (160, 320, 3) uint8 (any channel order) or (160, 320) grey.
        """
        out = cv2.warpPerspective(
            frame,
            ground_homography(self.geometry, right_m, forward_m, yaw_left_rad),
            self.size,
            flags=_WARP_FLAGS,
            borderMode=cv2.BORDER_REPLICATE,
        )
        top, bottom, ground = self._horizon(yaw_left_rad)
        if yaw_left_rad == 0.0:
            sky = frame[:bottom]
        else:  # only the rows down to the horizon's lowest point are needed
            sky = cv2.warpPerspective(
                frame,
                rotation_homography(self.geometry, yaw_left_rad),
                (self.geometry.width, bottom),
                flags=_WARP_FLAGS,
                borderMode=cv2.BORDER_REPLICATE,
            )
        out[:top] = sky[:top]
        band = out[top:bottom]
        band[...] = np.where(ground if frame.ndim == 2 else ground[..., None], band, sky[top:bottom])
        return out

    def coverage(self, right_m: float, forward_m: float = 0.0, yaw_left_rad: float = 0.0) -> np.ndarray:
        """Boolean (H, W): output pixels whose road point lies inside the recorded frame (not a repeated edge)."""
        ones = np.full((self.geometry.height, self.geometry.width), 255, np.uint8)
        inside = cv2.warpPerspective(
            ones,
            ground_homography(self.geometry, right_m, forward_m, yaw_left_rad),
            self.size,
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return inside > 0
