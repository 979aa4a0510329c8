"""scripts/benchmark_dashboard.py: p50/p99 with and without the dashboard open (headless Chromium, or a poller)."""

from __future__ import annotations

import re

import pytest

from agent.dashboard import MIN_FRAME_INTERVAL_S
from bcloning.commands import benchmark_dashboard
from bcloning.page_clients import ChromiumMissing, require_chromium


@pytest.mark.slow
@pytest.mark.parametrize("client", ["chromium", "poll"])
def test_prints_both_conditions_and_the_difference_and_plots_them(client, tmp_path, capsys):
    if client == "chromium":
        try:
            require_chromium()
        except ChromiumMissing as exc:
            pytest.skip(str(exc))
    plot = tmp_path / "latency.png"
    argv = ["--rounds", "1", "--round-trips", "100", "--client", client, "--plot", str(plot)]
    assert benchmark_dashboard.main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"no dashboard\s+\d+\s+[\d.]+\s+[\d.]+\s+0\.0\n", out), out
    page_fps = float(re.search(r"dashboard open\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\n", out).group(1))
    # The page was open and the server's rate limit held: at most one frame per
    # MIN_FRAME_INTERVAL_S, plus the one a short window can catch at its edge.
    assert 0 < page_fps <= 1.5 / MIN_FRAME_INTERVAL_S
    assert re.search(r"dashboard open vs none: p99 [+-][\d.]+ ms, round trips x[\d.]+", out)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bad_flags_exit_2(capsys):
    assert benchmark_dashboard.main(["--round-trips", "10"]) == 2
    assert "--round-trips >= 100" in capsys.readouterr().err
