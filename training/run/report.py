"""The run report (report.json): every number of one training run, built in one place.

`number_or_na` is how a report number is shown in tables and summaries.

`training.run.train.train_run` gathers what the run's steps measured into a
`RunOutcome` and its settings into `RunSettings`; `build_report` turns them into
the dict written as report.json and read back by `training.run.compare`. A
resumed run's numbers cover all its parts (`training.run.parts`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from training.approaches import Approach, Prepared, steps_per_epoch
from training.co2.emissions import PhaseMeasurement, mean_watts
from training.co2.estimate import estimate
from training.environment import hardware, library_versions, peak_rss_bytes
from training.preprocess import preprocess_spec
from training.run.settings import RunSettings

if TYPE_CHECKING:  # Keras-free: compare reads reports without it
    from training.precision import PrecisionChoice


__all__ = ["SampleCounts", "RunOutcome", "build_report", "number_or_na"]


@dataclass(frozen=True)
class SampleCounts:
    """How many samples each data step kept."""

    loaded: int  # rows read from the driving logs
    dropped_rows: int  # rows the loader rejected
    dropped_by_reason: dict[str, int]  # those rows per reason code; "excluded": marked on the review page
    after_balance: int  # samples after the steering-bin balance
    train: int  # training samples after the split
    validation: int  # validation samples after the split
    per_epoch: int  # examples drawn per epoch


@dataclass
class RunOutcome:
    """What the steps of one run measured."""

    approach: Approach
    folders: Sequence[str | os.PathLike]  # the recordings trained on
    counts: SampleCounts
    preparation: PhaseMeasurement  # every part of the run counted
    training: PhaseMeasurement  # every part of the run counted
    validation_seconds: float  # part of preparation: the validation frames
    history: Mapping[str, list[float]]  # every epoch of every part
    prepared: Prepared
    early_stopping: dict[str, Any] | None  # best epoch, where early stopping restored its weights
    parts: int  # this part plus the earlier ones of a resumed run
    resumed_at_epoch: int | None  # where this part began, if resumed
    precision: PrecisionChoice  # the Keras dtype policy trained under, and why


def _summed(phases: Sequence[PhaseMeasurement], attr: str) -> float | None:
    """The phases' total energy or CO2; None when any phase was not measured."""
    values = [getattr(p, attr) for p in phases]
    return None if any(v is None for v in values) else float(sum(values))


def _last(history: Mapping[str, list[float]], key: str) -> float | None:
    values = history.get(key) or []
    return float(values[-1]) if values else None


def _steady_rate(history: Mapping[str, list[float]], per_epoch: int) -> float | None:
    """Images/s over the epochs after the first (which also builds the graph)."""
    seconds = (history.get("seconds") or [])[1:]
    return per_epoch * len(seconds) / sum(seconds) if seconds and sum(seconds) > 0 else None


def _phase(phase: PhaseMeasurement) -> dict[str, float | None]:
    return {"seconds": phase.seconds, "energy_kwh": phase.energy_kwh, "co2_kg": phase.co2_kg}


def _estimate(total_seconds: float, energy_kwh: float | None, settings: RunSettings) -> dict | None:
    """The paper's CO2 estimate, with this machine's measured power and place where known."""
    emissions = settings.emissions
    country = emissions.country_iso_code if emissions is not None else None
    cloud = (
        (emissions.cloud_provider, emissions.cloud_region or "")
        if emissions is not None and emissions.cloud_provider is not None
        else None
    )
    return estimate(total_seconds, settings.estimate, mean_watts(energy_kwh, total_seconds), country, cloud)


def _config(settings: RunSettings) -> dict[str, Any]:
    return {
        "train": asdict(settings.train), "load": asdict(settings.load), "balance": asdict(settings.balance),
        "split": asdict(settings.split), "augment": asdict(settings.augment),
        "preprocess": preprocess_spec(settings.preprocess), "long_run": asdict(settings.long_run),
        "emissions": asdict(settings.emissions) if settings.emissions is not None else None,
    }


def build_report(outcome: RunOutcome, settings: RunSettings) -> dict[str, Any]:
    """The run's report.json, as plain JSON types (returned exactly as written)."""
    history, counts = outcome.history, outcome.counts
    phases = (outcome.preparation, outcome.training)
    fit_seconds = outcome.training.seconds
    total_seconds = outcome.preparation.seconds + fit_seconds
    images_trained = counts.per_epoch * len(history.get("loss", []))
    energy_kwh = _summed(phases, "energy_kwh")
    co2_estimate = _estimate(total_seconds, energy_kwh, settings)
    restored = outcome.early_stopping
    report: dict[str, Any] = {
        "approach": outcome.approach.name,
        "approach_description": outcome.approach.description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recordings": [os.fspath(f) for f in outcome.folders],
        "samples": asdict(counts),
        "epochs": len(history.get("loss", [])),
        "batch_size": settings.train.batch_size,
        "steps_per_epoch": steps_per_epoch(counts.per_epoch, settings.train.batch_size),
        "seed": settings.train.seed,
        # {"requested", "policy", "reason"}: the arithmetic of training (model.keras is float32 either way)
        "precision": asdict(outcome.precision),
        "preparation_seconds": outcome.preparation.seconds,
        "validation_preparation_seconds": outcome.validation_seconds,
        "training_seconds": fit_seconds,
        "total_seconds": total_seconds,
        "images_trained": images_trained,
        "images_per_second": images_trained / fit_seconds if fit_seconds > 0 else None,
        "images_per_second_after_first_epoch": _steady_rate(history, counts.per_epoch),
        "peak_rss_bytes": peak_rss_bytes(),
        "bytes_per_prepared_sample": int(np.prod(settings.preprocess.output_shape)) * np.dtype(np.uint8).itemsize,
        "prepared_bytes": outcome.prepared.prepared_bytes,
        "energy_kwh": energy_kwh,
        "co2_kg_measured": _summed(phases, "co2_kg"),
        "co2_kg_estimated": co2_estimate["co2_kg"] if co2_estimate is not None else None,
        "phases": {"preparation": _phase(outcome.preparation), "training": _phase(outcome.training)},
        "estimate": co2_estimate,
        "final_loss": _last(history, "loss"),
        "final_val_loss": _last(history, "val_loss"),
        # val_loss of the weights in model.keras: the best epoch's where early stopping restored them
        "model_val_loss": restored["best_val_loss"] if restored else _last(history, "val_loss"),
        "early_stopping": restored,
        "approach_info": outcome.prepared.info,
        # parts: this one plus the earlier ones of a resumed run (all counted in the numbers above)
        "parts": outcome.parts,
        "resumed_at_epoch": outcome.resumed_at_epoch,
        "config": _config(settings),
        "hardware": hardware(),
        "versions": library_versions(),
    }
    return json.loads(json.dumps(report))  # tuples become lists, as in the file


def number_or_na(value: float | None, fmt: str) -> str:
    """A report number formatted with `fmt`; "n/a" where it was not measured (not 0)."""
    return "n/a" if value is None else format(value, fmt)
