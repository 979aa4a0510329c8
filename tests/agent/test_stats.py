"""Latency statistics: percentiles over a window, reports only when something happened."""

from __future__ import annotations

import pytest

from agent.stats import LatencyStats


def test_percentiles_over_window():
    stats = LatencyStats(window=100)
    for ms in range(1, 201):  # only the last 100 (101..200 ms) are in the window
        stats.add(ms / 1e3)
    summary = stats.summary()
    assert summary.frames == 200
    assert summary.p50_ms == pytest.approx(150.5) and summary.max_ms == pytest.approx(200.0)
    assert 199 < summary.p99_ms <= 200


def test_report_only_when_new_frames():
    stats = LatencyStats()
    assert stats.report() is None
    stats.add(0.002)
    assert stats.report().frames == 1
    assert stats.report() is None
    assert stats.report(force=True).frames == 1
