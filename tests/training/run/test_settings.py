"""training.run.settings: one object for every setting of a run, kept as settings.json; --resume refuses a change."""

from __future__ import annotations

import json

import pytest

from bcloning.commands import train
from bcloning.flags import settings_from_flags
from recorder.split import SplitConfig
from tests.commands.exit_codes import exit_code
from training.config import LongRunConfig, TrainConfig
from training.run.folder import SETTINGS_FILE, ResumeError, backup_dir
from training.run.settings import RunSettings, check_same_settings, write_settings

TINY = ["--batch-size", "16", "--samples-per-epoch", "32", "--verbose", "0", "--split-block-size", "10",
        "--no-emissions", "--checkpoint"]


def test_settings_json_holds_every_setting_and_a_resume_with_the_same_passes(tmp_path) -> None:
    settings = RunSettings(train=TrainConfig(epochs=3), split=SplitConfig(block_size=10), emissions=None)
    write_settings(tmp_path, settings)
    record = json.loads((tmp_path / SETTINGS_FILE).read_text())
    assert record["train"]["epochs"] == 3 and record["split"]["block_size"] == 10 and record["emissions"] is None
    assert {"load", "balance", "augment", "preprocess", "estimate", "long_run", "driving"} <= set(record)
    resumed = RunSettings(train=TrainConfig(epochs=5), split=SplitConfig(block_size=10), emissions=None,
                          long_run=LongRunConfig(resume=True))
    check_same_settings(tmp_path, resumed)  # only --resume itself and where the run ends differ


@pytest.mark.parametrize("change, named", [
    ({"approach": "generator"}, "train.approach: \"in-memory\" in settings.json, \"generator\" now"),
    ({"seed": 7}, "train.seed: 0 in settings.json, 7 now"),
    ({"batch_size": 32}, "train.batch_size: 64 in settings.json, 32 now"),
])
def test_a_changed_setting_is_named_with_both_values(tmp_path, change, named) -> None:
    write_settings(tmp_path, RunSettings())
    with pytest.raises(ResumeError, match="changed setting") as caught:
        check_same_settings(tmp_path, RunSettings(train=TrainConfig(**change), long_run=LongRunConfig(resume=True)))
    assert named in str(caught.value)


@pytest.mark.parametrize("flags, named", [
    (["--approach", "generator"], "train.approach"),
    (["--seed", "3"], "train.seed"),
    (["--batch-size", "32"], "train.batch_size"),
])
def test_resume_with_a_changed_flag_exits_2_naming_it(recording_factory, tmp_path, capsys, flags, named) -> None:
    recording = str(recording_factory("rec", rows=30))
    run = tmp_path / "run"
    argv = [recording, "--out", str(run), "--epochs", "3", *TINY]
    args = train.build_parser().parse_args(argv)
    write_settings(run, settings_from_flags(RunSettings, args, emissions=None))  # what the first part wrote
    backup_dir(run).mkdir(parents=True)  # and Keras' backup after its first epoch
    (backup_dir(run) / "training_metadata.json").write_text(json.dumps({"epoch": 0}))
    before = sorted(p.name for p in run.iterdir())
    assert exit_code(train.main, [*argv, "--resume", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("train.py: error:") and named in err and err.count("\n") == 1, err
    assert sorted(p.name for p in run.iterdir()) == before  # refused before anything was written
