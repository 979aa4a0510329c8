"""The replay tests' tiny curvy recordings, for the Replay-v0 tests."""

from tests.simulator.replay.conftest import curvy  # noqa: F401  (a fixture)
