"""evaluation.checkpoints: checkpoints scored in closed loop during training, the best kept as best_driving.keras."""

from __future__ import annotations

import json

import pytest

from bcloning.commands import train
from evaluation.checkpoints import DrivingEval, rank
from tests.commands.exit_codes import exit_code
from training.config import DrivingEvalConfig
from training.contract import read_contract
from training.preprocess import DEFAULT_PREPROCESS

TINY = ["--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0", "--split-block-size", "10",
        "--no-emissions"]


@pytest.mark.parametrize("kwargs, named", [
    ({"eval_every": 2}, "eval_every needs"),
    ({"eval_recordings": ("rec",)}, "need eval_every"),
    ({"eval_tracks": 1}, "need eval_every"),
    ({"eval_every": -1}, "eval_every must be"),
    ({"eval_every": 1, "eval_tracks": -1}, "eval_tracks must be"),
])
def test_config_refuses_half_a_setting(kwargs, named) -> None:
    with pytest.raises(ValueError, match=named):
        DrivingEvalConfig(**kwargs)


def test_rank_prefers_autonomy_then_fewer_interventions_then_less_deviation() -> None:
    def record(autonomy: float, interventions: int, deviation: float) -> dict:
        return {"autonomy_percent": autonomy, "interventions": interventions, "mean_abs_reference_offset_m": deviation}

    ordered = [record(0.0, 30, 0.3), record(0.0, 20, 0.5), record(0.0, 20, 0.4), record(50.0, 40, 0.9)]
    assert sorted(ordered, key=rank) == ordered


@pytest.mark.slow
def test_train_keeps_the_epoch_that_drove_best(recording_factory, tmp_path, capsys) -> None:
    recording = recording_factory("rec", rows=30)
    other = recording_factory("other", rows=30, seed=1)  # replayed: a lap the model is not trained on
    run = tmp_path / "run"
    argv = [str(recording), "--out", str(run), "--epochs", "2", *TINY, "--eval-every", "1",
            "--eval-recordings", str(other)]
    assert train.main(argv) == 0
    report = json.loads((run / "report.json").read_text())
    scored = report["driving_eval"]["scored"]
    assert [r["epoch"] for r in scored] == [1, 2] and report["driving_eval"]["worlds"] == ["replay other"]
    best = report["driving_eval"]["best"]
    assert best["file"] == "best_driving.keras"
    assert rank(best) == max(rank(r) for r in scored)
    assert all(r["val_loss"] is not None and r["worlds"]["replay other"]["interventions"] >= 0 for r in scored)
    contract = read_contract(run / "best_driving.keras")  # its own contract, beside it
    assert contract.extra["epochs"] == best["epoch"] and contract.input_shape == (66, 200, 3)
    assert (run / "driving_eval.png").read_bytes()[:4] == b"\x89PNG"
    assert f"drove best after epoch {best['epoch']}" in capsys.readouterr().out
    resumed = DrivingEval(DrivingEvalConfig(eval_every=1, eval_recordings=(str(other),)), run,
                          DEFAULT_PREPROCESS, save=lambda *_: None, resume=True)
    assert resumed.scored == scored  # a resumed run goes on from the epochs scored before
    assert resumed.best == {key: value for key, value in best.items() if key != "file"}


def test_bad_settings_exit_2_before_training(recording_factory, tmp_path, capsys) -> None:
    recording = str(recording_factory("rec", rows=30))
    for bad, named in ((["--eval-every", "1"], "eval_every needs"),
                       (["--eval-every", "1", "--eval-recordings", str(tmp_path)], "driving_log.csv")):
        assert exit_code(train.main, [recording, "--out", str(tmp_path / "run"), *TINY, *bad]) == 2
        assert named in capsys.readouterr().err
    assert not (tmp_path / "run" / "report.json").exists()
