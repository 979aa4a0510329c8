"""Choosing checkpoints by how they drive: closed-loop scores every N epochs of training.

    python scripts/train.py DATA --epochs 10 --eval-every 2 --eval-recordings ../shared/data/user_windows_2023 --out runs/p

Validation loss is per frame; whether a model keeps the car on the road is a
closed-loop question, and the two need not agree (issue 12). Every `eval_every`
epochs, and after the last one, the current weights are served by a real drive
server on a free port of 127.0.0.1 and driven over the simulator's wire
protocol in the replays of `eval_recordings` and on `eval_tracks` unseen
built-in tracks (`evaluation`, the code of scripts/evaluate.py). The
epoch with the highest mean autonomy over those worlds (ties, such as 0 % where
every world has an intervention every 6 s or more often: fewer interventions,
then the lower mean |offset| from the reference line) is saved as RUN_DIR/best_driving.keras with its contract
(best_driving.json); report.json's "driving_eval" lists every scored epoch and
the best, and driving_eval.png draws autonomy beside val_loss per epoch.
Each score is also kept in RUN_DIR/driving_eval.json as it is made, so a run
resumed after a kill (`--resume`) compares against the epochs scored before it.

`bcloning train` builds this callback and hands it to `training.run.train.train_run`
among its `callbacks`: training itself never imports the simulator or this package.
Scoring runs inside `fit`, so the run's training time and energy include it;
"driving_eval.seconds" in report.json says how much.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras

from evaluation.models import drive_model
from evaluation.report import pool_replays, summarise
from evaluation.worlds import EvaluationConfig, plan_worlds, world_metric
from recorder.atomic import atomic_path, write_json_atomic
from training.config import DrivingEvalConfig, TrainConfig
from training.model_file import save_model
from training.precision import float32_copy
from training.preprocess import PreprocessConfig
from training.run.folder import BEST_DRIVING_FILE
from training.run.train import model_contract

__all__ = ["DRIVING_EVAL_FILE", "DRIVING_EVAL_PLOT", "DrivingEval", "checkpoint_scorer", "plot_scores", "rank"]

logger = logging.getLogger(__name__)

DRIVING_EVAL_PLOT = "driving_eval.png"
DRIVING_EVAL_FILE = "driving_eval.json"
# Per-world metrics kept in the report for each scored epoch.
_WORLD_KEYS = ("autonomy_percent", "interventions", "interventions_per_km", "mean_abs_reference_offset_m",
               "max_abs_reference_offset_m", "steering_rms_change")


class DrivingEval(keras.callbacks.Callback):
    """Scores the model in closed loop every `eval_every` epochs; keeps the best as best_driving.keras."""

    def __init__(self, config: DrivingEvalConfig, run_dir: str | os.PathLike, preprocess: PreprocessConfig,
                 save: Callable[[keras.Model, Path, int], Any], resume: bool = False) -> None:
        """Plan the worlds (checked now, before any training).

        Args:
            save: `save(model, path, epoch)` writes a model with its contract.
            resume: go on from the scores an earlier part of the run left in driving_eval.json.

        Raises:
            ValueError: a recording folder without a driving_log.csv.
        """
        super().__init__()
        self.config = config
        self.run_dir = Path(run_dir)
        self.preprocess = preprocess
        self.save = save
        self.evaluation = EvaluationConfig(tracks=config.eval_tracks)
        self.worlds = plan_worlds(config.eval_recordings, self.evaluation)
        self.scored: list[dict[str, Any]] = []  # one record per scored epoch
        self.best: dict[str, Any] | None = None
        self.seconds = 0.0
        record = self.run_dir / DRIVING_EVAL_FILE
        if resume and record.is_file():
            earlier = json.loads(record.read_text(encoding="utf-8"))
            self.scored, self.best, self.seconds = earlier["scored"], earlier["best"], earlier["seconds"]

    def _due(self, number: int) -> bool:
        return number % self.config.eval_every == 0 or number == self.params.get("epochs")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        number = epoch + 1
        if not self._due(number):
            return
        start = time.perf_counter()
        # the float32 model best_driving.keras would hold, not the mixed-precision one training
        entries = drive_model(float32_copy(self.model), self.preprocess, self.worlds, self.evaluation)
        overall, pooled = summarise(entries)["all"], pool_replays(entries)
        record = {
            "epoch": number,
            "val_loss": None if (logs or {}).get("val_loss") is None else float(logs["val_loss"]),
            "autonomy_percent": overall["autonomy_percent"]["mean"],
            "mean_abs_reference_offset_m": overall["mean_abs_reference_offset_m"]["mean"],
            "interventions": int(sum(e["metrics"]["interventions"] for e in entries)),
            "replay_interventions_per_km": None if pooled is None else pooled["interventions_per_km"],
            "worlds": {e["world"]: {key: world_metric(e["kind"], e["metrics"], key) for key in _WORLD_KEYS}
                       for e in entries},
        }
        self.scored.append(record)
        better = self.best is None or rank(record) > rank(self.best)
        if better:
            self.best = record
            self.save(self.model, self.run_dir / BEST_DRIVING_FILE, number)
        self.seconds += time.perf_counter() - start
        write_json_atomic(self.run_dir / DRIVING_EVAL_FILE,
                          {"scored": self.scored, "best": self.best, "seconds": self.seconds})
        logger.info("epoch %d drives with autonomy %.1f %%, mean |offset| from the reference line %.3f m, "
                    "%d interventions%s (%.1f s)", number, record["autonomy_percent"],
                    record["mean_abs_reference_offset_m"], record["interventions"],
                    ": best so far, saved" if better else "", time.perf_counter() - start)

    def summary(self) -> dict[str, Any]:
        """report.json's "driving_eval": the worlds, every scored epoch and the best."""
        best = None if self.best is None else {"file": BEST_DRIVING_FILE, **self.best}
        return {"every": self.config.eval_every, "worlds": [w.name for w in self.worlds],
                "track_seeds": list(self.evaluation.track_seeds), "threshold_m": self.evaluation.threshold_m,
                "seconds": round(self.seconds, 3), "scored": self.scored, "best": best}

    def finish_run(self, run_dir: Path) -> dict[str, Any]:
        """At the run's end: draw driving_eval.png into the run folder; return report.json's "driving_eval"."""
        self.plot(run_dir / DRIVING_EVAL_PLOT)
        return {"driving_eval": self.summary()}

    def plot(self, path: str | os.PathLike) -> Path | None:
        """Autonomy and val_loss per scored epoch (driving_eval.png); None before any epoch was scored."""
        if not self.scored:
            return None
        return plot_scores(self.scored, path)


def checkpoint_scorer(driving: DrivingEvalConfig, run_dir: str | os.PathLike, config: TrainConfig,
                      preprocess: PreprocessConfig, resume: bool) -> DrivingEval | None:
    """The closed-loop scoring callback of a run, None where `driving` scores nothing.

    Build it on the chief only (it writes best_driving.keras) and before the run loads its
    data, so that a bad evaluation recording fails at once.
    """
    if not driving.enabled:
        return None
    contract = model_contract(config)
    return DrivingEval(driving, run_dir, preprocess,
                       lambda m, path, epoch: save_model(m, path, preprocess, extra={**contract, "epochs": epoch}),
                       resume=resume)


def rank(record: dict[str, Any]) -> tuple[float, int, float]:
    """Larger drives better: autonomy, then fewer interventions, then a smaller mean |offset| from the reference line."""
    return record["autonomy_percent"], -record["interventions"], -record["mean_abs_reference_offset_m"]


def plot_scores(scored: Sequence[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Autonomy (left axis) and val_loss (right axis) of each scored epoch, written atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    epochs = [r["epoch"] for r in scored]
    ax.plot(epochs, [r["autonomy_percent"] for r in scored], marker="o", color="tab:green", label="autonomy")
    ax.set_xlabel("epoch")
    ax.set_ylabel("closed-loop autonomy (%)", color="tab:green")
    ax.set_ylim(0, 105)
    losses = [(r["epoch"], r["val_loss"]) for r in scored if r["val_loss"] is not None]
    if losses:
        right = ax.twinx()
        right.plot(*zip(*losses), marker="s", color="tab:blue", label="val_loss")
        right.set_ylabel("val_loss (MSE)", color="tab:blue")
    ax.set_title("does validation loss predict driving?")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    return path
