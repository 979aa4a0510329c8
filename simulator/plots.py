"""Pictures of a run: the driven path over the track, and the three camera views.

Drawn with matplotlib's object API (no pyplot state) and written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from recorder.atomic import atomic_path, write_bytes_atomic
from recorder.formats import CAMERAS
from simulator.track import Track

__all__ = ["plot_path", "camera_strip", "label_tile", "write_tiles"]

# Gap between the camera images in the strip (px) and its colour (RGB).
STRIP_GAP = 4
STRIP_BACKGROUND = (255, 255, 255)
# Smallest top of the path's colour scale (m).
COLOUR_FLOOR = 0.5


def plot_path(
    track: Track,
    xs: Sequence[float],
    ys: Sequence[float],
    ctes: Sequence[float],
    interventions: Sequence[int],
    path: str | os.PathLike,
    title: str = "",
) -> Path:
    """The track from above with the driven path coloured by |cross-track error|.

    Args:
        xs, ys: the car's centre per step (m).
        ctes: cross-track error per step (m).
        interventions: step indices where the car was put back on the road (red crosses).
    """
    fig = Figure(figsize=(7, 7), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for offset in (-track.half_width, track.half_width):
        edge = np.vstack([track.offset_curve(offset), track.offset_curve(offset)[:1]])
        ax.plot(edge[:, 0], edge[:, 1], color="0.55", lw=0.8)
    centre = np.vstack([track.points, track.points[:1]])
    ax.plot(centre[:, 0], centre[:, 1], color="0.8", lw=0.6, ls="--")
    points = np.column_stack([xs, ys])
    if len(points) > 1:
        segments = np.stack([points[:-1], points[1:]], axis=1)
        error = np.abs(np.asarray(ctes, dtype=float))[1:]
        # No line across a put-back: the car did not drive that way.
        keep = np.ones(len(segments), bool)
        keep[[i for i in interventions if i < len(segments)]] = False
        segments, error = segments[keep], error[keep]
        lines = LineCollection(segments, cmap="viridis", linewidths=1.6)
        lines.set_array(error)
        # Scale to the run's own largest error (at least COLOUR_FLOOR), so a good run shows its detail.
        lines.set_clim(0.0, max(COLOUR_FLOOR, float(error.max()) if len(error) else 0.0))
        ax.add_collection(lines)
        fig.colorbar(lines, ax=ax, shrink=0.7, label="|cross-track error| (m)")
    if len(interventions):
        idx = np.asarray(interventions, dtype=int)
        ax.plot(points[idx, 0], points[idx, 1], "x", color="red", ms=9, mew=2, label="intervention")
        ax.legend(loc="upper right")
    ax.plot(*track.points[0], "o", color="black", ms=5)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(title or f"driven path, track seed {track.seed}")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def label_tile(rgb: np.ndarray, text: str, scale: float = 0.5) -> np.ndarray:
    """A BGR copy of an RGB image with `text` written in its top-left corner, white on a dark outline."""
    tile = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    cv2.putText(tile, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 2, cv2.LINE_AA)
    cv2.putText(tile, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def write_tiles(rows: Sequence[Sequence[np.ndarray]], path: str | os.PathLike) -> Path:
    """BGR tiles of one size as a grid (rows of tiles), with white gaps, as one PNG."""
    if not rows or not rows[0]:
        raise ValueError("no images to put in the strip")
    height, width = rows[0][0].shape[:2]
    grid = np.full(
        (len(rows) * (height + STRIP_GAP) - STRIP_GAP, max(map(len, rows)) * (width + STRIP_GAP) - STRIP_GAP, 3),
        STRIP_BACKGROUND,
        np.uint8,
    )
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            top, left = r * (height + STRIP_GAP), c * (width + STRIP_GAP)
            grid[top : top + height, left : left + width] = tile
    ok, png = cv2.imencode(".png", grid)
    if not ok:
        raise ValueError("cannot encode the strip as PNG")
    return write_bytes_atomic(path, png.tobytes())


def camera_strip(images: dict[str, np.ndarray], path: str | os.PathLike) -> Path:
    """Left, centre and right images side by side, labelled, as one PNG."""
    names = [name for name in ("left", "center", "right") if name in CAMERAS and name in images]
    return write_tiles([[label_tile(images[name], name) for name in names]], path)
