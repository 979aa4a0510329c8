"""Export a trained model to ONNX or LiteRT, checked against Keras before it is written.

    python scripts/export.py runs/mem/model.keras --format onnx
    python scripts/export.py runs/mem/model.keras --format litert --check-recording ../shared/data/udacity_sample_2000
    python scripts/export.py runs/mem/model.keras --format litert --quantize int8 --check-recording REC --out m8.tflite

Writes model.onnx or model.tflite beside the model (or --out), and its contract
beside that (model.onnx.json / model.tflite.json): the model.json fields plus
the format, the runtime and its version, the source model's sha256 and the
equivalence check's figures. The exported file is run as the drive server runs
it, one frame at a time, on at least 200 preprocessed frames (a recording's
centre frames, or generated ones) and compared with Keras; nothing is written
if any steering differs by more than 1e-4 (0.05 with --quantize int8,
calibrated on other frames of the check recording). `python scripts/drive.py model.onnx`
then serves it without TensorFlow. A .keras model whose input is the simulator's raw
frame needs no model.json (see docs/drive.md, "Models that take the raw frame"); as
it is someone else's, its export goes where --out says, never beside it.
Exit codes: 0 written, 2 user error or failed check (one line, nothing written).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Sequence

from agent.runtimes import open_exported
from bcloning.flags import add_flags, from_flags, user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly
from recorder.problems import RecordingError
from training.contract import ModelContractError, contract_path
from training.export import ExportConfig, export_model


def build_parser() -> argparse.ArgumentParser:
    """Flags: the model, and one flag per ExportConfig field."""
    parser = argparse.ArgumentParser(prog="export.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="trained model (.keras) with its model.json beside it, "
                                      "or one whose input is the raw 160x320x3 uint8 frame")
    add_flags(parser, ExportConfig)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Export, check, write; print the check's figures; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    import_tensorflow_quietly()  # before anything imports it: its log level, none of its start-up lines
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        written = export_model(from_flags(ExportConfig, args), args.model, open_exported)
    except (ValueError, ModelContractError, RecordingError) as exc:
        return user_error(parser, str(exc))
    except OSError as exc:  # a full disk, an unwritable folder: the atomic write names the file, leaves no part
        return user_error(parser, f"cannot write: {exc}")
    path, check = Path(written["path"]), written["equivalence"]
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB, {written['runtime']['name']} "
          f"{written['runtime']['version']}) and {contract_path(path)}")
    print(f"equivalence with Keras over {check['frames']} frames ({check['frames_from']}): "
          f"max |steering diff| {check['max_abs_diff']:.2e}, mean {check['mean_abs_diff']:.2e} "
          f"(bound {check['bound']:g})")
    return 0
