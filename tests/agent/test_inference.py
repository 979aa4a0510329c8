"""The compiled steering call, and loading a model with the preprocessing it records."""

from __future__ import annotations

import numpy as np
import pytest

from agent.inference import PredictSteering, load_steering_model
from training.model_file import ModelContractError, save_model
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig


def test_compiled_call_matches_predict(tiny_model, steering_fn):
    frame = np.random.default_rng(0).integers(0, 256, DEFAULT_PREPROCESS.output_shape, dtype=np.uint8)
    assert steering_fn(frame) == pytest.approx(PredictSteering(tiny_model)(frame), abs=1e-5)


def test_load_uses_the_recorded_preprocessing(tmp_path, tiny_model):
    trained_with = PreprocessConfig(crop_top=50, crop_bottom=20)
    path = save_model(tiny_model, tmp_path / "model.keras", preprocess_config=trained_with)
    model, preprocess_config = load_steering_model(path)
    assert preprocess_config == trained_with
    assert model.input_shape[1:] == trained_with.output_shape


def test_missing_model_or_contract_is_a_contract_error(tmp_path, tiny_model):
    with pytest.raises(ModelContractError, match="no such model file"):
        load_steering_model(tmp_path / "none.keras")
    path = save_model(tiny_model, tmp_path / "model.keras")
    path.with_suffix(".json").write_text('{"preprocess": {"name": "other", "version": 9}}')
    with pytest.raises(ModelContractError, match="model.json"):
        load_steering_model(path)
