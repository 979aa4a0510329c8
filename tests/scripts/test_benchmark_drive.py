"""scripts/benchmark_drive.py prints both paths, their ratio and the socket round-trip rate."""

from __future__ import annotations

import re

from scripts import benchmark_drive


def test_benchmark_prints_percentiles_ratio_and_round_trips(capsys):
    assert benchmark_drive.main(["--frames", "5", "--predict-frames", "3", "--round-trips", "20"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"compiled call\s+5\s+[\d.]+\s+[\d.]+", out)
    assert re.search(r"model\.predict\s+3\s+[\d.]+\s+[\d.]+", out)
    assert re.search(r"model\.predict / compiled: p50 x[\d.]+, p99 x[\d.]+", out)
    assert re.search(r"\d+ steer round trips/s over 20", out)


def test_bad_counts_exit_2():
    assert benchmark_drive.main(["--frames", "0"]) == 2
