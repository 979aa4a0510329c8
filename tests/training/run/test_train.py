"""Whole runs on tiny data: every file of the run folder, the model's contract, fairness."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from recorder.split import SplitConfig
from training.config import LongRunConfig, TrainConfig
from training.model_file import load_model
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig, preprocess_spec
from training.run.folder import RUN_FILES, RunFolderError
from training.run.settings import RunSettings
from training.run.train import train_run

pytestmark = pytest.mark.slow  # every test trains real runs (the session's trained_runs)

REPORT_FIELDS = (
    "approach", "samples", "epochs", "batch_size", "preparation_seconds", "training_seconds",
    "total_seconds", "images_per_second", "peak_rss_bytes", "bytes_per_prepared_sample", "energy_kwh",
    "co2_kg_measured", "co2_kg_estimated", "estimate", "final_loss", "final_val_loss", "hardware", "versions",
)


@pytest.mark.parametrize("approach", ["generator", "in-memory"])
def test_a_run_writes_every_file_and_a_complete_report(trained_runs, approach: str) -> None:
    run_dir, report = trained_runs[approach]
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(RUN_FILES)
    assert json.loads((run_dir / "report.json").read_text()) == report
    for field in REPORT_FIELDS:
        assert report[field] is not None, field
    assert report["approach"] == approach and report["epochs"] == 1
    assert report["bytes_per_prepared_sample"] == 39_600
    assert report["samples"]["per_epoch"] == 64 and report["images_trained"] == 64
    assert report["total_seconds"] == pytest.approx(report["preparation_seconds"] + report["training_seconds"])
    assert report["energy_kwh"] > 0 and report["co2_kg_measured"] > 0 and report["co2_kg_estimated"] > 0
    assert report["estimate"]["pue"] > 1 and "codecarbon" in report["estimate"]["intensity_source"]
    assert report["peak_rss_bytes"] > 100e6
    assert report["hardware"]["cpu_cores_usable"] >= 1 and report["versions"]["keras"].startswith("3")
    assert report["prepared_bytes"] == (64 * 39_600 if approach == "in-memory" else 0)


@pytest.mark.parametrize("approach", ["generator", "in-memory"])
def test_model_loads_in_safe_mode_with_its_preprocessing(trained_runs, approach: str) -> None:
    run_dir, _ = trained_runs[approach]
    contract = json.loads((run_dir / "model.json").read_text())
    assert contract["preprocess"] == preprocess_spec(DEFAULT_PREPROCESS)
    assert contract["approach"] == approach
    model = load_model(run_dir / "model.keras", DEFAULT_PREPROCESS)
    assert model.input_shape[1:] == (66, 200, 3)
    with pytest.raises(ValueError, match="preprocessing"):
        load_model(run_dir / "model.keras", PreprocessConfig(crop_top=50))


def test_emissions_csv_has_codecarbons_row_per_phase(trained_runs) -> None:
    run_dir, report = trained_runs["in-memory"]
    with open(run_dir / "emissions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["project_name"] for r in rows] == ["in-memory-prepare", "in-memory-fit"]
    assert {"timestamp", "duration", "emissions", "energy_consumed", "cpu_power", "ram_power"} <= set(rows[0])
    assert all(float(r["energy_consumed"]) > 0 for r in rows)
    assert sum(float(r["energy_consumed"]) for r in rows) == pytest.approx(report["energy_kwh"])


def test_history_has_one_row_per_epoch_with_both_losses(trained_runs) -> None:
    run_dir, report = trained_runs["generator"]
    with open(run_dir / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and {"epoch", "loss", "val_loss", "seconds"} <= set(rows[0])
    assert float(rows[0]["val_loss"]) == pytest.approx(report["final_val_loss"])
    assert (run_dir / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_both_approaches_see_the_same_samples_and_validation(trained_runs) -> None:
    gen, mem = trained_runs["generator"][1], trained_runs["in-memory"][1]
    assert gen["samples"] == mem["samples"]
    for key in ("batch_size", "seed", "steps_per_epoch", "epochs"):
        assert gen[key] == mem[key]
    assert gen["config"]["split"] == mem["config"]["split"]


def test_training_cuts_the_loss(tiny_recording, tmp_path) -> None:
    config = TrainConfig(epochs=4, batch_size=32, samples_per_epoch=256, verbose=0)
    report = train_run(
        [tiny_recording], tmp_path / "run", RunSettings(train=config, split=SplitConfig(block_size=10), emissions=None)
    )
    with open(tmp_path / "run" / "history.csv", newline="") as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f)]
    assert len(losses) == 4
    assert losses[-1] < 0.5 * losses[0]
    assert report["energy_kwh"] is None and report["co2_kg_measured"] is None


def test_under_early_stopping_the_report_gives_the_saved_models_val_loss(tiny_recording, tmp_path) -> None:
    config = TrainConfig(epochs=3, batch_size=32, samples_per_epoch=64, verbose=0)
    report = train_run([tiny_recording], tmp_path / "run", RunSettings(
        train=config, split=SplitConfig(block_size=10), emissions=None, long_run=LongRunConfig(early_stopping=1)))
    with open(tmp_path / "run" / "history.csv", newline="") as f:
        val_losses = [float(r["val_loss"]) for r in csv.DictReader(f)]
    best = report["early_stopping"]["best_epoch"]
    assert val_losses[best - 1] == pytest.approx(min(val_losses))  # Keras restored that epoch's weights
    assert report["model_val_loss"] == pytest.approx(min(val_losses))
    assert report["final_val_loss"] == pytest.approx(val_losses[-1])


def test_a_used_run_folder_is_refused(trained_runs, tiny_recording) -> None:
    run_dir, _ = trained_runs["generator"]
    with pytest.raises(RunFolderError, match="already holds a run"):
        train_run([tiny_recording], run_dir, RunSettings(train=TrainConfig(epochs=1, verbose=0), emissions=None))


def test_shared_data_trains_one_short_epoch_with_each_approach(shared_data, tmp_path) -> None:
    for approach in ("generator", "in-memory"):
        config = TrainConfig(approach=approach, epochs=1, batch_size=32, samples_per_epoch=64, verbose=0)
        report = train_run([shared_data / "user_windows_2023"], tmp_path / approach,
                           RunSettings(train=config, emissions=None))
        assert report["samples"]["train"] > 100 and report["samples"]["validation"] > 20
        assert report["final_val_loss"] is not None and (tmp_path / approach / "model.keras").is_file()



def test_a_bfloat16_run_trains_and_saves_a_float32_model_that_drives_and_exports(tiny_recording, tmp_path) -> None:
    from agent.runtimes import load_steering, open_exported
    from training.export import EQUIVALENCE_BOUND, ExportConfig, export_model

    config = TrainConfig(epochs=4, batch_size=32, samples_per_epoch=256, verbose=0, precision="mixed_bfloat16")
    report = train_run([tiny_recording], tmp_path / "run",
                       RunSettings(train=config, split=SplitConfig(block_size=10), emissions=None))
    assert report["precision"] == {"requested": "mixed_bfloat16", "policy": "mixed_bfloat16",
                                   "reason": "asked for with --precision"}
    with open(tmp_path / "run" / "history.csv", newline="") as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f)]
    assert losses[-1] < 0.5 * losses[0]
    path = tmp_path / "run" / "model.keras"
    assert json.loads((tmp_path / "run" / "model.json").read_text())["training_precision"] == "mixed_bfloat16"
    model = load_model(path, DEFAULT_PREPROCESS)
    assert {layer.dtype_policy.name for layer in model.layers[1:]} == {"float32"}
    steering, _ = load_steering(path)  # the runtime the drive server uses
    assert -10 < steering(np.zeros((66, 200, 3), np.uint8)) < 10
    for fmt in ("onnx", "litert"):
        check = export_model(ExportConfig(format=fmt), path, open_exported)["equivalence"]
        assert check["max_abs_diff"] <= EQUIVALENCE_BOUND


def test_ema_validates_the_saved_average_on_the_same_training_steps(tiny_recording, tmp_path) -> None:
    losses = {}
    for ema in (False, True):
        # float32: in bfloat16 the two graphs' steps round differently (relative 5e-4)
        config = TrainConfig(epochs=2, batch_size=32, samples_per_epoch=128, verbose=0, ema=ema, precision="float32")
        train_run([tiny_recording], tmp_path / str(ema),
                  RunSettings(train=config, split=SplitConfig(block_size=10), emissions=None))
        with open(tmp_path / str(ema) / "history.csv", newline="") as f:
            losses[ema] = [(float(r["loss"]), float(r["val_loss"])) for r in csv.DictReader(f)]
    assert [train for train, _ in losses[True]] == pytest.approx([train for train, _ in losses[False]])
    assert losses[True][-1][1] != pytest.approx(losses[False][-1][1])  # the average, not the last step
