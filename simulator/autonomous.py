"""Autonomous mode: the car driven by a drive server over the simulator's wire protocol.

As in the Unity simulator, telemetry goes out when the connection opens and
again after each `steer`; here each `steer` also advances the car by exactly one
time step, so a run is deterministic for a given server and independent of how
fast either side is. A `manual` answer (the server got empty telemetry) is
answered with fresh telemetry, without a step. When the car's centre leaves
the road it counts as an intervention: it is put back on the centre line,
heading along it, and the run goes on. The run ends after the asked laps, or
at the simulated-time cap. The drive server is reached only through the wire.
"""

from __future__ import annotations

import base64
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
from tqdm import tqdm

from recorder.atomic import write_json_atomic
from simulator.car import MAX_STEER_DEG
from simulator.checks import check_ranges
from simulator.metrics import MetricsTracker, RunMetrics
from simulator.plots import camera_strip, plot_path
from simulator.record import FolderNotEmptyError
from simulator.simulation import Simulation, SimulatorConfig
from simulator.wire import SimulatorLink, WireError, telemetry_payload

__all__ = ["DriveConfig", "DriveResult", "drive", "check_out_dir", "METRICS_NAME", "PATH_PLOT_NAME", "CAMERAS_NAME"]

logger = logging.getLogger(__name__)

METRICS_NAME = "metrics.json"
PATH_PLOT_NAME = "path.png"
CAMERAS_NAME = "cameras.png"
RUN_FILES = (METRICS_NAME, PATH_PLOT_NAME, CAMERAS_NAME)
# The simulator's telemetry JPEG quality (Unity's EncodeToJPG default).
TELEMETRY_JPEG_QUALITY = 75
# `manual` answers the simulator's empty telemetry (a key held); this one never sends any,
# so a server answering `manual` this often in a row is broken, and the run would never end.
MAX_MANUAL_IN_A_ROW = 100


@dataclass(frozen=True)
class DriveConfig:
    """Where the drive server is and how long to drive."""

    host: str = "127.0.0.1"  # drive server host
    port: int = 4567  # drive server port (the simulator's is fixed at 4567)
    laps: int = 3  # laps to complete
    timeout_s: float = 30.0  # longest wait for the server's answer (wall-clock s)
    max_sim_s: float = 1800.0  # stop after this much simulated time even if laps are missing (s)

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host must not be empty")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"port must be in 1..65535, got {self.port}")
        check_ranges(self, non_negative=(), skip=("host", "port"))


@dataclass(frozen=True)
class DriveResult:
    """A finished run: its metrics and the files written."""

    metrics: RunMetrics
    files: dict[str, Path]  # "metrics", "path", "cameras" -> written file


def _telemetry(sim: Simulation, throttle: float) -> dict[str, str]:
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(sim.render("center"), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, TELEMETRY_JPEG_QUALITY]
    )
    if not ok:
        raise RuntimeError("cannot encode the centre camera frame as JPEG")
    return telemetry_payload(
        sim.state.steering * MAX_STEER_DEG, throttle, sim.state.speed_mph, base64.b64encode(jpeg.tobytes()).decode("ascii")
    )


def _command(data: object) -> tuple[float, float]:
    """(steering, throttle) of a `steer` event; the simulator parses the string form."""
    if not isinstance(data, dict):
        raise WireError(f"steer data is not an object: {data!r:.80}")
    try:
        steering, throttle = float(data["steering_angle"]), float(data["throttle"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"bad steer data {data!r:.120}: {exc}") from exc
    if not (math.isfinite(steering) and math.isfinite(throttle)):
        raise WireError(f"steer values are not finite: {data!r:.120}")
    return steering, throttle


def check_out_dir(out_dir: str | os.PathLike) -> Path:
    """The run folder as a Path, if it can take a run's files without replacing another run's.

    Checked before connecting, so a bad folder is reported at once, not after the laps.

    Raises:
        FolderNotEmptyError: it, or a folder above it, is a file; or it already holds a run.
    """
    path = Path(out_dir)
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise FolderNotEmptyError(f"{folder} exists and is not a folder; choose another output folder")
            break
    present = [name for name in RUN_FILES if (path / name).exists()]
    if present:
        raise FolderNotEmptyError(f"{path} already holds a run ({', '.join(present)}); choose a new output folder")
    return path


def drive(
    config: DriveConfig,
    sim_config: SimulatorConfig = SimulatorConfig(),
    out_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> DriveResult:
    """Connect to a drive server, drive `config.laps` laps and write the run's files.

    Raises:
        FolderNotEmptyError: `out_dir` cannot be used (see `check_out_dir`).
        WireError: the server cannot be reached, breaks the protocol or stops answering.
    """
    out = None if out_dir is None else check_out_dir(out_dir)
    sim = Simulation(sim_config)
    tracker = MetricsTracker(dt=sim_config.car.dt)
    goal = config.laps * sim.track.length
    throttle = 0.0
    snapshot = None
    manual_in_a_row = 0
    with SimulatorLink(config.host, config.port, config.timeout_s) as link, tqdm(
        total=round(goal), unit="m", desc="driving", disable=not progress, leave=False
    ) as bar:
        link.emit("telemetry", _telemetry(sim, throttle))  # the simulator speaks first
        while sim.progress < goal and sim.time < config.max_sim_s:
            name, data = link.next_event()
            if name == "manual":
                manual_in_a_row += 1
                if manual_in_a_row > MAX_MANUAL_IN_A_ROW:
                    raise WireError(f"the server answered `manual` {manual_in_a_row} times to full telemetry")
                link.emit("telemetry", _telemetry(sim, throttle))
                continue
            manual_in_a_row = 0
            if name != "steer":
                logger.debug("ignored event %r", name)
                continue
            steering, throttle = _command(data)
            before = sim.distance
            sim.step(steering, throttle)
            tracker.add(*sim.centre(), sim.cte, sim.distance - before)
            if sim.off_road:
                tracker.intervene()
                logger.info("intervention %d at %.0f m (cte %.2f m)", len(tracker.intervention_steps), sim.progress, sim.cte)
                sim.put_back()
            if snapshot is None and sim.progress >= goal / 2:
                snapshot = sim.cameras.render_all(sim.state)
            bar.update(max(0, min(round(goal), round(sim.progress)) - bar.n))
            bar.set_postfix(interventions=len(tracker.intervention_steps), refresh=False)
            if sim.progress < goal and sim.time < config.max_sim_s:
                link.emit("telemetry", _telemetry(sim, throttle))
    if sim.progress < goal:
        logger.warning("stopped at the %.0f s cap after %.0f of %.0f m", config.max_sim_s, sim.progress, goal)
    metrics = tracker.summary(sim.laps, sim_config.track.seed, sim.track.length)
    files: dict[str, Path] = {}
    if out is not None:
        files["metrics"] = write_json_atomic(out / METRICS_NAME, metrics.to_dict())
        files["path"] = plot_path(
            sim.track, tracker.xs, tracker.ys, tracker.ctes, tracker.intervention_steps, out / PATH_PLOT_NAME
        )
        files["cameras"] = camera_strip(snapshot or sim.cameras.render_all(sim.state), out / CAMERAS_NAME)
    return DriveResult(metrics, files)
