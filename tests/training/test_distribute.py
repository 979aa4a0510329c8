"""Cluster flags, the choice of strategy, sharding and reduce (two real workers:
tests/scripts/test_train_long_runs.py)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from training.config import ClusterConfig, parse_workers
from training.distribute import (
    MirroredGPUStrategy,
    MultiWorkerStrategy,
    distribute_dataset,
    is_chief,
    make_strategy,
    tf_config,
    worker_shard,
)


def test_parse_workers() -> None:
    assert parse_workers("") == ()
    assert parse_workers("10.0.0.1:2222, gpu-box:02223") == ("10.0.0.1:2222", "gpu-box:2223")
    for bad in ("host", "host:", ":22", "host:0", "host:70000", "host:ssh"):
        with pytest.raises(ValueError, match="workers"):
            parse_workers(bad)


@pytest.mark.parametrize(
    "kwargs, field",
    [({"workers": ("a:1", "a:1")}, "workers"), ({"workers": ("a:1", "b:2"), "worker_index": 2}, "worker_index"),
     ({"worker_index": 1}, "worker_index"), ({"workers": ("a:1", "b")}, "workers")],
)
def test_bad_cluster_names_the_field(kwargs, field) -> None:
    with pytest.raises(ValueError, match=field):
        ClusterConfig(**kwargs)


def test_tf_config_and_chief() -> None:
    cluster = ClusterConfig(workers=("a:1", "b:2"), worker_index=1)
    assert tf_config(cluster) == {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    assert not is_chief(cluster) and cluster.multi_worker
    assert is_chief(ClusterConfig(workers=("a:1", "b:2"))) and is_chief(ClusterConfig())


def test_one_machine_gets_the_default_strategy_or_mirrored_for_several_gpus() -> None:
    assert make_strategy(ClusterConfig(), gpus=0) is None  # TensorFlow's default
    for default in (None, tf.distribute.get_strategy()):
        assert worker_shard(default) == (0, 1)
        assert context_free(distribute_dataset(default, lambda context: tf.data.Dataset.range(3)))
    assert isinstance(make_strategy(ClusterConfig(), gpus=2), MirroredGPUStrategy)


def context_free(dataset) -> bool:
    """True for a plain dataset (made with input_context None)."""
    return isinstance(dataset, tf.data.Dataset) and list(dataset.as_numpy_iterator()) == [0, 1, 2]


def test_reduce_takes_nested_uint8_batches_and_scalars() -> None:
    strategy = MultiWorkerStrategy()  # one local worker
    batch = (np.full((4, 2), 3, np.uint8), np.float32(2.0))
    value = next(iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(batch))))
    frames, scalar = strategy.reduce("MEAN", value, axis=None)
    assert frames.dtype == tf.uint8 and (frames.numpy() == 3).all()
    assert float(strategy.reduce("MEAN", value[1], axis=0)) == 2.0 and float(scalar) == 2.0
