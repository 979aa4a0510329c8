"""Writing a recording exactly as the Udacity simulator writes one.

`driving_log.csv` gets one row per frame, no header, fields joined by ", ",
absolute image paths; JPEGs go to `IMG/{center,left,right}_YYYY_MM_DD_HH_MM_SS_mmm.jpg`.
Used by the drive server (recording an autonomous run, centre camera only: the
side-camera fields stay empty) and by the built-in simulator (all three cameras).

Crash safety: `driving_log.csv` carries its final name from the start and is
readable at every moment. A row is appended with one unbuffered write only
after all its images are complete, so a process killed at any point (kill -9
included) leaves every row but at most the last, and that last one the loader
reports as `truncated_row`. A failed write (a full disk) removes the row's
images, cuts the log back to its last complete row, and raises
`RecordingWriteError`; the rows before it stay usable. The writer never opens
an existing log: a caller that records into a used folder moves it aside first.
"""

from __future__ import annotations

import os
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from recorder.formats import IMAGE_DIR, JPEG_QUALITY, LOG_NAME

__all__ = ["DrivingLogWriter", "RecordingWriteError", "image_name"]

SEPARATOR = ", "


class RecordingWriteError(OSError):
    """An image or log row could not be written (e.g. the disk is full); the message is one line."""


def image_name(camera: str, when: datetime) -> str:
    """Simulator-style file name, e.g. `center_2016_12_01_13_30_48_287.jpg`."""
    return f"{camera}_{when:%Y_%m_%d_%H_%M_%S}_{when.microsecond // 1000:03d}.jpg"


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out: a regular file may take a short write before ENOSPC."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _remove(images: list[Path]) -> None:
    """Remove a failed frame's images: partial or complete, no row names them."""
    for path in images:
        with suppress(OSError):
            path.unlink(missing_ok=True)


class DrivingLogWriter:
    """Append frames to a new recording folder in the simulator's format.

    Use as a context manager; `close()` closes `driving_log.csv`, which already
    holds every row written.

    Raises:
        FileExistsError: the folder already holds a `driving_log.csv`.
    """

    def __init__(self, folder: str | os.PathLike, jpeg_quality: int = JPEG_QUALITY) -> None:
        self.folder = Path(folder).resolve()
        self.image_dir = self.folder / IMAGE_DIR
        self.image_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.folder / LOG_NAME
        # O_EXCL: never append to, nor empty, a log that holds someone's rows.
        self._fd: int | None = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o666)
        self._size = 0  # bytes of complete rows in the log
        self._jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        self._last_stamp: datetime | None = None
        self.rows = 0

    def _unique_stamp(self, when: datetime, cameras: list[str]) -> datetime:
        """Names have millisecond resolution: bump by 1 ms past the last frame and past
        any image already in IMG/ (a folder recorded into again), so no name is reused."""
        when = when.replace(microsecond=when.microsecond // 1000 * 1000)
        if self._last_stamp is not None and when <= self._last_stamp:
            when = self._last_stamp + timedelta(milliseconds=1)
        while any((self.image_dir / image_name(camera, when)).exists() for camera in cameras):
            when += timedelta(milliseconds=1)
        self._last_stamp = when
        return when

    def _failure(self, path: Path, error: OSError) -> RecordingWriteError:
        return RecordingWriteError(
            f"cannot write {path}: {error.strerror or error}; recording stopped, "
            f"{self.rows} complete rows kept in {self.log_path}"
        )

    def _save(self, camera: str, rgb: np.ndarray, when: datetime, saved: list[Path]) -> str:
        path = self.image_dir / image_name(camera, when)
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), self._jpeg_params)
        if not ok:
            raise ValueError(f"cannot encode {camera} frame of shape {rgb.shape} as JPEG")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # never replace a file
            saved.append(path)
            try:
                _write_all(fd, encoded.tobytes())
            finally:
                os.close(fd)
        except OSError as error:
            raise self._failure(path, error) from error
        return str(path)

    def write(
        self,
        center: np.ndarray,
        steering: float,
        throttle: float,
        brake: float,
        speed: float,
        when: datetime,
        left: np.ndarray | None = None,
        right: np.ndarray | None = None,
    ) -> None:
        """Save the frame's JPEGs (RGB uint8 arrays), then append its log row.

        Raises:
            RecordingWriteError: an image or the row could not be written; the
                frame's images are removed, the log keeps its complete rows and
                is closed (later writes raise ValueError).
            ValueError: a frame cannot be encoded as JPEG (nothing is written).
        """
        if self._fd is None:
            raise ValueError(f"{self.log_path} is closed")
        cameras = (("center", center), ("left", left), ("right", right))
        when = self._unique_stamp(when, [name for name, rgb in cameras if rgb is not None])
        saved: list[Path] = []
        try:
            fields = [self._save(name, rgb, when, saved) if rgb is not None else "" for name, rgb in cameras]
            fields += [f"{steering:.6g}", f"{throttle:.6g}", f"{brake:.6g}", f"{speed:.6g}"]
            row = (SEPARATOR.join(fields) + "\n").encode("utf-8")
            try:
                _write_all(self._fd, row)
            except OSError as error:
                with suppress(OSError):  # shrinking a file needs no space; best effort all the same
                    os.ftruncate(self._fd, self._size)
                raise self._failure(self.log_path, error) from error
        except RecordingWriteError:
            _remove(saved)
            self.close()  # the recording stops here: the log keeps its complete rows
            raise
        except BaseException:  # an encoding error, Ctrl-C: this frame only
            _remove(saved)
            raise
        self._size += len(row)
        self.rows += 1

    def close(self) -> Path:
        """Close the log (it already holds every row) and return its path."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return self.log_path

    def __enter__(self) -> "DrivingLogWriter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
