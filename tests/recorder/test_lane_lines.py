"""The lane-centre meter on synthetic roads drawn through the Unity camera."""

from __future__ import annotations

import numpy as np
import pytest

from recorder.camera_geometry import CameraGeometry
from recorder.lane_lines import LaneConfig, LaneMeter

ASPHALT, YELLOW, SKY = (105, 105, 105), (225, 200, 40), (120, 170, 230)


def road(offset_m: float, width_m: float = 6.9, line_m: float = 0.15) -> np.ndarray:
    """RGB frame of a straight flat road whose yellow lines are `width_m` apart, the camera `offset_m` right of centre."""
    geometry = CameraGeometry()
    v, u = np.mgrid[0 : geometry.height, 0 : geometry.width].astype(np.float64)
    pixels = np.stack([u, v, np.ones_like(u)], axis=-1)
    rays = pixels @ (geometry.camera_rotation @ np.linalg.inv(geometry.intrinsics)).T  # car axes
    down = rays[..., 1] < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = -geometry.lens_height_m * rays[..., 0] / rays[..., 1] + offset_m  # across the road, from its centre
    frame = np.empty((geometry.height, geometry.width, 3), np.uint8)
    frame[:] = SKY
    frame[down] = ASPHALT
    on_line = down & (np.minimum(np.abs(x - width_m / 2), np.abs(x + width_m / 2)) < line_m / 2)
    frame[on_line] = YELLOW
    return frame


@pytest.mark.parametrize("offset_m", [-1.5, 0.0, 0.3, 1.6])
def test_measures_a_drawn_road(offset_m: float) -> None:
    assert LaneMeter()(road(offset_m)) == pytest.approx(offset_m, abs=0.05)


def test_no_reading_without_two_lines_a_lane_apart() -> None:
    meter = LaneMeter()
    assert meter(road(0.0, width_m=4.0)) is None  # lines too close: a curb, a shadow, not this lane
    plain = road(0.0)
    plain[np.all(plain == YELLOW, axis=-1)] = ASPHALT
    assert meter(plain) is None
    assert LaneMeter(LaneConfig(lane_width_m=4.0))(road(0.0, width_m=4.0)) == pytest.approx(0.0, abs=0.05)


def test_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="far_m"):
        LaneConfig(near_m=5.0, far_m=4.0)
    with pytest.raises(ValueError, match="min_row_fraction"):
        LaneConfig(min_row_fraction=0.0)
    with pytest.raises(ValueError, match="min_value"):
        LaneConfig(min_value=300)
