"""Example draws: deterministic, evenly spread, independent of threads and batching."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recorder import load_recordings
from tests.recorder.test_lane_lines import road
from training.augmentation.config import DEFAULT_AUGMENT
from training.data.examples import (
    centre_examples,
    epoch_indices,
    example_rng,
    lane_offsets,
    make_example,
    make_examples,
    read_rgb,
)
from training.preprocess import preprocess


def test_epoch_indices_use_every_row_evenly_and_depend_on_seed_and_epoch() -> None:
    rows = epoch_indices(10, 25, seed=3, epoch=0)
    assert len(rows) == 25
    counts = np.bincount(rows, minlength=10)
    assert counts.min() >= 2 and counts.max() <= 3
    assert np.array_equal(rows, epoch_indices(10, 25, seed=3, epoch=0))
    assert not np.array_equal(rows, epoch_indices(10, 25, seed=3, epoch=1))
    assert not np.array_equal(rows, epoch_indices(10, 25, seed=4, epoch=0))
    with pytest.raises(ValueError, match="no training rows"):
        epoch_indices(0, 5, 0, 0)


def test_example_rng_is_a_pure_function_of_its_coordinates() -> None:
    assert example_rng(1, 2, 3).random() == example_rng(1, 2, 3).random()
    assert example_rng(1, 2, 3).random() != example_rng(1, 2, 4).random()


def test_examples_are_the_same_whatever_the_batching_or_threads(tiny_recording) -> None:
    samples = load_recordings([tiny_recording]).samples
    rows = epoch_indices(len(samples), 12, seed=0, epoch=0)
    frames, steering = make_examples(samples, rows, seed=0, epoch=0)
    assert frames.shape == (12, 66, 200, 3) and frames.dtype == np.uint8
    assert steering.shape == (12, 1) and steering.dtype == np.float32
    threaded, threaded_steering = make_examples(samples, rows, seed=0, epoch=0, threads=2)
    assert np.array_equal(frames, threaded) and np.array_equal(steering, threaded_steering)
    part, part_steering = make_examples(samples, rows[5:9], seed=0, epoch=0, positions=range(5, 9))
    assert np.array_equal(part, frames[5:9]) and np.array_equal(part_steering, steering[5:9])
    one, one_steering = make_example(samples[int(rows[7])], example_rng(0, 0, 7))
    assert np.array_equal(one, frames[7]) and one_steering == pytest.approx(steering[7, 0])
    other_epoch, _ = make_examples(samples, rows, seed=0, epoch=1)
    assert not np.array_equal(other_epoch, frames)


def test_centre_examples_are_the_preprocessed_centre_frames(tiny_recording) -> None:
    samples = load_recordings([tiny_recording]).samples[:5]
    frames, steering = centre_examples(samples, threads=2)
    for k, sample in enumerate(samples):
        assert np.array_equal(frames[k], preprocess(read_rgb(sample.center)))
        assert steering[k, 0] == pytest.approx(sample.steering)


def test_read_rgb_names_an_unreadable_file(tmp_path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(OSError, match="broken.jpg"):
        read_rgb(bad)


def test_lane_offsets_read_each_centre_frame_and_examples_use_their_rows(recording_factory) -> None:
    samples = load_recordings([recording_factory("rec", rows=4)]).samples
    drawn = [0.0, 0.8, -1.2]  # rows 0-2 show a road with yellow lines; row 3 none
    for sample, offset in zip(samples, drawn):
        cv2.imwrite(str(sample.center), cv2.cvtColor(road(offset), cv2.COLOR_RGB2BGR))
    lane = lane_offsets(samples, threads=2)
    assert lane.dtype == np.float32 and np.isnan(lane[3])
    np.testing.assert_allclose(lane[:3], drawn, atol=0.1)
    assert DEFAULT_AUGMENT.lane_labels
    rows = np.array([2, 1, 2, 3])
    _, steering = make_examples(samples, rows, seed=0, epoch=0, lane_offset_m=lane)
    for k, row in enumerate(rows):
        _, one = make_example(samples[int(row)], example_rng(0, 0, k), lane_offset_m=float(lane[row]))
        assert steering[k, 0] == pytest.approx(one)
    _, path = make_examples(samples, rows, seed=0, epoch=0)
    assert path[3, 0] == pytest.approx(steering[3, 0])  # unread: the path's label
    assert not np.allclose(path[:3], steering[:3])
