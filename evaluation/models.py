"""Scoring model files in closed loop: each served by a real drive server, driven in every world.

    evaluation = evaluate_models(["runs/mem/model.keras"], ["../shared/data/user_windows_2023"],
                                 EvaluationConfig(tracks=5), ControllerConfig(), "eval")

This is the module of the evaluation that imports the agent: it hosts the drive
server (`agent.create_app`, as scripts/drive.py does) in this process on a free
port of 127.0.0.1, and the worlds reach it only through the wire, as the Unity
simulator would. Models load through `agent.runtimes.load_steering`, the one
loader of every format (.keras, .onnx, .tflite), checking each contract first so
that a bad second model fails before the first is driven.

Output folder:

    OUT/
      evaluation.json   every model x world: metrics, lap time, files; mean and spread per kind
      evaluation.md     the table printed by scripts/evaluate.py
      evaluation.png    the models side by side: replays pooled (per km, lane offset, steering change), autonomy per world
      <model label>/<world>/metrics.json and the world's plots (path.png ... or deviation.png ...)

and, for a model that lives in a training run folder (one with report.json),
`RUN_DIR/driving.json` names this evaluation and holds the model's summary, so
scripts/compare.py can show each run's closed-loop autonomy beside its CO2.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agent import ControllerConfig, PIController, ServerConfig, create_app
from agent.runtimes import load_steering
from evaluation.report import (
    markdown,
    plot_evaluation,
    pool_replays,
    summarise,
    world_entry,
)
from evaluation.worlds import (
    EvaluationConfig,
    World,
    drive_world,
    plan_worlds,
)
from recorder.atomic import write_json_atomic, write_text_atomic
from simulator.record import FolderNotEmptyError
from training.contract import read_contract
from training.preprocess import Preprocessing
from training.run.folder import DRIVING_FILE, MODEL_FILE, REPORT_FILE

__all__ = [
    "EVALUATION_JSON",
    "EVALUATION_PLOT",
    "EVALUATION_TABLE",
    "LOCALHOST",
    "check_evaluation_dir",
    "drive_model",
    "evaluate_models",
    "serving",
]

logger = logging.getLogger(__name__)

EVALUATION_JSON = "evaluation.json"
EVALUATION_TABLE = "evaluation.md"
EVALUATION_PLOT = "evaluation.png"
# The drive server listens here only: evaluation traffic never leaves the machine.
LOCALHOST = "127.0.0.1"


@contextlib.contextmanager
def serving(model: Any, preprocess: Preprocessing, controller: ControllerConfig) -> Iterator[int]:
    """A real drive server for `model` (a steering runtime or a Keras model) on a free local port; yields the port."""
    server = create_app(ServerConfig(host=LOCALHOST, port=0, stats_interval_s=0), model,
                        PIController(controller), None, preprocess)
    with server:
        yield server.port


def drive_model(
    model: Any,
    preprocess: Preprocessing,
    worlds: Sequence[World],
    config: EvaluationConfig,
    controller: ControllerConfig = ControllerConfig(),
    out_dir: str | os.PathLike | None = None,
    progress: tqdm | None = None,
) -> list[dict[str, Any]]:
    """Serve `model` and drive it in every world; one `world_entry` per world.

    Args:
        out_dir: each world's files go to `out_dir/<world>/`; None writes nothing.
        progress: a tqdm bar advanced by one per world (None: no bar).

    Raises:
        WireError: the drive server broke the protocol or stopped answering.
    """
    entries = []
    with serving(model, preprocess, controller) as port:
        for world in worlds:
            out = None if out_dir is None else Path(out_dir) / world.folder_name
            entries.append(world_entry(drive_world(world, LOCALHOST, port, config, out, progress is not None),
                                       config.laps))
            if progress is not None:
                progress.update()
    return entries


def _labels(models: Sequence[Path]) -> list[str]:
    """Short unique names: the folder of a `model.keras` (a run folder, a peer's), else `folder/file`."""
    labels: list[str] = []
    for path in models:
        folder = path.resolve().parent.name
        base = folder if path.name == MODEL_FILE else f"{folder}/{path.name}"
        label, n = base, 2
        while label in labels:
            label, n = f"{base}#{n}", n + 1
        labels.append(label)
    return labels


def check_evaluation_dir(out_dir: str | os.PathLike) -> Path:
    """The output folder, created; refused if it is a file or already holds an evaluation.

    Raises:
        FolderNotEmptyError: as said.
    """
    out = Path(out_dir)
    if (out / EVALUATION_JSON).exists():
        raise FolderNotEmptyError(f"{out} already holds an evaluation ({EVALUATION_JSON}); choose a new --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise FolderNotEmptyError(f"{out}: cannot be a folder ({exc.strerror}); choose another --out") from None
    return out


def _point_run_folder(model: dict[str, Any], evaluation_json: Path, created: str) -> Path | None:
    """Write or update RUN_DIR/driving.json for a model saved in a training run folder."""
    path = Path(model["model"])
    run_dir = path.parent
    if not (run_dir / REPORT_FILE).is_file():
        return None
    pointer = run_dir / DRIVING_FILE
    known: dict[str, Any] = {}
    if pointer.is_file():
        with contextlib.suppress(ValueError, OSError, AttributeError):  # an unreadable old pointer is replaced
            known = json.loads(pointer.read_text(encoding="utf-8")).get("models", {})
    known[path.name] = {"evaluation": str(evaluation_json.resolve()), "created": created, "summary": model["summary"]}
    return write_json_atomic(pointer, {"models": known})


def evaluate_models(
    models: Sequence[str | os.PathLike],
    recordings: Sequence[str | os.PathLike],
    config: EvaluationConfig,
    controller: ControllerConfig,
    out_dir: str | os.PathLike,
    progress: bool = False,
) -> dict[str, Any]:
    """Drive every model in every world; write evaluation.json, .md, .png and the run folders' driving.json.

    Returns:
        The evaluation, as written to evaluation.json (plus "files": what was written).

    Raises:
        ValueError: no world, a recording or --out that cannot be used (FolderNotEmptyError),
            a model whose file or contract is unusable (ModelContractError).
        RecordingError: a recording that cannot be replayed.
        WireError: a drive server that broke the protocol or stopped answering.
    """
    paths = [Path(m) for m in models]
    if not paths:
        raise ValueError("no model given")
    worlds = plan_worlds(recordings, config)
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        read_contract(path)  # every contract before the first (slow) drive
    out = check_evaluation_dir(out_dir)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    entries = []
    with tqdm(total=len(paths) * len(worlds), unit="world", desc="evaluating", disable=not progress) as bar:
        for path, label in zip(paths, _labels(paths)):
            bar.set_postfix(model=label, refresh=True)
            steering, contract = load_steering(path)
            worlds_done = drive_model(steering, contract.preprocess, worlds, config, controller,
                                      out / label.replace("/", "_"), bar if progress else None)
            entries.append({"model": str(path), "label": label,
                            "runtime": f"{steering.runtime} ({steering.runtime_version})",
                            "worlds": worlds_done, "summary": summarise(worlds_done),
                            "pooled": pool_replays(worlds_done)})
    evaluation: dict[str, Any] = {
        "created": created, "config": asdict(config), "controller": asdict(controller),
        "track_seeds": list(config.track_seeds), "recordings": [str(r) for r in recordings], "models": entries,
    }
    files = {"json": out / EVALUATION_JSON, "table": out / EVALUATION_TABLE, "plot": out / EVALUATION_PLOT}
    write_text_atomic(files["table"], markdown(evaluation))
    plot_evaluation(evaluation, files["plot"])
    write_json_atomic(files["json"], evaluation)
    for model in entries:
        try:
            pointer = _point_run_folder(model, files["json"], created)
        except OSError as exc:  # a read-only run folder: the evaluation itself is written
            logger.warning("cannot write %s beside %s: %s", DRIVING_FILE, model["model"], exc)
            continue
        if pointer is not None:
            files[f"run folder {model['label']}"] = pointer
    return {**evaluation, "files": {k: str(v) for k, v in files.items()}}
