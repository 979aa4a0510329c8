"""Benchmark bookkeeping: throughput after the first epoch, medians, ratios."""

from __future__ import annotations

import pytest

from training.benchmark import (
    BenchConfig,
    Measurement,
    default_rows,
    summary,
)


def test_throughput_skips_the_first_epoch() -> None:
    m = Measurement("x", prepare_seconds=1.0, epoch_seconds=[5.0, 1.0, 1.0], images_per_epoch=100)
    assert m.images_per_second == pytest.approx(100.0)
    assert m.train_seconds == 7.0 and m.total_seconds == 8.0


def test_summary_shows_medians_ratios_and_the_cost_breakdown() -> None:
    results = [
        Measurement("ceiling", 0.0, [2.0, 1.0], 100, ceiling=100.0),
        Measurement("generator", 0.0, [4.0, 4.0], 100, ceiling=100.0),
        Measurement("in-memory", 2.0, [2.0, 1.0], 100, ceiling=100.0),
        Measurement("generator", 0.0, [4.0, 2.0], 100, ceiling=100.0),
        Measurement("in-memory", 2.0, [2.0, 1.0], 100, ceiling=100.0),
    ]
    text = summary(results)
    rows = {line.split()[0]: line.split() for line in text.splitlines()[1:4]}
    assert rows["generator"][1] == "2" and rows["generator"][-1] == "0.38"  # median of 0.25 and 0.5
    assert rows["in-memory"][-1] == "1.00"
    assert "generator / in-memory total cost: 1.40 x" in text  # 7 s / 5 s


def test_every_registered_approach_is_a_row() -> None:
    labels = [label for label, _ in default_rows()]
    assert labels[:3] == ["ceiling", "generator", "in-memory"]


def test_bench_config_needs_a_warm_up_epoch() -> None:
    with pytest.raises(ValueError, match="epochs"):
        BenchConfig(epochs=1)


def test_every_row_is_measured_in_each_precision_one_after_the_other() -> None:
    labels = [label for label, _ in default_rows(["float32", "mixed_bfloat16"], names=["ceiling", "pipeline"])]
    assert labels == ["ceiling", "ceiling:bf16", "pipeline", "pipeline:bf16"]


def test_summary_gives_mixed_precision_over_the_same_row_in_float32() -> None:
    results = [
        Measurement("ceiling", 0.0, [2.0, 1.0], 100, ceiling=100.0),
        Measurement("pipeline", 0.0, [2.0, 1.25], 100, ceiling=100.0),
        Measurement("pipeline:bf16", 0.0, [2.0, 0.625], 100, ceiling=100.0),
    ]
    text = summary(results)
    rows = {line.split()[0]: line.split() for line in text.splitlines()[1:4]}
    assert rows["pipeline:bf16"][-1] == "1.60"  # 160 images/s over the float32 ceiling's 100
    assert "pipeline:bf16 2.00 x" in text


def test_bench_config_checks_the_precisions() -> None:
    with pytest.raises(ValueError, match="precision"):
        BenchConfig(precisions=("float64",))
