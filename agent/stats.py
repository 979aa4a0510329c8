"""Latency statistics of the telemetry-to-steer path: frames, p50, p99."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

__all__ = ["LatencyStats", "LatencySummary"]

logger = logging.getLogger(__name__)

# Percentiles are computed over the most recent frames only, so a long run
# costs constant memory and the report shows the present, not the warm-up.
WINDOW_FRAMES = 10_000


@dataclass(frozen=True)
class LatencySummary:
    """What a report shows."""

    frames: int  # frames answered since start
    p50_ms: float  # median latency over the window (ms)
    p99_ms: float  # 99th percentile over the window (ms)
    max_ms: float  # slowest frame in the window (ms)

    def __str__(self) -> str:
        return (
            f"frames={self.frames} p50={self.p50_ms:.2f} ms "
            f"p99={self.p99_ms:.2f} ms max={self.max_ms:.2f} ms"
        )


class LatencyStats:
    """A ring buffer of per-frame latencies in seconds."""

    def __init__(self, window: int = WINDOW_FRAMES) -> None:
        self._samples = np.zeros(window, np.float64)
        self.frames = 0
        self._reported_frames = 0

    def add(self, seconds: float) -> None:
        """Record one frame's latency."""
        self._samples[self.frames % len(self._samples)] = seconds
        self.frames += 1

    def window_ms(self) -> np.ndarray:
        """The latencies of the most recent frames (up to the window), in ms, in no set order."""
        return self._samples[: min(self.frames, len(self._samples))] * 1e3

    def summary(self) -> LatencySummary:
        """Frames so far and percentiles over the window (zeros when empty)."""
        recent = self.window_ms()
        if recent.size == 0:
            return LatencySummary(0, 0.0, 0.0, 0.0)
        p50, p99 = np.percentile(recent, [50, 99])
        return LatencySummary(self.frames, float(p50), float(p99), float(recent.max()))

    def report(self, label: str = "latency", force: bool = False) -> LatencySummary | None:
        """Log a summary if frames arrived since the last report (or `force`)."""
        if not force and self.frames == self._reported_frames:
            return None
        self._reported_frames = self.frames
        summary = self.summary()
        logger.info("%s telemetry->steer: %s", label, summary)
        return summary
