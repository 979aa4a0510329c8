"""scripts/evaluate.py: a trained model served by a real drive server, replayed and driven; table, files, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bcloning.commands import compare, evaluate, train
from tests.agent.test_raw_frame_models import build_raw_frame_model
from tests.commands.exit_codes import exit_code
from tests.conftest import spoil_frames, write_recording

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--epochs", "1", "--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0",
        "--split-block-size", "10", "--no-emissions"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(run folder of a tiny trained model, the tiny recording it was trained on)."""
    root = tmp_path_factory.mktemp("evaluate")
    recording = write_recording(root / "rec", rows=30)
    assert train.main([str(recording), "--out", str(root / "run"), *TINY]) == 0
    return root / "run", recording


@pytest.mark.slow
def test_evaluates_replays_and_tracks_and_compare_shows_the_autonomy(trained, tmp_path, capsys) -> None:
    run, recording = trained
    out = tmp_path / "eval"
    peer = tmp_path / "peer" / "model.keras"  # a raw-frame model without a contract, as ../shared/peers holds
    peer.parent.mkdir()
    build_raw_frame_model().save(peer)
    argv = [str(run / "model.keras"), str(peer), "--recordings", str(recording), "--tracks", "2",
            "--max-sim-s", "2", "--out", str(out), "--quiet"]
    assert evaluate.main(argv) == 0
    printed = capsys.readouterr().out
    assert (out / "evaluation.md").read_text(encoding="utf-8") in printed
    assert "| run | replay rec |" in printed and "| run | track 2 |" in printed  # a model.keras: its folder
    assert "| peer | replay rec |" in printed
    assert "**2 tracks: mean ± sd**" in printed and "seeds 1, 2" in printed

    model, raw = json.loads((out / "evaluation.json").read_text())["models"]
    assert raw["label"] == "peer" and raw["pooled"]["worlds"] == 1
    assert raw["pooled"]["interventions_per_km"] == pytest.approx(raw["worlds"][0]["metrics"]["interventions_per_km"], abs=0.01)
    assert [w["world"] for w in model["worlds"]] == ["replay rec", "track 1", "track 2"]
    replay, track = model["worlds"][0]["metrics"], model["worlds"][1]["metrics"]
    assert replay["steps"] > 10 and replay["max_abs_heading_error_deg"] >= 0
    assert replay["steering_rms_change"] >= 0 and track["steering_rms_change"] >= 0
    assert replay["interventions_per_km"] == pytest.approx(
        replay["interventions"] / (replay["distance_m"] / 1000), rel=1e-4)
    assert track["steps"] == 20 and model["worlds"][1]["lap_time_s"] is None  # 2 s of 0.1 s steps: no lap
    spread = model["summary"]["track"]["mean_abs_reference_offset_m"]
    assert spread["min"] <= spread["mean"] <= spread["max"] and spread["std"] >= 0
    assert model["summary"]["replay"]["worlds"] == 1 and model["summary"]["all"]["worlds"] == 3
    assert (out / "evaluation.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "run" / "track-1" / "metrics.json").is_file()
    assert (out / "run" / "replay-rec" / "metrics.json").is_file()

    pointer = json.loads((run / "driving.json").read_text())["models"]["model.keras"]
    assert pointer["evaluation"] == str((out / "evaluation.json").resolve())
    assert compare.main([str(run), "--out", str(tmp_path / "cmp")]) == 0
    table = capsys.readouterr().out
    assert "autonomy % replays" in table and "autonomy % tracks" in table
    row = next(line for line in table.splitlines() if line.startswith("| in-memory"))
    assert row.rstrip(" |").endswith(f"{replay['autonomy_percent']:.1f} | "
                                      f"{model['summary']['track']['autonomy_percent']['mean']:.1f}")
    assert json.loads((tmp_path / "cmp" / "comparison.json").read_text())["runs"][0]["driving"] is not None


@pytest.mark.slow
def test_user_errors_exit_2_with_one_line(trained, tmp_path, capsys) -> None:
    run, recording = trained
    model = str(run / "model.keras")
    out = ["--out", str(tmp_path / "eval")]
    bad_contract = tmp_path / "bad.keras"
    shutil.copy(run / "model.keras", bad_contract)
    (tmp_path / "bad.json").write_text('{"preprocess": null}')
    used = tmp_path / "used"
    used.mkdir()
    (used / "evaluation.json").write_text("{}")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run, unfinished)
    (unfinished / "INCOMPLETE").write_text("{}")  # killed right after model.json was written
    cases = [
        ([str(tmp_path / "missing.keras"), "--tracks", "1", *out], "missing.keras"),
        ([model, "--recordings", str(tmp_path), "--tracks", "0", *out], "driving_log.csv"),
        ([model, "--tracks", "0", *out], "nothing to drive"),
        ([model, "--tracks", "-1", *out], "tracks"),
        ([model, "--first-track-seed", "0", *out], "training_track_seed"),
        ([model, "--set-speed", "45", *out], "set_speed"),
        ([str(bad_contract), "--tracks", "1", *out], "bad.json"),
        ([model, "--tracks", "1", "--out", str(used)], "already holds an evaluation"),
        ([model, "--recordings", str(recording), f"{recording}/", "--tracks", "0", *out], "given twice"),
        ([model, str(run / "." / "model.keras"), "--tracks", "1", *out], "given twice"),
        ([str(unfinished / "model.keras"), "--tracks", "1", *out], "has not finished"),
    ]
    for argv, named in cases:
        assert exit_code(evaluate.main, argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("evaluate.py: error:") and named in err and err.count("\n") == 1, err
    assert not (tmp_path / "eval").exists()  # refused before anything was written
    assert exit_code(evaluate.main, [model, "--tracks", "x", *out]) == 2  # argparse's own error


@pytest.mark.slow
def test_runs_as_a_plain_script_with_help() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--help"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0
    for flag in ("--recordings", "--tracks", "--first-track-seed", "--threshold-m", "--laps", "--set-speed"):
        assert flag in result.stdout


def test_a_recording_with_frames_of_another_size_and_corrupt_jpegs_is_replayed_without_them(trained, tmp_path,
                                                                                            capfd) -> None:
    run, recording = trained
    spoilt = tmp_path / "spoilt"
    shutil.copytree(recording, spoilt)
    spoil_frames(spoilt)
    argv = [str(run / "model.keras"), "--recordings", str(spoilt), "--tracks", "0", "--out", str(tmp_path / "eval")]
    assert evaluate.main(argv) == 0
    err = capfd.readouterr().err
    assert "broadcast" not in err and "Corrupt JPEG data" not in err
