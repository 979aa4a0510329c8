"""The log writer survives a crash: the log is readable after every row, and a full disk keeps every complete row."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from recorder import load_recordings
from recorder.formats import IMAGE_DIR, LOG_NAME
from recorder.log_writer import DrivingLogWriter, RecordingWriteError, image_name
from tests.conftest import synthetic_frame, write_recording

START = datetime(2024, 1, 2, 3, 4, 5)


def _write(writer: DrivingLogWriter, i: int) -> None:
    frame = synthetic_frame(0.1 * (i % 5))
    writer.write(
        center=frame, left=frame, right=frame, steering=0.1, throttle=0.5, brake=0.0, speed=20.0,
        when=START + timedelta(milliseconds=100 * i),
    )


def _row_images(folder: Path) -> set[str]:
    lines = (folder / LOG_NAME).read_text().splitlines()
    return {Path(field).name for line in lines for field in line.split(", ")[:3]}


def test_log_is_readable_after_every_row(tmp_path):
    folder = tmp_path / "rec"
    with DrivingLogWriter(folder) as writer:
        for i in range(3):
            _write(writer, i)
            result = load_recordings([folder])  # while the writer is still open
            assert len(result.samples) == i + 1 and not result.problems


def test_an_earlier_log_is_never_opened(tmp_path):
    folder = write_recording(tmp_path / "rec", rows=2)
    before = (folder / LOG_NAME).read_bytes()
    with pytest.raises(FileExistsError):
        DrivingLogWriter(folder)
    assert (folder / LOG_NAME).read_bytes() == before


def test_an_image_already_in_img_is_never_replaced(tmp_path):
    folder = tmp_path / "rec"
    (folder / IMAGE_DIR).mkdir(parents=True)
    taken = folder / IMAGE_DIR / image_name("center", START)
    taken.write_bytes(b"someone else's frame")
    with DrivingLogWriter(folder) as writer:
        _write(writer, 0)
    assert taken.read_bytes() == b"someone else's frame"
    assert load_recordings([folder]).samples[0].center.name == image_name("center", START + timedelta(milliseconds=1))


def _frame_bytes(tmp_path: Path) -> int:
    """Bytes of the images of frame 3, measured by writing it to a scratch folder."""
    with DrivingLogWriter(tmp_path / "scratch") as writer:
        _write(writer, 3)
    return sum(path.stat().st_size for path in (tmp_path / "scratch" / IMAGE_DIR).iterdir())


@pytest.mark.parametrize("fails_in", ["image", "row"])
def test_full_disk_keeps_complete_rows_and_removes_the_frame(tmp_path, full_disk, fails_in):
    folder = tmp_path / "rec"
    writer = DrivingLogWriter(folder)
    for i in range(3):
        _write(writer, i)
    before = (folder / LOG_NAME).read_bytes()
    # Room for part of the centre image, or for all images and 10 bytes of the row.
    budget = full_disk(folder, 1000 if fails_in == "image" else _frame_bytes(tmp_path) + 10)
    with pytest.raises(RecordingWriteError, match="No space left on device") as caught:
        _write(writer, 3)
    message = str(caught.value)
    assert "\n" not in message and "3 complete rows kept" in message
    assert (IMAGE_DIR + "/center_" if fails_in == "image" else LOG_NAME) in message
    assert budget.left == 0 and budget.failures == 1  # a short write happened, then ENOSPC
    assert (folder / LOG_NAME).read_bytes() == before  # a partial row is cut off
    assert {p.name for p in (folder / IMAGE_DIR).iterdir()} == _row_images(folder)  # the frame's images are gone
    result = load_recordings([folder])
    assert len(result.samples) == 3 and not result.problems
    with pytest.raises(ValueError, match="closed"):
        _write(writer, 4)
