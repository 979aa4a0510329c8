"""The decision: one telemetry message in, (steering, throttle) out.

Kept apart from the socket handlers so it can be tested, benchmarked and
reused (the built-in simulator) without a server.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from agent.controller import PIController
from agent.telemetry import Telemetry
from training.preprocess import DEFAULT_PREPROCESS, Preprocessing, preprocess

__all__ = ["Command", "Driver", "SteeringFn"]

logger = logging.getLogger(__name__)

# A steering model: preprocessed uint8 frame -> steering (normalised, 1 = 25 degrees).
SteeringFn = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Command:
    """What the server sends back as `steer`."""

    steering: float  # normalised to [-1, 1]
    throttle: float  # clamped by the controller's config


class Driver:
    """Preprocess, infer steering, compute throttle."""

    def __init__(
        self,
        model: SteeringFn,
        controller: PIController,
        preprocess_config: Preprocessing = DEFAULT_PREPROCESS,
    ) -> None:
        self.model = model
        self.controller = controller
        self.preprocess_config = preprocess_config
        self.last = Command(0.0, 0.0)

    def fork(self) -> "Driver":
        """A driver with the same model and preprocessing and a controller of its own (fresh state)."""
        return Driver(self.model, PIController(self.controller.config), self.preprocess_config)

    def reset(self) -> None:
        """Start a new drive (a new connection)."""
        self.controller.reset()
        self.last = Command(0.0, 0.0)

    def decide(self, telemetry: Telemetry) -> Command:
        """The command for one frame."""
        steering = self.model(preprocess(telemetry.image, self.preprocess_config))
        if not math.isfinite(steering):
            logger.warning("model gave a non-finite steering %r; sending 0", steering)
            steering = 0.0
        steering = min(max(steering, -1.0), 1.0)
        throttle = self.controller.update(telemetry.speed, steering, telemetry.received_at)
        self.last = Command(steering, throttle)
        return self.last

    def fallback(self) -> Command:
        """The command for a frame that cannot be decoded: hold the wheel, coast."""
        return Command(self.last.steering, 0.0)
