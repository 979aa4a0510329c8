"""Who may talk to the drive and review servers: Origin and Host checks against other web pages.

The simulator is not a browser: its client sends no Origin header. A web page
is: any page the user opens could otherwise open a WebSocket to
ws://127.0.0.1:4567 (browsers do not apply CORS to WebSockets) and steer the
car or flood the server. So, by default, only clients without an Origin header
and pages of the server's own origin (the dashboard) are served; `--allow-origin`
adds others. The check itself is python-engineio's: `OriginPolicy` is the
callable its `cors_allowed_origins` accepts, and engineio answers a refused
origin with HTTP 400 and sends no CORS headers for it.

"Own origin" is computed from the Host header, so a page on an attacker's
domain that re-resolves to 127.0.0.1 (DNS rebinding) would count as our own
origin. `HostGuard` closes that gap: on a loopback address the server answers
only requests whose Host is a loopback name (werkzeug's `host_is_trusted` does
the matching); on any other address the user chose to be reachable by name.
The review server (agent.review) sits behind the same `HostGuard`, and refuses a
write that `cross_site` says comes from another site's page.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.sansio.utils import host_is_trusted

from agent.ratelimit import RateLimitedLog

__all__ = ["HostGuard", "OriginPolicy", "cross_site", "is_loopback", "loopback_hosts", "trusted_hosts"]

logger = logging.getLogger(__name__)

# Host names a browser uses for this machine (the server listens on IPv4 only).
LOOPBACK_NAMES = ("localhost", "127.0.0.1")

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def is_loopback(host: str) -> bool:
    """Whether `host` (a listening address) is this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_hosts(host: str) -> tuple[str, ...]:
    """The Host header names to accept when listening on loopback address `host`."""
    return tuple(dict.fromkeys((*LOOPBACK_NAMES, host)))


def trusted_hosts(host: str) -> tuple[str, ...] | None:
    """`HostGuard`'s trusted names for a server listening on `host`: None (any) beyond loopback."""
    return loopback_hosts(host) if is_loopback(host) else None


def own_origin(origin: str, environ: dict[str, Any]) -> bool:
    """Whether `origin` is the origin of the server the request came to (from its Host header)."""
    scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST")
    return host is not None and origin == f"{scheme}://{host}"


def cross_site(environ: dict[str, Any]) -> str | None:
    """Which other site a browser says sent this request (its Origin, else Sec-Fetch-Site); None if none.

    Browsers send Origin with every POST, same-origin ones included; a client that
    sends neither header (curl, a script) is not a web page and passes.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        return None if own_origin(origin, environ) else f"origin {origin[:80]!r}"
    site = environ.get("HTTP_SEC_FETCH_SITE")
    return f"a {site} page" if site in ("cross-site", "same-site") else None


class OriginPolicy:
    """engineio's `cors_allowed_origins` callable: same origin or an allowed one."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(origin.rstrip("/") for origin in allowed)
        self._log = RateLimitedLog(logger)

    def __call__(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:  # engineio asks only when there is an Origin header
            return True
        if own_origin(origin, environ) or origin in self.allowed:
            return True
        self._log.warning(
            "refused a client from origin %r (a web page); add it with --allow-origin if it is yours", origin
        )
        return False


class HostGuard:
    """WSGI middleware: on a loopback address, refuse requests for other host names."""

    def __init__(self, app: WsgiApp, trusted_hosts: Iterable[str] | None) -> None:
        """`trusted_hosts` None serves every Host (the server listens beyond loopback)."""
        self.app = app
        self.trusted = None if trusted_hosts is None else tuple(trusted_hosts)
        self.refused = 0  # requests answered 421
        self._log = RateLimitedLog(logger)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        # No Host header at all is an HTTP/1.0 client, not a browser: DNS rebinding needs one.
        if self.trusted is None or host is None or host_is_trusted(host, self.trusted):
            return self.app(environ, start_response)
        self.refused += 1
        self._log.warning("refused a request for host %r (only %s on loopback)", host[:80], ", ".join(self.trusted))
        body = b"unknown Host: this server answers only to " + ", ".join(self.trusted).encode() + b"\n"
        start_response(
            "421 Misdirected Request",
            [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("Connection", "close")],
        )
        return [body]
