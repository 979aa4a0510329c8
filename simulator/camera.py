"""The car's three cameras: a perspective view of the world raster, fast.

Every pixel below the horizon looks at one point of the flat ground. That point,
in the car's own frame (metres ahead, metres left), depends only on the camera's
intrinsics, height and pitch, so it is computed once per camera geometry. Per
frame the car's pose is one 2x3 affine map from car-frame metres to raster
pixels (`cv2.transform`), and `cv2.remap` samples the raster there. Rows far
away sample a smoothed, halved copy of the raster (a pyramid level chosen per
row from the pixel's ground footprint), so distant grass does not flicker. The
sky is a precomputed 360-degree panorama with hills, sliced by heading, so
turning is visible above the horizon too. Left and right cameras differ from the
centre one only by a sideways shift, which goes into the affine map's offset.

Camera axes follow the Udacity car: images are 320x160 RGB, horizon about a
third of the way down (the usual 60-row sky crop removes it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from recorder.config_fields import check_range
from recorder.formats import CAMERAS, FRAME_SHAPE
from simulator.car import CarState
from simulator.checks import check_ranges
from simulator.world import World

__all__ = ["CameraConfig", "Cameras"]

# Sky colours: zenith and horizon (RGB), the hills' colour and the haze at the horizon.
SKY_TOP = np.array((92, 150, 214), np.float32)
SKY_HORIZON = np.array((186, 212, 232), np.float32)
HILLS = np.array((96, 124, 120), np.float32)
HAZE = np.array((170, 190, 200), np.float32)


@dataclass(frozen=True)
class CameraConfig:
    """Geometry of the three cameras (all share it except the sideways shift)."""

    width: int = FRAME_SHAPE[1]  # image width (px), as the Udacity simulator's
    height: int = FRAME_SHAPE[0]  # image height (px)
    focal: float = 160.0  # focal length (px): 90 degrees horizontal field of view
    horizon_row: float = 56.0  # image row of the horizon (px from the top); sets the pitch
    mount_height: float = 1.5  # camera height above the road (m)
    mount_forward: float = 1.8  # camera position ahead of the rear axle (m)
    side_offset: float = 1.0  # sideways shift of the left and right cameras (m)
    fog_start: float = 60.0  # ground farther than this fades into haze (m)
    fog_end: float = 400.0  # ground this far or farther is fully haze (m)
    hill_height: float = 9.0  # mean height of the hills above the horizon (px)
    seed: int = 0  # seed of the sky panorama (hills and clouds)

    def __post_init__(self) -> None:
        check_ranges(self)
        check_range("horizon_row", self.horizon_row, low=1.0, high=self.height - 1, high_open=True)
        if self.fog_end <= self.fog_start:
            raise ValueError("fog_end must exceed fog_start")


@dataclass
class _Band:
    """Rows [top, bottom) that sample pyramid level `level`."""

    top: int
    bottom: int
    level: int
    points: np.ndarray  # (rows*width, 1, 2) float32: ground (ahead, left) in metres


def _ground_points(config: CameraConfig, first_row: int) -> tuple[np.ndarray, np.ndarray]:
    """Ground point (ahead, left), metres from the camera, of each pixel centre from `first_row` down."""
    cx, cy, f = (config.width - 1) / 2, (config.height - 1) / 2, config.focal
    pitch = math.atan((cy - config.horizon_row) / f)
    u = (np.arange(config.width) - cx) / f
    v = (np.arange(first_row, config.height) - cy) / f
    a, b = np.meshgrid(u, v)
    ahead = math.cos(pitch) - b * math.sin(pitch)
    down = b * math.cos(pitch) + math.sin(pitch)
    t = config.mount_height / down
    return np.stack([t * ahead, -a * t], axis=-1), t[:, 0] * ahead[:, 0]


def _footprint_level(distance: np.ndarray, config: CameraConfig, resolution: float, levels: int) -> np.ndarray:
    """Pyramid level per row: where one raster cell is about one pixel's ground footprint."""
    across = distance / config.focal  # metres per pixel sideways
    along = np.abs(np.gradient(distance))  # metres per pixel row
    footprint = np.sqrt(across * along)
    return np.clip(np.floor(np.log2(np.maximum(footprint / resolution, 1.0))), 0, levels - 1).astype(int)


def _panorama(config: CameraConfig, rows: int) -> np.ndarray:
    """A 360-degree sky strip `rows` high: gradient, soft clouds, a hill line at the bottom."""
    width = int(round(2 * math.pi * config.focal))
    rng = np.random.default_rng(config.seed)
    y = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None, None]
    sky = SKY_TOP * (1 - y) + SKY_HORIZON * y
    sky = np.broadcast_to(sky, (rows, width, 3)).copy()
    # Cloud noise interpolated with wrap-around, so it is periodic in azimuth like the ridge.
    grid = rng.uniform(0, 1, (4, 24)).astype(np.float32)
    cols, rws = np.meshgrid(np.arange(width) * grid.shape[1] / width, np.linspace(0, grid.shape[0] - 1, rows))
    clouds = cv2.remap(grid, cols.astype(np.float32), rws.astype(np.float32), cv2.INTER_CUBIC, borderMode=cv2.BORDER_WRAP)
    sky += (np.clip(clouds - 0.55, 0, 1) * 120)[..., None] * (1 - y)
    azimuth = np.linspace(0, 2 * math.pi, width, endpoint=False)
    ridge = np.zeros(width)
    for k in range(1, 25):  # whole harmonics: periodic in azimuth, so the panorama has no seam
        ridge += rng.uniform(0.2, 1.0) / k**0.8 * np.cos(k * azimuth + rng.uniform(0, 2 * math.pi))
    ridge = config.hill_height * (1 + 0.8 * ridge / np.abs(ridge).max())
    below_ridge = (rows - np.arange(rows))[:, None] <= ridge[None, :]
    sky[below_ridge] = HILLS
    image = np.clip(sky, 0, 255).astype(np.uint8)
    return np.concatenate([image, image[:, : config.width]], axis=1)  # wrap for slicing


class Cameras:
    """Renders the centre, left and right camera images of a car on a world."""

    def __init__(self, world: World, config: CameraConfig = CameraConfig()) -> None:
        self.world = world
        self.config = config
        first = int(math.floor(config.horizon_row)) + 1  # first row fully below the horizon
        self.sky_rows = first
        points, distance = _ground_points(config, first)
        level = _footprint_level(distance, config, world.resolution, len(world.pyramid))
        self._bands: list[_Band] = []
        start = 0
        for i in range(1, len(level) + 1):
            if i == len(level) or level[i] != level[start]:
                pts = points[start:i].reshape(-1, 1, 2).astype(np.float32)
                self._bands.append(_Band(first + start, first + i, int(level[start]), pts))
                start = i
        fog = np.clip((distance - config.fog_start) / (config.fog_end - config.fog_start), 0, 1)
        fog_rows = int(np.count_nonzero(fog > 0.01))  # the far rows, right below the horizon
        self._fog_rows = slice(first, first + fog_rows)
        self._fog = fog[:fog_rows, None, None].astype(np.float32)
        self._haze = (self._fog * HAZE).astype(np.float32)
        self._sky = _panorama(config, first)
        self._border = tuple(float(c) for c in world.border)

    def _pose_matrix(self, state: CarState, lateral: float) -> np.ndarray:
        """2x3 affine map from car-frame metres (ahead, left) of a camera to level-0 raster pixels."""
        c, s = math.cos(state.heading), math.sin(state.heading)
        cam_x = state.x + c * self.config.mount_forward - s * lateral
        cam_y = state.y + s * self.config.mount_forward + c * lateral
        res, world = self.world.resolution, self.world
        return np.array(
            [
                [c / res, -s / res, (cam_x - world.x0) / res],
                [-s / res, -c / res, (world.y1 - cam_y) / res],
            ]
        )

    def render(self, state: CarState, camera: str = "center") -> np.ndarray:
        """One camera's RGB uint8 image, (height, width, 3), for the car at `state`."""
        lateral = {"center": 0.0, "left": self.config.side_offset, "right": -self.config.side_offset}[camera]
        cfg = self.config
        out = np.empty((cfg.height, cfg.width, 3), np.uint8)
        # Sky: the panorama slice for this heading (left of the image = counter-clockwise).
        pano_width = self._sky.shape[1] - cfg.width
        start = int(round(-state.heading * cfg.focal)) % pano_width
        out[: self.sky_rows] = self._sky[:, start : start + cfg.width]
        base = self._pose_matrix(state, lateral)
        for band in self._bands:
            matrix = base / (1 << band.level)
            where = cv2.transform(band.points, matrix).reshape(band.bottom - band.top, cfg.width, 2)
            cv2.remap(
                self.world.pyramid[band.level],
                where,
                None,
                cv2.INTER_LINEAR,
                dst=out[band.top : band.bottom],
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=self._border,
            )
        far = out[self._fog_rows]
        far[:] = (far * (1 - self._fog) + self._haze).astype(np.uint8)
        return out

    def render_all(self, state: CarState) -> dict[str, np.ndarray]:
        """All three cameras' images, keyed "center", "left", "right"."""
        return {name: self.render(state, name) for name in CAMERAS}
