"""scripts/compare.py: the table and chart from run folders; user errors exit 2."""

from __future__ import annotations

import pytest

from bcloning.commands import compare, train
from tests.commands.exit_codes import exit_code

TINY = ["--epochs", "1", "--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0",
        "--split-block-size", "10"]


@pytest.mark.slow
def test_compares_two_runs_and_estimates_another_device(recording_factory, tmp_path, capsys) -> None:
    recording = recording_factory("rec", rows=30)
    for approach in ("generator", "in-memory"):
        out = str(tmp_path / approach)
        assert train.main([str(recording), "--approach", approach, "--out", out, "--emissions-country-iso-code", "FRA", *TINY]) == 0
    capsys.readouterr()
    runs = [str(tmp_path / "in-memory"), str(tmp_path / "generator")]
    rc = compare.main([*runs, "--out", str(tmp_path / "cmp"), "--estimate-device", "nvidia-v100",
                       "--estimate-cloud-provider", "gcp", "--estimate-cloud-region", "europe-west1"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "x faster" in printed and "% less CO2" in printed and "nvidia-v100" in printed
    for name in ("comparison.md", "comparison.png", "comparison.json"):
        assert (tmp_path / "cmp" / name).is_file()
    (tmp_path / "a-file").write_text("")
    assert compare.main([*runs, "--out", str(tmp_path / "a-file")]) == 2  # not a traceback
    assert "a-file" in capsys.readouterr().err


def test_user_errors_exit_2(tmp_path, capsys) -> None:
    assert compare.main([str(tmp_path), "--out", str(tmp_path / "cmp")]) == 2
    assert "report.json" in capsys.readouterr().err
    assert compare.main([str(tmp_path), f"{tmp_path}/", "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert "the same run folder is given twice" in err and err.count("\n") == 1
    argv = [str(tmp_path), "--out", str(tmp_path / "cmp"), "--estimate-device", "abacus"]
    assert exit_code(compare.main, argv) == 2, "an unknown device must exit 2"
