"""The `pipeline` approach's data: all cameras preprocessed once, augmented fresh every epoch.

The paper's in-memory approach freezes one augmented copy of each sample; this
one keeps the preprocessed uint8 frames of all three cameras (39,600 bytes each)
in a `FrameStore` (RAM, or a memory-mapped file when over budget) and lets
`tf.data` draw, augment and batch new samples while the model trains:

    frames (N, 3, 66, 200, 3) uint8 ─┐
    epoch e: permutation of indices  ├─ per batch: choose camera, then flip, shift,
    batch rng = f(seed, worker, e, k)─┘  shadow, brightness (training.augmentation.batches)
                                         -> (uint8 (B, 66, 200, 3), float32 (B,))

Decoding JPEGs and preprocessing happen once, so the per-epoch cost is a few
passes over each batch, run in parallel (`num_parallel_calls`) and prefetched so
they overlap training. Samples without side cameras store their
centre frame in all three slots and are never given a side camera.

The dataset is infinite and epoch-aware: batch k of epoch e is a pure function of
(frames, seed, e, k), so a run resumed at epoch e sees what it would have seen.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import tensorflow as tf

from recorder.formats import CAMERAS
from recorder.lane_lines import LaneMeter
from recorder.sample import Sample
from training.augmentation.batches import CENTER, ScaledAugment, augment_batch
from training.data.examples import read_rgb
from training.data.frame_store import (
    DISK,
    RAM,
    FrameStore,
    StoreConfig,
    allocate,
    choose_store_kind,
)
from training.environment import usable_cores
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig, preprocess

__all__ = [
    "CameraFrames",
    "frames_bytes",
    "frames_from_arrays",
    "prepare_camera_frames",
    "train_dataset",
]

logger = logging.getLogger(__name__)

# Tag that keeps the permutation's random stream apart from the augmentation's.
_PERMUTATION_STREAM = 1
# Epochs the infinite dataset can count to (fit stops it long before).
_MAX_EPOCHS = 1_000_000


@dataclass
class CameraFrames:
    """Preprocessed frames of some samples, with their steering."""

    store: FrameStore  # uint8 (N, cameras, H, W, 3); slot 0 centre, 1 left, 2 right
    steering: np.ndarray  # float32 (N,), centre camera's steering
    has_sides: np.ndarray  # bool (N,), False where only the centre was recorded
    lane_offset_m: np.ndarray | None = None  # float32 (N,), centre camera's offset from the lane centre (NaN unread)

    def __len__(self) -> int:
        return int(self.steering.shape[0])


def frames_bytes(samples: int, cameras: int, preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS) -> int:
    """Bytes that `samples` x `cameras` preprocessed uint8 frames take."""
    return samples * cameras * int(np.prod(preprocess_config.output_shape))


def prepare_camera_frames(
    samples: Sequence[Sample],
    *,
    cameras: int = 3,
    store_config: StoreConfig = StoreConfig(),
    directory: str | Path | None = None,
    name: str = "camera_frames",
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
    threads: int = 0,
    lane_meter: LaneMeter | None = None,
) -> CameraFrames:
    """Decode and preprocess the first `cameras` cameras of every sample into a store.

    Args:
        samples: validated samples; a sample without side cameras fills every slot
            with its centre frame.
        cameras: 3 (centre, left, right), or 1 (centre only).
        store_config: the RAM budget that decides between a RAM and a disk store.
        directory: the run folder, where a disk store keeps its temporary file in `frames/`.
        threads: decoding threads, 0 for one per core (OpenCV releases the GIL).
        lane_meter: where given, also read each centre frame's offset from the lane centre
            (for lane-centre labels, `training.augmentation.labels.lane_steering`).
    """
    if cameras not in (1, 3):
        raise ValueError(f"cameras must be 1 or 3, got {cameras}")
    shape = (len(samples), cameras, *preprocess_config.output_shape)
    kind = choose_store_kind(frames_bytes(len(samples), cameras, preprocess_config), store_config)
    store = allocate(shape, kind, directory, name)
    lane = np.full(len(samples), np.nan, np.float32)

    def fill(i: int) -> None:
        sample = samples[i]
        for slot, camera in enumerate(CAMERAS[:cameras]):
            path = sample.camera(camera) if sample.has_side_cameras else sample.center
            rgb = read_rgb(path)
            store.array[i, slot] = preprocess(rgb, preprocess_config)
            if lane_meter is not None and slot == CENTER:
                offset = lane_meter(rgb)
                lane[i] = np.nan if offset is None else offset

    with ThreadPoolExecutor(max_workers=threads or usable_cores()) as pool:
        list(pool.map(fill, range(len(samples))))
    store.flush()
    steering = np.array([s.steering for s in samples], np.float32)
    has_sides = np.array([s.has_side_cameras for s in samples], bool)
    logger.info("prepared %d samples x %d cameras in a %s store (%d bytes)",
                len(samples), cameras, store.kind, store.nbytes)
    if lane_meter is None:
        return CameraFrames(store, steering, has_sides)
    logger.info("lane centre read on %d of %d centre frames", int(np.isfinite(lane).sum()), len(samples))
    return CameraFrames(store, steering, has_sides, lane)


def _batch_op(frames: CameraFrames, make: Callable[..., tuple[np.ndarray, np.ndarray]]):
    """Wrap `make(index, *args) -> (images, steering)` as a TF op on the frame store."""
    frame_shape = frames.store.array.shape[2:]

    def op(index: tf.Tensor, *args: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        images, steering = tf.numpy_function(make, [index, *args], (tf.uint8, tf.float32), stateful=False)
        images.set_shape([None, *frame_shape])
        steering.set_shape([None])
        return images, steering

    return op


def _centre_batch(frames: CameraFrames) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """Centre frames and steering of a batch of indices, unchanged."""
    def make(index: np.ndarray, *_: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.ascontiguousarray(frames.store.array[index, CENTER]), frames.steering[index]

    return make


def frames_from_arrays(frames: np.ndarray, steering: np.ndarray) -> CameraFrames:
    """Wrap prepared centre frames (N, H, W, 3) and steering as one-camera `CameraFrames`.

    A view, no copy: the in-memory approach's prepared epoch (RAM array or memmap).
    """
    if frames.dtype != np.uint8 or frames.ndim != 4:
        raise ValueError(f"frames must be uint8 (N, H, W, 3), got {frames.dtype} {frames.shape}")
    store = FrameStore(frames[:, None], DISK if isinstance(frames, np.memmap) else RAM)
    steering = np.asarray(steering, np.float32).reshape(-1)
    return CameraFrames(store, steering, np.zeros(len(steering), bool))


def _shard_layout(batch_size: int, input_context: tf.distribute.InputContext | None) -> tuple[int, int, int]:
    """(this pipeline's id, its share of a global batch, per-replica batch size)."""
    if input_context is None:
        return 0, batch_size, batch_size
    pipelines = input_context.num_input_pipelines
    per_replica = input_context.get_per_replica_batch_size(batch_size)
    if batch_size % pipelines:
        raise ValueError(f"batch_size {batch_size} must divide by the {pipelines} workers")
    return input_context.input_pipeline_id, batch_size // pipelines, per_replica


def _options() -> tf.data.Options:
    options = tf.data.Options()
    options.deterministic = True
    # Each worker already reads only its own shard (see train_dataset).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return options


def train_dataset(
    frames: CameraFrames,
    *,
    batch_size: int,
    samples_per_epoch: int,
    seed: int,
    augment: ScaledAugment | None,
    start_epoch: int = 0,
    input_context: tf.distribute.InputContext | None = None,
) -> tf.data.Dataset:
    """An endless dataset of augmented batches, `ceil(samples_per_epoch / batch_size)` per epoch.

    Each epoch draws `samples_per_epoch` sample indices without replacement
    (several permutations where that exceeds N); its last batch may be partial,
    as `model.fit` on arrays makes it. With `augment=None` it yields the frames
    of slot 0 unchanged (the in-memory approach's prepared examples, the compute
    ceiling, tests). Under several workers `frames` is this worker's shard of the
    samples (see `training.distribute.worker_shard`) and the worker draws its
    share of every global batch from it, in per-replica batches, all full (every
    worker must run the same steps).
    """
    if len(frames) == 0:
        raise ValueError("no training samples")
    if samples_per_epoch < 1:
        raise ValueError(f"samples_per_epoch must be >= 1, got {samples_per_epoch}")
    pipeline_id, share, per_replica = _shard_layout(batch_size, input_context)
    n = len(frames)
    several_workers = input_context is not None and input_context.num_input_pipelines > 1
    steps = -(-samples_per_epoch // batch_size)
    per_epoch = steps * share if several_workers else samples_per_epoch
    repeats = -(-per_epoch // n)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    fold_in = tf.random.experimental.stateless_fold_in
    base = fold_in(tf.constant([seed, 0], tf.int64), pipeline_id)

    def epoch_batches(epoch: tf.Tensor) -> tf.data.Dataset:
        keys = tf.random.stateless_uniform([repeats, n], fold_in(fold_in(base, _PERMUTATION_STREAM), epoch))
        order = tf.reshape(tf.argsort(keys, axis=1, stable=True), [-1])[:per_epoch]
        batches = tf.data.Dataset.from_tensor_slices(order).batch(per_replica).enumerate()
        return batches.map(lambda row, index: (index, epoch, row))

    def augmented(index: np.ndarray, epoch: np.int64, row: np.int64) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([seed, pipeline_id, int(epoch), int(row)])
        lane = None if frames.lane_offset_m is None else frames.lane_offset_m[index]
        return augment_batch(frames.store.array, index, frames.steering[index],
                             frames.has_sides[index], rng, augment, lane)  # type: ignore[arg-type]

    make_batch = _batch_op(frames, _centre_batch(frames) if augment is None else augmented)
    dataset = (
        tf.data.Dataset.range(start_epoch, _MAX_EPOCHS)
        .flat_map(epoch_batches)
        .map(make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    return dataset.with_options(_options())
