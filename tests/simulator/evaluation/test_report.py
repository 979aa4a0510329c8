"""simulator.evaluation.report and .worlds: lap times, mean and spread per kind of world, the planned worlds."""

from __future__ import annotations

import pytest

from simulator.evaluation import (
    EvaluationConfig,
    World,
    WorldResult,
    plan_worlds,
    summarise,
)
from simulator.evaluation.report import _lane_cell, world_entry
from tests.conftest import write_recording


def _result(kind: str, name: str, autonomy: float, laps: int = 0, elapsed: float = 60.0) -> WorldResult:
    metrics = {"autonomy_percent": autonomy, "interventions": 0, "mean_abs_cte_m": 0.1 * autonomy / 100,
               "max_abs_cte_m": 0.5, "laps": laps, "elapsed_s": elapsed}
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
    assert "track" not in summarise(entries[:1])


def test_lane_centre_cell_shows_car_and_driver_on_replays_only() -> None:
    lane = {"mean_abs_lane_offset_m": 0.512, "recorded_mean_abs_lane_offset_m": 0.4, "lane_measured_percent": 66.4}
    replay, track = _result("replay", "replay a", 90.0), _result("track", "track 1", 100.0, laps=1)
    assert _lane_cell(world_entry(WorldResult(replay.world, replay.metrics | lane, {}), 1)) == "0.51 / 0.40 (66 %)"
    assert _lane_cell(world_entry(replay, 1)) == ""  # no lane lines seen
    assert _lane_cell(world_entry(WorldResult(track.world, track.metrics | lane, {}), 1)) == ""


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
