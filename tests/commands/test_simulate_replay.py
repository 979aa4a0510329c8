"""scripts/simulate.py replay, replay-check and replay-bench from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bcloning.commands.simulate import main
from tests.conftest import spoil_frames
from tests.simulator.replay.conftest import write_drive
from tests.simulator.wire_stub import WireStub


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    return write_drive(tmp_path / "rec", [0.3] * 10 + [-0.2] * 10)


def test_replay_writes_the_run(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    stub = WireStub(steering=0.0)
    try:
        argv = ["--quiet", "replay", str(recording), "--port", str(stub.port), "--out", str(tmp_path / "run")]
        assert main(argv + ["--threshold-m", "0.5", "--spacing-m", "0"]) == 0
    finally:
        stub.close()
    out = capsys.readouterr().out
    assert "autonomy:" in out and "deviation:" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["threshold_m"] == 0.5 and metrics["steps"] == 19 and metrics["interventions"] >= 1


def test_replay_user_errors_exit_2_with_one_line(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--quiet", "replay", str(recording), "--threshold-m", "0"]) == 2
    assert "threshold_m" in capsys.readouterr().err
    assert main(["--quiet", "replay", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and len(err.strip().splitlines()) == 1


def test_replay_check_and_bench_print_their_numbers(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--quiet", "replay-check", str(recording), "--frames", "3", "--out", str(tmp_path / "check")]) == 0
    out = capsys.readouterr().out
    assert "| rec | left |" in out and (tmp_path / "check" / "check.png").is_file()
    assert main(["--quiet", "replay-bench", str(recording), "--steps", "20"]) == 0
    assert "steps/s" in capsys.readouterr().out


def test_a_replay_of_too_little_road_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for name, rows in (("short", 20), ("long", 130)):  # about 17 m and 116 m at 20 mph, 10 frames/s
        recording = write_drive(tmp_path / name, [0.0] * rows)
        stub = WireStub(steering=0.0)
        try:
            argv = ["--quiet", "replay", str(recording), "--port", str(stub.port), "--out", str(tmp_path / f"{name}_run")]
            assert main(argv) == 0
        finally:
            stub.close()
        metrics = json.loads((tmp_path / f"{name}_run" / "metrics.json").read_text())
        out = capsys.readouterr().out
        assert metrics["too_little_road"] is (name == "short")
        assert ("too little road" in out) is (name == "short")


def test_frames_of_another_size_and_corrupt_jpegs_are_left_out_of_a_replay(tmp_path: Path, capfd) -> None:
    recording = write_drive(tmp_path / "rec", [0.1] * 12)
    spoil_frames(recording)
    stub = WireStub(steering=0.0)
    try:
        assert main(["--quiet", "replay", str(recording), "--port", str(stub.port), "--out", str(tmp_path / "run")]) == 0
    finally:
        stub.close()
    assert "Corrupt JPEG data" not in capfd.readouterr().err
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["steps"] > 0
