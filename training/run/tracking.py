"""Optional MLflow tracking: a finished run folder, and later its closed-loop figures, as one MLflow run.

    bcloning train DATA --epochs 2 --track mlflow --out runs/mem      # or BCLONING_TRACK=mlflow
    bcloning evaluate runs/mem/model.keras --recordings DATA2 --tracks 1 --out eval
    mlflow ui --backend-store-uri sqlite:///mlflow.db                 # needs the full `mlflow` package

The run is logged from what the run folder holds once training has finished
(report.json, history.csv), so tracking changes nothing in how a run trains, and
a run logs the same numbers its report shows: every setting as a parameter,
loss and val_loss (and each epoch's seconds) per epoch, time, energy and CO2
(measured and estimated), the data counts; report.json, loss.png, history.csv and
emissions.csv as artifacts, the model only with --track-model. The store is local
(no server, no network): by default MLflow's own, `sqlite:///mlflow.db` in the
working folder with the artifacts in `./mlruns` (MLflow 3 refuses a bare
`./mlruns` file store). `RUN_DIR/mlflow.json` notes the store and the run id,
so `bcloning evaluate` adds its figures to the same run from any folder.
MLflow is an extra (`pip install -e '.[tracking]'`); without it `--track mlflow`
is a one-line error before anything trains.
"""

from __future__ import annotations

import csv
import importlib
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recorder.atomic import write_json_atomic
from recorder.config_fields import setting
from training.co2.emissions import EMISSIONS_FILE
from training.run.folder import CONTRACT_FILE, HISTORY_FILE, LOSS_PLOT, MODEL_FILE, REPORT_FILE

__all__ = [
    "TrackingConfig", "TrackingError", "TRACK_ENV", "MLFLOW_FILE", "require_mlflow", "log_training_run",
    "log_evaluation", "log_store", "tracked_run",
]

TRACK_ENV = "BCLONING_TRACK"  # set to "mlflow" to track every training run
URI_ENV = "MLFLOW_TRACKING_URI"  # MLflow's own variable, honoured where --tracking-uri is not given
DEFAULT_URI = "sqlite:///mlflow.db"  # MLflow 3's default store: a SQLite file in the working folder
MLFLOW_FILE = "mlflow.json"  # in the run folder: {"tracking_uri": ..., "run_id": ...}
EXTRA = "pip install -e '.[tracking]'"
ARTIFACTS = (REPORT_FILE, LOSS_PLOT, HISTORY_FILE, EMISSIONS_FILE)
# MLflow metric and parameter names: letters, digits and these; anything else becomes "_".
_NAME = re.compile(r"[^A-Za-z0-9_\-. /]")
MAX_PARAM_CHARS = 6000  # MLflow's limit on a parameter's value


class TrackingError(ValueError):
    """MLflow is missing, or the store cannot be written or read; the message says which and how to fix it."""


@dataclass(frozen=True)
class TrackingConfig:
    """Whether and where a training run is logged to MLflow."""

    track: str = field(default_factory=lambda: os.environ.get(TRACK_ENV, "none"), metadata={
        "help": f"log the run to MLflow (default: ${TRACK_ENV}, else none)", "choices": ("none", "mlflow")})
    tracking_uri: str = setting("", f"MLflow store, e.g. sqlite:///runs.db (default: ${URI_ENV}, else {DEFAULT_URI} here)")
    track_model: bool = setting(False, "also log model.keras and model.json as artifacts")
    # MLflow's own default experiment: the one `mlflow.search_runs()` and `mlflow ui` show first
    experiment: str = setting("Default", "MLflow experiment of the run")

    def __post_init__(self) -> None:
        if self.track not in ("none", "mlflow"):
            raise ValueError(f"track: must be none or mlflow (from --track or ${TRACK_ENV}), got {self.track!r}")
        if not self.experiment:
            raise ValueError("experiment: must not be empty")

    @property
    def enabled(self) -> bool:
        """True when the run is to be logged."""
        return self.track == "mlflow"


def require_mlflow() -> Any:
    """The mlflow module; TrackingError naming the extra where it is not installed."""
    try:
        return importlib.import_module("mlflow")
    except ImportError:
        raise TrackingError(f"MLflow tracking needs the tracking extra: {EXTRA}") from None


def _absolute_uri(uri: str) -> str:
    """The store as seen from any folder: a relative SQLite file or folder made absolute."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(uri.removeprefix("sqlite:///")).resolve())
    if "://" not in uri and ":" not in uri.split("/")[0]:
        return str(Path(uri).resolve())
    return uri


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Nested report entries as dotted names: {"train": {"epochs": 2}} -> ("train.epochs", 2)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else str(key), item)
    else:
        yield prefix, value


def _name(text: str) -> str:
    return _NAME.sub("_", text)


def _number(value: Any) -> float | None:
    """A finite number to log as a metric, or None (text, None, NaN, a list)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _params(report: Mapping[str, Any]) -> dict[str, str]:
    """Every setting of the run: its config, approach, recordings and seed."""
    flat = dict(_flat("", report.get("config") or {}))
    flat.update(approach=report.get("approach"), recordings=report.get("recordings"), seed=report.get("seed"),
                batch_size=report.get("batch_size"))
    return {_name(k): str(v)[:MAX_PARAM_CHARS] for k, v in flat.items()}


# Figures of report.json logged as metrics, beside the data counts ("samples.*") and phases ("phases.*").
_REPORT_METRICS = (
    "preparation_seconds", "validation_preparation_seconds", "training_seconds", "total_seconds",
    "images_per_second", "images_per_second_after_first_epoch", "peak_rss_bytes", "prepared_bytes",
    "energy_kwh", "co2_kg_measured", "co2_kg_estimated", "final_loss", "final_val_loss", "model_val_loss", "epochs",
)


def _run_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    pairs = [(key, report.get(key)) for key in _REPORT_METRICS]
    pairs += list(_flat("samples", report.get("samples") or {})) + list(_flat("phases", report.get("phases") or {}))
    return {_name(k): v for k, v in ((k, _number(v)) for k, v in pairs) if v is not None}


def _epoch_metrics(history_csv: Path) -> Iterator[tuple[str, float, int]]:
    """(name, value, epoch) for every number in history.csv (loss, val_loss, seconds, ...)."""
    if not history_csv.is_file():
        return
    with history_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            epoch = int(float(row.get("epoch", 0)))
            for key, text in row.items():
                if key == "epoch":
                    continue
                try:
                    value = _number(float(text))
                except (TypeError, ValueError):
                    value = None
                if value is not None:
                    yield _name(key), value, epoch


def log_store(config: TrackingConfig) -> str:
    """The MLflow store a run is logged to, as an absolute URI."""
    return _absolute_uri(config.tracking_uri or os.environ.get(URI_ENV) or DEFAULT_URI)


def log_training_run(run_dir: str | os.PathLike, report: Mapping[str, Any], config: TrackingConfig) -> str:
    """Log a finished run folder as one MLflow run; write RUN_DIR/mlflow.json; return the run id.

    Raises:
        TrackingError: MLflow is not installed, or the store cannot be written.
    """
    mlflow = require_mlflow()
    from mlflow.entities import Metric, Param
    from mlflow.exceptions import MlflowException

    run_dir = Path(run_dir)
    uri = log_store(config)
    try:
        client = mlflow.MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name(config.experiment)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(config.experiment)
        run = client.create_run(experiment_id, run_name=run_dir.resolve().name,
                                tags={"bcloning.run_dir": str(run_dir.resolve())})
        run_id = run.info.run_id
        params = [Param(k, v) for k, v in _params(report).items()]
        now = int(run.info.start_time)
        metrics = [Metric(k, v, now, 0) for k, v in _run_metrics(report).items()]
        metrics += [Metric(k, v, now, step) for k, v, step in _epoch_metrics(run_dir / HISTORY_FILE)]
        for start in range(0, max(len(params), len(metrics)), 100):  # MLflow takes at most 100 params a batch
            client.log_batch(run_id, metrics=metrics[start:start + 100], params=params[start:start + 100])
        names = ARTIFACTS + ((MODEL_FILE, CONTRACT_FILE) if config.track_model else ())
        for name in names:
            if (run_dir / name).is_file():
                client.log_artifact(run_id, str(run_dir / name))
        client.set_terminated(run_id)
    except (MlflowException, OSError) as exc:
        raise TrackingError(f"MLflow store {uri}: {str(exc).splitlines()[0]}") from None
    write_json_atomic(run_dir / MLFLOW_FILE, {"tracking_uri": uri, "run_id": run_id,
                                              "experiment": config.experiment})
    return run_id


def tracked_run(model_path: str | os.PathLike) -> dict[str, str] | None:
    """The MLflow run of the model's run folder (RUN_DIR/mlflow.json), or None where it was not tracked."""
    pointer = Path(model_path).parent / MLFLOW_FILE
    if not pointer.is_file():
        return None
    try:
        known = json.loads(pointer.read_text(encoding="utf-8"))
        return {"tracking_uri": str(known["tracking_uri"]), "run_id": str(known["run_id"])}
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise TrackingError(f"{pointer}: not an MLflow run pointer ({exc})") from None


def _drive_metrics(model: Mapping[str, Any]) -> dict[str, float]:
    """One model's closed-loop figures: per world ("drive.<world>.<metric>") and pooled
    ("drive.<replay|track|all>.<metric>_mean" and "_std")."""
    figures: dict[str, float] = {}
    for world in model.get("worlds", []):
        values = {**world.get("metrics", {}), "lap_time_s": world.get("lap_time_s")}
        for key, value in values.items():
            if (number := _number(value)) is not None:
                figures[_name(f"drive.{world['world']}.{key}")] = number
    for kind, spread in (model.get("summary") or {}).items():
        for key, value in spread.items():
            if isinstance(value, Mapping):
                for stat in ("mean", "std"):
                    if (number := _number(value.get(stat))) is not None:
                        figures[_name(f"drive.{kind}.{key}_{stat}")] = number
            elif (number := _number(value)) is not None:
                figures[_name(f"drive.{kind}.{key}")] = number
    return figures


def log_evaluation(evaluation: Mapping[str, Any]) -> dict[str, str]:
    """Add each tracked model's closed-loop figures and the evaluation's files to its run's MLflow run.

    Returns:
        {model path: run id} of the runs written to.

    Raises:
        TrackingError: MLflow is not installed, or a run's store cannot be written.
    """
    runs = {model["model"]: (model, tracked_run(model["model"])) for model in evaluation.get("models", [])}
    runs = {path: (model, run) for path, (model, run) in runs.items() if run is not None}
    if not runs:
        return {}
    mlflow = require_mlflow()
    from mlflow.entities import Metric
    from mlflow.exceptions import MlflowException

    files = evaluation.get("files", {})
    written: dict[str, str] = {}
    for path, (model, run) in runs.items():
        try:
            client = mlflow.MlflowClient(tracking_uri=run["tracking_uri"])
            stamp = int(client.get_run(run["run_id"]).info.start_time)
            metrics = [Metric(k, v, stamp, 0) for k, v in _drive_metrics(model).items()]
            for start in range(0, len(metrics), 1000):  # MLflow takes at most 1000 metrics a batch
                client.log_batch(run["run_id"], metrics=metrics[start:start + 1000])
            client.set_tag(run["run_id"], "bcloning.evaluation", str(Path(files.get("json", "")).resolve()))
            for key in ("table", "plot"):
                if key in files:
                    client.log_artifact(run["run_id"], files[key], artifact_path="evaluation")
        except (MlflowException, OSError) as exc:
            raise TrackingError(f"MLflow store {run['tracking_uri']}: {str(exc).splitlines()[0]}") from None
        written[path] = run["run_id"]
    return written
