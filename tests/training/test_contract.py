"""training.contract: every field of model.json checked, one line naming the field; no TensorFlow."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from training.contract import (
    ModelContractError,
    contract_path,
    parse_contract,
    raw_frame_input,
    read_contract,
)
from training.preprocess import RAW_FRAME, PreprocessConfig, preprocess_spec

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"preprocess": preprocess_spec(), "input_shape": [66, 200, 3], "input_dtype": "uint8", "seed": 0}


def test_good_contract_is_read_with_its_extra_fields():
    contract = parse_contract(GOOD, "model.json")
    assert contract.preprocess == PreprocessConfig()
    assert contract.input_shape == (66, 200, 3) and contract.input_dtype == "uint8"
    assert contract.format == "keras" and contract.extra == {"seed": 0}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"preprocess": None}, r"field 'preprocess': must be an object .*, got null"),
        ({"preprocess": {"name": "crop-resize-yuv", "version": 1}}, r"field 'preprocess': params is missing"),
        ({"preprocess": {**preprocess_spec(), "version": "1"}}, r"field 'preprocess': version must be an integer, got \"1\""),
        ({"preprocess": {**preprocess_spec(), "params": {"crop_top": 60.5}}}, r"field 'preprocess': params\.crop_top must be an integer, got 60\.5"),
        ({"preprocess": {**preprocess_spec(), "name": "other"}}, r"field 'preprocess': .*'other'"),
        ({"input_shape": None}, r"field 'input_shape': must be a list of 3 positive integers .*got null"),
        ({"input_shape": [66, 200]}, r"field 'input_shape': must be a list of 3"),
        ({"input_shape": [66, 200.0, 3]}, r"field 'input_shape': must be a list of 3"),
        ({"input_shape": [66, 100, 3]}, r"field 'input_shape' \[66, 100, 3\] does not match the preprocessing's output"),
        ({"input_dtype": "float32"}, r"field 'input_dtype': must be 'uint8', got \"float32\""),
        ({"format": "torch"}, r"field 'format': must be one of \['keras', 'litert', 'onnx'\]"),
        ({"seed": "0"}, r"field 'seed' must be int, got \"0\""),
        ({"equivalence": []}, r"field 'equivalence' must be an object, got \[\]"),
    ],
)
def test_bad_field_is_named(change, message):
    with pytest.raises(ModelContractError, match=r"^model\.json: " + message):
        parse_contract({**GOOD, **change}, "model.json")


@pytest.mark.parametrize("missing", ["preprocess", "input_shape", "input_dtype"])
def test_missing_field_is_named(missing):
    data = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ModelContractError, match=rf"^model\.json: field '{missing}' is missing$"):
        parse_contract(data, "model.json")


def test_file_errors_are_one_line_naming_the_file(tmp_path):
    model = tmp_path / "model.keras"
    with pytest.raises(ModelContractError, match="no such model file"):
        read_contract(model)
    model.write_bytes(b"")
    with pytest.raises(ModelContractError, match=r"model\.json: missing"):
        read_contract(model)
    contract_path(model).write_text('{"preprocess": ')
    with pytest.raises(ModelContractError, match=r"model\.json: not valid JSON"):
        read_contract(model)
    contract_path(model).write_text("[1, 2]")
    with pytest.raises(ModelContractError, match=r"model\.json: must hold a JSON object, got \[1, 2\]"):
        read_contract(model)
    contract_path(model).write_text(json.dumps(GOOD))
    assert read_contract(model).input_shape == (66, 200, 3)


def _keras_archive(path: Path, batch_shape: list, dtype: str = "uint8") -> Path:
    """A `.keras` zip with only the model description the contract reads (Keras writes the same layout)."""
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": batch_shape, "dtype": dtype, "name": "frame"}},
              {"class_name": "Cropping2D", "config": {"cropping": [[60, 25], [0, 0]]}}]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"layers": layers}}))
    return path


def test_a_keras_model_taking_the_raw_frame_needs_no_contract_and_says_so(tmp_path, caplog):
    model = _keras_archive(tmp_path / "model.keras", [None, 160, 320, 3])
    with caplog.at_level(logging.INFO, logger="training.contract"):
        contract = read_contract(model)
    assert contract.preprocess is RAW_FRAME and contract.input_shape == (160, 320, 3)
    assert contract.input_dtype == "uint8" and contract.format == "keras" and "inferred" in contract.extra["contract"]
    assert "raw frame" in caplog.text and "model.keras" in caplog.text
    contract_path(model).write_text(json.dumps(GOOD))  # a contract beside it wins
    assert read_contract(model).preprocess == PreprocessConfig()


@pytest.mark.parametrize("batch_shape, dtype", [([None, 66, 200, 3], "uint8"), ([None, 160, 320, 3], "float32")])
def test_any_other_keras_input_still_needs_its_contract(tmp_path, batch_shape, dtype):
    model = _keras_archive(tmp_path / "model.keras", batch_shape, dtype)
    assert not raw_frame_input(model)
    with pytest.raises(ModelContractError, match=r"model\.json: missing.*raw uint8 160x320x3 frame needs none"):
        read_contract(model)
    (tmp_path / "not_zip.keras").write_bytes(b"PK")
    assert not raw_frame_input(tmp_path / "not_zip.keras")


def test_exported_models_have_their_own_contract_name_and_format(tmp_path):
    assert contract_path(tmp_path / "model.keras") == tmp_path / "model.json"
    assert contract_path(tmp_path / "model.onnx") == tmp_path / "model.onnx.json"
    model = tmp_path / "model.tflite"
    model.write_bytes(b"")
    contract_path(model).write_text(json.dumps({**GOOD, "format": "onnx"}))
    with pytest.raises(ModelContractError, match=r"field 'format' is 'onnx', but the model file is 'litert'"):
        read_contract(model)


@pytest.mark.slow
def test_reading_a_contract_imports_no_tensorflow():
    code = "import sys, training.contract, training.preprocess; print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
