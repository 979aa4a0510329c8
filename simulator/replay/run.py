"""Replaying a real recording in closed loop: against a drive server over the wire, or a Python driver.

    result = replay("data/lap1", ReplayConfig(port=4567), out_dir="runs/replay_lap1")
    result.metrics.autonomy_percent

The method is NVIDIA's (Bojarski et al. 2016, "End to End Learning for
Self-Driving Cars", section 6); see `simulator.replay.loop`. `replay` talks to a
running drive server (`scripts/drive.py`) exactly as `simulate.py drive` and the
Unity simulator do: telemetry with the re-rendered centre frame as a base64
JPEG, the replayed car's steering and the recorded speed; the server's steering
moves the car; its throttle is sent back in the next telemetry but the speed
follows the recording. Both functions are deterministic for a recording, config
and deterministic driver.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, ContextManager

import numpy as np

from recorder.atomic import write_json_atomic
from recorder.camera_geometry import UNITY_GEOMETRY, CameraGeometry
from recorder.config_fields import check_range, setting
from simulator.autonomous import METRICS_NAME, check_out_dir
from simulator.car import MAX_STEER_DEG, MPH
from simulator.checks import check_ranges
from simulator.metrics import autonomy_percent, interventions_per_km, rms
from simulator.replay.loop import DriverView, ReplayStepper, Trace, ViewSteering, closed_loop
from simulator.replay.path import load_path
from simulator.replay.plots import frame_strip, plot_deviation
from simulator.wire import SimulatorLink, jpeg_base64, telemetry_payload

__all__ = [
    "ReplayConfig", "ReplayMetrics", "ReplayResult", "replay", "replay_in_process", "replay_metrics", "DEVIATION_NAME",
    "FRAMES_NAME",
]

DEVIATION_NAME = "deviation.png"
FRAMES_NAME = "frames.png"
RUN_FILES = (METRICS_NAME, DEVIATION_NAME, FRAMES_NAME)
# Below this much replayed road one intervention more or less swings autonomy by tens of
# percent: the figures are reported, flagged (`too_little_road`) and warned about.
MIN_ROAD_M = 100.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayConfig:
    """Where the drive server is and how the recorded lap is replayed."""

    host: str = setting("127.0.0.1", "drive server host")
    port: int = setting(4567, "drive server port")
    timeout_s: float = setting(30.0, "longest wait for the server's answer (wall-clock s)")
    # |d| beyond this is an intervention (m); Bojarski et al.'s 1 m
    threshold_m: float = setting(1.0, "lateral offset that counts as an intervention (m)")
    # longest distance along the path between decisions (m); 0 = one per recorded frame (about 1.3 m at
    # 30 mph). 0.4 m is the drive server's default 9 mph set speed at 10 decisions per second, or the
    # recordings' 30 mph at 33 per second, what the simulator's telemetry loop gives a fast server.
    spacing_m: float = setting(0.4, "longest distance between decisions along the path (m); 0 = one per recorded frame")
    # rows further apart in time start a new segment (s); the simulator records a frame every ~0.1 s
    max_gap_s: float = setting(0.5, "rows further apart in time start a new segment (s)")
    strip_frames: int = setting(4, "recorded/re-rendered frame pairs in frames.png")

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host must not be empty")
        check_range("port", self.port, low=1, high=65535)
        check_ranges(self, non_negative=("spacing_m",), skip=("host", "port"))
        for name in ("timeout_s", "threshold_m", "spacing_m", "max_gap_s"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")


@dataclass(frozen=True)
class ReplayMetrics:
    """The summary of one replay; names as the built-in simulator's `RunMetrics`, but the offset is from the recorded path."""

    steps: int  # decisions
    distance_m: float  # metres of recorded path replayed
    elapsed_s: float  # recorded time of the replayed segments (s)
    interventions: int  # times |d| passed the threshold
    interventions_per_km: float  # interventions / distance (per km): what is pooled over replays
    autonomy_percent: float  # PilotNet autonomy (%): 6 s per intervention
    mean_abs_path_offset_m: float  # mean |d|, the car centre's offset from the recorded path, over the steps (m)
    max_abs_path_offset_m: float  # largest |d| (m), before any put-back
    mean_speed_mph: float  # distance / elapsed (mph): the recorded speed
    max_abs_heading_error_deg: float  # largest |heading error| (degrees)
    steering_rms_change: float  # rms change of the steering between consecutive decisions (1 = 25 degrees)
    segments: int  # continuous pieces of the recording replayed
    spacing_m: float  # metres between decisions (0: one per recorded frame)
    threshold_m: float  # intervention threshold (m)
    # Offsets from the lane centre (simulator.replay.lane), over the decisions whose view shows both lane lines:
    lane_measured_percent: float = 0.0  # share of decisions with a reading for the replayed car (%)
    mean_abs_lane_offset_m: float | None = None  # the replayed car's camera (m)
    max_abs_lane_offset_m: float | None = None
    recorded_mean_abs_lane_offset_m: float | None = None  # the recorded driver's, same measure (m)
    recorded_max_abs_lane_offset_m: float | None = None
    recorded_lane_measured_percent: float = 0.0  # share of decisions with a reading for the recorded frame (%)
    too_little_road: bool = False  # distance_m < MIN_ROAD_M: the figures rest on too little road

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines, one per metric."""
        spacing = f"every {self.spacing_m:g} m" if self.spacing_m else "once per recorded frame"
        warning = [self.road_warning()] if self.too_little_road else []
        return warning + [
            f"distance:           {self.distance_m:.1f} m in {self.segments} segment(s)",
            f"recorded time:      {self.elapsed_s:.1f} s ({self.steps} decisions, {spacing})",
            f"interventions:      {self.interventions} (|d| > {self.threshold_m:g} m), {self.interventions_per_km:.1f} per km",
            f"autonomy:           {self.autonomy_percent:.1f} %",
            f"mean |d|:           {self.mean_abs_path_offset_m:.3f} m",
            f"max |d|:            {self.max_abs_path_offset_m:.3f} m",
            f"max |heading err|:  {self.max_abs_heading_error_deg:.2f} deg",
            f"mean speed:         {self.mean_speed_mph:.1f} mph",
            f"steering rms change: {self.steering_rms_change:.4f} per decision",
            f"lane centre:        {self._lane_line()}",
        ]

    def road_warning(self) -> str:
        """The line that says these figures rest on too little road."""
        return (f"warning: only {self.distance_m:.1f} m of road replayed (under {MIN_ROAD_M:g} m): "
                "these figures rest on too little road to compare models")

    def _lane_line(self) -> str:
        if self.mean_abs_lane_offset_m is None or self.recorded_mean_abs_lane_offset_m is None:
            return "no lane lines seen"
        return (
            f"car mean |offset| {self.mean_abs_lane_offset_m:.2f} m, max {self.max_abs_lane_offset_m:.2f} m; recorded "
            f"driver {self.recorded_mean_abs_lane_offset_m:.2f} m, max {self.recorded_max_abs_lane_offset_m:.2f} m "
            f"({self.lane_measured_percent:.0f} % of decisions show both lines)"
        )


@dataclass(frozen=True)
class ReplayResult:
    """A finished replay: metrics, the per-step trace and the files written."""

    metrics: ReplayMetrics
    trace: Trace
    files: dict[str, Path]  # "metrics", "deviation", "frames" -> written file


def replay_metrics(stepper: ReplayStepper, config: ReplayConfig) -> ReplayMetrics:
    """The metrics of the replay so far (of the whole recording once `stepper.done`)."""
    trace, elapsed, distance = stepper.trace, stepper.elapsed_s, stepper.distance_m
    d = np.abs(np.asarray(trace.lateral_m, float))
    steps = len(d)
    interventions = len(trace.intervention_steps)
    return ReplayMetrics(
        steps=steps,
        distance_m=round(distance, 3),
        elapsed_s=round(elapsed, 3),
        interventions=interventions,
        interventions_per_km=round(interventions_per_km(interventions, distance), 3),
        autonomy_percent=round(autonomy_percent(interventions, elapsed), 3),
        mean_abs_path_offset_m=round(float(d.mean()), 4) if steps else 0.0,
        max_abs_path_offset_m=round(float(d.max()), 4) if steps else 0.0,
        mean_speed_mph=round(distance / elapsed / MPH, 3) if elapsed > 0 else 0.0,
        max_abs_heading_error_deg=round(float(np.degrees(np.abs(trace.heading_rad).max())), 3) if steps else 0.0,
        steering_rms_change=round(rms(trace.steering_change), 5),
        segments=len(trace.segment_starts_m),
        spacing_m=config.spacing_m,
        threshold_m=config.threshold_m,
        **_lane_figures(trace),
        too_little_road=distance < MIN_ROAD_M,
    )


def _lane_figures(trace: Trace) -> dict[str, float | None]:
    """Lane-centre figures of the replayed car and of the recorded driver, each where its frame shows both lines."""
    figures: dict[str, float | None] = {}
    car = np.abs(np.asarray(trace.lane_offset_m, float))
    for prefix, values in (("", car), ("recorded_", np.abs(np.asarray(trace.recorded_lane_offset_m, float)))):
        seen = values[np.isfinite(values)]
        figures[f"{prefix}lane_measured_percent"] = round(100.0 * seen.size / values.size, 1) if values.size else 0.0
        figures[f"{prefix}mean_abs_lane_offset_m"] = round(float(seen.mean()), 4) if seen.size else None
        figures[f"{prefix}max_abs_lane_offset_m"] = round(float(seen.max()), 4) if seen.size else None
    return figures


def _run(
    recording: str | os.PathLike,
    driver_for: Callable[[], ContextManager[ViewSteering]],
    config: ReplayConfig,
    out_dir: str | os.PathLike | None,
    geometry: CameraGeometry,
    progress: bool,
) -> ReplayResult:
    out = None if out_dir is None else check_out_dir(out_dir, RUN_FILES)
    path = load_path(recording, config.max_gap_s)
    with driver_for() as driver:
        stepper = closed_loop(path, driver, geometry, config.spacing_m, config.threshold_m, config.strip_frames, progress)
    trace, metrics = stepper.trace, replay_metrics(stepper, config)
    if metrics.too_little_road:
        logger.warning("%s: %s", recording, metrics.road_warning())
    files: dict[str, Path] = {}
    if out is not None:
        files["metrics"] = write_json_atomic(out / METRICS_NAME, {"recording": str(recording), **metrics.to_dict()})
        title = f"replay of {path.recording.name}: {metrics.interventions} interventions, autonomy {metrics.autonomy_percent:.1f} %"
        files["deviation"] = plot_deviation(
            trace.distance_m, trace.lateral_m, trace.intervention_steps, trace.segment_starts_m,
            config.threshold_m, out / DEVIATION_NAME, title,
        )
        files["frames"] = frame_strip(trace.snapshots, out / FRAMES_NAME)
    return ReplayResult(metrics, trace, files)


class _WireDriver:
    """A drive server as a driver: each decision is one telemetry/steer exchange."""

    def __init__(self, config: ReplayConfig) -> None:
        self.config = config
        self.throttle = 0.0

    def __enter__(self) -> ViewSteering:
        self.link = SimulatorLink(self.config.host, self.config.port, self.config.timeout_s)
        return self

    def __call__(self, view: DriverView) -> float:
        telemetry = telemetry_payload(view.steering * MAX_STEER_DEG, self.throttle, view.speed_mph, jpeg_base64(view.image))
        steering, self.throttle = self.link.ask(telemetry)
        return steering

    def __exit__(self, *exc: object) -> None:
        self.link.close()


class _LocalDriver:
    """A Python callable as a driver (no connection to open or close)."""

    def __init__(self, driver: ViewSteering) -> None:
        self.driver = driver

    def __enter__(self) -> ViewSteering:
        return self.driver

    def __exit__(self, *exc: object) -> None:
        return None


def replay(
    recording: str | os.PathLike,
    config: ReplayConfig = ReplayConfig(),
    out_dir: str | os.PathLike | None = None,
    geometry: CameraGeometry = UNITY_GEOMETRY,
    progress: bool = False,
) -> ReplayResult:
    """Replay `recording` against the drive server at `config.host:config.port`; write the run's files to `out_dir`.

    Raises:
        RecordingError: the recording cannot be replayed (see `load_path`).
        FolderNotEmptyError: `out_dir` cannot be used (see `simulator.autonomous.check_out_dir`).
        WireError: the server cannot be reached, breaks the protocol or stops answering.
    """
    return _run(recording, lambda: _WireDriver(config), config, out_dir, geometry, progress)


def replay_in_process(
    recording: str | os.PathLike,
    driver: ViewSteering,
    config: ReplayConfig = ReplayConfig(),
    out_dir: str | os.PathLike | None = None,
    geometry: CameraGeometry = UNITY_GEOMETRY,
    progress: bool = False,
) -> ReplayResult:
    """The same closed loop with a Python `driver(view) -> steering` instead of the wire (host/port unused)."""
    return _run(recording, lambda: _LocalDriver(driver), config, out_dir, geometry, progress)
