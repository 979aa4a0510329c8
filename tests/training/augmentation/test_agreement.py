"""The per-frame path (frames.py, RGB) and the per-batch path (batches.py, YUV) train on one distribution.

Both draw a few thousand examples from the same recording and AugmentConfig. Their
steering labels must agree: a two-sample Kolmogorov-Smirnov statistic below its 1 %
critical value, and means and standard deviations within four standard errors of
their difference.
With only one augmentation switched on, the share of each camera and of flips (read
off the labels) must agree within 0.03. The same holds with lane-centre labels, for
lane offsets injected per row (the tiny recordings have no yellow lines to read).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from recorder.loader import load_recordings
from training.augmentation.batches import augment_batch, scale_to_preprocessed
from training.augmentation.config import DEFAULT_AUGMENT
from training.augmentation.labels import LEFT, RIGHT, lane_steering
from training.data.examples import make_example
from training.preprocess import DEFAULT_PREPROCESS

DRAWS = 2000
# Only what moves the label; images are not compared (one path is RGB, the other YUV).
OFF = replace(DEFAULT_AUGMENT, camera_correction=0.0, flip_probability=0.0, max_shift_x=0.0, max_shift_y=0.0,
              max_view_offset_m=0.0, max_view_turn_deg=0.0)


def per_frame(samples, config, lane=None, seed: int = 0) -> np.ndarray:
    """Labels of the per-frame path: every example its own camera choice and augmentation."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(samples), DRAWS)
    lane = np.full(len(samples), np.nan) if lane is None else lane
    return np.array([make_example(samples[i], rng, config, DEFAULT_PREPROCESS, lane[i])[1] for i in rows])


def per_batch(samples, config, lane=None, seed: int = 1) -> np.ndarray:
    """Labels of the per-batch path, in batches of 64, from a store of every camera's frame."""
    rng = np.random.default_rng(seed)
    store = np.zeros((len(samples), 3, *DEFAULT_PREPROCESS.output_shape), np.uint8)
    steering = np.array([s.steering for s in samples], np.float32)
    has_sides = np.array([s.has_side_cameras for s in samples])
    scaled = scale_to_preprocessed(config, DEFAULT_PREPROCESS)
    labels = []
    for _ in range(DRAWS // 64 + 1):
        index = rng.integers(0, len(samples), 64)
        lanes = None if lane is None else lane[index]
        labels.append(augment_batch(store, index, steering[index], has_sides[index], rng, scaled, lanes)[1])
    return np.concatenate(labels)[:DRAWS]


def means_bound(a: np.ndarray, b: np.ndarray) -> float:
    """Four standard errors of the difference of two sample means: draws from one distribution stay inside."""
    return 4 * float(np.sqrt(a.var() / len(a) + b.var() / len(b)))


def sds_bound(a: np.ndarray, b: np.ndarray) -> float:
    """Four standard errors of the difference of two sample standard deviations (from each sample's fourth moment)."""
    def se(x: np.ndarray) -> float:
        centred = x - x.mean()
        return float(np.sqrt(((centred ** 4).mean() - x.var() ** 2) / len(x)) / (2 * x.std()))
    return 4 * float(np.hypot(se(a), se(b)))


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    grid = np.sort(np.concatenate([a, b]))
    cdf = lambda x: np.searchsorted(np.sort(x), grid, side="right") / len(x)  # noqa: E731
    return float(np.max(np.abs(cdf(a) - cdf(b))))


@pytest.fixture
def samples(recording_factory):
    return load_recordings([recording_factory("rec", rows=60)]).samples


@pytest.fixture
def lane(samples) -> np.ndarray:
    """Known lane offsets of the rows' centre frames (m, > 0 right), a quarter of them unread."""
    rng = np.random.default_rng(7)
    offsets = rng.uniform(-1.5, 1.5, len(samples))
    offsets[rng.random(len(samples)) < 0.25] = np.nan
    return offsets


def test_steering_labels_agree_under_the_default_augmentation(samples) -> None:
    frame, batch = per_frame(samples, DEFAULT_AUGMENT), per_batch(samples, DEFAULT_AUGMENT)
    critical = 1.63 * np.sqrt(2 / DRAWS)  # 1 % level, two samples of DRAWS each
    assert ks_statistic(frame, batch) < critical, (ks_statistic(frame, batch), critical)
    assert abs(frame.mean() - batch.mean()) < means_bound(frame, batch)
    assert abs(frame.std() - batch.std()) < sds_bound(frame, batch)


def test_each_camera_and_flips_are_drawn_as_often_by_both_paths(samples) -> None:
    correction = 0.25
    cameras = replace(OFF, camera_correction=correction)
    centre = {s.steering for s in samples}
    for labels in (per_frame(samples, cameras), per_batch(samples, cameras)):
        labels = labels.astype(np.float64)
        left = np.mean([any(abs(v - correction - c) < 1e-4 for c in centre) for v in labels])
        right = np.mean([any(abs(v + correction - c) < 1e-4 for c in centre) for v in labels])
        assert left == pytest.approx(1 / 3, abs=0.03) and right == pytest.approx(1 / 3, abs=0.03)
    flips = replace(OFF, flip_probability=0.5)
    shares = []
    for labels in (per_frame(samples, flips), per_batch(samples, flips)):
        shares.append(np.mean([not any(abs(v - c) < 1e-4 for c in centre) for v in labels]))
    # a flipped label is -steering: not a recorded value unless steering is 0 or its negative was recorded
    assert abs(shares[0] - shares[1]) < 0.03


def test_lane_labels_agree_under_the_default_augmentation(samples, lane) -> None:
    assert DEFAULT_AUGMENT.lane_labels
    frame, batch = per_frame(samples, DEFAULT_AUGMENT, lane), per_batch(samples, DEFAULT_AUGMENT, lane)
    path = per_frame(samples, DEFAULT_AUGMENT)
    critical = 1.63 * np.sqrt(2 / DRAWS)
    assert ks_statistic(frame, batch) < critical, (ks_statistic(frame, batch), critical)
    moved = np.abs(frame - path) > 1e-6  # the same draws (seed 0): only the rows whose lane was read change label
    assert moved.mean() == pytest.approx(np.isfinite(lane).mean(), abs=0.05)
    assert abs(frame.mean() - batch.mean()) < means_bound(frame, batch)
    assert abs(frame.std() - batch.std()) < sds_bound(frame, batch)


def test_both_paths_label_each_camera_by_the_lane_law(samples, lane) -> None:
    config = replace(OFF, camera_correction=0.25)
    read = ~np.isnan(lane)
    for labels in (per_frame(samples, config, lane), per_batch(samples, config, lane)):
        labels = labels.astype(np.float64)
        for camera in (LEFT, RIGHT):
            law = lane_steering(np.zeros(read.sum()), lane[read], camera, 0.0, 0.0, config.lane_lookahead_m)
            share = np.mean([np.min(np.abs(law - v)) < 1e-6 for v in labels])
            assert share == pytest.approx(read.mean() / 3, abs=0.04)


@pytest.mark.parametrize("factor", [0.5, 1.5])
def test_saturation_is_the_same_change_of_the_model_input_on_either_path(factor: float) -> None:
    """RGB saturation then preprocessing (per frame) is chroma scaling of the preprocessed frame (per batch)."""
    from training.augmentation.batches import scale_chroma
    from training.augmentation.frames import saturation
    from training.preprocess import preprocess

    rgb = np.random.default_rng(0).integers(90, 170, (160, 320, 3), dtype=np.uint8)  # no clipping at 1.5
    per_frame_input = preprocess(saturation(rgb, 0.0, factor)[0]).astype(int)
    per_batch_input = scale_chroma(preprocess(rgb)[None].copy(), np.array([factor], np.float32))[0].astype(int)
    assert np.abs(per_frame_input - per_batch_input).max() <= 3  # rounding in different places, times the factor
    assert np.abs(per_frame_input - per_batch_input).mean() < 0.6
