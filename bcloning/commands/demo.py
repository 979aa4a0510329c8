"""The whole toolkit in one command, on the built-in simulator: record, inspect, train two ways, compare, drive.

    python scripts/demo.py --out demo_output

Steps (each prints the command that does it alone): record expert laps on one
track (scripts/simulate.py record), inspect the recording
(scripts/inspect_data.py), train PilotNet with the generator approach and with
the paper's in-memory approach (scripts/train.py), compare them
(scripts/compare.py), then serve the in-memory model (what scripts/drive.py
does) and let the simulator drive it on a track it has never seen
(scripts/simulate.py drive). Everything goes to a new folder under --out,
named by the start time, so a second run never touches the first.
Exit codes: 0 ok, 1 a step failed, 2 user error (bad flag value, unusable --out),
130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from bcloning.commands import compare as compare_script
from bcloning.commands import inspect_data, train
from bcloning.flags import add_flags, from_flags, output_path, user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly
from recorder.atomic import write_json_atomic
from recorder.config_fields import check_range, setting
from recorder.formats import LOG_NAME
from simulator import (
    DriveConfig,
    ExpertConfig,
    ExpertRecordingConfig,
    FolderNotEmptyError,
    RunMetrics,
    SimulatorConfig,
    TrackConfig,
    WireError,
    drive,
    record,
)

APPROACHES = ("generator", "in-memory")
SUMMARY_NAME = "demo_summary.json"
# The demo's target for the unseen track (issue 6): no intervention, mean |cte| at most this (m).
GOAL_MEAN_CTE_M = 0.5


@dataclass(frozen=True)
class DemoConfig:
    """What the demo records, trains and drives."""

    record_laps: float = setting(3.0, "expert laps recorded for training")
    record_track_seed: int = setting(0, "track seed of the recording")
    drive_track_seed: int = setting(7, "track seed driven by the model (unseen)")
    drive_laps: int = setting(3, "laps the model drives")
    speed_mph: float = setting(15.0, "expert's speed and the drive server's set speed (mph)")
    epochs: int = setting(5, "training epochs of each approach")
    samples_per_epoch: int = setting(4000, "augmented examples per epoch")
    seed: int = setting(0, "seed of the expert's manoeuvres and of training")

    def __post_init__(self) -> None:
        check_range("record_laps", self.record_laps, low=0, low_open=True)
        for name in ("record_track_seed", "drive_track_seed", "seed"):
            check_range(name, getattr(self, name), low=0)
        if self.record_track_seed == self.drive_track_seed:
            raise ValueError("drive_track_seed must differ from record_track_seed: the model drives an unseen track")
        for name in ("drive_laps", "epochs", "samples_per_epoch"):
            check_range(name, getattr(self, name), low=1)
        check_range("speed_mph", self.speed_mph, low=0, high=30, low_open=True)


class StepFailed(RuntimeError):
    """A step of the demo returned a non-zero exit code."""


class Demo:
    """Runs the steps in order, timing each and printing a banner before it."""

    def __init__(self, config: DemoConfig, out: Path) -> None:
        self.config = config
        self.out = out
        self.steps: dict[str, float] = {}  # step name -> seconds
        self.files: dict[str, str] = {}  # label -> path written
        self.metrics: RunMetrics | None = None  # the closed-loop metrics, once driven
        self.start = time.perf_counter()

    def step(self, number: int, title: str, command: str, run: Callable[[], int]) -> None:
        elapsed = time.perf_counter() - self.start
        print(f"\n[{number}/6] {title}   (demo time {elapsed:.0f} s)\n    $ {command}", flush=True)
        began = time.perf_counter()
        code = run()
        self.steps[title] = round(time.perf_counter() - began, 1)
        if code != 0:
            raise StepFailed(f"step {number} ({title}) failed with exit code {code}")

    def record(self) -> int:
        cfg = self.config
        folder = self.out / "recording"
        summary = record(
            folder,
            SimulatorConfig(track=TrackConfig(seed=cfg.record_track_seed)),
            ExpertConfig(speed_mph=cfg.speed_mph, seed=cfg.seed),
            ExpertRecordingConfig(laps=cfg.record_laps),
            progress=True,
        )
        print(f"    {summary.rows} rows, {summary.distance:.0f} m, {summary.recoveries} drift-and-recover manoeuvres")
        self.files["recording"] = str(folder / LOG_NAME)
        return 0

    def inspect(self) -> int:
        out = self.out / "inspect"
        self.files["inspection report"] = str(out / inspect_data.REPORT_NAME)
        self.files["steering histogram"] = str(out / inspect_data.HISTOGRAM_NAME)
        return inspect_data.main([str(self.out / "recording"), "--out", str(out)])

    def train_args(self, approach: str) -> list[str]:
        cfg = self.config
        return [
            str(self.out / "recording"), "--out", str(self.out / "runs" / approach), "--approach", approach,
            "--epochs", str(cfg.epochs), "--samples-per-epoch", str(cfg.samples_per_epoch),
            "--seed", str(cfg.seed), "--verbose", "2",
        ]  # fmt: skip

    def train(self, approach: str) -> int:
        run = self.out / "runs" / approach
        for name in ("model.keras", "report.json", "loss.png", "emissions.csv"):
            self.files[f"{approach} {name}"] = str(run / name)
        return train.main(self.train_args(approach))

    def compare(self) -> int:
        out = self.out / "comparison"
        for name in ("comparison.md", "comparison.png", "comparison.json"):
            self.files[name] = str(out / name)
        return compare_script.main([str(self.out / "runs" / a) for a in APPROACHES] + ["--out", str(out)])

    def drive(self) -> int:
        # Imported here: the agent's server and runtimes are not needed by the steps above.
        from agent import ControllerConfig, PIController, ServerConfig, create_app
        from agent.runtimes import load_steering

        cfg = self.config
        steering, contract = load_steering(self.out / "runs" / "in-memory" / "model.keras")
        controller = PIController(ControllerConfig(set_speed=cfg.speed_mph))
        server = create_app(
            ServerConfig(port=0, stats_interval_s=0), steering, controller, None, contract.preprocess
        ).start()
        try:
            result = drive(
                DriveConfig(port=server.port, laps=cfg.drive_laps),
                SimulatorConfig(track=TrackConfig(seed=cfg.drive_track_seed)),
                self.out / "drive",
                progress=True,
            )
        finally:
            server.stop()
        self.metrics = result.metrics
        print(f"    {result.metrics.laps} laps, {result.metrics.interventions} interventions (metrics below)")
        for name, path in result.files.items():
            self.files[f"drive {name}"] = str(path)
        return 0


def build_parser() -> argparse.ArgumentParser:
    """Flags: --out and one flag per DemoConfig field."""
    parser = argparse.ArgumentParser(
        prog="demo.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=output_path, default="demo_output", help="parent folder of the demo's run folder (default: %(default)s)"
    )
    add_flags(parser, DemoConfig)
    return parser


def run_demo(config: DemoConfig, out: Path) -> Demo:
    """All six steps; returns the finished Demo (timings, files, metrics)."""
    demo = Demo(config, out)
    script = "python scripts"
    demo.step(
        1, "record expert laps",
        f"{script}/simulate.py record {out / 'recording'} --laps {config.record_laps:g} "
        f"--track-seed {config.record_track_seed} --speed {config.speed_mph:g} --seed {config.seed}",
        demo.record,
    )  # fmt: skip
    demo.step(2, "inspect the recording", f"{script}/inspect_data.py {out / 'recording'} --out {out / 'inspect'}",
              demo.inspect)  # fmt: skip
    for number, approach in enumerate(APPROACHES, start=3):
        demo.step(number, f"train ({approach})", f"{script}/train.py " + " ".join(demo.train_args(approach)),
                  lambda a=approach: demo.train(a))  # fmt: skip
    demo.step(5, "compare the two approaches",
              f"{script}/compare.py {out / 'runs' / 'generator'} {out / 'runs' / 'in-memory'} --out {out / 'comparison'}",
              demo.compare)  # fmt: skip
    demo.step(
        6, "drive the in-memory model on an unseen track",
        f"{script}/drive.py {out / 'runs' / 'in-memory' / 'model.keras'} --speed {config.speed_mph:g} --port 4567 & "
        f"{script}/simulate.py drive --laps {config.drive_laps} --track-seed {config.drive_track_seed} "
        f"--out {out / 'drive'}",
        demo.drive,
    )  # fmt: skip
    return demo


def _print_results(demo: Demo, out: Path) -> None:
    """Write demo_summary.json; print timings, the comparison table, the metrics and every file."""
    config, metrics = demo.config, demo.metrics
    if metrics is None:
        raise StepFailed("the drive step left no metrics")
    total = time.perf_counter() - demo.start
    summary = {"config": asdict(config), "seconds": {**demo.steps, "total": round(total, 1)},
               "metrics": metrics.to_dict(), "files": demo.files}  # fmt: skip
    demo.files["demo summary"] = str(write_json_atomic(out / SUMMARY_NAME, summary))
    print(f"\ndemo finished in {total:.0f} s ({', '.join(f'{k}: {v:.0f} s' for k, v in demo.steps.items())})")
    print("\ntraining, generator vs in-memory:")
    print((out / "comparison" / "comparison.md").read_text(encoding="utf-8").strip())
    print(f"\nthe in-memory model driving {config.drive_laps} laps of unseen track {config.drive_track_seed}:")
    print("\n".join("    " + line for line in metrics.lines()))
    met = metrics.autonomy_percent == 100.0 and metrics.mean_abs_cte_m <= GOAL_MEAN_CTE_M
    print(f"    goal (autonomy 100 %, mean |cte| <= {GOAL_MEAN_CTE_M} m): {'met' if met else 'NOT met'}")
    print("\nfiles:")
    for label, path in demo.files.items():
        print(f"    {label + ':':<28} {path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    import_tensorflow_quietly()  # before anything imports it: its log level, none of its start-up lines
    try:
        config = from_flags(DemoConfig, args)
    except ValueError as exc:
        return user_error(parser, str(exc))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out) / datetime.now().strftime("run_%Y%m%d_%H%M%S")
    print(f"demo output: {out.resolve()}")
    try:
        demo = run_demo(config, out)
    except FolderNotEmptyError as exc:  # another demo started in the same second
        return user_error(parser, str(exc))
    except (StepFailed, WireError) as exc:
        return user_error(parser, str(exc), 1)
    except OSError as exc:  # after WireError (a ConnectionError): e.g. --out lies under a file
        return user_error(parser, str(exc))
    except KeyboardInterrupt:
        print(f"demo.py: interrupted; partial output in {out}", file=sys.stderr)
        return 130
    _print_results(demo, out)
    return 0

