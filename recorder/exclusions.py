"""Exclusions: ranges of a recording's rows a person marked as not to be used.

A recording is never written, so the marks live in a file of their own, by
default beside the recording folder (never inside it):

    data/lap1/                      the recording (driving_log.csv + IMG/), read only
    data/lap1.exclusions.json       its exclusions, written by the review page

or, with an exclusions folder (`LoadConfig.exclusions_dir`, `--exclusions-dir`;
for recordings on read-only storage, where the review page refuses to save),
`DIR/lap1.exclusions.json`. The file:

    {
      "format": "bcloning-exclusions",
      "version": 1,
      "log_sha256": "<sha256 of driving_log.csv when the ranges were marked>",
      "ranges": [{"first": 1985, "last": 2020, "note": "stopped at the end"}]
    }

Rows are 1-based line numbers of driving_log.csv, both ends included: the
numbers the loader's problems and an editor show. The digest ties the file to
the log it was made for: if the log changed since, the rows may no longer be
the frames that were marked, and loading it is an error, not a guess.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from recorder.atomic import write_json_atomic
from recorder.problems import RecordingError

__all__ = [
    "EXCLUSIONS_SUFFIX",
    "ExcludedRange",
    "Exclusions",
    "ExclusionsError",
    "check_writable",
    "exclusions_path",
    "load_exclusions",
    "log_digest",
    "parse_ranges",
    "save_exclusions",
]

EXCLUSIONS_SUFFIX = ".exclusions.json"
FORMAT = "bcloning-exclusions"
VERSION = 1
_KEYS = {"format", "version", "log_sha256", "ranges"}
_RANGE_KEYS = {"first", "last", "note"}
# A note is a reminder for a person, not a document.
MAX_NOTE_CHARS = 500
# Marks are a few stretches of a recording; more is a mistake or an attack on the page's server.
MAX_RANGES = 1000


class ExclusionsError(RecordingError):
    """An exclusions file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class ExcludedRange:
    """Rows `first`..`last` (1-based log line numbers, both included) left out, and why."""

    first: int  # first excluded line of driving_log.csv (1-based)
    last: int  # last excluded line, included
    note: str = ""  # why, for a person; may be empty

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a 1-based line number, got {value!r}")
        if self.last < self.first:
            raise ValueError(f"last ({self.last}) must be >= first ({self.first})")
        if not isinstance(self.note, str) or len(self.note) > MAX_NOTE_CHARS:
            raise ValueError(f"note must be text of at most {MAX_NOTE_CHARS} characters")

    def __contains__(self, row: int) -> bool:
        return self.first <= row <= self.last

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"first": self.first, "last": self.last, "note": self.note}


@dataclass(frozen=True)
class Exclusions:
    """The marked ranges of one driving_log.csv (ranges may overlap; a row in any is excluded)."""

    log_sha256: str  # digest of the log the rows refer to
    ranges: tuple[ExcludedRange, ...] = ()

    def match(self, row: int) -> ExcludedRange | None:
        """The first range holding `row`, or None."""
        return next((r for r in self.ranges if row in r), None)

    @property
    def last_row(self) -> int:
        """The highest row any range names (0 without ranges)."""
        return max((r.last for r in self.ranges), default=0)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as saved."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "log_sha256": self.log_sha256,
            "ranges": [r.to_dict() for r in self.ranges],
        }


def log_digest(log_file: str | os.PathLike) -> str:
    """The sha256 of a log file's bytes (hex)."""
    with open(log_file, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def exclusions_path(recording: str | os.PathLike, folder: str | os.PathLike = "") -> Path:
    """Where the exclusions of `recording` are kept: `folder` if given, else beside the recording.

    Args:
        recording: the recording folder (driving_log.csv + IMG/).
        folder: an exclusions folder; empty = the folder that holds the recording.
    """
    resolved = Path(recording).resolve()
    return Path(folder or resolved.parent) / f"{resolved.name}{EXCLUSIONS_SUFFIX}"


def check_writable(path: str | os.PathLike) -> None:
    """Raise ExclusionsError if the folder that would hold `path` exists but is read-only.

    Read-only means no write permission bit at all, which is checked even for root:
    recordings shared read-only (e.g. ../shared/data) never get a file beside them.
    """
    folder = Path(path).parent
    if folder.is_dir() and (not folder.stat().st_mode & 0o222 or not os.access(folder, os.W_OK)):
        raise ExclusionsError(
            f"{folder} is read-only, so {Path(path).name} cannot be saved there; choose a folder with --exclusions-dir"
        )


def parse_ranges(raw: Any, last_row: int | None = None) -> tuple[ExcludedRange, ...]:
    """The ranges of their JSON form (a file's or the review page's), each checked.

    Args:
        last_row: the log's last line number; a range past it is refused (None: not checked).

    Raises:
        ValueError: one line naming the range (`ranges[2]: ...`) and what is wrong with it.
    """
    if not isinstance(raw, list):
        raise ValueError("'ranges' must be a list")
    if len(raw) > MAX_RANGES:
        raise ValueError(f"'ranges' holds {len(raw)} ranges, at most {MAX_RANGES} are kept")
    ranges = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - _RANGE_KEYS or not {"first", "last"} <= set(item):
            raise ValueError(f"ranges[{i}] must be an object with first, last and an optional note")
        try:
            ranges.append(ExcludedRange(item["first"], item["last"], item.get("note", "")))
        except ValueError as exc:
            raise ValueError(f"ranges[{i}]: {exc}") from None
        if last_row is not None and ranges[-1].last > last_row:
            raise ValueError(f"ranges[{i}] ends at row {ranges[-1].last}, past the last row {last_row} of the log")
    return tuple(ranges)


def load_exclusions(path: str | os.PathLike, log_file: str | os.PathLike) -> Exclusions | None:
    """Read the exclusions file at `path` made for `log_file`; None where there is no such file.

    Raises:
        ExclusionsError: unreadable, not this format, a bad range, or made for a
            different version of the log (its digest differs).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError: not JSON, or an integer past Python's digit limit; RecursionError: nested too deeply
        raise ExclusionsError(f"{path}: cannot read the exclusions file ({str(exc)[:200]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExclusionsError(f"{path}: not an exclusions file (expected \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ExclusionsError(f"{path}: version {data.get('version')!r} is not supported (expected {VERSION})")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ExclusionsError(f"{path}: unknown field {unknown[0]!r}")
    digest = log_digest(log_file)
    if data.get("log_sha256") != digest:
        raise ExclusionsError(
            f"{path}: made for another version of {log_file} (sha256 differs), so its rows may name "
            "other frames; review the recording again or move this file away"
        )
    try:
        ranges = parse_ranges(data.get("ranges"))
    except ValueError as exc:
        raise ExclusionsError(f"{path}: {exc}") from None
    return Exclusions(digest, ranges)


def save_exclusions(path: str | os.PathLike, log_file: str | os.PathLike, ranges: Sequence[ExcludedRange]) -> Path:
    """Write the exclusions of `log_file` to `path` atomically (the log itself is only read)."""
    return write_json_atomic(path, Exclusions(log_digest(log_file), tuple(ranges)).to_dict())
