"""The run's pictures: a labelled camera strip and the path over the track."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from simulator.plots import STRIP_GAP, camera_strip, plot_path
from simulator.simulation import Simulation


def test_camera_strip_is_three_views_side_by_side(shared_sim: Simulation, tmp_path: Path) -> None:
    images = shared_sim.cameras.render_all(shared_sim.state)
    path = camera_strip(images, tmp_path / "cams.png")
    strip = cv2.imread(str(path))
    assert strip.shape == (160, 3 * 320 + 2 * STRIP_GAP, 3)
    # The middle tile is the centre camera (below the label).
    middle = cv2.cvtColor(strip[40:, 320 + STRIP_GAP : 640 + STRIP_GAP], cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(middle, images["center"][40:])


def test_path_plot_is_written(shared_sim: Simulation, tmp_path: Path) -> None:
    track = shared_sim.track
    xs, ys = track.points[:200, 0], track.points[:200, 1]
    ctes = np.linspace(0, 1, 200)
    path = plot_path(track, xs, ys, ctes, [50], tmp_path / "path.png", title="test")
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] > 300 and image.shape[1] > 300
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
