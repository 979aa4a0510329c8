"""The approach registry: discovered by module, looked up by name."""

from __future__ import annotations

import pytest

from training.approaches import approach_names, get_approach, steps_per_epoch


def test_the_papers_two_approaches_come_first() -> None:
    names = approach_names()
    assert names[:2] == ("generator", "in-memory")
    for name in names:
        approach = get_approach(name)
        assert approach.name == name and approach.description and callable(approach.prepare)


def test_an_unknown_approach_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="generator"):
        get_approach("magic")


@pytest.mark.parametrize(("samples", "batch", "steps"), [(64, 16, 4), (65, 16, 5), (1, 64, 1)])
def test_steps_per_epoch_counts_the_partial_last_batch(samples: int, batch: int, steps: int) -> None:
    assert steps_per_epoch(samples, batch) == steps
