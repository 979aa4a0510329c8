"""scripts/simulate.py: record, drive and bench from the command line, with clean exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bcloning.commands.simulate import main
from recorder import load_recordings
from tests.simulator.wire_stub import WireStub

ROOT = Path(__file__).resolve().parents[2]


def test_record_then_refuse_the_same_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "rec"
    assert main(["--quiet", "record", str(out), "--laps", "0.05", "--track-seed", "2", "--speed", "12"]) == 0
    assert "recorded" in capsys.readouterr().out
    result = load_recordings([out])
    assert result.problems == [] and len(result.samples) > 20
    assert max(sample.speed for sample in result.samples) <= 12.5
    assert main(["--quiet", "record", str(out), "--laps", "0.05"]) == 2
    assert "not an empty folder" in capsys.readouterr().err


def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--quiet", "record", str(tmp_path / "x"), "--speed", "45"]) == 2
    assert "speed_mph" in capsys.readouterr().err
    assert main(["--quiet", "drive", "--laps", "0"]) == 2
    assert "laps" in capsys.readouterr().err


def test_unusable_output_paths_exit_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["--quiet", "record", str(tmp_path / "file" / "rec"), "--laps", "0.01"]) == 2
    assert "simulate.py: error:" in capsys.readouterr().err
    # Refused before connecting: no server listens on port 1, which would be exit 1.
    assert main(["--quiet", "drive", "--port", "1", "--out", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.json").write_text("{}")
    assert main(["--quiet", "drive", "--port", "1", "--out", str(tmp_path / "run")]) == 2
    assert "already holds a run" in capsys.readouterr().err


def test_drive_prints_and_writes_metrics(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    stub = WireStub(steering=0.0, throttle=0.4)
    try:
        code = main(["--quiet", "drive", "--port", str(stub.port), "--out", str(tmp_path / "run"), "--max-sim-s", "2"])
    finally:
        stub.close()
    assert code == 0
    out = capsys.readouterr().out
    assert "autonomy:" in out and "metrics.json" in out
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["steps"] == 20


def test_drive_without_server_exits_1(capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["--quiet", "drive", "--port", str(port), "--timeout", "2", "--out", "unused"]) == 1
    assert "cannot connect" in capsys.readouterr().err
    assert not Path("unused").exists()


def test_bench_reports_frames_per_second(capsys: pytest.CaptureFixture) -> None:
    assert main(["--quiet", "bench", "--frames", "10"]) == 0
    assert "three cameras" in capsys.readouterr().out


def test_runs_as_a_script_with_help() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "simulate.py"), "drive", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--track-seed" in done.stdout
    top = subprocess.run([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--help"], capture_output=True, text=True)
    assert top.returncode == 0 and "python scripts/simulate.py record" in top.stdout  # the examples are shown
