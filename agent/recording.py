"""Recording an autonomous run in the simulator's own format.

Frames go to `folder/IMG/center_YYYY_MM_DD_HH_MM_SS_mmm.jpg` and rows to
`folder/driving_log.csv` (centre camera only, side-camera fields empty, the
predicted steering and the throttle sent), through `recorder.log_writer`, so a
run can be inspected and reused as training data, and `driving_log.csv` holds
every row written so far at every moment (a killed server loses at most one).

JPEG encoding and disk writes happen on a writer thread: the server answers
the simulator first and never waits for the disk unless the queue is full.
A folder that is not empty is refused unless `overwrite` is set; nothing in it
is ever deleted or emptied: an earlier `driving_log.csv` is renamed to
`driving_log.before_YYYYmmdd_HHMMSS.csv` (its last change) with its images left
in IMG/, so its rows can still be used. A failed write (a full disk) stops the
recording with one error; the car goes on being driven and `failure` says why.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import datetime
from itertools import count
from pathlib import Path
from types import TracebackType

import numpy as np

from agent.config import RunRecordingConfig
from recorder.formats import LOG_NAME
from recorder.log_writer import DrivingLogWriter, RecordingWriteError

__all__ = ["RunRecorder", "RecordingFolderError", "check_folder", "move_aside"]

logger = logging.getLogger(__name__)


class RecordingFolderError(ValueError):
    """The run folder cannot be used (not empty, or not a folder)."""


def check_folder(folder: str | os.PathLike, overwrite: bool) -> Path:
    """Return the folder's path if a run may be recorded there, else raise RecordingFolderError."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise RecordingFolderError(f"{path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise RecordingFolderError(
            f"{path} is not empty; choose another folder or pass --overwrite "
            f"(files are added, none is deleted; an earlier {LOG_NAME} is renamed, not replaced)"
        )
    return path


def move_aside(log_path: Path) -> Path:
    """Rename an earlier log to `driving_log.before_<its mtime>[_N].csv` beside it; return the new path."""
    stamp = datetime.fromtimestamp(log_path.stat().st_mtime).strftime("%Y%m%d_%H%M%S")
    stem, suffix = LOG_NAME.rsplit(".", 1)
    names = (log_path.with_name(f"{stem}.before_{stamp}{f'_{n}' if n else ''}.{suffix}") for n in count())
    target = next(name for name in names if not name.exists())
    log_path.rename(target)
    return target


class RunRecorder:
    """Queue frames to a background `DrivingLogWriter`; `close()` writes what is queued."""

    def __init__(self, config: RunRecordingConfig) -> None:
        if not config.folder:
            raise ValueError("folder: a recording needs a folder")
        self.folder = check_folder(config.folder, config.overwrite)
        if config.overwrite and (self.folder / LOG_NAME).exists():
            moved = move_aside(self.folder / LOG_NAME)
            logger.warning("the earlier %s was renamed %s (its rows and images are kept)", LOG_NAME, moved.name)
        self._writer = DrivingLogWriter(self.folder)
        self._queue: queue.Queue = queue.Queue(maxsize=config.queue_frames)
        self._thread = threading.Thread(target=self._run, name="run-recorder", daemon=True)
        self.errors = 0  # frames that could not be encoded
        self.failure: str | None = None  # why recording stopped early (a write failed), else None
        self._thread.start()
        logger.info("recording the run to %s", self.folder)

    def add(self, image: np.ndarray, steering: float, throttle: float, speed: float) -> None:
        """Queue one frame: centre RGB image, command sent, speed measured (mph); dropped once stopped."""
        if self.failure is None:
            self._queue.put((image, steering, throttle, speed, datetime.now()))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.failure is not None:
                continue  # stopped: drain what was queued before the failure
            image, steering, throttle, speed, when = item
            try:
                self._writer.write(
                    center=image,
                    steering=steering,
                    throttle=max(throttle, 0.0),
                    brake=max(-throttle, 0.0),
                    speed=speed,
                    when=when,
                )
            except RecordingWriteError as exc:
                self.failure = str(exc)
                logger.error("%s; the car is still being driven", exc)
            except ValueError as exc:
                self.errors += 1
                logger.error("recording: frame not saved: %s", exc)

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return self._writer.rows

    def close(self) -> Path:
        """Write what is queued, close driving_log.csv and return its path."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        path = self._writer.close()
        stopped = " (recording stopped early: a write failed)" if self.failure else ""
        logger.info("recorded %d frames to %s%s", self._writer.rows, path, stopped)
        return path

    def __enter__(self) -> "RunRecorder":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
