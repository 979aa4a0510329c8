"""Where prepared frames live: the RAM budget, the disk store, and that both train alike."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from recorder import load_recordings
from training.augmentation.batches import scale_to_preprocessed
from training.data.frame_store import (
    DISK,
    FRAMES_DIR,
    RAM,
    StoreConfig,
    allocate,
    choose_store_kind,
    memory_budget_bytes,
)
from training.data.prepared import prepare_camera_frames, train_dataset
from training.model import build_pilotnet, compile_pilotnet


@pytest.mark.parametrize(
    "kwargs, field",
    [({"max_memory_gb": -1.0}, "max_memory_gb"), ({"max_memory_gb": float("nan")}, "max_memory_gb"),
     ({"force": "ssd"}, "force")],
)
def test_bad_store_config_names_the_field(kwargs, field) -> None:
    with pytest.raises(ValueError, match=field):
        StoreConfig(**kwargs)


def test_the_budget_decides_the_store() -> None:
    assert memory_budget_bytes(2.0) == 2_000_000_000
    assert 0 < memory_budget_bytes(None)  # a share of this machine's RAM
    assert choose_store_kind(1_000, StoreConfig(max_memory_gb=1e-6)) == RAM  # 1,000 B fit in 1,000 B
    assert choose_store_kind(1_001, StoreConfig(max_memory_gb=1e-6)) == DISK
    assert choose_store_kind(10**15, StoreConfig(force=RAM)) == RAM
    assert choose_store_kind(0, StoreConfig(force=DISK)) == DISK


def test_disk_store_is_a_mapped_file_in_the_run_folder_that_leaves_nothing_behind(tmp_path) -> None:
    store = allocate((2, 3, 4), DISK, tmp_path, "train")
    store.array[1] = 7
    store.flush()
    assert isinstance(store.array, np.memmap)
    assert store.describe() == {"store": DISK, "store_bytes": 24, "store_dir": str(tmp_path / FRAMES_DIR)}
    store.file.seek(0)
    assert store.file.read() == bytes(12) + bytes([7]) * 12  # the frames are in the file
    store.file.close()  # as the process's end does
    del store
    assert list((tmp_path / FRAMES_DIR).iterdir()) == []  # deleted by the OS, kill or not
    assert allocate((2, 3), RAM).describe() == {"store": RAM, "store_bytes": 6, "store_dir": None}
    with pytest.raises(ValueError, match="directory"):
        allocate((2,), DISK)
    with pytest.raises(ValueError, match="kind"):
        allocate((2,), "tape")


def _train_two_steps(frames) -> tuple[list[float], list[np.ndarray]]:
    keras.utils.set_random_seed(0)
    model = compile_pilotnet(build_pilotnet(seed=0))
    dataset = train_dataset(frames, batch_size=8, samples_per_epoch=16, seed=3,
                            augment=scale_to_preprocessed())
    history = model.fit(dataset, epochs=1, steps_per_epoch=2, shuffle=False, verbose=0)
    return history.history["loss"], model.get_weights()


@pytest.mark.slow
def test_a_tiny_budget_forces_the_disk_store_with_the_same_outcome(recording_factory, tmp_path) -> None:
    samples = load_recordings([recording_factory("rec", rows=8)]).samples
    in_ram = prepare_camera_frames(samples, store_config=StoreConfig(max_memory_gb=1.0),
                                   directory=tmp_path / "ram_run", threads=1)
    on_disk = prepare_camera_frames(samples, store_config=StoreConfig(max_memory_gb=0.0),
                                    directory=tmp_path / "disk_run", threads=1)
    assert in_ram.store.kind == RAM and on_disk.store.kind == DISK
    assert isinstance(on_disk.store.array, np.memmap)
    assert on_disk.store.nbytes == in_ram.store.nbytes
    assert not (tmp_path / "ram_run").exists()
    np.testing.assert_array_equal(on_disk.store.array, in_ram.store.array)
    loss_ram, weights_ram = _train_two_steps(in_ram)
    loss_disk, weights_disk = _train_two_steps(on_disk)
    assert loss_disk == loss_ram
    for a, b in zip(weights_ram, weights_disk):
        np.testing.assert_array_equal(a, b)
