"""Statistics of a data set, a JSON-able report, and the steering histogram PNG.

The histogram shows steering before and after balancing in the same bins, so a
user sees at a glance how much straight driving was capped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from recorder.atomic import atomic_path
from recorder.loader import LoadResult
from recorder.problems import Problem
from recorder.sample import Sample
from recorder.split import Split

__all__ = ["summary", "build_report", "row_ranges", "rows_by_reason", "save_steering_histogram"]

# Steering this close to 0 counts as "zero" (the simulator writes exact 0 for no key pressed).
ZERO_STEERING = 1e-6
# Problems listed one by one in a report; the rest are only counted.
REPORT_PROBLEMS = 200


def _describe(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"min": None, "max": None, "mean": None, "std": None}
    return {
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "std": float(values.std()),
    }


def summary(samples: Sequence[Sample]) -> dict[str, Any]:
    """Counts, steering/throttle/brake/speed summary, zero-steering share, per-session counts."""
    steering = np.array([s.steering for s in samples], dtype=np.float64)
    sessions: dict[str, int] = {}
    for sample in samples:
        sessions[sample.session] = sessions.get(sample.session, 0) + 1
    return {
        "count": len(samples),
        "steering": _describe(steering),
        "throttle": _describe(np.array([s.throttle for s in samples], dtype=np.float64)),
        "brake": _describe(np.array([s.brake for s in samples], dtype=np.float64)),
        "speed": _describe(np.array([s.speed for s in samples], dtype=np.float64)),
        "zero_steering_share": float(np.mean(np.abs(steering) < ZERO_STEERING)) if samples else None,
        "side_cameras_share": float(np.mean([s.has_side_cameras for s in samples])) if samples else None,
        "sessions": sessions,
    }


def row_ranges(rows: Sequence[int]) -> str:
    """Compact row list for humans: [197, 200, 201, 202] -> "197, 200-202"."""
    parts: list[str] = []
    ordered = sorted(set(rows))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = i
    return ", ".join(parts)


def rows_by_reason(problems: Sequence[Problem]) -> dict[str, dict[str, str]]:
    """Every dropped row, as compact ranges per reason and log file."""
    grouped: dict[str, dict[str, list[int]]] = {}
    for problem in problems:
        grouped.setdefault(problem.reason, {}).setdefault(str(problem.log_file), []).append(problem.row)
    return {reason: {f: row_ranges(rows) for f, rows in files.items()} for reason, files in grouped.items()}


def build_report(
    result: LoadResult,
    balanced: Sequence[Sample] | None = None,
    split: Split | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The inspect report: what was read, what was dropped and why, statistics.

    Args:
        result: what `load_recordings` returned.
        balanced: the samples after `balance`, if balancing was done.
        split: the block split of the balanced samples, if done.
        settings: the configs used, recorded so the report can be reproduced.
    """
    problems: list[Problem] = result.problems
    report: dict[str, Any] = {
        "sessions": {
            name: {
                "log_file": str(result.log_files.get(name, "")),
                "exclusions_file": str(result.exclusion_files[name]) if name in result.exclusion_files else None,
                "usable": count,
            }
            for name, count in result.sessions.items()
        },
        "rows_read": result.rows_read,
        "usable": len(result.samples),
        "dropped": len(problems),
        "dropped_by_reason": result.dropped,
        "dropped_rows": rows_by_reason(problems),
        "problems": [p.to_dict() for p in problems[:REPORT_PROBLEMS]],
        "problems_listed": min(len(problems), REPORT_PROBLEMS),
        "header_lines": result.headers,
        "blank_lines": result.blank_lines,
        "stats": summary(result.samples),
    }
    if balanced is not None:
        report["balanced"] = summary(balanced)
    if split is not None:
        report["split"] = split.sizes()
    if settings is not None:
        report["settings"] = settings
    return report


def save_steering_histogram(
    path: str | os.PathLike,
    before: Sequence[Sample],
    after: Sequence[Sample] | None = None,
    bins: int = 25,
    title: str = "Steering",
) -> Path:
    """Write a PNG histogram of steering before (and after) balancing, atomically."""
    # Imported here so `import recorder` (the drive server does) stays light;
    # Figure + Agg canvas avoid pyplot's global state and need no display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    edges = np.linspace(-1.0, 1.0, bins + 1)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    loaded = [s.steering for s in before]
    axes.hist(loaded, bins=edges, color="tab:grey", alpha=0.6, label=f"loaded ({len(before)})")
    if after is not None:
        kept = [s.steering for s in after]
        axes.hist(kept, bins=edges, color="tab:blue", alpha=0.8, label=f"balanced ({len(after)})")
    axes.set_xlabel("steering (normalised, -1 = full left, 1 = full right)")
    axes.set_ylabel("frames")
    axes.set_title(title)
    axes.set_xlim(-1.0, 1.0)
    axes.legend()
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    return Path(path)
