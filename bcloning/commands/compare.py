"""Compare training runs: a Markdown table in the paper's form and a bar chart.

    python scripts/compare.py runs/mem runs/gen --out runs/cmp --estimate-device nvidia-t4 --estimate-cloud-provider gcp --estimate-cloud-region us-central1

Writes comparison.md (time, energy, CO2 per run; "N x faster", "P % less CO2"
against the generator run), comparison.png and comparison.json, and prints the
table. The --estimate-* flags add each run's CO2 estimated for another device
and grid from its measured time (power x time x PUE x carbon intensity).
Runs trained with different settings (epochs, examples per epoch, batch size,
seed, data) are flagged under the table: their ratios are not a fair comparison.
Closed-loop driving: where scripts/evaluate.py has scored a run's model.keras
(`evaluate.py runs/mem/model.keras ... --out eval` writes runs/mem/driving.json,
naming that evaluation), the table adds its autonomy, mean over the replayed
recordings and over the built-in tracks, beside the run's time, energy and CO2,
and comparison.png a fourth panel; runs never evaluated show n/a.
Exit codes: 0 ok, 2 user error (not a run folder, unknown device or region,
an --out that cannot be written).
"""

from __future__ import annotations

import argparse
from typing import Sequence

from bcloning.flags import add_flags, from_flags, output_path, user_error
from recorder import RecordingError
from recorder.loader import check_distinct
from training.co2.estimate import EstimateConfig
from training.run.compare import compare
from training.run.folder import RunFolderError


def build_parser() -> argparse.ArgumentParser:
    """Flags: run folders, --out and the optional other-device estimate."""
    parser = argparse.ArgumentParser(
        prog="compare.py",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run folder written by scripts/train.py")
    parser.add_argument("--out", required=True, type=output_path, help="folder for comparison.md, .png and .json")
    parser.add_argument(
        "--estimate", action="store_true",
        help="add a column estimating each run with the --estimate-* flags (implied by any of them)",
    )
    add_flags(parser, EstimateConfig, prefix="estimate")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, write the comparison, print the table; 2 on a user error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    defaults = EstimateConfig()
    try:
        other = from_flags(EstimateConfig, args, prefix="estimate")
    except ValueError as exc:
        return user_error(parser, str(exc))
    wanted = args.estimate or other != defaults
    try:
        check_distinct(args.run_dirs, "run folder")
        paths = compare(args.run_dirs, args.out, other if wanted else None)
    except (RunFolderError, RecordingError, ValueError, OSError) as exc:  # OSError: e.g. --out is a file
        return user_error(parser, str(exc))
    print(paths["table"].read_text(encoding="utf-8"), end="")
    print(f"written: {', '.join(str(p) for p in paths.values())}")
    return 0

