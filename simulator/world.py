"""A top-down colour raster of the world: road, lines, kerbs, dirt and grass.

The cameras sample this raster (see camera.py), so everything the car can see
is painted here once per track. Surfaces carry a little texture noise so a
model sees the ground move; a pyramid of halved copies lets far pixels sample
a smoothed raster instead of flickering.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from simulator.checks import check_ranges
from simulator.track import Track

__all__ = ["WorldConfig", "World", "build_world"]

# Surface classes painted into the label raster, and their RGB colours.
GRASS, DIRT, KERB_RED, KERB_WHITE, ASPHALT, LINE = range(6)
COLOURS = np.array(
    [
        (78, 122, 52),  # grass
        (150, 122, 86),  # dirt
        (196, 40, 36),  # red kerb
        (236, 236, 232),  # white kerb
        (104, 104, 108),  # asphalt
        (226, 196, 62),  # yellow edge line
    ],
    dtype=np.float32,
)
# Texture amplitude per class (RGB units), fine and coarse noise.
FINE_NOISE = np.array([26, 14, 6, 6, 10, 6], dtype=np.float32)
COARSE_NOISE = np.array([30, 16, 0, 0, 10, 0], dtype=np.float32)
# Sub-pixel precision of OpenCV's drawing (coordinates scaled by 2**SHIFT).
SHIFT = 3


@dataclass(frozen=True)
class WorldConfig:
    """How the world raster is painted."""

    resolution: float = 0.1  # raster cell size (m)
    margin: float = 60.0  # grass around the track's bounding box (m)
    kerb_width: float = 0.8  # red-and-white kerb outside each road edge (m)
    kerb_stripe: float = 1.5  # length of one kerb stripe (m)
    dirt_width: float = 1.5  # dirt band outside the kerbs (m)
    line_width: float = 0.2  # yellow edge line width (m)
    line_inset: float = 0.3  # distance from the road edge to the line's middle (m)
    fine_scale: float = 0.3  # size of the fine texture blobs (m)
    coarse_scale: float = 6.0  # size of the coarse grass patches (m)
    levels: int = 5  # pyramid levels (each halves the resolution)
    seed: int = 0  # texture noise seed

    def __post_init__(self) -> None:
        check_ranges(self)


@dataclass
class World:
    """The raster pyramid and the map from world metres to raster pixels."""

    pyramid: list[np.ndarray]  # RGB uint8 rasters; level i has 2**i times the cell size
    x0: float  # world x of the raster's left edge (m)
    y1: float  # world y of the raster's top edge (m); rows go south
    resolution: float  # level-0 cell size (m)
    border: tuple[int, int, int]  # colour outside the raster (RGB)

    @property
    def image(self) -> np.ndarray:
        """The full-resolution raster."""
        return self.pyramid[0]

    def to_pixel(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World metres to level-0 (column, row) pixel coordinates."""
        return (np.asarray(x) - self.x0) / self.resolution, (self.y1 - np.asarray(y)) / self.resolution


def _noise(rng: np.random.Generator, shape: tuple[int, int], cells: float) -> np.ndarray:
    """Smooth noise in [-1, 1] with blobs about `cells` pixels wide."""
    small = (max(2, int(shape[0] / cells) + 2), max(2, int(shape[1] / cells) + 2))
    grid = rng.uniform(-1.0, 1.0, small).astype(np.float32)
    return cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _polyline(label: np.ndarray, pts: np.ndarray, value: int, width_px: float, closed: bool) -> None:
    fixed = np.round(pts * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)
    thickness = max(1, int(round(width_px)))
    cv2.polylines(label, [fixed], closed, int(value), thickness, cv2.LINE_8, SHIFT)


def build_world(track: Track, config: WorldConfig = WorldConfig()) -> World:
    """Paint the track's world raster (deterministic for a track and config)."""
    res = config.resolution
    lo = track.points.min(axis=0) - config.margin
    hi = track.points.max(axis=0) + config.margin
    width, height = (np.ceil((hi - lo) / res).astype(int) + 1).tolist()
    x0, y1 = float(lo[0]), float(hi[1])

    def px(points: np.ndarray) -> np.ndarray:
        return np.stack([(points[:, 0] - x0) / res, (y1 - points[:, 1]) / res], axis=1)

    half = track.half_width
    label = np.full((height, width), GRASS, np.uint8)
    centre = px(track.points)
    _polyline(label, centre, DIRT, 2 * (half + config.kerb_width + config.dirt_width) / res, True)
    _polyline(label, centre, KERB_WHITE, 2 * (half + config.kerb_width) / res, True)
    # Red stripes: short closed-off pieces of the kerb band, every other stripe.
    stripe = (track.s // config.kerb_stripe).astype(int) % 2 == 0
    starts = np.flatnonzero(stripe & ~np.roll(stripe, 1))
    ends = np.flatnonzero(stripe & ~np.roll(stripe, -1))
    n = len(track.points)
    for a in starts:
        b = ends[np.searchsorted(ends, a) % len(ends)]
        idx = np.arange(a, b + 2 if b >= a else b + n + 2) % n
        for side in (-1, 1):
            band = px(track.offset_curve(side * (half + config.kerb_width / 2)))[idx]
            _polyline(label, band, KERB_RED, config.kerb_width / res, False)
    _polyline(label, centre, ASPHALT, 2 * half / res, True)
    for side in (-1, 1):
        line = px(track.offset_curve(side * (half - config.line_inset)))
        _polyline(label, line, LINE, config.line_width / res, True)

    rng = np.random.default_rng(config.seed)
    fine = _noise(rng, label.shape, config.fine_scale / res)
    coarse = _noise(rng, label.shape, config.coarse_scale / res)
    shade = FINE_NOISE[label] * fine + COARSE_NOISE[label] * coarse
    rgb = COLOURS[label] + shade[..., None]
    rgb[..., 2] -= 0.3 * COARSE_NOISE[label] * coarse  # grass patches vary in hue too
    image = np.clip(rgb, 0, 255).astype(np.uint8)
    pyramid = [image]
    for _ in range(1, config.levels):
        pyramid.append(cv2.pyrDown(pyramid[-1]))
    border = tuple(int(c) for c in COLOURS[GRASS])
    return World(pyramid=pyramid, x0=x0, y1=y1, resolution=res, border=border)
