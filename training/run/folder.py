"""The run folder: file names, writers and readers of everything a training run leaves behind.

    RUN_DIR/
        model.keras      the trained PilotNet (loads with safe_mode=True)
        model.json       its contract: preprocessing name, version, parameters, input shape
        history.csv      one row per epoch: epoch, loss, val_loss, seconds
        loss.png         training and validation loss per epoch
        emissions.csv    codecarbon's standard output, one row per tracked phase (plus one per
                         epoch with --checkpoint; training.run.parts counts each tracker once)
        report.json      the run's numbers (see training.run.train.train_run)
        settings.json    every setting of the run, written when it starts (training.run.settings);
                         --resume refuses settings that differ from it
        best_driving.keras  with --eval-every: the checkpoint that drove best in closed loop
                         (+ best_driving.json, its contract; evaluation.checkpoints), and
                         driving_eval.json / driving_eval.png: every scored epoch
        driving.json     written by scripts/evaluate.py: which evaluation scored this run's
                         models and their closed-loop summary (scripts/compare.py shows it)
        INCOMPLETE       there from the start of a run until its last file is written (JSON:
                         a note for people, start time, host and process id of the run)
        checkpoints/, backup-worker<i>/, tensorboard/   with --checkpoint (training.run.callbacks
                         writes them; their names and the epoch log's reader are here)

Every file is written atomically (except emissions.csv, which codecarbon appends).
A run stopped by Ctrl-C, SIGTERM, kill -9 or a full disk leaves `INCOMPLETE`, so
nothing half-written passes for a finished run: `read_report` (compare) and the
drive command refuse the folder. With a backup (`--checkpoint`) `--resume`
continues it; without one, the same command starts it again and first moves
the stopped attempt's files into `interrupted_<time>/`, saying so.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

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
    "INCOMPLETE_FILE",
    "SETTINGS_FILE",
    "CHECKPOINT_DIR",
    "LAST_CHECKPOINT",
    "BEST_CHECKPOINT",
    "BEST_RECORD",
    "EPOCH_LOG",
    "BACKUP_DIR",
    "TENSORBOARD_DIR",
    "RunFolderError",
    "ResumeError",
    "backup_dir",
    "resume_epoch",
    "read_epoch_log",
    "check_run_dir",
    "mark_finished",
    "check_finished",
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
SETTINGS_FILE = "settings.json"
RUN_FILES = (MODEL_FILE, CONTRACT_FILE, HISTORY_FILE, LOSS_PLOT, EMISSIONS_FILE, REPORT_FILE, SETTINGS_FILE)
INCOMPLETE_FILE = "INCOMPLETE"
INTERRUPTED_PREFIX = "interrupted_"
# Long runs (`--checkpoint`, written by training.run.callbacks), read here without Keras:
CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.keras"
BEST_CHECKPOINT = "best.keras"
BEST_RECORD = "best_epoch.json"
EPOCH_LOG = "epochs.csv"
BACKUP_DIR = "backup"
TENSORBOARD_DIR = "tensorboard"
# Keras BackupAndRestore's record of the epoch reached (keras/src/callbacks/backup_and_restore.py).
_BACKUP_METADATA = "training_metadata.json"

logger = logging.getLogger(__name__)


class RunFolderError(ValueError):
    """A run folder that cannot be written to or read from."""


class ResumeError(ValueError):
    """`--resume` without anything to resume, or an unfinished run started again without it."""


def check_run_dir(run_dir: str | os.PathLike, allow_existing: bool = False) -> Path:
    """Create the run folder and mark it INCOMPLETE; refuse one that holds a finished run.

    Writing into an old run would mix two runs' emissions.csv rows and reports.
    A folder marked INCOMPLETE (a stopped run the caller did not resume) is taken
    over: its files move to `interrupted_<time>/` first, with a warning.

    Args:
        allow_existing: the caller resumes the run already in the folder.
    """
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"{path}: exists and is not a folder")
    if (pid := _training_pid(path)) is not None:
        raise RunFolderError(f"{path}: a run is training there now (process {pid}); choose another --out folder")
    if not allow_existing and (path / INCOMPLETE_FILE).is_file():
        _move_stopped_run(path)
    elif not allow_existing and path.is_dir():
        present = [name for name in RUN_FILES if (path / name).exists()]
        if present:
            raise RunFolderError(
                f"{path}: already holds a run ({', '.join(present)}); choose a new --out folder"
            )
    path.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path / INCOMPLETE_FILE, {
        "note": "this run has not finished: it is training, or was stopped. A stopped run with a backup "
                "(--checkpoint) goes on with the same command and --resume; without one, the same command "
                f"starts it again (these files then move to {INTERRUPTED_PREFIX}<time>/)",
        "started": time.time(), "host": socket.gethostname(), "pid": os.getpid(),
    })
    return path


def _training_pid(path: Path) -> int | None:
    """The process training into `path` now, if its INCOMPLETE mark names one alive on this machine."""
    try:
        mark = json.loads((path / INCOMPLETE_FILE).read_text())
        pid, host, started = int(mark["pid"]), str(mark["host"]), float(mark["started"])
    except (OSError, ValueError, KeyError, TypeError):  # no mark, or not ours to read: no claim
        return None
    if host != socket.gethostname() or pid == os.getpid():
        return None
    try:
        created = psutil.Process(pid).create_time()
    except psutil.Error:  # gone (or not visible): the run was stopped
        return None
    return pid if created <= started else None  # a later process with a reused id is not the run


def _move_stopped_run(path: Path) -> None:
    """Move a stopped run's files (earlier stopped attempts' folders stay) into `interrupted_<time>/`."""
    files = [p for p in path.iterdir() if p.name != INCOMPLETE_FILE and not p.name.startswith(INTERRUPTED_PREFIX)]
    if not files:
        return
    aside = path / f"{INTERRUPTED_PREFIX}{datetime.now():%Y%m%d_%H%M%S_%f}"
    aside.mkdir()
    for file in files:
        file.rename(aside / file.name)
    logger.warning("%s: held a run that was stopped and cannot be resumed; its files moved to %s, "
                   "the run starts again", path, aside.name)


def mark_finished(run_dir: str | os.PathLike) -> None:
    """Remove the INCOMPLETE mark: the run's last file is written."""
    (Path(run_dir) / INCOMPLETE_FILE).unlink(missing_ok=True)


def check_finished(run_dir: str | os.PathLike) -> None:
    """Raise RunFolderError when `run_dir` holds a run that has not finished (INCOMPLETE is there)."""
    mark = Path(run_dir) / INCOMPLETE_FILE
    if mark.is_file():
        raise RunFolderError(f"{run_dir}: the run there has not finished ({mark} is there): "
                             "resume it (--resume) or train it again before using it")


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
    """Read a finished run's report.json; RunFolderError naming the file if unusable or unfinished."""
    check_finished(run_dir)
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


def backup_dir(run_dir: str | os.PathLike, worker_index: int = 0) -> Path:
    """This worker's BackupAndRestore folder (one per worker: they may share a disk)."""
    return Path(run_dir) / f"{BACKUP_DIR}-worker{worker_index}"


def resume_epoch(run_dir: str | os.PathLike, worker_index: int = 0) -> int | None:
    """The epoch a resumed run starts from (0-based), or None when there is no backup."""
    metadata = backup_dir(run_dir, worker_index) / _BACKUP_METADATA
    if not metadata.is_file():
        return None
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResumeError(f"{metadata}: unreadable backup record ({exc})") from exc


def read_epoch_log(path: str | os.PathLike) -> list[dict[str, float]]:
    """The rows of `epochs.csv`, one per epoch (a redone epoch keeps its last row)."""
    rows: dict[int, dict[str, float]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("epoch", "") == "epoch":  # a header written again by a later part
                continue
            values = {key: float(value) for key, value in row.items() if value not in ("", None)}
            rows[int(values["epoch"])] = values
    return [rows[epoch] for epoch in sorted(rows)]
