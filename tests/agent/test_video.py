"""agent/video.py: H.264 that a browser plays (checked in a real headless Chromium), mp4v on request."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np
import pytest

from agent.video import VideoConfig, write_video
from tests.browser import browser_fixture, wait_for

browser = browser_fixture()


def _stream(path: Path) -> tuple[str, str, int, float]:
    """(codec, pixel format, frames, duration in s) of the file's video stream, as FFmpeg reads it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames, float(stream.duration * stream.time_base)


def test_the_default_is_h264_yuv420p_with_the_index_first(recording_factory, tmp_path: Path) -> None:
    run = recording_factory("run", rows=30, side_cameras=False)
    assert write_video(run, tmp_path / "run.mp4", VideoConfig(fps=15)) == 30
    assert _stream(tmp_path / "run.mp4") == ("h264", "yuv420p", 30, pytest.approx(2.0))
    data = (tmp_path / "run.mp4").read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # faststart: a browser can play before the whole file is in


def test_mp4v_is_still_there(recording_factory, tmp_path: Path) -> None:
    run = recording_factory("run", rows=6, side_cameras=False)
    write_video(run, tmp_path / "run.mp4", VideoConfig(fps=30, codec="mp4v"))
    assert _stream(tmp_path / "run.mp4")[:3] == ("mpeg4", "yuv420p", 6)


def test_bad_codec_names_the_field() -> None:
    with pytest.raises(ValueError, match="codec"):
        VideoConfig(codec="avc1")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """tmp_path over HTTP on a free port (the browser fetches the video as from a web page)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_STATE = "const v = document.querySelector('video'); return v && [v.readyState, v.duration, v.error && v.error.code];"


def test_the_video_plays_in_chromium(browser, served, recording_factory, tmp_path: Path) -> None:
    run = recording_factory("run", rows=45, side_cameras=False)
    write_video(run, tmp_path / "h264.mp4", VideoConfig(fps=15))
    write_video(run, tmp_path / "mp4v.mp4", VideoConfig(fps=15, codec="mp4v"))
    (tmp_path / "page.html").write_text(
        "<!doctype html><video muted preload='auto' src='h264.mp4'></video>", encoding="utf-8")
    browser.get(f"{served}/page.html")
    ready, duration, error = wait_for(
        lambda: (state := browser.execute_script(_STATE)) and (state[0] >= 1 or state[2]) and state,
        what="the H.264 video's metadata")
    assert error is None and ready >= 1
    assert duration == pytest.approx(3.0, abs=0.05)  # 45 frames at 15 fps
    browser.execute_script("document.querySelector('video').src = 'mp4v.mp4';")
    # Chromium decodes no MPEG-4 Part 2: the reason H.264 is the default (4 = MEDIA_ERR_SRC_NOT_SUPPORTED).
    assert wait_for(lambda: browser.execute_script(_STATE)[2], what="the mp4v video's error") == 4


def test_odd_frame_sizes_are_padded_to_even_for_yuv420p(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"frame_{i}.png"), np.full((101, 161, 3), 40 * i, np.uint8))
    assert write_video(folder, tmp_path / "odd.mp4", VideoConfig(fps=10)) == 3
    with av.open(str(tmp_path / "odd.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (162, 102)
