"""training.export: ONNX and LiteRT files written only when they steer as Keras does, with a full contract."""

from __future__ import annotations

import json

import pytest

from agent.runtimes import load_steering, open_exported
from tests.training.conftest import TINY_ROWS
from training.contract import contract_path, read_contract
from training.export import (
    EQUIVALENCE_BOUND,
    INT8_BOUND,
    ExportConfig,
    ExportMismatchError,
    export_model,
    sha256_file,
)
from training.model import build_pilotnet
from training.model_file import save_model


@pytest.fixture(scope="module")
def keras_model(tmp_path_factory):
    """An untrained PilotNet as a run would save it (with run fields in its contract)."""
    folder = tmp_path_factory.mktemp("run")
    return save_model(build_pilotnet(seed=2), folder / "model.keras", extra={"approach": "in-memory", "seed": 2})


@pytest.mark.slow
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("litert", ".tflite")])
def test_export_writes_a_checked_model_and_its_contract(keras_model, fmt, suffix):
    written = export_model(ExportConfig(format=fmt), keras_model, open_exported)
    out = keras_model.with_suffix(suffix)
    assert written["path"] == str(out) and out.is_file()
    on_disk = json.loads(contract_path(out).read_text())
    assert on_disk == {k: v for k, v in written.items() if k != "path"}
    source = json.loads(contract_path(keras_model).read_text())
    assert {k: on_disk[k] for k in source if k != "format"} == {k: v for k, v in source.items() if k != "format"}
    assert on_disk["format"] == fmt and on_disk["runtime"]["version"]
    assert on_disk["source"] == {"file": "model.keras", "sha256": sha256_file(keras_model)}
    check = on_disk["equivalence"]
    assert check["frames"] == 200 and check["bound"] == EQUIVALENCE_BOUND
    assert 0 <= check["max_abs_diff"] <= EQUIVALENCE_BOUND
    assert check["keras_steering_range"][1] - check["keras_steering_range"][0] > 0.01  # frames that steer
    assert read_contract(out).format == fmt  # the contract reader accepts what export writes
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []  # no temp files left


@pytest.mark.slow
def test_check_frames_come_from_a_recording(keras_model, recording_factory, tmp_path):
    recording = recording_factory(rows=TINY_ROWS)
    config = ExportConfig(format="onnx", out=str(tmp_path / "m.onnx"), check_frames=200, check_recording=str(recording))
    with pytest.raises(ValueError, match=f"{TINY_ROWS} usable frames, the check needs 200"):
        export_model(config, keras_model, open_exported)
    assert not (tmp_path / "m.onnx").exists()
    big = recording_factory(name="big", rows=210)
    written = export_model(
        ExportConfig(format="onnx", out=str(tmp_path / "m.onnx"), check_recording=str(big)), keras_model, open_exported
    )
    assert written["equivalence"]["frames_from"].startswith(str(big))
    _, contract = load_steering(tmp_path / "m.onnx")
    assert contract.extra["equivalence"]["max_abs_diff"] <= EQUIVALENCE_BOUND


@pytest.mark.slow
def test_model_that_does_not_match_is_refused_and_nothing_written(tmp_path):
    """A real model whose steering is huge: float32 rounding alone then differs by more than the bound."""
    model = build_pilotnet(seed=3)
    kernel, bias = model.get_layer("steering").get_weights()
    model.get_layer("steering").set_weights([kernel * 1e6, bias])
    source = save_model(model, tmp_path / "model.keras")
    with pytest.raises(ExportMismatchError, match=r"model\.onnx: not written: exported model differs from Keras by up to"):
        export_model(ExportConfig(format="onnx"), source, open_exported)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.keras"]


@pytest.mark.parametrize(
    "change, message",
    [({"format": "torch"}, "format must be one of"), ({"check_frames": 199}, "check_frames must be >= 200"),
     ({"format": "litert", "out": "m.onnx"}, "out must end in .tflite")],
)
def test_bad_config_names_the_field(change, message):
    with pytest.raises(ValueError, match=message):
        ExportConfig(**change)



@pytest.mark.slow
def test_int8_litert_is_calibrated_on_the_recording_and_held_to_its_own_bound(keras_model, recording_factory):
    recording = recording_factory(name="calibration", rows=260)
    config = ExportConfig(format="litert", quantize="int8", check_recording=str(recording))
    written = export_model(config, keras_model, open_exported)
    out = keras_model.with_name("model.int8.tflite")
    assert written["path"] == str(out) and written["quantize"] == "int8" and written["calibration_frames"] == 100
    check = written["equivalence"]
    assert check["bound"] == INT8_BOUND and 0 < check["max_abs_diff"] <= INT8_BOUND  # not exact, but within bound
    assert out.stat().st_size < 0.4 * keras_model.stat().st_size  # int8 weights: about a quarter of float32
    assert read_contract(out).extra["quantize"] == "int8"


def test_int8_needs_litert_and_a_recording():
    with pytest.raises(ValueError, match="quantize int8 needs format litert and a check_recording"):
        ExportConfig(format="litert", quantize="int8")
    with pytest.raises(ValueError, match="quantize int8 needs format litert"):
        ExportConfig(format="onnx", quantize="int8", check_recording="rec")
