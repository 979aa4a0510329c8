"""Keras callbacks that make long runs safe: checkpoints, backup for resume, early stopping, logs.

A run with `--checkpoint` leaves, beside the usual run files:

    RUN_DIR/
      checkpoints/
        last.keras        the model after the latest epoch
        best.keras        the model of the lowest val_loss (each with its .json contract
                          when saved through `training.model_file.save_model`, as runs do)
        best_epoch.json   {"epoch", "val_loss"} of best.keras
        epochs.csv        one row per finished epoch of every part of the run (Keras CSVLogger),
                          with the `part` that trained it (1, then 2 after the first resume ...)
      backup-worker<i>/   Keras BackupAndRestore's training state (weights, optimizer, epoch)
      tensorboard/        scalar logs (loss, val_loss per epoch) for `tensorboard --logdir`

`--resume` runs the same command again: `BackupAndRestore` restores weights,
optimizer state and the epoch reached, and `fit` goes on from there. The backup is
written at the end of each epoch (and every `backup_every` batches if set), so a
run killed mid-epoch redoes that epoch from its last backup; a finished run deletes
its backup. Each part of a run measures its emissions with its own codecarbon
tracker (its own `run_id` rows in emissions.csv); `FlushEmissions` writes a row at
every epoch end so a part that is killed still leaves what it used up to its last
epoch, and `training.run.parts` adds the parts up.

TensorBoard's scalars are written with TensorFlow's own summary ops (the
`tensorboard` package, which Keras' TensorBoard callback needs, is not installed
with tensorflow-cpu), in the format TensorBoard reads.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from recorder.atomic import atomic_path, write_json_atomic
from training.config import LongRunConfig
from training.run.folder import (
    BEST_CHECKPOINT,
    BEST_RECORD,
    CHECKPOINT_DIR,
    EPOCH_LOG,
    INCOMPLETE_FILE,
    LAST_CHECKPOINT,
    TENSORBOARD_DIR,
    ResumeError,
    backup_dir,
    read_epoch_log,
    resume_epoch,
)

__all__ = [
    "check_resume", "stopped_run_advice",
    "EpochCheckpoint", "FlushEmissions", "PartNumber", "ScalarLogger", "long_run_callbacks",
]

logger = logging.getLogger(__name__)

# The metric that decides the best checkpoint and early stopping.
MONITOR = "val_loss"


def check_resume(run_dir: str | os.PathLike, config: LongRunConfig, worker_index: int = 0) -> int:
    """Check `--resume` against the run folder; return the epoch training starts from.

    Raises:
        ResumeError: `--resume` with no backup in `run_dir`, or a backup (an
            unfinished run) in `run_dir` without `--resume`.
    """
    epoch = resume_epoch(run_dir, worker_index)
    if config.resume and epoch is None:
        why = ("the run was stopped before its first backup, or ran without --checkpoint: the same command "
               "without --resume starts it again" if (Path(run_dir) / INCOMPLETE_FILE).is_file()
               else "the run finished, or was started without --checkpoint")
        raise ResumeError(f"{run_dir}: nothing to resume (no {backup_dir(run_dir, worker_index)}; {why})")
    if not config.resume and epoch is not None:
        raise ResumeError(f"{run_dir}: holds an unfinished run (backup at epoch {epoch}); "
                          "pass --resume to continue it or choose another --out")
    return epoch or 0


def stopped_run_advice(run_dir: str | os.PathLike, worker_index: int = 0) -> str | None:
    """What to do with a run stopped in `run_dir` (Ctrl-C, SIGTERM, a full disk): resume it or start it again.

    None where `run_dir` is not marked INCOMPLETE (the run never started writing there).
    """
    if not (Path(run_dir) / INCOMPLETE_FILE).is_file():
        return None
    try:
        epoch = resume_epoch(run_dir, worker_index)
    except ResumeError as exc:
        return str(exc)
    if epoch is not None:
        return f"{run_dir} can be resumed ({epoch} epochs backed up): the same command with --resume"
    return f"{run_dir} is marked {INCOMPLETE_FILE} (no backup to resume): the same command starts the run again"


def _save_keras(model: keras.Model, path: Path) -> None:
    """Save a .keras file atomically (a kill mid-save leaves the previous file)."""
    with atomic_path(path) as tmp:
        model.save(tmp)


class EpochCheckpoint(keras.callbacks.Callback):
    """Save the model after every epoch, and the best one by val_loss, atomically."""

    def __init__(self, folder: str | os.PathLike,
                 save: Callable[[keras.Model, Path], Any] = _save_keras) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.save = save
        record = self.folder / BEST_RECORD
        # A resumed run compares against the best of the parts before it.
        self.best = json.loads(record.read_text())[MONITOR] if record.is_file() else math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.save(self.model, self.folder / LAST_CHECKPOINT)
        value = (logs or {}).get(MONITOR)
        if value is not None and float(value) < self.best:
            self.best = float(value)
            self.save(self.model, self.folder / BEST_CHECKPOINT)
            write_json_atomic(self.folder / BEST_RECORD, {"epoch": epoch + 1, MONITOR: self.best})


class PartNumber(keras.callbacks.Callback):
    """Add `part` to each epoch's logs: 1 in a run's first part, one more after each resume.

    The epoch log then tells how many parts trained a run even without
    emissions.csv (a run without codecarbon), see `training.run.parts.previous_parts`.
    """

    def __init__(self, epoch_log: str | os.PathLike) -> None:
        super().__init__()
        path = Path(epoch_log)
        rows = read_epoch_log(path) if path.is_file() else []
        self.part = int(max((row.get("part", 1) for row in rows), default=0)) + 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["part"] = self.part


class FlushEmissions(keras.callbacks.Callback):
    """Write the tracker's emissions so far at each epoch end (kept if the run is killed)."""

    def __init__(self, tracker: Any) -> None:
        super().__init__()
        self.tracker = tracker  # codecarbon tracker (anything with flush())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.tracker.flush()


class ScalarLogger(keras.callbacks.Callback):
    """Epoch logs as TensorBoard scalars: `train/loss` and `validation/loss` per epoch."""

    def __init__(self, log_dir: str | os.PathLike) -> None:
        super().__init__()
        self.log_dir = Path(log_dir)
        self._writers: dict[str, Any] = {}
        self._metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))

    def _writer(self, split: str) -> Any:
        if split not in self._writers:
            self._writers[split] = tf.summary.create_file_writer(str(self.log_dir / split))
        return self._writers[split]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for key, value in (logs or {}).items():
            split, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            with self._writer(split).as_default():
                tf.summary.write(f"epoch_{name}", tf.constant(float(value)), step=epoch,
                                 metadata=self._metadata)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def long_run_callbacks(
    run_dir: str | os.PathLike,
    config: LongRunConfig,
    *,
    chief: bool = True,
    worker_index: int = 0,
    save: Callable[[keras.Model, Path], Any] = _save_keras,
    tracker: Any = None,
) -> list[keras.callbacks.Callback]:
    """The callbacks for `config`, in the order Keras must call them.

    Every worker backs up its own state (all must restore the same epoch); only
    the chief writes checkpoints, the epoch log and TensorBoard logs. The backup
    comes last so that an epoch counts as done only once all else is written.

    Args:
        save: how a checkpoint is written (e.g. with the model's contract).
        tracker: the fit phase's codecarbon tracker, flushed at each epoch end.
    """
    run_dir = Path(run_dir)
    callbacks: list[keras.callbacks.Callback] = []
    if chief and config.backs_up:
        (run_dir / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)
        callbacks.append(PartNumber(run_dir / CHECKPOINT_DIR / EPOCH_LOG))  # before the log writes the row
        callbacks.append(keras.callbacks.CSVLogger(str(run_dir / CHECKPOINT_DIR / EPOCH_LOG),
                                                   append=True))
        callbacks.append(EpochCheckpoint(run_dir / CHECKPOINT_DIR, save))
    if config.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=MONITOR, patience=config.early_stopping, restore_best_weights=True))
    if chief and config.tensorboard:
        callbacks.append(ScalarLogger(run_dir / TENSORBOARD_DIR))
    if chief and tracker is not None and config.backs_up:
        callbacks.append(FlushEmissions(tracker))
    if config.backs_up:
        callbacks.append(keras.callbacks.BackupAndRestore(
            str(backup_dir(run_dir, worker_index)),
            save_freq=config.backup_every or "epoch", double_checkpoint=True))
    return callbacks
