"""The in-memory approach: one uint8 array of the epoch's examples, 39,600 bytes each."""

from __future__ import annotations

import numpy as np
import pytest

from recorder import load_recordings
from training.approaches import PrepareContext, get_approach
from training.augmentation.config import DEFAULT_AUGMENT
from training.config import TrainConfig
from training.data.examples import epoch_indices, make_examples
from training.preprocess import DEFAULT_PREPROCESS


@pytest.mark.slow
def test_prepares_one_uint8_array_of_the_first_epoch(tiny_recording, tmp_path) -> None:
    samples = load_recordings([tiny_recording]).samples
    config = TrainConfig(approach="in-memory", batch_size=8, samples_per_epoch=20, seed=3)
    context = PrepareContext(samples, config, 20, DEFAULT_AUGMENT, DEFAULT_PREPROCESS, tmp_path)
    prepared = get_approach("in-memory").prepare(context)
    assert prepared.prepared_bytes == 20 * 39_600
    assert prepared.info["store"] == "ram" and prepared.info["prepared_dtype"] == "uint8"
    assert prepared.fit_kwargs == {"steps_per_epoch": 3, "shuffle": False}
    expected, steering = make_examples(samples, epoch_indices(len(samples), 20, 3, 0), 3, 0)
    # fit reads shuffled batches of the prepared examples: each epoch holds every one once.
    for epoch in range(2):
        batches = list(prepared.x.skip(3 * epoch).take(3).as_numpy_iterator())
        assert [len(y) for _, y in batches] == [8, 8, 4]
        x = np.concatenate([b[0] for b in batches])
        y = np.concatenate([b[1] for b in batches])
        assert x.dtype == np.uint8 and x.shape == (20, 66, 200, 3)
        order = np.argsort(y, kind="stable")
        expected_order = np.argsort(steering[:, 0], kind="stable")
        np.testing.assert_array_equal(y[order], steering[expected_order, 0])
        np.testing.assert_array_equal(x[order], expected[expected_order])
