"""One car on one track: the state both the expert recording and the autonomous mode step.

It keeps what the car's motion means on the track: where along the lap it is,
how far it has progressed in total (so laps are counted however the car
weaves), the cross-track error, the distance driven and the simulated time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from simulator.camera import CameraConfig, Cameras
from simulator.car import CarConfig, CarState, step
from simulator.track import Track, TrackConfig, make_track
from simulator.world import World, WorldConfig, build_world

__all__ = ["Simulation", "SimulatorConfig"]


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that makes one simulated world: track, raster, car, cameras."""

    track: TrackConfig = TrackConfig()  # the road
    world: WorldConfig = WorldConfig()  # how it is painted
    car: CarConfig = CarConfig()  # the car's physics and time step
    camera: CameraConfig = CameraConfig()  # the cameras' geometry


class Simulation:
    """A car on a track, stepped with fixed time steps; deterministic for a config."""

    def __init__(self, config: SimulatorConfig = SimulatorConfig(), start_speed: float = 0.0) -> None:
        """Build the track, its raster and the cameras; the car starts on the centre
        line at the lap's start, heading along the road at `start_speed` (m/s)."""
        self.config = config
        self.track: Track = make_track(config.track)
        self.world: World = build_world(self.track, config.world)
        self.cameras = Cameras(self.world, config.camera)
        self.restart(start_speed)

    def restart(self, start_speed: float = 0.0) -> None:
        """Put the car back at the lap's start, all counts at zero; the world is not painted again."""
        x, y, heading = self.track.point_at(0.0)
        self.state = CarState(x=x, y=y, heading=heading, speed=start_speed)
        self.s, self.cte = self.track.project(*self.centre())
        self.progress = 0.0  # metres along the centre line since the start, all laps
        self.distance = 0.0  # metres driven by the car (m)
        self.steps = 0

    @property
    def time(self) -> float:
        """Simulated seconds since the start."""
        return self.steps * self.config.car.dt

    @property
    def laps(self) -> int:
        """Laps completed."""
        return int(self.progress // self.track.length)

    @property
    def off_road(self) -> bool:
        """True when the car's centre is farther from the centre line than half the road."""
        return abs(self.cte) > self.track.half_width

    def centre(self) -> tuple[float, float]:
        """The car's centre (midway between the axles), where the cross-track error is measured."""
        half = self.config.car.wheelbase / 2
        return (
            self.state.x + half * math.cos(self.state.heading),
            self.state.y + half * math.sin(self.state.heading),
        )

    def _locate(self) -> None:
        s, self.cte = self.track.project(*self.centre())
        ds = (s - self.s + self.track.length / 2) % self.track.length - self.track.length / 2
        self.progress += ds
        self.s = s

    def step(self, steering: float, throttle: float, brake: float = 0.0) -> None:
        """Advance one time step under these controls (see `simulator.car.step`)."""
        before = self.state
        self.state = step(before, steering, throttle, brake, self.config.car)
        self.distance += math.hypot(self.state.x - before.x, self.state.y - before.y)
        self.steps += 1
        self._locate()

    def put_back(self) -> None:
        """An intervention: the car is set on the centre line where it left the road,
        heading along it, keeping its speed."""
        x, y, heading = self.track.point_at(self.s)
        half = self.config.car.wheelbase / 2
        self.state = replace(
            self.state, x=x - half * math.cos(heading), y=y - half * math.sin(heading), heading=heading, steering=0.0
        )
        self._locate()

    def render(self, camera: str = "center") -> np.ndarray:
        """The named camera's current RGB image (see `Cameras.render`)."""
        return self.cameras.render(self.state, camera)
