"""The generator approach: batches built from JPEGs on demand, fresh every epoch."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from recorder import load_recordings
from training.approaches import PrepareContext, get_approach
from training.augmentation.config import DEFAULT_AUGMENT
from training.config import TrainConfig
from training.data.examples import epoch_indices, make_examples
from training.preprocess import DEFAULT_PREPROCESS


def contexts(samples, tmp_path, approach):
    config = TrainConfig(approach=approach, batch_size=8, samples_per_epoch=20, seed=3)
    return PrepareContext(samples, config, 20, DEFAULT_AUGMENT, DEFAULT_PREPROCESS, tmp_path)


def test_first_epoch_equals_the_in_memory_array_and_the_next_differs(tiny_recording, tmp_path) -> None:
    samples = load_recordings([tiny_recording]).samples
    batches = get_approach("generator").prepare(contexts(samples, tmp_path, "generator")).x
    # The in-memory approach prepares exactly these (tests/training/approaches/test_in_memory.py).
    in_memory, in_memory_steering = make_examples(samples, epoch_indices(len(samples), 20, 3, 0), 3, 0)
    assert len(batches) == 3  # 8 + 8 + 4
    shuffled = [batches[i] for i in (2, 0, 1)]  # order of requests does not matter
    frames = np.concatenate([shuffled[1][0], shuffled[2][0], shuffled[0][0]])
    steering = np.concatenate([shuffled[1][1], shuffled[2][1], shuffled[0][1]])
    assert frames.dtype == np.uint8 and frames.shape == (20, 66, 200, 3)
    assert np.array_equal(frames, in_memory) and np.array_equal(steering, in_memory_steering)
    batches.on_epoch_end()
    assert not np.array_equal(batches[0][0], frames[:8])
    with pytest.raises(IndexError):
        batches[3]


def test_prepares_nothing_ahead(tiny_recording, tmp_path) -> None:
    samples = load_recordings([tiny_recording]).samples
    prepared = get_approach("generator").prepare(contexts(samples, tmp_path, "generator"))
    assert prepared.prepared_bytes == 0 and prepared.y is None


def test_a_resumed_run_draws_the_epoch_it_resumes_at(tiny_recording, tmp_path) -> None:
    from training.run.folder import backup_dir, resume_epoch

    samples = load_recordings([tiny_recording]).samples
    backup = backup_dir(tmp_path)
    backup.mkdir()
    (backup / "training_metadata.json").write_text('{"epoch": 2}')  # as Keras' BackupAndRestore writes it
    # The run reads the backup's epoch and hands it to the approach (training.run.train.prepare).
    context = replace(contexts(samples, tmp_path, "generator"), start_epoch=resume_epoch(tmp_path) or 0)
    batches = get_approach("generator").prepare(context).x
    expected, _ = make_examples(samples, epoch_indices(len(samples), 20, 3, 2)[:8], 3, 2)
    assert batches.epoch == 2 and np.array_equal(batches[0][0], expected)
