"""Step through recordings in the browser and mark stretches to leave out of training.

    python scripts/review.py ../shared/data/user_windows_2020 --model runs/mem/model.keras --exclusions-dir marks

Then open http://127.0.0.1:4568/ : the three cameras, steering/throttle/speed over
the whole recording (with --model, the model's steering beside the recorded one),
the rows the recorder drops and why. Marked ranges are saved to
`<recording>.exclusions.json` beside each recording folder, or in --exclusions-dir
(for recordings on read-only storage); the recording itself is never written.
inspect_data.py and train.py read the marks from the same place and leave those
rows out. Ctrl-C stops. Exit codes: 0 ok, 2 user error (a bad recording, model,
exclusions file or flag value, or a port in use).
"""

from __future__ import annotations

import argparse
import logging
from typing import Sequence

from agent.review import ReviewConfig, ReviewServer, model_steering
from bcloning.flags import add_flags, from_flags, user_error
from recorder import LoadConfig, RecordingError
from recorder.timeline import build_timelines
from training.contract import ModelContractError

logger = logging.getLogger("review")


def build_parser() -> argparse.ArgumentParser:
    """Flags: recordings, --model, where to serve, and the loader's settings (what counts as dropped)."""
    parser = argparse.ArgumentParser(prog="review.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("log_dirs", nargs="+", metavar="RECORDING", help="recording folder (driving_log.csv + IMG/)")
    parser.add_argument("--model", default="", help="model file (.keras, .onnx, .tflite) whose steering is shown")
    add_flags(parser, ReviewConfig)
    add_flags(parser, LoadConfig, skip=("exclusions",))  # the page always shows and saves the marks
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Load the recordings (and the model), serve the page until Ctrl-C; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not one line per image
    try:
        config = from_flags(ReviewConfig, args)
        load = from_flags(LoadConfig, args)
        timelines = build_timelines(args.log_dirs, load)
        model = None
        if args.model:
            from agent.runtimes import (
                load_steering,  # TensorFlow only with a .keras model
            )

            steering, contract = load_steering(args.model)
            model = [model_steering(timeline, steering, contract.preprocess) for timeline in timelines]
        server = ReviewServer(config, timelines, load.exclusions_dir, model)
    except (ValueError, RecordingError, ModelContractError) as exc:
        return user_error(parser, str(exc))
    except OSError as exc:  # from binding: the port is taken, or the address is not this machine's
        return user_error(parser, f"cannot listen on {args.host}:{args.port}: {exc}")
    logger.info("open http://%s:%d/ (Ctrl-C stops)", config.host, server.port)
    server.serve_forever()
    return 0
