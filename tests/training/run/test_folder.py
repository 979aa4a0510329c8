"""Run-folder writers and readers."""

from __future__ import annotations

import pytest

from training.run.folder import (
    REPORT_FILE,
    RunFolderError,
    check_run_dir,
    plot_loss,
    read_report,
    write_history,
    write_report,
)


def test_history_csv_has_one_row_per_epoch(tmp_path) -> None:
    path = write_history(tmp_path / "h.csv", {"loss": [0.5, 0.25], "val_loss": [0.4, 0.3]})
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "1,0.5,0.4", "2,0.25,0.3"]


def test_loss_plot_is_a_png(tmp_path) -> None:
    path = plot_loss(tmp_path / "loss.png", {"loss": [0.5, 0.25], "val_loss": [0.4, 0.3]}, "t")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_check_run_dir_creates_and_refuses_a_used_folder(tmp_path) -> None:
    run = check_run_dir(tmp_path / "a" / "b")
    assert run.is_dir()
    write_report(run / REPORT_FILE, {"approach": "x"})
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
