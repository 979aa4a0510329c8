"""View synthesis: shifted and turned views of the simulator's camera and the steering back to the path."""

from __future__ import annotations

import numpy as np
import pytest

from recorder.camera_geometry import CameraGeometry
from recorder.synthetic import road_frame
from training.augmentation.batches import augment_batch, scale_to_preprocessed
from training.augmentation.config import AugmentConfig
from training.augmentation.frames import random_view
from training.augmentation.views import (
    draw_views,
    return_steering,
    view_homography,
    warp_view,
)
from training.preprocess import DEFAULT_PREPROCESS, preprocess


def test_steering_turns_back_towards_the_path() -> None:
    assert return_steering(0.0, 0.0, 5.0) == pytest.approx(0.0)
    assert return_steering(1.0, 0.0, 5.0) < 0  # right of the path: steer left
    assert return_steering(-1.0, 0.0, 5.0) > 0
    assert return_steering(0.0, np.radians(3), 5.0) > 0  # turned left: steer right
    # Mirror images get opposite steering; a shorter look-ahead corrects harder.
    assert return_steering(-0.7, -0.05, 5.0) == pytest.approx(-return_steering(0.7, 0.05, 5.0))
    assert abs(return_steering(0.5, 0.0, 3.0)) > abs(return_steering(0.5, 0.0, 8.0))
    # Pure pursuit through the bicycle model: 1 m off, 5 m look-ahead -> curvature 0.08/m.
    expected = np.degrees(np.arctan(CameraGeometry().wheelbase_m * 0.08)) / 25.0
    assert return_steering(-1.0, 0.0, 5.0) == pytest.approx(expected)


def test_the_horizon_lies_above_the_rows_the_model_sees() -> None:
    """Only the road's homography is used: valid while preprocessing crops the sky away."""
    assert CameraGeometry().horizon_row() < DEFAULT_PREPROCESS.crop_top


def test_no_shift_no_turn_is_the_identity() -> None:
    frame = road_frame(0.1)
    homography = view_homography(0.0, 0.0)
    assert np.allclose(homography / homography[2, 2], np.eye(3))
    assert np.abs(warp_view(frame, view_homography(0.0, 0.0)).astype(int) - frame).max() <= 1


def test_warping_the_preprocessed_frame_matches_preprocessing_the_warped_frame() -> None:
    frame = road_frame(0.2)
    stored = preprocess(frame)
    for right_m, yaw in ((0.8, 0.0), (-0.5, np.radians(4))):
        direct = warp_view(stored, view_homography(right_m, yaw, DEFAULT_PREPROCESS)).astype(float)
        reference = preprocess(warp_view(frame, view_homography(right_m, yaw))).astype(float)
        unwarped_error = np.abs(stored - reference).mean()
        assert np.abs(direct - reference).mean() < 0.25 * unwarped_error


def test_a_camera_moved_right_sees_the_road_move_left() -> None:
    frame = road_frame(0.0)
    moved = warp_view(frame, view_homography(1.0, 0.0))
    # The grey road's mean column in the bottom rows, before and after.
    def centre(image: np.ndarray) -> float:
        band = image[100:130].astype(int)
        grey = (np.abs(band[..., 0] - band[..., 1]) < 20) & (np.abs(band[..., 1] - band[..., 2]) < 20)
        return float(np.nonzero(grey)[1].mean())

    assert centre(moved) < centre(frame) - 20  # about 40 px for 1 m


def test_random_view_adds_the_steering_of_the_view_it_drew() -> None:
    config = AugmentConfig(max_view_offset_m=1.0, max_view_turn_deg=5.0, view_lookahead_m=5.0)
    (right_m,), (yaw,) = draw_views(1, 1.0, 5.0, np.random.default_rng(7))
    image, steering = random_view(road_frame(0.0), 0.1, np.random.default_rng(7), config)
    assert steering == pytest.approx(0.1 + float(return_steering(right_m, yaw, 5.0)))
    assert np.array_equal(image, warp_view(road_frame(0.0), view_homography(right_m, yaw)))
    off = AugmentConfig(max_view_offset_m=0.0, max_view_turn_deg=0.0)
    same, unchanged = random_view(road_frame(0.0), 0.1, np.random.default_rng(7), off)
    assert unchanged == 0.1 and np.array_equal(same, road_frame(0.0))


def test_batches_get_views_with_their_steering() -> None:
    store = np.stack([np.stack([preprocess(road_frame(0.0))] * 3)] * 8)  # (N, 3 cameras, H, W, 3)
    config = scale_to_preprocessed(AugmentConfig(
        flip_probability=0.0, max_shift_x=0.0, max_shift_y=0.0, shadow_probability=0.0,
        brightness_range=(1.0, 1.0), camera_correction=0.0, max_view_offset_m=1.0, max_view_turn_deg=0.0,
    ))
    index = np.arange(8)
    images, steering = augment_batch(store, index, np.zeros(8, np.float32), np.ones(8, bool),
                                     np.random.default_rng(0), config)
    bound = abs(float(return_steering(1.0, 0.0, config.view_lookahead_m)))
    assert np.all(np.abs(steering) <= bound + 1e-6) and np.ptp(steering) > 0.2 * bound
    # Views with opposite steering differ from each other and from the stored frame.
    left, right = int(np.argmin(steering)), int(np.argmax(steering))
    assert np.abs(images[left].astype(int) - images[right]).mean() > 1.0
