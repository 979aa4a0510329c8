"""A model file's contract: the JSON beside it, read and checked without TensorFlow.

`model.keras` has `model.json` beside it; an exported `model.onnx` or
`model.tflite` has `model.onnx.json` / `model.tflite.json` (a run folder holds
the `.keras` and its exports side by side, so each needs its own name). The
contract records the preprocessing the model was trained with and the input it
takes; an export adds its format, runtime, source model and equivalence check.
Every field is checked here, and an error names the file and the field, so a
hand-edited or truncated contract fails at load time with one line.

A `.keras` file without a contract is accepted in one case only: its one input
is the simulator's raw frame (uint8, 160x320x3), read from the archive's own
model description. Such a model (the published models in ../shared/peers, or
any built as the Udacity course teaches, cropping and scaling in the graph) can
only mean the frame as sent, so its contract is `RAW_FRAME` (say so in the log);
any other input still needs the contract beside it.

This module imports no TensorFlow or Keras: the drive server reads contracts
in an environment that has only an ONNX or LiteRT runtime installed.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from training.preprocess import RAW_FRAME, Preprocessing, config_from_spec
from training.run.folder import RunFolderError, check_finished

__all__ = [
    "FORMATS",
    "INPUT_DTYPE",
    "ModelContract",
    "ModelContractError",
    "check_model_input",
    "contract_path",
    "parse_contract",
    "raw_frame_input",
    "read_contract",
]

logger = logging.getLogger(__name__)

# Model file suffix -> format name recorded in the contract.
FORMATS = {".keras": "keras", ".onnx": "onnx", ".tflite": "litert"}
# Models take preprocessed frames as they are kept in memory (see training.preprocess).
INPUT_DTYPE = "uint8"
# The model description inside a `.keras` archive (a zip): layers, their shapes and dtypes.
KERAS_CONFIG_NAME = "config.json"
# The `extra` field of a contract inferred for a `.keras` file without one.
INFERRED_NOTE = {"contract": "inferred: no contract file, the model's input is the simulator's raw frame"}


class ModelContractError(ValueError):
    """The model file, or its contract, cannot be used by this code."""


@dataclass(frozen=True)
class ModelContract:
    """What a model file promises: its input and the preprocessing that makes it."""

    preprocess: Preprocessing  # the preprocessing the model was trained with (RAW_FRAME: none outside the model)
    input_shape: tuple[int, int, int]  # (height, width, channels) of one frame
    input_dtype: str = INPUT_DTYPE  # element type of a frame
    format: str = "keras"  # one of FORMATS' values
    extra: dict[str, Any] = field(default_factory=dict)  # other recorded fields, as read


def contract_path(model_path: str | os.PathLike) -> Path:
    """The contract beside a model: `model.keras` -> `model.json`, `model.onnx` -> `model.onnx.json`."""
    path = Path(model_path)
    if path.suffix == ".keras":
        return path.with_suffix(".json")
    return path.with_name(path.name + ".json")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_preprocess(value: Any) -> Preprocessing:
    if not isinstance(value, dict):
        raise ValueError(f"must be an object with name, version and params, got {_show(value)}")
    for key, check, kind in (("name", lambda v: isinstance(v, str), "a string"),
                             ("version", _is_int, "an integer"),
                             ("params", lambda v: isinstance(v, dict), "an object")):
        if key not in value:
            raise ValueError(f"{key} is missing")
        if not check(value[key]):
            raise ValueError(f"{key} must be {kind}, got {_show(value[key])}")
    for key, param in value["params"].items():
        if not _is_int(param):
            raise ValueError(f"params.{key} must be an integer, got {_show(param)}")
    return config_from_spec(value)


def _check_shape(value: Any) -> tuple[int, int, int]:
    if not (isinstance(value, list) and len(value) == 3 and all(_is_int(v) and v > 0 for v in value)):
        raise ValueError(f"must be a list of 3 positive integers (height, width, channels), got {_show(value)}")
    return tuple(value)


def _check_dtype(value: Any) -> str:
    if value != INPUT_DTYPE:
        raise ValueError(f"must be {INPUT_DTYPE!r}, got {_show(value)}")
    return value


def _check_format(value: Any) -> str:
    if value not in FORMATS.values():
        raise ValueError(f"must be one of {sorted(FORMATS.values())}, got {_show(value)}")
    return value


def _show(value: Any) -> str:
    """A value as it appears in the JSON file (null, not None), cut short."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Required fields and their checks; "format" is optional for .keras contracts
# written before exports existed.
_REQUIRED: dict[str, Callable[[Any], Any]] = {
    "preprocess": _check_preprocess,
    "input_shape": _check_shape,
    "input_dtype": _check_dtype,
}
# Optional fields with a fixed type.
_OPTIONAL_TYPES: dict[str, tuple[type, ...]] = {
    "approach": (str,), "seed": (int,), "epochs": (int,), "runtime": (dict,),
    "exporter": (dict,), "source": (dict,), "equivalence": (dict,), "quantize": (str,),
    "calibration_frames": (int,),
}


def parse_contract(data: Any, where: str, expected_format: str | None = None) -> ModelContract:
    """Check a decoded contract field by field.

    Args:
        data: the decoded JSON.
        where: the file name used in error messages.
        expected_format: the format the model file's suffix says; the contract must agree.

    Raises:
        ModelContractError: one line naming `where` and the first bad field.
    """
    if not isinstance(data, dict):
        raise ModelContractError(f"{where}: must hold a JSON object, got {_show(data)}")
    values = {}
    for name, check in _REQUIRED.items():
        if name not in data:
            raise ModelContractError(f"{where}: field {name!r} is missing")
        try:
            values[name] = check(data[name])
        except ValueError as exc:
            raise ModelContractError(f"{where}: field {name!r}: {exc}") from None
    if values["input_shape"] != values["preprocess"].output_shape:
        raise ModelContractError(
            f"{where}: field 'input_shape' {list(values['input_shape'])} does not match the "
            f"preprocessing's output {list(values['preprocess'].output_shape)}"
        )
    fmt = data.get("format", "keras")
    try:
        _check_format(fmt)
    except ValueError as exc:
        raise ModelContractError(f"{where}: field 'format': {exc}") from None
    if expected_format is not None and fmt != expected_format:
        raise ModelContractError(
            f"{where}: field 'format' is {fmt!r}, but the model file is {expected_format!r}"
        )
    for name, types in _OPTIONAL_TYPES.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
            raise ModelContractError(
                f"{where}: field {name!r} must be {'an object' if types == (dict,) else types[0].__name__}, "
                f"got {_show(value)}"
            )
    extra = {k: v for k, v in data.items() if k not in (*_REQUIRED, "format")}
    return ModelContract(values["preprocess"], values["input_shape"], values["input_dtype"], fmt, extra)


def read_contract(model_path: str | os.PathLike) -> ModelContract:
    """Read and check the contract beside `model_path`.

    Every loader of a model reads its contract here, so a model in a run folder
    whose run has not finished (`training.run.folder.check_finished`) is refused
    by all of them.

    Raises:
        ModelContractError: unknown model suffix, missing model or contract, a run
            not finished, contract not JSON, or a bad field (named).
    """
    path = Path(model_path)
    if path.suffix not in FORMATS:
        raise ModelContractError(f"{path}: unknown model format {path.suffix!r}; expected one of {sorted(FORMATS)}")
    if not path.is_file():
        raise ModelContractError(f"{path}: no such model file")
    try:
        check_finished(path.parent)  # the one check that a run folder's files are complete
    except RunFolderError as exc:
        raise ModelContractError(str(exc)) from None
    cpath = contract_path(path)
    try:
        text = cpath.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path.suffix == ".keras" and raw_frame_input(path):
            logger.info("%s: no contract beside it (%s); its input is the simulator's raw frame (uint8 %s), "
                        "so it is served with preprocessing 'raw-frame' (none outside the model)",
                        path, cpath.name, "x".join(map(str, RAW_FRAME.output_shape)))
            return ModelContract(RAW_FRAME, RAW_FRAME.output_shape, INPUT_DTYPE, "keras", dict(INFERRED_NOTE))
        raise ModelContractError(
            f"{cpath}: missing; it records the model's preprocessing "
            "(models saved by training or the export command have it; a .keras model whose input is "
            f"the raw uint8 {'x'.join(map(str, RAW_FRAME.output_shape))} frame needs none)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelContractError(f"{cpath}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelContractError(f"{cpath}: not valid JSON: {exc}") from None
    return parse_contract(data, str(cpath), FORMATS[path.suffix])


def raw_frame_input(path: str | os.PathLike) -> bool:
    """True when a `.keras` archive's one input is the simulator's raw frame (uint8, 160x320x3).

    Read from the archive's model description, without Keras; an archive that
    cannot be read that way is not one (its loading will say why).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            description = json.loads(archive.read(KERAS_CONFIG_NAME))
        layers = description["config"]["layers"]
        inputs = [layer["config"] for layer in layers if layer.get("class_name") == "InputLayer"]
        return (len(inputs) == 1 and inputs[0].get("batch_shape") == [None, *RAW_FRAME.output_shape]
                and inputs[0].get("dtype") == INPUT_DTYPE)
    except (OSError, zipfile.BadZipFile, KeyError, TypeError, AttributeError, ValueError):
        return False  # ValueError: not JSON, or not UTF-8


def check_model_input(
    where: str | os.PathLike, shape: tuple[int, ...], dtype: str, contract: ModelContract
) -> None:
    """Check a loaded model's input (one frame's shape, dtype name) against its contract.

    Raises:
        ModelContractError: naming `where` and the field that disagrees.
    """
    if tuple(shape) != contract.input_shape:
        raise ModelContractError(
            f"{where}: model input shape {list(shape)} does not match the contract's "
            f"input_shape {list(contract.input_shape)}"
        )
    if dtype != contract.input_dtype:
        raise ModelContractError(
            f"{where}: model input dtype {dtype!r} does not match the contract's input_dtype {contract.input_dtype!r}"
        )
