"""TrainConfig rejects bad values, naming the field."""

from __future__ import annotations

import pytest

from training.run.config import TrainConfig


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
        ({"verbose": 3}, "verbose"),
        ({"approach": ""}, "approach"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TrainConfig(**kwargs)


def test_defaults_are_valid() -> None:
    assert TrainConfig().batch_size == 64 and TrainConfig().approach == "in-memory"
