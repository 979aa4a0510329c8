"""The generator approach's data source: a Keras PyDataset that reads, augments and preprocesses each batch.

Kept apart from `training.approaches.generator` so that listing the approaches
(`bcloning train --help`) does not import Keras.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import keras
import numpy as np

from recorder.sample import Sample
from training.augmentation.config import AugmentConfig
from training.data.examples import epoch_indices, make_examples, steps_per_epoch
from training.preprocess import PreprocessConfig

__all__ = ["AugmentingBatches"]


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
        lane_offset_m: np.ndarray | None = None,
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
        self.lane_offset_m = lane_offset_m  # every sample's, for lane-centre labels (examples.lane_offsets)
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
            self.samples, rows, self.seed, epoch, self.augment, self.preprocess, positions=positions,
            lane_offset_m=self.lane_offset_m,
        )

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.batch(self.epoch, index)

    def on_epoch_end(self) -> None:
        """Next epoch: new rows order and new augmentations."""
        self.epoch += 1
