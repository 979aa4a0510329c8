"""One simulated world shared by the simulator tests (building its raster takes about a second)."""

from __future__ import annotations

import pytest

from simulator.simulation import Simulation, SimulatorConfig
from simulator.track import TrackConfig


@pytest.fixture(scope="session")
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(track=TrackConfig(seed=1))


@pytest.fixture(scope="session")
def shared_sim(sim_config: SimulatorConfig) -> Simulation:
    """A simulation tests may read and render from; tests that step a car build their own."""
    return Simulation(sim_config)
