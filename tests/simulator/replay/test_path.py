"""The recorded path: kept rows, time stamps, segments split at gaps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from recorder import RecordingError
from simulator.car import MPH
from simulator.replay.path import image_time, load_path
from tests.simulator.replay.conftest import write_drive


def test_time_stamps_come_from_the_image_names() -> None:
    assert image_time(Path("IMG/center_2016_12_01_13_30_48_287.jpg")) == datetime(2016, 12, 1, 13, 30, 48, 287000)
    with pytest.raises(RecordingError, match="center.jpg"):
        image_time(Path("IMG/center.jpg"))


def test_a_pause_starts_a_new_segment_and_distance_follows_speed(curvy) -> None:
    path = load_path(curvy(rows=20, pause_after=9), max_gap_s=0.5)
    assert [len(segment.frames) for segment in path.segments] == [10, 10]
    first = path.segments[0]
    assert first.duration_s == pytest.approx(0.9)
    assert first.length_m == pytest.approx(0.9 * 20 * MPH)
    assert path.length_m == pytest.approx(2 * first.length_m)
    assert len(load_path(curvy(rows=20, pause_after=9), max_gap_s=6.0).segments) == 1


def test_rows_the_recorder_drops_are_skipped(tmp_path: Path) -> None:
    folder = write_drive(tmp_path / "stop", [0.0] * 8, speed_mph=0.0)
    with pytest.raises(RecordingError, match="stationary"):
        load_path(folder, max_gap_s=0.5)  # every row stands still: nothing to drive
