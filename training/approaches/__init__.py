"""The registry of training approaches: name -> object with `prepare`.

Every module of this package that defines `APPROACH` (see `base.Approach`) is
registered under `APPROACH.name`, so a new approach is one new module here and
`scripts/train.py --approach NAME` picks it up without a chain of ifs.
"""

from __future__ import annotations

import importlib
import pkgutil

from training.approaches.base import Approach, PrepareContext, Prepared, steps_per_epoch

__all__ = ["Approach", "PrepareContext", "Prepared", "approach_names", "get_approach", "steps_per_epoch"]

# Listed first, in this order, in --help and comparisons: the paper's two approaches.
_PREFERRED_ORDER = ("generator", "in-memory")


def _registry() -> dict[str, Approach]:
    """Import every module of the package and collect its APPROACH."""
    found: dict[str, Approach] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        approach = getattr(importlib.import_module(f"{__name__}.{module.name}"), "APPROACH", None)
        if approach is None:
            continue
        if approach.name in found:
            raise RuntimeError(f"two approaches are named {approach.name!r}")
        found[approach.name] = approach
    return found


def approach_names() -> tuple[str, ...]:
    """Names of all approaches: the paper's two first, then the others sorted."""
    names = _registry()
    first = [n for n in _PREFERRED_ORDER if n in names]
    return tuple(first + sorted(set(names) - set(first)))


def get_approach(name: str) -> Approach:
    """The approach called `name`; ValueError listing the known names otherwise."""
    registry = _registry()
    if name not in registry:
        raise ValueError(f"approach must be one of {approach_names()}, got {name!r}")
    return registry[name]
