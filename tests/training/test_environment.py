"""Machine and process facts recorded in every report."""

from __future__ import annotations

import numpy as np
import psutil

from training.environment import (
    cpu_model,
    hardware,
    library_versions,
    peak_rss_bytes,
)


def test_hardware_and_versions_name_what_decides_speed() -> None:
    info = hardware()
    assert info["cpu_model"] == cpu_model() and info["cpu_cores_usable"] >= 1 and info["ram_bytes"] > 0
    assert isinstance(info["gpus"], list)
    versions = library_versions()
    assert {"python", "tensorflow", "keras", "numpy", "codecarbon"} <= set(versions)
    assert versions["numpy"] == np.__version__


def test_peak_rss_is_at_least_the_memory_in_use_now() -> None:
    block = np.ones(20_000_000 // 8)  # touched, so resident
    # ru_maxrss is updated lazily by the kernel, so allow a little slack
    assert peak_rss_bytes() >= 0.95 * psutil.Process().memory_info().rss >= 0.95 * block.nbytes
