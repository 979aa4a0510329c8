"""evaluation.report and .worlds: lap times, mean and spread per kind of world, the planned worlds."""

from __future__ import annotations

import pytest

from evaluation import (
    EvaluationConfig,
    World,
    WorldResult,
    markdown,
    plan_worlds,
    pool_replays,
    summarise,
)
from evaluation.report import world_entry
from tests.conftest import write_recording


def _result(kind: str, name: str, autonomy: float, laps: int = 0, elapsed: float = 60.0) -> WorldResult:
    offset = "path_offset" if kind == "replay" else "cte"  # each kind's own name for its reference offset
    metrics = {"autonomy_percent": autonomy, "interventions": 0, f"mean_abs_{offset}_m": 0.1 * autonomy / 100,
               f"max_abs_{offset}_m": 0.5, "laps": laps, "elapsed_s": elapsed}
    return WorldResult(World(kind, name, "x"), metrics, {})


def test_lap_time_only_where_every_lap_of_a_track_was_driven() -> None:
    assert _result("track", "track 1", 100, laps=2, elapsed=300.0).lap_time_s(2) == 150.0
    assert _result("track", "track 1", 100, laps=1, elapsed=300.0).lap_time_s(2) is None
    assert _result("replay", "replay a", 100, laps=0).lap_time_s(1) is None


def test_summary_gives_mean_and_population_spread_per_kind() -> None:
    entries = [world_entry(r, 1) for r in (
        _result("replay", "replay a", 90.0), _result("track", "track 1", 100.0, laps=1, elapsed=200.0),
        _result("track", "track 2", 80.0, laps=0, elapsed=600.0))]
    summary = summarise(entries)
    assert summary["track"]["worlds"] == 2 and summary["replay"]["worlds"] == 1 and summary["all"]["worlds"] == 3
    assert summary["track"]["autonomy_percent"] == {"mean": 90.0, "std": 10.0, "min": 80.0, "max": 100.0}
    assert summary["track"]["lap_time_s"] == {"mean": 200.0, "std": 0.0, "min": 200.0, "max": 200.0}
    assert summary["replay"]["lap_time_s"] is None
    # the offset from each world's reference line: the replay's from its path, the tracks' cross-track error
    assert summary["replay"]["mean_abs_reference_offset_m"]["mean"] == pytest.approx(0.09)
    assert summary["all"]["mean_abs_reference_offset_m"] == {"mean": 0.09, "std": 0.0082, "min": 0.08, "max": 0.1}
    assert "track" not in summarise(entries[:1])


def _replay(name: str, km: float, interventions: int, steps: int, car: float, driver: float, seen: float,
            driver_seen: float, rms: float) -> dict:
    metrics = {"distance_m": 1000 * km, "interventions": interventions, "steps": steps, "elapsed_s": steps * 0.05,
               "autonomy_percent": 0.0, "interventions_per_km": interventions / km, "mean_abs_path_offset_m": 0.2,
               "max_abs_path_offset_m": 1.1, "steering_rms_change": rms, "mean_abs_lane_offset_m": car,
               "recorded_mean_abs_lane_offset_m": driver, "lane_measured_percent": seen,
               "recorded_lane_measured_percent": driver_seen}
    return world_entry(WorldResult(World("replay", name, "x"), metrics, {}), 1)


def test_replays_pool_per_km_from_totals_and_lane_offsets_by_decisions_seen() -> None:
    long = _replay("replay long", 1.452, 15, 3630, car=0.3, driver=0.4, seen=50.0, driver_seen=80.0, rms=0.02)
    short = _replay("replay short", 0.286, 37, 715, car=1.1, driver=0.83, seen=100.0, driver_seen=100.0, rms=0.04)
    track = world_entry(_result("track", "track 1", 100.0, laps=1), 1)
    pooled = pool_replays([long, short, track])
    assert pooled["worlds"] == 2 and pooled["distance_km"] == pytest.approx(1.738)
    assert pooled["interventions_per_km"] == pytest.approx(52 / 1.738, abs=1e-3)  # not the mean of 10.3 and 129.4
    assert pooled["mean_abs_lane_offset_m"] == pytest.approx((0.3 * 1815 + 1.1 * 715) / 2530, abs=1e-4)
    assert pooled["recorded_mean_abs_lane_offset_m"] == pytest.approx((0.4 * 2904 + 0.83 * 715) / 3619, abs=1e-4)
    assert pooled["lane_measured_percent"] == pytest.approx(100 * 2530 / 4345, abs=0.1)
    assert pooled["steering_rms_change"] == pytest.approx(((3630 * 0.02**2 + 715 * 0.04**2) / 4345) ** 0.5, abs=1e-5)
    assert pool_replays([track]) is None


def test_table_has_a_pooled_row_and_lane_cells_on_replays_only() -> None:
    long = _replay("replay long", 1.452, 15, 3630, car=0.3, driver=0.4, seen=50.0, driver_seen=80.0, rms=0.02)
    short = _replay("replay short", 0.286, 37, 715, car=1.1, driver=0.83, seen=100.0, driver_seen=100.0, rms=0.04)
    track = world_entry(WorldResult(World("track", "track 1", "1"), long["metrics"] | {"laps": 1}, {}), 1)
    worlds = [long, short, track]
    evaluation = {"config": {"threshold_m": 1.0, "training_track_seed": 0, "laps": 1}, "track_seeds": [1],
                  "controller": {"set_speed": 9.0},
                  "models": [{"label": "naoki", "model": "peers/naoki/model.keras", "runtime": "keras",
                              "worlds": worlds, "summary": summarise(worlds), "pooled": pool_replays(worlds)}]}
    rows = markdown(evaluation).splitlines()
    pooled = next(row for row in rows if "replays pooled" in row)
    assert pooled.startswith("| naoki | **2 replays pooled (1.74 km)** | ") and "| 29.9 |" in pooled
    assert pooled.endswith("| 0.53 / 0.48 (58 %) |")
    assert next(row for row in rows if "| replay long |" in row).endswith("| 0.30 / 0.40 (50 %) |")
    assert next(row for row in rows if "| track 1 |" in row).endswith("|  |")  # no lane figures on tracks


def test_tracks_never_include_the_training_track() -> None:
    assert EvaluationConfig(tracks=3).track_seeds == (1, 2, 3)
    with pytest.raises(ValueError, match="training_track_seed"):
        EvaluationConfig(tracks=3, first_track_seed=5, training_track_seed=6)


def test_worlds_have_unique_names_and_bad_recordings_fail_first(tmp_path) -> None:
    a, b = write_recording(tmp_path / "a" / "rec", rows=5), write_recording(tmp_path / "b" / "rec", rows=5)
    worlds = plan_worlds([a, b], EvaluationConfig(tracks=1))
    assert [w.name for w in worlds] == ["replay rec", "replay rec-2", "track 1"]
    assert [w.folder_name for w in worlds] == ["replay-rec", "replay-rec-2", "track-1"]
    with pytest.raises(ValueError, match="nothing to drive"):
        plan_worlds([], EvaluationConfig(tracks=0))
    with pytest.raises(ValueError, match="driving_log.csv"):
        plan_worlds([a, tmp_path], EvaluationConfig(tracks=0))
