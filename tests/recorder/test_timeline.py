"""Every row of a recording for the review page: values, images, and why the loader drops a row."""

from __future__ import annotations

from recorder import LoadConfig
from recorder.exclusions import ExcludedRange, exclusions_path, save_exclusions
from recorder.timeline import build_timelines


def test_every_row_is_kept_with_the_reason_the_loader_drops_it(recording_factory):
    folder = recording_factory("lap", rows=6)
    log = folder / "driving_log.csv"
    lines = log.read_text().splitlines()
    fields = lines[1].split(", ")
    fields[3] = "oops"  # steering not a number
    lines[1] = ", ".join(fields)
    lines[3] = lines[3].replace("center_", "center_gone_")  # centre image missing
    log.write_text("\n".join(lines) + "\n")
    save_exclusions(exclusions_path(folder), log, [ExcludedRange(5, 6)])  # not a reason here: the page shows marks
    [timeline] = build_timelines([folder], LoadConfig())
    assert timeline.lines == [1, 2, 3, 4, 5, 6] and len(timeline) == 6
    assert timeline.steering[1] is None and timeline.speed[1] is not None
    assert timeline.images[3]["center"] is None and timeline.images[3]["left"].is_file()
    assert {i: reason for i, (reason, _) in timeline.dropped.items()} == {1: "not_a_number", 3: "missing_image"}
    assert all(timeline.images[0][camera].is_file() for camera in ("center", "left", "right"))


def test_recordings_without_side_cameras_have_no_side_images(recording_factory):
    [timeline] = build_timelines([recording_factory("run", rows=3, side_cameras=False)])
    assert [images["left"] for images in timeline.images] == [None, None, None]
