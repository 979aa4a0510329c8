"""Steering balancing: capped bins, deterministic, original order kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recorder import BalanceConfig, Sample, balance
from recorder.balance import bin_counts, steering_bins


def make_samples(steering, session="s"):
    return [
        Sample(Path(f"IMG/c{i}.jpg"), None, None, float(v), 0.5, 0.0, 20.0, session, Path("driving_log.csv"), i + 1)
        for i, v in enumerate(steering)
    ]


@pytest.fixture
def keyboard_like():
    rng = np.random.default_rng(3)
    values = np.where(rng.random(600) < 0.7, 0.0, rng.uniform(-1, 1, 600))
    return make_samples(values)


def test_bins_are_capped_and_small_bins_untouched(keyboard_like):
    config = BalanceConfig(bins=10, max_per_bin=40)
    before = bin_counts(keyboard_like, 10)
    after = bin_counts(balance(keyboard_like, config, seed=0), 10)
    assert max(before) > 40
    assert after == [min(count, 40) for count in before]


def test_balance_is_deterministic_and_keeps_order(keyboard_like):
    config = BalanceConfig(bins=10, max_per_bin=40)
    first = balance(keyboard_like, config, seed=7)
    assert first == balance(keyboard_like, config, seed=7)
    assert first != balance(keyboard_like, config, seed=8)
    rows = [s.row for s in first]
    assert rows == sorted(rows)


def test_end_values_fall_in_end_bins():
    assert steering_bins([-1.0, -0.999, 0.0, 0.999, 1.0], 4).tolist() == [0, 0, 2, 3, 3]
    assert balance([], BalanceConfig(), seed=0) == []


@pytest.mark.parametrize(("field", "kwargs"), [("bins", {"bins": 0}), ("max_per_bin", {"max_per_bin": 0})])
def test_config_rejects_bad_values(field, kwargs):
    with pytest.raises(ValueError, match=field):
        BalanceConfig(**kwargs)
