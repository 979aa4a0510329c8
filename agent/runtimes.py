"""Steering runtimes: a model file becomes a steering callable, the runtime chosen by its suffix.

    steering, contract = load_steering("runs/mem/model.onnx")
    angle = steering(preprocess(rgb_frame, contract.preprocess))

`.keras` runs through TensorFlow (`agent.inference`, imported only for such a
file); `.onnx` through ONNX Runtime and `.tflite` through LiteRT, neither of
which imports TensorFlow or Keras, so a drive-only environment can serve an
exported model with one small runtime (onnxruntime about 80 MB installed,
ai-edge-litert about 60 MB) instead of TensorFlow (over 1 GB).
Every runtime takes one preprocessed uint8 frame and returns a float, is warmed
up before it is returned (the first calls allocate and plan), and is checked
against the model's contract (input shape and dtype) before that warm-up, so a
model and a contract that disagree (an ONNX file taking float32 frames) fail at
load time with one line, not inside the runtime.

Threads: one intra-op thread for ONNX Runtime and LiteRT. A PilotNet frame is
about 27M multiply-adds; on a 2-core machine shared with the server's own work
a second thread measured no faster at p50 and slower at p99 (see
`bench_drive`).
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from training.contract import (
    FORMATS,
    ModelContract,
    ModelContractError,
    check_model_input,
    read_contract,
)

__all__ = ["LiteRTSteering", "OnnxSteering", "Steering", "WARMUP_CALLS", "load_steering", "open_exported"]

logger = logging.getLogger(__name__)

# Calls made before serving: the first plans or traces, the next ones let the
# runtime settle its thread pools and allocations.
WARMUP_CALLS = 5
# Intra-op threads of the exported runtimes (see the module docstring).
RUNTIME_THREADS = 1
# ONNX's element type names (`tensor(float)`) that differ from NumPy's.
_ONNX_DTYPES = {"float": "float32", "double": "float64", "float16": "float16"}


class Steering(Protocol):
    """A steering runtime: preprocessed uint8 frame -> steering (1 = 25 degrees)."""

    runtime: str  # runtime name, e.g. "onnxruntime"
    runtime_version: str  # its installed version
    input_shape: tuple[int, ...]  # (height, width, channels) of one frame
    input_dtype: str  # numpy dtype name of a frame

    def __call__(self, frame: np.ndarray) -> float: ...


def warm_up(steering: Steering, calls: int = WARMUP_CALLS) -> None:
    """Run `calls` blank frames through `steering` and log how long that took (0: none)."""
    if calls <= 0:
        return
    start = time.perf_counter()
    blank = np.zeros(steering.input_shape, steering.input_dtype)
    for _ in range(calls):
        steering(blank)
    logger.info("%s steering ready (warm-up %.0f ms)", steering.runtime, 1e3 * (time.perf_counter() - start))


def _require(module: str, package: str, extra: str, path: str | os.PathLike) -> Any:
    """Import a runtime's module, or say in one line which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ModelContractError(
            f"{path}: serving this model needs the {package} package: pip install -e '.[{extra}]'"
        ) from None


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class OnnxSteering:
    """A `.onnx` model run by ONNX Runtime on the CPU, one frame at a time."""

    runtime = "onnxruntime"

    def __init__(self, path: str | os.PathLike, warmup_calls: int = WARMUP_CALLS) -> None:
        onnxruntime = _require("onnxruntime", "onnxruntime", "drive-onnx", path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = RUNTIME_THREADS
        options.inter_op_num_threads = RUNTIME_THREADS
        options.log_severity_level = 3  # errors only: its warnings are about GPU providers
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # its errors are pybind types (InvalidProtobuf, Fail, ...)
            raise ModelContractError(f"{path}: corrupt or not an ONNX model: {exc}") from None
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelContractError(f"{path}: expected one input and one output, got {len(inputs)} and {len(outputs)}")
        self._input = inputs[0].name
        self._outputs = [outputs[0].name]
        self.input_shape = tuple(inputs[0].shape[1:])
        onnx_type = inputs[0].type.removeprefix("tensor(").removesuffix(")")
        self.input_dtype = _ONNX_DTYPES.get(onnx_type, onnx_type)
        self.runtime_version = onnxruntime.__version__
        warm_up(self, warmup_calls)

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame of the model's input shape."""
        return float(self._session.run(self._outputs, {self._input: frame[np.newaxis]})[0].reshape(-1)[0])


class LiteRTSteering:
    """A `.tflite` model run by the LiteRT interpreter (XNNPACK on the CPU)."""

    runtime = "ai-edge-litert"

    def __init__(self, path: str | os.PathLike, warmup_calls: int = WARMUP_CALLS) -> None:
        interpreter = _require("ai_edge_litert.interpreter", "ai-edge-litert", "drive-litert", path)
        try:
            self._interpreter = interpreter.Interpreter(model_path=str(path), num_threads=RUNTIME_THREADS)
            self._interpreter.allocate_tensors()
        except ValueError as exc:
            raise ModelContractError(f"{path}: corrupt or not a LiteRT model: {exc}") from None
        inputs, outputs = self._interpreter.get_input_details(), self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelContractError(f"{path}: expected one input and one output, got {len(inputs)} and {len(outputs)}")
        self._input = inputs[0]["index"]
        self._output = outputs[0]["index"]
        self.input_shape = tuple(int(d) for d in inputs[0]["shape"][1:])
        self.input_dtype = np.dtype(inputs[0]["dtype"]).name
        self.runtime_version = _package_version("ai-edge-litert")
        warm_up(self, warmup_calls)

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame of the model's input shape."""
        self._interpreter.set_tensor(self._input, frame[np.newaxis])
        self._interpreter.invoke()
        return float(self._interpreter.get_tensor(self._output).reshape(-1)[0])


# Exported format -> runtime class (`.keras` is served by agent.inference).
_EXPORTED = {"onnx": OnnxSteering, "litert": LiteRTSteering}


def open_exported(path: str | os.PathLike, warmup_calls: int = WARMUP_CALLS) -> Steering:
    """Open an `.onnx` or `.tflite` file in its runtime, without reading its contract.

    Raises:
        ModelContractError: another suffix, a missing file, or a file the runtime cannot load.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix)
    if fmt not in _EXPORTED:
        raise ModelContractError(f"{path}: not an exported model; expected .onnx or .tflite")
    if not path.is_file():
        raise ModelContractError(f"{path}: no such model file")
    return _EXPORTED[fmt](path, warmup_calls)


def load_steering(path: str | os.PathLike, warmup_calls: int = WARMUP_CALLS) -> tuple[Steering, ModelContract]:
    """The one way the drive server, the demo and evaluation load a model of any format.

    Reads and checks the contract beside `path`, opens the file in the runtime
    its suffix names, checks the model's input against the contract, warms it up.

    Raises:
        ModelContractError: one line naming the file (and field) that is wrong.
    """
    path = Path(path)
    contract = read_contract(path)
    if contract.format == "keras":
        inference = _require("agent.inference", "tensorflow", "train", path)  # TensorFlow only for .keras
        steering = inference.open_keras(path, warmup_calls=0)
    else:
        steering = open_exported(path, warmup_calls=0)
    check_model_input(path, steering.input_shape, steering.input_dtype, contract)  # before any frame goes in
    warm_up(steering, warmup_calls)
    logger.info("%s: %s %s", path, steering.runtime, steering.runtime_version)
    return steering, contract
