"""Emissions as a context: codecarbon offline, or time only without a config."""

from __future__ import annotations

import csv
import time

import pytest

from training.co2.emissions import EMISSIONS_FILE, EmissionsConfig, tracked


def test_without_a_config_only_time_is_measured(tmp_path) -> None:
    with tracked(None, tmp_path, "phase") as phase:
        time.sleep(0.05)
    assert phase.seconds >= 0.05
    assert phase.energy_kwh is None and phase.co2_kg is None and phase.mean_watts is None
    assert not (tmp_path / EMISSIONS_FILE).exists()


@pytest.mark.slow
def test_each_phase_appends_codecarbons_row(tmp_path) -> None:
    config = EmissionsConfig(country_iso_code="ESP")
    for name in ("a-prepare", "a-fit"):
        with tracked(config, tmp_path, name) as phase:
            sum(range(200_000))
        assert phase.energy_kwh > 0 and phase.co2_kg > 0 and phase.mean_watts > 0
    with open(tmp_path / EMISSIONS_FILE, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["project_name"] for r in rows] == ["a-prepare", "a-fit"]
    assert {"duration", "emissions", "energy_consumed", "cpu_power", "country_iso_code"} <= set(rows[0])
    assert all(float(r["energy_consumed"]) > 0 and r["country_iso_code"] == "ESP" for r in rows)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"country_iso_code": "XYZ"}, "XYZ"),
        ({"cloud_provider": "gcp"}, "cloud_region"),
        ({"tracking_mode": "everything"}, "tracking_mode"),
        ({"measure_power_secs": 0}, "measure_power_secs"),
    ],
)
def test_bad_emissions_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        EmissionsConfig(**kwargs)
