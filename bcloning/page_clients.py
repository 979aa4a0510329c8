"""What opens a page in the benchmarks and the browser tests: headless Chromium, or a poller.

    with open_page("http://127.0.0.1:4567/"):      # the dashboard in headless Chromium
        ...
    with open_poller("http://127.0.0.1:4567/"):    # a process asking what that page asks
        ...

Chromium comes from Debian's packages, started with a fresh profile and no
network of its own (no QUIC, no component, sync or background downloads, no
first-run pages), so it reaches only the local page it is given; no sandbox, as
CI runs as root, where Chromium refuses one. The poller is a plain Python
process (this module only: it starts in a fraction of a second) that asks for
what agent/static/dashboard.js asks for, so the server's own cost of a page can
be told apart from a browser's rendering competing for the same CPUs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Iterator

__all__ = [
    "CHROMIUM",
    "CHROMEDRIVER",
    "CHROMIUM_FLAGS",
    "ChromiumMissing",
    "open_page",
    "open_poller",
    "poll_like_the_page",
    "require_chromium",
]

CHROMIUM = "/usr/bin/chromium"  # Debian's `chromium` package
CHROMEDRIVER = "/usr/bin/chromedriver"  # Debian's `chromium-driver` package
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)
# How long a closing browser or poller may take before it is killed (s).
CLOSE_GRACE_S = 10.0
# The page's polling period (agent/static/dashboard.js), and the longest a poller runs (s).
PAGE_PERIOD_S = 0.1
POLLER_MAX_S = 3600.0


class ChromiumMissing(RuntimeError):
    """Chromium (or its driver) is not installed; the message says how to install it."""


def require_chromium(*paths: str) -> None:
    """Raise ChromiumMissing unless every path (default: the browser) is an executable."""
    missing = [path for path in paths or (CHROMIUM,) if shutil.which(path) is None]
    if missing:
        raise ChromiumMissing(
            f"headless Chromium not installed ({', '.join(missing)} missing); "
            "install it with: apt-get install chromium chromium-driver"
        )


@contextmanager
def _running(command: list[str]) -> Iterator[subprocess.Popen]:
    """Run `command` in its own process group until the block ends, then end that group."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a browser's renderers go with it
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(CLOSE_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def open_page(url: str) -> Iterator[subprocess.Popen]:
    """Keep `url` open in a headless Chromium with a fresh profile until the block ends.

    Raises:
        ChromiumMissing: no Chromium at CHROMIUM.
    """
    require_chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        with _running([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url]) as browser:
            yield browser


def poll_like_the_page(url: str) -> None:
    """Ask what dashboard.js asks: the status ten times a second, a frame when a new one was driven.

    Runs until killed, or for POLLER_MAX_S at most.
    """
    shown, deadline = 0, time.monotonic() + POLLER_MAX_S
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(url + "status.json", timeout=10) as response:
            frame = json.loads(response.read())["frame"]
        if frame != shown:
            try:
                with urllib.request.urlopen(f"{url}frame.jpg?n={frame}", timeout=10) as response:
                    response.read()
                shown = frame
            except urllib.error.HTTPError:
                pass  # 429: a later tick asks again, as the page does
        time.sleep(max(0.0, PAGE_PERIOD_S - (time.monotonic() - started)))


@contextmanager
def open_poller(url: str) -> Iterator[subprocess.Popen]:
    """Run `poll_like_the_page(url)` in another Python process until the block ends."""
    code = f"from bcloning.page_clients import poll_like_the_page; poll_like_the_page({url!r})"
    with _running([sys.executable, "-c", code]) as poller:
        yield poller
