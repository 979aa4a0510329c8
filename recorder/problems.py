"""What can be wrong with a recording: per-row problems and folder-level errors.

A `Problem` names one unusable row (file, 1-based line number, a stable reason
code, a human detail). A `RecordingError` is raised only where nothing can be
used: no `driving_log.csv`, an unreadable log, or a log without a usable row.
Its message is one line, so a command line can print it and exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorder.config_fields import check_range

__all__ = ["Problem", "RecordingError", "REASONS"]

# Every reason code a Problem can carry, in the order rows are checked, with
# what it means. Codes are stable: reports and tests match on them.
REASONS: dict[str, str] = {
    "binary_data": "the line holds NUL bytes or other non-text data",
    "field_too_long": "a field is longer than csv.field_size_limit() (131,072 characters by default)",
    "excluded": "a person marked the row as not to be used (recorder.exclusions; checked first)",
    "truncated_row": "the last line has no newline and too few fields (recording cut short)",
    "wrong_column_count": "the row does not have the 7 fields center..speed",
    "not_a_number": "steering, throttle, brake or speed is not a finite number",
    "steering_out_of_range": "steering is outside [-1, 1]",
    "missing_image": "an image field is empty (centre) or names a file not in the log's IMG/",
    "image_outside_recording": "the image in IMG/ is a link to a file outside IMG/ (not read)",
    "empty_image": "an image file has 0 bytes",
    "undecodable_image": "an image file is not a complete JPEG, or (LoadConfig.decode_images) decodes with errors",
    "wrong_image_size": "a camera image is not 320x160, the size the simulator writes (read from the JPEG header)",
    "duplicate_row": "the centre image was already used by an earlier row",
    "stationary": "speed below LoadConfig.min_speed: the car stands still",
}


@dataclass(frozen=True)
class Problem:
    """One row of a driving log that was skipped, and why."""

    log_file: Path  # the driving_log.csv the row is in
    row: int  # 1-based line number in log_file
    reason: str  # a key of REASONS
    detail: str  # what exactly was wrong, for a human

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"reason must be one of {sorted(REASONS)}, got {self.reason!r}")
        check_range("row", self.row, low=1, unit="(a 1-based line number)")

    def __str__(self) -> str:
        return f"{self.log_file}:{self.row}: {self.reason} ({self.detail})"

    def to_dict(self) -> dict[str, str | int]:
        """JSON-able form for reports."""
        return {"file": str(self.log_file), "row": self.row, "reason": self.reason, "detail": self.detail}


class RecordingError(Exception):
    """A recording folder cannot be used at all; the message is one line."""
