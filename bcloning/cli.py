"""`bcloning SUBCOMMAND ...`: every user command behind one installed name.

    bcloning --help
    bcloning inspect ../shared/data/user_windows_2023
    bcloning train ../shared/data/udacity_sample_2000 --approach pipeline --out runs/pipe
    bcloning drive runs/pipe/model.keras

Each subcommand is the `main(argv) -> int` of a module in `bcloning.commands`,
the same function `python scripts/NAME.py` runs, so both spellings take the same
flags and give the same exit codes. A command's module is imported only when it
runs: `bcloning drive model.onnx` never loads TensorFlow because `train` exists.
"""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

__all__ = ["COMMANDS", "main"]

# Subcommand -> (module in bcloning.commands, one-line summary for --help).
COMMANDS: dict[str, tuple[str, str]] = {
    "inspect": ("inspect_data", "load, validate and summarise recordings (report.json, steering histogram)"),
    "train": ("train", "train PilotNet with one approach; write a run folder with CO2 measured"),
    "compare": ("compare", "compare run folders: time, energy, CO2 and the ratios"),
    "drive": ("drive", "serve a model to the simulator on port 4567 (Udacity's drive.py)"),
    "evaluate": ("evaluate", "score models in closed loop: replays of recordings and unseen tracks, one table"),
    "export": ("export", "export a model to ONNX or LiteRT (.tflite), checked against Keras"),
    "video": ("video", "turn a recorded run's frames into an MP4"),
    "review": ("review", "step through recordings in the browser; mark rows training leaves out"),
    "simulate": ("simulate", "the built-in simulator: record an expert, drive a server, benchmark"),
    "demo": ("demo", "record, train two ways, compare and drive, all on the built-in simulator"),
    "bench-training": ("benchmark_training", "training approaches against the compute ceiling"),
    "bench-drive": ("benchmark_drive", "the drive server's latency per frame and round trips per second"),
    "bench-dashboard": ("benchmark_dashboard", "the drive server's p99 with and without an open dashboard"),
    "bench-flood": ("benchmark_flood", "the driving client's latency under flooding and idle clients"),
    "bench-report": ("benchmark_report", "run every benchmark and write docs/benchmarks.md from their output"),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: bcloning SUBCOMMAND [ARGS ...]",
        "",
        "Behavioral cloning for the Udacity self-driving-car simulator.",
        "",
        "subcommands:",
    ]
    lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "`bcloning SUBCOMMAND --help` lists a subcommand's flags."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; exit 2 with one line for an unknown one."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"bcloning: error: unknown subcommand {name!r}; one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bcloning.commands.{COMMANDS[name][0]}")
    return module.main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
