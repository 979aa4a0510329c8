"""Checkpoints, backup and resume, early stopping, TensorBoard scalars and emissions of long runs."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from training.config import LongRunConfig
from training.run.callbacks import check_resume, long_run_callbacks
from training.run.folder import (
    BEST_CHECKPOINT,
    BEST_RECORD,
    CHECKPOINT_DIR,
    EPOCH_LOG,
    LAST_CHECKPOINT,
    TENSORBOARD_DIR,
    ResumeError,
    backup_dir,
    read_epoch_log,
    resume_epoch,
)

X = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
Y = X @ np.array([1.0, -2.0, 0.5, 0.0], np.float32)


def _model(learning_rate: float = 0.05) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(learning_rate), "mse")
    return model


def _fit(model: keras.Model, callbacks, epochs: int = 4) -> keras.callbacks.History:
    return model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, validation_data=(X, Y),
                     callbacks=callbacks, verbose=0)


class _KillAt(keras.callbacks.Callback):
    """Stops the process' training at the start of an epoch, as a kill would."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize(
    "kwargs, field",
    [({"backup_every": -1}, "backup_every"), ({"early_stopping": -2}, "early_stopping"),
     ({"backup_every": 5}, "backup_every")],
)
def test_bad_config_names_the_field(kwargs, field) -> None:
    with pytest.raises(ValueError, match=field):
        LongRunConfig(**kwargs)


def test_without_long_run_options_there_are_no_callbacks(tmp_path) -> None:
    assert long_run_callbacks(tmp_path, LongRunConfig()) == []
    assert check_resume(tmp_path, LongRunConfig()) == 0


@pytest.mark.slow
def test_checkpoints_logs_and_no_backup_left_after_a_finished_run(tmp_path) -> None:
    config = LongRunConfig(checkpoint=True, tensorboard=True)
    history = _fit(_model(), long_run_callbacks(tmp_path, config))
    folder = tmp_path / CHECKPOINT_DIR
    restored = keras.models.load_model(folder / LAST_CHECKPOINT, safe_mode=True)
    np.testing.assert_allclose(restored.predict(X, verbose=0)[:, 0],
                               keras.models.load_model(folder / LAST_CHECKPOINT).predict(X, verbose=0)[:, 0])
    best = json.loads((folder / BEST_RECORD).read_text())
    val = history.history["val_loss"]
    assert best == {"epoch": int(np.argmin(val)) + 1, "val_loss": pytest.approx(min(val))}
    assert (folder / BEST_CHECKPOINT).is_file()
    assert [row["epoch"] for row in read_epoch_log(folder / EPOCH_LOG)] == [0, 1, 2, 3]
    assert not backup_dir(tmp_path).exists()  # a finished run has nothing to resume
    scalars: dict[str, list[float]] = {}
    for split in ("train", "validation"):
        for path in (tmp_path / TENSORBOARD_DIR / split).glob("events.out.tfevents.*"):
            for event in tf.compat.v1.train.summary_iterator(str(path)):
                for value in event.summary.value:
                    assert value.metadata.plugin_data.plugin_name == "scalars"
                    scalars.setdefault(f"{split}/{value.tag}", []).append(
                        float(tf.make_ndarray(value.tensor)))
    np.testing.assert_allclose(scalars["train/epoch_loss"], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(scalars["validation/epoch_loss"], val, rtol=1e-6)


@pytest.mark.slow
def test_a_killed_run_resumes_where_it_stopped_and_ends_as_if_never_killed(tmp_path) -> None:
    reference = _model()
    _fit(reference, [])
    config = LongRunConfig(checkpoint=True)
    killed = long_run_callbacks(tmp_path / "run", config)
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), [*killed, _KillAt(2)])
    for callback in killed:  # a killed process's open files close with it
        if isinstance(callback, keras.callbacks.CSVLogger):
            callback.csv_file.close()
    assert resume_epoch(tmp_path / "run") == 2
    with pytest.raises(ResumeError, match="--resume"):
        check_resume(tmp_path / "run", config)
    resumed_config = LongRunConfig(resume=True)
    assert check_resume(tmp_path / "run", resumed_config) == 2
    history = _fit(_model(), long_run_callbacks(tmp_path / "run", resumed_config))
    assert history.epoch == [2, 3]
    log = read_epoch_log(tmp_path / "run" / CHECKPOINT_DIR / EPOCH_LOG)
    assert [row["epoch"] for row in log] == [0, 1, 2, 3]
    assert [row["part"] for row in log] == [1, 1, 2, 2]  # the resumed part is part 2
    resumed = keras.models.load_model(tmp_path / "run" / CHECKPOINT_DIR / LAST_CHECKPOINT)
    for a, b in zip(reference.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # optimizer state came back too
    with pytest.raises(ResumeError, match="nothing to resume"):
        check_resume(tmp_path / "run", resumed_config)


@pytest.mark.slow
def test_early_stopping_stops_when_val_loss_stops_falling(tmp_path) -> None:
    config = LongRunConfig(early_stopping=1)
    history = _fit(_model(learning_rate=0.0), long_run_callbacks(tmp_path, config), epochs=10)
    assert len(history.epoch) == 2  # epoch 2 did not improve on epoch 1; patience 1
