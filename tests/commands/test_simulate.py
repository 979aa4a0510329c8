"""scripts/simulate.py: record, drive and bench from the command line, with clean exit codes."""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bcloning.commands import inspect_data
from bcloning.commands.simulate import build_parser, main
from recorder import load_recordings
from tests.disk_full import small_filesystem_command
from tests.simulator.wire_stub import WireStub

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
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


@pytest.mark.slow
def test_runs_as_a_script_with_help() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "simulate.py"), "drive", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--track-seed" in done.stdout
    top = subprocess.run([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--help"], capture_output=True, text=True)
    assert top.returncode == 0 and "python scripts/simulate.py record" in top.stdout  # the examples are shown


def _record_command(out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "scripts" / "simulate.py"), "--quiet", "record", str(out), "--laps", "20"]


@pytest.mark.slow
def test_kill_9_mid_recording_keeps_the_rows_for_inspect_data(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    process = subprocess.Popen(_record_command(out), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if (out / "driving_log.csv").exists() and (out / "driving_log.csv").read_bytes().count(b"\n") >= 20:
                break
            time.sleep(0.05)
        process.kill()  # mid-recording: no cleanup runs
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert inspect_data.main([str(out), "--out", str(tmp_path / "report")]) == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["usable"] >= 20 and report["rows_read"] - report["usable"] <= 1  # at most the last row lost


@pytest.mark.slow
def test_full_disk_on_a_small_filesystem_exits_2_with_one_line(tmp_path: Path) -> None:
    small, kept = tmp_path / "small", tmp_path / "kept"
    kept.mkdir()
    command = f"{shlex.join(_record_command(small / 'rec'))}; rc=$?; cp -a {small}/rec {kept}/; exit $rc"
    argv = small_filesystem_command(small, 256, command)
    if argv is None:
        pytest.skip("no small filesystem here (unshare/mount refused); tests/simulator/test_record.py injects ENOSPC")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr, done.stderr
    result = load_recordings([kept / "rec"])
    assert len(result.samples) >= 1 and result.problems == []
    assert len(list((kept / "rec" / "IMG").iterdir())) == 3 * len(result.samples)  # no partial image


def test_flags_come_from_the_configs_and_keep_their_short_names(capsys: pytest.CaptureFixture) -> None:
    parser = build_parser()
    record = parser.parse_args(["record", "out", "--speed", "12", "--track-length", "900", "--lookahead-min", "6"])
    assert (record.speed_mph, record.track_length, record.lookahead_min) == (12.0, 900.0, 6.0)
    assert parser.parse_args(["record", "out", "--speed-mph", "11"]).speed_mph == 11.0
    drive = parser.parse_args(["drive", "--timeout", "3", "--track-seed", "4"])
    assert (drive.timeout_s, drive.track_seed, drive.max_sim_s) == (3.0, 4, 1800.0)
    assert main(["--quiet", "bench", "--frames", "0"]) == 2
    assert "frames must be >= 1" in capsys.readouterr().err
