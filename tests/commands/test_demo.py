"""scripts/demo.py end to end at toy size: every step runs and every promised file exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bcloning.commands.demo import SUMMARY_NAME, main
from tests.commands.exit_codes import exit_code


@pytest.mark.slow
def test_demo_runs_every_step(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main([
        "--out", str(tmp_path), "--record-laps", "0.25", "--drive-laps", "1",
        "--epochs", "1", "--samples-per-epoch", "128",
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    (run,) = tmp_path.iterdir()
    summary = json.loads((run / SUMMARY_NAME).read_text())
    assert summary["metrics"]["laps"] == 1 and summary["metrics"]["track_seed"] == 7
    for path in summary["files"].values():
        assert Path(path).is_file(), path
    inspection = json.loads(Path(summary["files"]["inspection report"]).read_text())
    assert inspection["dropped"] == 0 and inspection["header_lines"] == 0  # the simulator's format, no complaint
    assert inspection["usable"] == inspection["rows_read"] > 0
    assert (run / "comparison" / "comparison.md").read_text() in out  # the table is printed
    assert "autonomy:" in out and "[6/6]" in out
    assert set(summary["seconds"]) >= {"record expert laps", "total"}
    # The printed record command reproduces the recording: the expert's seed included.
    assert re.search(r"simulate\.py record \S+ --laps 0\.25 --track-seed 0 --speed 15 --seed 0\n", out)


def test_same_track_for_both_is_a_user_error(tmp_path: Path) -> None:
    assert exit_code(main, ["--out", str(tmp_path), "--record-track-seed", "3", "--drive-track-seed", "3"]) == 2
    assert not any(tmp_path.iterdir())


def test_negative_seed_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert exit_code(main, ["--out", str(tmp_path), "--seed", "-1"]) == 2 and "seed must be >= 0" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_out_under_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["--out", str(tmp_path / "file"), "--record-laps", "0.01"]) == 2
    assert "demo.py: error:" in capsys.readouterr().err
