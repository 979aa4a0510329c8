"""NumPy augmentations of simulator frames, each mapping (image, steering) to a new pair.

They run on the raw uint8 RGB 160x320 frame, before `training.preprocess`, as
the tutorials this field learned from do (naokishibuya's car-behavioral-cloning):
choose a camera (side cameras with a steering correction teach recovery), a
synthesised view of a camera shifted and turned off the path with the steering
that returns to it (NVIDIA's view synthesis, `training.augmentation.views`), flip
(left and right turns become equally common), translate (more positions on the
road, with a steering adjustment per pixel), shadow and brightness (lighting the
track never showed) and saturation (other renderings of the same track).
Parameters come from `AugmentConfig`, shared with the pipeline approach's batch
augmentations (`training.augmentation.batches`). Randomness is an explicit
`np.random.Generator`; every function returns new arrays.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from recorder.sample import Sample
from training.augmentation.config import DEFAULT_AUGMENT, AugmentConfig
from training.augmentation.labels import CENTER, corrected_steering, lane_steering, shifted_steering
from training.augmentation.views import (
    draw_views,
    return_steering,
    view_homography,
    warp_view,
)

__all__ = [
    "choose_camera",
    "flip",
    "translate",
    "shadow",
    "brightness",
    "saturation",
    "random_view",
    "random_flip",
    "random_translate",
    "random_shadow",
    "random_brightness",
    "random_saturation",
    "augment",
]


def choose_camera(
    sample: Sample, rng: np.random.Generator, correction: float = DEFAULT_AUGMENT.camera_correction
) -> tuple[int, Path, float]:
    """Pick the centre, left or right image with equal chance; correct the steering: (slot, path, steering).

    The left camera sees the road as if the car were further left, so the car must
    steer more to the right (+correction); the right camera the opposite. A sample
    without side cameras (a recorded autonomous run) always gives the centre.
    """
    if not sample.has_side_cameras:
        return CENTER, sample.center, sample.steering
    camera = int(rng.integers(3))  # CENTER, LEFT or RIGHT, as the per-batch path draws them
    path = (sample.center, sample.left, sample.right)[camera]
    return camera, path, float(corrected_steering(sample.steering, camera, correction))  # type: ignore[return-value]


def flip(image: np.ndarray, steering: float) -> tuple[np.ndarray, float]:
    """Mirror the frame left-right; the steering changes sign."""
    return cv2.flip(image, 1), -steering  # 10x faster than copying a reversed NumPy view


def translate(
    image: np.ndarray, steering: float, dx: float, dy: float, steering_per_px: float
) -> tuple[np.ndarray, float]:
    """Shift the frame by (dx, dy) pixels (black border); steering += dx * steering_per_px.

    A shift to the right shows the road as if the car were further left, so it
    must steer right: a positive dx adds steering.
    """
    height, width = image.shape[:2]
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    shifted = cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    return shifted, shifted_steering(steering, dx, steering_per_px)


def shadow(
    image: np.ndarray, steering: float, x_top: float, x_bottom: float, darkness: float, left: bool = True
) -> tuple[np.ndarray, float]:
    """Darken (multiply by `darkness`) every pixel left of the line from (x_top, 0) to
    (x_bottom, bottom row), or right of it when not `left`; steering is unchanged."""
    height, width = image.shape[:2]
    rows = np.arange(height, dtype=np.float64)
    boundary = x_top + (x_bottom - x_top) * rows / max(height - 1, 1)
    # Left: columns < boundary, the first ceil(boundary) of each row; right: columns > boundary.
    edges = np.ceil(boundary) if left else np.floor(boundary) + 1
    edges = np.clip(edges, 0, width).astype(int)
    dark = cv2.convertScaleAbs(image, alpha=darkness, beta=0)  # rounding as `brightness`
    out = image.copy()
    for row, edge in enumerate(edges.tolist()):  # row slices: far faster than a boolean mask
        columns = slice(None, edge) if left else slice(edge, None)
        out[row, columns] = dark[row, columns]
    return out, steering


def brightness(image: np.ndarray, steering: float, factor: float) -> tuple[np.ndarray, float]:
    """Scale every channel by `factor`, rounding and saturating at 0 and 255."""
    return cv2.convertScaleAbs(image, alpha=factor, beta=0), steering


def saturation(image: np.ndarray, steering: float, factor: float) -> tuple[np.ndarray, float]:
    """Scale every pixel's distance from its grey level (BT.601 luma) by `factor`, rounding and saturating.

    Luma is kept, so in the YUV frame the model sees this scales U and V about 128, as
    the pipeline's `training.augmentation.batches.scale_chroma` does.
    """
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return cv2.addWeighted(image, factor, grey, 1.0 - factor, 0.0), steering  # one uint8 pass (~0.04 ms)


def random_view(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig,
    lane_offset_m: float = math.nan, camera: int = CENTER,
) -> tuple[np.ndarray, float]:
    """The view from up to `config.max_view_offset_m` sideways and `max_view_turn_deg` turned, and the steering back.

    With `config.lane_labels` and the lane read on the row's centre frame
    (`lane_offset_m`, m right of the lane centre; NaN unread), the label is the
    steering from this `camera` and view to the lane centre (`labels.lane_steering`),
    as the per-batch path labels it.
    """
    right_m, yaw_left_rad = 0.0, 0.0
    if config.max_view_offset_m or config.max_view_turn_deg:
        (right_m,), (yaw_left_rad,) = draw_views(1, config.max_view_offset_m, config.max_view_turn_deg, rng)
        correction = float(return_steering(right_m, yaw_left_rad, config.view_lookahead_m))
        image, steering = warp_view(image, view_homography(right_m, yaw_left_rad)), steering + correction
    if config.lane_labels and not math.isnan(lane_offset_m):
        steering = float(lane_steering(steering, lane_offset_m, camera, right_m, yaw_left_rad, config.lane_lookahead_m))
    return image, steering


def random_flip(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, float]:
    """Flip with probability `config.flip_probability`."""
    if rng.random() < config.flip_probability:
        return flip(image, steering)
    return image, steering


def random_translate(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, float]:
    """Shift by up to `config.max_shift_x` / `max_shift_y` pixels either way."""
    dx = rng.uniform(-config.max_shift_x, config.max_shift_x)
    dy = rng.uniform(-config.max_shift_y, config.max_shift_y)
    return translate(image, steering, dx, dy, config.steering_per_px)


def random_shadow(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, float]:
    """With probability `config.shadow_probability`, darken a random side of a random line.

    The line joins a random point of the top edge to one of the bottom edge; the
    left side is darkened with `config.shadow_left_probability`, as in the
    pipeline's `training.augmentation.batches.shadow_masks`.
    """
    if rng.random() >= config.shadow_probability:
        return image, steering
    width = image.shape[1]
    x_top, x_bottom = rng.uniform(0, width, size=2)
    left = bool(rng.random() < config.shadow_left_probability)
    return shadow(image, steering, float(x_top), float(x_bottom), config.shadow_darkness, left)


def random_brightness(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, float]:
    """Scale brightness by a factor drawn from `config.brightness_range`."""
    low, high = config.brightness_range
    return brightness(image, steering, float(rng.uniform(low, high)))


def random_saturation(
    image: np.ndarray, steering: float, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, float]:
    """Scale saturation by a factor drawn from `config.saturation_range` (no draw where it is (1, 1))."""
    if tuple(config.saturation_range) == (1.0, 1.0):
        return image, steering
    return saturation(image, steering, float(rng.uniform(*config.saturation_range)))


def augment(
    image: np.ndarray,
    steering: float,
    rng: np.random.Generator,
    config: AugmentConfig = DEFAULT_AUGMENT,
    lane_offset_m: float = math.nan,
    camera: int = CENTER,
) -> tuple[np.ndarray, float]:
    """Synthesise a shifted view, flip, translate, shadow, brighten and saturate one RGB frame
    (camera choice comes first, see `choose_camera`; `lane_offset_m` and `camera`: see `random_view`)."""
    image, steering = random_view(image, steering, rng, config, lane_offset_m, camera)
    image, steering = random_flip(image, steering, rng, config)
    image, steering = random_translate(image, steering, rng, config)
    image, steering = random_shadow(image, steering, rng, config)
    image, steering = random_brightness(image, steering, rng, config)
    return random_saturation(image, steering, rng, config)
