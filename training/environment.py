"""What a run report records about the machine and the process: hardware, versions, memory.

A run's numbers mean little without the machine that produced them: the CPU
and its core count, RAM, any GPU, and the library versions (a TensorFlow update
can change speed by itself). Peak RSS shows what the approach's data cost in RAM.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
from importlib import metadata
from typing import Any

import psutil

__all__ = ["hardware", "library_versions", "peak_rss_bytes", "cpu_model", "usable_cores"]

_LIBRARIES = ("tensorflow", "keras", "numpy", "codecarbon", "opencv-python-headless", "matplotlib")


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or the platform's guess."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: fall back below
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """The cores this process may use (its CPU affinity); the default thread count for decoding."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def hardware() -> dict[str, Any]:
    """CPU model and cores, RAM and visible GPUs of this machine."""
    import tensorflow as tf

    gpus = [
        tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    return {
        "cpu_model": cpu_model(),
        "cpu_cores_logical": os.cpu_count(),
        "cpu_cores_usable": usable_cores(),
        "ram_bytes": psutil.virtual_memory().total,
        "gpus": gpus,
        "platform": platform.platform(),
    }


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries that decide speed and results."""
    versions = {"python": sys.version.split()[0]}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB
