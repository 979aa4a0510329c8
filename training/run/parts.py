"""A run in several parts (killed, then resumed): the history and the cost of all of them.

`fit` reports only the epochs of its own part and each part's codecarbon
trackers write their own rows, so a resumed run's history.csv, loss plot and
report are rebuilt from what every part left in the run folder:

- `checkpoints/epochs.csv` (Keras CSVLogger, appended by every part): one row per
  finished epoch with the `part` that trained it; an epoch redone after a kill
  keeps its last row.
- `emissions.csv` (codecarbon, appended): every tracker writes a row with its
  totals so far at each flush and at stop, so each `run_id` counts once, by its
  last row.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.run.folder import CHECKPOINT_DIR, EPOCH_LOG, read_epoch_log

__all__ = ["emissions_totals", "run_history", "previous_parts"]


def emissions_totals(path: str | os.PathLike, projects: Sequence[str] | None = None) -> dict[str, Any]:
    """Add up codecarbon's emissions.csv over the parts (trackers) of a run.

    A tracker writes a row at every flush and at stop, each with its totals so
    far, so each `run_id` counts once, by its last row.

    Args:
        projects: only rows of these `project_name`s (None: all).

    Returns:
        {"parts": trackers counted, "duration_s", "energy_kwh", "co2_kg"}.
    """
    last: dict[str, dict[str, str]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if projects is None or row.get("project_name") in projects:
                last[row["run_id"]] = row
    return {
        "parts": len(last),
        "duration_s": sum(float(row["duration"]) for row in last.values()),
        "energy_kwh": sum(float(row["energy_consumed"]) for row in last.values()),
        "co2_kg": sum(float(row["emissions"]) for row in last.values()),
    }


def run_history(run_dir: str | os.PathLike, history: dict[str, list[float]]) -> dict[str, list[float]]:
    """The history of every epoch of the run: the epoch log of all its parts, if kept.

    `fit` returns only the epochs of its own part; a resumed run's history.csv,
    loss plot and report need them all.
    """
    path = Path(run_dir) / CHECKPOINT_DIR / EPOCH_LOG
    if not path.is_file():
        return history
    rows = read_epoch_log(path)
    keys = [key for key in rows[0] if key not in ("epoch", "part")] if rows else []
    return {key: [row[key] for row in rows if key in row] for key in keys} or history


def previous_parts(run_dir: str | os.PathLike, approach: str) -> dict[str, dict[str, float]]:
    """Seconds, kWh and kg CO2 of the parts of a run before this one, per phase.

    Read from emissions.csv (rows "<approach>-prepare" and "<approach>-fit"; a
    killed part counts up to its last epoch end). Without emissions.csv (a run
    without codecarbon) the epoch log gives the training seconds and the parts
    that finished an epoch (its `part` column; a log without one is one part).

    Returns:
        {"preparation": {...}, "training": {...}}, each {"parts", "seconds",
        "energy_kwh", "co2_kg"} (energy and CO2 None where not measured).
    """
    from training.co2.emissions import EMISSIONS_FILE

    path = Path(run_dir) / EMISSIONS_FILE
    result: dict[str, dict[str, Any]] = {}
    for phase, suffix in (("preparation", "prepare"), ("training", "fit")):
        if path.is_file():
            totals = emissions_totals(path, projects=[f"{approach}-{suffix}"])
            result[phase] = {"parts": totals["parts"], "seconds": totals["duration_s"],
                             "energy_kwh": totals["energy_kwh"], "co2_kg": totals["co2_kg"]}
        else:
            result[phase] = {"parts": 0, "seconds": 0.0, "energy_kwh": None, "co2_kg": None}
    log = Path(run_dir) / CHECKPOINT_DIR / EPOCH_LOG
    if not path.is_file() and log.is_file():
        rows = read_epoch_log(log)
        parts = {int(row.get("part", 1)) for row in rows}
        result["training"].update(parts=len(parts), seconds=float(sum(row.get("seconds", 0.0) for row in rows)))
    return result
