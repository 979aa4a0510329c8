"""Benchmark the training approaches against the compute ceiling, on the same data, in one run.

    python scripts/benchmark_training.py ../shared/data/user_windows_2023 --samples-per-epoch 1024 --epochs 3

Prints, for the ceiling (model.fit on uint8 tensors in memory) and every
approach: preparation and training seconds, steady images/s (epochs after the
first) and the ratio to the ceiling; then the generator/in-memory total-cost
ratio with its preparation/training breakdown. Every row is measured in each of
--precisions (default float32 and auto, which is mixed_bfloat16 on a CPU with
AVX512_BF16 or AMX or a GPU from compute capability 8.0, else float32 again),
one right after the other, each as a ratio to the float32 ceiling, and the
summary gives each mixed-precision row's speed-up over its float32 twin:

    python scripts/benchmark_training.py --precisions float32 mixed_bfloat16 --rows ceiling pipeline

Without LOG_DIR a synthetic
recording is generated in a temporary folder. Exit codes: 0 ok, 2 user error.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Sequence

from bcloning.flags import add_flags, from_flags, user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly
from recorder import LoadConfig, RecordingError, load_recordings
from recorder.synthetic import REALISTIC_TEXTURE, write_synthetic_recording
from training.approaches import approach_names
from training.benchmark import (
    CEILING,
    BenchConfig,
    BenchData,
    default_rows,
    run_benchmark,
    summary,
)
from training.environment import usable_cores
from training.precision import resolve_precision


def build_parser() -> argparse.ArgumentParser:
    """Flags: optional recordings, --rows, and one flag per BenchConfig field."""
    parser = argparse.ArgumentParser(
        prog="benchmark_training.py",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "log_dirs", nargs="*", metavar="LOG_DIR",
        help="recording folders (default: a synthetic recording made in a temporary folder)",
    )
    parser.add_argument(
        "--rows", nargs="+", metavar="ROW", default=None,
        help="measure only these rows (ceiling and approach names, each in every --precisions; default: all)",
    )
    add_flags(parser, BenchConfig)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, load or generate the data, measure every row, print the summary."""
    parser = build_parser()
    args = parser.parse_args(argv)
    import_tensorflow_quietly()  # before anything imports it: its log level, none of its start-up lines
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = from_flags(BenchConfig, args)
    except ValueError as exc:
        return user_error(parser, str(exc))
    known = [CEILING, *approach_names()]
    unknown = sorted(set(args.rows or ()) - set(known))
    if unknown:
        return user_error(parser, f"unknown rows {unknown}; known: {known}")
    choices = [resolve_precision(name) for name in config.precisions]
    policies = list(dict.fromkeys(choice.policy for choice in choices))  # auto may repeat float32
    rows = default_rows(policies, args.rows)
    with tempfile.TemporaryDirectory(prefix="benchmark_training_") as scratch:
        folders = args.log_dirs or [write_synthetic_recording(Path(scratch) / "synthetic", config.synthetic_rows, config.seed,
                                                        texture=REALISTIC_TEXTURE)]
        try:
            samples = load_recordings(folders, LoadConfig()).samples
        except RecordingError as exc:
            return user_error(parser, str(exc))
        print(
            f"data: {', '.join(map(str, args.log_dirs)) or f'synthetic, {config.synthetic_rows} rows'} "
            f"({len(samples)} usable rows); {config.samples_per_epoch} examples x {config.epochs} epochs, "
            f"batch {config.batch_size}; cores usable: {usable_cores()}; precisions: "
            + ", ".join(f"{c.requested} -> {c.policy}" + (f" ({c.reason})" if c.requested == "auto" else "")
                        for c in choices)
            + "; ratios are to the float32 ceiling",
            flush=True,
        )
        results = run_benchmark(BenchData(samples, config, Path(scratch)), rows)
    print(summary(results))
    return 0

