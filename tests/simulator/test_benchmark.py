"""The rendering benchmark measures every path and reports it against the goal."""

from __future__ import annotations

import pytest

from simulator.benchmark import RenderBenchConfig, benchmark_render
from simulator.simulation import Simulation


def test_benchmark_reports_positive_rates(shared_sim: Simulation) -> None:
    result = benchmark_render(shared_sim, RenderBenchConfig(frames=5))
    assert result.frames == 5
    for rate in (result.three_cameras_fps, result.center_fps, result.record_fps, result.floor_fps):
        assert rate > 0
    lines = result.lines(goal_fps=200.0)
    assert len(lines) == 4 and "200/s goal" in lines[0]


def test_a_benchmark_of_no_frames_names_the_field() -> None:
    with pytest.raises(ValueError, match="frames"):
        RenderBenchConfig(frames=0)
