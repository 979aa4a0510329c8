"""Recording expert laps in exactly the Udacity simulator's training-mode format.

One log row per simulated step (`CarConfig.dt` = 0.1 s: 10 rows per simulated
second, about the rate of the simulator's recorder), three camera JPEGs per
row, written through `recorder.log_writer.DrivingLogWriter` so the format is the
one the rest of the project reads. File time stamps advance by simulated time
from the wall-clock start, as the simulator's would at that frame rate.
`driving_log.csv` holds every row written so far at every moment, so an
interrupted or killed recording keeps all its rows but at most the last.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from recorder.config_fields import check_range, setting
from recorder.formats import JPEG_QUALITY
from recorder.log_writer import DrivingLogWriter
from simulator.car import MPH
from simulator.expert import Expert, ExpertConfig
from simulator.simulation import Simulation, SimulatorConfig

__all__ = ["ExpertRecordingConfig", "RecordSummary", "record", "FolderNotEmptyError"]

logger = logging.getLogger(__name__)

# A recording taking this many times its time at cruising speed means the car is stuck.
STUCK_FACTOR = 10.0


class FolderNotEmptyError(ValueError):
    """The output folder is a file or already holds files: a user's files are never overwritten."""


@dataclass(frozen=True)
class ExpertRecordingConfig:
    """How much to record and how."""

    laps: float = setting(3.0, "laps to record (may be fractional)")
    jpeg_quality: int = setting(JPEG_QUALITY, "JPEG quality of the frames, 1..100 (Unity's default)")

    def __post_init__(self) -> None:
        check_range("laps", self.laps, low=0, low_open=True)
        check_range("jpeg_quality", self.jpeg_quality, low=1, high=100)


@dataclass(frozen=True)
class RecordSummary:
    """What a recording holds."""

    folder: Path  # the recording folder
    rows: int  # log rows written
    steps: int  # simulated steps driven (rows + paused drift steps)
    seconds: float  # simulated time (s)
    distance: float  # metres driven
    recoveries: int  # drift-and-recover manoeuvres made


def check_empty(folder: str | os.PathLike) -> Path:
    """The folder as a Path, if it is absent or empty; else FolderNotEmptyError."""
    path = Path(folder)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FolderNotEmptyError(f"{path} exists and is not an empty folder; choose a new one")
    return path


def record(
    folder: str | os.PathLike,
    sim_config: SimulatorConfig = SimulatorConfig(),
    expert_config: ExpertConfig = ExpertConfig(),
    config: ExpertRecordingConfig = ExpertRecordingConfig(),
    progress: bool = False,
) -> RecordSummary:
    """Drive the expert for `config.laps` laps and record every frame it does not pause.

    Raises:
        FolderNotEmptyError: `folder` exists and is not empty.
        RuntimeError: the expert makes too little progress (the car is stuck).
        RecordingWriteError: an image or row could not be written (a full disk);
            the rows before it are kept (an OSError, so a command reports it as one).
    """
    folder = check_empty(folder)
    sim = Simulation(sim_config, start_speed=expert_config.speed_mph * MPH)
    expert = Expert(sim.track, expert_config, sim_config.car)
    goal = config.laps * sim.track.length
    start = datetime.now()
    recoveries, phase = 0, "cruise"
    with DrivingLogWriter(folder, jpeg_quality=config.jpeg_quality) as writer, tqdm(
        total=round(goal), unit="m", desc="recording", disable=not progress, leave=False
    ) as bar:
        while sim.progress < goal:
            action = expert.act(sim.state)
            recoveries += action.phase == "recover" and phase != "recover"
            phase = action.phase
            if action.record:
                images = sim.cameras.render_all(sim.state)
                writer.write(
                    center=images["center"],
                    left=images["left"],
                    right=images["right"],
                    steering=action.steering,
                    throttle=action.throttle,
                    brake=action.brake,
                    speed=sim.state.speed_mph,
                    when=start + timedelta(seconds=sim.time),
                )
            sim.step(action.steering, action.throttle, action.brake)
            bar.update(max(0, round(sim.progress) - bar.n))
            if sim.time > STUCK_FACTOR * goal / (expert_config.speed_mph * MPH):
                raise RuntimeError(f"the expert made too little progress ({sim.progress:.0f} m in {sim.time:.0f} s)")
    logger.info("recorded %d rows (%.0f m, %d recoveries) to %s", writer.rows, sim.distance, recoveries, folder)
    return RecordSummary(folder.resolve(), writer.rows, sim.steps, sim.time, sim.distance, recoveries)
