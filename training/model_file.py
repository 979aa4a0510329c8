"""Saving and loading a Keras model together with its contract.

Beside `model.keras` sits `model.json` (`training.contract`): the preprocessing
the model was trained with and its input. Loading checks both, so a model and a
preprocessing that do not match fail at load time, not with the car in the lake.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import keras

from recorder.atomic import atomic_path, write_json_atomic
from training.contract import (
    INPUT_DTYPE,
    ModelContractError,
    check_model_input,
    contract_path,
    read_contract,
)
from training.precision import float32_copy
from training.preprocess import DEFAULT_PREPROCESS, Preprocessing, preprocess_spec

__all__ = ["ModelContractError", "save_model", "load_keras", "load_model", "contract_path"]


def save_model(
    model: keras.Model,
    path: str | os.PathLike,
    preprocess_config: Preprocessing = DEFAULT_PREPROCESS,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save `model` to `path` (.keras) and its contract beside it, both atomically.

    The contract goes first: a model file never exists without its contract (a
    process killed in between leaves a contract whose model is missing, which
    every loader refuses), and a model that cannot be written takes a contract
    written for it along. A model trained in mixed precision is saved as its
    float32 copy (`training.precision.float32_copy`): the file is the same
    whatever the training.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model path must end in .keras, got {path}")
    contract = {
        "preprocess": preprocess_spec(preprocess_config),
        "input_shape": list(model.input_shape[1:]),
        "input_dtype": INPUT_DTYPE,
        "format": "keras",
        **(extra or {}),
    }
    replacing = path.exists()
    write_json_atomic(contract_path(path), contract)
    try:
        with atomic_path(path) as tmp:
            float32_copy(model).save(tmp)
    except BaseException:
        if not replacing:  # an old model keeps its contract (the same preprocessing and input)
            contract_path(path).unlink(missing_ok=True)
        raise
    return path


def load_keras(path: str | os.PathLike) -> keras.Model:
    """Load a `.keras` file in safe mode, without its contract.

    A `.keras` file is a zip archive; one that is not (truncated, another
    format) is named corrupt here, where Keras itself would say "File not found".

    Raises:
        ModelContractError: missing, corrupt or unloadable file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelContractError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise ModelContractError(f"{path}: corrupt model file (truncated, or not a .keras zip archive)")
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file; name the file.
        raise ModelContractError(f"{path}: cannot load model: {exc}") from exc


def load_model(
    path: str | os.PathLike, expected: Preprocessing = DEFAULT_PREPROCESS
) -> keras.Model:
    """Load a `.keras` model in safe mode and check its contract against `expected`.

    Raises:
        ModelContractError: missing or unreadable file or contract, a bad contract
            field, a preprocessing other than `expected`, or a model input that
            does not match the contract.
    """
    contract = read_contract(path)
    if contract.preprocess != expected:
        raise ModelContractError(
            f"{path}: trained with preprocessing {contract.preprocess}, but asked to run with {expected}"
        )
    model = load_keras(path)
    check_model_input(path, tuple(model.input_shape[1:]), model.inputs[0].dtype, contract)
    return model
