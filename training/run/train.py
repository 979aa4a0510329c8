"""One training run, the same for every approach: load, balance, split, prepare, fit, save.

Only `approach.prepare` differs between approaches; the samples, validation set
(centre camera, no augmentation, preprocessed once), model initialisation,
epochs, batch size and emissions trackers are shared, so two runs with equal
`TrainConfig` apart from `approach` are a fair comparison. Preparation and
fitting are measured separately (time always, energy and CO2 with codecarbon).

`train_run` is a list of named steps: `open_run` (the run folder, resume),
`load_samples`, `prepare` (validation set and the approach's data, measured),
`build_model`, `fit` (measured), then `training.run.report.build_report` and
`write_run_folder`.

Hooks for longer and larger runs: `callbacks` are added to `model.fit`,
`strategy` scopes the model (and is handed to the approach), `chief=False`
trains without writing the model, report or emissions. `long_run` adds checkpoints, early
stopping, TensorBoard logs and `resume` (`training.run.callbacks`); a resumed run's
report, history and emissions cover all its parts (`training.run.parts`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import keras
import numpy as np

from recorder.balance import balance as balance_samples
from recorder.loader import load_recordings
from recorder.sample import Sample
from recorder.split import split_blocks
from training.approaches import Approach, PrepareContext, Prepared, get_approach
from training.co2.emissions import PhaseMeasurement, tracked
from training.config import TrainConfig
from training.data.examples import centre_examples
from training.distribute import worker_shard
from training.environment import usable_cores
from training.model import build_pilotnet, compile_pilotnet
from training.model_file import save_model
from training.precision import machine_precision, precision_policy, resolve_precision
from training.run.callbacks import check_resume, long_run_callbacks
from training.run.folder import (
    HISTORY_FILE,
    LOSS_PLOT,
    MODEL_FILE,
    REPORT_FILE,
    check_run_dir,
    mark_finished,
    plot_loss,
    resume_epoch,
    write_history,
    write_report,
)
from training.run.parts import previous_parts, run_history
from training.run.report import RunOutcome, SampleCounts, build_report
from training.run.settings import RunSettings, check_same_settings, write_settings

__all__ = [
    "train_run", "EpochTimer", "EpochLine", "keras_verbosity", "ReportsToRun", "RunPlace", "Samples", "Preparation", "Fitted", "model_contract",
    "open_run", "load_samples", "prepare", "build_model", "fit", "write_run_folder",
]

logger = logging.getLogger(__name__)


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's wall-clock seconds to the history as `seconds`."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self._start


class EpochLine(keras.callbacks.Callback):
    """Logs one line per epoch (loss, val_loss, seconds): Keras' bar where stdout is no terminal.

    A progress bar written to a log file, CI or `nohup` is a carriage-return line per
    step of every epoch; this is the line a person reads afterwards.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        values = ", ".join(f"{key} {logs[key]:.4f}" for key in ("loss", "val_loss") if key in logs)
        logger.info("epoch %d/%d: %s, %.1f s", epoch + 1, self.params.get("epochs", 0), values,
                    logs.get("seconds", 0.0))


def keras_verbosity(verbose: int) -> tuple[int, list[keras.callbacks.Callback]]:
    """`model.fit`'s verbose and the callbacks that print instead: a bar only on a terminal."""
    if verbose == 1 and not sys.stdout.isatty():
        return 0, [EpochLine()]
    return verbose, []


@runtime_checkable
class ReportsToRun(Protocol):
    """A callback that adds to the run folder when the run ends (closed-loop scoring does)."""

    def finish_run(self, run_dir: Path) -> Mapping[str, Any]:
        """Write its own files into `run_dir`; return the entries it adds to report.json."""


@dataclass(frozen=True)
class RunPlace:
    """Where this process writes and what earlier parts of the run left there."""

    run_dir: Path
    chief: bool  # False: a non-chief worker, which writes no model, report or emissions
    worker: int  # this worker's index (0 on one machine)
    first_epoch: int  # 0, or the epoch a resumed run goes on from
    before: Mapping[str, Any] | None  # earlier parts' cost per phase (`previous_parts`), if resuming


@dataclass(frozen=True)
class Samples:
    """The samples of a run after load, balance and split."""

    train: Sequence[Sample]
    validation: Sequence[Sample]
    counts: SampleCounts


@dataclass
class Preparation:
    """The prepare step's result, and what it cost."""

    phase: PhaseMeasurement
    validation: tuple[np.ndarray, np.ndarray] | None  # centre frames, preprocessed once
    validation_seconds: float
    prepared: Prepared


@dataclass
class Fitted:
    """The fit step's result, and what it cost."""

    phase: PhaseMeasurement
    history: dict[str, list[float]]  # this part's epochs (every part's where backed up)
    early_stopping: dict[str, Any] | None  # best epoch, where early stopping restored its weights


def open_run(run_dir: str | os.PathLike, approach: Approach, settings: RunSettings,
             strategy: Any, chief: bool) -> RunPlace:
    """Check the run can train on the strategy's workers and the run folder is free (or resumable)."""
    config, long_run = settings.train, settings.long_run
    worker, workers = worker_shard(strategy)
    config.check_workers(workers)
    first_epoch = check_resume(run_dir, long_run, worker)
    if long_run.resume and chief:
        check_same_settings(run_dir, settings)  # before anything is written: a refused resume leaves the folder as it was
    folder = check_run_dir(run_dir, long_run.resume) if chief else Path(run_dir)
    if chief:
        write_settings(folder, settings)
    before = previous_parts(folder, approach.name) if long_run.resume and chief else None
    return RunPlace(folder, chief, worker, first_epoch, before)


def load_samples(folders: Sequence[str | os.PathLike], settings: RunSettings) -> Samples:
    """Load the recordings, balance steering bins, split into training and validation blocks."""
    config = settings.train
    loaded = load_recordings(folders, settings.load)
    samples = balance_samples(loaded.samples, settings.balance, config.seed) if config.balance else loaded.samples
    parts = split_blocks(samples, settings.split, config.seed)
    if not parts.train:
        raise ValueError("no training samples left after balance and split")
    counts = SampleCounts(
        loaded=len(loaded.samples), dropped_rows=len(loaded.problems), dropped_by_reason=loaded.dropped,
        after_balance=len(samples),
        train=len(parts.train), validation=len(parts.validation),
        per_epoch=config.samples_per_epoch or config.examples_per_row * len(parts.train),
    )
    logger.info(
        "%d samples loaded (dropped: %s), %d after balance: %d train, %d validation; %d examples per epoch",
        counts.loaded, ", ".join(f"{reason} {n}" for reason, n in loaded.dropped.items()) or "none",
        counts.after_balance, counts.train, counts.validation, counts.per_epoch,
    )
    return Samples(parts.train, parts.validation, counts)


def prepare(approach: Approach, samples: Samples, settings: RunSettings, place: RunPlace,
            strategy: Any) -> Preparation:
    """Preprocess the validation set and let the approach prepare its data, measured as one phase."""
    emissions = settings.emissions if place.chief else None
    with tracked(emissions, place.run_dir, f"{approach.name}-prepare") as phase:
        start = time.perf_counter()
        threads = settings.train.threads or usable_cores()
        x_val, y_val = centre_examples(samples.validation, settings.preprocess, threads)
        validation_seconds = time.perf_counter() - start
        prepared = approach.prepare(PrepareContext(
            train=samples.train, config=settings.train, samples_per_epoch=samples.counts.per_epoch,
            augment=settings.augment, preprocess=settings.preprocess, run_dir=place.run_dir,
            strategy=strategy, start_epoch=resume_epoch(place.run_dir, worker_shard(strategy)[0]) or 0,
        ))
    validation = (x_val, y_val) if len(x_val) else None  # shared by every approach
    return Preparation(phase, validation, validation_seconds, prepared)


def build_model(settings: RunSettings, strategy: Any, policy: str = "float32") -> keras.Model:
    """PilotNet, seeded and compiled under Keras dtype policy `policy`, in the strategy's scope if any."""
    config = settings.train
    keras.utils.set_random_seed(config.seed)
    with strategy.scope() if strategy is not None else contextlib.nullcontext(), precision_policy(policy):
        return compile_pilotnet(
            build_pilotnet(settings.preprocess.output_shape, config.seed, config.dropout), config.learning_rate,
            config.ema,
        )


def fit(model: keras.Model, approach: Approach, preparation: Preparation, settings: RunSettings,
        place: RunPlace, callbacks: Sequence[keras.callbacks.Callback]) -> Fitted:
    """Train the model on the prepared data, measured as one phase."""
    config, long_run = settings.train, settings.long_run
    emissions = settings.emissions if place.chief else None
    contract = model_contract(settings.train)
    verbose, lines = keras_verbosity(config.verbose)
    with tracked(emissions, place.run_dir, f"{approach.name}-fit") as phase:
        extras = long_run_callbacks(
            place.run_dir, long_run, chief=place.chief, worker_index=place.worker, tracker=phase.tracker,
            save=lambda m, path: save_model(m, path, settings.preprocess, extra=contract),
        )
        history = model.fit(
            preparation.prepared.x,
            preparation.prepared.y,
            epochs=config.epochs,
            validation_data=preparation.validation,
            validation_batch_size=config.batch_size if preparation.validation is not None else None,
            callbacks=[EpochTimer(), *_ema_validation(config), *callbacks, *extras, *lines],
            verbose=verbose,
            **preparation.prepared.fit_kwargs,
        ).history
    if place.chief and long_run.backs_up:  # every epoch of every part of the run
        history = run_history(place.run_dir, history)
    return Fitted(phase, history, _restored_best([*callbacks, *extras]))


def _ema_validation(config: TrainConfig) -> list[keras.callbacks.Callback]:
    """With `--ema`, validate the moving average (the model that is saved), not the last step's weights."""
    return [keras.callbacks.SwapEMAWeights()] if config.ema else []


def _restored_best(callbacks: Sequence[keras.callbacks.Callback]) -> dict[str, Any] | None:
    """Early stopping's best epoch, whose weights `fit` restored into the model it returns.

    Then the saved model is that epoch's, not the last one's, and so is its val_loss.
    """
    for callback in callbacks:
        if isinstance(callback, keras.callbacks.EarlyStopping) and callback.best_weights is not None:
            return {"best_epoch": callback.best_epoch + 1, "best_val_loss": float(callback.best),
                    "stopped_at_epoch": callback.stopped_epoch + 1 if callback.stopped_epoch else None}
    return None


def model_contract(config: TrainConfig) -> dict[str, Any]:
    """What model.json records about the run beside the preprocessing (the file itself is float32)."""
    return {"approach": config.approach, "seed": config.seed,
            "training_precision": machine_precision(config.precision).policy}


def _add_earlier_parts(phase: PhaseMeasurement, before: Mapping[str, Any] | None) -> None:
    """Add the earlier parts of a resumed run to this part's measurement of a phase."""
    if not before:
        return
    phase.seconds += before["seconds"]
    for attr in ("energy_kwh", "co2_kg"):
        if getattr(phase, attr) is not None and before[attr] is not None:
            setattr(phase, attr, getattr(phase, attr) + before[attr])


def write_run_folder(place: RunPlace, model: keras.Model, fitted: Fitted, report: Mapping[str, Any],
                     approach: Approach, settings: RunSettings) -> None:
    """Write model (with its contract), history, loss plot and report into the run folder."""
    run_dir, epochs = place.run_dir, report["epochs"]
    save_model(model, run_dir / MODEL_FILE, settings.preprocess,
               extra={**model_contract(settings.train), "epochs": epochs})
    write_history(run_dir / HISTORY_FILE, fitted.history)
    plot_loss(run_dir / LOSS_PLOT, fitted.history, f"{approach.name}: {epochs} epochs")
    write_report(run_dir / REPORT_FILE, report)
    mark_finished(run_dir)  # last: until here the folder says INCOMPLETE
    logger.info("run folder written: %s", run_dir)


def train_run(
    folders: Sequence[str | os.PathLike],
    run_dir: str | os.PathLike,
    settings: RunSettings = RunSettings(),
    *,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    strategy: Any = None,
    chief: bool = True,
) -> dict[str, Any]:
    """Train PilotNet on recordings with `settings.train.approach` and write the run folder.

    Args:
        folders: recording folders (driving_log.csv + IMG/).
        run_dir: the run folder to create (must not hold a run unless resuming it).
        settings: every setting of the run (`training.run.settings`; settings.emissions None
            measures time only, settings.long_run adds checkpoints, resume, early stopping,
            TensorBoard logs). Written to RUN_DIR/settings.json; a resumed run must have the same.
        callbacks: extra Keras callbacks (`long_run` adds checkpoints, early stopping, TensorBoard);
            one that `ReportsToRun` (`evaluation.checkpoints.DrivingEval`, closed-loop
            scoring) adds its files and report entries when the run ends.
        strategy: a tf.distribute strategy; the model is built in its scope.
        chief: False (a non-chief worker) trains without writing the model, report or emissions;
            it writes only its own backup (`--checkpoint`) and, over the memory budget, its frame file.

    Returns:
        The report (also written as report.json when chief).

    Raises:
        RecordingError: unusable recordings. ValueError: an unknown approach, too
        few samples, a generator run with a strategy, or a run folder that already
        holds a run (ResumeError: one with an unfinished run and no `long_run.resume`,
        or nothing to resume).
    """
    approach = get_approach(settings.train.approach)
    place = open_run(run_dir, approach, settings, strategy, chief)
    samples = load_samples(folders, settings)
    preparation = prepare(approach, samples, settings, place, strategy)
    precision = resolve_precision(settings.train.precision)  # logs what `auto` chose and why
    model = build_model(settings, strategy, precision.policy)
    fitted = fit(model, approach, preparation, settings, place, callbacks)
    before = place.before or {}
    _add_earlier_parts(preparation.phase, before.get("preparation"))
    _add_earlier_parts(fitted.phase, before.get("training"))
    report = build_report(RunOutcome(
        approach=approach, folders=folders, counts=samples.counts,
        preparation=preparation.phase, training=fitted.phase,
        validation_seconds=preparation.validation_seconds, history=fitted.history,
        prepared=preparation.prepared, early_stopping=fitted.early_stopping,
        parts=1 + (before.get("training") or {}).get("parts", 0),
        resumed_at_epoch=place.first_epoch if settings.long_run.resume else None, precision=precision,
    ), settings)
    for callback in callbacks:
        if isinstance(callback, ReportsToRun):
            report = {**report, **callback.finish_run(place.run_dir)}
    if chief:
        write_run_folder(place, model, fitted, report, approach, settings)
    return report
