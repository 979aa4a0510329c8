"""training.augmentation.labels: the camera correction, lane-centre law, shift rule and pixel scales both paths share."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from recorder.camera_geometry import UNITY_CAMERAS, UNITY_GEOMETRY, return_steering
from training.augmentation.config import AugmentConfig
from training.augmentation.frames import translate
from training.augmentation.labels import (
    CENTER,
    LEFT,
    RIGHT,
    corrected_steering,
    frame_scale,
    lane_steering,
    shifted_steering,
    turn_steering_per_px,
)
from training.augmentation.views import view_homography, warp_view
from training.preprocess import DEFAULT_PREPROCESS


def test_the_left_camera_steers_right_and_the_right_camera_left() -> None:
    cameras = np.array([CENTER, LEFT, RIGHT])
    assert corrected_steering(np.full(3, 0.1), cameras, 0.2) == pytest.approx([0.1, 0.3, -0.1])
    assert float(corrected_steering(0.1, LEFT, 0.2)) == pytest.approx(0.3)  # one sample, as the per-frame path asks


def test_a_shift_right_adds_steering_per_pixel() -> None:
    assert shifted_steering(0.1, 10, 0.004) == pytest.approx(0.14)
    assert shifted_steering(np.array([0.0, 0.0]), np.array([-5, 5]), 0.01) == pytest.approx([-0.05, 0.05])


@pytest.mark.parametrize("dx", [10, -10, 25])
def test_a_shift_is_the_view_of_a_turned_camera(dx: int) -> None:
    texture = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 256, (160, 320, 3), dtype=np.uint8), (9, 9), 3)
    turned = warp_view(texture, view_homography(0.0, math.atan(dx / UNITY_GEOMETRY.focal_px)))  # turned left by dx > 0
    middle = (slice(40, 120), slice(100, 220))

    def error(image: np.ndarray) -> float:
        return float(np.abs(image[middle].astype(float) - turned[middle]).mean())

    assert error(translate(texture, 0.0, dx, 0, 0.0)[0]) < 0.5 * error(translate(texture, 0.0, -dx, 0, 0.0)[0])
    assert error(translate(texture, 0.0, dx, 0, 0.0)[0]) < 0.5 * error(texture)


@pytest.mark.parametrize("lookahead_m", [6.0, 7.0, 10.0])
def test_a_shift_is_labelled_as_the_lane_law_labels_the_turn_it_shows(lookahead_m: float) -> None:
    per_px = turn_steering_per_px(lookahead_m)
    for dx in (1, 10, 25):
        turn = float(lane_steering(0.0, 0.0, CENTER, 0.0, math.atan(dx / UNITY_GEOMETRY.focal_px), lookahead_m))
        assert shifted_steering(0.0, dx, per_px) == pytest.approx(turn, rel=0.03)
    assert per_px > 4 * 0.002  # the tutorials' rule, which answered a turn a fifth as hard


def test_the_default_shift_label_follows_the_default_look_ahead() -> None:
    config = AugmentConfig()
    assert config.steering_per_px == pytest.approx(turn_steering_per_px(config.lane_lookahead_m), rel=0.01)


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
