"""Measure what hostile clients do to the driving client: floods and idle connections.

    python scripts/benchmark_flood.py --round-trips 400 --flooders 2 --plot flood.png

Serves a real drive server (an untrained PilotNet through the compiled Keras
call, the same cost as a trained one) and, in a separate process, a client
that behaves as the simulator and times its telemetry -> steer round trips.
Scenarios, each on a fresh server: the driving client alone; with `--flooders`
processes sending 0.9 MB telemetry messages as fast as they can (reconnecting
whenever the server cuts them off) under the default limits; the same flood
with the sending budget switched off (the server before the limits); and
`--idle` idle TCP connections opened first (how long until the simulator gets
its first `steer`). Prints p50/p99 of each and its ratio to the alone run,
measured in the same run, and writes a bar chart with `--plot`.
Exit codes: 0 ok, 2 bad flag value.
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import websocket

from agent import PIController, ServerConfig, create_app
from bcloning.commands.benchmark_drive import camera_frames
from bcloning.flags import user_error
from recorder.formats import JPEG_QUALITY
from simulator.wire import SimulatorLink, WireError, event_packet, telemetry_payload

# The size of the flood messages: just under the 1 MB message cap.
FLOOD_MESSAGE_BYTES = 900_000
# Budgets so large that no client ever overdraws them: the server without flood limits.
NO_FLOOD_LIMIT = {"driver_bytes_per_s": 1e15, "guest_bytes_per_s": 1e15, "max_messages_per_s": 1e12}
# How long the flooders run before the timed round trips start (s).
FLOOD_LEAD_S = 1.0


def flood(port: int, seconds: float) -> tuple[int, int]:
    """Send 0.9 MB telemetry messages for `seconds`, reconnecting when cut off; (messages, connections)."""
    blob = "A" * FLOOD_MESSAGE_BYTES  # valid base64, not a JPEG: decoded before it is refused
    message = event_packet("telemetry", telemetry_payload(0.0, 0.0, 5.0, blob))
    sent = connections = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            link = SimulatorLink("127.0.0.1", port, timeout=5.0)
        except WireError:
            time.sleep(0.01)
            continue
        connections += 1
        try:
            while time.monotonic() < deadline:
                link._ws.send(message)  # never reads the answers: a flood, not a simulator
                sent += 1
        except (OSError, websocket.WebSocketException):  # cut off by the server: connect again
            pass
        finally:
            try:
                link.close()
            except (OSError, websocket.WebSocketException):
                pass
    return sent, connections


def drive(
    port: int, payload: dict[str, str], count: int, connect_timeout_s: float, connected: Any, lead_s: float
) -> tuple[float, list[float]]:
    """(seconds until the first `steer`, round-trip times in s) of a simulator-like client.

    Sets `connected` once it drives, then waits `lead_s` before the timed round trips.
    """
    start = time.monotonic()
    while True:
        try:
            sim = SimulatorLink("127.0.0.1", port, timeout=10.0)
            break
        except WireError:  # refused while the server is full: the simulator retries as well
            if time.monotonic() - start > connect_timeout_s:
                raise
            time.sleep(0.1)
    with sim:
        sim.emit("telemetry", payload)
        sim.next_event()  # the connect handler's steer
        sim.next_event()
        first = time.monotonic() - start
        connected.set()
        time.sleep(lead_s)
        times = []
        for _ in range(count):
            t = time.perf_counter()
            sim.emit("telemetry", payload)
            sim.next_event()
            times.append(time.perf_counter() - t)
    return first, times


def hold_idle(port: int, count: int, ready: Any, done: Any) -> None:
    """Open `count` TCP connections to the server that never send a byte; hold them until `done`."""
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    ready.set()
    done.wait(120)
    for sock in held:
        sock.close()


@dataclass(frozen=True)
class Result:
    name: str
    first_steer_s: float
    p50_ms: float
    p99_ms: float
    flood_messages: int = 0
    flood_connections: int = 0


def scenario(name: str, config: ServerConfig, steering: Any, payload: dict[str, str], args: argparse.Namespace,
             flooders: int = 0, idle: int = 0) -> Result:
    """One scenario on a fresh server."""
    ctx = multiprocessing.get_context("spawn")
    with create_app(config, steering, PIController()) as server, ctx.Pool(flooders + 2) as pool, ctx.Manager() as sync:
        ready, idle_done, connected = sync.Event(), sync.Event(), sync.Event()
        if idle:
            holder = pool.apply_async(hold_idle, (server.port, idle, ready, idle_done))
            ready.wait(120)
        lead = FLOOD_LEAD_S if flooders else 0.0
        driver = pool.apply_async(drive, (server.port, payload, args.round_trips, 60.0, connected, lead))
        connected.wait(120)  # the driving client first, as in the issue: then the flood
        floods = [pool.apply_async(flood, (server.port, lead + args.flood_seconds)) for _ in range(flooders)]
        first, times = driver.get(timeout=600)
        flooded = [f.get(timeout=120) for f in floods]
        if idle:
            idle_done.set()
            holder.get(timeout=60)
    ms = np.array(times) * 1e3
    return Result(
        name, first, float(np.percentile(ms, 50)), float(np.percentile(ms, 99)),
        sum(m for m, _ in flooded), sum(c for _, c in flooded),
    )


def build_parser() -> argparse.ArgumentParser:
    """Flags: round trips, flooders, idle connections, plot."""
    parser = argparse.ArgumentParser(prog="benchmark_flood.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--round-trips", type=int, default=400, help="timed round trips of the driving client")
    parser.add_argument("--flooders", type=int, default=2, help="flooding client processes")
    parser.add_argument("--flood-seconds", type=float, default=6.0, help="how long each flooder floods (s)")
    parser.add_argument("--idle", type=int, default=1100, help="idle TCP connections opened first (0 = skip)")
    parser.add_argument("--plot", default="", help="write a bar chart of p50/p99 per scenario here (PNG)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenarios and print the table; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.round_trips < 10 or args.flooders < 1 or args.idle < 0 or args.flood_seconds <= 0:
        return user_error(parser, "--round-trips must be >= 10, --flooders >= 1, --idle >= 0, --flood-seconds > 0")
    from agent.inference import (
        CompiledSteering,  # TensorFlow only once the flags are good
    )
    from training.model import build_pilotnet

    steering = CompiledSteering(build_pilotnet(seed=0))
    jpeg = camera_frames(1, np.random.default_rng(0))[0]
    payload = telemetry_payload(0.0, 0.0, 8.5, base64.b64encode(jpeg).decode("ascii"))
    config = ServerConfig(port=0, stats_interval_s=0)
    results = [scenario("alone", config, steering, payload, args)]
    results.append(scenario(f"{args.flooders} flooders, default limits", config, steering, payload, args, args.flooders))
    unlimited = replace(config, **NO_FLOOD_LIMIT)
    results.append(scenario(f"{args.flooders} flooders, no flood limit", unlimited, steering, payload, args, args.flooders))
    if args.idle:
        results.append(scenario(f"{args.idle} idle connections first", config, steering, payload, args, idle=args.idle))
    report(results, args, config)
    return 0


def report(results: list[Result], args: argparse.Namespace, config: ServerConfig) -> None:
    """Print the table (ratios against the alone run) and write the plot."""
    base = results[0]
    print(
        f"driving client: {args.round_trips} telemetry -> steer round trips ({JPEG_QUALITY}-quality "
        f"320x160 JPEG), client-side times, flooders start after it; limits: {config.max_connections} "
        f"connections, idle {config.idle_timeout_s:g} s, budgets {config.driver_bytes_per_s / 1e6:g} MB/s "
        f"(driving client), {config.guest_bytes_per_s / 1e6:g} MB/s (others), "
        f"{config.max_messages_per_s:g} messages/s; {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(f"{'scenario':<34}{'first steer s':>14}{'p50 ms':>9}{'p99 ms':>9}{'p50 x alone':>13}"
          f"{'flood msgs':>12}{'flood conns':>12}")
    for r in results:
        print(f"{r.name:<34}{r.first_steer_s:>14.2f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.p50_ms / base.p50_ms:>13.2f}"
              f"{r.flood_messages:>12}{r.flood_connections:>12}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        x = np.arange(len(results))
        ax.bar(x - 0.2, [r.p50_ms for r in results], 0.4, label="p50")
        ax.bar(x + 0.2, [r.p99_ms for r in results], 0.4, label="p99")
        ax.set_xticks(x, [r.name for r in results], rotation=15, ha="right", fontsize=8)
        ax.set_ylabel("driving client's round trip (ms)")
        ax.set_title("The driving client under floods and idle connections")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        plt.close(fig)
        print(f"plot: {args.plot}")
