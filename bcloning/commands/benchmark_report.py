"""Run every benchmark and write docs/benchmarks.md from what they print.

    python scripts/benchmark_report.py --out docs/benchmarks.md
    python scripts/benchmark_report.py --only drive render   # refresh two sections, keep the others

Each benchmark runs in a fresh process, one after the other, as a user would run
it; its output is copied verbatim under the exact command, with the machine,
the load average before and after it, and the library versions at the top.
The figures in the docs are therefore never typed by hand: rerun this command
to refresh them. Benchmarks on recordings use `--data` (default
../shared/data); where it is absent they fall back to generated data and say so.
With --only, the other benchmarks' sections already in --out are kept as they
were, so one section can be refreshed without running (or losing) the rest.
Exit codes: 0 ok, 1 a benchmark failed (its output is still written), 2 user error.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Sequence

import psutil
from tqdm import tqdm

from bcloning.flags import output_path, user_error
from recorder.atomic import write_text_atomic
from training.environment import cpu_model, library_versions, usable_cores


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: a name for --only, a heading, what it measures, and its bcloning arguments."""

    name: str
    title: str
    about: str
    argv: tuple[str, ...]
    needs_data: str = ""  # a recording under --data the argv names as {data}; "" for none
    generated_fallback: bool = True  # without that recording, run on generated data (else skip)


BENCHMARKS = (
    Benchmark(
        "training", "Training approaches against the compute ceiling",
        "Every approach and the ceiling (Keras `fit` on uint8 tensors in memory) in one process, "
        "interleaved; medians of the rounds. Ratios to the ceiling hold when the machine's speed drifts.",
        ("bench-training", "{data}", "--repeats", "3"), "user_windows_2023",
    ),
    Benchmark(
        "drive", "Drive server: steering latency per runtime and socket round trips",
        "The whole server-side path of one telemetry message (JSON, base64 + JPEG decode, "
        "preprocessing, inference, controller, JSON), same frames for every runtime, one process; "
        "then a real drive server and a simulator-like client in another process.",
        ("bench-drive", "--frames", "1000", "--predict-frames", "200", "--round-trips", "3000"),
    ),
    Benchmark(
        "dashboard", "Drive server with and without an open dashboard",
        "Server-side steering latency while a Python client asks what the page asks (the status "
        "ten times a second and each new frame), against none, alternating in rounds: the "
        "server's own cost of an open page, without a browser competing for the CPUs.",
        ("bench-dashboard", "--rounds", "4", "--round-trips", "1000", "--client", "poll"),
    ),
    Benchmark(
        "dashboard-chromium", "Drive server with the dashboard open in headless Chromium",
        "As above, with the page open in Debian's headless Chromium on the same 2 cores as the server.",
        ("bench-dashboard", "--rounds", "4", "--round-trips", "1000", "--client", "chromium"),
    ),
    Benchmark(
        "flood", "Drive server under hostile clients",
        "A driving client's round trips while other processes flood the server or hold idle "
        "connections, with the server's limits on (the defaults).",
        ("bench-flood",),
    ),
    Benchmark(
        "render", "Built-in simulator: rendering speed",
        "Poses per second for the three cameras, against one bare `cv2.remap` of a full frame.",
        ("simulate", "bench"),
    ),
    Benchmark(
        "replay", "Replay simulator: steps per second",
        "Re-rendering a recorded frame for a deviated pose, advancing the bicycle model and measuring both "
        "views' offsets from the lane centre, one core; "
        "against the bare warp of the frame.",
        ("simulate", "replay-bench", "{data}", "--steps", "1000"), "user_windows_2023",
        generated_fallback=False,
    ),
)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


# Libraries whose versions decide the drive-side numbers (training's come from library_versions).
_SERVING_LIBRARIES = ("python-socketio", "python-engineio", "eventlet", "onnxruntime", "ai-edge-litert")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _machine_section() -> list[str]:
    versions = {**library_versions(), **{name: _version(name) for name in _SERVING_LIBRARIES}}
    ram_gb = psutil.virtual_memory().total / 2**30
    return [
        f"- machine: {cpu_model()}, {usable_cores()} usable cores, {ram_gb:.0f} GiB RAM, "
        f"{platform.platform()}; CPU only",
        "- versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
    ]


def _run(bench: Benchmark, data: Path, timeout_s: float) -> tuple[list[str], bool]:
    """Run one benchmark; return its markdown section and whether it succeeded."""
    argv = [part.replace("{data}", str(data / bench.needs_data)) for part in bench.argv]
    if bench.needs_data and not (data / bench.needs_data).is_dir():
        if not bench.generated_fallback:
            return [f"## {bench.title}", "", f"Skipped: it needs {data / bench.needs_data}.", ""], True
        argv = [part for part in argv if part != str(data / bench.needs_data)]
        note = f"({data / bench.needs_data} absent: generated data instead)"
    else:
        note = ""
    command = "bcloning " + " ".join(argv)
    load_before, start = _load(), time.monotonic()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bcloning", *argv], capture_output=True, text=True, timeout=timeout_s, env=env
        )
        output, ok = done.stdout, done.returncode == 0
        if not ok:
            output += f"\n(exit code {done.returncode})\n" + done.stderr[-2000:]
    except subprocess.TimeoutExpired:
        output, ok = f"(stopped after {timeout_s:.0f} s)", False
    seconds = time.monotonic() - start
    return [
        f"## {bench.title}", "", bench.about, "",
        f"`{command}` {note}".rstrip(), "",
        f"Load average before {load_before}, after {_load()}; {seconds:.0f} s.", "",
        "```", output.rstrip(), "```", "",
    ], ok


def kept_sections(path: Path) -> dict[str, list[str]]:
    """The sections of an earlier report, by heading (without "## "); none where there is no file."""
    if not path.is_file():
        return {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:], [])
        if current is not None:
            current.append(line)
    return sections


def build_parser() -> argparse.ArgumentParser:
    """Flags: --out, --data, --only, --timeout-s."""
    parser = argparse.ArgumentParser(prog="benchmark_report.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=output_path, default="docs/benchmarks.md", help="markdown file to write (atomically)")
    parser.add_argument("--data", default="../shared/data", help="folder holding the shared recordings")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[b.name for b in BENCHMARKS],
                        help="run only these benchmarks (default: all)")
    parser.add_argument("--timeout-s", type=float, default=900.0, help="longest run of one benchmark (s)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks in order, write the report, print where it went."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.timeout_s <= 0:
        return user_error(parser, "--timeout-s must be > 0")
    out = Path(args.out)
    if not out.parent.is_dir():
        return user_error(parser, f"--out {out}: folder {out.parent} does not exist")
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    earlier = kept_sections(out) if args.only else {}
    lines = [
        "# Benchmarks", "",
        "Generated by `python scripts/benchmark_report.py` (`bcloning bench-report`); do not edit by hand.",
        "Each section is one command's verbatim output, run in a fresh process, one at a time.",
        "Compare ratios measured in the same run rather than absolute numbers across machines.", "",
        *_machine_section(), "",
    ]
    failed = []
    fresh = {}
    for bench in tqdm(chosen, desc="benchmarks", unit="benchmark"):
        fresh[bench.name], ok = _run(bench, Path(args.data), args.timeout_s)
        if not ok:
            failed.append(bench.name)
    for bench in BENCHMARKS:  # the report's order, whatever ran
        lines += fresh.get(bench.name) or earlier.get(bench.title, [])
    write_text_atomic(out, "\n".join(lines))
    print(f"{out}: {len(chosen)} benchmarks" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0
