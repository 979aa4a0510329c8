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

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from recorder.atomic import write_json_atomic
from recorder.config_fields import check_range, setting
from simulator.car import MAX_STEER_DEG
from simulator.checks import check_ranges
from simulator.metrics import MetricsTracker, RunMetrics
from simulator.plots import camera_strip, plot_path
from simulator.record import FolderNotEmptyError
from simulator.simulation import Simulation, SimulatorConfig
from simulator.wire import SimulatorLink, jpeg_base64, telemetry_payload

__all__ = ["DriveConfig", "DriveResult", "TrackRun", "drive", "check_out_dir", "METRICS_NAME", "PATH_PLOT_NAME", "CAMERAS_NAME"]

logger = logging.getLogger(__name__)

METRICS_NAME = "metrics.json"
PATH_PLOT_NAME = "path.png"
CAMERAS_NAME = "cameras.png"
RUN_FILES = (METRICS_NAME, PATH_PLOT_NAME, CAMERAS_NAME)


@dataclass(frozen=True)
class DriveConfig:
    """Where the drive server is and how long to drive."""

    host: str = setting("127.0.0.1", "drive server host")
    # the Unity simulator's port is fixed at 4567
    port: int = setting(4567, "drive server port")
    laps: int = setting(3, "laps to drive")
    timeout_s: float = setting(30.0, "longest wait for the server's answer (wall-clock s)", aliases=("--timeout",))
    max_sim_s: float = setting(1800.0, "stop after this much simulated time even if laps are missing (s)")

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host must not be empty")
        check_range("port", self.port, low=1, high=65535)
        check_ranges(self, non_negative=(), skip=("host", "port"))


@dataclass(frozen=True)
class DriveResult:
    """A finished run: its metrics and the files written."""

    metrics: RunMetrics
    files: dict[str, Path]  # "metrics", "path", "cameras" -> written file


def _telemetry(sim: Simulation, throttle: float) -> dict[str, str]:
    return telemetry_payload(
        sim.state.steering * MAX_STEER_DEG, throttle, sim.state.speed_mph, jpeg_base64(sim.render("center"))
    )


def check_out_dir(out_dir: str | os.PathLike, names: Sequence[str] = RUN_FILES) -> Path:
    """The run folder as a Path, if it can take a run's files (`names`) without replacing another run's.

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
    present = [name for name in names if (path / name).exists()]
    if present:
        raise FolderNotEmptyError(f"{path} already holds a run ({', '.join(present)}); choose a new output folder")
    return path


class TrackRun:
    """One autonomous run on the built-in track, one step at a time: what `drive` and the
    Gymnasium environment (`simulator.envs`) both step.

    `frame()` is the centre camera's view; `step(steering, throttle)` advances the car
    by one time step, counts an intervention where the car's centre left the road (and
    puts it back on the centre line) and logs the step for the metrics.
    """

    def __init__(self, sim: Simulation, laps: int, max_sim_s: float) -> None:
        """Drive `sim` from where its car is (a new one, or one `restart`ed)."""
        self.sim = sim
        self.tracker = MetricsTracker(dt=sim.config.car.dt)
        self.goal = laps * self.sim.track.length  # metres along the centre line
        self.max_sim_s = max_sim_s
        self.snapshot: dict[str, np.ndarray] | None = None  # all cameras at half distance, for the strip

    @property
    def done(self) -> bool:
        """True after the asked laps, or at the simulated-time cap."""
        return self.sim.progress >= self.goal or self.sim.time >= self.max_sim_s

    def frame(self) -> np.ndarray:
        """The centre camera's current RGB frame (160, 320, 3)."""
        return self.sim.render("center")

    def step(self, steering: float, throttle: float) -> bool:
        """Advance one time step; True where the car left the road (it has been put back)."""
        sim = self.sim
        before = sim.distance
        sim.step(steering, throttle)
        self.tracker.add(*sim.centre(), sim.cte, sim.distance - before, steering)
        intervened = sim.off_road
        if intervened:
            self.tracker.intervene()
            logger.info("intervention %d at %.0f m (cte %.2f m)", len(self.tracker.intervention_steps), sim.progress, sim.cte)
            sim.put_back()
        if self.snapshot is None and sim.progress >= self.goal / 2:
            self.snapshot = sim.cameras.render_all(sim.state)
        return intervened

    def metrics(self) -> RunMetrics:
        """The run's metrics so far."""
        return self.tracker.summary(self.sim.laps, self.sim.config.track.seed, self.sim.track.length)


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
    run = TrackRun(Simulation(sim_config), config.laps, config.max_sim_s)
    sim, tracker = run.sim, run.tracker
    throttle = 0.0
    with SimulatorLink(config.host, config.port, config.timeout_s) as link, tqdm(
        total=round(run.goal), unit="m", desc="driving", disable=not progress, leave=False
    ) as bar:
        while not run.done:
            steering, throttle = link.ask(_telemetry(sim, throttle))  # the simulator speaks first
            run.step(steering, throttle)
            bar.update(max(0, min(round(run.goal), round(sim.progress)) - bar.n))
            bar.set_postfix(interventions=len(tracker.intervention_steps), refresh=False)
    if sim.progress < run.goal:
        logger.warning("stopped at the %.0f s cap after %.0f of %.0f m", config.max_sim_s, sim.progress, run.goal)
    metrics = run.metrics()
    files: dict[str, Path] = {}
    if out is not None:
        files["metrics"] = write_json_atomic(out / METRICS_NAME, metrics.to_dict())
        files["path"] = plot_path(
            sim.track, tracker.xs, tracker.ys, tracker.ctes, tracker.intervention_steps, out / PATH_PLOT_NAME
        )
        files["cameras"] = camera_strip(run.snapshot or sim.cameras.render_all(sim.state), out / CAMERAS_NAME)
    return DriveResult(metrics, files)
