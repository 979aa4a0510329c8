"""Score models in closed loop: replays of real recordings and unseen built-in tracks, one table.

    python scripts/evaluate.py runs/gen/model.keras runs/mem/model.keras --recordings ../shared/data/user_windows_2023 ../shared/data/user_windows_2020 --tracks 5 --out eval

Each model is served by a real drive server (what scripts/drive.py runs, any
format its loader takes: .keras, .onnx, .tflite) on a free port of 127.0.0.1,
and driven over the simulator's wire protocol: each recording is replayed
(NVIDIA's method: the car's deviation d from the recorded path, an intervention
past --threshold-m) and --tracks built-in tracks are driven for --laps laps
(seeds --first-track-seed and up, never --training-track-seed). Prints one table
(model x world: autonomy, interventions, interventions per km, mean and max offset
from the world's reference line (the recorded path on a replay, the centre line on
a track), steering rms change, lap time, and on replays the car's and the recorded
driver's offset from the lane centre; per model the replays pooled, total
interventions / total km, and mean ± spread over the tracks) and writes evaluation.md,
evaluation.json, evaluation.png (the models side by side) and each world's own metrics
and plots to --out (a folder without an earlier evaluation). A model is labelled by its
folder (runs/pipe/model.keras: pipe). Published models that take the raw frame
(../shared/peers/*/model.keras) are evaluated beside yours without a contract.

For a model inside a training run folder (runs/mem/model.keras), RUN_DIR/driving.json
is written too, naming this evaluation and holding the model's summary:
scripts/compare.py then shows the run's closed-loop autonomy beside its time,
energy and CO2. Evaluating the run's model again replaces that summary. Where the run
was tracked in MLflow (`train --track mlflow`), the closed-loop figures (per world and
pooled) and evaluation.md/.png are added to that MLflow run.
Exit codes: 0 ok, 1 a drive server failed or broke the protocol, 2 user error
(bad model file or contract, not a recording, used --out, bad flag value), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from agent import ControllerConfig
from bcloning.flags import add_flags, from_flags, output_path, user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly_for
from evaluation import EvaluationConfig, evaluate_models
from recorder import RecordingError
from recorder.loader import check_distinct
from simulator import WireError
from training.run.tracking import TrackingError, log_evaluation, require_mlflow, tracked_run


def build_parser() -> argparse.ArgumentParser:
    """Flags: models, --recordings, --out, one flag per EvaluationConfig and ControllerConfig field."""
    summary, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(prog="evaluate.py", description=summary, epilog=details,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", metavar="MODEL",
                        help="model file (.keras, .onnx, .tflite) with its contract beside it, "
                             "or a .keras whose input is the raw 160x320x3 uint8 frame")
    parser.add_argument("--recordings", nargs="*", default=[], metavar="RECORDING",
                        help="recording folders (driving_log.csv + IMG/) to replay (default: none)")
    parser.add_argument("--out", required=True, type=output_path,
                        help="folder for evaluation.json, .md, .png and each world's files (no earlier evaluation)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars, warnings only in the log")
    add_flags(parser, EvaluationConfig)
    add_flags(parser, ControllerConfig)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate, print the table; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    for name in ("agent", "simulator.autonomous", "simulator.replay.loop", "simulator.wire"):  # one line per world is enough
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # a tracked run's store: its set-up lines
    try:
        config = from_flags(EvaluationConfig, args)
        controller = from_flags(ControllerConfig, args)
        check_distinct(args.models, "model")
        check_distinct(args.recordings, "recording")
        if any(tracked_run(model) for model in args.models):
            require_mlflow()  # before the (slow) drives
        import_tensorflow_quietly_for(args.models)  # a .keras model loads TensorFlow: none of its start-up lines
        evaluation = evaluate_models(args.models, args.recordings, config, controller, args.out, not args.quiet)
    except WireError as exc:  # before OSError: a WireError is a ConnectionError
        return user_error(parser, f"drive server: {exc}", 1)
    except (ValueError, RecordingError, OSError) as exc:  # OSError: a missing model, an --out under a file
        return user_error(parser, str(exc))
    except KeyboardInterrupt:
        print(f"evaluate.py: interrupted; partial output in {args.out}", file=sys.stderr)
        return 130
    with open(evaluation["files"]["table"], encoding="utf-8") as table:
        print(table.read(), end="")
    try:
        for model, run_id in log_evaluation(evaluation).items():
            print(f"{model}: closed-loop figures added to MLflow run {run_id}")
    except TrackingError as exc:
        return user_error(parser, f"evaluated ({args.out} is written) but not logged: {exc}")
    print(f"written: {', '.join(dict.fromkeys(evaluation['files'].values()))}")
    return 0
