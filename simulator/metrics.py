"""Closed-loop driving metrics, as in NVIDIA's PilotNet evaluation.

Autonomy (Bojarski et al. 2016, "End to End Learning for Self-Driving Cars",
section 7): each intervention is charged 6 seconds, the time a human needs to
retake control, re-centre the car and hand back, so

    autonomy = (1 - interventions * 6 s / elapsed time) * 100 %

It is clamped at 0 % (a run with an intervention every few seconds has no
autonomy, not a negative one). The cross-track error is the signed distance of
the car's centre from the road's centre line, > 0 to the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from simulator.car import MPH

__all__ = [
    "RunMetrics", "MetricsTracker", "INTERVENTION_SECONDS", "autonomy_percent", "interventions_per_km", "rms",
]

# Seconds charged per intervention (PilotNet paper, section 7).
INTERVENTION_SECONDS = 6.0


def autonomy_percent(interventions: int, elapsed: float) -> float:
    """PilotNet autonomy in percent, clamped to [0, 100]; 100 for an empty run."""
    if elapsed <= 0:
        return 100.0 if interventions == 0 else 0.0
    return max(0.0, (1.0 - interventions * INTERVENTION_SECONDS / elapsed) * 100.0)


def interventions_per_km(interventions: int, distance_m: float) -> float:
    """Interventions per km driven; 0 for a run that went nowhere."""
    return interventions / (distance_m / 1000.0) if distance_m > 0 else 0.0


def rms(values: Sequence[float]) -> float:
    """Root mean square; 0 for no values (such as the steering changes of a one-decision run)."""
    array = np.asarray(values, dtype=float)
    return float(np.sqrt(np.mean(array**2))) if array.size else 0.0


@dataclass(frozen=True)
class RunMetrics:
    """The summary of one autonomous run."""

    laps: int  # laps completed
    distance_m: float  # distance driven (m)
    elapsed_s: float  # simulated time (s)
    steps: int  # simulation steps (one per steer command)
    interventions: int  # times the car left the road and was put back
    autonomy_percent: float  # PilotNet autonomy (%)
    mean_abs_cte_m: float  # mean |cross-track error| over the steps (m)
    max_abs_cte_m: float  # largest |cross-track error| (m), measured before any put-back
    mean_speed_mph: float  # distance / elapsed time (mph)
    track_seed: int = 0  # the track driven
    lap_length_m: float = 0.0  # length of one lap (m)
    interventions_per_km: float = 0.0  # interventions / distance (per km)
    steering_rms_change: float = 0.0  # rms change of the steering between consecutive steps (1 = 25 degrees)

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines, one per metric."""
        return [
            f"laps completed:     {self.laps} (lap {self.lap_length_m:.0f} m, track seed {self.track_seed})",
            f"distance:           {self.distance_m:.1f} m",
            f"simulated time:     {self.elapsed_s:.1f} s ({self.steps} steps)",
            f"interventions:      {self.interventions} ({self.interventions_per_km:.1f} per km)",
            f"autonomy:           {self.autonomy_percent:.1f} %",
            f"mean |cte|:         {self.mean_abs_cte_m:.3f} m",
            f"max |cte|:          {self.max_abs_cte_m:.3f} m",
            f"mean speed:         {self.mean_speed_mph:.1f} mph",
            f"steering rms change: {self.steering_rms_change:.4f} per step",
        ]


@dataclass
class MetricsTracker:
    """Collects one entry per step; `summary()` turns them into `RunMetrics`."""

    dt: float  # seconds per step
    xs: list[float] = field(default_factory=list)  # car centre, east (m)
    ys: list[float] = field(default_factory=list)  # car centre, north (m)
    ctes: list[float] = field(default_factory=list)  # cross-track error after each step (m)
    steering: list[float] = field(default_factory=list)  # the steering of each step (1 = 25 degrees)
    intervention_steps: list[int] = field(default_factory=list)  # step indices of interventions
    distance: float = 0.0  # metres driven

    def add(self, x: float, y: float, cte: float, step_distance: float, steering: float) -> None:
        """Record one step's end state (before any put-back) and the steering that drove it."""
        self.steering.append(float(steering))
        self.xs.append(float(x))
        self.ys.append(float(y))
        self.ctes.append(float(cte))
        self.distance += float(step_distance)

    def intervene(self) -> None:
        """Count an intervention at the latest step."""
        self.intervention_steps.append(len(self.ctes) - 1)

    def summary(self, laps: int, track_seed: int = 0, lap_length: float = 0.0) -> RunMetrics:
        """The run's metrics so far."""
        steps = len(self.ctes)
        elapsed = steps * self.dt
        cte = np.abs(np.asarray(self.ctes, dtype=float))
        interventions = len(self.intervention_steps)
        return RunMetrics(
            laps=int(laps),
            distance_m=round(self.distance, 3),
            elapsed_s=round(elapsed, 3),
            steps=steps,
            interventions=interventions,
            autonomy_percent=round(autonomy_percent(interventions, elapsed), 3),
            mean_abs_cte_m=round(float(cte.mean()), 4) if steps else 0.0,
            max_abs_cte_m=round(float(cte.max()), 4) if steps else 0.0,
            mean_speed_mph=round(self.distance / elapsed / MPH, 3) if elapsed > 0 else 0.0,
            track_seed=int(track_seed),
            lap_length_m=round(float(lap_length), 3),
            interventions_per_km=round(interventions_per_km(interventions, self.distance), 3),
            steering_rms_change=round(rms(np.diff(self.steering)), 5),
        )
