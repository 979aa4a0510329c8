"""PilotNet (Bojarski et al. 2016, "End to End Learning for Self-Driving Cars").

The output layer is float32 whatever Keras' dtype policy (`training.precision`).
Input is the uint8 YUV frame from `training.preprocess`; a `Rescaling` layer
inside the model maps it to [-1, 1], so frames stay uint8 in memory and the
model file loads in Keras' safe mode (a `Lambda` layer would not).
"""

from __future__ import annotations

import keras
from keras import layers

from training.preprocess import DEFAULT_PREPROCESS

__all__ = ["GRADIENT_CLIPNORM", "build_pilotnet", "compile_pilotnet"]

# (filters, kernel, stride) of PilotNet's five convolutions.
CONVOLUTIONS = ((24, 5, 2), (36, 5, 2), (48, 5, 2), (64, 3, 1), (64, 3, 1))
DENSE_UNITS = (100, 50, 10)
# Adam's gradients are clipped to this global norm (compile_pilotnet)
GRADIENT_CLIPNORM = 1.0


def build_pilotnet(
    input_shape: tuple[int, int, int] = DEFAULT_PREPROCESS.output_shape,
    seed: int = 0,
    dropout: float = 0.0,
) -> keras.Model:
    """Return an uncompiled PilotNet taking uint8 frames and giving one steering value.

    Args:
        input_shape: (height, width, channels) of a preprocessed frame.
        seed: seeds every initializer, so two runs with the same seed start equal.
        dropout: dropout rate before the dense layers (0 disables it).
    """
    initializer_seed = iter(range(seed * 100, seed * 100 + 100))

    def init() -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=next(initializer_seed))

    inputs = keras.Input(shape=input_shape, dtype="uint8", name="yuv_frame")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalise")(inputs)
    for i, (filters, kernel, stride) in enumerate(CONVOLUTIONS, start=1):
        x = layers.Conv2D(
            filters, kernel, strides=stride, activation="elu",
            kernel_initializer=init(), name=f"conv{i}",
        )(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout > 0:
        x = layers.Dropout(dropout, seed=seed, name="dropout")(x)
    for i, units in enumerate(DENSE_UNITS, start=1):
        x = layers.Dense(units, activation="elu", kernel_initializer=init(), name=f"fc{i}")(x)
    # float32 under every dtype policy: a mixed-precision run computes its output and loss in float32
    outputs = layers.Dense(1, kernel_initializer=init(), dtype="float32", name="steering")(x)
    return keras.Model(inputs, outputs, name="pilotnet")


def compile_pilotnet(model: keras.Model, learning_rate: float = 1e-3, ema: bool = False) -> keras.Model:
    """Compile with Adam and mean squared error, as in the paper; return the model.

    With `ema`, Adam keeps an exponential moving average of the weights (Keras'
    `use_ema`, momentum 0.99: about the last hundred steps) and `fit` writes it
    into the model when it ends, so the saved model is the average, not the
    last step's weights, which jitter with the last batches' random augmentations.

    Gradients are clipped to a global norm of `GRADIENT_CLIPNORM`: on some seeds the
    loss jumped late in a run (doubling in the last epoch, the saved model then
    steering a constant); clipped, the jump stays small and the model drives
    (docs/replay.md, "Second round").
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, use_ema=ema, global_clipnorm=GRADIENT_CLIPNORM),
                  loss="mse")
    return model
