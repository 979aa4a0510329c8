"""The Keras runtime: steering for one frame at a time through TensorFlow.

Imported only for `.keras` files (see `agent.runtimes`): serving an exported
model never loads TensorFlow.

`model.predict` builds a data pipeline on every call: about 36 ms per frame on
a 2-core CPU. A `tf.function` of the model with a fixed input signature is
traced once and then costs about 1 ms. It is traced and run a few times
(warm-up) when the object is built, before the server accepts a connection, so
the first frame of a drive is not the slow one.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from agent.runtimes import WARMUP_CALLS, warm_up
from training.model_file import load_keras

__all__ = ["CompiledSteering", "PredictSteering", "open_keras"]


class CompiledSteering:
    """`steering = CompiledSteering(model)(yuv_frame)` through a traced `tf.function`."""

    runtime = "keras"

    def __init__(self, model: keras.Model, warmup_calls: int = WARMUP_CALLS) -> None:
        self.model = model
        self.input_shape = tuple(model.input_shape[1:])
        self.input_dtype = model.inputs[0].dtype
        self.runtime_version = f"keras {keras.__version__}, tensorflow {tf.__version__}"
        signature = tf.TensorSpec((1, *self.input_shape), self.input_dtype, name="frame")
        self._call = tf.function(lambda x: model(x, training=False), input_signature=[signature])
        warm_up(self, warmup_calls)

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame of the model's input shape."""
        return float(self._call(frame[np.newaxis]).numpy().reshape(-1)[0])


class PredictSteering:
    """The same call through `model.predict`: the slow baseline for the benchmark."""

    runtime = "keras model.predict"

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.input_shape = tuple(model.input_shape[1:])
        self.input_dtype = model.inputs[0].dtype
        self.runtime_version = keras.__version__
        warm_up(self, 1)

    def __call__(self, frame: np.ndarray) -> float:
        """Steering for one preprocessed uint8 frame via `model.predict`."""
        return float(self.model.predict(frame[np.newaxis], verbose=0).reshape(-1)[0])


def open_keras(path: str | os.PathLike, warmup_calls: int = WARMUP_CALLS) -> CompiledSteering:
    """Load a `.keras` file in safe mode as a warmed-up compiled call.

    Raises:
        ModelContractError: missing, truncated or otherwise unloadable file.
    """
    return CompiledSteering(load_keras(path), warmup_calls)
