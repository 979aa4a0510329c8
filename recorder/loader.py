"""Loading and validating recording folders into one list of samples.

A recording folder holds `driving_log.csv` and `IMG/`. Every row is checked in
the order of `recorder.problems.REASONS`; the first failed check drops the row
with one `Problem`. Rows a person marked in the recording's exclusions file
(`recorder.exclusions`, written by the review page) are dropped first, as
`excluded`. Usable rows become `Sample`s, in log order, session by session.
Nothing in a recording folder is ever written.

    result = load_recordings(["data/lap1", "data/lap2"], LoadConfig(min_speed=0.5))
    result.samples, result.problems, result.sessions
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from tqdm import tqdm

from recorder.config_fields import check_range, setting
from recorder.csv_log import COLUMNS, LogLine, read_log
from recorder.exclusions import (
    Exclusions,
    ExclusionsError,
    exclusions_path,
    load_exclusions,
)
from recorder.formats import CAMERAS, IMAGE_DIR, LOG_NAME
from recorder.images import check_image, check_inside, resolve_image
from recorder.problems import REASONS, Problem, RecordingError
from recorder.sample import Sample

__all__ = ["LoadConfig", "LoadResult", "check_distinct", "load_recordings"]

logger = logging.getLogger(__name__)

_NUMBERS = ("steering", "throttle", "brake", "speed")


@dataclass(frozen=True)
class LoadConfig:
    """How strictly rows are filtered."""

    # mph; rows slower than this are dropped as "stationary" (0 keeps them all)
    min_speed: float = setting(0.1, "mph; rows slower than this are dropped as stationary (0 keeps all)")
    # fully decode every JPEG, libjpeg's warnings as errors (about 0.7 ms an image), besides checking
    # its markers and size; off, a JPEG cut short that still ends with its end marker is used
    decode_images: bool = setting(True, "fully decode every JPEG, dropping those that decode with errors (false: "
                                        "check only its start/end markers and its size, faster)")
    # drop a row whose centre image an earlier row already used
    drop_duplicates: bool = setting(True, "drop rows whose centre image an earlier row already used")
    # leave out the rows marked in each recording's exclusions file, where there is one
    exclusions: bool = setting(True, "leave out the rows marked in each recording's exclusions file (review.py)")
    # folder of <recording>.exclusions.json files; empty = the folder that holds each recording
    exclusions_dir: str = setting("", "folder of <recording name>.exclusions.json files; empty = beside each recording folder")

    def __post_init__(self) -> None:
        check_range("min_speed", self.min_speed, low=0, high=math.inf, high_open=True)
        if self.exclusions_dir and not self.exclusions:
            raise ValueError("exclusions_dir is set but exclusions is off; drop one of them")


@dataclass
class LoadResult:
    """Usable samples of all sessions, and every row that was dropped."""

    samples: list[Sample]  # usable rows, all sessions merged, log order per session
    problems: list[Problem]  # one per dropped row, in file and row order
    rows_read: int  # non-blank data lines read (headers and blank lines not counted)
    sessions: dict[str, int]  # usable rows per session (folder as given)
    log_files: dict[str, Path] = field(default_factory=dict)  # session -> its driving_log.csv
    exclusion_files: dict[str, Path] = field(default_factory=dict)  # session -> exclusions file applied
    headers: int = 0  # logs that started with a header line
    blank_lines: int = 0  # blank lines skipped

    @property
    def dropped(self) -> dict[str, int]:
        """Number of dropped rows per reason, in REASONS order, zeros left out."""
        counts = Counter(problem.reason for problem in self.problems)
        return {reason: counts[reason] for reason in REASONS if counts[reason]}


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class _SessionLoader:
    """Validates the rows of one log; holds the duplicate set shared by all sessions."""

    def __init__(self, config: LoadConfig, seen_centres: set[Path]) -> None:
        self.config = config
        self.seen_centres = seen_centres

    def row(self, line: LogLine, session: str, log_file: Path, exclusions: Exclusions | None) -> Sample | Problem:
        """Turn one line into a Sample, or the Problem that stops it."""

        def problem(reason: str, detail: str) -> Problem:
            return Problem(log_file, line.row, reason, detail)

        marked = exclusions.match(line.row) if exclusions is not None else None
        if marked is not None:  # a person's decision comes before every automatic check
            note = f": {marked.note}" if marked.note else ""
            return problem("excluded", f"rows {marked.first}-{marked.last}{note}")
        if len(line.fields) != len(COLUMNS):
            if not line.terminated and len(line.fields) < len(COLUMNS):
                return problem("truncated_row", f"last line ends without newline after {len(line.fields)} "
                                                f"of {len(COLUMNS)} fields")
            return problem("wrong_column_count", f"{len(line.fields)} fields, expected {len(COLUMNS)}")
        values = dict(zip(COLUMNS, line.fields))
        numbers: dict[str, float] = {}
        for name in _NUMBERS:
            value = _number(values[name])
            if value is None:
                return problem("not_a_number", f"{name} is {values[name][:40]!r}")
            numbers[name] = value
        if not -1.0 <= numbers["steering"] <= 1.0:
            return problem("steering_out_of_range", f"steering {numbers['steering']:g} not in [-1, 1]")
        image_dir = log_file.parent / IMAGE_DIR
        paths: dict[str, Path | None] = {}
        for camera in CAMERAS:
            recorded = values[camera]
            if not recorded:
                if camera == "center":
                    return problem("missing_image", "center field is empty")
                paths[camera] = None  # a recorded autonomous run has only the centre camera
                continue
            path = resolve_image(recorded, image_dir)
            if path is None:
                return problem("missing_image", f"{camera} image {recorded[-80:]!r} not found in {image_dir}")
            failure = check_inside(path, image_dir) or check_image(path, self.config.decode_images)
            if failure is not None:
                return problem(failure[0], f"{camera}: {failure[1]}")
            paths[camera] = path
        centre = paths["center"]
        assert centre is not None
        if self.config.drop_duplicates:
            if centre in self.seen_centres:
                return problem("duplicate_row", f"center image {centre.name} already used")
            self.seen_centres.add(centre)
        if numbers["speed"] < self.config.min_speed:
            return problem("stationary", f"speed {numbers['speed']:g} mph < {self.config.min_speed:g}")
        return Sample(
            center=centre,
            left=paths["left"],
            right=paths["right"],
            steering=numbers["steering"],
            throttle=numbers["throttle"],
            brake=numbers["brake"],
            speed=numbers["speed"],
            session=session,
            log_file=log_file,
            row=line.row,
        )


def _log_file(folder: Path) -> Path:
    if not folder.exists():
        raise RecordingError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise RecordingError(f"{folder}: not a folder (give the folder that holds {LOG_NAME})")
    log_file = folder / LOG_NAME
    if not log_file.is_file():
        raise RecordingError(f"{folder}: no {LOG_NAME} in this folder")
    return log_file


def _exclusions(
    folder: str | os.PathLike, log_file: Path, last_line: int, config: LoadConfig
) -> tuple[Path, Exclusions | None]:
    """The exclusions file of a recording and its ranges (None where it has none, or exclusions are off)."""
    path = exclusions_path(folder, config.exclusions_dir)
    if not config.exclusions:
        return path, None
    if config.exclusions_dir and not Path(config.exclusions_dir).is_dir():
        raise ExclusionsError(f"{config.exclusions_dir}: no such exclusions folder")
    exclusions = load_exclusions(path, log_file)
    if exclusions is not None and exclusions.last_row > last_line:
        raise ExclusionsError(
            f"{path}: a range ends at row {exclusions.last_row}, past the last row {last_line} of {log_file}"
        )
    return path, exclusions


def _no_usable_row(log_file: Path, rows: int, header: bool, problems: list[Problem]) -> RecordingError:
    if rows == 0 and not problems:
        what = "has a header but no data rows" if header else "is empty"
        return RecordingError(f"{log_file}: {what}")
    counts = Counter(problem.reason for problem in problems)
    reasons = ", ".join(f"{reason} {counts[reason]}" for reason in REASONS if counts[reason])
    return RecordingError(f"{log_file}: no usable row in {rows} rows (dropped: {reasons})")


def check_distinct(paths: Sequence[str | os.PathLike], what: str) -> None:
    """Raise RecordingError where two of `paths` name the same file or folder (links and `./` resolved).

    The same input twice would count its rows, runs or models twice, so every
    command that takes several refuses it, with this one message.
    """
    seen: dict[Path, str] = {}
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            raise RecordingError(f"{os.fspath(path)}: the same {what} is given twice (also as {seen[resolved]})")
        seen[resolved] = os.fspath(path)


def load_recordings(
    folders: Sequence[str | os.PathLike], config: LoadConfig = LoadConfig(), progress: bool = False
) -> LoadResult:
    """Load, validate and merge recording folders.

    Args:
        folders: recording folders, each holding driving_log.csv and IMG/.
        config: filtering options.
        progress: show a tqdm bar per log on stderr (useful with decode_images).

    Returns:
        The usable samples and one Problem per dropped row.

    Raises:
        RecordingError: no folder given, a folder given twice, a folder without
            driving_log.csv, an unreadable log, or a log without a usable row.
            ExclusionsError (a RecordingError): an exclusions file that cannot be used.
    """
    if isinstance(folders, (str, os.PathLike)):
        folders = [folders]
    if not folders:
        raise RecordingError("no recording folder given")
    check_distinct(folders, "recording")
    result = LoadResult(samples=[], problems=[], rows_read=0, sessions={})
    seen_centres: set[Path] = set()
    loader = _SessionLoader(config, seen_centres)
    for folder in folders:
        session = os.fspath(folder)
        log_file = _log_file(Path(folder))
        parsed = read_log(log_file)
        problems = list(parsed.problems)
        samples: list[Sample] = []
        last_line = max([line.row for line in parsed.lines] + [p.row for p in parsed.problems], default=0)
        exclusions_file, exclusions = _exclusions(folder, log_file, last_line, config)
        for line in tqdm(parsed.lines, desc=session, unit="row", disable=None if progress else True, leave=False):
            outcome = loader.row(line, session, log_file, exclusions)
            if isinstance(outcome, Problem):
                problems.append(outcome)
            else:
                samples.append(outcome)
        if exclusions is not None:
            result.exclusion_files[session] = exclusions_file
            logger.info("%s: %d ranges excluded by %s", log_file, len(exclusions.ranges), exclusions_file)
        rows = len(parsed.lines) + len(parsed.problems)  # parse problems: binary lines, over-long fields
        if not samples:
            raise _no_usable_row(log_file, rows, parsed.header, problems)
        problems.sort(key=lambda problem: problem.row)
        logger.info("%s: %d of %d rows usable", log_file, len(samples), rows)
        result.samples.extend(samples)
        result.problems.extend(problems)
        result.rows_read += rows
        result.sessions[session] = len(samples)
        result.log_files[session] = log_file
        result.headers += parsed.header
        result.blank_lines += parsed.blank_lines
    return result
