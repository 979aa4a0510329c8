"""An evaluation's numbers: per world, mean and spread per kind of world, a table and a chart.

The evaluation is a dict (written as evaluation.json) with one entry per model:

    {"config": {...}, "track_seeds": [1, 2, 3], "models": [
        {"model": "runs/mem/model.keras", "label": "mem", "runtime": "keras ...",
         "worlds": [{"world": "replay user_windows_2023", "kind": "replay", "source": "...",
                     "metrics": {...the world's metrics.json...}, "lap_time_s": null, "files": {...}}, ...],
         "summary": {"replay": {"worlds": 2, "autonomy_percent": {"mean", "std", "min", "max"}, ...},
                     "track": {...}, "all": {...}}}]}

Spread is the standard deviation over the worlds of one kind (population form:
the worlds are the whole set scored, not a sample of a larger one), with the
smallest and largest value beside it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from recorder.atomic import atomic_path
from simulator.evaluation.worlds import REPLAY, TRACK, WorldResult

__all__ = ["SUMMARY_KEYS", "markdown", "plot_evaluation", "summarise", "world_entry"]

# Metrics summarised over worlds: each world's value, then mean, std, min, max.
SUMMARY_KEYS = ("autonomy_percent", "interventions", "mean_abs_cte_m", "max_abs_cte_m", "lap_time_s")
KIND_TITLES = {REPLAY: "replays", TRACK: "tracks", "all": "all worlds"}


def world_entry(result: WorldResult, laps: int) -> dict[str, Any]:
    """One world's row of the evaluation."""
    return {"world": result.world.name, "kind": result.world.kind, "source": result.world.source,
            "metrics": result.metrics, "lap_time_s": result.lap_time_s(laps), "files": result.files}


def _value(entry: dict[str, Any], key: str) -> float | None:
    return entry["lap_time_s"] if key == "lap_time_s" else entry["metrics"].get(key)


def _spread(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    return {"mean": round(float(array.mean()), 4), "std": round(float(array.std()), 4),
            "min": round(float(array.min()), 4), "max": round(float(array.max()), 4)}


def summarise(entries: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean and spread of each of `SUMMARY_KEYS` per kind of world ("replay", "track") and over all.

    A kind no world has is left out; lap times count only the tracks whose laps were all driven.
    """
    summary: dict[str, dict[str, Any]] = {}
    for kind in (REPLAY, TRACK, "all"):
        chosen = [e for e in entries if kind in ("all", e["kind"])]
        if chosen:
            summary[kind] = {"worlds": len(chosen)} | {
                key: _spread([v for v in (_value(e, key) for e in chosen) if v is not None]) for key in SUMMARY_KEYS
            }
    return summary


def _number(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def _mean_sd(spread: dict[str, float] | None, fmt: str) -> str:
    return "n/a" if spread is None else f"{spread['mean']:{fmt}} ± {spread['std']:{fmt}}"


# Table columns: header, metric key, number format.
_COLUMNS = (("autonomy %", "autonomy_percent", ".1f"), ("interventions", "interventions", ".0f"),
            ("mean \\|d\\| or \\|cte\\| m", "mean_abs_cte_m", ".3f"), ("max \\|d\\| or \\|cte\\| m", "max_abs_cte_m", ".3f"),
            ("lap time s", "lap_time_s", ".1f"))


def _lane_cell(entry: dict[str, Any]) -> str:
    """A replay's mean |offset| from the lane centre: the replayed car's and the recorded driver's."""
    metrics = entry["metrics"]
    car, driver = metrics.get("mean_abs_lane_offset_m"), metrics.get("recorded_mean_abs_lane_offset_m")
    if entry["kind"] != REPLAY or car is None or driver is None:
        return ""
    return f"{car:.2f} / {driver:.2f} ({metrics['lane_measured_percent']:.0f} %)"


def _replay_note(evaluation: dict[str, Any]) -> str:
    spacings = {e["metrics"].get("spacing_m") for m in evaluation["models"] for e in m["worlds"] if e["kind"] == REPLAY}
    if not spacings:
        return "No replays."
    how = ", ".join("once per recorded frame" if not s else f"every {s:g} m" for s in sorted(spacings, key=lambda s: s or 0))
    return (f"Replays: |d| is the offset from the recorded path (speed as recorded, a decision {how}), "
            f"an intervention is |d| > {evaluation['config']['threshold_m']:g} m. Lane centre: the replayed car's and "
            "the recorded driver's mean offset from the midpoint of the yellow lane lines, over the decisions whose "
            "view shows both (share seen); the recorded path is the driver's, not the lane centre (docs/replay.md).")


def markdown(evaluation: dict[str, Any]) -> str:
    """The table: one row per model and world, then mean ± spread per kind of world, and what it measures."""
    head = ["model", "world", *(c[0] for c in _COLUMNS), "lane centre: car / driver mean \\|offset\\| m (seen)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for model in evaluation["models"]:
        for entry in model["worlds"]:
            cells = [_number(_value(entry, key), fmt) for _, key, fmt in _COLUMNS]
            lines.append(f"| {model['label']} | {entry['world']} | " + " | ".join(cells) + f" | {_lane_cell(entry)} |")
        for kind, spread in model["summary"].items():
            if kind == "all" or spread["worlds"] < 2:
                continue
            cells = [_mean_sd(spread[key], fmt if key != "interventions" else ".1f") for _, key, fmt in _COLUMNS]
            lines.append(f"| {model['label']} | **{spread['worlds']} {KIND_TITLES[kind]}: mean ± sd** | "
                         + " | ".join(cells) + " |  |")
    cfg = evaluation["config"]
    seeds = evaluation["track_seeds"]
    lines += [
        "",
        "Autonomy = (1 - interventions x 6 s / elapsed time) x 100 % (Bojarski et al. 2016).",
        _replay_note(evaluation),
        (f"Tracks: built-in track seeds {', '.join(map(str, seeds))} (unseen: training track seed "
         f"{cfg['training_track_seed']}), {cfg['laps']} lap(s) each, |cte| is the offset from the centre line, "
         "an intervention is leaving the road; lap time only where every lap was driven.") if seeds else "No tracks.",
        f"Drive server set speed {evaluation['controller']['set_speed']:g} mph (tracks; a replay keeps the recorded speed).",
    ]
    for model in evaluation["models"]:
        lines.append(f"{model['label']}: {model['model']} ({model['runtime']})")
    return "\n".join(lines) + "\n"


def plot_evaluation(evaluation: dict[str, Any], path: str | os.PathLike) -> Path:
    """Autonomy and mean/max |d| or |cte| per world, one bar per model; written atomically."""
    models = evaluation["models"]
    worlds = [e["world"] for e in models[0]["worlds"]]
    x = np.arange(len(worlds))
    width = 0.8 / len(models)
    fig = Figure(figsize=(max(8.0, 1.2 * len(worlds) + 3), 7))
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for i, model in enumerate(models):
        offset = x - 0.4 + width * (i + 0.5)
        autonomy = [e["metrics"]["autonomy_percent"] for e in model["worlds"]]
        mean_dev = [e["metrics"]["mean_abs_cte_m"] for e in model["worlds"]]
        max_dev = [e["metrics"]["max_abs_cte_m"] for e in model["worlds"]]
        top.bar(offset, autonomy, width, label=model["label"])
        bars = bottom.bar(offset, mean_dev, width, label=f"{model['label']} mean")
        bottom.scatter(offset, max_dev, marker="_", s=200, color=bars.patches[0].get_facecolor(),
                       label=f"{model['label']} max")
    top.set_ylabel("autonomy (%)")
    top.set_ylim(0, 105)
    top.set_title("closed-loop driving per world")
    top.legend(fontsize="small")
    bottom.set_ylabel("|d| (replays) or |cte| (tracks), m")
    bottom.axhline(evaluation["config"]["threshold_m"], color="grey", linestyle=":", linewidth=1,
                   label="replay intervention threshold")
    bottom.legend(fontsize="small", ncol=2)
    bottom.set_xticks(x, worlds, rotation=20, ha="right")
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    return path
