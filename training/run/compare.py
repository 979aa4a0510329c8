"""Comparing training runs in the paper's form: time, energy, CO2, and the ratios.

The baseline is the `generator` run (the paper's approach 1) where there is one,
otherwise the first run given; every other run is "N x faster" and "P % less
CO2" than it. Validation loss sits beside the costs, so speed bought with
quality shows, and runs trained with different settings are flagged. Runs can
also be estimated for another device and grid (e.g. a cloud GPU like the
paper's) from their measured times. Where scripts/evaluate.py has scored a
run's model.keras (RUN_DIR/driving.json), its closed-loop autonomy on replays
and on built-in tracks sits beside the costs: what each approach's CO2 buys in driving.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recorder.atomic import atomic_path, write_json_atomic, write_text_atomic
from training.co2.emissions import mean_watts
from training.co2.estimate import EstimateConfig, estimate
from training.run.folder import (
    DRIVING_FILE,
    MODEL_FILE,
    REPORT_FILE,
    RunFolderError,
    read_report,
)
from training.run.report import number_or_na

__all__ = [
    "COMPARISON_JSON",
    "COMPARISON_PLOT",
    "COMPARISON_TABLE",
    "FAIRNESS_KEYS",
    "PAPER",
    "compare",
    "differences",
    "driving",
    "markdown",
    "rows",
]

COMPARISON_TABLE = "comparison.md"
COMPARISON_PLOT = "comparison.png"
COMPARISON_JSON = "comparison.json"
BASELINE_APPROACH = "generator"
# report.json fields a comparison row reads (training.run.train.train_run writes them all).
REPORT_FIELDS = ("epochs", "samples", "batch_size", "preparation_seconds", "training_seconds", "total_seconds",
                 "images_per_second", "energy_kwh", "final_val_loss", "peak_rss_bytes")
# Row fields that must be equal for the ratios to compare approaches (issue: a fair comparison).
FAIRNESS_KEYS = ("epochs", "samples_per_epoch", "batch_size", "seed", "train_samples", "validation_samples")

# Sevilla Martínez et al. 2023 (abstract): cloud GPU, generator vs in-RAM approach.
PAPER = {"speedup": 38.0, "co2_reduction_percent": 96.0, "co2_kg_generator": 0.1643, "co2_kg_in_memory": 0.007}


def _co2(report: dict[str, Any]) -> tuple[float | None, str]:
    if report.get("co2_kg_measured") is not None:
        return report["co2_kg_measured"], "measured"
    return report.get("co2_kg_estimated"), "estimated"


def _estimate_other(report: dict[str, Any], other: EstimateConfig) -> dict[str, Any] | None:
    """The run's measured time estimated for another device and/or grid."""
    seconds = report["total_seconds"]
    watts = mean_watts(report.get("energy_kwh") or None, seconds or 0)  # 0 kWh: nothing measured
    where = (report.get("config") or {}).get("emissions") or {}
    cloud = (where["cloud_provider"], where["cloud_region"]) if where.get("cloud_provider") else None
    return estimate(seconds, other, watts, where.get("country_iso_code"), cloud)


def _complete(run_dir: Path, report: dict[str, Any]) -> dict[str, Any]:
    """`report` if it has every field a row needs; RunFolderError naming the file and field."""
    missing = [key for key in REPORT_FIELDS if key not in report]
    samples = report.get("samples", {})
    if not isinstance(samples, dict) or "per_epoch" not in samples:
        missing.append("samples.per_epoch")
    if missing:
        raise RunFolderError(f"{run_dir / REPORT_FILE}: not a complete training report (no {', '.join(missing)})")
    return report


def driving(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The closed-loop summary of the run's model.keras from RUN_DIR/driving.json, or None if not evaluated.

    Returns:
        {"replay_autonomy_percent", "track_autonomy_percent" (mean over those worlds, None where
        there were none), "evaluation": the evaluation.json it came from}.

    Raises:
        RunFolderError: a driving.json that cannot be read.
    """
    path = Path(run_dir) / DRIVING_FILE
    if not path.is_file():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["models"].get(MODEL_FILE)
        if entry is None:
            return None
        summary = entry["summary"]
        autonomy = {kind: (summary.get(kind) or {}).get("autonomy_percent") for kind in ("replay", "track")}
        return {f"{kind}_autonomy_percent": None if value is None else value["mean"]
                for kind, value in autonomy.items()} | {"evaluation": entry["evaluation"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RunFolderError(f"{path}: unreadable closed-loop summary ({exc!r:.80}); "
                             "delete it or evaluate the run again") from None


def rows(
    run_dirs: Sequence[str | os.PathLike], other: EstimateConfig | None = None
) -> list[dict[str, Any]]:
    """One row per run with its costs and its ratios to the baseline run."""
    reports = [(Path(d), _complete(Path(d), read_report(d))) for d in run_dirs]
    baseline_index = next((i for i, (_, r) in enumerate(reports) if r["approach"] == BASELINE_APPROACH), 0)
    base = reports[baseline_index][1]
    base_co2, _ = _co2(base)
    table = []
    for run_dir, report in reports:
        co2, co2_kind = _co2(report)
        row = {
            "run": str(run_dir),
            "approach": report["approach"],
            # the Keras dtype policy trained under (reports before --precision: float32)
            "precision": (report.get("precision") or {}).get("policy", "float32"),
            "baseline": report is base,
            "epochs": report["epochs"],
            "samples_per_epoch": report["samples"]["per_epoch"],
            "batch_size": report["batch_size"],
            "seed": report.get("seed"),
            "train_samples": report["samples"].get("train"),
            "validation_samples": report["samples"].get("validation"),
            "preparation_seconds": report["preparation_seconds"],
            "training_seconds": report["training_seconds"],
            "total_seconds": report["total_seconds"],
            "images_per_second": report["images_per_second"],
            "energy_kwh": report["energy_kwh"],
            "co2_kg": co2,
            "co2_kind": co2_kind,
            # the saved model's (best epoch's under early stopping); older reports: the last epoch's
            "final_val_loss": report.get("model_val_loss", report["final_val_loss"]),
            "peak_rss_bytes": report["peak_rss_bytes"],
            "speedup": base["total_seconds"] / report["total_seconds"] if report["total_seconds"] else None,
            "co2_reduction_percent": (
                100.0 * (1.0 - co2 / base_co2) if co2 is not None and base_co2 else None
            ),
            "driving": driving(run_dir),
        }
        if other is not None:
            row["other_estimate"] = _estimate_other(report, other)
        table.append(row)
    return table


def differences(table: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The settings that make runs comparable (see `FAIRNESS_KEYS`) on which they differ.

    Ratios between runs with different epochs, examples per epoch, batch size,
    seed or data measure the settings, not the approaches.
    """
    return {
        key: [row[key] for row in table]
        for key in FAIRNESS_KEYS
        if len({row[key] for row in table}) > 1
    }


def markdown(table: list[dict[str, Any]], other: EstimateConfig | None = None) -> str:
    """The comparison as a Markdown table, with the paper's figures beside ours."""
    head = ["approach", "precision", "prep s", "train s", "total s", "images/s", "energy kWh", "CO2 kg",
            "val loss", "vs baseline"]
    if other is not None:
        head.append(f"CO2 kg est. {other.device}")
    evaluated = any(row.get("driving") for row in table)
    if evaluated:
        head += ["autonomy % replays", "autonomy % tracks"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table:
        if row["baseline"]:
            ratio = "baseline"
        else:
            ratio = (f"{number_or_na(row['speedup'], '.1f')} x faster, "
                     f"{number_or_na(row['co2_reduction_percent'], '.0f')} % less CO2")
        cells = [
            row["approach"],
            row["precision"],
            number_or_na(row["preparation_seconds"], ".1f"),
            number_or_na(row["training_seconds"], ".1f"),
            number_or_na(row["total_seconds"], ".1f"),
            number_or_na(row["images_per_second"], ".0f"),
            number_or_na(row["energy_kwh"], ".3g"),
            f"{number_or_na(row['co2_kg'], '.3g')} ({row['co2_kind']})",
            number_or_na(row["final_val_loss"], ".4f"),
            ratio,
        ]
        if other is not None:
            cells.append(number_or_na((row.get("other_estimate") or {}).get("co2_kg"), ".3g"))
        if evaluated:
            cells += [number_or_na((row.get("driving") or {}).get(f"{kind}_autonomy_percent"), ".1f")
                      for kind in ("replay", "track")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Paper (Sevilla Martínez et al. 2023, cloud GPU): {PAPER['speedup']:.0f} x faster, "
        f"{PAPER['co2_reduction_percent']:.0f} % less CO2 ({PAPER['co2_kg_generator']} kg -> "
        f"{PAPER['co2_kg_in_memory']} kg).",
    ]
    if evaluated:
        lines.append("Autonomy: closed loop, mean over the replays and over the built-in tracks of each run's "
                     f"latest scripts/evaluate.py evaluation of its {MODEL_FILE} (RUN_DIR/{DRIVING_FILE}).")
    unfair = differences(table)
    if unfair:
        lines.append(
            "Warning: not a fair comparison, the runs differ in "
            + "; ".join(f"{key} ({', '.join(map(str, values))})" for key, values in unfair.items())
            + "."
        )
    if other is not None and table and table[0].get("other_estimate"):
        est = table[0]["other_estimate"]
        lines.append(
            f"Estimated for {est['device']} ({est['power_watts']:.0f} W, {est['power_source']}) at "
            f"{est['intensity_g_per_kwh']:.0f} g/kWh ({est['intensity_where']}, {est['intensity_source']}), "
            f"PUE {est['pue']}, from each run's measured time."
        )
    return "\n".join(lines) + "\n"


def _plot_autonomy(ax: Any, table: list[dict[str, Any]]) -> None:
    """Closed-loop autonomy per run: replays and tracks side by side (missing: no bar)."""
    x = np.arange(len(table))
    for offset, kind in ((-0.2, "replay"), (0.2, "track")):
        values = [(row.get("driving") or {}).get(f"{kind}_autonomy_percent") for row in table]
        ax.bar(x + offset, [np.nan if v is None else v for v in values], 0.4, label=f"{kind}s")
    ax.set_xticks(x, _names(table))
    ax.set_ylim(0, 125)  # room for the legend above 100 %
    ax.set_ylabel("autonomy (%)")
    ax.set_title("closed-loop autonomy")
    ax.legend(loc="upper center", ncol=2)


def _names(table: list[dict[str, Any]]) -> list[str]:
    """A bar label per run: the approach, with its precision where that is not float32 (then
    a float32 and a bfloat16 run of the same approach get two bars, not one)."""
    return [row["approach"] + ("" if row["precision"] == "float32" else f" {row['precision']}") for row in table]


def _plot(table: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = _names(table)
    evaluated = any(row.get("driving") for row in table)
    fig, axes = plt.subplots(1, 4 if evaluated else 3, figsize=(16 if evaluated else 12, 4))
    prep = [row["preparation_seconds"] for row in table]
    train = [row["training_seconds"] for row in table]
    axes[0].bar(names, prep, label="preparation")
    axes[0].bar(names, train, bottom=prep, label="training")
    axes[0].set_ylabel("seconds")
    axes[0].set_title("time")
    axes[0].legend()
    axes[1].bar(names, [row["energy_kwh"] or 0.0 for row in table], color="tab:orange")
    axes[1].set_ylabel("kWh")
    axes[1].set_title("energy (measured)")
    axes[2].bar(names, [row["co2_kg"] or 0.0 for row in table], color="tab:green")
    axes[2].set_ylabel("kg CO2eq")
    axes[2].set_title("CO2")
    if evaluated:
        _plot_autonomy(axes[3], table)
    for ax in axes:
        ax.tick_params(axis="x", rotation=20)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def compare(
    run_dirs: Sequence[str | os.PathLike], out_dir: str | os.PathLike, other: EstimateConfig | None = None
) -> dict[str, Path]:
    """Write comparison.md, comparison.png and comparison.json into `out_dir`.

    Raises:
        RunFolderError: a run folder without a usable report.json.
    """
    if not run_dirs:
        raise ValueError("no run folder given")
    table = rows(run_dirs, other)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"table": out / COMPARISON_TABLE, "plot": out / COMPARISON_PLOT, "json": out / COMPARISON_JSON}
    write_text_atomic(paths["table"], markdown(table, other))
    _plot(table, paths["plot"])
    write_json_atomic(paths["json"], {"runs": table, "paper": PAPER, "differences": differences(table)})
    return paths
