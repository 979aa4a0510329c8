"""Reading the lines of a `driving_log.csv` as written by any version of the simulator.

Accepted: a header line or none (the header may order the columns), `,` or `, `
separators, LF, CRLF or CR line ends, a UTF-8 byte-order mark, blank lines,
UTF-8 text (a Windows ANSI log, cp1252, is read as a fallback). Each line is
parsed on its own with the csv module, so one stray quote or a run of garbage
cannot swallow the rows after it, and line numbers are exactly the numbers an
editor shows. A line the csv module refuses (a field over `csv.field_size_limit()`,
131,072 characters by default) is a problem of that line only. This module only
splits fields; `recorder.loader` validates them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from recorder.formats import CAMERAS
from recorder.problems import Problem, RecordingError

__all__ = ["COLUMNS", "LogLine", "ParsedLog", "read_log"]

# The simulator's columns, in the order it writes them (no header).
COLUMNS = (*CAMERAS, "steering", "throttle", "brake", "speed")
_BOM = "\ufeff"
_LINE_END = re.compile(rb"\r\n|\n|\r")
# Control bytes never found in a text log (tab, CR and LF excluded): the mark of
# binary garbage, or of the NUL-filled tail a crash leaves in a file.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class LogLine:
    """The fields of one non-blank data line, in COLUMNS order where it has 7."""

    row: int  # 1-based line number in the log file
    fields: tuple[str, ...]  # stripped fields, reordered to COLUMNS when a header says so
    terminated: bool  # False only for a last line without a newline


@dataclass(frozen=True)
class ParsedLog:
    """All data lines of one log, plus the lines that were not text at all."""

    log_file: Path  # the file read
    lines: list[LogLine]  # data lines (blank lines and the header left out)
    problems: list[Problem]  # lines that hold binary data or a field too long to parse
    header: bool  # the file starts with a header line
    blank_lines: int  # empty or whitespace-only lines skipped


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Some Windows tools write the ANSI code page; latin-1 never fails.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _split_fields(text: str) -> list[str]:
    # skipinitialspace handles ", "; strip() handles spaces before a comma.
    return [field.strip() for field in next(csv.reader([text], skipinitialspace=True), [])]


def _header_order(fields: list[str]) -> tuple[int, ...] | None:
    """Return the column permutation when `fields` is a header line, else None.

    A line is a header when any field is a column name; a header naming all
    seven columns once may order them freely, any other header keeps the
    simulator's order.
    """
    names = [field.strip().strip('"').lower() for field in fields]
    if not set(names) & set(COLUMNS):
        return None
    if sorted(names) == sorted(COLUMNS):
        return tuple(names.index(column) for column in COLUMNS)
    return tuple(range(len(COLUMNS)))


def read_log(log_file: Path) -> ParsedLog:
    """Split `log_file` into data lines; raise RecordingError when it cannot be read."""
    try:
        data = log_file.read_bytes()
    except OSError as error:
        raise RecordingError(f"{log_file}: cannot read the log ({error.strerror or error})") from None
    ends_with_newline = data.endswith((b"\n", b"\r"))
    raw_lines = _LINE_END.split(data)
    if ends_with_newline:
        raw_lines.pop()  # the empty piece after the final line end
    lines: list[LogLine] = []
    problems: list[Problem] = []
    order: tuple[int, ...] | None = None
    header = False
    blank = 0
    for number, raw in enumerate(raw_lines, start=1):
        if _BINARY.search(raw):
            problems.append(Problem(log_file, number, "binary_data", "line holds control bytes, not text"))
            continue
        text = _decode(raw).lstrip(_BOM)
        if not text.strip():
            blank += 1
            continue
        try:
            fields = _split_fields(text)
        except csv.Error as error:  # only "field larger than field limit" on one line of text
            problems.append(Problem(log_file, number, "field_too_long", f"{error}; line of {len(text):,} characters"))
            continue
        if order is None:
            header_order = _header_order(fields)
            order = header_order or tuple(range(len(COLUMNS)))
            if header_order is not None:
                header = True
                continue
        if len(fields) == len(COLUMNS):
            fields = [fields[i] for i in order]
        terminated = ends_with_newline or number < len(raw_lines)
        lines.append(LogLine(number, tuple(fields), terminated))
    return ParsedLog(log_file, lines, problems, header, blank)
