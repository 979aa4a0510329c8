"""training.onnx_ops: Keras' Discretization (TensorFlow's Bucketize) exported to ONNX gives the same buckets."""

from __future__ import annotations

import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import training.onnx_ops  # noqa: F401  (registers the handler)

pytestmark = pytest.mark.slow  # an ONNX export


def test_bucketize_exports_exactly(tmp_path: Path) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    boundaries = [0.5 + k for k in range(254)] + [1000.0]  # 0.5 ... 253.5: rounding to grey levels, as peers do
    values = keras.Input((4, 5), dtype="float32")
    model = keras.Model(values, keras.layers.Discretization(bin_boundaries=boundaries)(values))
    rng = np.random.default_rng(0)
    x = rng.uniform(-10, 1100, (64, 4, 5)).astype(np.float32)
    x[0, 0, :] = [0.5, 1.5, 254.5, 1000.0, -0.0]  # on a boundary counts it as reached
    want = np.asarray(model.predict(x, verbose=0))  # Keras exports only a model that has been called
    path = tmp_path / "bucketize.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))
        model.export(str(path), format="onnx", verbose=False)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_array_equal(got, want)
    assert got[0, 0].tolist() == [1, 2, 254, 255, 0]
