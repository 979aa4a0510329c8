"""Every setting of one run in one frozen object, kept in the run folder as settings.json.

    settings = RunSettings(train=TrainConfig(epochs=2), split=SplitConfig(block_size=10), emissions=None)
    train_run(["../shared/data/user_windows_2023"], "runs/r", settings)

`bcloning train` builds it from its flags (`bcloning.flags.settings_from_flags`;
each field's `flags` metadata is the prefix of its group of flags). The run writes it
to RUN_DIR/settings.json when it starts; `--resume` compares the settings it is given
with that file and refuses a changed one, naming it, so the parts of a resumed run
are trained the same way (only `--epochs`, where the run ends, may change).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from recorder.atomic import write_json_atomic
from recorder.balance import BalanceConfig
from recorder.loader import LoadConfig
from recorder.split import SplitConfig
from training.augmentation.config import DEFAULT_AUGMENT, AugmentConfig
from training.co2.emissions import EmissionsConfig
from training.co2.estimate import EstimateConfig
from training.config import DrivingEvalConfig, LongRunConfig, TrainConfig
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig
from training.run.folder import SETTINGS_FILE, ResumeError

__all__ = ["RunSettings", "settings_record", "write_settings", "check_same_settings"]

# Settings a resumed part may change: the flag that says it is one, and how many epochs the
# run goes to (`--resume --epochs N` ends it sooner or trains it longer, the same way).
_MAY_CHANGE_ON_RESUME = ("long_run.resume", "train.epochs")


@dataclass(frozen=True)
class RunSettings:
    """Every setting of one run (report.json records them under "config", settings.json in full)."""

    train: TrainConfig = field(default_factory=TrainConfig, metadata={"flags": ""})
    load: LoadConfig = field(default_factory=LoadConfig, metadata={"flags": ""})
    balance: BalanceConfig = field(default_factory=BalanceConfig, metadata={"flags": "balance"})
    split: SplitConfig = field(default_factory=SplitConfig, metadata={"flags": "split"})
    # None: time measured only (--no-emissions)
    emissions: EmissionsConfig | None = field(default_factory=EmissionsConfig, metadata={"flags": "emissions"})
    estimate: EstimateConfig = field(default_factory=EstimateConfig, metadata={"flags": "estimate"})
    long_run: LongRunConfig = field(default_factory=LongRunConfig, metadata={"flags": ""})
    driving: DrivingEvalConfig = field(default_factory=DrivingEvalConfig, metadata={"flags": ""})
    augment: AugmentConfig = field(default=DEFAULT_AUGMENT, metadata={"flags": "augment"})
    preprocess: PreprocessConfig = field(default=DEFAULT_PREPROCESS)  # no flags: the model's contract


def settings_record(settings: RunSettings) -> dict[str, Any]:
    """The settings as plain JSON types (tuples as lists), as settings.json holds them."""
    return json.loads(json.dumps(asdict(settings)))


def write_settings(run_dir: str | os.PathLike, settings: RunSettings) -> Path:
    """Write RUN_DIR/settings.json atomically."""
    path = Path(run_dir) / SETTINGS_FILE
    write_json_atomic(path, settings_record(settings))
    return path


def _first_difference(before: Any, now: Any, name: str = "") -> tuple[str, Any, Any] | None:
    """(dotted name, value before, value now) of the first setting that differs, or None."""
    if isinstance(before, dict) and isinstance(now, dict):
        for key in [*before, *(k for k in now if k not in before)]:
            inner = f"{name}.{key}" if name else key
            if inner in _MAY_CHANGE_ON_RESUME:
                continue
            found = _first_difference(before.get(key), now.get(key), inner)
            if found:
                return found
        return None
    return None if before == now else (name, before, now)


def check_same_settings(run_dir: str | os.PathLike, settings: RunSettings) -> None:
    """Raise ResumeError naming the first setting that differs from the run's settings.json.

    A run folder without settings.json (written by an older version) is not checked.
    """
    path = Path(run_dir) / SETTINGS_FILE
    if not path.is_file():
        return
    found = _first_difference(json.loads(path.read_text(encoding="utf-8")), settings_record(settings))
    if found:
        name, before, now = found
        raise ResumeError(f"{run_dir}: --resume with a changed setting {name}: {json.dumps(before)} in "
                          f"{SETTINGS_FILE}, {json.dumps(now)} now; resume with the run's own settings")
