"""training.model_file: a model and its contract saved together; a bad file is named, never "not found"."""

from __future__ import annotations

import json

import pytest

from training.contract import ModelContractError, contract_path
from training.model import build_pilotnet
from training.model_file import load_model, save_model
from training.preprocess import PreprocessConfig


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_model(build_pilotnet(seed=0), tmp_path_factory.mktemp("model") / "model.keras", extra={"seed": 0})


def _copy(saved, folder, data: bytes | None = None, contract: dict | None = None):
    copy = folder / "model.keras"
    copy.write_bytes(saved.read_bytes() if data is None else data)
    contract_path(copy).write_text(json.dumps(contract or json.loads(contract_path(saved).read_text())))
    return copy


def test_saved_model_loads_with_its_contract(saved):
    contract = json.loads(contract_path(saved).read_text())
    assert contract["format"] == "keras" and contract["seed"] == 0
    assert load_model(saved).input_shape[1:] == (66, 200, 3)


@pytest.mark.parametrize("cut", ["truncated", "not a zip"])
def test_corrupt_keras_file_is_named_corrupt(saved, tmp_path, cut):
    data = saved.read_bytes()[: len(saved.read_bytes()) // 2] if cut == "truncated" else b"plain text, not a model"
    with pytest.raises(ModelContractError, match=r"model\.keras: corrupt model file") as error:
        load_model(_copy(saved, tmp_path, data))
    assert "not found" not in str(error.value)


def test_contract_must_match_the_loaded_model(saved, tmp_path):
    narrow = PreprocessConfig(out_width=100)
    contract = {**json.loads(contract_path(saved).read_text()), "input_shape": [66, 100, 3],
                "preprocess": {**json.loads(contract_path(saved).read_text())["preprocess"],
                               "params": {"crop_top": 60, "crop_bottom": 25, "out_height": 66, "out_width": 100}}}
    with pytest.raises(ModelContractError, match=r"model input shape \[66, 200, 3\] does not match the contract's input_shape \[66, 100, 3\]"):
        load_model(_copy(saved, tmp_path, contract=contract), expected=narrow)


def test_preprocessing_other_than_expected_is_refused(saved):
    with pytest.raises(ModelContractError, match="asked to run with"):
        load_model(saved, expected=PreprocessConfig(crop_top=50))


def test_null_preprocess_is_named(saved, tmp_path):
    contract = {**json.loads(contract_path(saved).read_text()), "preprocess": None}
    with pytest.raises(ModelContractError, match=r"model\.json: field 'preprocess': .*got null"):
        load_model(_copy(saved, tmp_path, contract=contract))


def test_a_model_that_cannot_be_written_leaves_neither_file(tmp_path, monkeypatch):
    model = build_pilotnet(seed=0)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(model), "save", full_disk)
    with pytest.raises(OSError):
        save_model(model, tmp_path / "model.keras")
    assert list(tmp_path.iterdir()) == []


def test_the_contract_is_written_before_its_model(tmp_path, monkeypatch):
    model, seen = build_pilotnet(seed=0), []
    save = type(model).save

    def watched(self, path, *args, **kwargs):
        seen.append(contract_path(tmp_path / "model.keras").is_file())
        return save(self, path, *args, **kwargs)

    monkeypatch.setattr(type(model), "save", watched)
    save_model(model, tmp_path / "model.keras")
    assert seen == [True]  # a model file never exists without its contract
