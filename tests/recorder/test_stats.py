"""Statistics, the report dict and the histogram PNG."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from recorder import (
    BalanceConfig,
    balance,
    build_report,
    load_recordings,
    save_steering_histogram,
    summary,
)
from recorder.stats import row_ranges
from tests.recorder.test_balance import make_samples


def test_summary_counts_and_shares():
    samples = make_samples([0.0, 0.0, 0.5, -0.5], session="a") + make_samples([1.0], session="b")
    stats = summary(samples)
    assert stats["count"] == 5
    assert stats["zero_steering_share"] == 0.4
    assert stats["steering"]["min"] == -0.5 and stats["steering"]["max"] == 1.0
    assert stats["speed"]["mean"] == 20.0
    assert stats["sessions"] == {"a": 4, "b": 1}
    assert summary([])["count"] == 0


@pytest.mark.slow
def test_report_is_json_and_histogram_is_a_readable_png(recording_factory, tmp_path):
    result = load_recordings([recording_factory("r", rows=12)])
    balanced = balance(result.samples, BalanceConfig(bins=5, max_per_bin=2), seed=0)
    report = build_report(result, balanced=balanced, settings={"seed": 0})
    assert json.loads(json.dumps(report))["usable"] == 12
    assert report["balanced"]["count"] == len(balanced) < 12
    out = tmp_path / "out" / "hist.png"
    save_steering_histogram(out, result.samples, balanced, bins=5)
    with Image.open(out) as image:
        image.load()
        assert image.format == "PNG" and image.size == (800, 450)
    assert sorted(p.name for p in out.parent.iterdir()) == ["hist.png"]  # no temporary left


def test_row_ranges_are_compact():
    assert row_ranges([205, 197, 200, 201, 202, 203, 204]) == "197, 200-205"
    assert row_ranges([]) == ""
