"""scripts/drive.py: user errors exit 2 early; a real run serves, records and stops on Ctrl-C;
its recording survives kill -9, and a full disk stops the recording, not the driving."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bcloning.commands import drive, inspect_data
from recorder import load_recordings
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from tests.disk_full import small_filesystem_command
from training.model import build_pilotnet
from training.model_file import save_model
from training.run.folder import INCOMPLETE_FILE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    """A tiny untrained PilotNet saved with its contract."""
    return save_model(build_pilotnet(seed=1), tmp_path_factory.mktemp("model") / "model.keras")


def test_non_empty_folder_is_refused_and_left_alone(tmp_path, model_file, capsys):
    run = tmp_path / "run1"
    run.mkdir()
    (run / "mine.txt").write_text("keep")
    assert drive.main([str(model_file), str(run)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert [p.name for p in run.iterdir()] == ["mine.txt"]


def test_missing_model_and_bad_flag_exit_2(tmp_path, capsys):
    assert drive.main([str(tmp_path / "none.keras")]) == 2
    assert "no such model file" in capsys.readouterr().err
    assert drive.main([str(tmp_path / "none.keras"), "--speed", "50"]) == 2
    assert "set_speed" in capsys.readouterr().err


def test_model_of_a_run_that_has_not_finished_is_refused(tmp_path, model_file, capsys):
    run = tmp_path / "run"
    run.mkdir()
    for part in (model_file, model_file.with_suffix(".json")):
        (run / part.name).write_bytes(part.read_bytes())
    (run / INCOMPLETE_FILE).write_text("{}")  # training was stopped (or still runs) there
    assert drive.main([str(run / model_file.name)]) == 2
    assert "has not finished" in capsys.readouterr().err


def test_model_without_contract_is_refused(tmp_path, model_file, capsys):
    lonely = tmp_path / "lonely.keras"
    lonely.write_bytes(model_file.read_bytes())
    assert drive.main([str(lonely)]) == 2
    assert "lonely.json: missing" in capsys.readouterr().err


class DriveProcess:
    """`scripts/drive.py` in a subprocess (optionally wrapped, e.g. by a small filesystem), its stderr collected.

    `wrap` is None for the plain command, or a function from the command (one shell string) to the argv to run.
    """

    def __init__(self, args: list[str], cwd: Path, wrap: Callable[[str], list[str]] | None = None) -> None:
        command = [sys.executable, str(ROOT / "scripts" / "drive.py"), *args, "--port", "0"]
        argv = command if wrap is None else wrap(shlex.join(command))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(iter(self.process.stderr.readline, "")), daemon=True
        )
        self._reader.start()

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        """The first match of `pattern` in stderr, waiting for it while the process runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            found = [m for line in list(self.lines) if (m := re.search(pattern, line))]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in:\n{self.log}")

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def __enter__(self) -> "DriveProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        self.process.stderr.close()


@pytest.mark.slow
def test_drive_serves_records_and_stops_on_ctrl_c(tmp_path, model_file):
    run = tmp_path / "run1"
    with DriveProcess([str(model_file), str(run), "--speed", "12", "--stats-interval-s", "0.2"], tmp_path) as drive_:
        port = int(drive_.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        jpeg = jpeg_bytes(camera_frame())
        with SimulatorWireClient("127.0.0.1", port) as sim:
            replies = [sim.telemetry(make_telemetry(jpeg, speed=1.0 + i)) for i in range(10)]
            assert sim.telemetry({}) == ("manual", {})
        time.sleep(0.4)  # one periodic report
        drive_.process.send_signal(signal.SIGINT)
        assert drive_.process.wait(timeout=30) == 0
    log = drive_.log
    assert all(event == "steer" for event, _ in replies)
    assert re.search(r"latency telemetry->steer: frames=10 p50=", log)
    assert re.search(r"final telemetry->steer: frames=10 p50=[\d.]+ ms p99=[\d.]+ ms", log)
    assert "Traceback" not in log
    result = load_recordings([run])
    assert len(result.samples) == 10
    assert [s.steering for s in result.samples] == pytest.approx(
        [float(d["steering_angle"]) for _, d in replies], abs=1e-5
    )


def _rows(log: Path) -> int:
    return len(log.read_bytes().splitlines()) if log.exists() else 0


@pytest.mark.slow
def test_kill_9_mid_recording_keeps_the_rows_for_inspect_data(tmp_path, model_file):
    run = tmp_path / "run1"
    jpeg = jpeg_bytes(camera_frame())
    with DriveProcess([str(model_file), str(run)], tmp_path) as drive_:
        port = int(drive_.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        with SimulatorWireClient("127.0.0.1", port) as sim:
            for i in range(8):
                sim.telemetry(make_telemetry(jpeg, speed=5.0 + i))
            deadline = time.monotonic() + 10
            while _rows(run / "driving_log.csv") < 8 and time.monotonic() < deadline:
                time.sleep(0.05)  # the writer thread is a little behind the replies
            drive_.process.kill()  # SIGKILL while the simulator is connected: no cleanup runs
            assert drive_.process.wait(timeout=30) == -signal.SIGKILL
    report = tmp_path / "report"
    assert inspect_data.main([str(run), "--out", str(report)]) == 0
    assert json.loads((report / "report.json").read_text())["usable"] == 8


@pytest.mark.slow
def test_full_disk_stops_the_recording_drives_on_and_exits_1(tmp_path, model_file):
    small, kept = tmp_path / "small", tmp_path / "kept"
    kept.mkdir()

    def on_small_filesystem(command: str) -> list[str]:
        # Background the server so the test can signal it alone, then copy the run out of the namespace.
        inner = f"{command} & echo drive_pid=$! >&2; wait $!; rc=$?; cp -a {small}/run {kept}/; exit $rc"
        argv = small_filesystem_command(small, 256, inner)
        if argv is None:
            pytest.skip("no small filesystem here (unshare/mount refused); tests/agent/test_recording.py injects ENOSPC")
        return argv

    jpeg = jpeg_bytes(camera_frame())
    with DriveProcess([str(model_file), str(small / "run")], tmp_path, on_small_filesystem) as drive_:
        pid = int(drive_.wait_for(r"drive_pid=(\d+)").group(1))
        port = int(drive_.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        with SimulatorWireClient("127.0.0.1", port) as sim:
            replies = [sim.telemetry(make_telemetry(jpeg, speed=5.0)) for _ in range(30)]  # ~20 kB each
        os.kill(pid, signal.SIGTERM)
        assert drive_.process.wait(timeout=30) == 1
    assert [event for event, _ in replies] == ["steer"] * 30
    assert 1 <= drive_.log.count("No space left on device") <= 2  # the error, and the reason for exit 1
    assert "Traceback" not in drive_.log
    result = load_recordings([kept / "run"])
    assert 1 <= len(result.samples) < 30 and not result.problems
    assert len(list((kept / "run" / "IMG").iterdir())) == len(result.samples)  # no partial image
