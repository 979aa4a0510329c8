"""A small stand-in for the Udacity simulator: track, car, cameras, expert recording, autonomous mode.

    record("data/sim", SimulatorConfig(track=TrackConfig(seed=0)), ExpertConfig(), ExpertRecordingConfig(laps=3))
    drive(DriveConfig(port=4567, laps=3), SimulatorConfig(track=TrackConfig(seed=7)), out_dir="runs/seed7")

Recordings are written in the simulator's own training-mode format and the
autonomous mode speaks its wire protocol, so the rest of the project runs on it
exactly as on the Unity binary. Importing the package registers both worlds as
Gymnasium environments (`simulator.envs`).
"""

from simulator import envs  # registers the Gymnasium environments bcloning/BuiltinTrack-v0 and bcloning/Replay-v0
from simulator.autonomous import DriveConfig, DriveResult, drive
from simulator.benchmark import RenderBenchConfig, RenderBenchmark, benchmark_render
from simulator.camera import CameraConfig, Cameras
from simulator.car import CarConfig, CarState
from simulator.expert import Expert, ExpertConfig
from simulator.metrics import RunMetrics
from simulator.record import (
    ExpertRecordingConfig,
    FolderNotEmptyError,
    RecordSummary,
    record,
)
from simulator.simulation import Simulation, SimulatorConfig
from simulator.track import Track, TrackConfig, make_track
from simulator.wire import WireError

__all__ = [
    "CameraConfig",
    "Cameras",
    "CarConfig",
    "CarState",
    "DriveConfig",
    "DriveResult",
    "Expert",
    "ExpertConfig",
    "FolderNotEmptyError",
    "ExpertRecordingConfig",
    "RecordSummary",
    "RenderBenchConfig",
    "RenderBenchmark",
    "RunMetrics",
    "Simulation",
    "SimulatorConfig",
    "Track",
    "TrackConfig",
    "WireError",
    "benchmark_render",
    "drive",
    "envs",
    "make_track",
    "record",
]
