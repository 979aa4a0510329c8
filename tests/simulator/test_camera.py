"""Camera rendering: shape and type, sky above, road ahead, side cameras shifted."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from recorder.formats import CAMERAS
from simulator.camera import CameraConfig
from simulator.car import CarState
from simulator.simulation import Simulation


def _pose(sim: Simulation, s: float, left: float = 0.0) -> CarState:
    x, y, heading = sim.track.point_at(s)
    return CarState(x=x - left * math.sin(heading), y=y + left * math.cos(heading), heading=heading)


def _grey(image: np.ndarray) -> np.ndarray:
    """Asphalt: R, G and B close together and mid-dark."""
    rgb = image.astype(int)
    spread = rgb.max(axis=-1) - rgb.min(axis=-1)
    return (spread < 20) & (rgb.mean(axis=-1) > 60) & (rgb.mean(axis=-1) < 150)


def _road_centre(image: np.ndarray, row: int) -> float:
    cols = np.flatnonzero(_grey(image)[row])
    return float(cols.mean())


def test_shape_dtype_and_all_cameras(shared_sim: Simulation) -> None:
    images = shared_sim.cameras.render_all(_pose(shared_sim, 50.0))
    assert set(images) == set(CAMERAS)
    for image in images.values():
        assert image.shape == (160, 320, 3) and image.dtype == np.uint8


def test_sky_above_road_ahead(shared_sim: Simulation) -> None:
    image = shared_sim.render("center")  # the car at the start, on the centre line
    sky = image[:40].reshape(-1, 3).astype(int)
    assert (sky[:, 2] > sky[:, 0] + 40).mean() > 0.9  # blue above the horizon
    road = _grey(image[110:160, 120:200])
    assert road.mean() > 0.95  # asphalt straight ahead at the bottom
    assert _grey(image[80:100]).mean() < 0.8  # and the road has edges in view, grass beyond


def test_side_cameras_see_the_road_shifted(shared_sim: Simulation) -> None:
    pose = _pose(shared_sim, 200.0)
    images = shared_sim.cameras.render_all(pose)
    row = 95
    left, centre, right = (_road_centre(images[name], row) for name in ("left", "center", "right"))
    # Seen from the left of the car the road lies more to the right, and the other way round.
    assert left > centre + 10 and right < centre - 10


def test_side_camera_is_the_centre_camera_moved_sideways(shared_sim: Simulation) -> None:
    offset = CameraConfig().side_offset
    left = shared_sim.cameras.render(_pose(shared_sim, 300.0), "left")
    moved = shared_sim.cameras.render(_pose(shared_sim, 300.0, left=offset), "center")
    assert np.abs(left.astype(int) - moved.astype(int)).max() <= 2


def test_turning_moves_the_view(shared_sim: Simulation) -> None:
    pose = _pose(shared_sim, 100.0)
    a = shared_sim.cameras.render(pose)
    b = shared_sim.cameras.render(replace(pose, heading=pose.heading + 0.2))
    # Turning left moves the road (and the sky) to the right in the image.
    assert _road_centre(b, 95) > _road_centre(a, 95) + 10
    assert not np.array_equal(a[:50], b[:50])


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="horizon_row"):
        CameraConfig(horizon_row=200.0)
