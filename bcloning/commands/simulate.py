"""The built-in simulator: record expert laps, drive against a drive server, time the cameras; replay recordings.

    python scripts/simulate.py record data/sim_seed0 --laps 3 --track-seed 0 --speed 15
    python scripts/simulate.py drive --port 4567 --laps 3 --track-seed 7 --out runs/seed7
    python scripts/simulate.py bench
    python scripts/simulate.py replay ../shared/data/user_windows_2023 --port 4567 --out runs/replay_2023
    python scripts/simulate.py replay-check ../shared/data/* --out runs/camera_check
    python scripts/simulate.py replay-bench ../shared/data/user_windows_2023
    python scripts/simulate.py lane-check ../shared/data/* --out runs/lane_check

`record` writes a recording in the Udacity simulator's own format (driving_log.csv
without header, ", " separators, absolute paths, IMG/ with three cameras) into a
new or empty folder. `drive` connects to a running drive server (scripts/drive.py)
exactly as the Unity simulator does, drives the laps, prints the closed-loop
metrics and writes metrics.json, path.png and cameras.png to --out (a folder
that holds no earlier run).
`replay` drives a drive server through a real recording instead (NVIDIA's replay
simulator, simulator.replay): metrics.json, deviation.png and frames.png go to --out.
`replay-check` checks the replay's camera geometry against recordings' side cameras;
`replay-bench` times the replay's steps on one core; `lane-check` measures where
recorded drivers are in the lane (the replay's reference is their path, not the
lane centre), checked on the side cameras.
Exit codes: 0 ok, 1 the drive server failed or broke the protocol, 2 user error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from bcloning.flags import add_flags, from_flags, output_path, user_error
from recorder import RecordingError
from recorder.atomic import write_json_atomic
from simulator import (
    DriveConfig,
    ExpertConfig,
    ExpertRecordingConfig,
    FolderNotEmptyError,
    RenderBenchConfig,
    Simulation,
    SimulatorConfig,
    WireError,
    benchmark_render,
    drive,
    record,
)
from simulator.replay import CheckConfig, ReplayConfig, check_side_cameras, replay
from simulator.replay.benchmark import benchmark_replay
from simulator.replay.check import TABLE_HEADER
from simulator.replay.lane import LANE_TABLE_HEADER, LaneConfig, check_lane
from simulator.replay.plots import plot_check, plot_lane
from simulator.replay.reference import REFERENCE_TABLE_HEADER, replay_lane_keeper
from simulator.track import TrackConfig

DEFAULT_DRIVE_OUT = "runs/sim_drive"
DEFAULT_REPLAY_OUT = "runs/replay"


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Flag defaults shown, and the epilog's example commands kept as written."""


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands record, drive, bench and the replay ones, each with flags from its configs."""
    summary, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(
        prog="simulate.py", description=summary, epilog=details, formatter_class=_HelpFormatter
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar, warnings only in the log (give it before the sub-command)"
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{record,drive,bench,replay,replay-check,replay-bench,lane-check}"
    )
    fmt = argparse.ArgumentDefaultsHelpFormatter

    about = "record expert laps in the simulator's format"
    rec = commands.add_parser("record", help=about, description=about, formatter_class=fmt)
    rec.add_argument("out_dir", metavar="OUT_DIR", type=output_path, help="new or empty folder for driving_log.csv and IMG/")
    add_flags(rec, ExpertRecordingConfig)
    add_flags(rec, TrackConfig, prefix="track")
    add_flags(rec, ExpertConfig)

    about = "drive against a running drive server, as the Unity simulator in autonomous mode"
    drv = commands.add_parser("drive", help=about, description=about, formatter_class=fmt)
    drv.add_argument(
        "--out", type=output_path, default=DEFAULT_DRIVE_OUT, help="folder for metrics.json, path.png, cameras.png (no earlier run in it)"
    )
    add_flags(drv, DriveConfig)
    add_flags(drv, TrackConfig, prefix="track")

    about = "camera rendering frames per second"
    bench = commands.add_parser("bench", help=about, description=about, formatter_class=fmt)
    add_flags(bench, RenderBenchConfig)
    add_flags(bench, TrackConfig, prefix="track")

    about = "replay a real recording against a running drive server (closed loop, Bojarski et al. 2016)"
    rpl = commands.add_parser("replay", help=about, description=about, formatter_class=fmt)
    rpl.add_argument("recording", metavar="RECORDING", help="recording folder (driving_log.csv and IMG/)")
    rpl.add_argument(
        "--out", type=output_path, default=DEFAULT_REPLAY_OUT, help="folder for metrics.json, deviation.png, frames.png (no earlier run in it)"
    )
    add_flags(rpl, ReplayConfig)

    about = "check the replay's camera geometry against the recordings' side cameras"
    chk = commands.add_parser("replay-check", help=about, description=about, formatter_class=fmt)
    chk.add_argument("recordings", metavar="RECORDING", nargs="+", help="recording folders with left and right images")
    chk.add_argument("--out", type=output_path, default=None, help="folder for check.json and check.png (default: print only)")
    add_flags(chk, CheckConfig)

    about = "replay steps per second on one core"
    rbench = commands.add_parser("replay-bench", help=about, description=about, formatter_class=fmt)
    rbench.add_argument("recording", metavar="RECORDING", help="recording folder to replay")
    rbench.add_argument("--steps", type=int, default=1000, help="steps timed per measurement")

    about = "where recorded drivers are in the lane: offset from the midpoint of the yellow lane lines"
    lane = commands.add_parser("lane-check", help=about, description=about, formatter_class=fmt)
    lane.add_argument("recordings", metavar="RECORDING", nargs="+", help="recording folders")
    lane.add_argument("--out", type=output_path, default=None, help="folder for lane.json and lane.png (default: print only)")
    lane.add_argument(
        "--reference-thresholds-m", type=float, nargs="*", default=[1.0, 2.0], metavar="M",
        help="also replay each recording with a car that steers by the lane lines, at these intervention "
             "thresholds (none: skip)",
    )
    add_flags(lane, LaneConfig)
    return parser


def _simulator(args: argparse.Namespace) -> SimulatorConfig:
    """The built-in world of the record, drive and bench sub-commands (the track flags)."""
    return SimulatorConfig(track=from_flags(TrackConfig, args, prefix="track"))


def _record(args: argparse.Namespace) -> int:
    expert, recording = from_flags(ExpertConfig, args), from_flags(ExpertRecordingConfig, args)
    summary = record(args.out_dir, _simulator(args), expert, recording, not args.quiet)
    print(f"recorded {summary.rows} rows ({summary.distance:.0f} m, {summary.seconds:.0f} simulated s, "
          f"{summary.recoveries} recoveries) to {summary.folder}")
    return 0


def _drive(args: argparse.Namespace) -> int:
    result = drive(from_flags(DriveConfig, args), _simulator(args), args.out, not args.quiet)
    print("\n".join(result.metrics.lines()))
    for name, path in result.files.items():
        print(f"{name + ':':<19} {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    sim = Simulation(_simulator(args))
    print("\n".join(benchmark_render(sim, from_flags(RenderBenchConfig, args)).lines()))
    return 0


def _replay(args: argparse.Namespace) -> int:
    result = replay(args.recording, from_flags(ReplayConfig, args), args.out, progress=not args.quiet)
    print("\n".join(result.metrics.lines()))
    for name, path in result.files.items():
        print(f"{name + ':':<19} {path}")
    return 0


def _replay_check(args: argparse.Namespace) -> int:
    config = from_flags(CheckConfig, args)
    checks = [check_side_cameras(recording, config) for recording in args.recordings]
    print("structure: relative edge-map error; photometric: mean |grey difference| (0..255); road rows 60-135")
    print(TABLE_HEADER)
    for check in checks:
        print("\n".join(check.table_rows()))
    if args.out is not None:
        out = Path(args.out)
        print(f"check.json:         {write_json_atomic(out / 'check.json', [c.to_dict() for c in checks])}")
        print(f"check.png:          {plot_check(checks, out / 'check.png')}")
    return 0


def _lane_check(args: argparse.Namespace) -> int:
    config = from_flags(LaneConfig, args)
    checks = [check_lane(recording, config) for recording in args.recordings]
    print("offset of the centre camera from the lane centre (m, > 0 right), on rows showing both yellow lines;")
    print("side camera spacing: the lane centre seen from the centre camera minus from the side camera (the check)")
    print(LANE_TABLE_HEADER)
    for check in checks:
        print(check.table_row())
    references = [
        replay_lane_keeper(recording, ReplayConfig(threshold_m=threshold))
        for recording in args.recordings for threshold in args.reference_thresholds_m
    ]
    if references:
        print("\nreplayed by a car that steers to the lane centre where both lines show (else as recorded):")
        print(REFERENCE_TABLE_HEADER)
        for reference in references:
            print(reference.table_row())
    if args.out is not None:
        out = Path(args.out)
        saved = {"drivers": [c.to_dict() for c in checks], "lane_keeper": [r.to_dict() for r in references]}
        print(f"lane.json:          {write_json_atomic(out / 'lane.json', saved)}")
        print(f"lane.png:           {plot_lane(checks, out / 'lane.png')}")
    return 0


def _replay_bench(args: argparse.Namespace) -> int:
    print("\n".join(benchmark_replay(args.recording, args.steps).lines()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run = {
        "record": _record,
        "drive": _drive,
        "bench": _bench,
        "replay": _replay,
        "replay-check": _replay_check,
        "replay-bench": _replay_bench,
        "lane-check": _lane_check,
    }[args.command]
    try:
        return run(args)
    except WireError as exc:  # before OSError: a WireError is a ConnectionError
        return user_error(parser, f"drive server: {exc}", 1)
    except (ValueError, FolderNotEmptyError, RecordingError, OSError) as exc:  # OSError: an output path that cannot be written
        return user_error(parser, str(exc))
    except KeyboardInterrupt:
        print("simulate.py: interrupted", file=sys.stderr)
        return 130

