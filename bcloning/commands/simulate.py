"""The built-in simulator: record expert laps, drive against a drive server, time the cameras.

    python scripts/simulate.py record data/sim_seed0 --laps 3 --track-seed 0 --speed 15
    python scripts/simulate.py drive --port 4567 --laps 3 --track-seed 7 --out runs/seed7
    python scripts/simulate.py bench

`record` writes a recording in the Udacity simulator's own format (driving_log.csv
without header, ", " separators, absolute paths, IMG/ with three cameras) into a
new or empty folder. `drive` connects to a running drive server (scripts/drive.py)
exactly as the Unity simulator does, drives the laps, prints the closed-loop
metrics and writes metrics.json, path.png and cameras.png to --out (a folder
that holds no earlier run).
Exit codes: 0 ok, 1 the drive server failed or broke the protocol, 2 user error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from bcloning.flags import user_error
from simulator import (
    DriveConfig,
    ExpertConfig,
    FolderNotEmptyError,
    RecordConfig,
    Simulation,
    SimulatorConfig,
    WireError,
    benchmark_render,
    drive,
    record,
)
from simulator.track import TrackConfig

DEFAULT_DRIVE_OUT = "runs/sim_drive"


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Flag defaults shown, and the epilog's example commands kept as written."""


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands record, drive and bench, each with its own flags."""
    summary, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(
        prog="simulate.py", description=summary, epilog=details, formatter_class=_HelpFormatter
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar, warnings only in the log (give it before the sub-command)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{record,drive,bench}")
    fmt = argparse.ArgumentDefaultsHelpFormatter

    about = "record expert laps in the simulator's format"
    rec = commands.add_parser("record", help=about, description=about, formatter_class=fmt)
    rec.add_argument("out_dir", metavar="OUT_DIR", help="new or empty folder for driving_log.csv and IMG/")
    rec.add_argument("--laps", type=float, default=RecordConfig.laps, help="laps to record (may be fractional)")
    rec.add_argument("--track-seed", type=int, default=TrackConfig.seed, help="seed of the track")
    rec.add_argument("--speed", type=float, default=ExpertConfig.speed_mph, help="expert's cruising speed (mph, <= 30)")
    rec.add_argument("--seed", type=int, default=ExpertConfig.seed, help="seed of the expert's drift manoeuvres")
    rec.add_argument(
        "--drift-every",
        type=float,
        default=ExpertConfig.drift_every,
        help="mean seconds between drift-and-recover manoeuvres (0 = never)",
    )
    rec.add_argument("--jpeg-quality", type=int, default=RecordConfig.jpeg_quality, help="JPEG quality 1..100")

    about = "drive against a running drive server, as the Unity simulator in autonomous mode"
    drv = commands.add_parser("drive", help=about, description=about, formatter_class=fmt)
    drv.add_argument("--host", default=DriveConfig.host, help="drive server host")
    drv.add_argument("--port", type=int, default=DriveConfig.port, help="drive server port")
    drv.add_argument("--laps", type=int, default=DriveConfig.laps, help="laps to drive")
    drv.add_argument("--track-seed", type=int, default=TrackConfig.seed, help="seed of the track")
    drv.add_argument(
        "--out", default=DEFAULT_DRIVE_OUT, help="folder for metrics.json, path.png, cameras.png (no earlier run in it)"
    )
    drv.add_argument("--timeout", type=float, default=DriveConfig.timeout_s, help="longest wait for the server (s)")
    drv.add_argument("--max-sim-s", type=float, default=DriveConfig.max_sim_s, help="simulated-time cap (s)")

    about = "camera rendering frames per second"
    bench = commands.add_parser("bench", help=about, description=about, formatter_class=fmt)
    bench.add_argument("--frames", type=int, default=500, help="poses rendered per measurement")
    bench.add_argument("--track-seed", type=int, default=TrackConfig.seed, help="seed of the track")
    return parser


def _record(args: argparse.Namespace) -> int:
    sim_config = SimulatorConfig(track=TrackConfig(seed=args.track_seed))
    expert = ExpertConfig(speed_mph=args.speed, seed=args.seed, drift_every=args.drift_every)
    summary = record(args.out_dir, sim_config, expert, RecordConfig(args.laps, args.jpeg_quality), not args.quiet)
    print(f"recorded {summary.rows} rows ({summary.distance:.0f} m, {summary.seconds:.0f} simulated s, "
          f"{summary.recoveries} recoveries) to {summary.folder}")
    return 0


def _drive(args: argparse.Namespace) -> int:
    config = DriveConfig(args.host, args.port, args.laps, args.timeout, args.max_sim_s)
    result = drive(config, SimulatorConfig(track=TrackConfig(seed=args.track_seed)), args.out, not args.quiet)
    print("\n".join(result.metrics.lines()))
    for name, path in result.files.items():
        print(f"{name + ':':<19} {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.frames < 1:
        raise ValueError(f"frames must be >= 1, got {args.frames}")
    sim = Simulation(SimulatorConfig(track=TrackConfig(seed=args.track_seed)))
    print("\n".join(benchmark_render(sim, args.frames).lines()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run = {"record": _record, "drive": _drive, "bench": _bench}[args.command]
    try:
        return run(args)
    except WireError as exc:  # before OSError: a WireError is a ConnectionError
        return user_error(parser, f"drive server: {exc}", 1)
    except (ValueError, FolderNotEmptyError, OSError) as exc:  # OSError: an output path that cannot be written
        return user_error(parser, str(exc))
    except KeyboardInterrupt:
        print("simulate.py: interrupted", file=sys.stderr)
        return 130

