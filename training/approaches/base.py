"""What a training approach is: a way of turning training samples into data for `model.fit`.

Everything else of a run (load, balance, split, the validation set, the model,
the emissions trackers, the run folder) is shared by `training.run.train`, so two
approaches differ only in `prepare`, and their runs stay comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recorder.sample import Sample
from training.augmentation.config import AugmentConfig
from training.config import TrainConfig
from training.data.examples import steps_per_epoch
from training.preprocess import PreprocessConfig

__all__ = ["Approach", "PrepareContext", "Prepared", "steps_per_epoch"]


@dataclass(frozen=True)
class PrepareContext:
    """Everything an approach may use to prepare its training data."""

    train: Sequence[Sample]  # training samples, after balance and split
    config: TrainConfig  # the run's settings
    samples_per_epoch: int  # resolved examples per epoch (never None here)
    augment: AugmentConfig  # augmentation parameters
    preprocess: PreprocessConfig  # the preprocessing the model will be saved with
    run_dir: Path  # the run folder (a disk-backed store may live here)
    strategy: Any = None  # tf.distribute.Strategy or None (single process)
    start_epoch: int = 0  # the epoch a resumed run starts from (0-based), from this worker's backup

    @property
    def threads(self) -> int:
        """Decode threads: the configured number, or one per core."""
        from training.environment import usable_cores

        return self.config.threads or usable_cores()


@dataclass
class Prepared:
    """Training data ready for `model.fit`, and what it cost to hold."""

    x: Any  # model.fit's x: uint8 array, keras.utils.PyDataset or tf.data.Dataset
    y: Any = None  # labels where x is an array
    fit_kwargs: dict[str, Any] = field(default_factory=dict)  # batch_size/shuffle/steps_per_epoch
    prepared_bytes: int = 0  # bytes of prepared frames held in RAM or on disk
    info: dict[str, Any] = field(default_factory=dict)  # extra report fields


class Approach(Protocol):
    """A training approach; modules of this package expose one as `APPROACH`."""

    name: str  # the --approach value
    description: str  # one line for --help and the report

    def prepare(self, context: PrepareContext) -> Prepared:
        """Turn the training samples into data for `model.fit`."""
        ...
