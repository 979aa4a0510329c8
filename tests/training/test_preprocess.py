"""training.preprocess: the contract the drive server rests on (crop, resize, YUV; uint8 in, uint8 out)."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from recorder.formats import FRAME_SHAPE
from tests.conftest import synthetic_frame
from training.preprocess import (
    DEFAULT_PREPROCESS,
    PREPROCESS_NAME,
    PREPROCESS_VERSION,
    RAW_FRAME,
    PreprocessConfig,
    config_from_spec,
    preprocess,
    preprocess_spec,
)


def _frame(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*FRAME_SHAPE, 3), dtype=np.uint8)


def test_a_simulator_frame_becomes_a_pilotnet_input() -> None:
    out = preprocess(synthetic_frame(0.2))
    assert out.shape == (66, 200, 3) == DEFAULT_PREPROCESS.output_shape and out.dtype == np.uint8
    assert out.nbytes == 39_600  # what a prepared frame costs in RAM


def test_only_the_rows_between_the_crops_reach_the_output() -> None:
    frame = _frame()
    reference = preprocess(frame)
    sky_and_bonnet = frame.copy()
    sky_and_bonnet[: DEFAULT_PREPROCESS.crop_top] = 0
    sky_and_bonnet[FRAME_SHAPE[0] - DEFAULT_PREPROCESS.crop_bottom :] = 255
    assert np.array_equal(preprocess(sky_and_bonnet), reference)
    road = frame.copy()
    road[100] = 255 - road[100]
    assert not np.array_equal(preprocess(road), reference)


def test_the_output_is_yuv_of_the_resized_crop() -> None:
    grey = np.full((*FRAME_SHAPE, 3), 90, np.uint8)
    assert (preprocess(grey) == (90, 128, 128)).all()  # grey: Y is the level, no colour
    red = np.zeros((*FRAME_SHAPE, 3), np.uint8)
    red[..., 0] = 255  # channel 0 is red: the input is RGB, not OpenCV's BGR
    y, u, v = preprocess(red)[0, 0].tolist()
    assert y == pytest.approx(0.299 * 255, abs=1) and v > 200 and u < 128
    frame = _frame(1)
    expected = cv2.cvtColor(cv2.resize(frame[60:135], (200, 66), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YUV)
    assert np.array_equal(preprocess(frame), expected)


def test_a_custom_config_sets_the_crop_and_the_output_size() -> None:
    config = PreprocessConfig(crop_top=40, crop_bottom=20, out_height=33, out_width=100)
    out = preprocess(_frame(), config)
    assert out.shape == config.output_shape == (33, 100, 3)


def test_the_input_is_left_untouched_and_the_result_repeats() -> None:
    frame = _frame(2)
    before = frame.copy()
    first, second = preprocess(frame), preprocess(frame)
    assert np.array_equal(frame, before) and np.array_equal(first, second)
    assert not np.shares_memory(first, frame)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((*FRAME_SHAPE, 3), np.float32),  # a float frame (already scaled?)
        np.zeros((320, 160, 3), np.uint8),  # width and height swapped
        np.zeros(FRAME_SHAPE, np.uint8),  # grey, no channels
        np.zeros((66, 200, 3), np.uint8),  # already preprocessed
    ],
)
def test_a_frame_of_another_kind_is_refused_with_its_shape(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"expected a uint8 frame of shape \(160, 320, 3\)"):
        preprocess(bad)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"crop_top": -1}, "crop_top"), ({"out_width": -5}, "out_width"), ({"crop_top": 100, "crop_bottom": 60}, "crop_top")],
)
def test_bad_configs_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PreprocessConfig(**kwargs)


def test_the_spec_stored_with_a_model_rebuilds_the_config() -> None:
    config = PreprocessConfig(crop_top=50)
    spec = preprocess_spec(config)
    assert spec["name"] == PREPROCESS_NAME and spec["version"] == PREPROCESS_VERSION
    assert config_from_spec(spec) == config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": PREPROCESS_VERSION + 1}, "v2"),
        ({"name": "grey-resize"}, "grey-resize"),
        ({"params": {"crop_top": 60, "zoom": 2}}, "bad preprocessing parameters"),
        ({"params": {"crop_top": 200}}, "crop_top"),
    ],
)
def test_a_spec_this_code_cannot_run_is_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_spec({**preprocess_spec(), **change})


def test_a_raw_frame_model_gets_the_frame_itself_and_its_spec_round_trips() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (160, 320, 3), dtype=np.uint8)
    assert preprocess(frame, RAW_FRAME) is frame  # nothing done twice: the model crops and scales itself
    assert RAW_FRAME.output_shape == (160, 320, 3)
    assert config_from_spec(preprocess_spec(RAW_FRAME)) is RAW_FRAME
    with pytest.raises(ValueError, match="takes no parameters"):
        config_from_spec({**preprocess_spec(RAW_FRAME), "params": {"crop_top": 60}})
    with pytest.raises(ValueError, match="expected a uint8 frame"):
        preprocess(frame[:100], RAW_FRAME)


@pytest.mark.slow
def test_the_drive_server_uses_this_very_function_and_needs_no_tensorflow() -> None:
    from agent import driver

    assert driver.preprocess is preprocess
    code = "import sys, training.preprocess; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
