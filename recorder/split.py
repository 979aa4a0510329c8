"""Splitting samples into training and validation by contiguous blocks of frames.

Neighbouring frames (0.1 s apart) are near-identical: a frame-level random split
puts a copy of almost every validation frame in the training set and the
validation loss lies. Here each session's samples are cut, in log order, into
blocks of `block_size` frames (a block never straddles two sessions); whole
blocks, chosen with an explicit seed, go to validation until it holds about
`validation_fraction` of the frames.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from recorder.config_fields import check_range, setting
from recorder.sample import Sample

__all__ = ["MAX_SEED", "Split", "SplitConfig", "check_seed", "split_blocks"]

# numpy.random.seed and keras.utils.set_random_seed take 0..2**32-1; a run's one seed must suit both.
MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> None:
    """Raise ValueError naming --seed unless `seed` is a seed NumPy and TensorFlow both take."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed (--seed) must be an integer in 0..{MAX_SEED}, got {str(seed)[:40]}")


@dataclass(frozen=True)
class SplitConfig:
    """How samples are cut into blocks and how many go to validation."""

    # share of frames (0 <= f < 1) put in validation, in whole blocks
    validation_fraction: float = setting(0.2, "share of frames (0 <= f < 1) put in validation, in whole blocks")
    # frames per block (50 frames is about 5 s of driving)
    block_size: int = setting(50, "frames per contiguous block (50 is about 5 s)")

    def __post_init__(self) -> None:
        check_range("validation_fraction", self.validation_fraction, low=0, high=1, high_open=True)
        check_range("block_size", self.block_size, low=1)


@dataclass(frozen=True)
class Split:
    """Training and validation samples, each in original order."""

    train: list[Sample]  # samples for fitting
    validation: list[Sample]  # samples for validation, whole blocks only
    blocks: int  # blocks cut in total
    validation_blocks: int  # of which went to validation

    def sizes(self) -> dict[str, int]:
        """Counts for reports."""
        return {
            "train": len(self.train),
            "validation": len(self.validation),
            "blocks": self.blocks,
            "validation_blocks": self.validation_blocks,
        }


def _blocks(samples: Sequence[Sample], block_size: int) -> list[list[int]]:
    """Indices of `samples` cut into blocks, session by session, in order."""
    by_session: dict[str, list[int]] = defaultdict(list)
    for i, sample in enumerate(samples):
        by_session[sample.session].append(i)
    return [
        indices[start : start + block_size]
        for indices in by_session.values()
        for start in range(0, len(indices), block_size)
    ]


def split_blocks(samples: Sequence[Sample], config: SplitConfig, seed: int) -> Split:
    """Split `samples` into training and validation by whole blocks.

    Blocks are visited in a seeded random order; a block goes to validation
    when that brings the validation size closer to `validation_fraction` of all
    frames. With a single block, validation may stay empty: give more data or a
    smaller block_size.
    """
    blocks = _blocks(samples, config.block_size)
    target = config.validation_fraction * len(samples)
    order = np.random.default_rng(seed).permutation(len(blocks))
    chosen: set[int] = set()
    size = 0
    for b in order.tolist():
        if abs(size + len(blocks[b]) - target) < abs(size - target):
            chosen.add(b)
            size += len(blocks[b])
    in_validation = np.zeros(len(samples), dtype=bool)
    for b in chosen:
        in_validation[blocks[b]] = True
    return Split(
        train=[s for s, v in zip(samples, in_validation) if not v],
        validation=[s for s, v in zip(samples, in_validation) if v],
        blocks=len(blocks),
        validation_blocks=len(chosen),
    )
