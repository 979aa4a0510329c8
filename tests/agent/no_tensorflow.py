"""Run a module with TensorFlow and Keras unimportable, as in a drive-only environment.

    python -m tests.agent.no_tensorflow bcloning.commands.drive model.onnx --port 0

A meta-path finder placed first refuses `tensorflow`, `keras` and their
submodules, so any import of them anywhere in the chain (our code or a
library's) fails; each refused name is also printed to stderr as
`no_tensorflow: refused import of NAME`, so a test sees an attempt even where a
library catches the ImportError.
"""

from __future__ import annotations

import importlib.abc
import runpy
import sys
from typing import Any

# Top-level packages a drive-only environment does not have.
BLOCKED = ("tensorflow", "keras", "tf_keras")
REFUSED = "no_tensorflow: refused import of"


class RefuseTensorFlow(importlib.abc.MetaPathFinder):
    """Raise ImportError for BLOCKED packages instead of finding them."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in BLOCKED:
            print(f"{REFUSED} {fullname}", file=sys.stderr, flush=True)
            raise ImportError(f"{fullname} is not installed in a drive-only environment (blocked)")
        return None


def main() -> None:
    """Install the finder, then run `sys.argv[1]` as `__main__` with the rest as its arguments."""
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m tests.agent.no_tensorflow MODULE [ARGS...]")
    sys.meta_path.insert(0, RefuseTensorFlow())
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
