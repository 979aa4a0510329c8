"""scripts/demo.py end to end at toy size: every step runs and every promised file exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.demo import SUMMARY_NAME, main


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
    assert (run / "comparison" / "comparison.md").read_text() in out  # the table is printed
    assert "autonomy:" in out and "[6/6]" in out
    assert set(summary["seconds"]) >= {"record expert laps", "total"}


def test_same_track_for_both_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path), "--record-track-seed", "3", "--drive-track-seed", "3"])
    assert exit_info.value.code == 2
    assert not any(tmp_path.iterdir())
