"""A real headless Chromium for the page tests, driven through Selenium.

Chromium and its driver come from Debian's packages (`apt-get install chromium
chromium-driver`; `.ci/run` installs them where absent). Where either is
missing the tests that need a browser skip and say so. The browser starts as
`bcloning.page_clients` starts it: a fresh profile, every background fetch off, so
it reaches nothing but the local server under test.

    def test_x(browser):  # with `browser = browser_fixture()` at module level
        browser.get(url)
"""

from __future__ import annotations

import tempfile
import time
from typing import Callable, Iterator, TypeVar

import pytest

from bcloning.page_clients import (
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    ChromiumMissing,
    require_chromium,
)

T = TypeVar("T")


def browser_fixture() -> Callable[[], Iterator[object]]:
    """A module-scoped fixture yielding a Selenium Chrome driver (skips without Chromium)."""

    @pytest.fixture(scope="module")
    def browser() -> Iterator[object]:
        try:
            require_chromium(CHROMIUM, CHROMEDRIVER)
        except ChromiumMissing as exc:
            pytest.skip(str(exc))
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
                options.add_argument(flag)
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
            try:
                yield driver
            finally:
                driver.quit()

    return browser


def wait_for(condition: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
