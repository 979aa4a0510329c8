"""Exact effects of the batch augmentations of preprocessed frames on pixels and steering."""

from __future__ import annotations

import numpy as np
import pytest

from recorder.camera_geometry import return_steering
from training.augmentation.batches import (
    YUV_BLACK,
    ScaledAugment,
    augment_batch,
    choose_cameras,
    flip_and_shift,
    scale_chroma,
    scale_luma,
    scale_to_preprocessed,
    shadow_masks,
)
from training.augmentation.config import AugmentConfig
from training.preprocess import DEFAULT_PREPROCESS


def _frames(batch: int = 4, height: int = 66, width: int = 200) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (batch, height, width, 3), dtype=np.uint8)


def _config(**overrides) -> ScaledAugment:
    values = dict(
        camera_correction=0.2, flip_probability=0.0, max_shift_x=0.0, max_shift_y=0.0,
        steering_per_px=0.0032, shadow_probability=0.0, shadow_darkness=0.5,
        shadow_left_probability=0.5, brightness_range=(1.0, 1.0),
        max_view_offset_m=0.0, max_view_turn_deg=0.0, view_lookahead_m=5.0, preprocess=DEFAULT_PREPROCESS,
        lane_labels=False, lane_lookahead_m=5.0,
    )
    values.update(overrides)
    return ScaledAugment(**values)


def _shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Reference shift by slicing: content moves right by dx and down by dy."""
    out = np.empty_like(image)
    out[:] = YUV_BLACK
    h, w = image.shape[:2]
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def test_pixel_parameters_scale_to_the_preprocessed_frame() -> None:
    scaled = scale_to_preprocessed(AugmentConfig(), DEFAULT_PREPROCESS)
    assert scaled.max_shift_x == pytest.approx(50 * 200 / 320)
    assert scaled.max_shift_y == pytest.approx(10 * 66 / 75)
    per_px = AugmentConfig().steering_per_px
    assert scaled.steering_per_px == pytest.approx(per_px * 320 / 200)
    # Same road distance, same steering change: 1 px here is 1.6 px of the 320-px frame.
    assert scaled.steering_per_px * scaled.max_shift_x == pytest.approx(per_px * 50)
    with pytest.raises(ValueError, match="max_shift_x"):
        _config(max_shift_x=-1.0)


def test_camera_choice_corrects_steering_and_keeps_centre_only_samples_central() -> None:
    steering = np.full(300, 0.1, np.float32)
    has_sides = np.array([True] * 200 + [False] * 100)
    camera, corrected = choose_cameras(steering, has_sides, np.random.default_rng(1), correction=0.2)
    expected = 0.1 + np.select([camera == 1, camera == 2], [0.2, -0.2], 0.0)
    np.testing.assert_allclose(corrected, expected, rtol=0, atol=1e-7)
    assert set(camera[:200]) == {0, 1, 2}
    assert (camera[200:] == 0).all()


def test_flip_mirrors_columns() -> None:
    images = _frames()
    out = flip_and_shift(list(images), np.array([True, False, True, False]), np.zeros(4, int), np.zeros(4, int))
    np.testing.assert_array_equal(out[0], images[0, :, ::-1])
    np.testing.assert_array_equal(out[1], images[1])


def test_shift_moves_content_and_fills_with_yuv_black() -> None:
    images = _frames(2)
    out = flip_and_shift(list(images), np.array([False, False]), np.array([5, -3]), np.array([2, -4]))
    np.testing.assert_array_equal(out[0, 2:, 5:], images[0, :-2, :-5])
    assert (out[0, :2] == YUV_BLACK).all() and (out[0, :, :5] == YUV_BLACK).all()
    np.testing.assert_array_equal(out[1, :-4, :-3], images[1, 4:, 3:])
    assert (out[1, -4:] == YUV_BLACK).all() and (out[1, :, -3:] == YUV_BLACK).all()


def test_flip_then_shift() -> None:
    images = _frames(1)
    out = flip_and_shift(list(images), np.array([True]), np.array([4]), np.array([-3]))
    np.testing.assert_array_equal(out[0], _shifted(np.ascontiguousarray(images[0, :, ::-1]), 4, -3))


def test_scale_luma_changes_only_y_with_rounding_and_clipping() -> None:
    images = np.array([[[[100, 50, 200], [201, 7, 9], [3, 128, 128], [10, 1, 2]]]], np.uint8)
    out = scale_luma(images, np.array([[[0.5, 1.5, 0.5, 0.25]]], np.float32))
    np.testing.assert_array_equal(out[..., 0], [[[50, 255, 2, 2]]])  # 1.5 and 2.5 round to even
    np.testing.assert_array_equal(out[..., 1:], images[..., 1:])
    assert out is not images and images[0, 0, 0, 0] == 100
    same = scale_luma(images, np.full((1, 1, 4), 2.0, np.float32), in_place=True)
    assert same is images and images[0, 0, 0, 0] == 200


def test_shadow_masks_are_half_planes() -> None:
    masks = shadow_masks(50, 66, 200, np.random.default_rng(3))
    for mask in masks:
        for row in mask:  # each row is dark on one side of the boundary only
            assert len(np.flatnonzero(np.diff(row.astype(int)))) <= 1
        sides = {bool(mask[r, 0]) for r in range(66) if mask[r].any() and not mask[r].all()}
        assert len(sides) <= 1  # the same side is dark in every row
    assert 0.2 < masks.mean() < 0.8


@pytest.mark.parametrize(("left_probability", "low", "high"), [(1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.5, 0.35, 0.65)])
def test_shadow_masks_shade_the_left_side_as_often_as_configured(left_probability, low, high) -> None:
    masks = shadow_masks(200, 66, 200, np.random.default_rng(5), left_probability=left_probability)
    left = masks[:, :, 0].mean(axis=1) > masks[:, :, -1].mean(axis=1)  # the shaded side holds its edge column
    assert low <= left.mean() <= high


def test_augment_steering_follows_camera_flip_and_shift_exactly() -> None:
    store = np.stack([_frames(32), _frames(32)[:, ::-1], 255 - _frames(32)], axis=1)  # 3 distinct cameras
    steering = np.linspace(-0.5, 0.5, 32).astype(np.float32)
    index = np.arange(32)
    config = _config(flip_probability=0.5, max_shift_x=31.25, max_shift_y=8.8)
    out, new = augment_batch(store, index, steering, np.ones(32, bool), np.random.default_rng(4), config)
    flips = 0
    for i in range(32):
        matches = []
        for camera, offset in ((0, 0.0), (1, 0.2), (2, -0.2)):
            for flip in (False, True):
                base = -(steering[i] + offset) if flip else steering[i] + offset
                dx = round((new[i] - base) / config.steering_per_px)
                if abs(dx) > 31 or abs(new[i] - (base + dx * config.steering_per_px)) > 1e-5:
                    continue
                source = store[i, camera][:, ::-1] if flip else store[i, camera]
                for dy in range(-8, 9):
                    if np.array_equal(out[i], _shifted(np.ascontiguousarray(source), dx, dy)):
                        matches.append(flip)
        assert matches, f"sample {i}: output is no camera/flip/shift of the input matching its steering"
        flips += matches[0]
    assert 4 < flips < 28


def test_brightness_and_shadow_scale_luma_exactly() -> None:
    images = _frames(8)
    store = images[:, None]
    config = _config(brightness_range=(0.8, 0.8), shadow_probability=1.0, shadow_darkness=0.5)
    out, steering = augment_batch(store, np.arange(8), np.zeros(8, np.float32), np.zeros(8, bool),
                                  np.random.default_rng(5), config)
    np.testing.assert_array_equal(out[..., 1:], images[..., 1:])
    np.testing.assert_array_equal(steering, np.zeros(8))
    y = images[..., 0].astype(np.float32)
    lit = out[..., 0] == np.clip(np.rint(y * np.float32(0.8)), 0, 255)
    dark = out[..., 0] == np.clip(np.rint(y * (np.float32(0.8) * np.float32(0.5))), 0, 255)
    assert (lit | dark).all()
    assert (dark & ~lit).any() and (lit & ~dark).any()


def test_same_seed_same_batch_new_seed_new_batch() -> None:
    store = _frames(16)[:, None].repeat(3, axis=1)
    args = (store, np.arange(16), np.zeros(16, np.float32), np.ones(16, bool))
    config = scale_to_preprocessed(AugmentConfig())
    a = augment_batch(*args, np.random.default_rng([1, 2]), config)
    b = augment_batch(*args, np.random.default_rng([1, 2]), config)
    c = augment_batch(*args, np.random.default_rng([1, 3]), config)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert a[0].dtype == np.uint8 and a[1].dtype == np.float32


def test_lane_labels_replace_the_recorded_steering_only_when_asked() -> None:
    store = np.stack([_frames(8)] * 3, axis=1)
    steering, lane = np.full(8, 0.3, np.float32), np.full(8, 1.0)
    flip = dict(flip_probability=1.0)
    _, path = augment_batch(store, np.arange(8), steering, np.zeros(8, bool), np.random.default_rng(0),
                            _config(**flip), lane)
    _, to_lane = augment_batch(store, np.arange(8), steering, np.zeros(8, bool), np.random.default_rng(0),
                               _config(lane_labels=True, **flip), lane)
    assert np.allclose(path, -0.3)
    assert np.allclose(to_lane, -float(return_steering(1.0, 0.0, 5.0)))  # flipped: right of centre becomes left


def test_scale_chroma_scales_u_and_v_about_grey_and_keeps_luma() -> None:
    images = np.array([[[[90, 100, 228], [10, 0, 255]]]], np.uint8)
    out = scale_chroma(images.copy(), np.array([0.5], np.float32))
    assert out.tolist() == [[[[90, 114, 178], [10, 64, 192]]]]  # 128 + 0.5 * (100 - 128) = 114; 191.5 -> 192
    out = scale_chroma(images.copy(), np.array([2.0], np.float32))
    assert out.tolist() == [[[[90, 72, 255], [10, 0, 255]]]]  # clipped at 0 and 255


def test_saturation_range_draws_one_factor_per_image_and_no_draw_when_off() -> None:
    images = _frames(8)
    store = images[:, None]
    args = (store, np.arange(8), np.zeros(8, np.float32), np.zeros(8, bool))
    plain, _ = augment_batch(*args, np.random.default_rng(5), _config())
    varied, _ = augment_batch(*args, np.random.default_rng(5), _config(saturation_range=(0.5, 1.5)))
    np.testing.assert_array_equal(plain, images)  # (1, 1): nothing drawn, nothing changed
    np.testing.assert_array_equal(varied[..., 0], images[..., 0])
    factors = []
    for b in range(8):
        chroma = images[b, ..., 1:].astype(float) - 128
        unclipped = (np.abs(chroma) > 40) & (np.abs(chroma) < 80)  # far enough from grey, and * 1.5 stays in range
        ratio = (varied[b, ..., 1:].astype(float) - 128)[unclipped] / chroma[unclipped]
        assert np.ptp(ratio) < 0.05  # one factor per image (up to rounding)
        factors.append(np.median(ratio))
    assert 0.5 <= min(factors) < max(factors) <= 1.5
