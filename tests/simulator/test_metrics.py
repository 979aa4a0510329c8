"""Closed-loop metrics on a scripted trajectory with known values."""

from __future__ import annotations

import pytest

from simulator.metrics import MetricsTracker, autonomy_percent, interventions_per_km, rms


def test_scripted_trajectory() -> None:
    tracker = MetricsTracker(dt=0.1)
    # 600 steps (60 s) at 5 m/s: 0.5 m per step; cte alternates 0.2 and -0.4, one spike of 5 m;
    # steering alternates 0.1 and -0.1, so every change is 0.2.
    for i in range(600):
        cte = 5.0 if i == 300 else (0.2 if i % 2 == 0 else -0.4)
        tracker.add(x=0.5 * i, y=0.0, cte=cte, step_distance=0.5, steering=0.1 if i % 2 == 0 else -0.1)
        if i == 300:
            tracker.intervene()
    metrics = tracker.summary(laps=2, track_seed=4, lap_length=140.0)
    assert metrics.steps == 600
    assert metrics.elapsed_s == pytest.approx(60.0)
    assert metrics.distance_m == pytest.approx(300.0)
    assert metrics.interventions == 1
    assert metrics.autonomy_percent == pytest.approx(90.0)  # 1 - 6 s / 60 s
    # 299 steps at 0.2 (even i except 300), 300 at 0.4, one at 5.0.
    assert metrics.mean_abs_cte_m == pytest.approx((299 * 0.2 + 300 * 0.4 + 5.0) / 600, abs=1e-4)
    assert metrics.max_abs_cte_m == pytest.approx(5.0)
    assert metrics.mean_speed_mph == pytest.approx(5.0 / 0.44704, rel=1e-4)
    assert metrics.laps == 2 and metrics.track_seed == 4
    assert metrics.interventions_per_km == pytest.approx(1 / 0.3, abs=1e-3)  # 1 in 300 m
    assert metrics.steering_rms_change == pytest.approx(0.2)
    assert tracker.intervention_steps == [300]
    assert metrics.to_dict()["autonomy_percent"] == metrics.autonomy_percent
    assert any("autonomy" in line and "90.0 %" in line for line in metrics.lines())


def test_autonomy_definition() -> None:
    assert autonomy_percent(0, 100.0) == 100.0
    assert autonomy_percent(2, 60.0) == pytest.approx(80.0)
    assert autonomy_percent(20, 60.0) == 0.0  # clamped, never negative
    assert autonomy_percent(0, 0.0) == 100.0


def test_empty_run() -> None:
    metrics = MetricsTracker(dt=0.1).summary(laps=0)
    assert metrics.steps == 0 and metrics.mean_abs_cte_m == 0.0 and metrics.autonomy_percent == 100.0
    assert metrics.interventions_per_km == 0.0 and metrics.steering_rms_change == 0.0


def test_interventions_per_km_and_rms() -> None:
    assert interventions_per_km(15, 1452.0) == pytest.approx(10.33, abs=0.01)
    assert interventions_per_km(3, 0.0) == 0.0
    assert rms([0.3, -0.4]) == pytest.approx(0.125**0.5)
    assert rms([]) == 0.0
