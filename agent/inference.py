"""Steering inference for one frame at a time.

`model.predict` builds a data pipeline on every call: about 36 ms per frame on
a 2-core CPU. A `tf.function` of the model with a fixed input signature is
traced once and then costs about 1 ms. It is traced and run a few times
(warm-up) when the object is built, before the server accepts a connection, so
the first frame of a drive is not the slow one.
"""

from __future__ import annotations

import json
import logging
import os
import time

import keras
import numpy as np
import tensorflow as tf

from training.model_file import ModelContractError, contract_path, load_model
from training.preprocess import PreprocessConfig, config_from_spec

__all__ = ["CompiledSteering", "PredictSteering", "WARMUP_CALLS", "load_steering_model"]

logger = logging.getLogger(__name__)

# Calls made before serving: the first traces the graph, the next ones let
# TensorFlow settle its thread pools and allocations.
WARMUP_CALLS = 5


class CompiledSteering:
    """`steering = CompiledSteering(model)(yuv_frame)` through a traced `tf.function`."""

    def __init__(self, model: keras.Model, warmup_calls: int = WARMUP_CALLS) -> None:
        self.model = model
        self.input_shape = tuple(model.input_shape[1:])
        signature = tf.TensorSpec((1, *self.input_shape), tf.uint8, name="frame")
        self._call = tf.function(lambda x: model(x, training=False), input_signature=[signature])
        start = time.perf_counter()
        blank = np.zeros(self.input_shape, np.uint8)
        for _ in range(max(1, warmup_calls)):
            self(blank)
        logger.info("compiled steering call ready (warm-up %.0f ms)", 1e3 * (time.perf_counter() - start))

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame of the model's input shape."""
        return float(self._call(frame[np.newaxis]).numpy().reshape(-1)[0])


class PredictSteering:
    """The same call through `model.predict`: the slow baseline for the benchmark."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.input_shape = tuple(model.input_shape[1:])
        self(np.zeros(self.input_shape, np.uint8))

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame via `model.predict`."""
        return float(self.model.predict(frame[np.newaxis], verbose=0).reshape(-1)[0])


def load_steering_model(path: str | os.PathLike) -> tuple[keras.Model, PreprocessConfig]:
    """Load a model in safe mode with the preprocessing its contract records.

    The server then preprocesses frames exactly as training did, whatever crop
    the model was trained with; `load_model` checks the model's input shape
    against that preprocessing.

    Raises:
        ModelContractError: missing or unreadable model or contract, unknown preprocessing.
    """
    if not os.path.isfile(path):
        raise ModelContractError(f"{path}: no such model file")
    cpath = contract_path(path)
    try:
        recorded = config_from_spec(json.loads(cpath.read_text(encoding="utf-8"))["preprocess"])
    except FileNotFoundError:
        raise ModelContractError(
            f"{cpath}: missing; it records the model's preprocessing "
            "(save models with training.model_file.save_model)"
        ) from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ModelContractError(f"{cpath}: {exc}") from exc
    return load_model(path, expected=recorded), recorded
