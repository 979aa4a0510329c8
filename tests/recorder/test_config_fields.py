"""recorder.config_fields: one way to declare a config field and check its range."""

from __future__ import annotations

import dataclasses
import math

import pytest

from recorder.config_fields import check_range, setting


def test_setting_keeps_the_default_and_the_help_text() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        laps: int = setting(1, "laps to drive", aliases=("-n",))

    (laps,) = dataclasses.fields(Example)
    assert Example().laps == 1 and laps.metadata["help"] == "laps to drive" and laps.metadata["aliases"] == ("-n",)


@pytest.mark.parametrize("value, bounds, message", [
    (0, {"low": 1}, "laps must be >= 1, got 0"),
    (0.0, {"low": 0, "low_open": True}, "laps must be > 0, got 0.0"),
    (1.0, {"low": 0, "high": 1, "high_open": True}, "laps must be in [0, 1), got 1.0"),
    (-1, {"low": 0, "unit": "epochs"}, "laps must be >= 0 epochs, got -1"),
    (5, {"high": 4}, "laps must be <= 4, got 5"),
    (math.nan, {"low": 0}, "laps must be >= 0, got nan"),
])
def test_a_value_out_of_range_is_named_with_its_bounds(value, bounds, message) -> None:
    with pytest.raises(ValueError) as caught:
        check_range("laps", value, **bounds)
    assert str(caught.value) == message


def test_values_within_the_bounds_pass() -> None:
    check_range("laps", 1, low=1)
    check_range("rate", 0.5, low=0, high=1, high_open=True)
    check_range("seed", 0, low=0)
