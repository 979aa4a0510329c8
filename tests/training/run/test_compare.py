"""Comparing runs: the paper-form table, ratios against the generator run, the chart."""

from __future__ import annotations

import json

import pytest

from training.co2.estimate import EstimateConfig
from training.run.compare import (
    COMPARISON_JSON,
    COMPARISON_PLOT,
    COMPARISON_TABLE,
    compare,
    differences,
    markdown,
    rows,
)
from training.run.folder import RunFolderError


@pytest.mark.slow
def test_rows_take_the_generator_run_as_baseline(trained_runs) -> None:
    mem_dir, mem = trained_runs["in-memory"]
    gen_dir, gen = trained_runs["generator"]
    table = rows([mem_dir, gen_dir])
    assert [r["approach"] for r in table] == ["in-memory", "generator"]
    assert [r["baseline"] for r in table] == [False, True]
    assert table[0]["speedup"] == pytest.approx(gen["total_seconds"] / mem["total_seconds"])
    assert table[0]["co2_reduction_percent"] == pytest.approx(
        100 * (1 - mem["co2_kg_measured"] / gen["co2_kg_measured"])
    )
    assert table[1]["speedup"] == pytest.approx(1.0) and table[0]["co2_kind"] == "measured"


@pytest.mark.slow
def test_markdown_has_a_row_per_run_the_ratios_and_the_papers_figures(trained_runs) -> None:
    table = rows([trained_runs["generator"][0], trained_runs["in-memory"][0]])
    text = markdown(table)
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(lines) == 3 and "CO2 kg" in lines[0]
    assert "baseline" in lines[1] and "x faster" in lines[2] and "% less CO2" in lines[2]
    assert "38 x faster" in text and "0.1643" in text


@pytest.mark.slow
def test_compare_writes_table_chart_and_json_with_another_device(trained_runs, tmp_path) -> None:
    other = EstimateConfig(device="nvidia-k80", cloud_provider="gcp", cloud_region="us-central1")
    paths = compare([d for d, _ in trained_runs.values()], tmp_path / "cmp", other)
    assert paths["table"].name == COMPARISON_TABLE and "nvidia-k80" in paths["table"].read_text()
    assert paths["plot"].name == COMPARISON_PLOT and paths["plot"].read_bytes()[:4] == b"\x89PNG"
    saved = json.loads(paths["json"].read_text())
    assert paths["json"].name == COMPARISON_JSON
    for row in saved["runs"]:
        assert row["other_estimate"]["power_watts"] == 300.0
        assert row["other_estimate"]["seconds"] == pytest.approx(row["total_seconds"])


def test_a_folder_without_a_report_is_named(tmp_path) -> None:
    with pytest.raises(RunFolderError, match="report.json"):
        compare([tmp_path], tmp_path / "cmp")


@pytest.mark.slow
def test_runs_with_different_settings_are_flagged(trained_runs) -> None:
    table = rows([d for d, _ in trained_runs.values()])
    assert differences(table) == {} and "not a fair comparison" not in markdown(table)
    table[1] = {**table[1], "epochs": 3, "seed": 7}
    assert differences(table) == {"epochs": [1, 3], "seed": [0, 7]}
    assert "not a fair comparison, the runs differ in epochs (1, 3); seed (0, 7)" in markdown(table)


def test_an_incomplete_report_is_named_with_its_missing_fields(tmp_path) -> None:
    (tmp_path / "report.json").write_text('{"approach": "generator", "epochs": 1, "samples": {}}')
    with pytest.raises(RunFolderError, match=r"report.json: not a complete .*batch_size.*samples.per_epoch"):
        compare([tmp_path], tmp_path / "cmp")


@pytest.mark.slow
def test_a_float32_and_a_bfloat16_run_are_compared_side_by_side(tiny_recording, tmp_path) -> None:
    from recorder.split import SplitConfig
    from training.co2.emissions import EmissionsConfig
    from training.config import TrainConfig
    from training.run.settings import RunSettings
    from training.run.train import train_run

    for precision in ("float32", "mixed_bfloat16"):
        config = TrainConfig(approach="in-memory", epochs=1, batch_size=16, samples_per_epoch=64, verbose=0,
                             precision=precision)
        train_run([tiny_recording], tmp_path / precision, RunSettings(
            train=config, split=SplitConfig(block_size=10), emissions=EmissionsConfig(country_iso_code="ESP")))
    paths = compare([tmp_path / "float32", tmp_path / "mixed_bfloat16"], tmp_path / "cmp")
    table = json.loads(paths["json"].read_text())["runs"]
    assert [(r["approach"], r["precision"]) for r in table] == [("in-memory", "float32"),
                                                                ("in-memory", "mixed_bfloat16")]
    assert all(r["total_seconds"] > 0 and r["energy_kwh"] > 0 and r["co2_kg"] > 0 for r in table)
    lines = [line for line in paths["table"].read_text().splitlines() if line.startswith("| in-memory")]
    assert [line.split("|")[2].strip() for line in lines] == ["float32", "mixed_bfloat16"]
