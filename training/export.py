"""Export a trained `.keras` model to ONNX or LiteRT, checked against Keras before it is written.

    result = export_model(ExportConfig(format="onnx"), "runs/mem/model.keras", open_exported)

Keras 3's own exporter writes the file (`model.export(format="onnx")` through
tf2onnx, `format="litert"` through TensorFlow's LiteRT converter). The exported
file is then run, one frame at a time exactly as the drive server will run it,
on at least 200 preprocessed frames (from a recording, or generated), and
compared with Keras on the same frames. Only when the largest steering
difference is within `EQUIVALENCE_BOUND` are the file and its contract renamed
into place; otherwise nothing is written. The contract is the `.keras` model's
(`training.contract`) plus the format, the runtime that ran the check, the
exporter's versions, the source model's sha256 and the check's figures, so a
deployed file says where it came from and how closely it was shown to match.

`quantize="int8"` (LiteRT only) stores int8 weights and activations, calibrated
on frames of the check recording that lie between the checked ones: about a
quarter of the size and, measured on a 2-core CPU, about 3x faster, but it
cannot match Keras to 1e-4, so it is held to its own stated bound, `INT8_BOUND`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable

import numpy as np

from recorder.atomic import atomic_path, write_json_atomic
from recorder.config_fields import check_range, setting
from recorder.loader import load_recordings
from training.contract import (
    ModelContract,
    ModelContractError,
    check_model_input,
    contract_path,
    read_contract,
)
from training.data.examples import centre_examples
from training.preprocess import preprocess_spec

__all__ = ["EQUIVALENCE_BOUND", "INT8_BOUND", "MIN_CHECK_FRAMES", "ExportConfig", "ExportMismatchError", "export_model"]

logger = logging.getLogger(__name__)

# Largest |steering difference| (normalised steering, 1 = 25 degrees) allowed between
# Keras and the exported file: 1e-4 is 0.0025 degrees of wheel, far below what the
# car can feel, and far above float32 rounding (exports measured about 1e-6).
EQUIVALENCE_BOUND = 1e-4
# The same for an int8-quantized LiteRT model, which cannot match to 1e-4: 0.05 is
# 1.25 degrees of wheel on the worst frame, about a recorded driver's frame-to-frame
# jitter; a model past it is refused rather than deployed.
INT8_BOUND = 0.05
# Frames of a recording that calibrate int8 activation ranges (TFLite's representative set).
REPRESENTATIVE_FRAMES = 100
# The check runs at least this many frames.
MIN_CHECK_FRAMES = 200
# Quantization choices: none keeps float32.
QUANTIZE = ("none", "int8")
# Format -> file suffix.
SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}
# Python packages whose versions the contract records, per format.
EXPORTERS = {"onnx": ("keras", "tensorflow", "tf2onnx", "onnx"), "litert": ("keras", "tensorflow")}


class ExportMismatchError(ValueError):
    """The exported model does not steer as the Keras model does; nothing was written."""


@dataclass(frozen=True)
class ExportConfig:
    """What to export and how to check it."""

    # "onnx" (run by ONNX Runtime) or "litert" (.tflite, run by LiteRT)
    format: str = setting("onnx", "export format", choices=tuple(SUFFIXES))
    # output file; empty = beside the model with the format's suffix (model.int8.tflite if quantized)
    out: str = setting("", "output file (default: beside the model, .onnx or .tflite)")
    # frames the exported model is checked on against Keras
    check_frames: int = setting(MIN_CHECK_FRAMES, f"frames of the equivalence check (>= {MIN_CHECK_FRAMES})")
    # recording folder whose centre frames are the check; empty = generated frames
    check_recording: str = setting("", "recording whose centre frames are checked (default: generated frames)")
    # seed of the generated check frames
    seed: int = setting(0, "seed of the generated check frames")
    # "none" = float32 as trained; "int8" = LiteRT with int8 weights and activations
    quantize: str = setting("none", "int8: quantize a litert export, calibrated on --check-recording", choices=QUANTIZE)

    def __post_init__(self) -> None:
        if self.format not in SUFFIXES:
            raise ValueError(f"format must be one of {sorted(SUFFIXES)}, got {self.format!r}")
        if self.out and Path(self.out).suffix != SUFFIXES[self.format]:
            raise ValueError(f"out must end in {SUFFIXES[self.format]} for format {self.format}, got {self.out!r}")
        check_range("check_frames", self.check_frames, low=MIN_CHECK_FRAMES)
        if self.quantize not in QUANTIZE:
            raise ValueError(f"quantize must be one of {QUANTIZE}, got {self.quantize!r}")
        if self.quantized and (self.format != "litert" or not self.check_recording):
            raise ValueError("quantize int8 needs format litert and a check_recording (its frames calibrate it)")

    @property
    def quantized(self) -> bool:
        """True for an int8 export."""
        return self.quantize == "int8"

    @property
    def bound(self) -> float:
        """The largest |steering difference| from Keras this export may show."""
        return INT8_BOUND if self.quantized else EQUIVALENCE_BOUND


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_frames(config: ExportConfig, contract: ModelContract) -> tuple[np.ndarray, np.ndarray, str]:
    """The preprocessed uint8 frames of the check, the int8 calibration frames, and where they came from.

    Calibration frames (only when `config.quantized`) lie between the check's, so
    the check does not grade the quantized model on the frames that tuned it.

    Raises:
        ValueError: the recording has fewer usable frames than `config.check_frames`.
        RecordingError: the recording cannot be read.
    """
    if not config.check_recording:
        rng = np.random.default_rng(config.seed)
        frames = rng.integers(0, 256, (config.check_frames, *contract.input_shape), dtype=np.uint8)
        return frames, frames[:0], f"generated (uniform noise, seed {config.seed})"
    samples = load_recordings([config.check_recording]).samples
    if len(samples) < config.check_frames:
        raise ValueError(
            f"{config.check_recording}: {len(samples)} usable frames, the check needs {config.check_frames}"
        )
    picked = np.linspace(0, len(samples) - 1, config.check_frames).round().astype(int)
    frames, _ = centre_examples([samples[i] for i in picked], contract.preprocess)
    between = np.linspace(0.5, len(samples) - 1.5, REPRESENTATIVE_FRAMES if config.quantized else 0)
    calibration, _ = centre_examples([samples[i] for i in between.round().astype(int)], contract.preprocess)
    return frames, calibration, f"{config.check_recording} (centre frames, evenly spaced)"


def _export(model: Any, path: Path, config: ExportConfig, calibration: np.ndarray) -> None:
    """Keras' own exporter; for int8, TFLite's converter options passed through it."""
    options: dict[str, Any] = {}
    if config.quantized:
        import tensorflow as tf

        options = {"optimizations": [tf.lite.Optimize.DEFAULT],
                   "representative_dataset": lambda: ([frame[np.newaxis]] for frame in calibration)}
    with warnings.catch_warnings():  # tf2onnx's numpy 2 shims warn on every export
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))
        if config.format == "onnx":
            importlib.import_module("training.onnx_ops")  # registers the ops tf2onnx lacks
        model.export(str(path), format=config.format, verbose=False, **options)


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def export_model(
    config: ExportConfig,
    model_path: str | os.PathLike,
    open_exported: Callable[[Path], Any],
) -> dict[str, Any]:
    """Export, check and write the model and its contract; return the contract written.

    Args:
        config: format, output, check.
        model_path: a `.keras` model with its contract beside it, or one taking the raw
            frame without one (`training.contract.read_contract`); the contract is written beside the output.
        open_exported: opens an exported file as a steering runtime (the drive
            server's own, `agent.runtimes.open_exported`), so the check runs the
            file as it will be served: one frame per call.

    Raises:
        ModelContractError: the source model or its contract is not usable.
        ExportMismatchError: the exported model steers differently; nothing written.
        ValueError, RecordingError: a bad check recording.
    """
    model_path = Path(model_path)
    if model_path.suffix != ".keras":
        raise ModelContractError(f"{model_path}: export reads a trained .keras model, got {model_path.suffix!r}")
    contract = read_contract(model_path)
    from training.model_file import load_model  # Keras only to export: --help and flag errors stay light

    model = load_model(model_path, contract.preprocess)
    frames, calibration, frames_from = check_frames(config, contract)
    if not config.out and not contract_path(model_path).is_file():
        raise ModelContractError(f"{model_path}: has no contract of its own (a raw-frame model from elsewhere); "
                                 "choose where to write its export with --out, not beside it")
    default_name = model_path.stem + (f".{config.quantize}" if config.quantized else "") + SUFFIXES[config.format]
    out = Path(config.out) if config.out else model_path.with_name(default_name)
    if out.parent.is_dir() and not os.access(out.parent, os.W_OK):  # a model in a read-only folder (../shared/peers)
        raise ModelContractError(f"{out}: cannot write in {out.parent} (read-only); choose another --out")
    reference = model.predict(frames, batch_size=32, verbose=0).reshape(-1)
    with atomic_path(out) as tmp:
        logger.info("exporting %s to %s", model_path, config.format)
        _export(model, tmp, config, calibration)
        try:
            runtime = open_exported(tmp)
        except ModelContractError as exc:  # the exporter wrote ops the runtime lacks (it logs which)
            raise ExportMismatchError(f"{out}: not written: the exported file does not load: {exc}") from None
        check_model_input(out, runtime.input_shape, runtime.input_dtype, contract)
        exported = np.array([runtime(frame) for frame in frames], np.float64)
        diff = np.abs(exported - reference)
        figures = {
            "frames": len(frames), "frames_from": frames_from, "bound": config.bound,
            "max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
            "keras_steering_range": [float(reference.min()), float(reference.max())],
        }
        logger.info("equivalence check: %s", json.dumps(figures))
        if not diff.max() <= config.bound:  # also refuses NaN
            raise ExportMismatchError(
                f"{out}: not written: exported model differs from Keras by up to {diff.max():.3g} "
                f"(bound {config.bound:g}) over {len(frames)} frames"
            )
        written = {
            "preprocess": preprocess_spec(contract.preprocess),
            "input_shape": list(contract.input_shape),
            "input_dtype": contract.input_dtype,
            **contract.extra,  # the run's own fields (approach, seed, epochs)
            "format": config.format,
            **({"quantize": config.quantize, "calibration_frames": len(calibration)} if config.quantized else {}),
            "runtime": {"name": runtime.runtime, "version": runtime.runtime_version},
            "exporter": _versions(EXPORTERS[config.format]),
            "source": {"file": model_path.name, "sha256": sha256_file(model_path)},
            "equivalence": figures,
        }
        # the contract before the model (renamed into place as this block ends): never a model without it
        write_json_atomic(contract_path(out), written)
    return {"path": str(out), **written}
