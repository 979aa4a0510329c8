"""TensorFlow is imported only for a .keras model, and then without its start-up lines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = ("import sys; from bcloning.tensorflow_logs import import_tensorflow_quietly_for; "
          "import_tensorflow_quietly_for(sys.argv[1:]); print('tensorflow' in sys.modules)")


def _run(*models: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-c", _PROBE, *models], capture_output=True, text=True, env=env,
                          check=True, timeout=120)


def test_exported_models_import_no_tensorflow() -> None:
    assert _run("a/model.onnx", "b/model.tflite").stdout.strip() == "False"


@pytest.mark.skipif(os.path.exists("/proc/driver/nvidia"), reason="a GPU machine logs its devices")
def test_a_keras_model_imports_tensorflow_without_start_up_lines() -> None:
    done = _run("a/model.onnx", "runs/mem/model.keras")
    assert done.stdout.strip() == "True"
    assert not [line for line in done.stderr.splitlines() if "oneDNN" in line or "cuda" in line or "cuInit" in line]
