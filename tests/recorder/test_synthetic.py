"""The synthetic road frame and recording: the one drawing the tests and benchmarks share."""

from __future__ import annotations

import cv2
import numpy as np

from recorder import load_recordings
from recorder.formats import FRAME_SHAPE
from recorder.synthetic import (
    REALISTIC_TEXTURE,
    SIDE_CAMERA_SHIFT,
    road_frame,
    write_synthetic_recording,
)


def _road_centre(frame: np.ndarray, row: int) -> float:
    return float(np.flatnonzero(np.all(frame[row] == (110, 110, 110), axis=-1)).mean())


def test_the_road_moves_left_as_steering_grows_and_right_with_shift() -> None:
    straight, right_turn = road_frame(0.0), road_frame(0.5)
    assert straight.shape == (*FRAME_SHAPE, 3) and straight.dtype == np.uint8
    assert _road_centre(straight, 120) == FRAME_SHAPE[1] // 2 - 0.5  # columns 130..189 at row 120
    assert _road_centre(right_turn, 120) < _road_centre(straight, 120) - 40
    assert _road_centre(road_frame(0.0, shift=SIDE_CAMERA_SHIFT), 120) == _road_centre(straight, 120) + SIDE_CAMERA_SHIFT


def test_a_synthetic_recording_loads_with_three_cameras(tmp_path) -> None:
    folder = write_synthetic_recording(tmp_path / "syn", rows=5)
    samples = load_recordings([folder]).samples
    assert len(samples) == 5 and all(s.has_side_cameras for s in samples)
    assert all(19 < s.speed < 21 for s in samples)
    centre = cv2.imread(str(samples[0].center))
    assert centre.shape == (*FRAME_SHAPE, 3)


def test_texture_makes_larger_jpegs_and_no_side_cameras_leaves_them_out(tmp_path) -> None:
    plain = write_synthetic_recording(tmp_path / "plain", rows=2, side_cameras=False)
    textured = write_synthetic_recording(tmp_path / "textured", rows=2, texture=REALISTIC_TEXTURE)
    assert not any(s.has_side_cameras for s in load_recordings([plain]).samples)
    size = {folder.name: sum(p.stat().st_size for p in (folder / "IMG").glob("center_*")) for folder in (plain, textured)}
    assert size["textured"] > 1.3 * size["plain"]
