"""Checking the replay's camera geometry against the recordings' own side cameras.

The simulator records three cameras a known distance apart (`geometry.UNITY_CAMERAS`).
Re-rendering the centre frame for the left camera's position must then predict the
recorded left frame, and likewise on the right, on the road: the rows PilotNet's
preprocessing keeps (`training.preprocess`: 60 rows of sky and 25 of bonnet cropped).
Two errors are measured on those rows, where the warped pixels see inside the centre
frame:

- structure: the mean absolute difference of blurred gradient-magnitude (edge) maps,
  relative to the recorded side frame's mean edge strength. Lane lines and road edges
  are what moves with the camera; asphalt texture and JPEG noise are not shared
  between the cameras, and the blur leaves them out.
- photometric: the mean absolute grey-level difference (0..255), as a plain pixel
  comparison sees it (there, texture and noise dominate).

Each is reported for the unwarped centre frame (offset scale 0), the geometry's own
offset (scale 1), and other scales of the offset: if the geometry is right, scale 1
has the least structure error.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import cv2
import numpy as np

from recorder import LoadConfig, RecordingError, load_recordings
from recorder.camera_geometry import UNITY_CAMERAS, UNITY_GEOMETRY, CameraGeometry
from recorder.config_fields import check_range, setting
from simulator.replay.render import Renderer

__all__ = ["CheckConfig", "SideCameraCheck", "check_side_cameras", "ROAD_ROWS", "TABLE_HEADER"]

logger = logging.getLogger(__name__)

# Rows compared: those PilotNet's preprocessing keeps (training.preprocess crops 60 top, 25 bottom).
ROAD_ROWS = slice(60, 135)
# Header of `SideCameraCheck.table_rows`.
TABLE_HEADER = (
    "| recording | camera | structure, no warp | structure, warp | photometric, no warp | photometric, warp "
    "| best offset scale |\n|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class CheckConfig:
    """How many frames are compared and how."""

    frames: int = setting(60, "rows compared per recording, spread evenly over it")
    blur_sigma_px: float = setting(3.0, "Gaussian blur of the edge maps (px)")
    # multiples of each side camera's offset: 0 is the unwarped centre frame, 1 the Unity geometry
    scales: tuple[float, ...] = setting((0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0), "multiples of each side camera's offset to compare (must include 0 and 1)")

    def __post_init__(self) -> None:
        check_range("frames", self.frames, low=1)
        check_range("blur_sigma_px", self.blur_sigma_px, low=0, low_open=True)
        if 0.0 not in self.scales or 1.0 not in self.scales:
            raise ValueError(f"scales must include 0 (no warp) and 1 (the geometry), got {self.scales}")


@dataclass(frozen=True)
class SideCameraCheck:
    """Mean errors of one recording, per side camera and offset scale."""

    recording: str  # the recording folder
    frames: int  # rows compared
    structure: dict[str, dict[float, float]] = field(default_factory=dict)  # side -> scale -> relative edge error
    photometric: dict[str, dict[float, float]] = field(default_factory=dict)  # side -> scale -> grey levels

    def best_scale(self, side: str) -> float:
        """The offset scale with the least structure error."""
        errors = self.structure[side]
        return min(errors, key=errors.get)

    def table_rows(self) -> list[str]:
        """Markdown rows: recording, side, errors without and with the warp, the best offset scale."""
        name = os.path.basename(os.path.normpath(self.recording))
        return [
            f"| {name} | {side} | {self.structure[side][0.0]:.3f} | {self.structure[side][1.0]:.3f} | "
            f"{self.photometric[side][0.0]:.1f} | {self.photometric[side][1.0]:.1f} | {self.best_scale(side):g} |"
            for side in self.structure
        ]

    def to_dict(self) -> dict:
        """JSON-ready dictionary (scales as strings)."""
        return {
            "recording": self.recording,
            "frames": self.frames,
            "structure": {side: {f"{k:g}": v for k, v in d.items()} for side, d in self.structure.items()},
            "photometric": {side: {f"{k:g}": v for k, v in d.items()} for side, d in self.photometric.items()},
        }


def _edges(gray: np.ndarray, sigma: float) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), sigma)


def _gray(path: os.PathLike) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise OSError(f"{path}: cannot be decoded as an image")
    return image


def check_side_cameras(
    recording: str | os.PathLike, config: CheckConfig = CheckConfig(), geometry: CameraGeometry = UNITY_GEOMETRY
) -> SideCameraCheck:
    """Compare re-rendered centre frames with the recorded side frames of `recording`.

    Raises:
        RecordingError: the recording is unusable or has no rows with side cameras.
    """
    samples = [s for s in load_recordings([recording], LoadConfig()).samples if s.has_side_cameras]
    if not samples:
        raise RecordingError(f"{recording}: no rows with left and right images")
    picked = [samples[i] for i in np.linspace(0, len(samples) - 1, min(config.frames, len(samples))).round().astype(int)]
    renderer = Renderer(geometry)
    centre_x, _, centre_z = UNITY_CAMERAS["center"]
    structure: dict[str, dict[float, float]] = {}
    photometric: dict[str, dict[float, float]] = {}
    for side in ("left", "right"):
        x, _, z = UNITY_CAMERAS[side]
        offset = (x - centre_x, z - centre_z)
        # One mask for every scale: road rows the largest shift still sees inside the centre frame.
        mask = renderer.coverage(max(config.scales) * offset[0], max(config.scales) * offset[1])[ROAD_ROWS]
        edge_sums = {scale: 0.0 for scale in config.scales}
        photo_sums = {scale: 0.0 for scale in config.scales}
        for sample in picked:
            centre, real = _gray(sample.center), _gray(sample.camera(side))
            real_edges = _edges(real, config.blur_sigma_px)[ROAD_ROWS][mask]
            real_rows = real[ROAD_ROWS][mask].astype(np.float32)
            for scale in config.scales:
                warped = renderer.render(centre, scale * offset[0], scale * offset[1])
                edges = _edges(warped, config.blur_sigma_px)[ROAD_ROWS][mask]
                edge_sums[scale] += float(np.abs(edges - real_edges).mean() / max(real_edges.mean(), 1e-6))
                photo_sums[scale] += float(np.abs(warped[ROAD_ROWS][mask].astype(np.float32) - real_rows).mean())
        structure[side] = {scale: round(total / len(picked), 4) for scale, total in edge_sums.items()}
        photometric[side] = {scale: round(total / len(picked), 3) for scale, total in photo_sums.items()}
        logger.info("%s %s: structure %s", recording, side, structure[side])
    return SideCameraCheck(os.fspath(recording), len(picked), structure, photometric)
