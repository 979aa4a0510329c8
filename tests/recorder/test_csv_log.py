"""recorder.csv_log: splitting every variant of driving_log.csv into fields, line by line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from recorder.csv_log import COLUMNS, read_log
from recorder.problems import RecordingError

ROW = ["C:\\sim\\IMG\\center_1.jpg", "C:\\sim\\IMG\\left_1.jpg", "C:\\sim\\IMG\\right_1.jpg", "0.1", "0.5", "0", "20"]


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "driving_log.csv"
    path.write_bytes(data)
    return path


def test_columns_are_the_simulators_seven_in_its_order() -> None:
    assert COLUMNS == ("center", "left", "right", "steering", "throttle", "brake", "speed")


@pytest.mark.parametrize(
    ("separator", "line_end"), [(",", b"\n"), (", ", b"\n"), (", ", b"\r\n"), (",", b"\r")]
)
def test_separators_and_line_ends_of_every_simulator_version(tmp_path, separator: str, line_end: bytes) -> None:
    text = line_end.join(separator.join(ROW).encode() for _ in range(3)) + line_end
    log = read_log(_write(tmp_path, text))
    assert [line.fields for line in log.lines] == [tuple(ROW)] * 3
    assert [line.row for line in log.lines] == [1, 2, 3] and not log.header and log.problems == []


def test_a_header_may_reorder_the_columns_and_is_not_a_row(tmp_path) -> None:
    order = ["steering", "center", "left", "right", "throttle", "brake", "speed"]
    values = dict(zip(COLUMNS, ROW))
    text = ",".join(order) + "\n" + ",".join(values[c] for c in order) + "\n"
    log = read_log(_write(tmp_path, text.encode()))
    assert log.header and len(log.lines) == 1
    assert log.lines[0].fields == tuple(ROW) and log.lines[0].row == 2  # the number an editor shows


def test_a_bom_blank_lines_and_quotes_are_handled(tmp_path) -> None:
    quoted = ",".join(f'"{field}"' for field in ROW)
    text = "\ufeff" + "center,left,right,steering,throttle,brake,speed\n\n   \n" + quoted + "\n"
    log = read_log(_write(tmp_path, text.encode("utf-8")))
    assert log.header and log.blank_lines == 2
    assert [(line.row, line.fields) for line in log.lines] == [(4, tuple(ROW))]


def test_a_windows_ansi_log_is_read(tmp_path) -> None:
    row = [ROW[0].replace("sim", "Müller"), *ROW[1:]]
    log = read_log(_write(tmp_path, (",".join(row) + "\r\n").encode("cp1252")))
    assert log.lines[0].fields[0] == "C:\\Müller\\IMG\\center_1.jpg"


def test_binary_garbage_and_a_huge_field_are_problems_of_their_line_only(tmp_path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    data = b"\n".join([",".join(ROW).encode(), b"\x00\x00\x00\x00", f'"{huge},1,2'.encode(), ",".join(ROW).encode()])
    log = read_log(_write(tmp_path, data + b"\n"))
    assert [line.row for line in log.lines] == [1, 4]
    assert [(p.row, p.reason) for p in log.problems] == [(2, "binary_data"), (3, "field_too_long")]


def test_a_last_line_without_newline_is_marked_unterminated(tmp_path) -> None:
    log = read_log(_write(tmp_path, (",".join(ROW) + "\n" + ",".join(ROW[:4])).encode()))
    assert [line.terminated for line in log.lines] == [True, False]
    assert len(log.lines[1].fields) == 4  # a short line keeps its fields; the loader names the problem


def test_an_unreadable_log_is_a_recording_error_naming_the_file(tmp_path) -> None:
    with pytest.raises(RecordingError, match="driving_log.csv: cannot read the log"):
        read_log(tmp_path / "driving_log.csv")


def test_the_file_is_only_read(tmp_path) -> None:
    path = _write(tmp_path, ("\ufeff" + ",".join(ROW) + "\r\n\x00\n").encode())
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    read_log(path)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
