"""training.augmentation.labels: the camera correction, lane-centre law, shift rule and pixel scales both paths share."""

from __future__ import annotations

import numpy as np
import pytest

from recorder.camera_geometry import UNITY_CAMERAS, return_steering
from training.augmentation.labels import (
    CENTER,
    LEFT,
    RIGHT,
    corrected_steering,
    frame_scale,
    lane_steering,
    shifted_steering,
)
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


def test_lane_labels_steer_every_camera_and_view_to_the_lane_centre() -> None:
    recorded = np.full(5, 0.1, np.float32)
    lane = np.array([0.5, 0.0, 0.0, np.nan, -0.3])  # centre camera right of the lane centre; unread; left
    camera = np.array([0, 1, 2, 0, 0])
    right_m, yaw = np.array([0.0, 0.0, 0.0, 0.4, 0.2]), np.array([0.0, 0.0, 0.0, 0.0, 0.05])
    label = lane_steering(recorded, lane, camera, right_m, yaw, 5.0)
    assert label[0] == pytest.approx(float(return_steering(0.5, 0.0, 5.0))) and label[0] < -0.2
    assert label[1] == pytest.approx(float(return_steering(UNITY_CAMERAS["left"][0], 0.0, 5.0))) and label[1] > 0.3
    assert label[2] == pytest.approx(float(return_steering(UNITY_CAMERAS["right"][0], 0.0, 5.0))) and label[2] < -0.3
    assert label[3] == pytest.approx(0.1)  # no lane read: the recorded path's label is kept
    assert label[4] == pytest.approx(float(return_steering(-0.1, 0.05, 5.0)))
    one = lane_steering(0.1, 0.5, LEFT, 0.0, 0.0, 5.0)  # one sample, as the per-frame path asks
    assert float(one) == pytest.approx(float(return_steering(0.5 + UNITY_CAMERAS["left"][0], 0.0, 5.0)))
