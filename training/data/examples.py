"""Turning driving-log samples into (preprocessed frame, steering) training examples.

Both approaches build their examples here, with the same draws: the rows of epoch
`e` are `epoch_indices(rows, count, seed, e)` and the example at position `p`
is augmented with `example_rng(seed, e, p)`. So the in-memory approach's
prepared epoch is exactly the generator's first epoch, whatever the batch order,
threads or workers. With lane-centre labels both read every row's lane offset once
while preparing (`lane_offsets`) and pass it here, as the pipeline approach reads it
while storing its frames (`training.data.prepared`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from recorder.images import read_rgb
from recorder.lane_lines import LaneMeter
from recorder.sample import Sample
from training.augmentation.config import DEFAULT_AUGMENT, AugmentConfig
from training.augmentation.frames import augment, choose_camera
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig, preprocess

__all__ = [
    "read_rgb",
    "epoch_indices",
    "example_rng",
    "lane_offsets",
    "make_example",
    "make_examples",
    "centre_examples",
    "steps_per_epoch",
]

logger = logging.getLogger(__name__)


def epoch_indices(rows: int, count: int, seed: int, epoch: int) -> np.ndarray:
    """Which rows the `count` examples of epoch `epoch` come from.

    Successive shuffles of all rows, cut at `count`: every row is used as evenly
    as `count` allows, in an order fixed by (seed, epoch).
    """
    if rows < 1:
        raise ValueError("no training rows to draw examples from")
    rng = np.random.default_rng([seed, epoch])
    rounds = -(-count // rows)
    return np.concatenate([rng.permutation(rows) for _ in range(rounds)])[:count]


def example_rng(seed: int, epoch: int, position: int) -> np.random.Generator:
    """The generator that augments example `position` of epoch `epoch`."""
    return np.random.default_rng([seed, epoch, position, 1])


def make_example(
    sample: Sample,
    rng: np.random.Generator,
    augment_config: AugmentConfig = DEFAULT_AUGMENT,
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
    lane_offset_m: float = math.nan,
) -> tuple[np.ndarray, float]:
    """Choose a camera, read it, augment it and preprocess it: (uint8 YUV frame, steering).

    `lane_offset_m`: the sample's centre frame's offset from the lane centre (NaN unread),
    for lane-centre labels (`training.augmentation.frames.random_view`).
    """
    camera, path, steering = choose_camera(sample, rng, augment_config.camera_correction)
    image, steering = augment(read_rgb(path), steering, rng, augment_config, lane_offset_m, camera)
    return preprocess(image, preprocess_config), steering


def lane_offsets(samples: Sequence[Sample], threads: int = 1, meter: LaneMeter | None = None) -> np.ndarray:
    """Each sample's centre frame's offset from the lane centre (float32 m, > 0 right of it; NaN unread)."""
    meter = meter or LaneMeter()
    offsets = np.full(len(samples), np.nan, np.float32)

    def read(k: int) -> None:
        offset = meter(read_rgb(samples[k].center))
        offsets[k] = np.nan if offset is None else offset

    with ThreadPoolExecutor(max(threads, 1)) as pool:
        list(pool.map(read, range(len(samples))))
    logger.info("lane centre read on %d of %d centre frames", int(np.isfinite(offsets).sum()), len(samples))
    return offsets


def make_examples(
    samples: Sequence[Sample],
    indices: np.ndarray,
    seed: int,
    epoch: int,
    augment_config: AugmentConfig = DEFAULT_AUGMENT,
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
    positions: Sequence[int] | None = None,
    out: np.ndarray | None = None,
    threads: int = 1,
    lane_offset_m: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Build the examples of `indices` (rows) at `positions` (default 0..n-1) of an epoch.

    Args:
        out: an uint8 array of shape (n, *frame) to fill (avoids a copy); made if None.
        threads: OpenCV releases the GIL while decoding, so threads speed this up.
        lane_offset_m: every sample's lane offset (`lane_offsets`), for lane-centre labels.

    Returns:
        (frames uint8 (n, H, W, 3), steering float32 (n, 1)).
    """
    positions = range(len(indices)) if positions is None else positions
    if out is None:
        out = np.empty((len(indices), *preprocess_config.output_shape), np.uint8)
    steering = np.empty((len(indices), 1), np.float32)

    def build(k: int) -> None:
        rng = example_rng(seed, epoch, int(positions[k]))
        row = int(indices[k])
        lane = math.nan if lane_offset_m is None else float(lane_offset_m[row])
        out[k], steering[k, 0] = make_example(samples[row], rng, augment_config, preprocess_config, lane)

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(build, range(len(indices))))
    else:
        for k in range(len(indices)):
            build(k)
    return out, steering


def centre_examples(
    samples: Sequence[Sample],
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Preprocessed centre frames and steering, no augmentation: the validation set."""
    frames = np.empty((len(samples), *preprocess_config.output_shape), np.uint8)

    def build(k: int) -> None:
        frames[k] = preprocess(read_rgb(samples[k].center), preprocess_config)

    with ThreadPoolExecutor(max(threads, 1)) as pool:
        list(pool.map(build, range(len(samples))))
    steering = np.array([[s.steering] for s in samples], np.float32).reshape(-1, 1)
    return frames, steering


def steps_per_epoch(samples_per_epoch: int, batch_size: int) -> int:
    """Batches per epoch, the last one possibly partial (equal for every approach)."""
    return -(-samples_per_epoch // batch_size)
