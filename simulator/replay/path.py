"""The recorded path of a replay: the rows the recorder keeps, in segments of continuous driving.

Rows are read with `recorder.load_recordings`, so exactly the rows training
would use take part (stationary, broken, duplicate and excluded rows are
skipped); the recording itself is only read. Each image name carries the
simulator's millisecond time stamp (`center_YYYY_MM_DD_HH_MM_SS_mmm.jpg`), which
gives the time between rows and so, with the recorded speed, the distance
driven. Where consecutive kept rows are more than `max_gap_s` apart (a paused
recording, dropped rows) a new segment starts: the car cannot be assumed to
have driven on between them.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from recorder import LoadConfig, RecordingError, load_recordings
from recorder.sample import Sample
from simulator.car import MPH

__all__ = ["Segment", "RecordedPath", "load_path", "image_time"]

logger = logging.getLogger(__name__)

# The time stamp at the end of a simulator image name (recorder.log_writer.image_name writes it).
_STAMP = re.compile(r"(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{3})\.jpg$", re.IGNORECASE)


def image_time(path: Path) -> datetime:
    """The time stamp in a simulator image name.

    Raises:
        RecordingError: the name has no `YYYY_MM_DD_HH_MM_SS_mmm.jpg` ending.
    """
    match = _STAMP.search(path.name)
    if match is None:
        raise RecordingError(f"{path}: no time stamp YYYY_MM_DD_HH_MM_SS_mmm in the image name")
    year, month, day, hour, minute, second, milli = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, milli * 1000)
    except ValueError as exc:
        raise RecordingError(f"{path}: bad time stamp in the image name ({exc})") from exc


@dataclass(frozen=True)
class Segment:
    """Consecutive kept rows: frames, their times, steering and the distance driven up to each."""

    frames: tuple[Path, ...]  # centre images
    rows: tuple[int, ...]  # 1-based line numbers in driving_log.csv
    times_s: np.ndarray  # seconds since the segment's first frame
    steering: np.ndarray  # recorded steering, [-1, 1], > 0 right
    speed_mph: np.ndarray  # recorded speed (mph)
    s_m: np.ndarray  # metres driven from the first frame to each frame

    @property
    def length_m(self) -> float:
        """Metres from the first frame to the last."""
        return float(self.s_m[-1])

    @property
    def duration_s(self) -> float:
        """Seconds from the first frame to the last."""
        return float(self.times_s[-1])


@dataclass(frozen=True)
class RecordedPath:
    """A recording as segments to replay."""

    recording: Path  # the recording folder
    segments: tuple[Segment, ...]  # in log order
    rows_read: int  # rows in the log
    dropped: dict[str, int]  # rows the recorder dropped, per reason

    @property
    def length_m(self) -> float:
        """Metres over all segments."""
        return sum(segment.length_m for segment in self.segments)


def _segment(samples: list[Sample], stamps: list[datetime]) -> Segment:
    times = np.array([(stamp - stamps[0]).total_seconds() for stamp in stamps])
    speed = np.array([sample.speed for sample in samples])
    steps = 0.5 * (speed[1:] + speed[:-1]) * MPH * np.diff(times)
    return Segment(
        frames=tuple(sample.center for sample in samples),
        rows=tuple(sample.row for sample in samples),
        times_s=times,
        steering=np.array([sample.steering for sample in samples]),
        speed_mph=speed,
        s_m=np.concatenate([[0.0], np.cumsum(steps)]),
    )


def load_path(recording: str | os.PathLike, max_gap_s: float, load_config: LoadConfig = LoadConfig()) -> RecordedPath:
    """Read a recording and split its kept rows into segments at gaps longer than `max_gap_s`.

    A segment needs two rows; a lone row between gaps is left out.

    Raises:
        RecordingError: the folder is not a usable recording, an image name has no
            time stamp, or no two consecutive rows are close enough in time to drive.
    """
    loaded = load_recordings([recording], load_config)
    segments: list[Segment] = []
    run: list[Sample] = []
    stamps: list[datetime] = []
    for sample in loaded.samples:
        stamp = image_time(sample.center)
        if run and not 0 < (stamp - stamps[-1]).total_seconds() <= max_gap_s:
            if len(run) > 1:
                segments.append(_segment(run, stamps))
            run, stamps = [], []
        run.append(sample)
        stamps.append(stamp)
    if len(run) > 1:
        segments.append(_segment(run, stamps))
    if not segments:
        raise RecordingError(f"{recording}: no two consecutive usable rows within {max_gap_s} s of each other")
    logger.info(
        "%s: %d segments, %.0f m, from %d of %d rows", recording, len(segments),
        sum(s.length_m for s in segments), sum(len(s.frames) for s in segments), loaded.rows_read,
    )
    return RecordedPath(Path(recording), tuple(segments), loaded.rows_read, loaded.dropped)
