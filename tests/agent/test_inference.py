"""The Keras runtime: the compiled call, and a .keras file loaded with the preprocessing it records."""

from __future__ import annotations

import numpy as np
import pytest

from agent.inference import PredictSteering
from agent.runtimes import load_steering
from training.contract import ModelContractError
from training.model_file import save_model
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig


def test_compiled_call_matches_predict(tiny_model, steering_fn):
    frame = np.random.default_rng(0).integers(0, 256, DEFAULT_PREPROCESS.output_shape, dtype=np.uint8)
    assert steering_fn(frame) == pytest.approx(PredictSteering(tiny_model)(frame), abs=1e-5)


def test_load_uses_the_recorded_preprocessing(tmp_path, tiny_model):
    trained_with = PreprocessConfig(crop_top=50, crop_bottom=20)
    path = save_model(tiny_model, tmp_path / "model.keras", preprocess_config=trained_with)
    steering, contract = load_steering(path)
    assert contract.preprocess == trained_with
    assert steering.runtime == "keras" and steering.input_shape == trained_with.output_shape


def test_missing_model_or_contract_is_a_contract_error(tmp_path, tiny_model):
    with pytest.raises(ModelContractError, match="no such model file"):
        load_steering(tmp_path / "none.keras")
    path = save_model(tiny_model, tmp_path / "model.keras")
    path.with_suffix(".json").write_text('{"preprocess": {"name": "other", "version": 9}}')
    with pytest.raises(ModelContractError, match="model.json: field 'preprocess'"):
        load_steering(path)
