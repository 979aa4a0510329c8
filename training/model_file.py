"""Saving and loading a model together with its contract.

Beside `model.keras` sits `model.json` with the preprocessing the model was
trained with and its input shape. Loading checks both, so a model and a
preprocessing that do not match fail at load time, not with the car in the lake.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import keras

from recorder.atomic import atomic_path, write_json_atomic
from training.preprocess import (
    DEFAULT_PREPROCESS,
    PreprocessConfig,
    config_from_spec,
    preprocess_spec,
)

__all__ = ["ModelContractError", "save_model", "load_model", "contract_path"]


class ModelContractError(ValueError):
    """The model file, or its recorded preprocessing, cannot be used by this code."""


def contract_path(model_path: str | os.PathLike) -> Path:
    """Path of the JSON contract beside a `.keras` file (`model.keras` -> `model.json`)."""
    return Path(model_path).with_suffix(".json")


def save_model(
    model: keras.Model,
    path: str | os.PathLike,
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save `model` to `path` (.keras) and its contract beside it, both atomically."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model path must end in .keras, got {path}")
    with atomic_path(path) as tmp:
        model.save(tmp)
    contract = {
        "preprocess": preprocess_spec(preprocess_config),
        "input_shape": list(model.input_shape[1:]),
        "input_dtype": "uint8",
        **(extra or {}),
    }
    write_json_atomic(contract_path(path), contract)
    return path


def load_model(
    path: str | os.PathLike, expected: PreprocessConfig = DEFAULT_PREPROCESS
) -> keras.Model:
    """Load a `.keras` model in safe mode and check its contract against `expected`.

    Raises:
        ModelContractError: missing or unreadable file or contract, a preprocessing
            other than `expected`, or an input shape that does not match it.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelContractError(f"{path}: no such model file")
    cpath = contract_path(path)
    try:
        contract = json.loads(cpath.read_text(encoding="utf-8"))
        recorded = config_from_spec(contract["preprocess"])
    except FileNotFoundError:
        raise ModelContractError(
            f"{cpath}: missing; it records the model's preprocessing (save models with "
            "training.model_file.save_model)"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelContractError(f"{cpath}: {exc}") from exc
    if recorded != expected:
        raise ModelContractError(
            f"{path}: trained with preprocessing {recorded}, but asked to run with {expected}"
        )
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file; name the file.
        raise ModelContractError(f"{path}: cannot load model: {exc}") from exc
    if tuple(model.input_shape[1:]) != expected.output_shape:
        raise ModelContractError(
            f"{path}: model input {model.input_shape[1:]} does not match the "
            f"preprocessing output {expected.output_shape}"
        )
    return model
