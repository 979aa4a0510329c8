"""Re-rendering recorded frames for a deviated pose."""

from __future__ import annotations

import numpy as np

from simulator.replay.render import Renderer
from tests.conftest import synthetic_frame


def _road_centre(image: np.ndarray, row: int) -> float:
    grey = np.all(image[row] == (110, 110, 110), axis=-1)
    return float(np.flatnonzero(grey).mean())


def test_no_deviation_is_the_recorded_frame() -> None:
    frame = synthetic_frame(0.0)
    assert np.array_equal(Renderer().render(frame, 0.0, 0.0, 0.0), frame)


def test_a_car_right_of_the_road_sees_the_road_to_its_left() -> None:
    frame = synthetic_frame(0.0)
    renderer = Renderer()
    moved = renderer.render(frame, 0.8)
    assert _road_centre(moved, 150) < _road_centre(frame, 150) - 10
    assert np.array_equal(moved[:50], frame[:50])  # above the horizon only a turn moves the view
    turned = renderer.render(frame, 0.0, 0.0, 0.1)  # turned left: the scene moves right
    assert _road_centre(turned, 150) > _road_centre(frame, 150) + 10
    assert renderer.render(frame[..., 0], 0.8).shape == (160, 320)
    assert renderer.coverage(0.8)[150].sum() < 320 == renderer.coverage(0.0)[150].sum()
