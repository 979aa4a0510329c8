"""Every data row of a recording, usable or not, in log order: what the review page steps through.

Training sees only usable rows (`load_recordings`); a person reviewing a
recording wants to see all of them, with the recorded numbers where they parse,
the images that exist, and why the loader drops a row. Exclusions are left out
of the reasons here: the page shows them as the ranges a person marked.

    timelines = build_timelines(["data/lap1"], LoadConfig())
    timelines[0].lines[i], timelines[0].steering[i], timelines[0].dropped.get(i)
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from recorder.csv_log import COLUMNS, read_log
from recorder.formats import CAMERAS, IMAGE_DIR
from recorder.images import check_inside, resolve_image
from recorder.loader import LoadConfig, load_recordings

__all__ = ["Timeline", "build_timelines"]


@dataclass(frozen=True)
class Timeline:
    """One recording's data rows (index i = the i-th non-blank, non-header line)."""

    session: str  # the folder as given
    log_file: Path  # its driving_log.csv
    lines: list[int]  # 1-based log line number of each row
    steering: list[float | None]  # recorded values; None where the field does not parse
    throttle: list[float | None]
    speed: list[float | None]
    images: list[dict[str, Path | None]]  # camera -> the image file in IMG/, None where absent or linked outside
    dropped: dict[int, tuple[str, str]]  # row index -> (reason, detail) of rows the loader drops

    def __len__(self) -> int:
        return len(self.lines)


def _value(fields: tuple[str, ...], name: str) -> float | None:
    if len(fields) != len(COLUMNS):
        return None
    try:
        value = float(fields[COLUMNS.index(name)])
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _image(field: str, image_dir: Path) -> Path | None:
    """The image a field names, where it exists and lies inside `image_dir` (the loader's own check)."""
    path = resolve_image(field, image_dir) if field else None
    return path if path is not None and check_inside(path, image_dir) is None else None


def build_timelines(folders: Sequence[str | os.PathLike], config: LoadConfig = LoadConfig()) -> list[Timeline]:
    """Read every row of each recording and the loader's verdict on it (exclusions not applied).

    Raises:
        RecordingError: as `load_recordings` (a missing folder or log, no usable row).
    """
    loaded = load_recordings(folders, dataclasses.replace(config, exclusions=False, exclusions_dir=""))
    verdicts: dict[tuple[Path, int], tuple[str, str]] = {
        (problem.log_file, problem.row): (problem.reason, problem.detail) for problem in loaded.problems
    }
    timelines = []
    for session, log_file in loaded.log_files.items():
        parsed = read_log(log_file)
        image_dir = log_file.parent / IMAGE_DIR
        rows = sorted(
            [(line.row, line.fields) for line in parsed.lines] + [(p.row, ()) for p in parsed.problems]
        )
        images = [
            {camera: _image(fields[i], image_dir) if len(fields) == len(COLUMNS) else None
             for i, camera in enumerate(CAMERAS)}
            for _, fields in rows
        ]
        timelines.append(
            Timeline(
                session=session,
                log_file=log_file,
                lines=[row for row, _ in rows],
                steering=[_value(fields, "steering") for _, fields in rows],
                throttle=[_value(fields, "throttle") for _, fields in rows],
                speed=[_value(fields, "speed") for _, fields in rows],
                images=images,
                dropped={
                    i: verdicts[(log_file, row)] for i, (row, _) in enumerate(rows) if (log_file, row) in verdicts
                },
            )
        )
    return timelines
