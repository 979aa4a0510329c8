"""TrainConfig rejects bad values, naming the field."""

from __future__ import annotations

import pytest

from training.config import TrainConfig


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"samples_per_epoch": 0}, "samples_per_epoch"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"dropout": 1.0}, "dropout"),
        ({"threads": -1}, "threads"),
        ({"loader_workers": 0}, "loader_workers"),
        ({"examples_per_row": 0}, "examples_per_row"),
        ({"verbose": 3}, "verbose"),
        ({"approach": ""}, "approach"),
        ({"precision": "bfloat16"}, "precision"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TrainConfig(**kwargs)


def test_defaults_are_valid() -> None:
    assert TrainConfig().batch_size == 64 and TrainConfig().approach == "in-memory"


@pytest.mark.parametrize(
    ("kwargs", "workers", "field"),
    [
        ({"approach": "generator"}, 2, "approach"),
        ({"batch_size": 64}, 3, "batch_size"),
    ],
)
def test_a_run_that_cannot_train_on_several_workers_names_the_field(kwargs: dict, workers: int, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TrainConfig(**kwargs).check_workers(workers)


def test_any_approach_trains_on_one_worker_and_in_memory_on_two() -> None:
    TrainConfig(approach="generator", batch_size=63).check_workers(1)
    TrainConfig(approach="in-memory", batch_size=64).check_workers(2)
