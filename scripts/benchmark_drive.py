"""Benchmark the drive server's telemetry-to-steer path: compiled call vs model.predict.

    python scripts/benchmark_drive.py --frames 300 --round-trips 2000

Times, in one run on the same frames, the whole server-side path of one
message: JSON decode, base64 + JPEG decode, preprocessing, steering inference,
PI controller, JSON encode of the reply; once with the warmed-up compiled call
(`tf.function`) the server uses, once with `model.predict` per frame. Prints
p50/p99 of each and their ratio. Then (unless --round-trips 0) serves a real
drive server and counts steer round trips per second from the built-in
simulator's wire client (`simulator.wire`, raw WebSocket as the Unity
simulator) in a separate process. Without --model an untrained
PilotNet is used: the same layers, so the same cost.
Exit codes: 0 ok, 2 user error (bad model file, bad flag value).
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as `python scripts/benchmark_drive.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from agent import ControllerConfig, Driver, PIController, ServerConfig, create_app  # noqa: E402
from agent.inference import CompiledSteering, PredictSteering, load_steering_model  # noqa: E402
from agent.telemetry import decode_telemetry, encode_steer  # noqa: E402
from simulator.wire import SimulatorLink, WireError, event_packet, telemetry_payload  # noqa: E402
from training.model import build_pilotnet  # noqa: E402
from training.model_file import ModelContractError  # noqa: E402
from training.preprocess import DEFAULT_PREPROCESS  # noqa: E402

# Distinct frames cycled through, so the JPEG decoder does not see one image only.
DISTINCT_FRAMES = 16
# JPEG quality of Unity's EncodeToJPG, as the simulator sends frames.
SIMULATOR_JPEG_QUALITY = 75
# Frames run through each path before timing starts.
WARMUP_FRAMES = 5


def camera_frames(count: int, rng: np.random.Generator) -> list[bytes]:
    """Simulator-sized JPEGs (320x160) with road-like structure and sensor noise (~20 kB each)."""
    frames = []
    for i in range(count):
        rgb = np.zeros((160, 320, 3), np.float64)
        rgb[:60] = (135, 190, 235)
        rgb[60:] = (60, 140, 50)
        centre = 160 + int(rng.integers(-60, 60))
        for row in range(60, 160):
            half = 10 + (row - 60)
            rgb[row, max(0, centre - half) : min(320, centre + half)] = (110, 110, 110)
        rgb = np.clip(rgb + rng.normal(0, 12, rgb.shape), 0, 255).astype(np.uint8)
        ok, jpeg = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, SIMULATOR_JPEG_QUALITY])
        frames.append(jpeg.tobytes())
    return frames


def time_path(driver: Driver, messages: list[str], frames: int) -> np.ndarray:
    """Per-message latency (s) of JSON text in -> steer JSON text out."""
    times = np.zeros(frames)
    for i in range(WARMUP_FRAMES + frames):
        message = messages[i % len(messages)]
        start = time.perf_counter()
        _, payload = json.loads(message[2:])
        command = driver.decide(decode_telemetry(payload, start))
        reply = "42" + json.dumps(["steer", encode_steer(command.steering, command.throttle)])
        elapsed = time.perf_counter() - start
        if i >= WARMUP_FRAMES:
            times[i - WARMUP_FRAMES] = elapsed
    assert reply.startswith('42["steer"')
    return times


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
    parser.add_argument("--frames", type=int, default=300, help="timed frames through the compiled call")
    parser.add_argument("--predict-frames", type=int, default=100, help="timed frames through model.predict (~36 ms each)")
    parser.add_argument(
        "--round-trips", type=int, default=2000, help="steer round trips over a real socket (0 = skip)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table; return the exit code."""
    args = build_parser().parse_args(argv)
    if args.frames < 1 or args.predict_frames < 1 or args.round_trips < 0:
        print("benchmark_drive.py: error: --frames and --predict-frames must be >= 1, --round-trips >= 0", file=sys.stderr)
        return 2
    try:
        model, preprocess_config = (
            load_steering_model(args.model) if args.model else (build_pilotnet(seed=0), DEFAULT_PREPROCESS)
        )
    except ModelContractError as exc:
        print(f"benchmark_drive.py: error: {exc}", file=sys.stderr)
        return 2
    jpegs = camera_frames(DISTINCT_FRAMES, np.random.default_rng(args.seed))
    payloads = [telemetry_payload(0.0, 0.0, 8.5, base64.b64encode(j).decode("ascii")) for j in jpegs]
    messages = [event_packet("telemetry", payload) for payload in payloads]
    compiled = CompiledSteering(model)
    rows = []
    for name, steering, frames in (
        ("compiled call", compiled, args.frames),
        ("model.predict", PredictSteering(model), args.predict_frames),
    ):
        driver = Driver(steering, PIController(ControllerConfig()), preprocess_config)
        ms = time_path(driver, messages, frames) * 1e3
        rows.append((name, frames, float(np.percentile(ms, 50)), float(np.percentile(ms, 99))))
    print(f"telemetry -> steer, server side ({len(jpegs[0]) / 1e3:.0f} kB JPEG frames, one at a time)")
    print(f"{'path':<15}{'frames':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for name, frames, p50, p99 in rows:
        print(f"{name:<15}{frames:>8}{p50:>10.2f}{p99:>10.2f}")
    print(f"model.predict / compiled: p50 x{rows[1][2] / rows[0][2]:.1f}, p99 x{rows[1][3] / rows[0][3]:.1f}")
    if args.round_trips:
        server = create_app(ServerConfig(port=0, stats_interval_s=0), compiled, PIController(), None, preprocess_config)
        with server:
            payload = payloads[0]
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                rate = pool.apply(measure_round_trips, ("127.0.0.1", server.port, payload, args.round_trips))
            summary = server.stats.summary()
        print(
            f"real socket, simulator-like raw WebSocket client in another process: {rate:.0f} steer round trips/s "
            f"over {args.round_trips}; server side p50 {summary.p50_ms:.2f} ms, p99 {summary.p99_ms:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
