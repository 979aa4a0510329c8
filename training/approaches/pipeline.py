"""Approach `pipeline`: every camera preprocessed once, fresh augmentation every epoch.

Beyond the paper: its in-memory approach is fast because the JPEGs are decoded
and augmented once, but then every epoch sees the same frozen examples. This one
decodes and preprocesses once too, keeping all three cameras' uint8 frames (in
RAM, or in a memory-mapped file in the run folder when they exceed the memory
budget), and `tf.data` draws, augments and batches new samples while the model
trains (`training.data.prepared`). Under several workers each worker prepares only
its shard of the samples.
"""

from __future__ import annotations

import logging
import time

from recorder.lane_lines import LaneMeter
from training.approaches.base import PrepareContext, Prepared, steps_per_epoch
from training.augmentation.batches import scale_to_preprocessed
from training.data.frame_store import StoreConfig

__all__ = ["APPROACH", "PipelineApproach"]

logger = logging.getLogger(__name__)


class PipelineApproach:
    """Preprocess all cameras once, then augment fresh batches in tf.data while training."""

    name = "pipeline"
    description = "preprocess all cameras once (RAM or disk store), augment fresh batches every epoch in tf.data"

    def prepare(self, context: PrepareContext) -> Prepared:
        """Prepare this worker's frames and the endless, epoch-aware training dataset."""
        # TensorFlow only when training: listing the approaches (--help) stays light
        from training.data.prepared import prepare_camera_frames, train_dataset
        from training.distribute import distribute_dataset, worker_shard

        start = time.perf_counter()
        config = context.config
        worker, workers = worker_shard(context.strategy)
        samples = list(context.train)[worker::workers]
        store_config = StoreConfig(max_memory_gb=config.max_memory_gb)
        frames = prepare_camera_frames(
            samples, store_config=store_config, directory=context.run_dir,
            name=f"pipeline-worker{worker}", preprocess_config=context.preprocess,
            threads=context.threads, lane_meter=LaneMeter() if context.augment.lane_labels else None,
        )
        steps = steps_per_epoch(context.samples_per_epoch, config.batch_size)
        # A resumed run goes on with the batches the killed one would have drawn.
        augment = scale_to_preprocessed(context.augment, context.preprocess)
        dataset = distribute_dataset(context.strategy, lambda input_context: train_dataset(
            frames, batch_size=config.batch_size, samples_per_epoch=context.samples_per_epoch, seed=config.seed,
            augment=augment, start_epoch=context.start_epoch, input_context=input_context,
        ))
        logger.info("pipeline: %d samples x 3 cameras in a %s store (%.1f MB) in %.1f s",
                    len(samples), frames.store.kind, frames.store.nbytes / 1e6,
                    time.perf_counter() - start)
        return Prepared(
            x=dataset,
            fit_kwargs={"steps_per_epoch": steps, "shuffle": False},
            prepared_bytes=frames.store.nbytes,
            info={**frames.store.describe(), "cameras_stored": 3, "prepared_dtype": "uint8",
                  "fresh_augmentation": True, "shard": [worker, workers]},
        )


APPROACH = PipelineApproach()
