"""training.augmentation.labels: the camera correction, shift rule and pixel scales both paths share."""

from __future__ import annotations

import numpy as np
import pytest

from training.augmentation.labels import CENTER, LEFT, RIGHT, corrected_steering, frame_scale, shifted_steering
from training.preprocess import DEFAULT_PREPROCESS


def test_the_left_camera_steers_right_and_the_right_camera_left() -> None:
    cameras = np.array([CENTER, LEFT, RIGHT])
    assert corrected_steering(np.full(3, 0.1), cameras, 0.2) == pytest.approx([0.1, 0.3, -0.1])
    assert float(corrected_steering(0.1, LEFT, 0.2)) == pytest.approx(0.3)  # one sample, as the per-frame path asks


def test_a_shift_right_adds_steering_per_pixel() -> None:
    assert shifted_steering(0.1, 10, 0.004) == pytest.approx(0.14)
    assert shifted_steering(np.array([0.0, 0.0]), np.array([-5, 5]), 0.01) == pytest.approx([-0.05, 0.05])


def test_the_preprocessed_frame_scale_follows_the_crop_and_resize() -> None:
    scale_x, scale_y = frame_scale(DEFAULT_PREPROCESS)
    cropped = 160 - DEFAULT_PREPROCESS.crop_top - DEFAULT_PREPROCESS.crop_bottom
    assert scale_x == pytest.approx(DEFAULT_PREPROCESS.out_width / 320)
    assert scale_y == pytest.approx(DEFAULT_PREPROCESS.out_height / cropped)
