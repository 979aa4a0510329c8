"""The paper's estimate: intensities read from codecarbon's own data files."""

from __future__ import annotations

import csv
import json

import pytest

from training.co2.estimate import (
    POWER_WATTS,
    EstimateConfig,
    cloud_intensity,
    codecarbon_data_path,
    country_intensity,
    estimate,
)


def test_cloud_intensity_is_the_value_in_codecarbons_impact_csv() -> None:
    with open(codecarbon_data_path("cloud", "impact.csv"), newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["provider"] == "gcp" and r["region"] == "europe-west1")
    intensity = cloud_intensity("gcp", "europe-west1")
    assert intensity.g_per_kwh == float(row["impact"])
    assert "impact.csv" in intensity.source


def test_country_intensity_is_the_value_in_codecarbons_energy_mix() -> None:
    mix = json.loads(codecarbon_data_path("private_infra", "global_energy_mix.json").read_text())
    assert country_intensity("esp").g_per_kwh == mix["ESP"]["carbon_intensity"]


def test_unknown_places_are_errors_that_name_them() -> None:
    with pytest.raises(ValueError, match="gcp/mars-north1"):
        cloud_intensity("gcp", "mars-north1")
    with pytest.raises(ValueError, match="XYZ"):
        country_intensity("XYZ")


def test_estimate_is_power_times_time_times_pue_times_intensity() -> None:
    config = EstimateConfig(device="nvidia-t4", cloud_provider="gcp", cloud_region="us-central1", pue=1.5)
    result = estimate(7200.0, config)
    kwh = POWER_WATTS["nvidia-t4"][0] * 2.0 / 1000 * 1.5
    assert result["energy_kwh"] == pytest.approx(kwh)
    assert result["co2_kg"] == pytest.approx(kwh * cloud_intensity("gcp", "us-central1").g_per_kwh / 1000)
    assert result["power_source"] and result["intensity_source"] and result["pue"] == 1.5


def test_measured_device_uses_the_measured_power_and_place() -> None:
    result = estimate(3600.0, EstimateConfig(pue=1.0), measured_watts=50.0, measured_country="ESP")
    assert result["energy_kwh"] == pytest.approx(0.05)
    assert result["co2_kg"] == pytest.approx(0.05 * country_intensity("ESP").g_per_kwh / 1000)
    assert estimate(3600.0, EstimateConfig(), measured_watts=None, measured_country="ESP") is None
    cloud = estimate(3600.0, EstimateConfig(pue=1.0), 50.0, "ESP", ("gcp", "us-central1"))
    assert cloud["intensity_g_per_kwh"] == cloud_intensity("gcp", "us-central1").g_per_kwh


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"device": "abacus"}, "device"),
        ({"cloud_provider": "gcp"}, "cloud_region"),
        ({"pue": 0.9}, "pue"),
        ({"cloud_provider": "gcp", "cloud_region": "nowhere"}, "gcp/nowhere"),
        ({"country_iso_code": "ESP", "cloud_provider": "gcp", "cloud_region": "us-central1"}, "not both"),
    ],
)
def test_bad_estimate_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        EstimateConfig(**kwargs)
