"""The run folder: file names and writers of everything a training run leaves behind.

    RUN_DIR/
        model.keras      the trained PilotNet (loads with safe_mode=True)
        model.json       its contract: preprocessing name, version, parameters, input shape
        history.csv      one row per epoch: epoch, loss, val_loss, seconds
        loss.png         training and validation loss per epoch
        emissions.csv    codecarbon's standard output, one row per tracked phase (plus one per
                         epoch with --checkpoint; training.run.parts counts each tracker once)
        report.json      the run's numbers (see training.run.train.train_run)
        best_driving.keras  with --eval-every: the checkpoint that drove best in closed loop
                         (+ best_driving.json, its contract; training.run.driving_eval)
        driving.json     written by scripts/evaluate.py: which evaluation scored this run's
                         models and their closed-loop summary (scripts/compare.py shows it)

Every file is written atomically (except emissions.csv, which codecarbon appends).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from recorder.atomic import atomic_path, write_json_atomic, write_text_atomic
from training.co2.emissions import EMISSIONS_FILE

__all__ = [
    "MODEL_FILE",
    "CONTRACT_FILE",
    "HISTORY_FILE",
    "LOSS_PLOT",
    "EMISSIONS_FILE",
    "REPORT_FILE",
    "BEST_DRIVING_FILE",
    "DRIVING_FILE",
    "RUN_FILES",
    "RunFolderError",
    "check_run_dir",
    "write_history",
    "plot_loss",
    "write_report",
    "read_report",
]

MODEL_FILE = "model.keras"
CONTRACT_FILE = "model.json"
HISTORY_FILE = "history.csv"
LOSS_PLOT = "loss.png"
REPORT_FILE = "report.json"
BEST_DRIVING_FILE = "best_driving.keras"
DRIVING_FILE = "driving.json"
RUN_FILES = (MODEL_FILE, CONTRACT_FILE, HISTORY_FILE, LOSS_PLOT, EMISSIONS_FILE, REPORT_FILE)


class RunFolderError(ValueError):
    """A run folder that cannot be written to or read from."""


def check_run_dir(run_dir: str | os.PathLike, allow_existing: bool = False) -> Path:
    """Create the run folder; refuse one that already holds a run's files.

    Writing into an old run would mix two runs' emissions.csv rows and reports.
    """
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"{path}: exists and is not a folder")
    if not allow_existing and path.is_dir():
        present = [name for name in RUN_FILES if (path / name).exists()]
        if present:
            raise RunFolderError(
                f"{path}: already holds a run ({', '.join(present)}); choose a new --out folder"
            )
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_history(path: str | os.PathLike, history: dict[str, list[float]]) -> Path:
    """Write Keras' history (one list per metric) as CSV, one row per epoch."""
    columns = list(history)
    epochs = max((len(values) for values in history.values()), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *columns])
    for epoch in range(epochs):
        row = [history[c][epoch] if epoch < len(history[c]) else "" for c in columns]
        writer.writerow([epoch + 1, *row])
    return write_text_atomic(path, out.getvalue())


def plot_loss(path: str | os.PathLike, history: dict[str, list[float]], title: str) -> Path:
    """Plot training and validation loss per epoch into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        if history.get(key):
            ax.plot(range(1, len(history[key]) + 1), history[key], marker="o", label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return Path(path)


def write_report(path: str | os.PathLike, report: dict[str, Any]) -> Path:
    """Write report.json atomically."""
    return write_json_atomic(path, report)


def read_report(run_dir: str | os.PathLike) -> dict[str, Any]:
    """Read a run folder's report.json; RunFolderError naming the file if unusable."""
    path = Path(run_dir) / REPORT_FILE
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{path}: not found (is {run_dir} a run folder from scripts/train.py?)") from None
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}: unreadable: {exc}") from exc
    if not isinstance(report, dict) or "approach" not in report:
        raise RunFolderError(f"{path}: not a training report (no 'approach')")
    return report
