"""A run in parts: the epoch log, emissions added over parts, history and cost of earlier parts."""

from __future__ import annotations

import csv

import pytest

from training.run.folder import CHECKPOINT_DIR, EPOCH_LOG, read_epoch_log
from training.run.parts import emissions_totals, previous_parts, run_history


def test_epoch_log_keeps_the_last_row_of_a_redone_epoch(tmp_path) -> None:
    path = tmp_path / EPOCH_LOG
    path.write_text("epoch,loss,val_loss\n0,1.0,2.0\n1,0.5,1.5\n1,0.4,1.4\n2,0.3,\n")
    assert read_epoch_log(path) == [
        {"epoch": 0, "loss": 1.0, "val_loss": 2.0},
        {"epoch": 1, "loss": 0.4, "val_loss": 1.4},
        {"epoch": 2, "loss": 0.3},
    ]


@pytest.mark.slow
def test_emissions_of_every_part_are_added_once(tmp_path) -> None:
    from codecarbon import OfflineEmissionsTracker
    from codecarbon.output_methods.base_output import OutputMethod

    def tracker(name: str) -> OfflineEmissionsTracker:
        return OfflineEmissionsTracker(project_name=name, output_dir=str(tmp_path), country_iso_code="FRA",
                                       output_methods=[OutputMethod.CSV], log_level="error", measure_power_secs=60)

    first = tracker("part-1")
    first.start()
    first.flush()  # an epoch end; then the process is killed: no stop()
    first.flush()
    second = tracker("part-2")
    second.start()
    second.flush()
    second.stop()
    with open(tmp_path / "emissions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4  # cumulative rows: 2 flushes, then a flush and a stop
    totals = emissions_totals(tmp_path / "emissions.csv")
    last = [rows[1], rows[3]]
    assert totals["parts"] == 2
    assert totals["energy_kwh"] == pytest.approx(sum(float(r["energy_consumed"]) for r in last))
    assert totals["co2_kg"] == pytest.approx(sum(float(r["emissions"]) for r in last))
    assert totals["duration_s"] >= float(rows[0]["duration"])
    assert emissions_totals(tmp_path / "emissions.csv", projects=["part-2"])["parts"] == 1


def test_run_history_is_every_epoch_of_every_part(tmp_path) -> None:
    history = {"loss": [0.3], "val_loss": [1.0]}
    assert run_history(tmp_path, history) is history  # no epoch log: this part is the run
    (tmp_path / CHECKPOINT_DIR).mkdir()
    (tmp_path / CHECKPOINT_DIR / EPOCH_LOG).write_text(
        "epoch,loss,seconds,val_loss\n0,1.0,2.0,1.5\n1,0.5,2.5,1.2\n1,0.4,2.0,1.1\n2,0.3,3.0,1.0\n")
    assert run_history(tmp_path, history) == {
        "loss": [1.0, 0.4, 0.3], "seconds": [2.0, 2.0, 3.0], "val_loss": [1.5, 1.1, 1.0]}
    before = previous_parts(tmp_path, "pipeline")  # no emissions.csv: epoch seconds only
    assert before["training"] == {"parts": 1, "seconds": 7.0, "energy_kwh": None, "co2_kg": None}
    assert before["preparation"]["seconds"] == 0.0


def test_without_emissions_csv_the_parts_come_from_the_epoch_log(tmp_path) -> None:
    (tmp_path / CHECKPOINT_DIR).mkdir()
    (tmp_path / CHECKPOINT_DIR / EPOCH_LOG).write_text(
        "epoch,loss,part,seconds,val_loss\n0,1.0,1,2.0,1.5\n1,0.5,2,2.5,1.2\n2,0.4,3,2.0,1.1\n3,0.3,3,3.0,1.0\n")
    assert previous_parts(tmp_path, "pipeline")["training"] == {
        "parts": 3, "seconds": 9.5, "energy_kwh": None, "co2_kg": None}
    assert "part" not in run_history(tmp_path, {})  # history.csv keeps the metrics only


def test_previous_parts_add_up_each_phase_from_emissions_csv(tmp_path) -> None:
    columns = "timestamp,project_name,run_id,duration,emissions,energy_consumed"
    (tmp_path / "emissions.csv").write_text("\n".join([
        columns,
        "t,pipeline-prepare,a,4.0,0.001,0.01",
        "t,pipeline-fit,b,10.0,0.002,0.02",  # flushed at an epoch end ...
        "t,pipeline-fit,b,20.0,0.004,0.04",  # ... and again; then killed
        "t,pipeline-prepare,c,5.0,0.001,0.01",
        "t,pipeline-fit,d,7.0,0.001,0.015",
        "t,in-memory-fit,e,99.0,1.0,1.0",  # another approach's row is not this run's
    ]) + "\n")
    before = previous_parts(tmp_path, "pipeline")
    assert before["preparation"] == pytest.approx({"parts": 2, "seconds": 9.0, "energy_kwh": 0.02, "co2_kg": 0.002})
    assert before["training"] == pytest.approx({"parts": 2, "seconds": 27.0, "energy_kwh": 0.055, "co2_kg": 0.005})
