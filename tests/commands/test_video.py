"""scripts/video.py: run1/ -> run1.mp4 that OpenCV reads back frame for frame."""

from __future__ import annotations

import cv2

from bcloning.commands import video


def test_video_of_a_run_has_every_centre_frame(recording_factory, capsys):
    run = recording_factory("run1", rows=12, side_cameras=True)
    before = sorted(p.relative_to(run) for p in run.rglob("*"))
    assert video.main([str(run), "--fps", "15"]) == 0
    output = run.parent / "run1.mp4"
    capture = cv2.VideoCapture(str(output))
    frames = []
    while (frame := capture.read()[1]) is not None:
        frames.append(frame)
    capture.release()
    assert len(frames) == 12  # centre frames only, not left/right
    assert frames[0].shape == (160, 320, 3)
    assert "12 frames" in capsys.readouterr().out
    assert sorted(p.relative_to(run) for p in run.rglob("*")) == before  # the recording is untouched
    assert [p.name for p in run.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_fps_is_written(recording_factory):
    run = recording_factory("run2", rows=5, side_cameras=False)
    assert video.main([str(run), "--fps", "30", "--output", str(run.parent / "out.mp4")]) == 0
    capture = cv2.VideoCapture(str(run.parent / "out.mp4"))
    assert capture.get(cv2.CAP_PROP_FPS) == 30
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    capture.release()


def test_user_errors_exit_2(tmp_path, recording_factory, capsys):
    assert video.main([str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert video.main([str(tmp_path / "empty")]) == 2
    assert "no images" in capsys.readouterr().err
    run = recording_factory("run3", rows=2)
    assert video.main([str(run), "--fps", "0"]) == 2
    assert video.main([str(run), "--output", str(run / "inside.mp4")]) == 2
    assert not (run.parent / "run3.mp4").exists()


def test_a_link_to_a_file_outside_the_run_is_left_out(tmp_path, recording_factory, caplog):
    run = recording_factory("run4", rows=3, side_cameras=False)
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(next((run / "IMG").iterdir()).read_bytes())
    (run / "IMG" / "center_9999_99_99_99_99_99_999.jpg").symlink_to(outside)
    assert video.main([str(run), "--output", str(tmp_path / "out.mp4")]) == 0
    capture = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3  # the linked frame is not in the video
    capture.release()
    assert "links to a file outside" in caplog.text
