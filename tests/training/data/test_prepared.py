"""The pipeline approach's data: prepared camera frames and the epoch-aware tf.data batches."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from recorder import load_recordings
from recorder.lane_lines import LaneMeter
from training.augmentation.batches import ScaledAugment
from training.data.examples import read_rgb
from training.data.frame_store import RAM, FrameStore
from training.data.prepared import (
    CameraFrames,
    frames_bytes,
    frames_from_arrays,
    prepare_camera_frames,
    train_dataset,
)
from training.preprocess import DEFAULT_PREPROCESS, preprocess

FRAME = (4, 5, 3)  # tiny frames: the dataset logic does not care about the size


def _numbered_frames(n: int, cameras: int = 3, sides: bool = True) -> CameraFrames:
    """Frame (i, c) is filled with 10*i + c, so a batch tells which sample and camera it holds."""
    array = np.zeros((n, cameras, *FRAME), np.uint8)
    for i in range(n):
        for c in range(cameras):
            array[i, c] = 10 * i + c
    steering = np.linspace(-0.5, 0.5, n).astype(np.float32)
    return CameraFrames(FrameStore(array, RAM, None), steering, np.full(n, sides))


def _batches(dataset: tf.data.Dataset, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in dataset.take(count)]


def _ids(images: np.ndarray) -> np.ndarray:
    """Sample and camera encoded in each frame: (sample, camera) pairs."""
    value = images[:, 0, 0, 0].astype(int)
    return np.stack([value // 10, value % 10], axis=1)


def _camera_only(correction: float = 0.2) -> ScaledAugment:
    """Augmentation that only chooses the camera (no flip, shift, shadow or brightness)."""
    return ScaledAugment(camera_correction=correction, flip_probability=0.0, max_shift_x=0.0,
                         max_shift_y=0.0, steering_per_px=0.0, shadow_probability=0.0,
                         shadow_darkness=1.0, shadow_left_probability=0.5, brightness_range=(1.0, 1.0),
                         max_view_offset_m=0.0, max_view_turn_deg=0.0, view_lookahead_m=5.0,
                         lane_labels=False, lane_lookahead_m=5.0, preprocess=DEFAULT_PREPROCESS)


def test_prepare_stores_every_camera_preprocessed(recording_factory) -> None:
    samples = load_recordings([recording_factory("rec", rows=6)]).samples
    frames = prepare_camera_frames(samples, threads=2)
    assert frames.store.array.shape == (len(samples), 3, 66, 200, 3)
    assert frames.store.kind == RAM and frames.store.nbytes == frames_bytes(len(samples), 3)
    for slot, camera in enumerate(("center", "left", "right")):
        expected = preprocess(read_rgb(samples[2].camera(camera)))
        np.testing.assert_array_equal(frames.store.array[2, slot], expected)
    np.testing.assert_allclose(frames.steering, [s.steering for s in samples])
    assert frames.has_sides.all()


def test_prepare_reads_the_lane_centre_only_when_given_a_meter(recording_factory) -> None:
    samples = load_recordings([recording_factory("rec", rows=4)]).samples
    assert prepare_camera_frames(samples, threads=1).lane_offset_m is None
    frames = prepare_camera_frames(samples, threads=1, lane_meter=LaneMeter())
    expected = [LaneMeter()(read_rgb(s.center)) for s in samples]
    np.testing.assert_allclose(frames.lane_offset_m, [np.nan if e is None else e for e in expected], atol=1e-6)


def test_centre_only_samples_fill_every_slot_with_the_centre(recording_factory) -> None:
    samples = load_recordings([recording_factory("auto", rows=4, side_cameras=False)]).samples
    frames = prepare_camera_frames(samples, threads=1)
    assert not frames.has_sides.any()
    for slot in (1, 2):
        np.testing.assert_array_equal(frames.store.array[:, slot], frames.store.array[:, 0])
    with pytest.raises(ValueError, match="cameras"):
        prepare_camera_frames(samples, cameras=2)


def test_each_epoch_is_a_new_permutation_and_resuming_sees_the_same_batches() -> None:
    frames = _numbered_frames(12)
    dataset = train_dataset(frames, batch_size=4, samples_per_epoch=12, seed=5, augment=None)
    batches = _batches(dataset, 6)
    epochs = [np.concatenate([_ids(x)[:, 0] for x, _ in batches[e * 3:(e + 1) * 3]]) for e in (0, 1)]
    for order in epochs:
        assert sorted(order) == list(range(12))  # every sample exactly once per epoch
    assert not np.array_equal(epochs[0], epochs[1])
    for x, y in batches:  # centre frame and its own steering
        ids = _ids(x)
        assert (ids[:, 1] == 0).all()
        np.testing.assert_allclose(y, frames.steering[ids[:, 0]])
    again = _batches(train_dataset(frames, batch_size=4, samples_per_epoch=12, seed=5, augment=None), 6)
    resumed = _batches(train_dataset(frames, batch_size=4, samples_per_epoch=12, seed=5, augment=None,
                                     start_epoch=1), 3)
    for (x, _), (x2, _) in zip(batches, again):
        np.testing.assert_array_equal(x, x2)
    for (x, _), (x2, _) in zip(batches[3:], resumed):
        np.testing.assert_array_equal(x, x2)
    other_seed = _batches(train_dataset(frames, batch_size=4, samples_per_epoch=12, seed=6, augment=None), 3)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(batches, other_seed))


def test_an_epoch_holds_exactly_its_samples_with_a_partial_last_batch() -> None:
    frames = _numbered_frames(10)
    batches = _batches(train_dataset(frames, batch_size=4, samples_per_epoch=10, seed=0, augment=None), 6)
    assert [len(y) for _, y in batches] == [4, 4, 2, 4, 4, 2]
    assert sorted(np.concatenate([_ids(x)[:, 0] for x, _ in batches[:3]])) == list(range(10))
    with pytest.raises(ValueError, match="samples_per_epoch"):
        train_dataset(frames, batch_size=4, samples_per_epoch=0, seed=0, augment=None)


def test_epochs_longer_than_the_data_use_every_sample_evenly() -> None:
    frames = _numbered_frames(5)
    batches = _batches(train_dataset(frames, batch_size=4, samples_per_epoch=20, seed=0, augment=None), 5)
    counts = np.bincount(np.concatenate([_ids(x)[:, 0] for x, _ in batches]), minlength=5)
    assert counts.tolist() == [4] * 5


def test_camera_choice_takes_the_side_frame_and_corrects_steering() -> None:
    frames = _numbered_frames(16)
    dataset = train_dataset(frames, batch_size=16, samples_per_epoch=16, seed=1, augment=_camera_only(0.25))
    x, y = _batches(dataset, 1)[0]
    ids = _ids(x)
    offset = np.select([ids[:, 1] == 1, ids[:, 1] == 2], [0.25, -0.25], 0.0)
    np.testing.assert_allclose(y, frames.steering[ids[:, 0]] + offset, atol=1e-6)
    assert set(ids[:, 1]) == {0, 1, 2}
    centre_only = _numbered_frames(16, sides=False)
    x, _ = _batches(train_dataset(centre_only, batch_size=16, samples_per_epoch=16, seed=1,
                                  augment=_camera_only()), 1)[0]
    assert (_ids(x)[:, 1] == 0).all()


def test_workers_draw_their_share_of_every_batch_from_their_own_shard() -> None:
    frames = _numbered_frames(8)
    contexts = [tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=i,
                                           num_replicas_in_sync=2) for i in (0, 1)]
    shards = [
        _batches(train_dataset(frames, batch_size=4, samples_per_epoch=8, seed=0, augment=None,
                               input_context=context), 4)
        for context in contexts
    ]
    for batches in shards:
        assert all(x.shape == (2, *FRAME) for x, _ in batches)
        first_epoch = np.concatenate([_ids(x)[:, 0] for x, _ in batches[:2]])
        assert len(set(first_epoch)) == 4  # 2 steps x 2 per worker, without replacement
    # Different workers draw differently even from the same frames.
    assert not np.array_equal(shards[0][0][0], shards[1][0][0])
    with pytest.raises(ValueError, match="divisible|divide"):
        train_dataset(frames, batch_size=5, samples_per_epoch=5, seed=0, augment=None,
                      input_context=contexts[0])


def test_frames_from_arrays_is_a_view() -> None:
    x = np.zeros((3, *FRAME), np.uint8)
    frames = frames_from_arrays(x, np.zeros((3, 1), np.float32))
    assert np.shares_memory(frames.store.array, x) and frames.store.array.shape == (3, 1, *FRAME)
    assert len(frames) == 3 and not frames.has_sides.any()
    with pytest.raises(ValueError, match="uint8"):
        frames_from_arrays(x.astype(np.float32), np.zeros(3, np.float32))
