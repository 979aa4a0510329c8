"""Exclusions files: format, atomic save and load back, and the loader leaving the rows out."""

from __future__ import annotations

import json

import pytest

from recorder import LoadConfig, load_recordings
from recorder.exclusions import (
    ExcludedRange,
    ExclusionsError,
    exclusions_path,
    load_exclusions,
    save_exclusions,
)
from recorder.stats import build_report


def _tree(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_default_location_is_beside_the_recording_not_inside(tmp_path):
    assert exclusions_path(tmp_path / "data" / "lap1") == tmp_path / "data" / "lap1.exclusions.json"
    marks = tmp_path / "marks"
    assert exclusions_path(tmp_path / "data" / "lap1", marks) == marks / "lap1.exclusions.json"


def test_saved_ranges_load_back_and_the_recording_is_untouched(recording_factory):
    folder = recording_factory("lap", rows=10)
    before = _tree(folder)
    log = folder / "driving_log.csv"
    marks = [ExcludedRange(3, 5, "off the road"), ExcludedRange(9, 9)]
    path = save_exclusions(exclusions_path(folder), log, marks)
    assert path.parent == folder.parent and _tree(folder) == before
    saved = json.loads(path.read_text())
    assert saved["format"] == "bcloning-exclusions" and saved["ranges"][0] == {"first": 3, "last": 5, "note": "off the road"}
    loaded = load_exclusions(path, log)
    assert loaded.ranges == (ExcludedRange(3, 5, "off the road"), ExcludedRange(9, 9, ""))
    assert loaded.match(4).note == "off the road" and loaded.match(6) is None
    assert load_exclusions(folder.parent / "absent.exclusions.json", log) is None


def test_loader_drops_marked_rows_as_excluded_before_other_checks(recording_factory):
    folder = recording_factory("lap", rows=12)
    save_exclusions(exclusions_path(folder), folder / "driving_log.csv", [ExcludedRange(2, 4, "swerve")])
    result = load_recordings([folder])
    assert len(result.samples) == 9 and 3 not in {s.row for s in result.samples}
    assert result.dropped == {"excluded": 3}
    assert result.problems[0].detail == "rows 2-4: swerve"
    report = build_report(result)
    assert report["dropped_rows"]["excluded"] == {str(folder / "driving_log.csv"): "2-4"}
    assert report["sessions"][str(folder)]["exclusions_file"] == str(exclusions_path(folder))
    # stationary rows inside a marked range count as excluded: the person's mark comes first
    marked_slow = load_recordings([folder], LoadConfig(min_speed=20.0))
    assert marked_slow.dropped["excluded"] == 3 and marked_slow.dropped["stationary"] >= 1
    assert len(load_recordings([folder], LoadConfig(exclusions=False)).samples) == 12


def test_exclusions_folder_is_used_instead_of_the_default(recording_factory, tmp_path):
    folder = recording_factory("lap", rows=6)
    marks = tmp_path / "marks"
    save_exclusions(exclusions_path(folder, marks), folder / "driving_log.csv", [ExcludedRange(1, 2)])
    assert load_recordings([folder]).dropped == {}
    assert load_recordings([folder], LoadConfig(exclusions_dir=str(marks))).dropped == {"excluded": 2}
    with pytest.raises(ExclusionsError, match="no such exclusions folder"):
        load_recordings([folder], LoadConfig(exclusions_dir=str(tmp_path / "nowhere")))
    with pytest.raises(ValueError, match="exclusions_dir"):
        LoadConfig(exclusions=False, exclusions_dir=str(marks))


def test_a_changed_log_makes_its_exclusions_an_error(recording_factory):
    folder = recording_factory("lap", rows=6)
    log = folder / "driving_log.csv"
    path = save_exclusions(exclusions_path(folder), log, [ExcludedRange(1, 2)])
    other = recording_factory("other", rows=6, seed=1)
    with pytest.raises(ExclusionsError, match="another version"):
        load_exclusions(path, other / "driving_log.csv")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(format="other"), "not an exclusions file"),
        (lambda d: d.update(version=7), "version 7"),
        (lambda d: d.update(extra=1), "unknown field 'extra'"),
        (lambda d: d["ranges"].append({"first": 5, "last": 2}), r"ranges\[1\]: last \(2\) must be >= first"),
        (lambda d: d["ranges"].append({"first": 0, "last": 2}), r"ranges\[1\]: first must be a 1-based"),
        (lambda d: d["ranges"].append({"first": 1}), r"ranges\[1\] must be an object"),
        (lambda d: d["ranges"].append({"first": 1, "last": 99}), "past the last row 6"),
    ],
)
def test_bad_exclusions_files_are_one_line_errors_naming_the_file(recording_factory, edit, message):
    folder = recording_factory("lap", rows=6)
    path = save_exclusions(exclusions_path(folder), folder / "driving_log.csv", [ExcludedRange(1, 1)])
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ExclusionsError, match=message) as error:
        load_recordings([folder])
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_unreadable_json_is_an_error(recording_factory):
    folder = recording_factory("lap", rows=3)
    exclusions_path(folder).write_text("{not json")
    with pytest.raises(ExclusionsError, match="cannot read the exclusions file"):
        load_recordings([folder])


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "bcloning-exclusions", "version": 1, "log_sha256": "", "ranges": [{"first": 1, "last": 1'
    + "0" * 5000 + "}]}",
])
def test_deeply_nested_or_huge_number_files_are_the_same_one_line_error(recording_factory, text):
    folder = recording_factory("lap", rows=3)
    exclusions_path(folder).write_text(text)
    with pytest.raises(ExclusionsError, match="cannot read the exclusions file") as error:
        load_recordings([folder])
    assert str(exclusions_path(folder)) in str(error.value) and "\n" not in str(error.value)
