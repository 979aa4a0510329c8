"""training/run/tracking.py: a real training run and its evaluation logged to a real local MLflow store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bcloning.commands import evaluate, train
from tests.conftest import write_recording
from training.run.tracking import MLFLOW_FILE, TRACK_ENV, TrackingConfig

TINY = ["--epochs", "2", "--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0",
        "--split-block-size", "10"]


def test_the_environment_variable_turns_tracking_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRACK_ENV, raising=False)
    assert not TrackingConfig().enabled
    monkeypatch.setenv(TRACK_ENV, "mlflow")
    assert TrackingConfig().enabled
    monkeypatch.setenv(TRACK_ENV, "wandb")
    with pytest.raises(ValueError, match=TRACK_ENV):
        TrackingConfig()


def test_without_mlflow_the_error_names_the_extra_before_anything_trains(
    recording_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as where the tracking extra is not installed
    recording = recording_factory("rec", rows=12)
    assert train.main([str(recording), "--out", str(tmp_path / "run"), "--track", "mlflow", *TINY]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "pip install -e '.[tracking]'" in error
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_run_and_its_evaluation_land_in_one_mlflow_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mlflow = pytest.importorskip("mlflow", reason="the tracking extra is not installed")
    monkeypatch.chdir(tmp_path)  # MLflow puts a SQLite store's artifacts in ./mlruns of the working folder
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    recording = write_recording(tmp_path / "rec", rows=30)
    run = tmp_path / "run"
    argv = [str(recording), "--out", str(run), "--track", "mlflow", "--tracking-uri", store, "--track-model", *TINY]
    assert train.main(argv) == 0
    pointer = json.loads((run / MLFLOW_FILE).read_text())
    assert pointer["tracking_uri"] == store and pointer["run_id"] in capsys.readouterr().out
    assert evaluate.main([str(run / "model.keras"), "--recordings", str(recording), "--tracks", "1",
                          "--max-sim-s", "2", "--out", str(tmp_path / "eval"), "--quiet"]) == 0
    assert pointer["run_id"] in capsys.readouterr().out

    client = mlflow.MlflowClient(tracking_uri=store)
    (found,) = client.search_runs([client.get_experiment_by_name("Default").experiment_id])
    report = json.loads((run / "report.json").read_text())
    assert found.info.run_id == pointer["run_id"] and found.info.status == "FINISHED"
    assert found.data.params["train.epochs"] == "2" and found.data.params["approach"] == report["approach"]
    assert [m.step for m in client.get_metric_history(found.info.run_id, "val_loss")] == [1, 2]
    assert found.data.metrics["co2_kg_measured"] == pytest.approx(report["co2_kg_measured"])
    assert found.data.metrics["co2_kg_estimated"] == pytest.approx(report["co2_kg_estimated"])
    assert found.data.metrics["samples.per_epoch"] == 32
    driving = json.loads((tmp_path / "eval" / "evaluation.json").read_text())["models"][0]
    assert found.data.metrics["drive.all.autonomy_percent_mean"] == driving["summary"]["all"]["autonomy_percent"]["mean"]
    assert found.data.metrics["drive.track 1.steps"] == 20
    artifacts = {a.path for a in client.list_artifacts(found.info.run_id)}
    assert {"report.json", "loss.png", "history.csv", "emissions.csv", "model.keras", "model.json"} <= artifacts
    assert {a.path for a in client.list_artifacts(found.info.run_id, "evaluation")} == {
        "evaluation/evaluation.md", "evaluation/evaluation.png"}
    assert (tmp_path / "mlruns").is_dir()
