"""simulator/checks.py: one range check for every simulator config, naming the field."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from simulator.checks import check_ranges


@dataclass(frozen=True)
class Example:
    width: float = 1.0
    drag: float = 0.0
    seed: int = 0
    host: str = ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"width": 0.0}, "width must be > 0, got 0.0"), ({"width": float("nan")}, "width must be > 0, got nan"),
     ({"seed": -1}, "seed must be >= 0, got -1"), ({"drag": -0.5}, "drag must be >= 0, got -0.5")],
)
def test_out_of_range_fields_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        check_ranges(Example(**changes), non_negative=("seed", "drag"), skip=("host",))


def test_values_in_range_and_skipped_fields_pass():
    check_ranges(Example(), non_negative=("seed", "drag"), skip=("host",))  # host "" is the caller's to check
