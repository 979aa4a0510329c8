"""What both augmentation paths share: camera slots, the side-camera steering correction, pixel scales.

The per-frame path (`frames`, raw RGB) and the per-batch path (`batches`, preprocessed
YUV) must train on the same distribution for the approaches' comparison to be fair;
these are the pieces whose copies would drift apart (tests/training/augmentation/
test_agreement.py checks the two paths' labels agree).
"""

from __future__ import annotations

import numpy as np

from recorder.formats import FRAME_SHAPE
from training.preprocess import PreprocessConfig

__all__ = ["CENTER", "LEFT", "RIGHT", "corrected_steering", "shifted_steering", "frame_scale"]

# Camera slots, in the driving log's column order.
CENTER, LEFT, RIGHT = 0, 1, 2


def corrected_steering(steering: np.ndarray | float, camera: np.ndarray | int, correction: float) -> np.ndarray:
    """Steering for the chosen camera: +correction for the left one, -correction for the right one.

    The left camera sees the road as if the car were further left, so the car must
    steer more to the right; the right camera the opposite.
    """
    camera = np.asarray(camera)
    return np.asarray(steering) + np.select([camera == LEFT, camera == RIGHT], [correction, -correction], 0.0)


def shifted_steering(steering: np.ndarray | float, dx: np.ndarray | float,
                     steering_per_px: float) -> np.ndarray | float:
    """Steering for a frame shifted `dx` pixels right: the car looks further left, so it steers right.

    Flips negate the steering and synthesised views add `views.return_steering`; a
    shift adds `steering_per_px` per pixel (in the frame the shift is made on).
    """
    return steering + dx * steering_per_px


def frame_scale(preprocess: PreprocessConfig) -> tuple[float, float]:
    """(x, y) pixels of the preprocessed frame per pixel of the 320x160 frame (after the crop)."""
    return (preprocess.out_width / FRAME_SHAPE[1],
            preprocess.out_height / (FRAME_SHAPE[0] - preprocess.crop_top - preprocess.crop_bottom))
