"""One usable row of a driving log, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorder.formats import CAMERAS

__all__ = ["Sample"]


@dataclass(frozen=True)
class Sample:
    """A driving-log row that passed validation.

    Image paths are resolved to files in the log's own `IMG/` folder, whatever
    path the recording machine wrote.
    """

    center: Path  # centre camera JPEG
    left: Path | None  # left camera JPEG; None where the log has no side cameras
    right: Path | None  # right camera JPEG; None where the log has no side cameras
    steering: float  # normalised to [-1, 1] (1 = 25 degrees right)
    throttle: float  # [0, 1]
    brake: float  # [0, 1]
    speed: float  # mph
    session: str  # recording folder this row belongs to (as given by the user)
    log_file: Path  # the driving_log.csv the row was read from
    row: int  # 1-based line number in log_file

    @property
    def has_side_cameras(self) -> bool:
        """True when both side images exist (a recorded autonomous run has only the centre)."""
        return self.left is not None and self.right is not None

    def camera(self, name: str) -> Path | None:
        """Return the image path of camera `name` ('center', 'left' or 'right')."""
        if name not in CAMERAS:
            raise ValueError(f"camera must be one of {CAMERAS}, got {name!r}")
        return getattr(self, name)
