"""The Unity camera geometry and its homographies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recorder.camera_geometry import (
    CameraGeometry,
    ground_homography,
    rotation_homography,
)


def _project(geometry: CameraGeometry, point: np.ndarray, camera: np.ndarray, yaw_left: float = 0.0) -> np.ndarray:
    """Pixel (u, v) of a car-frame point seen by a camera at `camera` turned `yaw_left` (pinhole, Unity axes)."""
    from recorder.camera_geometry import yaw_matrix

    rotation = yaw_matrix(yaw_left) @ geometry.camera_rotation
    p = geometry.intrinsics @ rotation.T @ (point - camera)
    return p[:2] / p[2]


def test_unity_values_give_the_simulator_view() -> None:
    geometry = CameraGeometry()
    assert geometry.focal_px == pytest.approx(80 / math.tan(math.radians(30)))  # 60 degrees over 160 rows
    assert 55 < geometry.horizon_row() < 58  # pitched ~9.4 degrees down: the horizon a third of the way down
    assert geometry.wheelbase_m == pytest.approx(2.87)
    with pytest.raises(ValueError, match="lens_height_m"):
        CameraGeometry(lens_height_m=0)


def test_ground_homography_maps_a_road_point_between_the_two_cameras() -> None:
    geometry = CameraGeometry()
    original = np.array([0.0, geometry.lens_height_m, 0.0])
    road_point = np.array([1.3, 0.0, 9.0])
    right, forward, yaw = 0.7, 1.1, 0.08
    moved = original + np.array([right, 0.0, forward])
    seen_moved = _project(geometry, road_point, moved, yaw)
    mapped = ground_homography(geometry, right, forward, yaw) @ np.append(seen_moved, 1.0)
    assert mapped[:2] / mapped[2] == pytest.approx(_project(geometry, road_point, original), abs=1e-6)
    assert np.allclose(ground_homography(geometry, 0, 0, 0) / geometry.lens_height_m, np.eye(3))
    assert np.allclose(rotation_homography(geometry, 0.0), np.eye(3))
