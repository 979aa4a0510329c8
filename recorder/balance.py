"""Capping the samples per steering bin, so straight driving does not drown the curves.

Keyboard driving leaves most frames at steering 0 (72 % in user_windows_2023);
a model trained on that learns to drive straight. `balance` splits [-1, 1] into
equal-width bins and keeps at most `max_per_bin` samples of each, chosen at
random with an explicit seed; the kept samples stay in their original order so
contiguous blocks (see `recorder.split`) still mean something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from recorder.config_fields import check_range, setting
from recorder.sample import Sample

__all__ = ["BalanceConfig", "balance", "bin_counts", "steering_bins"]


@dataclass(frozen=True)
class BalanceConfig:
    """How steering values are binned and capped."""

    # number of equal-width steering bins over [-1, 1]
    bins: int = setting(25, "number of equal-width steering bins over [-1, 1]")
    # samples kept at most per bin (the rest dropped at random)
    max_per_bin: int = setting(200, "samples kept at most per steering bin")

    def __post_init__(self) -> None:
        check_range("bins", self.bins, low=1)
        check_range("max_per_bin", self.max_per_bin, low=1)


def steering_bins(steering: Sequence[float] | np.ndarray, bins: int) -> np.ndarray:
    """Bin index (0 .. bins-1) of each steering value; -1 and 1 fall in the end bins."""
    values = np.clip(np.asarray(steering, dtype=np.float64), -1.0, 1.0)
    return np.minimum(((values + 1.0) / 2.0 * bins).astype(np.int64), bins - 1)


def bin_counts(samples: Sequence[Sample], bins: int) -> list[int]:
    """Number of samples in each steering bin."""
    index = steering_bins([s.steering for s in samples], bins)
    return np.bincount(index, minlength=bins).tolist()


def balance(samples: Sequence[Sample], config: BalanceConfig, seed: int) -> list[Sample]:
    """Keep at most `config.max_per_bin` samples per steering bin, in original order.

    The same samples, config and seed always give the same result.
    """
    if not samples:
        return []
    rng = np.random.default_rng(seed)
    index = steering_bins([s.steering for s in samples], config.bins)
    keep = np.ones(len(samples), dtype=bool)
    for b in range(config.bins):
        members = np.flatnonzero(index == b)
        if len(members) > config.max_per_bin:
            dropped = rng.choice(members, size=len(members) - config.max_per_bin, replace=False)
            keep[dropped] = False
    return [sample for sample, kept in zip(samples, keep) if kept]
