"""scripts/benchmark_training.py: every row measured and compared with the ceiling."""

from __future__ import annotations

import pytest

from bcloning.commands import benchmark_training
from tests.commands.exit_codes import exit_code


@pytest.mark.slow
def test_prints_each_row_its_ratio_and_the_cost_breakdown(capsys) -> None:
    rc = benchmark_training.main(
        ["--samples-per-epoch", "32", "--epochs", "2", "--batch-size", "16", "--synthetic-rows", "12",
         "--rows", "ceiling", "generator", "in-memory", "--precisions", "float32"]
    )
    assert rc == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("row "))) + 1 :]
    rows = {line.split()[0]: line.split() for line in table[:3]}
    assert rows["ceiling"][1] == "3"  # before, between and after the two approaches
    assert rows["generator"][1] == "1" and rows["in-memory"][1] == "1"
    assert float(rows["in-memory"][-1]) > 0
    assert "/ ceiling" in out
    assert "generator / in-memory total cost:" in out and "prep" in out and "train" in out


@pytest.mark.slow
def test_a_mixed_precision_row_is_measured_against_the_float32_ceiling(capsys) -> None:
    rc = benchmark_training.main(
        ["--samples-per-epoch", "32", "--epochs", "2", "--batch-size", "16", "--synthetic-rows", "12",
         "--rows", "ceiling", "--precisions", "float32", "mixed_bfloat16"]
    )
    assert rc == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("row "))) + 1 :]
    rows = {line.split()[0]: line.split() for line in table[:2]}
    assert rows["ceiling"][1] == "2" and rows["ceiling:bf16"][1] == "1"  # between two float32 ceilings
    assert float(rows["ceiling:bf16"][-1]) > 0
    assert "mixed_bfloat16 -> mixed_bfloat16" in out and "ceiling:bf16" in out.split("over the same row")[1]


def test_unknown_rows_and_bad_sizes_exit_2() -> None:
    for argv in (["--rows", "nope"], ["--epochs", "1"], ["--repeats", "0"], ["--precisions", "float64"]):
        assert exit_code(benchmark_training.main, argv) == 2
