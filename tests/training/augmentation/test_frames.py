"""Each augmentation's exact effect on pixels and steering."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from recorder.sample import Sample
from training.augmentation.config import AugmentConfig
from training.augmentation.frames import (
    augment,
    brightness,
    choose_camera,
    flip,
    random_brightness,
    random_flip,
    random_saturation,
    random_shadow,
    random_translate,
    saturation,
    shadow,
    translate,
)


def make_sample(steering: float = 0.1, sides: bool = True) -> Sample:
    return Sample(
        center=Path("c.jpg"), left=Path("l.jpg") if sides else None, right=Path("r.jpg") if sides else None,
        steering=steering, throttle=0.5, brake=0.0, speed=20.0, session="s", log_file=Path("log.csv"), row=1,
    )


def gradient_frame() -> np.ndarray:
    """160x320 frame whose pixels are all different enough to track moves."""
    rows, cols = np.mgrid[0:160, 0:320]
    frame = np.stack([cols % 256, rows, (rows + 3 * cols) % 256], axis=-1)
    return frame.astype(np.uint8)


@pytest.mark.parametrize("seed", range(12))
def test_choose_camera_corrects_steering_for_the_side_cameras(seed: int) -> None:
    sample = make_sample(0.1)
    expected_choice = int(np.random.default_rng(seed).integers(3))
    camera, path, steering = choose_camera(sample, np.random.default_rng(seed), correction=0.25)
    expected = {0: ("c.jpg", 0.1), 1: ("l.jpg", 0.35), 2: ("r.jpg", -0.15)}[expected_choice]
    assert (camera, path.name, steering) == (expected_choice, expected[0], pytest.approx(expected[1]))


def test_choose_camera_uses_every_camera_and_only_the_centre_without_sides() -> None:
    rng = np.random.default_rng(0)
    names = {choose_camera(make_sample(), rng)[1].name for _ in range(50)}
    assert names == {"c.jpg", "l.jpg", "r.jpg"}
    assert {choose_camera(make_sample(0.3, sides=False), rng) for _ in range(20)} == {(0, Path("c.jpg"), 0.3)}


def test_flip_mirrors_columns_and_negates_steering() -> None:
    image = gradient_frame()
    flipped, steering = flip(image, 0.3)
    assert steering == -0.3
    assert np.array_equal(flipped[:, 0], image[:, 319])
    assert np.array_equal(flipped[:, 100], image[:, 219])
    assert flipped.flags["C_CONTIGUOUS"] and not np.shares_memory(flipped, image)


def test_translate_moves_pixels_and_adds_steering_per_pixel() -> None:
    image = gradient_frame()
    shifted, steering = translate(image, 0.1, dx=10, dy=5, steering_per_px=0.002)
    assert steering == pytest.approx(0.1 + 10 * 0.002)
    assert np.array_equal(shifted[5:, 10:], image[:-5, :-10])
    assert not shifted[:, :10].any() and not shifted[:5].any()  # black border
    left, steering = translate(image, 0.0, dx=-4, dy=0, steering_per_px=0.002)
    assert steering == pytest.approx(-0.008)
    assert np.array_equal(left[:, :-4], image[:, 4:])


def test_shadow_darkens_left_of_the_line_only() -> None:
    image = np.full((160, 320, 3), 100, np.uint8)
    shaded, steering = shadow(image, 0.2, x_top=100, x_bottom=100, darkness=0.5)
    assert steering == 0.2
    assert (shaded[:, :100] == 50).all() and (shaded[:, 100:] == 100).all()
    slanted, _ = shadow(image, 0.2, x_top=0, x_bottom=320, darkness=0.25)
    assert (slanted[0] == 100).all()  # top row: line at x=0, nothing left of it
    assert (slanted[159, :319] == 25).all()  # bottom row: line at x=320
    assert (image == 100).all()  # input untouched


def test_shadow_darkens_right_of_the_line_when_asked() -> None:
    image = np.full((160, 320, 3), 100, np.uint8)
    shaded, _ = shadow(image, 0.2, x_top=100, x_bottom=100, darkness=0.5, left=False)
    assert (shaded[:, :101] == 100).all() and (shaded[:, 101:] == 50).all()


@pytest.mark.parametrize(("left_probability", "low", "high"), [(1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.5, 0.35, 0.65)])
def test_random_shadow_darkens_either_side_as_configured(left_probability, low, high) -> None:
    """The generator and in-memory paths draw the side as the pipeline's batches do."""
    image = np.full((160, 320, 3), 120, np.uint8)
    config = AugmentConfig(shadow_probability=1.0, shadow_left_probability=left_probability)
    rng = np.random.default_rng(7)
    shaded = [random_shadow(image, 0.0, rng, config)[0] for _ in range(200)]
    left = [frame[:, 0].mean() < frame[:, -1].mean() for frame in shaded]  # the dark side holds its edge
    assert low <= np.mean(left) <= high


def test_brightness_scales_rounds_and_saturates() -> None:
    image = np.array([[[100, 200, 3]]], np.uint8)
    brighter, steering = brightness(image, -0.4, 1.5)
    assert steering == -0.4
    assert brighter.tolist() == [[[150, 255, 4]]]  # 4.5 rounds to even 4, 300 saturates
    darker, _ = brightness(image, 0.0, 0.5)
    assert darker.tolist() == [[[50, 100, 2]]]  # 1.5 rounds to even 2


def test_random_flip_follows_its_probability() -> None:
    image = gradient_frame()
    always = AugmentConfig(flip_probability=1.0)
    never = AugmentConfig(flip_probability=0.0)
    flipped, steering = random_flip(image, 0.2, np.random.default_rng(0), always)
    assert steering == -0.2 and np.array_equal(flipped, image[:, ::-1])
    same, steering = random_flip(image, 0.2, np.random.default_rng(0), never)
    assert steering == 0.2 and np.array_equal(same, image)


def test_random_translate_stays_within_its_range() -> None:
    image = gradient_frame()
    still, steering = random_translate(image, 0.2, np.random.default_rng(0), AugmentConfig(max_shift_x=0, max_shift_y=0))
    assert steering == 0.2 and np.array_equal(still, image)
    config = AugmentConfig(max_shift_x=30, max_shift_y=0)
    changes = [random_translate(image, 0.0, np.random.default_rng(s), config)[1] for s in range(30)]
    assert max(abs(c) for c in changes) <= 30 * config.steering_per_px
    assert len(set(changes)) == 30


def test_random_shadow_follows_its_probability_and_only_darkens() -> None:
    image = np.full((160, 320, 3), 120, np.uint8)
    none, _ = random_shadow(image, 0.0, np.random.default_rng(0), AugmentConfig(shadow_probability=0.0))
    assert np.array_equal(none, image)
    shaded, steering = random_shadow(image, 0.3, np.random.default_rng(0), AugmentConfig(shadow_probability=1.0))
    assert steering == 0.3
    assert set(np.unique(shaded).tolist()) <= {60, 120} and (shaded == 60).any()


def test_random_brightness_uses_the_configured_factor() -> None:
    image = np.full((2, 2, 3), 60, np.uint8)
    doubled, steering = random_brightness(image, 0.1, np.random.default_rng(0), AugmentConfig(brightness_range=(2.0, 2.0)))
    assert steering == 0.1 and (doubled == 120).all()


def test_augment_is_deterministic_for_a_seed_and_leaves_its_input_alone() -> None:
    image = gradient_frame()
    before = image.copy()
    a = augment(image, 0.1, np.random.default_rng(5))
    b = augment(image, 0.1, np.random.default_rng(5))
    c = augment(image, 0.1, np.random.default_rng(6))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    assert not (np.array_equal(a[0], c[0]) and a[1] == c[1])
    assert np.array_equal(image, before)
    assert a[0].shape == image.shape and a[0].dtype == np.uint8


def test_saturation_scales_colour_about_grey_and_keeps_the_grey_level() -> None:
    image = np.array([[[200, 100, 50], [80, 80, 80]]], np.uint8)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    washed, steering = saturation(image, 0.3, 0.0)
    assert steering == 0.3
    np.testing.assert_array_equal(washed, np.repeat(grey[..., None], 3, axis=2))
    vivid, _ = saturation(image, 0.0, 1.5)
    assert vivid[0, 1].tolist() == [80, 80, 80]  # grey stays grey
    assert vivid[0, 0].tolist() == [238, 88, 13]  # 1.5 times further from its grey level, 124
    assert abs(int(cv2.cvtColor(vivid, cv2.COLOR_RGB2YUV)[0, 0, 0]) - 124) <= 1  # the luma the model sees


def test_random_saturation_draws_nothing_when_off() -> None:
    image = gradient_frame()
    rng = np.random.default_rng(3)
    same, _ = random_saturation(image, 0.0, rng, AugmentConfig(saturation_range=(1.0, 1.0)))
    assert same is image
    assert rng.random() == np.random.default_rng(3).random()
    changed, _ = random_saturation(image, 0.0, rng, AugmentConfig(saturation_range=(0.2, 0.2)))
    assert not np.array_equal(changed, image)
