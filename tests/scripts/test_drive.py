"""scripts/drive.py: user errors exit 2 early; a real run serves, records and stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.agent.sim_client import SimulatorWireClient, make_telemetry
from recorder import load_recordings
from scripts import drive
from tests.agent.conftest import camera_frame, jpeg_bytes
from training.model import build_pilotnet
from training.model_file import save_model

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


def test_model_without_contract_is_refused(tmp_path, model_file, capsys):
    lonely = tmp_path / "lonely.keras"
    lonely.write_bytes(model_file.read_bytes())
    assert drive.main([str(lonely)]) == 2
    assert "lonely.json: missing" in capsys.readouterr().err


def test_drive_serves_records_and_stops_on_ctrl_c(tmp_path, model_file):
    run = tmp_path / "run1"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, str(ROOT / "scripts" / "drive.py"), str(model_file), str(run),
               "--port", "0", "--speed", "12", "--stats-interval-s", "0.2"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        port = None
        while port is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            found = [m for line in list(lines) if (m := re.search(r"listening on 127\.0\.0\.1:(\d+)", line))]
            port = int(found[0].group(1)) if found else None
        assert port, "".join(lines)
        jpeg = jpeg_bytes(camera_frame())
        with SimulatorWireClient("127.0.0.1", port) as sim:
            replies = [sim.telemetry(make_telemetry(jpeg, speed=1.0 + i)) for i in range(10)]
            assert sim.telemetry({}) == ("manual", {})
        time.sleep(0.4)  # one periodic report
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=5)
    log = "".join(lines)
    assert all(event == "steer" for event, _ in replies)
    assert re.search(r"latency telemetry->steer: frames=10 p50=", log)
    assert re.search(r"final telemetry->steer: frames=10 p50=[\d.]+ ms p99=[\d.]+ ms", log)
    assert "Traceback" not in log
    result = load_recordings([run])
    assert len(result.samples) == 10
    assert [s.steering for s in result.samples] == pytest.approx(
        [float(d["steering_angle"]) for _, d in replies], abs=1e-5
    )
