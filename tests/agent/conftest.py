"""Fixtures for the drive server's tests: a tiny PilotNet, real JPEG frames, a live server."""

from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np
import pytest

from agent import ControllerConfig, PIController, ServerConfig, create_app
from agent.inference import CompiledSteering
from agent.server import DriveServer
from recorder.formats import JPEG_QUALITY
from tests.conftest import synthetic_frame
from training.model import build_pilotnet


def jpeg_bytes(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB frame as the simulator does (JPEG)."""
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def camera_frame(steering: float = 0.1, seed: int = 0) -> np.ndarray:
    """A 320x160 frame with sensor-like noise, so its JPEG is the size of a real one (~20 kB)."""
    noise = np.random.default_rng(seed).normal(0, 12, (160, 320, 3))
    return np.clip(synthetic_frame(steering).astype(np.float64) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def tiny_model():
    """An untrained PilotNet (no training needed: the tests check plumbing, not driving)."""
    return build_pilotnet(seed=0)


@pytest.fixture(scope="session")
def steering_fn(tiny_model) -> CompiledSteering:
    """The warmed-up compiled call, traced once for the whole session."""
    return CompiledSteering(tiny_model)


@pytest.fixture(scope="session")
def frame_jpeg() -> bytes:
    """A real 320x160 JPEG frame."""
    return jpeg_bytes(camera_frame())


@pytest.fixture(scope="module")
def drive_server(steering_fn) -> Iterator[DriveServer]:
    """A live drive server on a free local port, served from a background thread."""
    server = create_app(
        ServerConfig(port=0, stats_interval_s=0), steering_fn, PIController(ControllerConfig())
    )
    with server:
        yield server
