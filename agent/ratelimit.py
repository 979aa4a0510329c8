"""Rate-limited logging and a token bucket: a flood of bad input never floods the log or the loop."""

from __future__ import annotations

import logging
import time
from typing import Any

__all__ = ["RateLimitedLog", "TokenBucket"]

# At most one warning per this many seconds from one RateLimitedLog.
WARN_EVERY_S = 1.0


class RateLimitedLog:
    """Warnings through `logger`, at most one per `every_s`; the next one says how many were skipped."""

    def __init__(self, logger: logging.Logger, every_s: float = WARN_EVERY_S) -> None:
        self.logger = logger
        self.every_s = every_s
        self.suppressed = 0  # warnings dropped since the last one logged
        self._last = -float("inf")

    def warning(self, message: str, *args: Any, exc_info: bool = False) -> bool:
        """Log `message % args` unless one was logged less than `every_s` ago; return whether logged."""
        now = time.monotonic()
        if now - self._last < self.every_s:
            self.suppressed += 1
            return False
        self._last = now
        if self.suppressed:
            message += f" (and {self.suppressed} more warnings not shown)"
            self.suppressed = 0
        self.logger.warning(message, *args, exc_info=exc_info)
        return True


class TokenBucket:
    """A budget that refills at `rate` per second up to `burst`; `spend` says whether it sufficed."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self._time = now

    def spend(self, amount: float, now: float) -> bool:
        """Take `amount` out of the budget at time `now` (s); False if it is overdrawn."""
        self.tokens = min(self.burst, self.tokens + (now - self._time) * self.rate)
        self._time = now
        self.tokens -= amount
        return self.tokens >= 0
