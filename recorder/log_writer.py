"""Writing a recording exactly as the Udacity simulator writes one.

`driving_log.csv` gets one row per frame, no header, fields joined by ", ",
absolute image paths; JPEGs go to `IMG/{center,left,right}_YYYY_MM_DD_HH_MM_SS_mmm.jpg`.
Used by the drive server (recording an autonomous run, centre camera only: the
side-camera fields stay empty) and by the built-in simulator (all three cameras).

The log is written to a temporary file beside `driving_log.csv`, flushed after
every row, and renamed onto `driving_log.csv` when the writer closes, so a
half-written log never carries the final name.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

__all__ = ["DrivingLogWriter", "LOG_NAME", "IMAGE_DIR", "image_name"]

LOG_NAME = "driving_log.csv"
IMAGE_DIR = "IMG"
# The simulator's JPEG quality is Unity's default for EncodeToJPG.
JPEG_QUALITY = 75
SEPARATOR = ", "


def image_name(camera: str, when: datetime) -> str:
    """Simulator-style file name, e.g. `center_2016_12_01_13_30_48_287.jpg`."""
    return f"{camera}_{when:%Y_%m_%d_%H_%M_%S}_{when.microsecond // 1000:03d}.jpg"


class DrivingLogWriter:
    """Append frames to a new recording folder in the simulator's format.

    Use as a context manager; `close()` publishes `driving_log.csv`.
    """

    def __init__(self, folder: str | os.PathLike, jpeg_quality: int = JPEG_QUALITY) -> None:
        self.folder = Path(folder).resolve()
        self.image_dir = self.folder / IMAGE_DIR
        self.image_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.folder / LOG_NAME
        self._tmp_path = self.folder / f".{LOG_NAME}.partial"
        self._file = open(self._tmp_path, "w", encoding="utf-8", newline="")
        self._jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        self._last_stamp: datetime | None = None
        self.rows = 0

    def _unique_stamp(self, when: datetime) -> datetime:
        """Names have millisecond resolution: bump by 1 ms so two frames never collide."""
        when = when.replace(microsecond=when.microsecond // 1000 * 1000)
        if self._last_stamp is not None and when <= self._last_stamp:
            when = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = when
        return when

    def _save(self, camera: str, rgb: np.ndarray, when: datetime) -> str:
        path = self.image_dir / image_name(camera, when)
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), self._jpeg_params)
        if not ok:
            raise ValueError(f"cannot encode {camera} frame of shape {rgb.shape} as JPEG")
        path.write_bytes(encoded.tobytes())
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
        """Save the frame's JPEGs (RGB uint8 arrays) and append its log row."""
        when = self._unique_stamp(when)
        fields = [
            self._save("center", center, when),
            self._save("left", left, when) if left is not None else "",
            self._save("right", right, when) if right is not None else "",
            f"{steering:.6g}",
            f"{throttle:.6g}",
            f"{brake:.6g}",
            f"{speed:.6g}",
        ]
        self._file.write(SEPARATOR.join(fields) + "\n")
        self._file.flush()
        self.rows += 1

    def close(self) -> Path:
        """Close the log and rename it onto `driving_log.csv`; return that path."""
        if not self._file.closed:
            self._file.close()
            os.replace(self._tmp_path, self.log_path)
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
