"""One training run, the same for every approach: load, balance, split, prepare, fit, save.

Only `approach.prepare` differs between approaches; the samples, validation set
(centre camera, no augmentation, preprocessed once), model initialisation,
epochs, batch size and emissions trackers are shared, so two runs with equal
`TrainConfig` apart from `approach` are a fair comparison. Preparation and
fitting are measured separately (time always, energy and CO2 with codecarbon).

Hooks for longer and larger runs: `callbacks` are added to `model.fit`,
`strategy` scopes the model (and is handed to the approach), `chief=False`
trains without writing the model, report or emissions. `long_run` adds checkpoints, early
stopping, TensorBoard logs and `resume` (`training.long_run`); a resumed run's
report, history and emissions cover all its parts (`training.run_parts`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from recorder.balance import BalanceConfig, balance as balance_samples
from recorder.loader import LoadConfig, load_recordings
from recorder.split import SplitConfig, split_blocks
from training.approaches import PrepareContext, get_approach, steps_per_epoch
from training.augment_config import DEFAULT_AUGMENT, AugmentConfig
from training.config import TrainConfig
from training.distribute import worker_shard
from training.emissions import EmissionsConfig, PhaseMeasurement, mean_watts, tracked
from training.estimate import EstimateConfig, estimate
from training.examples import centre_examples, default_threads
from training.long_run import LongRunConfig, check_resume, long_run_callbacks
from training.model import build_pilotnet, compile_pilotnet
from training.model_file import save_model
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig, preprocess_spec
from training.report import hardware, library_versions, peak_rss_bytes
from training.run_folder import (
    HISTORY_FILE,
    LOSS_PLOT,
    MODEL_FILE,
    REPORT_FILE,
    check_run_dir,
    plot_loss,
    write_history,
    write_report,
)
from training.run_parts import previous_parts, run_history

__all__ = ["train_run", "EpochTimer"]

logger = logging.getLogger(__name__)


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's wall-clock seconds to the history as `seconds`."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["seconds"] = time.perf_counter() - self._start


def _energy(phases: Sequence[PhaseMeasurement], attr: str) -> float | None:
    values = [getattr(p, attr) for p in phases]
    return None if any(v is None for v in values) else float(sum(values))


def _add_earlier_parts(phase: PhaseMeasurement, before: Mapping[str, Any] | None) -> None:
    """Add the earlier parts of a resumed run to this part's measurement of a phase."""
    if not before:
        return
    phase.seconds += before["seconds"]
    for attr in ("energy_kwh", "co2_kg"):
        if getattr(phase, attr) is not None and before[attr] is not None:
            setattr(phase, attr, getattr(phase, attr) + before[attr])


def _last(history: Mapping[str, list[float]], key: str) -> float | None:
    values = history.get(key) or []
    return float(values[-1]) if values else None


def _restored_best(callbacks: Sequence[keras.callbacks.Callback]) -> dict[str, Any] | None:
    """Early stopping's best epoch, whose weights `fit` restored into the model it returns.

    Then the saved model is that epoch's, not the last one's, and so is its val_loss.
    """
    for callback in callbacks:
        if isinstance(callback, keras.callbacks.EarlyStopping) and callback.best_weights is not None:
            return {"best_epoch": callback.best_epoch + 1, "best_val_loss": float(callback.best),
                    "stopped_at_epoch": callback.stopped_epoch + 1 if callback.stopped_epoch else None}
    return None


def _steady_rate(history: Mapping[str, list[float]], per_epoch: int) -> float | None:
    """Images/s over the epochs after the first (which also builds the graph)."""
    seconds = (history.get("seconds") or [])[1:]
    return per_epoch * len(seconds) / sum(seconds) if seconds and sum(seconds) > 0 else None


def train_run(
    folders: Sequence[str | os.PathLike],
    run_dir: str | os.PathLike,
    config: TrainConfig = TrainConfig(),
    *,
    load: LoadConfig = LoadConfig(),
    balance: BalanceConfig = BalanceConfig(),
    split: SplitConfig = SplitConfig(),
    emissions: EmissionsConfig | None = EmissionsConfig(),
    estimate_config: EstimateConfig = EstimateConfig(),
    augment: AugmentConfig = DEFAULT_AUGMENT,
    preprocess: PreprocessConfig = DEFAULT_PREPROCESS,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    strategy: Any = None,
    chief: bool = True,
    long_run: LongRunConfig = LongRunConfig(),
) -> dict[str, Any]:
    """Train PilotNet on recordings with `config.approach` and write the run folder.

    Args:
        folders: recording folders (driving_log.csv + IMG/).
        run_dir: the run folder to create (must not hold a run unless resuming it).
        emissions: where codecarbon measures; None measures time only.
        callbacks: extra Keras callbacks (`long_run` adds checkpoints, early stopping, TensorBoard).
        strategy: a tf.distribute strategy; the model is built in its scope.
        chief: False (a non-chief worker) trains without writing the model, report or emissions;
            it writes only its own backup (`--checkpoint`) and, over the memory budget, its frame file.
        long_run: checkpoints, resume, early stopping, TensorBoard logs.

    Returns:
        The report (also written as report.json when chief).

    Raises:
        RecordingError: unusable recordings. ValueError: an unknown approach, too
        few samples, or a run folder that already holds a run (ResumeError: one
        with an unfinished run and no `long_run.resume`, or nothing to resume).
    """
    approach = get_approach(config.approach)
    worker = worker_shard(strategy)[0]
    first_epoch = check_resume(run_dir, long_run, worker)
    run_dir = check_run_dir(run_dir, long_run.resume) if chief else Path(run_dir)
    before = previous_parts(run_dir, approach.name) if long_run.resume and chief else None
    loaded = load_recordings(folders, load)
    samples = balance_samples(loaded.samples, balance, config.seed) if config.balance else loaded.samples
    parts = split_blocks(samples, split, config.seed)
    if not parts.train:
        raise ValueError("no training samples left after balance and split")
    per_epoch = config.samples_per_epoch or len(parts.train)
    threads = config.threads or default_threads()
    logger.info(
        "%d samples loaded, %d after balance: %d train, %d validation; %d examples per epoch",
        len(loaded.samples), len(samples), len(parts.train), len(parts.validation), per_epoch,
    )

    with tracked(emissions if chief else None, run_dir, f"{approach.name}-prepare") as prepare_phase:
        start = time.perf_counter()
        x_val, y_val = centre_examples(parts.validation, preprocess, threads)
        validation_seconds = time.perf_counter() - start
        context = PrepareContext(
            train=parts.train, config=config, samples_per_epoch=per_epoch, augment=augment,
            preprocess=preprocess, run_dir=run_dir, strategy=strategy,
        )
        prepared = approach.prepare(context)

    keras.utils.set_random_seed(config.seed)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = compile_pilotnet(
            build_pilotnet(preprocess.output_shape, config.seed, config.dropout), config.learning_rate
        )
    validation = (x_val, y_val) if len(x_val) else None  # shared by every approach
    contract = {"approach": approach.name, "seed": config.seed}
    with tracked(emissions if chief else None, run_dir, f"{approach.name}-fit") as fit_phase:
        long_run_extras = long_run_callbacks(
            run_dir, long_run, chief=chief, worker_index=worker, tracker=fit_phase.tracker,
            save=lambda m, path: save_model(m, path, preprocess, extra=contract),
        )
        history = model.fit(
            prepared.x,
            prepared.y,
            epochs=config.epochs,
            validation_data=validation,
            validation_batch_size=config.batch_size if validation is not None else None,
            callbacks=[EpochTimer(), *callbacks, *long_run_extras],
            verbose=config.verbose,
            **prepared.fit_kwargs,
        ).history
    if chief and long_run.backs_up:  # every epoch of every part of the run
        history = run_history(run_dir, history)
    for phase, name in ((prepare_phase, "preparation"), (fit_phase, "training")):
        _add_earlier_parts(phase, (before or {}).get(name))

    restored = _restored_best([*callbacks, *long_run_extras])
    phases = (prepare_phase, fit_phase)
    images_trained = per_epoch * len(history.get("loss", []))
    total_seconds = prepare_phase.seconds + fit_phase.seconds
    energy_kwh = _energy(phases, "energy_kwh")
    measured_watts = mean_watts(energy_kwh, total_seconds)
    measured_country = emissions.country_iso_code if emissions is not None else None
    measured_cloud = (
        (emissions.cloud_provider, emissions.cloud_region or "")
        if emissions is not None and emissions.cloud_provider is not None
        else None
    )
    report: dict[str, Any] = {
        "approach": approach.name,
        "approach_description": approach.description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recordings": [os.fspath(f) for f in folders],
        "samples": {
            "loaded": len(loaded.samples),
            "dropped_rows": len(loaded.problems),
            "after_balance": len(samples),
            "train": len(parts.train),
            "validation": len(parts.validation),
            "per_epoch": per_epoch,
        },
        "epochs": len(history.get("loss", [])),
        "batch_size": config.batch_size,
        "steps_per_epoch": steps_per_epoch(per_epoch, config.batch_size),
        "seed": config.seed,
        "preparation_seconds": prepare_phase.seconds,
        "validation_preparation_seconds": validation_seconds,
        "training_seconds": fit_phase.seconds,
        "total_seconds": total_seconds,
        "images_trained": images_trained,
        "images_per_second": images_trained / fit_phase.seconds if fit_phase.seconds > 0 else None,
        "images_per_second_after_first_epoch": _steady_rate(history, per_epoch),
        "peak_rss_bytes": peak_rss_bytes(),
        "bytes_per_prepared_sample": int(np.prod(preprocess.output_shape)) * np.dtype(np.uint8).itemsize,
        "prepared_bytes": prepared.prepared_bytes,
        "energy_kwh": energy_kwh,
        "co2_kg_measured": _energy(phases, "co2_kg"),
        "co2_kg_estimated": None,
        "phases": {
            "preparation": {"seconds": prepare_phase.seconds, "energy_kwh": prepare_phase.energy_kwh,
                            "co2_kg": prepare_phase.co2_kg},
            "training": {"seconds": fit_phase.seconds, "energy_kwh": fit_phase.energy_kwh,
                         "co2_kg": fit_phase.co2_kg},
        },
        "estimate": estimate(total_seconds, estimate_config, measured_watts, measured_country, measured_cloud),
        "final_loss": _last(history, "loss"),
        "final_val_loss": _last(history, "val_loss"),
        # val_loss of the weights in model.keras: the best epoch's where early stopping restored them
        "model_val_loss": restored["best_val_loss"] if restored else _last(history, "val_loss"),
        "early_stopping": restored,
        "approach_info": prepared.info,
        # parts: this one plus the earlier ones of a resumed run (all counted in the numbers above)
        "parts": 1 + ((before or {}).get("training") or {}).get("parts", 0),
        "resumed_at_epoch": first_epoch if long_run.resume else None,
        "config": {
            "train": asdict(config), "load": asdict(load), "balance": asdict(balance),
            "split": asdict(split), "augment": asdict(augment), "preprocess": preprocess_spec(preprocess),
            "long_run": asdict(long_run),
            "emissions": asdict(emissions) if emissions is not None else None,
        },
        "hardware": hardware(),
        "versions": library_versions(),
    }
    if report["estimate"] is not None:
        report["co2_kg_estimated"] = report["estimate"]["co2_kg"]
    report = json.loads(json.dumps(report))  # returned exactly as written (tuples become lists)
    if chief:
        save_model(model, run_dir / MODEL_FILE, preprocess, extra={**contract, "epochs": report["epochs"]})
        write_history(run_dir / HISTORY_FILE, history)
        plot_loss(run_dir / LOSS_PLOT, history, f"{approach.name}: {report['epochs']} epochs")
        write_report(run_dir / REPORT_FILE, report)
        logger.info("run folder written: %s", run_dir)
    return report
