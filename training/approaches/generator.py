"""Approach `generator`, the paper's approach 1: load, augment and preprocess every batch.

As the tutorials do (naokishibuya's car-behavioral-cloning `batch_generator`
with `fit_generator`): a Keras data source reads each batch's JPEGs from disk,
chooses cameras, augments and preprocesses them while the model trains, every
epoch anew. Here it is a `keras.utils.PyDataset` (`training.data.augmenting_batches`); with the default one worker
Keras runs it in one background tf.data thread with prefetching, which is what
the tutorials' `fit_generator` queue did. Examples come from `training.data.examples`,
so its first epoch equals the in-memory approach's prepared array. With lane-centre
labels, its preparation reads every row's lane offset once (`examples.lane_offsets`),
as the other approaches do in theirs; that is the only work done ahead.
"""

from __future__ import annotations

from training.approaches.base import PrepareContext, Prepared

__all__ = ["APPROACH", "GeneratorApproach"]


class GeneratorApproach:
    """Nothing prepared ahead: every batch is loaded and augmented while training."""

    name = "generator"
    description = "read, augment and preprocess every batch from JPEGs while training"

    def prepare(self, context: PrepareContext) -> Prepared:
        """Build the data source (and read the rows' lane offsets for lane-centre labels); the rest happens inside fit."""
        from training.data.augmenting_batches import (
            AugmentingBatches,  # Keras: only when training
        )
        from training.data.examples import lane_offsets

        config = context.config
        batches = AugmentingBatches(
            context.train,
            context.samples_per_epoch,
            config.batch_size,
            config.seed,
            context.augment,
            context.preprocess,
            workers=config.loader_workers,
            start_epoch=context.start_epoch,
            lane_offset_m=lane_offsets(context.train, context.threads) if context.augment.lane_labels else None,
        )
        return Prepared(
            x=batches,
            fit_kwargs={"shuffle": True},
            prepared_bytes=0,
            info={"store": "none (JPEGs read every batch)", "loader_workers": config.loader_workers},
        )


APPROACH = GeneratorApproach()
