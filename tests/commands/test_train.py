"""scripts/train.py: a run folder from the command line; user errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bcloning.commands import train
from tests.commands.exit_codes import exit_code
from tests.conftest import spoil_frames

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--epochs", "1", "--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0",
        "--split-block-size", "10"]


@pytest.mark.slow
def test_trains_and_writes_the_run_folder(recording_factory, tmp_path, capsys) -> None:
    recording = recording_factory("rec", rows=30)
    out = tmp_path / "run"
    rc = train.main([str(recording), "--approach", "generator", "--out", str(out), "--no-emissions", *TINY])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["approach"] == "generator" and report["samples"]["per_epoch"] == 32
    assert report["config"]["split"]["block_size"] == 10 and report["energy_kwh"] is None
    printed = capsys.readouterr().out
    assert "generator: 1 epochs" in printed
    assert "energy n/a kWh, CO2 n/a kg measured" in printed  # not measured is not 0
    assert (out / "model.keras").is_file() and (out / "loss.png").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("approach", ["generator", "pipeline"])
def test_auto_precision_is_what_this_machines_hardware_supports_and_is_printed(
    approach, recording_factory, tmp_path, capsys
) -> None:
    from dataclasses import asdict

    from training.precision import choose_precision, cpu_flags, gpu_capabilities

    recording = recording_factory("rec", rows=30)
    out = tmp_path / "run"
    assert train.main([str(recording), "--approach", approach, "--precision", "auto", "--out", str(out),
                       "--no-emissions", *TINY]) == 0
    expected = choose_precision("auto", cpu_flags(), gpu_capabilities())
    report = json.loads((out / "report.json").read_text())
    assert report["precision"] == asdict(expected) and report["config"]["train"]["precision"] == "auto"
    assert json.loads((out / "model.json").read_text())["training_precision"] == expected.policy
    assert f"precision: {expected.policy} (auto: {expected.reason})" in capsys.readouterr().out


@pytest.mark.slow
def test_examples_per_epoch_default_to_examples_per_row_times_the_training_rows(recording_factory, tmp_path) -> None:
    recording = recording_factory("rec", rows=30)
    argv = [str(recording), "--approach", "in-memory", "--out", str(tmp_path / "run"), "--no-emissions",
            "--epochs", "1", "--batch-size", "16", "--verbose", "0", "--split-block-size", "10", "--examples-per-row", "3"]
    assert train.main(argv) == 0
    samples = json.loads((tmp_path / "run" / "report.json").read_text())["samples"]
    assert samples["train"] > 0 and samples["per_epoch"] == 3 * samples["train"]


def test_user_errors_exit_2_with_a_message(recording_factory, tmp_path, capsys) -> None:
    assert train.main([str(tmp_path / "missing"), "--out", str(tmp_path / "r"), "--no-emissions"]) == 2
    assert "missing" in capsys.readouterr().err
    recording = recording_factory("rec", rows=30)
    used = tmp_path / "used"
    used.mkdir()
    (used / "report.json").write_text("{}")
    assert train.main([str(recording), "--out", str(used), "--no-emissions", *TINY]) == 2
    assert "already holds a run" in capsys.readouterr().err
    for bad in (["--epochs", "0"], ["--approach", "magic"], ["--emissions-country-iso-code", "XYZ"],
                ["--precision", "fp8"]):
        assert exit_code(train.main, [str(recording), "--out", str(tmp_path / "x"), *bad]) == 2


@pytest.mark.slow
def test_runs_as_a_plain_script_with_help() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--help"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0
    for flag in ("--approach", "--samples-per-epoch", "--balance-max-per-bin", "--split-validation-fraction",
                 "--emissions-country-iso-code", "--emissions-cloud-provider", "--emissions-cloud-region",
                 "--estimate-cloud-provider", "--estimate-device"):
        assert flag in result.stdout
    assert "in-memory" in result.stdout and "generator" in result.stdout


@pytest.mark.parametrize("seed", [str(2**66), "-1"])
def test_a_seed_numpy_and_tensorflow_cannot_take_is_refused_before_the_run_folder(recording_factory, tmp_path,
                                                                                   capsys, seed) -> None:
    recording = recording_factory("rec", rows=10)
    assert train.main([str(recording), "--out", str(tmp_path / "run"), "--seed", seed, "--no-emissions", *TINY]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()  # no INCOMPLETE folder left behind


def test_an_out_folder_inside_the_recording_is_refused(recording_factory, tmp_path, capsys) -> None:
    recording = recording_factory("rec", rows=10)
    before = sorted(p.name for p in recording.iterdir())
    assert train.main([str(recording), "--out", str(recording / "run"), "--no-emissions", *TINY]) == 2
    err = capsys.readouterr().err
    assert "is inside the recording" in err and err.count("\n") == 1, err
    assert sorted(p.name for p in recording.iterdir()) == before


def test_frames_of_another_size_and_corrupt_jpegs_are_dropped_and_counted(recording_factory, tmp_path) -> None:
    recording = recording_factory("rec", rows=30)
    spoil_frames(recording)
    assert train.main([str(recording), "--out", str(tmp_path / "run"), "--no-emissions", *TINY]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["samples"]["dropped_by_reason"] == {"wrong_image_size": 1, "undecodable_image": 1}
