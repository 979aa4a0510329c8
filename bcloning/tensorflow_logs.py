"""Import TensorFlow without its C++ start-up chatter: warnings and errors that matter stay.

TensorFlow 2.21 writes its start-up lines (oneDNN, "Could not find cuda drivers")
through absl before absl's logging is set up, so `TF_CPP_MIN_LOG_LEVEL` does not
reach them, and on a machine without an NVIDIA driver every run adds
`E0000 ... failed call to cuInit`, which reads like a failure. Commands that train
or load Keras models call `import_tensorflow_quietly()` once their flags are good;
commands that serve a model of any format call `import_tensorflow_quietly_for(models)`.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["import_tensorflow_quietly", "import_tensorflow_quietly_for", "tensorflow_log_level"]

# Informational lines ("I0000 ...") and absl's banner before its own set-up.
_CHATTER = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog\(\))")


def tensorflow_log_level() -> str:
    """TF_CPP_MIN_LOG_LEVEL to use: the user's own if set, else 2 (warnings hidden), 3 without an NVIDIA driver.

    Without a driver the only errors TensorFlow logs at start are about the GPU it cannot use.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return os.environ["TF_CPP_MIN_LOG_LEVEL"]
    return "2" if os.path.exists("/proc/driver/nvidia") else "3"


def import_tensorflow_quietly() -> None:
    """Set TensorFlow's C++ log level, then import it with its start-up information lines dropped."""
    if "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = tensorflow_log_level()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401  (the import is the point)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                    if not _CHATTER.match(line)]
            sys.stderr.write("".join(kept))


def import_tensorflow_quietly_for(models: Iterable[str | os.PathLike]) -> None:
    """`import_tensorflow_quietly()` where one of `models` is a .keras file: exported ones load without TensorFlow."""
    if any(Path(model).suffix == ".keras" for model in models):
        import_tensorflow_quietly()
