"""One driver at a time: which connection owns the speed controller and the recording.

The first connection that sends telemetry while nobody drives becomes the
driver: it gets the server's own `Driver` (the controller given to
`create_app`, reset at that moment), and only its frames are recorded. Any
other connection that sends telemetry meanwhile is served, not refused, but
with a `Driver` of its own (same model, a fresh controller of the same
configuration), and its frames are not recorded: a second simulator or a test
client can neither reset nor feed the run. Refusing it instead would make a
simulator that reconnects race its own old connection's close. When the
driver disconnects, the next connection to send telemetry takes over (a
simulator that re-enters autonomous mode continues the recording).

Ownership is taken on telemetry, not on connect, so that a page that connects
only to watch (the dashboard) never becomes the driver.
"""

from __future__ import annotations

import logging

from agent.driver import Command, Driver
from agent.ratelimit import RateLimitedLog

__all__ = ["Sessions"]

logger = logging.getLogger(__name__)

# What a connection that has not driven yet gets for a frame it cannot use.
NO_COMMAND = Command(0.0, 0.0)


class Sessions:
    """Per-connection drivers; `owner` is the connection that drives the run."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver  # the run's driver: its controller and the recording
        self.owner: str | None = None  # Socket.IO sid of the connection driving the run
        self._guests: dict[str, Driver] = {}  # other connections that sent telemetry
        self._log = RateLimitedLog(logger)  # a client that reconnects again and again: not a line each

    def driver_for(self, sid: str) -> Driver:
        """The driver of connection `sid`, making it the owner if nobody drives."""
        if self.owner == sid:
            return self.driver
        if self.owner is None:
            self.owner = sid
            self._guests.pop(sid, None)
            self.driver.reset()
            logger.info("client %s drives the run (controller reset; its frames are recorded)", sid)
            return self.driver
        guest = self._guests.get(sid)
        if guest is None:
            guest = self._guests[sid] = self.driver.fork()
            self._log.warning(
                "client %s sent telemetry while %s drives: it gets its own controller and is not recorded",
                sid, self.owner,
            )
        return guest

    def is_owner(self, sid: str | None) -> bool:
        """Whether `sid`'s frames belong to the run (controller and recording)."""
        return sid is not None and sid == self.owner

    def fallback(self, sid: str | None) -> Command:
        """The answer to a frame `sid` sent that cannot be driven on: its own last steering, coasting."""
        if sid is not None and sid == self.owner:
            return self.driver.fallback()
        guest = self._guests.get(sid) if sid is not None else None
        return guest.fallback() if guest is not None else NO_COMMAND

    def close(self, sid: str) -> None:
        """Forget connection `sid`; if it drove, the run waits for the next driver."""
        self._guests.pop(sid, None)
        if sid == self.owner:
            self.owner = None
            logger.info("client %s stopped driving", sid)
