"""agent.runtimes: one loader for .keras, .onnx and .tflite; exported files served without TensorFlow."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from agent.runtimes import load_steering, open_exported
from agent.telemetry import decode_telemetry
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.no_tensorflow import REFUSED
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from training.contract import ModelContractError, contract_path
from training.export import ExportConfig, export_model
from training.model_file import save_model
from training.preprocess import DEFAULT_PREPROCESS, preprocess

pytestmark = pytest.mark.slow  # the module exports a model to every runtime first

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = (".keras", ".onnx", ".tflite")


@pytest.fixture(scope="module")
def models(tmp_path_factory, tiny_model) -> dict[str, Path]:
    """One tiny untrained PilotNet as .keras and its checked .onnx and .tflite exports."""
    keras_path = save_model(tiny_model, tmp_path_factory.mktemp("models") / "model.keras")
    paths = {".keras": keras_path}
    for fmt in ("onnx", "litert"):
        exported = Path(export_model(ExportConfig(format=fmt), keras_path, open_exported)["path"])
        paths[exported.suffix] = exported
    return paths


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (20, *DEFAULT_PREPROCESS.output_shape), dtype=np.uint8)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_format_steers_as_keras(models, frames, suffix):
    keras_steering, _ = load_steering(models[".keras"])
    steering, contract = load_steering(models[suffix])
    assert contract.format == {".keras": "keras", ".onnx": "onnx", ".tflite": "litert"}[suffix]
    assert contract.input_shape == DEFAULT_PREPROCESS.output_shape
    got = np.array([steering(f) for f in frames])
    want = np.array([keras_steering(f) for f in frames])
    assert np.abs(got - want).max() <= 1e-4
    assert np.ptp(want) > 0  # the frames do steer differently, so the match means something


def _copy(model: Path, folder: Path, contract: dict | None = None) -> Path:
    copy = folder / model.name
    copy.write_bytes(model.read_bytes())
    data = json.loads(contract_path(model).read_text()) if contract is None else contract
    contract_path(copy).write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize("suffix", [".onnx", ".tflite"])
def test_contract_and_model_must_agree(models, tmp_path, suffix):
    data = json.loads(contract_path(models[suffix]).read_text())
    wrong_format = _copy(models[suffix], tmp_path, {**data, "format": "keras"})
    with pytest.raises(ModelContractError, match=r"field 'format' is 'keras', but the model file is"):
        load_steering(wrong_format)
    narrow = {**data, "preprocess": {**data["preprocess"], "params": {**data["preprocess"]["params"], "out_width": 100}},
              "input_shape": [66, 100, 3]}
    wrong_shape = _copy(models[suffix], tmp_path, narrow)
    with pytest.raises(ModelContractError, match=r"model input shape \[66, 200, 3\] does not match .*\[66, 100, 3\]"):
        load_steering(wrong_shape)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_truncated_model_is_named_corrupt(models, tmp_path, suffix):
    truncated = _copy(models[suffix], tmp_path)
    truncated.write_bytes(models[suffix].read_bytes()[:2000])
    with pytest.raises(ModelContractError, match=re.escape(str(truncated)) + r": (corrupt|cannot load)"):
        load_steering(truncated)


def test_unknown_suffix_and_missing_contract(models, tmp_path):
    with pytest.raises(ModelContractError, match=r"unknown model format '\.pt'"):
        load_steering(tmp_path / "model.pt")
    lonely = tmp_path / "model.onnx"
    lonely.write_bytes(models[".onnx"].read_bytes())
    with pytest.raises(ModelContractError, match=r"model\.onnx\.json: missing"):
        load_steering(lonely)


@pytest.mark.parametrize("suffix", [".onnx", ".tflite"])
def test_drive_serves_exported_model_with_tensorflow_unimportable(models, suffix):
    """`bcloning drive model.onnx` in a process where importing tensorflow or keras raises."""
    keras_steering, _ = load_steering(models[".keras"])
    jpegs = [jpeg_bytes(camera_frame(0.3 * (i - 2), seed=i)) for i in range(5)]
    expected = [keras_steering(preprocess(decode_telemetry(make_telemetry(j), 0.0).image)) for j in jpegs]
    command = [sys.executable, "-m", "tests.agent.no_tensorflow", "bcloning", "drive", str(models[suffix]),
               "--port", "0", "--stats-interval-s", "0"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        port = None
        while port is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            found = [m for line in list(lines) if (m := re.search(r"listening on 127\.0\.0\.1:(\d+)", line))]
            port = int(found[0].group(1)) if found else None
        assert port, "".join(lines)
        with SimulatorWireClient("127.0.0.1", port) as sim:
            replies = [sim.telemetry(make_telemetry(j, speed=5.0)) for j in jpegs]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=5)
        process.stderr.close()
    log = "".join(lines)
    assert REFUSED not in log, log
    assert "Traceback" not in log, log
    assert [event for event, _ in replies] == ["steer"] * len(jpegs)
    steering = [float(data["steering_angle"]) for _, data in replies]
    assert steering == pytest.approx(np.clip(expected, -1, 1), abs=5e-6)


@pytest.mark.parametrize("suffix, module, extra", [(".onnx", "onnxruntime", "drive-onnx"),
                                                   (".tflite", "ai_edge_litert.interpreter", "drive-litert")])
def test_missing_runtime_package_names_the_extra_to_install(models, monkeypatch, suffix, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # what Python does for a package that is not installed
    with pytest.raises(ModelContractError, match=rf"needs the .* package: pip install -e '\.\[{extra}\]'"):
        load_steering(models[suffix])


def test_an_exported_model_taking_float_frames_is_refused_at_load_naming_both_dtypes(models, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    frame = helper.make_tensor_value_info("frame", TensorProto.FLOAT, [None, 66, 200, 3])
    steering = helper.make_tensor_value_info("steering", TensorProto.FLOAT, [None, 1, 1, 1])
    graph = helper.make_graph([helper.make_node("ReduceMean", ["frame"], ["steering"], axes=[1, 2, 3])],
                              "float_pilot", [frame], [steering])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    contract_path(path).write_text(contract_path(models[".onnx"]).read_text())
    with pytest.raises(ModelContractError) as error:
        load_steering(path)
    message = str(error.value)
    assert str(path) in message and "'float32'" in message and "'uint8'" in message and "\n" not in message
