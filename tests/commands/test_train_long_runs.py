"""scripts/train.py beyond one short run: the disk store, kill and --resume, two workers;
a run stopped by Ctrl-C, SIGTERM or a full disk is marked INCOMPLETE, then resumed or started again."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bcloning.commands import compare, train
from tests.commands.exit_codes import exit_code
from tests.disk_full import file_size_limit
from training.run.folder import INCOMPLETE_FILE, RUN_FILES, backup_dir, resume_epoch

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0", "--split-block-size", "10"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now (the OS picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _report(run: Path) -> dict:
    return json.loads((run / "report.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("approach", ["in-memory", "pipeline"])
def test_a_tiny_memory_budget_uses_the_disk_store_with_the_same_outcome(
    approach, recording_factory, tmp_path
) -> None:
    recording = str(recording_factory("rec", rows=30))
    reports = {}
    for store, budget in (("ram", []), ("disk", ["--max-memory-gb", "0"])):
        out = tmp_path / store
        argv = [recording, "--approach", approach, "--epochs", "2", "--out", str(out), "--no-emissions", *TINY]
        assert train.main([*argv, *budget]) == 0
        reports[store] = _report(out)
        assert reports[store]["approach_info"]["store"] == store
        assert not list((out / "frames").glob("*")) if store == "disk" else not (out / "frames").exists()
    ram, disk = reports["ram"], reports["disk"]
    assert disk["approach_info"]["store_bytes"] == ram["approach_info"]["store_bytes"] > 0
    assert disk["approach_info"]["store_dir"] == str(tmp_path / "disk" / "frames")
    assert (disk["final_loss"], disk["final_val_loss"]) == (ram["final_loss"], ram["final_val_loss"])


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_end_and_adds_its_emissions(recording_factory, tmp_path, capsys) -> None:
    recording = str(recording_factory("rec", rows=30))
    out = tmp_path / "run"
    argv = [sys.executable, str(ROOT / "scripts" / "train.py"), recording, "--approach", "pipeline",
            "--epochs", "4", "--checkpoint", "--out", str(out), "--emissions-country-iso-code", "FRA",
            "--batch-size", "16", "--samples-per-epoch", "256", "--verbose", "0", "--split-block-size", "10"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    checkpoint = backup_dir(out) / "training_metadata.json"  # the epoch's state, saved last
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # right after the first epoch's checkpoint and backup
    _, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, err.decode()[-2000:]
    assert not (out / "report.json").exists()

    assert train.main(argv[2:]) == 2  # the same command without --resume: refused ...
    assert "--resume" in capsys.readouterr().err  # ... saying how to go on
    done = subprocess.run([*argv, "--resume"], capture_output=True, env=ENV, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]

    report = _report(out)
    assert report["epochs"] == 4 and report["parts"] == 2 and report["resumed_at_epoch"] >= 1
    with open(out / "history.csv", newline="") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["1", "2", "3", "4"]
    with open(out / "emissions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    fit_parts = {row["run_id"] for row in rows if row["project_name"] == "pipeline-fit"}
    assert len(fit_parts) == 2  # the killed part left its flushed rows
    this_part = [row for row in rows if row["project_name"] == "pipeline-fit"][-1]
    assert report["phases"]["training"]["energy_kwh"] > float(this_part["energy_consumed"]) > 0
    assert report["training_seconds"] > float(this_part["duration"])
    assert not backup_dir(out).exists()  # a finished run leaves nothing to resume
    from training.model_file import load_model

    for name in ("last.keras", "best.keras"):  # checkpoints carry the model's contract too
        assert load_model(out / "checkpoints" / name).input_shape == (None, 66, 200, 3)


@pytest.mark.slow
def test_two_workers_train_one_model_and_the_chief_writes_it(recording_factory, tmp_path) -> None:
    recording = str(recording_factory("rec", rows=30))
    workers = ",".join(f"127.0.0.1:{port}" for port in free_ports(2))
    processes = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "train.py"), recording, "--approach", "pipeline",
             "--epochs", "1", "--workers", workers, "--worker-index", str(i), "--out", str(tmp_path / f"w{i}"),
             "--no-emissions", *TINY],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT,
        )
        for i in (0, 1)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()[-2000:]
    report = _report(tmp_path / "w0")
    assert report["epochs"] == 1 and report["approach_info"]["shard"] == [0, 2]
    assert not (tmp_path / "w1" / "report.json").exists() and not (tmp_path / "w1" / "model.keras").exists()
    from training.model_file import load_model

    model = load_model(tmp_path / "w0" / "model.keras")
    assert model.input_shape == (None, 66, 200, 3)


def test_workers_flag_errors_exit_2(recording_factory, tmp_path) -> None:
    recording = str(recording_factory("rec", rows=30))
    for bad in (["--workers", "a:1,b"], ["--workers", "a:1,b:2", "--worker-index", "2"], ["--worker-index", "1"],
                ["--workers", "a:1,b:2", "--approach", "generator"], ["--workers", "a:1,b:2,c:3"]):
        assert exit_code(train.main, [recording, "--out", str(tmp_path / "x"), "--no-emissions", *bad]) == 2
    assert train.main([recording, "--out", str(tmp_path / "y"), "--no-emissions", "--resume", *TINY]) == 2


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "checkpoint"), [(signal.SIGINT, False), (signal.SIGTERM, True)])
def test_a_run_stopped_during_fit_is_marked_then_started_again_or_resumed(
    signum, checkpoint, recording_factory, tmp_path, capsys
) -> None:
    out = tmp_path / "run"
    argv = [str(recording_factory("rec", rows=30)), "--approach", "in-memory", "--out", str(out),
            "--emissions-country-iso-code", "FRA", *TINY, *(["--checkpoint"] if checkpoint else [])]
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "train.py"), *argv, "--epochs", "1000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    # fit is running once the preparation phase's emissions row is out (with --checkpoint: the first backup)
    ready = backup_dir(out) / "training_metadata.json" if checkpoint else out / "emissions.csv"
    deadline = time.monotonic() + 120
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    last = err.decode().strip().splitlines()[-1]
    assert process.returncode == 130, err.decode()[-2000:]
    assert "Traceback" not in err.decode() and last.startswith("train.py: error: interrupted; ")
    assert (out / INCOMPLETE_FILE).is_file() and not (out / "report.json").exists()
    assert compare.main([str(out), "--out", str(tmp_path / "table")]) == 2  # not taken for a finished run
    assert "has not finished" in capsys.readouterr().err
    if checkpoint:
        assert "the same command with --resume" in last
        done = resume_epoch(out)
        assert train.main([*argv, "--epochs", str(done + 1), "--resume"]) == 0
        assert _report(out)["parts"] == 2 and _report(out)["epochs"] == done + 1
    else:
        assert "the same command starts the run again" in last
        assert train.main([*argv, "--epochs", "1"]) == 0
        # kept, not mixed in (with the stopped attempt's settings.json)
        assert sorted(p.name for p in out.glob("interrupted_*/*")) == ["emissions.csv", "settings.json"]
    assert not (out / INCOMPLETE_FILE).exists()
    assert compare.main([str(out), "--out", str(tmp_path / "table")]) == 0


@pytest.mark.slow
def test_a_full_disk_during_fit_marks_the_run_and_the_same_command_starts_it_again(
    recording_factory, tmp_path, capsys
) -> None:
    out = tmp_path / "run"
    argv = [str(recording_factory("rec", rows=30)), "--approach", "in-memory", "--epochs", "2", "--checkpoint",
            "--out", str(out), "--no-emissions", *TINY]
    with file_size_limit(512 * 1024):  # the first epoch's checkpoint (a few MB) cannot be written
        assert train.main(argv) == 2
    err = capsys.readouterr().err
    assert "File too large" in err and "the same command starts the run again" in err and "Traceback" not in err
    assert (out / INCOMPLETE_FILE).is_file() and not (out / "report.json").exists()
    assert not list(out.rglob("*.tmp*"))  # atomic saves leave no half-written file
    assert train.main(argv) == 0
    assert set(RUN_FILES) - {"emissions.csv"} <= {p.name for p in out.iterdir()}  # --no-emissions
    assert not (out / INCOMPLETE_FILE).exists()
    assert len(list(out.glob("interrupted_*"))) == 1
