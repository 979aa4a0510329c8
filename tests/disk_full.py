"""A full disk for tests: a real small tmpfs where the machine allows one, else an injected failure.

`small_filesystem_command(folder, kib, command)` wraps a shell command so it runs
with a `kib`-sized tmpfs mounted on `folder` in a private mount namespace
(`unshare`): the mount is gone when the command ends, nothing on the host
changes. It returns None where no namespace can be made (no unshare, or a
container that forbids it); tests then skip that variant and rely on
`DiskBudget`, which fails `os.write` exactly as a full disk does (a short write,
then ENOSPC) for files under one folder only. `file_size_limit` makes the
kernel refuse, for this process, any write that grows a file past a size
(EFBIG, "File too large"): writers that do not go through `os.write`, such as
Keras saving a model, then fail at the OS boundary as on a full disk.
"""

from __future__ import annotations

import errno
import os
import resource
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# unshare variants, in the order tried: root (as CI runs) first, then an unprivileged user namespace.
_UNSHARE = (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"])


def small_filesystem_command(folder: Path, kib: int, command: str) -> list[str] | None:
    """argv running `command` (sh) with a `kib` KiB tmpfs on `folder`; None where impossible."""
    if shutil.which("unshare") is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    mount = f"mount -t tmpfs -o size={kib}k tmpfs {shlex.quote(str(folder))}"
    for prefix in _UNSHARE:
        probe = subprocess.run([*prefix, "sh", "-c", mount], capture_output=True, timeout=10, check=False)
        if probe.returncode == 0:
            return [*prefix, "sh", "-c", f"{mount} && {command}"]
    return None


class DiskBudget:
    """A stand-in for `os.write`: `budget` bytes to files under `folder`, then a full disk."""

    def __init__(self, folder: Path, budget: int) -> None:
        self.folder = str(folder.resolve())
        self.left = budget
        self.failures = 0  # writes refused with ENOSPC
        self._write = os.write

    def __call__(self, fd: int, data: bytes) -> int:
        target = os.readlink(f"/proc/self/fd/{fd}")  # Linux, as CI
        if not target.startswith(self.folder + os.sep):
            return self._write(fd, data)
        if self.left <= 0:
            self.failures += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = self._write(fd, bytes(memoryview(data)[: self.left]))  # a short write, as the kernel gives
        self.left -= written
        return written


@contextmanager
def file_size_limit(nbytes: int) -> Iterator[None]:
    """Within the block, a write past `nbytes` of any file fails with EFBIG (Python ignores SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
