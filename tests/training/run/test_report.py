"""training.run.report: the run report built in one place from what a run's steps measured."""

from __future__ import annotations

import json

import pytest

from recorder.balance import BalanceConfig
from recorder.loader import LoadConfig
from recorder.split import SplitConfig
from training.approaches import Prepared, get_approach
from training.augmentation.config import DEFAULT_AUGMENT
from training.co2.emissions import PhaseMeasurement
from training.co2.estimate import EstimateConfig
from training.config import LongRunConfig, TrainConfig
from training.precision import PrecisionChoice
from training.preprocess import DEFAULT_PREPROCESS
from training.run.report import RunOutcome, SampleCounts, build_report, number_or_na
from training.run.settings import RunSettings

SETTINGS = RunSettings(
    train=TrainConfig(batch_size=16), load=LoadConfig(), balance=BalanceConfig(), split=SplitConfig(),
    augment=DEFAULT_AUGMENT, preprocess=DEFAULT_PREPROCESS, long_run=LongRunConfig(), emissions=None,
    estimate=EstimateConfig(),
)


def _outcome(**changes) -> RunOutcome:
    values = dict(
        approach=get_approach("in-memory"), folders=["rec"],
        counts=SampleCounts(loaded=50, dropped_rows=2, dropped_by_reason={"excluded": 2}, after_balance=40, train=30,
                            validation=10, per_epoch=30),
        preparation=PhaseMeasurement("in-memory-prepare", seconds=2.0, energy_kwh=0.001, co2_kg=0.0004),
        training=PhaseMeasurement("in-memory-fit", seconds=8.0, energy_kwh=0.003, co2_kg=0.0012),
        validation_seconds=0.5, history={"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "seconds": [5.0, 3.0]},
        prepared=Prepared(x=None, prepared_bytes=1234, info={"store": "ram"}), early_stopping=None,
        parts=1, resumed_at_epoch=None,
        precision=PrecisionChoice("auto", "mixed_bfloat16", "CPU computes bfloat16 natively (avx512_bf16)"),
    )
    values.update(changes)
    return RunOutcome(**values)


def test_the_numbers_follow_from_the_measurements() -> None:
    report = build_report(_outcome(), SETTINGS)
    assert report["total_seconds"] == 10.0 and report["images_trained"] == 60 and report["epochs"] == 2
    assert report["images_per_second"] == pytest.approx(60 / 8.0)
    assert report["images_per_second_after_first_epoch"] == pytest.approx(30 / 3.0)
    assert report["steps_per_epoch"] == 2 and report["bytes_per_prepared_sample"] == 39_600
    assert report["energy_kwh"] == pytest.approx(0.004) and report["co2_kg_measured"] == pytest.approx(0.0016)
    assert report["phases"]["training"] == {"seconds": 8.0, "energy_kwh": 0.003, "co2_kg": 0.0012}
    assert report["samples"] == {"loaded": 50, "dropped_rows": 2, "dropped_by_reason": {"excluded": 2},
                                 "after_balance": 40, "train": 30, "validation": 10, "per_epoch": 30}
    assert report["final_loss"] == 0.5 and report["model_val_loss"] == 0.7
    assert report["precision"] == {"requested": "auto", "policy": "mixed_bfloat16",
                                   "reason": "CPU computes bfloat16 natively (avx512_bf16)"}
    assert report["estimate"] is None or report["co2_kg_estimated"] == report["estimate"]["co2_kg"]
    assert set(report["config"]) == {"train", "load", "balance", "split", "augment", "preprocess", "long_run",
                                     "emissions"}
    assert json.loads(json.dumps(report)) == report  # exactly what report.json holds


def test_an_unmeasured_phase_leaves_energy_and_co2_unknown_not_zero() -> None:
    report = build_report(_outcome(training=PhaseMeasurement("in-memory-fit", seconds=8.0)), SETTINGS)
    assert report["energy_kwh"] is None and report["co2_kg_measured"] is None
    assert number_or_na(report["energy_kwh"], ".3g") == "n/a" and number_or_na(0.0, ".1f") == "0.0"


def test_the_saved_models_val_loss_is_the_restored_best_epochs() -> None:
    best = {"best_epoch": 1, "best_val_loss": 0.6, "stopped_at_epoch": 2}
    report = build_report(_outcome(early_stopping=best, parts=2, resumed_at_epoch=1), SETTINGS)
    assert report["model_val_loss"] == 0.6 and report["final_val_loss"] == 0.7
    assert report["early_stopping"] == best and report["parts"] == 2 and report["resumed_at_epoch"] == 1
