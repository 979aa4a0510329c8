"""inspect_data.py end to end: report files, JSON output, user errors, real data untouched."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bcloning.commands.inspect_data import main
from tests.commands.exit_codes import exit_code
from tests.conftest import spoil_frames
from tests.disk_full import file_size_limit, small_filesystem_command

ROOT = Path(__file__).resolve().parents[2]


def test_writes_report_and_histogram(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=20)
    with (rec / "driving_log.csv").open("a") as log:
        log.write("a, b\n")
    out = tmp_path / "report"
    assert main([str(rec), "--out", str(out), "--balance-max-per-bin", "3", "--balance-bins", "5"]) == 0
    printed = capsys.readouterr().out
    assert "rows read:   21" in printed and "usable:      20" in printed
    assert f"{rec / 'driving_log.csv'}:21: wrong_column_count" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["dropped_by_reason"] == {"wrong_column_count": 1}
    assert report["balanced"]["count"] <= 15
    assert report["settings"]["load"]["decode_images"] is True
    assert report["split"]["train"] + report["split"]["validation"] == report["balanced"]["count"]
    with Image.open(out / "steering_hist.png") as image:
        assert image.format == "PNG"
    assert sorted(p.name for p in rec.iterdir()) == ["IMG", "driving_log.csv"]


def test_json_goes_to_stdout_and_summary_to_stderr(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=5)
    assert main([str(rec), "--out", str(tmp_path / "o"), "--json", "--decode-images", "false"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["usable"] == 5
    assert "rows read:" in captured.err


def test_user_errors_exit_2_with_one_line(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=3)
    cases = [
        [str(tmp_path / "absent"), "--out", str(tmp_path / "o")],
        [str(rec), "--out", str(rec / "report")],
        [str(rec), "--out", str(tmp_path / "o"), "--min-speed", "-1"],
        [str(rec), "--out", str(tmp_path / "o"), "--min-speed", "100"],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("inspect_data.py: error:") and "\n" not in err, err
    assert not (rec / "report").exists()


@pytest.mark.slow
def test_runs_as_a_script(recording_factory, tmp_path):
    rec = recording_factory("rec", rows=4)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "inspect_data.py"), str(rec), "--out", str(tmp_path / "o"), "--json"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_read"] == 4
    missing = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "inspect_data.py"), str(tmp_path / "nope")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "no such folder" in missing.stderr


def test_shared_user_windows_2020_report_names_stationary_rows(shared_data, tmp_path, capsys):
    folder = shared_data / "user_windows_2020"
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert main([str(folder), "--out", str(tmp_path / "r"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows_read"] == 300
    assert 95 <= report["dropped_by_reason"]["stationary"] <= 110
    assert all(p["reason"] == "stationary" and p["row"] >= 190 for p in report["problems"])
    assert report["dropped_rows"]["stationary"][str(folder / "driving_log.csv")].endswith("-300")
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert after == before


def test_over_long_field_and_link_outside_img_are_reasons_not_tracebacks(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=4)
    (tmp_path / "private.txt").write_text("PRIVATE")
    linked = sorted((rec / "IMG").glob("center_*.jpg"))[0]
    linked.unlink()
    linked.symlink_to(tmp_path / "private.txt")
    with (rec / "driving_log.csv").open("a") as log:
        log.write("a, " + "x" * 140_000 + ", c, 0, 0, 0, 5\n")  # over csv.field_size_limit()
    assert main([str(rec), "--out", str(tmp_path / "report")]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "PRIVATE" not in captured.out + captured.err
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["dropped_by_reason"] == {"field_too_long": 1, "image_outside_recording": 1}


@pytest.mark.parametrize("seed", ["-1", str(2**66)])
def test_a_seed_out_of_range_names_the_flag(recording_factory, tmp_path, capsys, seed):
    rec = recording_factory("rec", rows=3)
    assert main([str(rec), "--out", str(tmp_path / "o"), "--seed", seed]) == 2
    err = capsys.readouterr().err
    assert err.startswith("inspect_data.py: error:") and "--seed" in err and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()


def test_a_full_disk_exits_2_naming_the_file_and_leaves_no_partial_file(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=5)
    out = tmp_path / "o"
    with file_size_limit(8 * 1024):  # report.json fits, the histogram does not (the kernel refuses: EFBIG)
        code = main([str(rec), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("inspect_data.py: error:") and str(out / "steering_hist.png") in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(out.glob(".*tmp*")) and not (out / "steering_hist.png").exists()


def test_an_out_that_is_a_file_or_empty_is_refused(recording_factory, tmp_path, capsys):
    rec = recording_factory("rec", rows=3)
    (tmp_path / "a-file").write_text("mine")
    assert exit_code(main, [str(rec), "--out", str(tmp_path / "a-file")]) == 2
    err = capsys.readouterr().err
    assert "a-file" in err and err.count("\n") == 1 and (tmp_path / "a-file").read_text() == "mine"
    assert exit_code(main, [str(rec), "--out", ""]) == 2
    assert "--out" in capsys.readouterr().err


def test_frames_of_another_size_and_corrupt_jpegs_are_reported_by_file(recording_factory, tmp_path, capfd):
    rec = recording_factory("rec", rows=8)
    big, cut = spoil_frames(rec)
    assert main([str(rec), "--out", str(tmp_path / "o")]) == 0
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["dropped_by_reason"] == {"wrong_image_size": 1, "undecodable_image": 1}
    out = capfd.readouterr()
    assert big in out.out and cut in out.out and "Corrupt JPEG data" not in out.err
    assert main([str(rec), "--out", str(tmp_path / "cheap"), "--decode-images", "false"]) == 0
    cheap = json.loads((tmp_path / "cheap" / "report.json").read_text())
    assert cheap["dropped_by_reason"] == {"wrong_image_size": 1}


@pytest.mark.slow
def test_a_real_full_disk_exits_2_with_one_line(recording_factory, tmp_path):
    rec, small = recording_factory("rec", rows=5), tmp_path / "small"
    command = f"{sys.executable} {ROOT / 'scripts' / 'inspect_data.py'} {rec} --out {small / 'o'}; rc=$?; ls -A {small / 'o'}; exit $rc"
    argv = small_filesystem_command(small, 16, command)  # report.json fits in 16 KiB, the histogram does not
    if argv is None:
        pytest.skip("no small filesystem here (unshare/mount refused); file_size_limit covers it above")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr, done.stderr
    assert "steering_hist.png" in done.stderr and done.stdout.split() == ["report.json"]  # no partial file
