"""Approach `in-memory`, the paper's approach 2: prepare the epoch's examples once, then fit.

Every example of one epoch (camera choice, augmentation, preprocessing) is
built before training into ONE uint8 array (N, 66, 200, 3), 39,600 bytes per
example, never float32 (the model rescales inside). `model.fit` then trains on
arrays already in RAM, at the speed of the network alone. The price, as in the
paper: every epoch sees the same frozen augmented examples. They are exactly the
generator approach's first epoch (`training.data.examples` draws both).

When the array would exceed the RAM budget (`TrainConfig.max_memory_gb`) it is a
memory-mapped file in the run folder instead (`training.data.frame_store`). Either way
`fit` reads shuffled batches of it through `training.data.prepared.train_dataset`
(no augmentation): Keras would copy a NumPy array into one tensor in RAM, and
the same batches from either store give the same model.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from training.approaches.base import PrepareContext, Prepared, steps_per_epoch
from training.data.examples import epoch_indices, lane_offsets, make_examples
from training.data.frame_store import StoreConfig, allocate, choose_store_kind

__all__ = ["APPROACH", "InMemoryApproach"]

logger = logging.getLogger(__name__)


class InMemoryApproach:
    """Augment and preprocess one epoch of examples into RAM, then train on the arrays."""

    name = "in-memory"
    description = "augment + preprocess one epoch once into a uint8 array in RAM, then fit"

    def prepare(self, context: PrepareContext) -> Prepared:
        """Build the epoch's examples (threads decode in parallel) into one uint8 array."""
        # TensorFlow only when training: listing the approaches (--help) stays light
        from training.data.prepared import frames_from_arrays, train_dataset
        from training.distribute import distribute_dataset, worker_shard

        start = time.perf_counter()
        config = context.config
        worker, workers = worker_shard(context.strategy)
        indices = epoch_indices(len(context.train), context.samples_per_epoch, config.seed, 0)
        positions = range(worker, len(indices), workers)  # under several workers, this one's share
        shape = (len(positions), *context.preprocess.output_shape)
        kind = choose_store_kind(int(np.prod(shape)), StoreConfig(max_memory_gb=config.max_memory_gb))
        store = allocate(shape, kind, context.run_dir, f"in-memory-worker{worker}")
        lane = lane_offsets(context.train, context.threads) if context.augment.lane_labels else None
        frames, steering = make_examples(
            context.train,
            indices[worker::workers],
            config.seed,
            0,
            context.augment,
            context.preprocess,
            positions=positions,
            out=store.array,
            threads=context.threads,
            lane_offset_m=lane,
        )
        store.flush()
        logger.info(
            "prepared %d examples (%.1f MB uint8, %s store) in %.1f s",
            len(frames), frames.nbytes / 1e6, store.kind, time.perf_counter() - start,
        )
        examples = frames_from_arrays(frames, steering)
        dataset = distribute_dataset(context.strategy, lambda input_context: train_dataset(
            examples, batch_size=config.batch_size, samples_per_epoch=context.samples_per_epoch,
            seed=config.seed, augment=None, start_epoch=context.start_epoch, input_context=input_context,
        ))
        return Prepared(
            x=dataset,
            fit_kwargs={"steps_per_epoch": steps_per_epoch(context.samples_per_epoch, config.batch_size),
                        "shuffle": False},
            prepared_bytes=store.nbytes,
            info={**store.describe(), "prepared_dtype": str(frames.dtype), "shard": [worker, workers]},
        )


APPROACH = InMemoryApproach()
