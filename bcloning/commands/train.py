"""Train PilotNet on Udacity recordings with one approach; write a run folder.

    python scripts/train.py ../shared/data/user_windows_2023 --approach in-memory --epochs 2 --out runs/mem

The run folder gets model.keras + model.json, history.csv, loss.png,
emissions.csv (codecarbon, offline) and report.json (times, images/s, peak RSS,
energy, CO2 measured and estimated, losses, hardware, versions). Compare runs
with scripts/compare.py. Rows marked on the review page (scripts/review.py) are
left out: `<recording>.exclusions.json` beside each recording, or in --exclusions-dir.
Exit codes: 0 ok, 2 user error (bad recording, bad flag value, run folder already used,
a full disk), 130 stopped by Ctrl-C or SIGTERM. A stopped run leaves its folder marked
INCOMPLETE (compare.py and drive.py refuse it): with --checkpoint the same command with
--resume continues it; without, the same command starts it again, first moving the
stopped attempt's files into interrupted_<time>/.

Tracking: --track mlflow (or BCLONING_TRACK=mlflow) logs the finished run to a local
MLflow store (default sqlite:///mlflow.db here, or --tracking-uri): settings, loss per
epoch, time, energy, CO2 and the run's files; needs `pip install -e '.[tracking]'`.

Precision: --precision mixed_bfloat16 trains in bfloat16 mixed precision (faster
where the CPU or GPU computes bfloat16 natively; --precision auto picks it there);
model.keras is float32 either way, so every runtime and export takes it as before.

Long runs: --checkpoint saves the model every epoch and a backup of the training
state; after a kill, the same command with --resume goes on from the last epoch:

    python scripts/train.py ../shared/data/user_windows_2023 --approach pipeline --epochs 50 --checkpoint --out runs/long
    python scripts/train.py ../shared/data/user_windows_2023 --approach pipeline --epochs 50 --checkpoint --resume --out runs/long

Checkpoints chosen by how they drive: every N epochs the model is served by a
drive server and driven in closed loop (replays of other recordings, unseen
built-in tracks); the best epoch is kept as best_driving.keras and report.json's
"driving_eval" says which epoch it was and how it drove:

    python scripts/train.py ../shared/data/udacity_sample_2000 --approach pipeline --epochs 10 --eval-every 2 --eval-recordings ../shared/data/user_windows_2023 --out runs/p

Several machines: the same command on each, with the list of all workers and
this machine's index (0 writes the run folder):

    python scripts/train.py DATA --approach pipeline --workers 10.0.0.1:2222,10.0.0.2:2222 --worker-index 0 --out runs/mw
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from typing import Sequence

from bcloning.flags import (
    add_flags,
    add_settings_flags,
    from_flags,
    output_path,
    refuse_output_inside,
    settings_from_flags,
    user_error,
)
from bcloning.tensorflow_logs import import_tensorflow_quietly
from recorder import RecordingError
from training.approaches import approach_names, get_approach
from training.config import ClusterConfig, TrainConfig, parse_workers
from training.run.folder import RunFolderError
from training.run.report import number_or_na
from training.run.settings import RunSettings
from training.run.tracking import (
    TrackingConfig,
    TrackingError,
    log_store,
    log_training_run,
    require_mlflow,
)


def build_parser() -> argparse.ArgumentParser:
    """Flags: recordings, --out, and one flag per field of each config."""
    names = approach_names()
    parser = argparse.ArgumentParser(
        prog="train.py",
        description=__doc__.split("\n\n")[0],
        epilog="approaches: " + "; ".join(f"{n}: {get_approach(n).description}" for n in names),
    )
    parser.add_argument("log_dirs", nargs="+", metavar="LOG_DIR", help="recording folder (driving_log.csv + IMG/)")
    parser.add_argument("--out", required=True, type=output_path, help="run folder to create (must not hold a run yet)")
    parser.add_argument(
        "--no-emissions", action="store_true", help="do not run codecarbon (times are still measured)"
    )
    parser.add_argument(  # choices come from the approach registry, the default from TrainConfig
        "--approach", choices=names, default=TrainConfig.approach, help="training approach (default: %(default)s)"
    )
    add_settings_flags(parser, RunSettings, skip=("train.approach",))
    add_flags(parser, TrackingConfig)  # where the run is logged, not how it trains: not a run setting
    cluster = parser.add_argument_group("ClusterConfig (training on several machines)")
    cluster.add_argument("--workers", default="", metavar="HOST:PORT,HOST:PORT",
                         help=ClusterConfig.__dataclass_fields__["workers"].metadata["help"])
    cluster.add_argument("--worker-index", type=int, default=ClusterConfig.worker_index,
                         help=ClusterConfig.__dataclass_fields__["worker_index"].metadata["help"]
                         + " (default: %(default)s)")
    return parser


def _with_advice(message: str, run_dir: str, worker_index: int) -> str:
    """`message`, plus how to go on where the run folder is left marked INCOMPLETE."""
    from training.run.callbacks import stopped_run_advice

    advice = stopped_run_advice(run_dir, worker_index)
    return f"{message}; {advice}" if advice else message


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, train one run, print where it went; 2 on a user error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # --track mlflow: its store's set-up lines
    for name in ("agent", "simulator.autonomous", "simulator.replay.loop", "simulator.wire"):  # --eval-every: per epoch is enough
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = settings_from_flags(RunSettings, args, **({"emissions": None} if args.no_emissions else {}))
        tracking = from_flags(TrackingConfig, args)
        if tracking.enabled:
            require_mlflow()  # before anything trains
        cluster = ClusterConfig(workers=parse_workers(args.workers), worker_index=args.worker_index)
        settings.train.check_workers(len(cluster.workers))  # before the strategy starts TensorFlow's runtime
        refuse_output_inside(args.out, args.log_dirs)
    except ValueError as exc:
        return user_error(parser, str(exc))
    import_tensorflow_quietly()
    # TensorFlow only now that the flags are good: --help and a bad flag answer at once
    from evaluation.checkpoints import checkpoint_scorer
    from training.distribute import is_chief, make_strategy
    from training.run.train import train_run

    # Before any other TensorFlow op: collective ops are set up when the runtime starts.
    strategy = make_strategy(cluster)  # None: one process, TensorFlow's default
    sigterm = signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as on Ctrl-C, cleanly
    try:
        # the chief scores checkpoints in closed loop (best_driving.keras); a bad recording fails now
        scorer = checkpoint_scorer(settings.driving, args.out, settings.train, settings.preprocess,
                                   settings.long_run.resume) if is_chief(cluster) else None
        report = train_run(
            args.log_dirs, args.out, settings,
            callbacks=[scorer] if scorer else [],
            strategy=strategy,
            chief=is_chief(cluster),
        )
    except KeyboardInterrupt:
        return user_error(parser, _with_advice("interrupted", args.out, args.worker_index), 130)
    except OSError as exc:  # a full disk, an --out that cannot be written
        return user_error(parser, _with_advice(str(exc), args.out, args.worker_index))
    except (RecordingError, RunFolderError, ValueError) as exc:
        return user_error(parser, str(exc))
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    precision = report["precision"]
    print(f"precision: {precision['policy']}"
          + (f" (auto: {precision['reason']})" if precision["requested"] == "auto" else ""))
    print(
        f"{report['approach']}: {report['epochs']} epochs x {report['samples']['per_epoch']} examples, "
        f"preparation {report['preparation_seconds']:.1f} s + training {report['training_seconds']:.1f} s "
        f"= {report['total_seconds']:.1f} s, {number_or_na(report['images_per_second'], '.0f')} images/s; "
        f"loss {number_or_na(report['final_loss'], '.4f')}, "
        f"val_loss {number_or_na(report['final_val_loss'], '.4f')}; "
        f"energy {number_or_na(report['energy_kwh'], '.3g')} kWh, "
        f"CO2 {number_or_na(report['co2_kg_measured'], '.3g')} kg measured, "
        f"{number_or_na(report['co2_kg_estimated'], '.3g')} kg estimated -> {args.out}"
    )
    best = (report.get("driving_eval") or {}).get("best")
    if best:
        print(f"drove best after epoch {best['epoch']}: autonomy {best['autonomy_percent']:.1f} %, "
              f"mean |offset| from the reference line {best['mean_abs_reference_offset_m']:.3f} m, "
              f"{best['interventions']} interventions "
              f"-> {os.path.join(args.out, best['file'])}")
    excluded = report["samples"]["dropped_by_reason"].get("excluded")
    if excluded:
        print(f"excluded: {excluded} rows marked on the review page (exclusions files), not used")
    if tracking.enabled and is_chief(cluster):
        try:
            run_id = log_training_run(args.out, report, tracking)
        except TrackingError as exc:
            return user_error(parser, f"trained ({args.out} is complete) but not logged: {exc}")
        print(f"MLflow run {run_id} (experiment {tracking.experiment}) in {log_store(tracking)}")
    return 0

