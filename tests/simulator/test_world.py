"""The world raster: asphalt along the centre line, kerbs at the edges, grass far away."""

from __future__ import annotations

import numpy as np

from simulator.simulation import Simulation
from simulator.world import COLOURS, GRASS, KERB_RED


def _colour_at(sim: Simulation, x: float, y: float) -> np.ndarray:
    col, row = sim.world.to_pixel(x, y)
    return sim.world.image[int(round(float(row))), int(round(float(col)))].astype(int)


def test_road_kerb_and_grass_where_expected(shared_sim: Simulation) -> None:
    track = shared_sim.track
    normals = track.normals()
    half = track.half_width
    reds = 0
    for i in range(0, len(track.points), 97):
        x, y = track.points[i]
        road = _colour_at(shared_sim, x, y)
        assert road.max() - road.min() < 25 and 70 < road.mean() < 140  # grey asphalt
        nx, ny = normals[i]
        kerb = _colour_at(shared_sim, x + nx * (half + 0.4), y + ny * (half + 0.4))
        reds += kerb[0] > kerb[1] + 80  # red stripe (else white)
        grass = _colour_at(shared_sim, x + nx * (half + 12), y + ny * (half + 12))
        assert grass[1] > grass[0] + 20 and grass[1] > grass[2] + 20  # green
    assert reds > 0


def test_pyramid_halves_and_colours_are_the_palette(shared_sim: Simulation) -> None:
    pyramid = shared_sim.world.pyramid
    for finer, coarser in zip(pyramid, pyramid[1:]):
        assert coarser.shape[0] == (finer.shape[0] + 1) // 2
    assert shared_sim.world.border == tuple(int(c) for c in COLOURS[GRASS])
    assert COLOURS[KERB_RED][0] > 150
