"""Pictures of a replay: the lateral offset along the path, and re-rendered frames beside the recorded ones.

Drawn with matplotlib's object API (no pyplot state) and written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from recorder.atomic import atomic_path
from simulator.plots import label_tile, write_tiles
from simulator.replay.check import SideCameraCheck
from simulator.replay.lane import LaneCheck
from simulator.replay.loop import Snapshot

__all__ = ["plot_deviation", "frame_strip", "plot_check", "plot_lane"]


def plot_deviation(
    distance_m: Sequence[float],
    lateral_m: Sequence[float],
    interventions: Sequence[int],
    segment_starts_m: Sequence[float],
    threshold_m: float,
    path: str | os.PathLike,
    title: str,
) -> Path:
    """Lateral offset d over the distance replayed, the threshold, interventions (red crosses), segment starts."""
    fig = Figure(figsize=(10, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x, d = np.asarray(distance_m, float), np.asarray(lateral_m, float)
    ax.plot(x, d, color="tab:blue", lw=1.0, label="d (m, > 0 left of the recorded path)")
    for sign in (-1, 1):
        ax.axhline(sign * threshold_m, color="0.5", ls="--", lw=0.8)
    for start in segment_starts_m[1:]:
        ax.axvline(start, color="0.75", lw=0.8)
    if len(interventions):
        idx = np.asarray(interventions, int)
        ax.plot(x[idx], d[idx], "x", color="red", ms=8, mew=2, label=f"intervention ({len(idx)})")
    ax.set_xlabel("distance along the recorded path (m); grey lines: new segment")
    ax.set_ylabel("lateral offset d (m)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def frame_strip(snapshots: Sequence[Snapshot], path: str | os.PathLike) -> Path:
    """One row per snapshot: the recorded frame, then the frame re-rendered for the replayed car's pose."""
    rows = [
        [
            label_tile(shot.recorded, f"recorded, {shot.distance_m:.0f} m", 0.45),
            label_tile(shot.rendered, f"replayed, d = {shot.lateral_m:+.2f} m", 0.45),
        ]
        for shot in snapshots
    ]
    return write_tiles(rows, path)


def plot_check(checks: Sequence[SideCameraCheck], path: str | os.PathLike) -> Path:
    """Structure and photometric error against the offset scale, one line per recording and side camera."""
    fig = Figure(figsize=(10, 3.8), dpi=110)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for check in checks:
        name = os.path.basename(os.path.normpath(check.recording))
        for side, style in (("left", "-o"), ("right", "--s")):
            for ax, errors in zip(axes, (check.structure[side], check.photometric[side])):
                scales = sorted(errors)
                ax.plot(scales, [errors[s] for s in scales], style, ms=3, lw=1, label=f"{name} {side}")
    for ax, label in zip(axes, ("structure: relative edge-map error", "photometric: mean |grey difference|")):
        ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
        ax.set_xlabel("offset scale (0: no warp, 1: the Unity offset)")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=7)
    fig.suptitle("centre frame re-rendered at the side camera's offset vs the recorded side frame (road rows)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def plot_lane(checks: Sequence[LaneCheck], path: str | os.PathLike) -> Path:
    """Histogram of each recording's driver offset from the lane centre, where both lane lines are seen."""
    fig = Figure(figsize=(8, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    bins = np.arange(-1.5, 1.5001, 0.1)
    for check in checks:
        if check.offsets_m:
            name = os.path.basename(os.path.normpath(check.recording))
            ax.hist(np.clip(check.offsets_m, bins[0], bins[-1]), bins=bins, density=True, histtype="step", lw=1.5,
                    label=f"{name} ({len(check.offsets_m)} of {check.rows} rows)")
    for x in (-1.0, 1.0):
        ax.axvline(x, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel("centre camera's offset from the lane centre (m, > 0 right)")
    ax.set_ylabel("share of rows (density)")
    ax.legend(fontsize=7)
    ax.set_title("where the recorded drivers are in the lane (rows showing both yellow lines)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)
