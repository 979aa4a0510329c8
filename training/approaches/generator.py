"""Approach `generator`, the paper's approach 1: load, augment and preprocess every batch.

As the tutorials do (naokishibuya's car-behavioral-cloning `batch_generator`
with `fit_generator`): a Keras data source reads each batch's JPEGs from disk,
chooses cameras, augments and preprocesses them while the model trains, every
epoch anew. Here it is a `keras.utils.PyDataset`; with the default one worker
Keras runs it in one background tf.data thread with prefetching, which is what
the tutorials' `fit_generator` queue did. Examples come from `training.data.examples`,
so its first epoch equals the in-memory approach's prepared array.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import keras
import numpy as np

from recorder.sample import Sample
from training.approaches.base import PrepareContext, Prepared, steps_per_epoch
from training.augmentation.config import AugmentConfig
from training.data.examples import epoch_indices, make_examples
from training.preprocess import PreprocessConfig
from training.run.folder import resume_epoch

__all__ = ["APPROACH", "GeneratorApproach", "AugmentingBatches"]


class AugmentingBatches(keras.utils.PyDataset):
    """Batches read from JPEGs and augmented on the fly; a new draw every epoch."""

    def __init__(
        self,
        samples: Sequence[Sample],
        samples_per_epoch: int,
        batch_size: int,
        seed: int,
        augment: AugmentConfig,
        preprocess: PreprocessConfig,
        workers: int = 1,
        start_epoch: int = 0,
    ) -> None:
        super().__init__(workers=workers, use_multiprocessing=False)
        if not samples:
            raise ValueError("no training samples")
        self.samples = samples
        self.samples_per_epoch = samples_per_epoch
        self.batch_size = batch_size
        self.seed = seed
        self.augment = augment
        self.preprocess = preprocess
        # Advanced by Keras through on_epoch_end; a resumed run starts at its backup's epoch,
        # so it draws what the killed run would have drawn.
        self.epoch = start_epoch
        self._indices: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return steps_per_epoch(self.samples_per_epoch, self.batch_size)

    def epoch_rows(self, epoch: int) -> np.ndarray:
        """The rows of every example of `epoch` (cached: one shuffle per epoch)."""
        with self._lock:
            if epoch not in self._indices:
                self._indices = {
                    epoch: epoch_indices(len(self.samples), self.samples_per_epoch, self.seed, epoch)
                }
            return self._indices[epoch]

    def batch(self, epoch: int, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch `index` of `epoch`: read, augment and preprocess its examples now."""
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range (0..{len(self) - 1})")
        positions = range(index * self.batch_size, min((index + 1) * self.batch_size, self.samples_per_epoch))
        rows = self.epoch_rows(epoch)[positions.start : positions.stop]
        return make_examples(
            self.samples, rows, self.seed, epoch, self.augment, self.preprocess, positions=positions
        )

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.batch(self.epoch, index)

    def on_epoch_end(self) -> None:
        """Next epoch: new rows order and new augmentations."""
        self.epoch += 1


class GeneratorApproach:
    """Nothing prepared ahead: every batch is loaded and augmented while training."""

    name = "generator"
    description = "read, augment and preprocess every batch from JPEGs while training"

    def prepare(self, context: PrepareContext) -> Prepared:
        """Only build the data source; the work happens inside fit."""
        config = context.config
        batches = AugmentingBatches(
            context.train,
            context.samples_per_epoch,
            config.batch_size,
            config.seed,
            context.augment,
            context.preprocess,
            workers=config.loader_workers,
            start_epoch=resume_epoch(context.run_dir) or 0,
        )
        return Prepared(
            x=batches,
            fit_kwargs={"shuffle": True},
            prepared_bytes=0,
            info={"store": "none (JPEGs read every batch)", "loader_workers": config.loader_workers},
        )


APPROACH = GeneratorApproach()
