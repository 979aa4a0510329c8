"""Training on several machines (or several GPUs): cluster flags, strategy, chief, sharding.

`scripts/train.py --workers HOST:PORT,HOST:PORT --worker-index I` runs the same
command on every machine, each with its own index. Each worker becomes one task
of `tf.distribute.MultiWorkerMirroredStrategy`: every worker holds a copy of the
model, reads its own shard of every global batch, and the gradients are summed
across workers (all-reduce over gRPC) before each step. Worker 0 is the chief: it
alone writes the model, the report and the other run-folder files.

Without `--workers`, a machine with several GPUs trains with `MirroredStrategy`
(one replica per GPU) and any other machine with TensorFlow's default strategy.

The cluster is given to TensorFlow through a cluster resolver built from the
flags, the same content as the `TF_CONFIG` variable (`tf_config`) that cluster
launchers set, so the process environment is left alone.

Keras 3 fits under `MultiWorkerMirroredStrategy` only after two fixes made by the
strategy subclasses below (keras-team/keras#20585): before fitting, Keras reduces
a whole (x, y) batch with `strategy.reduce`, which the collective strategy cannot
do for a nested value nor for uint8 frames; and it reduces scalar losses along
axis 0. `reduce` here takes nested values, carries small integer types in int32,
and reduces scalars across replicas.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import tensorflow as tf

from training.config import ClusterConfig

__all__ = [
    "tf_config",
    "is_chief",
    "make_strategy",
    "worker_shard",
    "distribute_dataset",
]

logger = logging.getLogger(__name__)

# Dtypes TensorFlow's collective all-reduce accepts; others are carried in int32.
_COLLECTIVE_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)
# The worker that writes the run folder (TF_CONFIG's convention without a "chief" job).
CHIEF_INDEX = 0


def tf_config(cluster: ClusterConfig) -> dict[str, Any]:
    """The `TF_CONFIG` content for this worker (for logs, docs and other launchers)."""
    return {
        "cluster": {"worker": list(cluster.workers)},
        "task": {"type": "worker", "index": cluster.worker_index},
    }


def is_chief(cluster: ClusterConfig) -> bool:
    """True for the worker that writes the model, the report and the run folder."""
    return cluster.worker_index == CHIEF_INDEX


class _NestedReduce:
    """Mixin: `reduce` that accepts nested values, uint8 tensors and scalars with an axis."""

    def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
        def one(item: Any) -> Any:
            local = self.experimental_local_results(item)[0]  # type: ignore[attr-defined]
            # A scalar has no axis 0: its reduction is the one across replicas.
            item_axis = None if axis is not None and local.shape.rank == 0 else axis
            if local.dtype in _COLLECTIVE_DTYPES:
                return super(_NestedReduce, self).reduce(reduce_op, item, item_axis)  # type: ignore[misc]
            wide = self.run(lambda t: tf.cast(t, tf.int32), args=(item,))  # type: ignore[attr-defined]
            reduced = super(_NestedReduce, self).reduce(reduce_op, wide, item_axis)  # type: ignore[misc]
            return tf.cast(reduced, local.dtype)

        return tf.nest.map_structure(one, value)


class MultiWorkerStrategy(_NestedReduce, tf.distribute.MultiWorkerMirroredStrategy):
    """`MultiWorkerMirroredStrategy` that Keras 3's `fit` can use (see module docstring)."""


class MirroredGPUStrategy(_NestedReduce, tf.distribute.MirroredStrategy):
    """`MirroredStrategy` over this machine's GPUs, with the same `reduce`."""


def make_strategy(
    cluster: ClusterConfig = ClusterConfig(), gpus: int | None = None
) -> tf.distribute.Strategy | None:
    """The strategy for this process: multi-worker, several GPUs, or None for TensorFlow's default.

    Call it at program start, before any other TensorFlow op: collective ops
    are configured when the TensorFlow runtime starts.

    Args:
        cluster: the workers; more than one selects `MultiWorkerMirroredStrategy`.
        gpus: GPUs of this machine; None counts them.
    """
    if cluster.multi_worker:
        logger.info("worker %d of %s (TF_CONFIG %s)", cluster.worker_index,
                    ",".join(cluster.workers), json.dumps(tf_config(cluster)))
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec({"worker": list(cluster.workers)}),
            task_type="worker", task_id=cluster.worker_index, rpc_layer="grpc",
        )
        return MultiWorkerStrategy(cluster_resolver=resolver)
    if gpus is None:
        gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus > 1:
        logger.info("one machine, %d GPUs: MirroredStrategy", gpus)
        return MirroredGPUStrategy()
    return None


def worker_shard(strategy: tf.distribute.Strategy | None) -> tuple[int, int]:
    """(this worker's index, number of workers): which samples this worker prepares.

    Worker i of k keeps samples i, i+k, i+2k ...: each machine decodes and holds
    only its share of the data, and draws its share of every batch from it.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return 0, 1
    resolver = strategy.cluster_resolver  # without TF_CONFIG: one worker, task_id None
    workers = resolver.cluster_spec().as_dict().get("worker", [])
    return int(resolver.task_id or 0), max(1, len(workers))


def distribute_dataset(
    strategy: tf.distribute.Strategy | None,
    make: Callable[[tf.distribute.InputContext | None], tf.data.Dataset],
) -> Any:
    """`make(None)` under the default strategy, else one sharded dataset per worker.

    `make(input_context)` must return this worker's shard in per-replica batches
    (`input_context.input_pipeline_id`, `get_per_replica_batch_size`); Keras'
    `fit` takes the distributed result as it takes a dataset.
    """
    if strategy is None or strategy.num_replicas_in_sync == 1:
        return make(None)
    return strategy.distribute_datasets_from_function(make)
