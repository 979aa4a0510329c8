"""Load, validate and summarise Udacity recordings; write report.json and steering_hist.png.

    python scripts/inspect_data.py ../shared/data/user_windows_2020 --out /tmp/r --json

Every unusable row is reported with file, row and reason (see recorder.problems.REASONS);
rows marked on the review page (`<recording>.exclusions.json` beside each recording, or
in --exclusions-dir) are left out and counted as `excluded`.
Exit codes: 0 ok, 2 user error (missing folder, no driving_log.csv, no usable row, bad flag value).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from bcloning.flags import add_flags, from_flags, output_path, refuse_output_inside, user_error
from recorder import (
    BalanceConfig,
    LoadConfig,
    RecordingError,
    SplitConfig,
    balance,
    build_report,
    load_recordings,
    save_steering_histogram,
    split_blocks,
)
from recorder.atomic import write_json_atomic
from recorder.split import check_seed

REPORT_NAME = "report.json"
HISTOGRAM_NAME = "steering_hist.png"
# Bad rows shown one by one in the human summary; report.json lists more.
SHOWN_PROBLEMS = 10


def build_parser() -> argparse.ArgumentParser:
    """Flags: folders, output, and one flag per field of the load/balance/split configs."""
    parser = argparse.ArgumentParser(
        prog="inspect_data.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "log_dirs", nargs="+", metavar="LOG_DIR", help="recording folder holding driving_log.csv and IMG/"
    )
    parser.add_argument(
        "--out",
        type=output_path,
        default="inspect_report",
        help="folder for report.json and steering_hist.png (never inside a recording)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as JSON on stdout (summary goes to stderr)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for balancing and the block split")
    add_flags(parser, LoadConfig)
    add_flags(parser, BalanceConfig, prefix="balance")
    add_flags(parser, SplitConfig, prefix="split")
    return parser


def _human_summary(report: dict[str, Any], out: Path, stream: TextIO) -> None:
    write = lambda text="": print(text, file=stream)  # noqa: E731
    write(f"rows read:   {report['rows_read']}")
    write(f"usable:      {report['usable']}")
    write(f"dropped:     {report['dropped']}")
    for reason, count in report["dropped_by_reason"].items():
        write(f"  {reason:<22} {count}")
        for log_file, rows in report["dropped_rows"][reason].items():
            write(f"    {log_file} rows {rows if len(rows) <= 100 else rows[:100] + ' ...'}")
    for problem in report["problems"][:SHOWN_PROBLEMS]:
        write(f"  {problem['file']}:{problem['row']}: {problem['reason']} ({problem['detail']})")
    if report["dropped"] > SHOWN_PROBLEMS:
        write(f"  ... {report['dropped'] - SHOWN_PROBLEMS} more in {out / REPORT_NAME}")
    stats = report["stats"]
    steering = stats["steering"]
    write(
        f"steering:    min {steering['min']:.3f}  max {steering['max']:.3f}  mean {steering['mean']:.3f}"
        f"  zero share {stats['zero_steering_share']:.3f}"
    )
    speed = stats["speed"]
    write(f"speed mph:   min {speed['min']:.2f}  max {speed['max']:.2f}  mean {speed['mean']:.2f}")
    for session, info in report["sessions"].items():
        marks = f" (exclusions: {info['exclusions_file']})" if info["exclusions_file"] else ""
        write(f"session:     {session}: {info['usable']} usable{marks}")
    if "balanced" in report:
        write(f"balanced:    {report['balanced']['count']} samples")
    if "split" in report:
        write(f"split:       train {report['split']['train']}, validation {report['split']['validation']}")
    write(f"wrote:       {out / REPORT_NAME}, {out / HISTOGRAM_NAME}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the inspection; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    try:
        load_config = from_flags(LoadConfig, args)
        balance_config = from_flags(BalanceConfig, args, prefix="balance")
        split_config = from_flags(SplitConfig, args, prefix="split")
        check_seed(args.seed)
        refuse_output_inside(out, args.log_dirs)
    except ValueError as error:
        return user_error(parser, str(error))
    if out.exists() and not out.is_dir():
        return user_error(parser, f"--out {out} is a file; give a folder for {REPORT_NAME} and {HISTOGRAM_NAME}")
    try:
        result = load_recordings(args.log_dirs, load_config, progress=load_config.decode_images)
    except RecordingError as error:
        return user_error(parser, str(error))
    balanced = balance(result.samples, balance_config, args.seed)
    split = split_blocks(balanced, split_config, args.seed)
    settings = {
        "load": dataclasses.asdict(load_config),
        "balance": dataclasses.asdict(balance_config),
        "split": dataclasses.asdict(split_config),
        "seed": args.seed,
    }
    report = build_report(result, balanced=balanced, split=split, settings=settings)
    try:
        write_json_atomic(out / REPORT_NAME, report)
        save_steering_histogram(out / HISTOGRAM_NAME, result.samples, balanced, bins=balance_config.bins)
    except OSError as error:  # a full disk, an unwritable folder: atomic writes name the file, leave no part
        return user_error(parser, f"cannot write: {error}")
    if args.json:
        print(json.dumps(report, indent=2))
        _human_summary(report, out, sys.stderr)
    else:
        _human_summary(report, out, sys.stdout)
    return 0

