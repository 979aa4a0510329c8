"""Drive the Udacity simulator's car with a trained model (start this, then autonomous mode).

    python scripts/drive.py runs/mem/model.keras run1 --speed 9

Serves ws://127.0.0.1:4567 (the address the simulator connects to). With a
folder, every driven frame is recorded there in the simulator's format
(IMG/ + driving_log.csv); a non-empty folder is refused unless --overwrite
(files are added, none is ever deleted). Latency (frames, p50, p99) is logged
every --stats-interval-s and at exit. Ctrl-C stops cleanly.
Exit codes: 0 ok, 2 user error (bad model file, folder not usable, bad flag value).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as `python scripts/drive.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import (  # noqa: E402
    ControllerConfig,
    PIController,
    RecordConfig,
    RecordingFolderError,
    RunRecorder,
    ServerConfig,
    create_app,
)
from agent.inference import load_steering_model  # noqa: E402
from agent.recording import check_folder  # noqa: E402
from scripts.config_flags import add_flags, from_flags  # noqa: E402
from training.model_file import ModelContractError  # noqa: E402

logger = logging.getLogger("drive")


def build_parser() -> argparse.ArgumentParser:
    """Flags: model, optional run folder, and one flag per server/controller/record field."""
    parser = argparse.ArgumentParser(prog="drive.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model file (.keras) saved with its .json contract beside it")
    parser.add_argument(
        "image_folder", nargs="?", default="", help="record the run here (IMG/ + driving_log.csv); omit to not record"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="record into a non-empty folder (files are added, none deleted)"
    )
    parser.add_argument(
        "--speed", dest="set_speed", type=float, default=argparse.SUPPRESS, metavar="MPH",
        help="target speed in mph, same as --set-speed (Udacity's drive.py flag name)",
    )
    add_flags(parser, ServerConfig)
    add_flags(parser, ControllerConfig)
    add_flags(parser, RecordConfig, skip=("folder", "overwrite"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Load the model, serve until Ctrl-C; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server_config = from_flags(ServerConfig, args)
        controller_config = from_flags(ControllerConfig, args)
        record_config = from_flags(RecordConfig, args, folder=args.image_folder, overwrite=args.overwrite)
        if record_config.folder:
            check_folder(record_config.folder, record_config.overwrite)  # before the slow model load
        model, preprocess_config = load_steering_model(args.model)
    except (ValueError, RecordingFolderError, ModelContractError) as exc:
        print(f"drive.py: error: {exc}", file=sys.stderr)
        return 2
    server = create_app(server_config, model, PIController(controller_config), None, preprocess_config)
    try:
        port = server.listen()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"drive.py: error: cannot listen on {server_config.host}:{server_config.port}: {exc}", file=sys.stderr)
        return 2
    logger.info("model %s loaded; open the simulator in autonomous mode (port %d)", args.model, port)
    recorder = RunRecorder(record_config) if record_config.folder else None
    server.recorder = recorder
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop())
    try:
        server.serve_forever()
    finally:
        if recorder is not None:
            recorder.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
