"""Emissions measured with codecarbon, offline, as a context around each phase of a run.

    with tracked(EmissionsConfig(), run_dir, "in-memory-prepare") as phase:
        prepare()
    phase.seconds, phase.energy_kwh, phase.co2_kg

One `OfflineEmissionsTracker` (no network) per phase, all writing codecarbon's
standard `emissions.csv` into the run folder (one row per phase, appended; long
runs flush more, see `training.run.callbacks`), so preparation and training are
measured separately. Passing `None` as the config measures time only (tests, or
a user who opts out).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recorder.config_fields import check_range, setting
from training.co2.estimate import cloud_intensity, country_intensity

__all__ = ["EMISSIONS_FILE", "EmissionsConfig", "PhaseMeasurement", "mean_watts", "tracked"]

logger = logging.getLogger(__name__)

EMISSIONS_FILE = "emissions.csv"

_TRACKING_MODES = ("process", "machine")


@dataclass(frozen=True)
class EmissionsConfig:
    """Where the run is (for the grid's intensity) and how codecarbon measures."""

    # 3-letter ISO code of the country whose grid powers this machine
    country_iso_code: str = setting("USA", "3-letter ISO code of this machine's country (grid mix)")
    # cloud provider, when running in a cloud region (overrides the country's grid)
    cloud_provider: str | None = setting(None, "cloud provider, e.g. gcp")
    # cloud region, e.g. europe-west1; needs cloud_provider
    cloud_region: str | None = setting(None, "cloud region, e.g. europe-west1")
    # "process": this process' CPU share; "machine": the whole machine's load
    tracking_mode: str = setting("process", "codecarbon tracking: process (this run's share) or machine", choices=_TRACKING_MODES)
    # seconds between codecarbon's power samples
    measure_power_secs: float = setting(15.0, "seconds between power samples")

    def __post_init__(self) -> None:
        country_intensity(self.country_iso_code)  # raises ValueError naming the code
        if (self.cloud_provider is None) != (self.cloud_region is None):
            raise ValueError("cloud_provider and cloud_region must be given together")
        if self.cloud_provider is not None:
            cloud_intensity(self.cloud_provider, self.cloud_region or "")
        if self.tracking_mode not in _TRACKING_MODES:
            raise ValueError(f"tracking_mode must be one of {_TRACKING_MODES}, got {self.tracking_mode!r}")
        check_range("measure_power_secs", self.measure_power_secs, low=0, low_open=True)

    def tracker_kwargs(self) -> dict[str, Any]:
        """Location and mode arguments of `OfflineEmissionsTracker`."""
        kwargs: dict[str, Any] = {
            "country_iso_code": self.country_iso_code.upper(),
            "tracking_mode": self.tracking_mode,
            "measure_power_secs": self.measure_power_secs,
        }
        if self.cloud_provider is not None:
            kwargs.update(cloud_provider=self.cloud_provider, cloud_region=self.cloud_region)
        return kwargs


@dataclass
class PhaseMeasurement:
    """Time, and where measured, energy and CO2 of one phase."""

    name: str  # codecarbon project_name of the phase, e.g. "in-memory-fit"
    seconds: float = 0.0  # wall-clock seconds inside the context
    energy_kwh: float | None = None  # codecarbon's energy_consumed (None: not measured)
    co2_kg: float | None = None  # codecarbon's emissions (None: not measured)
    codecarbon: dict[str, Any] | None = None  # codecarbon's whole row for this phase
    # the running codecarbon tracker inside the block (long runs flush it every epoch)
    tracker: Any = field(default=None, repr=False, compare=False)

    @property
    def mean_watts(self) -> float | None:
        """Mean power over the phase (energy / time), None when not measured."""
        return mean_watts(self.energy_kwh, self.seconds)


def mean_watts(energy_kwh: float | None, seconds: float) -> float | None:
    """Mean power in watts of `energy_kwh` used over `seconds`; None when not measured."""
    if energy_kwh is None or seconds <= 0:
        return None
    return energy_kwh * 3.6e6 / seconds


@contextmanager
def tracked(
    config: EmissionsConfig | None, output_dir: str | os.PathLike, name: str
) -> Iterator[PhaseMeasurement]:
    """Measure the enclosed block: time always, energy and CO2 when `config` is given.

    codecarbon appends its row to `output_dir/emissions.csv` when the block ends
    (also when it raises, so a failed run still shows what it cost).
    """
    measurement = PhaseMeasurement(name)
    tracker = None
    if config is not None:
        from codecarbon import (
            OfflineEmissionsTracker,  # import costs ~1 s; only when measuring
        )
        from codecarbon.output_methods.base_output import OutputMethod

        Path(output_dir).mkdir(parents=True, exist_ok=True)
        tracker = OfflineEmissionsTracker(
            project_name=name,
            output_dir=str(output_dir),
            output_file=EMISSIONS_FILE,
            output_methods=[OutputMethod.CSV],
            log_level="error",
            **config.tracker_kwargs(),
        )
        tracker.start()
        measurement.tracker = tracker
    start = time.perf_counter()
    try:
        yield measurement
    finally:
        measurement.seconds = time.perf_counter() - start
        measurement.tracker = None
        if tracker is not None:
            co2_kg = tracker.stop()
            data = tracker.final_emissions_data
            measurement.co2_kg = float(co2_kg) if co2_kg is not None else None
            if data is not None:
                measurement.energy_kwh = float(data.energy_consumed)
                measurement.codecarbon = dataclasses.asdict(data)
            logger.info(
                "%s: %.1f s, %s kWh, %s kg CO2eq",
                name, measurement.seconds, measurement.energy_kwh, measurement.co2_kg,
            )
