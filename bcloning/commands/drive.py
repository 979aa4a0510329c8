"""Drive the Udacity simulator's car with a trained model (start this, then autonomous mode).

    python scripts/drive.py runs/mem/model.keras run1 --speed 9
    python scripts/drive.py runs/mem/model.onnx        # exported (bcloning export): no TensorFlow

The runtime follows from the model file: .keras (TensorFlow), .onnx (ONNX
Runtime) or .tflite (LiteRT); an exported model is served without importing
TensorFlow or Keras, so a drive-only install (`pip install -e '.[drive-onnx]'`)
runs it. Serves ws://127.0.0.1:4567 (the address the simulator connects to), and
the live dashboard at http://127.0.0.1:4567/ (docs/browser.md). With a
folder, every driven frame is recorded there in the simulator's format
(IMG/ + driving_log.csv, readable at every moment: a killed server loses at
most the last row); a non-empty folder is refused unless --overwrite (files are
added, none is ever deleted; an earlier driving_log.csv is renamed
driving_log.before_<time>.csv). A failed write (a full disk) stops the
recording with one error while the car goes on being driven. Latency (frames,
p50, p99) is logged every --stats-interval-s and at exit. Ctrl-C or SIGTERM stops
within 3 s whatever the clients do. Only clients without an Origin header (the
simulator) and pages of the server's own origin are served (--allow-origin adds
others); one connection drives and is recorded at a time; --max-connections,
--idle-timeout-s and the per-connection byte budgets bound what others can take.
Exit codes: 0 ok, 1 the recording stopped early (a write failed), 2 user error
(bad model file, folder not usable, bad flag value).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
from typing import Sequence

from agent import (
    ControllerConfig,
    PIController,
    RecordingFolderError,
    RunRecorder,
    RunRecordingConfig,
    ServerConfig,
    create_app,
)
from agent.recording import check_folder
from agent.runtimes import load_steering
from bcloning.flags import add_flags, from_flags, user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly_for
from training.contract import ModelContractError

logger = logging.getLogger("drive")


def build_parser() -> argparse.ArgumentParser:
    """Flags: model, optional run folder, and one flag per server/controller/record field."""
    parser = argparse.ArgumentParser(prog="drive.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model file (.keras, .onnx or .tflite) with its contract (.json) beside it")
    parser.add_argument(
        "image_folder", nargs="?", default="", help="record the run here (IMG/ + driving_log.csv); omit to not record"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="record into a non-empty folder (files are added, none deleted; an earlier log is renamed)"
    )
    parser.add_argument(
        "--speed", dest="set_speed", type=float, default=argparse.SUPPRESS, metavar="MPH",
        help="target speed in mph, same as --set-speed (Udacity's drive.py flag name)",
    )
    add_flags(parser, ServerConfig)
    add_flags(parser, ControllerConfig)
    add_flags(parser, RunRecordingConfig, skip=("folder", "overwrite"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Load the model, serve until Ctrl-C; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server_config = from_flags(ServerConfig, args)
        controller_config = from_flags(ControllerConfig, args)
        record_config = from_flags(RunRecordingConfig, args, folder=args.image_folder, overwrite=args.overwrite)
        if record_config.folder:
            check_folder(record_config.folder, record_config.overwrite)  # before the slow model load
        import_tensorflow_quietly_for([args.model])  # a .keras model loads TensorFlow: none of its start-up lines
        steering, contract = load_steering(args.model)  # refuses a stopped training run's model
    except (ValueError, RecordingFolderError, ModelContractError) as exc:
        return user_error(parser, str(exc))
    server = create_app(server_config, steering, PIController(controller_config), None, contract.preprocess)
    try:
        port = server.listen()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        return user_error(parser, f"cannot listen on {server_config.host}:{server_config.port}: {exc}")
    logger.info("model %s loaded; open the simulator in autonomous mode (port %d)", args.model, port)
    logger.info("live dashboard: http://%s:%d/ in a browser (counters as JSON: /status.json)", server_config.host, port)
    recorder = RunRecorder(record_config) if record_config.folder else None
    server.recorder = recorder
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop())
    # The model's objects live until exit: frozen, the collector never scans them again, in
    # the full collections while driving nor at exit, where TensorFlow's took 4-5 s and
    # kept a stopped server's process alive (a stop must end within 3 s).
    gc.freeze()
    try:
        server.serve_forever()
    finally:
        if recorder is not None:
            recorder.close()
    if recorder is not None and recorder.failure:
        logger.error("the recording stopped early: %s", recorder.failure)
        return 1
    return 0

