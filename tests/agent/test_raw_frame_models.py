"""Models that take the simulator's raw frame (as the published peers do): loaded, served and exported.

A Keras model whose input is the uint8 160x320x3 frame crops, resizes and
scales inside its graph; it has no model.json (`training.contract` infers
`RAW_FRAME`), the drive server hands it the decoded frame as it is, and its
ONNX export is checked against Keras like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from agent import ControllerConfig, PIController, ServerConfig, create_app
from agent.runtimes import load_steering, open_exported
from agent.telemetry import decode_telemetry
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from training.contract import ModelContractError, contract_path
from training.export import ExportConfig, export_model
from training.preprocess import RAW_FRAME, preprocess_spec

PEERS = Path(__file__).resolve().parents[3] / "shared" / "peers"


def build_raw_frame_model(seed: int = 0) -> keras.Model:
    """A tiny untrained model built as the Udacity course teaches: cropping and scaling in the graph."""
    keras.utils.set_random_seed(seed)
    frame = keras.Input(RAW_FRAME.output_shape, dtype="uint8", name="rgb_frame")
    x = keras.layers.Cropping2D(((60, 25), (0, 0)))(frame)
    x = keras.layers.Resizing(33, 100, interpolation="bilinear")(x)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(x)
    x = keras.layers.Conv2D(4, 5, strides=4, activation="elu")(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(frame, keras.layers.Dense(1, activation="tanh")(x))


@pytest.fixture(scope="module")
def raw_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny raw-frame model saved as peer/model.keras, with no contract beside it."""
    path = tmp_path_factory.mktemp("peer") / "model.keras"
    build_raw_frame_model().save(path)
    return path


def _served_steering(model_path: Path, rgb: np.ndarray) -> tuple[float, float, int]:
    """(steering the drive server sent for one JPEG of `rgb`, the model's own on the decoded frame, bad frames)."""
    steering, contract = load_steering(model_path)
    telemetry = make_telemetry(jpeg_bytes(rgb), speed=5.0)
    decoded = decode_telemetry(telemetry, 0.0).image  # exactly what the server decodes
    server = create_app(ServerConfig(port=0, stats_interval_s=0), steering, PIController(ControllerConfig()),
                        None, contract.preprocess)
    with server, SimulatorWireClient("127.0.0.1", server.port) as sim:
        event, data = sim.telemetry(telemetry)
    assert event == "steer"
    return float(data["steering_angle"]), steering(decoded), server.bad_frames


def test_a_raw_frame_model_loads_without_a_contract(raw_model: Path) -> None:
    steering, contract = load_steering(raw_model)
    assert contract.preprocess is RAW_FRAME and contract.format == "keras"
    assert steering.input_shape == (160, 320, 3) and steering.input_dtype == "uint8"
    frame = camera_frame(seed=2)
    want = float(keras.models.load_model(raw_model).predict(frame[np.newaxis], verbose=0)[0, 0])  # graph mode, as served
    assert steering(frame) == pytest.approx(want, abs=1e-6)
    assert not contract_path(raw_model).exists()  # nothing written beside the model


def test_the_drive_server_hands_it_the_decoded_frame_once(raw_model: Path) -> None:
    sent, own, bad = _served_steering(raw_model, camera_frame(seed=1))
    # PilotNet's preprocessing in front of it would give a 66x200 frame: refused, answered with the fallback 0.
    assert bad == 0
    assert sent == pytest.approx(own, abs=1e-6) and abs(own) > 1e-4


@pytest.mark.slow
def test_its_onnx_export_passes_the_check_and_says_raw_frame(raw_model: Path, tmp_path: Path,
                                                             recording_factory) -> None:
    with pytest.raises(ModelContractError, match="--out"):  # not beside a model that is someone else's
        export_model(ExportConfig(format="onnx"), raw_model, open_exported)
    out = tmp_path / "exported" / "peer.onnx"
    out.parent.mkdir()
    config = ExportConfig(format="onnx", out=str(out), check_recording=str(recording_factory(rows=210)))
    written = export_model(config, raw_model, open_exported)
    assert written["equivalence"]["max_abs_diff"] <= written["equivalence"]["bound"]
    assert written["equivalence"]["frames"] == 200 and "rec" in written["equivalence"]["frames_from"]
    on_disk = json.loads(contract_path(out).read_text(encoding="utf-8"))
    assert on_disk["preprocess"] == preprocess_spec(RAW_FRAME) and on_disk["input_shape"] == [160, 320, 3]
    steering, contract = load_steering(out)
    assert contract.preprocess is RAW_FRAME and contract.format == "onnx"
    frame = camera_frame(seed=4)
    assert steering(frame) == pytest.approx(load_steering(raw_model)[0](frame), abs=1e-4)


@pytest.mark.slow
def test_a_published_peer_is_served(tmp_path: Path) -> None:
    naoki = PEERS / "naoki" / "model.keras"
    if not naoki.is_file():
        pytest.skip(f"peer models not found at {PEERS} (../shared/peers is optional)")
    sent, own, bad = _served_steering(naoki, camera_frame(seed=5))
    assert bad == 0 and sent == pytest.approx(own, abs=1e-6)
    assert not contract_path(naoki).exists()
