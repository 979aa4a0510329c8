"""PilotNet's compilation: the optimizer's weight averaging ends up in the trained model."""

from __future__ import annotations

import numpy as np

from training.model import GRADIENT_CLIPNORM, build_pilotnet, compile_pilotnet


def _fit(ema: bool):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (32, 66, 200, 3), dtype=np.uint8)
    y = rng.uniform(-1, 1, (32, 1)).astype(np.float32)
    model = compile_pilotnet(build_pilotnet(seed=0), learning_rate=1e-3, ema=ema)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


def test_ema_saves_the_moving_average_not_the_last_step() -> None:
    plain, averaged = _fit(ema=False), _fit(ema=True)
    assert averaged.optimizer.use_ema and not plain.optimizer.use_ema
    moving = averaged.optimizer._model_variables_moving_average
    for weight, average in zip(averaged.trainable_weights, moving):
        np.testing.assert_allclose(weight.numpy(), average.numpy())  # fit wrote the average into the model
    last = [w.numpy() for w in plain.trainable_weights]  # the same steps, without averaging
    assert any(not np.allclose(a.numpy(), b) for a, b in zip(averaged.trainable_weights, last))


def test_gradients_are_clipped_to_a_global_norm() -> None:
    model = compile_pilotnet(build_pilotnet(seed=0))
    assert model.optimizer.global_clipnorm == GRADIENT_CLIPNORM
    gradients = [np.full(w.shape, 100.0, np.float32) for w in model.trainable_weights]
    clipped = model.optimizer._clip_gradients(gradients)
    norm = np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in clipped))
    assert abs(norm - GRADIENT_CLIPNORM) < 1e-3
