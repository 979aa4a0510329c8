"""CO2 estimated the paper's way: power x time x PUE x carbon intensity of the region.

This is the method of Lacoste et al. 2019 ("Quantifying the Carbon Emissions of
Machine Learning", the ML CO2 Impact calculator) that Sevilla Martínez et al.
2023 used: a device's nominal power, the measured training time, the data
centre's power usage effectiveness and the grid's carbon intensity.

Carbon intensities are never typed in here: they come from the data codecarbon
installs, `codecarbon/data/cloud/impact.csv` (g CO2eq/kWh per cloud provider
region) and `codecarbon/data/private_infra/global_energy_mix.json` (each
country's mix, field `carbon_intensity` in g CO2eq/kWh). What those tables lack
is shipped here with sources: accelerators' power and a default PUE.

So a run measured on this machine can also be estimated for another device and
region, e.g. a cloud GPU like the paper's: same seconds, that device's watts,
that region's grid. The time is this run's; a faster device would take less.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from recorder.config_fields import check_range, setting

__all__ = [
    "POWER_WATTS",
    "DEFAULT_PUE",
    "MEASURED_DEVICE",
    "EstimateConfig",
    "Intensity",
    "cloud_intensity",
    "country_intensity",
    "cloud_regions",
    "estimate",
    "codecarbon_data_path",
]

# Nominal board power (W) of accelerators a run may be estimated for, with sources
# (manufacturers' datasheets; the ML CO2 Impact calculator uses the same TDPs).
POWER_WATTS: dict[str, tuple[float, str]] = {
    "nvidia-k80": (300.0, "NVIDIA Tesla K80 datasheet: 300 W max board power (2x GK210)"),
    "nvidia-t4": (70.0, "NVIDIA T4 datasheet: 70 W max power"),
    "nvidia-p100": (250.0, "NVIDIA Tesla P100 PCIe datasheet: 250 W max power"),
    "nvidia-v100": (300.0, "NVIDIA V100 SXM2 datasheet: 300 W max power"),
    "nvidia-a100": (400.0, "NVIDIA A100 SXM4 datasheet: 400 W max TDP"),
    "nvidia-h100": (700.0, "NVIDIA H100 SXM5 datasheet: up to 700 W max TDP"),
}

# The device name meaning "the power codecarbon measured for this run" (CPU + GPU + RAM).
MEASURED_DEVICE = "measured"

# Google's fleet-wide trailing twelve-month PUE, about 1.10 in 2022-2023
# (https://www.google.com/about/datacenters/efficiency/); codecarbon's tables carry no PUE.
DEFAULT_PUE = 1.1
PUE_SOURCE = "Google data centres, fleet-wide TTM PUE ~1.10 (google.com/about/datacenters/efficiency)"


@dataclass(frozen=True)
class EstimateConfig:
    """Which device and grid a run's time is estimated for."""

    # a POWER_WATTS name, or "measured" for the power codecarbon measured in this run
    device: str = setting(MEASURED_DEVICE, f"device power: one of {sorted(POWER_WATTS)} or '{MEASURED_DEVICE}'")
    # cloud provider of the region (as in codecarbon's impact.csv, e.g. gcp); None = a country
    cloud_provider: str | None = setting(None, "cloud provider, e.g. gcp")
    # cloud region, e.g. us-central1; needs cloud_provider
    cloud_region: str | None = setting(None, "cloud region, e.g. us-central1")
    # 3-letter ISO country whose grid mix to use; None = where the run was measured
    country_iso_code: str | None = setting(None, "3-letter country code of the grid (default: where measured)")
    # data-centre power usage effectiveness (>= 1)
    pue: float = setting(DEFAULT_PUE, "power usage effectiveness (>= 1)")

    def __post_init__(self) -> None:
        if self.device != MEASURED_DEVICE and self.device not in POWER_WATTS:
            raise ValueError(
                f"device must be '{MEASURED_DEVICE}' or one of {sorted(POWER_WATTS)}, got {self.device!r}"
            )
        if (self.cloud_provider is None) != (self.cloud_region is None):
            raise ValueError("cloud_provider and cloud_region must be given together")
        if self.cloud_provider is not None and self.country_iso_code is not None:
            raise ValueError("give either cloud_provider/cloud_region or country_iso_code, not both")
        if self.cloud_provider is not None:
            cloud_intensity(self.cloud_provider, self.cloud_region or "")  # raises if unknown
        if self.country_iso_code is not None:
            country_intensity(self.country_iso_code)
        check_range("pue", self.pue, low=1)


@dataclass(frozen=True)
class Intensity:
    """A grid's carbon intensity and where the number came from."""

    g_per_kwh: float  # g CO2eq per kWh
    where: str  # region or country, as named in the table
    source: str  # the codecarbon data file (and the table's own source)


def codecarbon_data_path(*parts: str) -> Path:
    """Path of a data file installed with codecarbon (e.g. 'cloud', 'impact.csv')."""
    return Path(str(resources.files("codecarbon").joinpath("data", *parts)))


@lru_cache(maxsize=1)
def _cloud_table() -> dict[tuple[str, str], dict[str, str]]:
    path = codecarbon_data_path("cloud", "impact.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {(row["provider"], row["region"]): row for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _country_table() -> dict[str, dict[str, Any]]:
    path = codecarbon_data_path("private_infra", "global_energy_mix.json")
    return json.loads(path.read_text(encoding="utf-8"))


def cloud_regions() -> list[tuple[str, str]]:
    """(provider, region) pairs codecarbon has intensities for."""
    return sorted(_cloud_table())


def cloud_intensity(provider: str, region: str) -> Intensity:
    """Carbon intensity of a cloud region from codecarbon's impact.csv; ValueError if absent."""
    row = _cloud_table().get((provider, region))
    if row is None:
        known = ", ".join(f"{p}/{r}" for p, r in cloud_regions()[:8])
        raise ValueError(
            f"no carbon intensity for cloud region {provider}/{region} in codecarbon's "
            f"impact.csv (known include {known}, ...)"
        )
    return Intensity(
        g_per_kwh=float(row["impact"]),
        where=f"{provider}/{region} ({row['city'] or row['country_name']})",
        source=f"codecarbon data/cloud/impact.csv (from {row['source']})",
    )


def country_intensity(iso_code: str) -> Intensity:
    """Carbon intensity of a country's grid from codecarbon's global_energy_mix.json."""
    entry = _country_table().get(iso_code.upper())
    if entry is None or entry.get("carbon_intensity") is None:
        raise ValueError(
            f"no carbon intensity for country {iso_code!r} in codecarbon's global_energy_mix.json "
            "(use a 3-letter ISO code such as USA, ESP, DEU)"
        )
    return Intensity(
        g_per_kwh=float(entry["carbon_intensity"]),
        where=f"{entry['country_name']} ({entry.get('year', '?')} mix)",
        source="codecarbon data/private_infra/global_energy_mix.json",
    )


def estimate(
    seconds: float,
    config: EstimateConfig = EstimateConfig(),
    measured_watts: float | None = None,
    measured_country: str | None = None,
    measured_cloud: tuple[str, str] | None = None,
) -> dict[str, Any] | None:
    """Estimate kWh and kg CO2eq of `seconds` of work: power x time x PUE x intensity.

    Args:
        seconds: how long the work ran (measured).
        measured_watts: mean power codecarbon measured (for device "measured").
        measured_country: ISO code where the run was measured (the default grid).
        measured_cloud: (provider, region) where the run was measured, if in a cloud
            (the default grid, before measured_country).

    Returns:
        The estimate with every assumption and its source, or None when the
        device is "measured" and nothing was measured, or no grid is known.
    """
    if config.device == MEASURED_DEVICE:
        if measured_watts is None:
            return None
        watts, power_source = measured_watts, "mean power codecarbon measured in this run (CPU+GPU+RAM)"
    else:
        watts, power_source = POWER_WATTS[config.device]
    if config.cloud_provider is not None:
        intensity = cloud_intensity(config.cloud_provider, config.cloud_region or "")
    elif config.country_iso_code is not None:
        intensity = country_intensity(config.country_iso_code)
    elif measured_cloud is not None:
        intensity = cloud_intensity(*measured_cloud)
    elif measured_country is not None:
        intensity = country_intensity(measured_country)
    else:
        return None
    energy_kwh = watts * seconds / 3600.0 / 1000.0 * config.pue
    return {
        "method": "power x time x PUE x carbon intensity (Lacoste et al. 2019, ML CO2 Impact)",
        "config": asdict(config),
        "device": config.device,
        "power_watts": watts,
        "power_source": power_source,
        "seconds": seconds,
        "pue": config.pue,
        "pue_source": PUE_SOURCE if config.pue == DEFAULT_PUE else "given by the user",
        "intensity_g_per_kwh": intensity.g_per_kwh,
        "intensity_where": intensity.where,
        "intensity_source": intensity.source,
        "energy_kwh": energy_kwh,
        "co2_kg": energy_kwh * intensity.g_per_kwh / 1000.0,
    }
