"""Recording an autonomous run in the simulator's own format.

Frames go to `folder/IMG/center_YYYY_MM_DD_HH_MM_SS_mmm.jpg` and rows to
`folder/driving_log.csv` (centre camera only, side-camera fields empty, the
predicted steering and the throttle sent), through `recorder.log_writer`, so a
run can be inspected and reused as training data.

JPEG encoding and disk writes happen on a writer thread: the server answers
the simulator first and never waits for the disk unless the queue is full.
A folder that is not empty is refused unless `overwrite` is set; nothing in it
is ever deleted.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType

import numpy as np

from agent.config import RecordConfig
from recorder.log_writer import LOG_NAME, DrivingLogWriter

__all__ = ["RunRecorder", "RecordingFolderError", "check_folder"]

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
            "(files are added, none is deleted)"
        )
    return path


class RunRecorder:
    """Queue frames to a background `DrivingLogWriter`; `close()` publishes the log."""

    def __init__(self, config: RecordConfig) -> None:
        if not config.folder:
            raise ValueError("folder: a recording needs a folder")
        self.folder = check_folder(config.folder, config.overwrite)
        if config.overwrite and (self.folder / LOG_NAME).exists():
            logger.warning("%s will be replaced; its images are kept", self.folder / LOG_NAME)
        self._writer = DrivingLogWriter(self.folder)
        self._queue: queue.Queue = queue.Queue(maxsize=config.queue_frames)
        self._thread = threading.Thread(target=self._run, name="run-recorder", daemon=True)
        self._thread.start()
        self.errors = 0
        logger.info("recording the run to %s", self.folder)

    def add(self, image: np.ndarray, steering: float, throttle: float, speed: float) -> None:
        """Queue one frame: centre RGB image, command sent, speed measured (mph)."""
        self._queue.put((image, steering, throttle, speed, datetime.now()))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
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
            except (OSError, ValueError) as exc:
                self.errors += 1
                logger.error("recording: frame not saved: %s", exc)

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return self._writer.rows

    def close(self) -> Path:
        """Write what is queued, publish driving_log.csv and return its path."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        path = self._writer.close()
        logger.info("recorded %d frames to %s", self._writer.rows, path)
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
