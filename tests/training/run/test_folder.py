"""Run-folder writers and readers."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from training.run.folder import (
    EMISSIONS_FILE,
    INCOMPLETE_FILE,
    REPORT_FILE,
    RunFolderError,
    check_run_dir,
    mark_finished,
    plot_loss,
    read_report,
    write_history,
    write_report,
)


def test_history_csv_has_one_row_per_epoch(tmp_path) -> None:
    path = write_history(tmp_path / "h.csv", {"loss": [0.5, 0.25], "val_loss": [0.4, 0.3]})
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "1,0.5,0.4", "2,0.25,0.3"]


@pytest.mark.slow
def test_loss_plot_is_a_png(tmp_path) -> None:
    path = plot_loss(tmp_path / "loss.png", {"loss": [0.5, 0.25], "val_loss": [0.4, 0.3]}, "t")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_check_run_dir_creates_and_refuses_a_used_folder(tmp_path) -> None:
    run = check_run_dir(tmp_path / "a" / "b")
    assert run.is_dir()
    write_report(run / REPORT_FILE, {"approach": "x"})
    mark_finished(run)
    with pytest.raises(RunFolderError, match="report.json"):
        check_run_dir(run)
    assert check_run_dir(run, allow_existing=True) == run
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunFolderError, match="not a folder"):
        check_run_dir(tmp_path / "file")


def test_read_report_names_missing_and_bad_files(tmp_path) -> None:
    with pytest.raises(RunFolderError, match="not found"):
        read_report(tmp_path)
    (tmp_path / REPORT_FILE).write_text("{broken")
    with pytest.raises(RunFolderError, match="unreadable"):
        read_report(tmp_path)
    (tmp_path / REPORT_FILE).write_text('{"a": 1}')
    with pytest.raises(RunFolderError, match="approach"):
        read_report(tmp_path)


def test_a_stopped_run_is_marked_refused_by_read_report_and_taken_over_keeping_its_files(tmp_path, caplog) -> None:
    run = check_run_dir(tmp_path / "run")
    (run / EMISSIONS_FILE).write_text("stopped attempt")  # what a run stopped during fit leaves
    write_report(run / REPORT_FILE, {"approach": "x"})  # even a report, if the disk filled after it
    with pytest.raises(RunFolderError, match="has not finished"):
        read_report(run)
    assert check_run_dir(run) == run  # not resumable: the same command may start it again
    aside = [p for p in run.iterdir() if p.name.startswith("interrupted_")]
    assert len(aside) == 1 and (aside[0] / EMISSIONS_FILE).read_text() == "stopped attempt"
    assert sorted(p.name for p in run.iterdir()) == sorted([aside[0].name, INCOMPLETE_FILE])
    assert "files moved to interrupted_" in caplog.text
    mark_finished(run)
    assert not (run / INCOMPLETE_FILE).exists()


def test_a_run_still_training_is_never_taken_over(tmp_path) -> None:
    run = check_run_dir(tmp_path / "run")
    trainer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        mark = json.loads((run / INCOMPLETE_FILE).read_text())
        (run / INCOMPLETE_FILE).write_text(json.dumps({**mark, "pid": trainer.pid, "started": time.time() + 1}))
        with pytest.raises(RunFolderError, match=f"training there now \\(process {trainer.pid}\\)"):
            check_run_dir(run)
        with pytest.raises(RunFolderError, match="training there now"):
            check_run_dir(run, allow_existing=True)  # nor resumed beside it
        (run / INCOMPLETE_FILE).write_text(json.dumps({**mark, "pid": trainer.pid, "started": time.time() - 3600}))
        assert check_run_dir(run) == run  # a process started after the mark only reuses the id
    finally:
        trainer.kill()
        trainer.wait()
