"""Where prepared uint8 frames live: in RAM, or in a memory-mapped file on disk.

The in-memory and pipeline approaches keep every prepared frame at hand. When
that would exceed a memory budget, the frames go to a file in the run folder
mapped with `np.memmap` instead: the same NumPy array API, so the code that
fills and reads the frames does not change, and the operating system's page
cache keeps the hot part in RAM. A training run reads each frame a few times per
epoch at random, so a disk store on an SSD costs some speed, never correctness:
the same seed gives the same outcome with either store.

    run_dir/
      frames/           # disk stores: temporary files, gone when the run ends

The file is a `tempfile.TemporaryFile`, so the operating system deletes it when
the process ends, even when the run is killed: gigabytes of frames never
outlive their run, and a resumed run prepares them again.
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from recorder.config_fields import setting

__all__ = [
    "DEFAULT_RAM_SHARE",
    "RAM",
    "DISK",
    "FRAMES_DIR",
    "StoreConfig",
    "FrameStore",
    "memory_budget_bytes",
    "choose_store_kind",
    "allocate",
]

logger = logging.getLogger(__name__)

# Share of the machine's total RAM that prepared frames may use by default: the
# rest is for TensorFlow, the model, the input pipeline's buffers and the OS.
DEFAULT_RAM_SHARE = 0.5
# Sub-folder of the run folder that holds disk stores.
FRAMES_DIR = "frames"
RAM, DISK = "ram", "disk"
BYTES_PER_GB = 1e9


@dataclass(frozen=True)
class StoreConfig:
    """Where prepared frames go."""

    # RAM budget for prepared frames, GB (1e9 bytes); None: DEFAULT_RAM_SHARE of the machine's RAM
    max_memory_gb: float | None = setting(None, "GB of RAM the prepared frames may use; above it they go to a memory-mapped file " "in the run folder (default: half the machine's RAM)")
    # "ram" or "disk" skips the budget check (benchmarks); None decides from the budget
    force: str | None = setting(None, "put the prepared frames in this store whatever the budget", choices=("ram", "disk"))

    def __post_init__(self) -> None:
        if self.max_memory_gb is not None and not (
            math.isfinite(self.max_memory_gb) and self.max_memory_gb >= 0
        ):
            raise ValueError(f"max_memory_gb must be a finite number >= 0, got {self.max_memory_gb}")
        if self.force not in (None, RAM, DISK):
            raise ValueError(f"force must be None, {RAM!r} or {DISK!r}, got {self.force!r}")


@dataclass
class FrameStore:
    """One uint8 array of prepared frames and where it lives."""

    array: np.ndarray  # np.ndarray (ram) or np.memmap (disk); same indexing either way
    kind: str  # "ram" or "disk"
    directory: Path | None = None  # folder of a disk store's file; None in RAM
    file: Any = None  # the open temporary file behind a disk store (kept open while in use)

    @property
    def nbytes(self) -> int:
        """Size of the frames in bytes."""
        return int(self.array.nbytes)

    def flush(self) -> None:
        """Write a disk store's pages to its file (no-op in RAM)."""
        if isinstance(self.array, np.memmap):
            self.array.flush()

    def describe(self) -> dict[str, Any]:
        """The report's record of this store."""
        where = str(self.directory) if self.directory is not None else None
        return {"store": self.kind, "store_bytes": self.nbytes, "store_dir": where}


def memory_budget_bytes(max_memory_gb: float | None) -> int:
    """The RAM budget in bytes: `max_memory_gb`, or `DEFAULT_RAM_SHARE` of total RAM."""
    if max_memory_gb is None:
        return int(DEFAULT_RAM_SHARE * psutil.virtual_memory().total)
    return int(max_memory_gb * BYTES_PER_GB)


def choose_store_kind(nbytes: int, config: StoreConfig = StoreConfig()) -> str:
    """Return "ram" when `nbytes` of frames fit the budget, else "disk"."""
    if config.force is not None:
        return config.force
    budget = memory_budget_bytes(config.max_memory_gb)
    kind = RAM if nbytes <= budget else DISK
    logger.info(
        "prepared frames: %.3f GB, RAM budget %.3f GB -> %s store",
        nbytes / BYTES_PER_GB, budget / BYTES_PER_GB, kind,
    )
    return kind


def allocate(
    shape: tuple[int, ...], kind: str, directory: str | Path | None = None, name: str = "frames"
) -> FrameStore:
    """Allocate a zeroed uint8 array of `shape` in RAM or in a temporary file in `directory/frames/`.

    Raises:
        ValueError: an unknown kind, or a disk store without a directory.
    """
    if kind == RAM:
        return FrameStore(np.zeros(shape, np.uint8), RAM, None)
    if kind != DISK:
        raise ValueError(f"kind must be {RAM!r} or {DISK!r}, got {kind!r}")
    if directory is None:
        raise ValueError("a disk store needs a directory (the run folder)")
    folder = Path(directory) / FRAMES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    file = tempfile.TemporaryFile(dir=folder, prefix=f"{name}-", suffix=".u8")
    array = np.memmap(file, dtype=np.uint8, mode="w+", shape=shape)
    logger.info("disk store in %s: %s, %.3f GB", folder, shape, array.nbytes / BYTES_PER_GB)
    return FrameStore(array, DISK, folder, file)
