"""Range checks shared by the simulator's frozen configs, with errors that name the field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from recorder.config_fields import check_range

__all__ = ["check_ranges"]


def check_ranges(config: Any, non_negative: Iterable[str] = ("seed",), skip: Iterable[str] = ()) -> None:
    """Check that every field of dataclass `config` is > 0, those in `non_negative` >= 0.

    Fields in `skip` are left to the caller. A seed is non-negative by default:
    numpy's own message for a negative one would not name the field.

    Raises:
        ValueError: naming the first field out of range and its value.
    """
    non_negative, skip = set(non_negative), set(skip)
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name in skip:
            continue
        check_range(f.name, value, low=0, low_open=f.name not in non_negative)
