"""An evaluation's numbers: per world, mean and spread per kind of world, a table and a chart.

The evaluation is a dict (written as evaluation.json) with one entry per model:

    {"config": {...}, "track_seeds": [1, 2, 3], "models": [
        {"model": "runs/mem/model.keras", "label": "mem", "runtime": "keras ...",
         "worlds": [{"world": "replay user_windows_2023", "kind": "replay", "source": "...",
                     "metrics": {...the world's metrics.json...}, "lap_time_s": null, "files": {...}}, ...],
         "summary": {"replay": {"worlds": 2, "autonomy_percent": {"mean", "std", "min", "max"}, ...},
                     "track": {...}, "all": {...}},
         "pooled": {"worlds": 2, "distance_km": 1.74, "interventions_per_km": 30.5, ...}}]}

Spread is the standard deviation over the worlds of one kind (population form:
the worlds are the whole set scored, not a sample of a larger one), with the
smallest and largest value beside it. Replays are also pooled (`pool_replays`):
laps differ in length, so a model's replay figure is its total interventions
over the total km driven, not a mean of per-lap rates, and the lane-centre
offsets are weighted by the decisions where the lane lines were read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evaluation.worlds import REPLAY, TRACK, WorldResult, world_metric
from recorder.atomic import atomic_path
from simulator.metrics import autonomy_percent, interventions_per_km

__all__ = ["SUMMARY_KEYS", "markdown", "plot_evaluation", "pool_replays", "summarise", "world_entry"]

# Metrics summarised over worlds: each world's value, then mean, std, min, max.
SUMMARY_KEYS = ("autonomy_percent", "interventions", "interventions_per_km", "mean_abs_reference_offset_m",
                "max_abs_reference_offset_m", "steering_rms_change", "lap_time_s")
KIND_TITLES = {REPLAY: "replays", TRACK: "tracks", "all": "all worlds"}


def world_entry(result: WorldResult, laps: int) -> dict[str, Any]:
    """One world's row of the evaluation."""
    return {"world": result.world.name, "kind": result.world.kind, "source": result.world.source,
            "metrics": result.metrics, "lap_time_s": result.lap_time_s(laps), "files": result.files}


def _value(entry: dict[str, Any], key: str) -> float | None:
    return entry["lap_time_s"] if key == "lap_time_s" else world_metric(entry["kind"], entry["metrics"], key)


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


def _weighted(pairs: Sequence[tuple[float | None, float]]) -> float | None:
    """Mean of the values weighted by their weights, leaving out None values; None when no weight is left."""
    kept = [(v, w) for v, w in pairs if v is not None and w > 0]
    total = sum(w for _, w in kept)
    return round(sum(v * w for v, w in kept) / total, 4) if total else None


def pool_replays(entries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """One model's replays as one drive: per km and autonomy from the totals; None without replays.

    The mean offset from the recorded path and the steering's rms change are weighted by decisions, the lane-centre
    offsets by the decisions whose view showed both lane lines (car and recorded driver each).
    """
    replays = [e["metrics"] for e in entries if e["kind"] == REPLAY]
    if not replays:
        return None
    distance = sum(m["distance_m"] for m in replays)
    interventions = sum(m["interventions"] for m in replays)
    steps = sum(m["steps"] for m in replays)
    car_weights = [m["steps"] * m.get("lane_measured_percent", 0.0) / 100 for m in replays]
    driver_weights = [m["steps"] * m.get("recorded_lane_measured_percent", 0.0) / 100 for m in replays]
    squares = sum(m["steps"] * m.get("steering_rms_change", 0.0) ** 2 for m in replays)
    return {
        "worlds": len(replays),
        "distance_km": round(distance / 1000, 4),
        "elapsed_s": round(sum(m["elapsed_s"] for m in replays), 3),
        "steps": steps,
        "interventions": interventions,
        "interventions_per_km": round(interventions_per_km(interventions, distance), 3),
        "autonomy_percent": round(autonomy_percent(interventions, sum(m["elapsed_s"] for m in replays)), 3),
        "mean_abs_reference_offset_m": _weighted([(m["mean_abs_path_offset_m"], m["steps"]) for m in replays]),
        "max_abs_reference_offset_m": max(m["max_abs_path_offset_m"] for m in replays),
        "steering_rms_change": round((squares / steps) ** 0.5, 5) if steps else 0.0,
        "mean_abs_lane_offset_m": _weighted([(m.get("mean_abs_lane_offset_m"), w) for m, w in zip(replays, car_weights)]),
        "recorded_mean_abs_lane_offset_m": _weighted(
            [(m.get("recorded_mean_abs_lane_offset_m"), w) for m, w in zip(replays, driver_weights)]),
        "lane_measured_percent": round(100 * sum(car_weights) / steps, 1) if steps else 0.0,
    }


def _number(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def _mean_sd(spread: dict[str, float] | None, fmt: str) -> str:
    return "n/a" if spread is None else f"{spread['mean']:{fmt}} ± {spread['std']:{fmt}}"


# Table columns: header, metric key, number format.
_COLUMNS = (("autonomy %", "autonomy_percent", ".1f"), ("interventions", "interventions", ".0f"),
            ("per km", "interventions_per_km", ".1f"),
            ("mean \\|offset\\| from path or centre line m", "mean_abs_reference_offset_m", ".3f"),
            ("max \\|offset\\| from path or centre line m", "max_abs_reference_offset_m", ".3f"),
            ("steering rms change", "steering_rms_change", ".4f"), ("lap time s", "lap_time_s", ".1f"))


def _lane_cell(metrics: dict[str, Any]) -> str:
    """The mean |offset| from the lane centre: the replayed car's and the recorded driver's (share seen)."""
    car, driver = metrics.get("mean_abs_lane_offset_m"), metrics.get("recorded_mean_abs_lane_offset_m")
    if car is None or driver is None:
        return ""
    return f"{car:.2f} / {driver:.2f} ({metrics['lane_measured_percent']:.0f} %)"


def _replay_note(evaluation: dict[str, Any]) -> str:
    spacings = {e["metrics"].get("spacing_m") for m in evaluation["models"] for e in m["worlds"] if e["kind"] == REPLAY}
    if not spacings:
        return "No replays."
    how = ", ".join("once per recorded frame" if not s else f"every {s:g} m" for s in sorted(spacings, key=lambda s: s or 0))
    return (f"Replays: the offset is from the recorded path (speed as recorded, a decision {how}), "
            f"an intervention is an offset over {evaluation['config']['threshold_m']:g} m. Lane centre: the replayed car's and "
            "the recorded driver's mean offset from the midpoint of the yellow lane lines, over the decisions whose "
            "view shows both (share seen); the recorded path is the driver's, not the lane centre (docs/replay.md).")


def _pooled_row(model: dict[str, Any]) -> str | None:
    pooled = model.get("pooled")
    if pooled is None or pooled["worlds"] < 2:
        return None
    cells = [_number(pooled.get(key), fmt) if key != "lap_time_s" else "" for _, key, fmt in _COLUMNS]
    return (f"| {model['label']} | **{pooled['worlds']} replays pooled ({pooled['distance_km']:.2f} km)** | "
            + " | ".join(cells) + f" | {_lane_cell(pooled)} |")


def markdown(evaluation: dict[str, Any]) -> str:
    """The table: one row per model and world, the replays pooled, mean ± spread over tracks, what it measures."""
    head = ["model", "world", *(c[0] for c in _COLUMNS), "lane centre: car / driver mean \\|offset\\| m (seen)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for model in evaluation["models"]:
        for entry in model["worlds"]:
            cells = [_number(_value(entry, key), fmt) for _, key, fmt in _COLUMNS]
            lane = _lane_cell(entry["metrics"]) if entry["kind"] == REPLAY else ""
            lines.append(f"| {model['label']} | {entry['world']} | " + " | ".join(cells) + f" | {lane} |")
        pooled = _pooled_row(model)
        if pooled is not None:
            lines.append(pooled)
        spread = model["summary"].get(TRACK)
        if spread is not None and spread["worlds"] >= 2:
            cells = [_mean_sd(spread.get(key), fmt if key != "interventions" else ".1f") for _, key, fmt in _COLUMNS]
            lines.append(f"| {model['label']} | **{spread['worlds']} {KIND_TITLES[TRACK]}: mean ± sd** | "
                         + " | ".join(cells) + " |  |")
    cfg = evaluation["config"]
    seeds = evaluation["track_seeds"]
    lines += [
        "",
        "Autonomy = (1 - interventions x 6 s / elapsed time) x 100 % (Bojarski et al. 2016); per km = interventions "
        "per km driven, pooled over the replays as total interventions / total km. Steering rms change: the root mean "
        "square of the change of steering between consecutive decisions (1 = 25 degrees; high = jitter).",
        _replay_note(evaluation),
        (f"Tracks: built-in track seeds {', '.join(map(str, seeds))} (unseen: training track seed "
         f"{cfg['training_track_seed']}), {cfg['laps']} lap(s) each, the offset is the cross-track error, from the centre line, "
         "an intervention is leaving the road; lap time only where every lap was driven.") if seeds else "No tracks.",
        f"Drive server set speed {evaluation['controller']['set_speed']:g} mph (tracks; a replay keeps the recorded speed).",
    ]
    for model in evaluation["models"]:
        lines.append(f"{model['label']}: {model['model']} ({model['runtime']})")
    return "\n".join(lines) + "\n"


def _model_bars(ax: Any, evaluation: dict[str, Any], key: str, ylabel: str) -> None:
    """One bar per model: its pooled replays' `key`; the recorded drivers' lane offset as a line beside it."""
    models = evaluation["models"]
    pooled = [m.get("pooled") or {} for m in models]
    x = np.arange(len(models))
    values = [p.get(key) for p in pooled]
    ax.bar(x, [np.nan if v is None else v for v in values], 0.6, color=[f"C{i}" for i in range(len(models))])
    for i, value in enumerate(values):
        ax.annotate("n/a" if value is None else f"{value:.3g}", (i, 0 if value is None else value),
                    ha="center", va="bottom", fontsize="small")
    if key == "mean_abs_lane_offset_m":
        driver = next((p["recorded_mean_abs_lane_offset_m"] for p in pooled
                       if p.get("recorded_mean_abs_lane_offset_m") is not None), None)
        if driver is not None:
            ax.axhline(driver, color="grey", linestyle="--", linewidth=1, label="recorded drivers")
            ax.legend(fontsize="small")
    ax.set_ylabel(ylabel)
    ax.set_xticks(x, [m["label"] for m in models], rotation=20, ha="right")
    ax.grid(axis="y", alpha=0.3)


def plot_evaluation(evaluation: dict[str, Any], path: str | os.PathLike) -> Path:
    """The models side by side: replays pooled (per km, lane offset, steering change) and autonomy per world."""
    models = evaluation["models"]
    worlds = [e["world"] for e in models[0]["worlds"]]
    fig = Figure(figsize=(max(10.0, 1.0 * len(models) + 1.2 * len(worlds) + 4), 8))
    FigureCanvasAgg(fig)
    (per_km, lane), (smooth, autonomy) = fig.subplots(2, 2)
    _model_bars(per_km, evaluation, "interventions_per_km", "interventions per km")
    per_km.set_title("replays pooled: interventions per km (lower is better)")
    _model_bars(lane, evaluation, "mean_abs_lane_offset_m", "car mean |offset| (m)")
    lane.set_title("replays pooled: distance from the lane centre")
    _model_bars(smooth, evaluation, "steering_rms_change", "steering rms change per decision")
    smooth.set_title("replays pooled: steering jitter (lower is smoother)")
    x = np.arange(len(worlds))
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        autonomy.bar(x - 0.4 + width * (i + 0.5), [e["metrics"]["autonomy_percent"] for e in model["worlds"]],
                     width, label=model["label"], color=f"C{i}")
    autonomy.set_ylabel("autonomy (%)")
    autonomy.set_ylim(0, 105)
    autonomy.set_title("autonomy per world")
    autonomy.set_xticks(x, worlds, rotation=20, ha="right")
    autonomy.legend(fontsize="small")
    autonomy.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    return path
