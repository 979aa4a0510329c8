"""The training augmentations on batches of preprocessed frames (the pipeline approach).

The `pipeline` approach keeps every camera's preprocessed 66x200 YUV frame and
augments a fresh batch inside `tf.data` at every step. These functions follow
the same `AugmentConfig` as the NumPy augmentations of the other approaches
(`training.augmentation.frames`), which work on the 320x160 RGB frame, with two differences:

- Pixel parameters are scaled to the preprocessed frame: a shift of `max_shift_x`
  px of the 320-px frame is `max_shift_x * out_width / 320` px here (50 -> 31.25),
  `max_shift_y` px of the 160-px frame is `max_shift_y * out_height / (160 -
  crop_top - crop_bottom)` px (10 -> 8.8), and the steering per shifted pixel
  grows by the inverse factor (x1.6), so a shift of the same road
  distance changes steering by the same amount. Shifts are whole pixels;
  uncovered pixels are YUV black (0, 128, 128), as `warpAffine` leaves RGB black.
- Brightness and shadow scale the Y (luma) channel, the YUV counterpart of
  scaling HSV's V; saturation scales U and V about grey (128), which is what
  moving each RGB pixel towards or away from its own grey level does.
- The synthesised view's homography is expressed in the preprocessed frame's
  pixels (`training.augmentation.views.view_homography`) and composed with the
  flip and shift into one `cv2.warpPerspective` per frame; its uncovered pixels
  repeat the edge, as the replay's do.

Why OpenCV and NumPy rather than TensorFlow ops: on a CPU, TensorFlow's uint8
kernels took about 50 ms per batch of 64 for flip, shift and luma (one thread, as
`tf.data` runs them), more than the 53 ms PilotNet's step itself takes on two
cores; `cv2.warpAffine` (flip and shift in one pass, straight from the frame
store) and one vectorised luma pass take about 4 ms. They run inside `tf.data`
through `tf.numpy_function`, in parallel and prefetched (`training.data.prepared`).

Each function takes an explicit `np.random.Generator` or explicit draws, so a
batch is a pure function of (frames, seed).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from training.augmentation.config import DEFAULT_AUGMENT, AugmentConfig
from training.augmentation.labels import CENTER, corrected_steering, frame_scale, lane_steering, shifted_steering
from training.augmentation.views import draw_views, return_steering, view_homography
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig

__all__ = [
    "YUV_BLACK",
    "CENTER",
    "ScaledAugment",
    "scale_to_preprocessed",
    "choose_cameras",
    "flip_and_shift",
    "shadow_masks",
    "scale_luma",
    "scale_chroma",
    "augment_batch",
]

# Colour of pixels uncovered by a shift: RGB black in YUV (Y=0, U=V=128).
YUV_BLACK = (0, 128, 128)


@dataclass(frozen=True)
class ScaledAugment:
    """`AugmentConfig` with its pixel parameters in px of the preprocessed frame."""

    camera_correction: float  # steering added for the left camera, subtracted for the right
    flip_probability: float  # chance of a horizontal flip
    max_shift_x: float  # max horizontal shift, px of the preprocessed frame (either way)
    max_shift_y: float  # max vertical shift, px of the preprocessed frame (either way)
    steering_per_px: float  # steering added per px of horizontal shift of the preprocessed frame
    max_view_offset_m: float  # synthesised view: sideways shift (m, either way)
    max_view_turn_deg: float  # synthesised view: turn (degrees, either way)
    view_lookahead_m: float  # synthesised view: look-ahead of its steering (m)
    lane_labels: bool  # label by pure pursuit to the lane centre read from the recorded centre frame
    lane_lookahead_m: float  # its look-ahead (m)
    preprocess: PreprocessConfig  # the preprocessing of the stored frames (for the views' homographies)
    shadow_probability: float  # chance of a shadow
    shadow_darkness: float  # luma factor inside a shadow
    shadow_left_probability: float  # chance a shadow darkens the left side of its line
    brightness_range: tuple[float, float]  # luma factor range (min, max)
    saturation_range: tuple[float, float] = (1.0, 1.0)  # chroma factor range (min, max)

    def __post_init__(self) -> None:
        for name in ("max_shift_x", "max_shift_y", "steering_per_px"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


def scale_to_preprocessed(
    config: AugmentConfig = DEFAULT_AUGMENT, preprocess: PreprocessConfig = DEFAULT_PREPROCESS
) -> ScaledAugment:
    """Translate the pixel parameters of the 320x160 frame to the preprocessed frame."""
    scale_x, scale_y = frame_scale(preprocess)
    return ScaledAugment(
        camera_correction=config.camera_correction,
        flip_probability=config.flip_probability,
        max_shift_x=config.max_shift_x * scale_x,
        max_shift_y=config.max_shift_y * scale_y,
        steering_per_px=config.steering_per_px / scale_x,
        max_view_offset_m=config.max_view_offset_m,
        max_view_turn_deg=config.max_view_turn_deg,
        view_lookahead_m=config.view_lookahead_m,
        lane_labels=config.lane_labels,
        lane_lookahead_m=config.lane_lookahead_m,
        preprocess=preprocess,
        shadow_probability=config.shadow_probability,
        shadow_darkness=config.shadow_darkness,
        shadow_left_probability=config.shadow_left_probability,
        brightness_range=tuple(config.brightness_range),
        saturation_range=tuple(config.saturation_range),
    )


def choose_cameras(
    steering: np.ndarray, has_sides: np.ndarray, rng: np.random.Generator, correction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a camera per sample (uniform among those recorded) and correct its steering.

    Returns:
        (camera slot (B,): 0 centre, 1 left, 2 right; corrected float32 steering).
        Samples without side cameras always get the centre.
    """
    camera = np.where(has_sides, rng.integers(0, 3, len(steering)), CENTER)
    return camera, corrected_steering(steering, camera, correction).astype(np.float32)


def flip_and_shift(
    frames: list[np.ndarray],
    flip: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    views: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Synthesise a view (where `views` is given), flip (where `flip`), then shift by (dx, dy) whole pixels.

    out[b, y, x] = flipped[b, y - dy[b], x - dx[b]]; positive dx moves content
    right, positive dy down. Without views, uncovered pixels are `YUV_BLACK`;
    with them (inverse-map homographies of the frame, `views.view_homography`),
    each frame is one bilinear `warpPerspective` and uncovered pixels repeat the edge.

    Args:
        frames: B uint8 (H, W, 3) frames (views into the frame store are fine).
    """
    height, width = frames[0].shape[:2]
    out = np.empty((len(frames), height, width, 3), np.uint8)
    for b, frame in enumerate(frames):
        if flip[b]:  # x_src = width - 1 - (x - dx)
            matrix = np.array([[-1, 0, width - 1 + dx[b]], [0, 1, -dy[b]], [0, 0, 1]], np.float64)
        else:  # x_src = x - dx
            matrix = np.array([[1, 0, -dx[b]], [0, 1, -dy[b]], [0, 0, 1]], np.float64)
        if views is None:
            cv2.warpAffine(frame, matrix[:2].astype(np.float32), (width, height), dst=out[b],
                           flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=YUV_BLACK)
        else:
            cv2.warpPerspective(frame, views[b] @ matrix, (width, height), dst=out[b],
                                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)
    return out


def shadow_masks(
    batch: int, height: int, width: int, rng: np.random.Generator, probability: float = 1.0,
    left_probability: float = 0.5,
) -> np.ndarray:
    """Random half-planes, one per image: bool (B, H, W), True in the shadow.

    As in the tutorials' random shadow, the boundary joins a random point of the
    top edge to a random point of the bottom edge, and the left side is shaded
    with `left_probability` (else the right), as `training.augmentation.frames.random_shadow`.
    An image gets a shadow with `probability` (an empty mask otherwise).
    """
    shaded = rng.random(batch) < probability
    x_top, x_bottom = rng.uniform(0.0, width, (2, batch)).astype(np.float32)
    # Left side shaded: x < boundary; right side: -x < -boundary. One comparison pass.
    sign = np.where(rng.random(batch) < left_probability, np.float32(1), np.float32(-1))[:, None, None]
    t = np.arange(height, dtype=np.float32)[None, :, None] / max(height - 1, 1)
    boundary = (x_top[:, None, None] + t * (x_bottom - x_top)[:, None, None]) * sign
    boundary[~shaded] = -np.inf
    return np.arange(width, dtype=np.float32)[None, None, :] * sign < boundary


def scale_luma(images: np.ndarray, factor: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Multiply the Y channel by `factor` (float32 (B, H, W)), rounding to nearest and clipping.

    Returns new images (U and V copied unchanged), or `images` itself changed when
    `in_place` (for a batch its caller has just made).
    """
    batch, height, width, _ = images.shape
    if not (in_place and images.flags.c_contiguous):
        images = images.copy()
    out = images.reshape(batch * height, width, 3)  # a view of `images`
    luma = cv2.multiply(cv2.extractChannel(out, 0),
                        factor.reshape(batch * height, width).astype(np.float32, copy=False),
                        dtype=cv2.CV_8U)
    cv2.insertChannel(luma, out, 0)
    return images


def scale_chroma(images: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Scale U and V's distance from grey (128) by `factor` (float32 (B,)) in place, rounding and clipping.

    The YUV counterpart of `training.augmentation.frames.saturation`: luma is kept.
    """
    chroma = images[..., 1:].astype(np.float32) - np.float32(128)
    chroma *= factor[:, None, None, None]
    images[..., 1:] = np.clip(np.rint(chroma + np.float32(128)), 0, 255).astype(np.uint8)
    return images


def augment_batch(
    store: np.ndarray,
    index: np.ndarray,
    steering: np.ndarray,
    has_sides: np.ndarray,
    rng: np.random.Generator,
    config: ScaledAugment,
    lane_offset_m: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One fresh training batch: camera choice, synthesised view, flip, shift, shadow, brightness and saturation.

    Args:
        store: uint8 (N, 3, H, W, 3) frames of every camera (RAM array or memmap).
        index: (B,) samples of the batch.
        steering: float32 (B,) centre steering of those samples.
        has_sides: bool (B,), False where only the centre camera was recorded.
        lane_offset_m: (B,) offsets of those samples' centre frames from the lane centre (m, NaN
            unread): with `config.lane_labels`, labels by `labels.lane_steering`.

    Returns:
        (uint8 images (B, H, W, 3), float32 steering (B,)).
    """
    batch = len(index)
    camera, steering = choose_cameras(steering, has_sides, rng, config.camera_correction)
    flip = rng.random(batch) < config.flip_probability
    reach_x, reach_y = int(config.max_shift_x), int(config.max_shift_y)
    dx = rng.integers(-reach_x, reach_x + 1, batch)
    dy = rng.integers(-reach_y, reach_y + 1, batch)
    views, right_m, yaw_left_rad = None, np.zeros(batch), np.zeros(batch)
    if config.max_view_offset_m or config.max_view_turn_deg:
        right_m, yaw_left_rad = draw_views(batch, config.max_view_offset_m, config.max_view_turn_deg, rng)
        views = [view_homography(r, y, config.preprocess) for r, y in zip(right_m, yaw_left_rad)]
        steering = steering + return_steering(right_m, yaw_left_rad, config.view_lookahead_m)
    if config.lane_labels and lane_offset_m is not None:
        steering = lane_steering(steering, lane_offset_m, camera, right_m, yaw_left_rad, config.lane_lookahead_m)
    images = flip_and_shift([store[i, c] for i, c in zip(index, camera)], flip, dx, dy, views)
    steering = shifted_steering(np.where(flip, -steering, steering), dx, config.steering_per_px)

    mask = shadow_masks(batch, images.shape[1], images.shape[2], rng, config.shadow_probability,
                        config.shadow_left_probability)
    brightness = rng.uniform(*config.brightness_range, batch).astype(np.float32)[:, None, None]
    factor = np.where(mask, brightness * np.float32(config.shadow_darkness), brightness)
    images = scale_luma(images, factor, in_place=True)
    if config.saturation_range != (1.0, 1.0):
        images = scale_chroma(images, rng.uniform(*config.saturation_range, batch).astype(np.float32))
    return images, steering.astype(np.float32)
