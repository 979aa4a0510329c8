"""Closed-loop driving on real recordings: NVIDIA's replay simulator (Bojarski et al. 2016, section 6).

    result = replay("data/lap1", ReplayConfig(port=4567), out_dir="runs/replay_lap1")
    result = replay_in_process("data/lap1", lambda view: view.recorded_steering)
    check_side_cameras(["data/lap1"])

A recorded lap is replayed: the state is the car's deviation from the recorded
path, advanced with the bicycle model from the difference between the driver's
steering and the recorded steering; each recorded centre frame is re-rendered
for the deviated pose with the Unity simulator's own camera geometry
(`geometry`), and more than 1 m off the path is an intervention.
"""

from recorder.camera_geometry import CameraGeometry
from simulator.replay.check import CheckConfig, SideCameraCheck, check_side_cameras
from simulator.replay.loop import DriverView, ViewSteering
from simulator.replay.path import RecordedPath, load_path
from simulator.replay.render import Renderer
from simulator.replay.run import (
    ReplayConfig,
    ReplayMetrics,
    ReplayResult,
    replay,
    replay_in_process,
)

__all__ = [
    "CameraGeometry",
    "CheckConfig",
    "ViewSteering",
    "DriverView",
    "RecordedPath",
    "Renderer",
    "ReplayConfig",
    "ReplayMetrics",
    "ReplayResult",
    "SideCameraCheck",
    "check_side_cameras",
    "load_path",
    "replay",
    "replay_in_process",
]
