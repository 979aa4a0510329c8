"""bcloning bench-flood: bad flags exit 2 with one line; the table's ratios are against the alone run."""

from __future__ import annotations

import argparse

import pytest

from agent import ServerConfig
from bcloning.commands import benchmark_flood
from bcloning.commands.benchmark_flood import Result, report
from tests.commands.exit_codes import exit_code


@pytest.mark.parametrize("argv", [["--round-trips", "5"], ["--flooders", "0"], ["--idle", "-1"]])
def test_bad_flags_exit_2(argv, capsys):
    assert exit_code(benchmark_flood.main, argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_report_prints_ratios_and_writes_the_plot(tmp_path, capsys):
    results = [Result("alone", 0.1, 5.0, 9.0), Result("2 flooders", 0.2, 7.5, 30.0, 40, 12)]
    plot = tmp_path / "flood.png"
    report(results, argparse.Namespace(round_trips=100, plot=str(plot)), ServerConfig())
    out = capsys.readouterr().out
    assert "1.50" in out.splitlines()[-2] and "12" in out.splitlines()[-2]
    assert plot.stat().st_size > 1000
