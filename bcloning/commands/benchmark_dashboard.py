"""What an open dashboard costs the drive server: server-side p50/p99 with and without the page.

    python scripts/benchmark_dashboard.py --rounds 4 --round-trips 1500 --plot dashboard_latency.png

Serves a real drive server (the Keras compiled call of an untrained PilotNet, the
same layers so the same cost, or --model) and drives it from the built-in
simulator's wire client in another process, as benchmark_drive.py does, in
rounds that take turns: no page, then the dashboard open in headless Chromium
(polling /status.json and /frame.jpg as a person's browser does), and so on, so
that load from other processes falls on both alike. `--client poll` asks for
what the page asks for from a small Python process instead of a browser: the
server's own cost, without a browser's rendering competing for the same CPUs. Prints, per condition over
all its rounds, steer round trips per second, the server-side p50/p99, the
frames the page fetched per second, and the difference; --plot writes both
latency distributions as a PNG.
Exit codes: 0 ok, 2 user error (bad model file, bad flag value, Chromium missing).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from agent import PIController, ServerConfig, create_app
from agent.server import DriveServer
from agent.stats import LatencyStats
from bcloning.commands.benchmark_drive import camera_frames, measure_round_trips
from bcloning.flags import user_error
from bcloning.page_clients import (
    ChromiumMissing,
    open_page,
    open_poller,
    require_chromium,
)
from recorder.atomic import atomic_path
from simulator.wire import telemetry_payload
from training.contract import ModelContractError

CONDITIONS = ("no dashboard", "dashboard open")
# Longest wait for the page to load and fetch its first frame (s).
PAGE_START_S = 30.0


def _wait_for_page(server: DriveServer, payload: dict[str, str], pool: Any) -> None:
    """Drive a few frames until the page has fetched one, so a round starts with the page polling."""
    before, deadline = server.dashboard.frames_sent, time.monotonic() + PAGE_START_S
    while server.dashboard.frames_sent == before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the dashboard fetched no frame in {PAGE_START_S:.0f} s")
        pool.apply(measure_round_trips, ("127.0.0.1", server.port, payload, 50))


def measure(server: DriveServer, payload: dict[str, str], rounds: int, round_trips: int, client: str) -> list[dict]:
    """Per condition: latencies (ms) of every round, round trips/s, frames to the page per second."""
    open_client = open_page if client == "chromium" else open_poller
    results = [{"ms": [], "rates": [], "page_fps": []} for _ in CONDITIONS]
    url = f"http://127.0.0.1:{server.port}/"
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for _ in range(rounds):
            for k, result in enumerate(results):
                with open_client(url) if k else nullcontext():
                    if k:
                        _wait_for_page(server, payload, pool)
                    server.stats = LatencyStats()
                    sent, start = server.dashboard.frames_sent, time.perf_counter()
                    rate = pool.apply(measure_round_trips, ("127.0.0.1", server.port, payload, round_trips))
                    result["rates"].append(rate)
                    result["page_fps"].append((server.dashboard.frames_sent - sent) / (time.perf_counter() - start))
                    result["ms"].append(server.stats.window_ms())
    return results


def save_plot(path: str | os.PathLike, results: list[dict]) -> Path:
    """Both latency distributions (cumulative), with their p99 marked, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for name, result, color in zip(CONDITIONS, results, ("tab:grey", "tab:blue")):
        ms = np.sort(np.concatenate(result["ms"]))
        p99 = float(np.percentile(ms, 99))
        axes.plot(ms, np.arange(1, ms.size + 1) / ms.size, color=color, label=f"{name} (p99 {p99:.2f} ms)")
        axes.axvline(p99, color=color, linestyle=":")
    axes.set_xlabel("server-side latency, telemetry in -> steer out (ms)")
    axes.set_ylabel("share of frames")
    axes.set_title("Drive server latency with and without an open dashboard")
    axes.set_xlim(0, 1.5 * max(float(np.percentile(np.concatenate(r["ms"]), 99)) for r in results))
    axes.legend(loc="lower right")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    return Path(path)


def build_parser() -> argparse.ArgumentParser:
    """Flags: model, rounds, round trips per round, plot."""
    parser = argparse.ArgumentParser(prog="benchmark_dashboard.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", default="", help="model file (.keras, .onnx, .tflite); default: an untrained PilotNet"
    )
    parser.add_argument("--rounds", type=int, default=4, help="rounds; each measures both conditions in turn")
    parser.add_argument("--round-trips", type=int, default=1500, help="steer round trips per condition and round")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic frame")
    parser.add_argument("--client", choices=("chromium", "poll"), default="chromium",
                        help="who opens the dashboard: headless Chromium, or a Python process asking the same")
    parser.add_argument("--plot", default="", help="write the latency distributions to this PNG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.round_trips < 100:
        return user_error(parser, "--rounds must be >= 1 and --round-trips >= 100 (a p99 needs 100 frames)")
    try:
        if args.client == "chromium":
            require_chromium()
        if args.model:
            from agent.runtimes import load_steering

            steering, contract = load_steering(args.model)
            preprocess_config = contract.preprocess
        else:
            from agent.inference import CompiledSteering
            from training.model import build_pilotnet
            from training.preprocess import DEFAULT_PREPROCESS

            steering, preprocess_config = CompiledSteering(build_pilotnet(seed=0)), DEFAULT_PREPROCESS
    except (ChromiumMissing, ModelContractError) as exc:
        return user_error(parser, str(exc))
    jpeg = camera_frames(1, np.random.default_rng(args.seed))[0]
    payload = telemetry_payload(0.0, 0.0, 8.5, base64.b64encode(jpeg).decode("ascii"))
    server = create_app(ServerConfig(port=0, stats_interval_s=0), steering, PIController(), None, preprocess_config)
    with server:
        results = measure(server, payload, args.rounds, args.round_trips, args.client)
    who = "headless Chromium" if args.client == "chromium" else "a process polling as the page does"
    print(f"drive server with and without the dashboard open in {who} "
          f"({steering.runtime}, {args.rounds} rounds x {args.round_trips} round trips each, taking turns)")
    print(f"{'condition':<16}{'round trips/s':>15}{'p50 ms':>9}{'p99 ms':>9}{'frames to page/s':>18}")
    p99 = []
    for name, result in zip(CONDITIONS, results):
        ms = np.concatenate(result["ms"])
        p99.append(float(np.percentile(ms, 99)))
        print(f"{name:<16}{np.mean(result['rates']):>15.0f}{np.percentile(ms, 50):>9.2f}{p99[-1]:>9.2f}"
              f"{np.mean(result['page_fps']):>18.1f}")
    rate_ratio = np.mean(results[1]["rates"]) / np.mean(results[0]["rates"])
    print(f"dashboard open vs none: p99 {p99[1] - p99[0]:+.2f} ms, round trips x{rate_ratio:.2f}; "
          f"load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.plot:
        print(f"wrote {save_plot(args.plot, results)}")
    return 0
