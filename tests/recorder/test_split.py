"""Block split: whole contiguous blocks per session, deterministic, about the asked fraction."""

from __future__ import annotations

import pytest

from recorder import SplitConfig, split_blocks
from tests.recorder.test_balance import make_samples


@pytest.fixture
def two_sessions():
    return make_samples([0.0] * 130, session="a") + make_samples([0.1] * 70, session="b")


def _expected_blocks(samples, size):
    """Blocks cut independently of the module: per session, chunks of `size` in order."""
    blocks = []
    for session in ("a", "b"):
        ids = [id(s) for s in samples if s.session == session]
        blocks += [set(ids[i : i + size]) for i in range(0, len(ids), size)]
    return blocks


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_no_block_straddles_train_and_validation(two_sessions, seed):
    split = split_blocks(two_sessions, SplitConfig(validation_fraction=0.2, block_size=25), seed)
    validation = {id(s) for s in split.validation}
    assert len(split.train) + len(split.validation) == len(two_sessions)
    assert not validation & {id(s) for s in split.train}
    for block in _expected_blocks(two_sessions, 25):
        assert block <= validation or not block & validation
    assert 25 <= len(split.validation) <= 60  # 0.2 of 200 = 40, in whole blocks
    assert split.blocks == 9 and split.sizes()["validation"] == len(split.validation)


def test_split_is_deterministic_and_keeps_order(two_sessions):
    config = SplitConfig(validation_fraction=0.3, block_size=10)
    first = split_blocks(two_sessions, config, seed=5)
    assert first == split_blocks(two_sessions, config, seed=5)
    assert any(split_blocks(two_sessions, config, seed=s).validation != first.validation for s in range(6, 10))
    order = {id(s): i for i, s in enumerate(two_sessions)}
    for part in (first.train, first.validation):
        assert [order[id(s)] for s in part] == sorted(order[id(s)] for s in part)


def test_zero_fraction_keeps_everything_for_training(two_sessions):
    split = split_blocks(two_sessions, SplitConfig(validation_fraction=0.0), seed=0)
    assert split.validation == [] and len(split.train) == 200


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("validation_fraction", {"validation_fraction": 1.0}), ("validation_fraction", {"validation_fraction": -0.1}), ("block_size", {"block_size": 0})],
)
def test_config_rejects_bad_values(field, kwargs):
    with pytest.raises(ValueError, match=field):
        SplitConfig(**kwargs)
