"""The one way to declare a config field and check its range (every package's frozen configs use it).

    from recorder.config_fields import check_range, setting

    @dataclass(frozen=True)
    class LoopConfig:
        laps: int = setting(1, "laps to drive")  # default and the help text of --laps

        def __post_init__(self) -> None:
            check_range("laps", self.laps, low=1)  # ValueError: "laps must be >= 1, got 0"

Flags are built from the fields (`bcloning.flags.add_flags`): the help text is
`metadata["help"]`; other metadata (`choices`, `aliases`) passes through. This
module imports nothing of the project, so the lowest package can use it.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, TypeVar

__all__ = ["check_range", "setting"]

T = TypeVar("T")


def setting(default: T, help: str, **metadata: Any) -> T:  # noqa: A002 (the flag's help text)
    """A dataclass field with its default and the help text of its command-line flag."""
    return field(default=default, metadata={"help": help, **metadata})  # type: ignore[return-value]


def check_range(name: str, value: float, low: float | None = None, high: float | None = None, *,
                low_open: bool = False, high_open: bool = False, unit: str = "") -> None:
    """Raise ValueError naming `name` unless `value` lies within the bounds (NaN never does).

    Args:
        low, high: the bounds, None for none; `low_open`/`high_open` exclude the bound itself.
        unit: said after a single bound ("must be >= 0 epochs").
    """
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    if above and below and not (isinstance(value, float) and math.isnan(value)):
        return
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        bounds = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    elif low is not None:
        bounds = f"{'>' if low_open else '>='} {low}{suffix}"
    else:
        bounds = f"{'<' if high_open else '<='} {high}{suffix}"
    raise ValueError(f"{name} must be {bounds}, got {value}")
