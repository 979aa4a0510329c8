"""Benchmark the drive server's telemetry-to-steer path, one row per runtime.

    python scripts/benchmark_drive.py --frames 500 --round-trips 2000

Exports the model (default: an untrained PilotNet, the same layers so the same
cost) to ONNX and LiteRT in a temporary folder, each checked against Keras as
`scripts/export.py` does, then times the whole server-side path of one
message: JSON decode, base64 + JPEG decode, preprocessing, steering inference,
PI controller, JSON encode of the reply; for the Keras compiled call
(`tf.function`), ONNX Runtime, LiteRT, and `model.predict` (the slow
reference), on the same frames in the same process, taking turns frame by
frame so that load from other processes falls on every runtime alike. Prints
p50/p99 of each, its speed against the Keras compiled call, and the load
average. Then (unless --round-trips 0) serves a real drive server with the
fastest runtime and counts steer round trips per second from the built-in
simulator's wire client (`simulator.wire`, raw WebSocket as the Unity
simulator) in a separate process.
Exit codes: 0 ok, 2 user error (bad model file, bad flag value).
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from agent import ControllerConfig, Driver, PIController, ServerConfig, create_app
from agent.runtimes import Steering, load_steering, open_exported
from agent.telemetry import decode_telemetry, encode_steer
from bcloning.flags import user_error
from bcloning.tensorflow_logs import import_tensorflow_quietly
from recorder.atomic import atomic_path
from recorder.formats import JPEG_QUALITY
from recorder.synthetic import REALISTIC_TEXTURE, road_frame
from simulator.wire import SimulatorLink, WireError, event_packet, telemetry_payload
from training.contract import ModelContractError, read_contract
from training.preprocess import PreprocessConfig

# Distinct frames cycled through, so the JPEG decoder does not see one image only.
DISTINCT_FRAMES = 16
# Frames run through each path before timing starts.
WARMUP_FRAMES = 5


def camera_frames(count: int, rng: np.random.Generator) -> list[bytes]:
    """Simulator-sized JPEGs (320x160) with road-like structure and sensor noise (~20 kB each)."""
    frames = []
    for i in range(count):
        rgb = road_frame(0.0, shift=int(rng.integers(-60, 60))).astype(np.float64)
        rgb = np.clip(rgb + rng.normal(0, REALISTIC_TEXTURE, rgb.shape), 0, 255).astype(np.uint8)
        ok, jpeg = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        frames.append(jpeg.tobytes())
    return frames


def _one_message(driver: Driver, message: str) -> float:
    """Latency (s) of one JSON text in -> steer JSON text out."""
    start = time.perf_counter()
    _, payload = json.loads(message[2:])
    command = driver.decide(decode_telemetry(payload, start))
    reply = "42" + json.dumps(["steer", encode_steer(command.steering, command.throttle)])
    elapsed = time.perf_counter() - start
    if not reply.startswith('42["steer"'):
        raise AssertionError(reply)
    return elapsed


def time_paths(drivers: list[Driver], messages: list[str], frames: list[int]) -> list[np.ndarray]:
    """Per-message latencies (s) of each driver, the drivers taking turns on each message.

    Driver k runs the first `frames[k]` messages (after the warm-up ones), so a
    slow reference can run fewer frames and still see the same ones.
    """
    times = [np.zeros(n) for n in frames]
    for i in range(WARMUP_FRAMES + max(frames)):
        message = messages[i % len(messages)]
        for k, driver in enumerate(drivers):
            if i < WARMUP_FRAMES + frames[k]:
                elapsed = _one_message(driver, message)
                if i >= WARMUP_FRAMES:
                    times[k][i - WARMUP_FRAMES] = elapsed
    return times


def plot_latencies(path: Path, names: list[str], times: list[np.ndarray]) -> None:
    """Cumulative distribution of each runtime's latencies (log scale), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, t in zip(names, times):
        ms = np.sort(t) * 1e3
        ax.plot(ms, np.arange(1, len(ms) + 1) / len(ms), label=f"{name} (p99 {np.percentile(ms, 99):.2f} ms)")
    ax.set_xscale("log")
    ax.set_xlabel("telemetry -> steer, server side (ms)")
    ax.set_ylabel("fraction of frames")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)


def runtimes(model_path: Path, folder: Path) -> list[tuple[str, Steering]]:
    """The runtimes compared, the Keras compiled call first: (row name, steering)."""
    from agent.inference import CompiledSteering, PredictSteering
    from training.export import ExportConfig, export_model
    from training.model_file import load_model

    model = load_model(model_path, read_contract(model_path).preprocess)
    rows: list[tuple[str, Steering]] = [("keras compiled call", CompiledSteering(model))]
    for fmt, suffix in (("onnx", ".onnx"), ("litert", ".tflite")):
        written = export_model(ExportConfig(format=fmt, out=str(folder / f"model{suffix}")), model_path, open_exported)
        check = written["equivalence"]
        print(f"{fmt} export: max |steering diff| vs Keras {check['max_abs_diff']:.2e} over {check['frames']} frames")
        steering, _ = load_steering(written["path"])
        rows.append((steering.runtime, steering))
    rows.append(("keras model.predict", PredictSteering(model)))
    return rows


def measure_round_trips(host: str, port: int, payload: dict[str, str], count: int) -> float:
    """Telemetry -> steer round trips per second over one connection that behaves as the simulator.

    The first exchange is not timed: it connects the client to `/` on the
    server's side, whose connect handler sends its own `steer` before the answer.
    """
    with SimulatorLink(host, port, timeout=10.0) as sim:
        sim.emit("telemetry", payload)
        sim.next_event()  # the connect handler's steer
        sim.next_event()  # the answer
        start = time.perf_counter()
        for _ in range(count):
            sim.emit("telemetry", payload)
            event, _ = sim.next_event()
            if event != "steer":
                raise WireError(f"expected steer, got {event!r}")
        return count / (time.perf_counter() - start)


def build_parser() -> argparse.ArgumentParser:
    """Flags: model, frame counts, round trips."""
    parser = argparse.ArgumentParser(prog="benchmark_drive.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="", help="model file (.keras); default: an untrained PilotNet")
    parser.add_argument("--frames", type=int, default=500, help="timed frames through each fast runtime")
    parser.add_argument("--predict-frames", type=int, default=100, help="timed frames through model.predict (~36 ms each)")
    parser.add_argument(
        "--round-trips", type=int, default=2000, help="steer round trips over a real socket (0 = skip)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames")
    parser.add_argument("--plot", default="", help="also write the latency distributions to this PNG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.frames < 1 or args.predict_frames < 1 or args.round_trips < 0:
        return user_error(parser, "--frames and --predict-frames must be >= 1, --round-trips >= 0")
    import_tensorflow_quietly()
    from training.model import build_pilotnet  # TensorFlow only now: --help answers at once
    from training.model_file import save_model

    with tempfile.TemporaryDirectory(prefix="bench_drive_") as tmp:
        try:
            model_path = Path(args.model) if args.model else save_model(build_pilotnet(seed=0), Path(tmp) / "model.keras")
            preprocess_config = read_contract(model_path).preprocess
            rows = runtimes(model_path, Path(tmp))
        except (ModelContractError, ValueError) as exc:
            return user_error(parser, str(exc))
        run(args, rows, preprocess_config)
    return 0


def run(args: argparse.Namespace, rows: list[tuple[str, Steering]], preprocess_config: PreprocessConfig) -> None:
    """Time every runtime, print the table, then the round trips of the fastest."""
    jpegs = camera_frames(DISTINCT_FRAMES, np.random.default_rng(args.seed))
    payloads = [telemetry_payload(0.0, 0.0, 8.5, base64.b64encode(j).decode("ascii")) for j in jpegs]
    messages = [event_packet("telemetry", payload) for payload in payloads]
    drivers = [Driver(steering, PIController(ControllerConfig()), preprocess_config)
               for _, steering in rows]
    frames = [args.frames] * (len(rows) - 1) + [args.predict_frames]
    load_before = os.getloadavg()[0]
    times = time_paths(drivers, messages, frames)
    load_after = os.getloadavg()[0]
    p50 = [float(np.percentile(t, 50)) * 1e3 for t in times]
    p99 = [float(np.percentile(t, 99)) * 1e3 for t in times]
    print(f"telemetry -> steer, server side ({len(jpegs[0]) / 1e3:.0f} kB JPEG frames, one at a time, runtimes taking turns)")
    print(f"{'runtime':<22}{'frames':>7}{'p50 ms':>9}{'p99 ms':>9}{'  speed vs keras call (p50, p99)'}")
    for (name, _), n, a, b in zip(rows, frames, p50, p99):
        print(f"{name:<22}{n:>7}{a:>9.2f}{b:>9.2f}   x{p50[0] / a:.2f}, x{p99[0] / b:.2f}")
    print(f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} CPUs")
    if args.plot:
        plot_latencies(Path(args.plot), [name for name, _ in rows], times)
        print(f"plot: {args.plot}")
    if args.round_trips:
        fastest = min(range(len(rows)), key=lambda k: p50[k])
        name, steering = rows[fastest]
        server = create_app(ServerConfig(port=0, stats_interval_s=0), steering, PIController(), None,
                             preprocess_config)
        with server:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                rate = pool.apply(measure_round_trips, ("127.0.0.1", server.port, payloads[0], args.round_trips))
            summary = server.stats.summary()
        print(
            f"real socket, {name}, simulator-like raw WebSocket client in another process: {rate:.0f} steer "
            f"round trips/s over {args.round_trips}; server side p50 {summary.p50_ms:.2f} ms, p99 {summary.p99_ms:.2f} ms"
        )
