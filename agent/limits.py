"""Bounded resources: a connection cap, idle timeouts and a per-connection sending budget.

One event loop serves every client, and the simulator's frames wait behind
whatever else it is doing. So no other client may hold it:

- `CappedListener`: at most `max_connections` TCP connections are served at
  once; a connection over the cap is answered `503` and closed at once, instead
  of waiting unaccepted in the listen backlog (eventlet's own pool blocks the
  accept loop when full: 1,100 idle connections locked the simulator out).
- Idle connections: eventlet's `keepalive` and `socket_timeout` (set by the
  server) drop a TCP connection that sends no request for `idle_timeout_s`;
  `SessionGuard.sweep` drops an Engine.IO session (WebSocket or an abandoned
  polling handshake) whose client sent no message within `idle_timeout_s` of
  its handshake. engineio's own ping timeout covers sessions that went quiet later.
- `SessionGuard`: each session spends from a byte and a message budget
  (`TokenBucket`s) before its message is decoded at all; a session that
  overdraws one is disconnected. The driving connection (`agent.sessions`) has
  a large byte budget, every other connection a small one: the simulator's
  frames come one per answer, a flood does not wait for answers. The Engine.IO
  session count is capped too (an over-cap handshake gets engineio's 401).

`SessionGuard` sits in front of the Socket.IO server's Engine.IO handlers the
same way `agent.legacy` does: it takes the registered handlers from the public
`eio.handlers` and registers itself in their place.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import eventlet
import socketio

from agent.config import FLOOD_BURST_S, ServerConfig
from agent.ratelimit import RateLimitedLog, TokenBucket
from agent.shutdown import close_session

__all__ = ["CappedListener", "SessionGuard"]

logger = logging.getLogger(__name__)

# How much of a refused connection's request is read (and dropped) before the
# answer, so closing it sends FIN, not a reset that could hide the 503.
DRAIN_BYTES = 64 * 1024


def _websocket_of(environ: dict) -> Any:
    """The TCP socket of a WebSocket handshake's request (eventlet's WSGI input), else None."""
    if environ.get("HTTP_UPGRADE", "").lower() != "websocket" or "eventlet.input" not in environ:
        return None
    return environ["eventlet.input"].get_socket()


def refusal(cap: int) -> bytes:
    """The HTTP answer to a connection over the cap."""
    body = f"drive server busy: {cap} connections open already\n".encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class CappedListener:
    """The listening socket `eventlet.wsgi.server` accepts from, refusing connections over the cap."""

    def __init__(self, sock: eventlet.greenio.GreenSocket, pool: eventlet.GreenPool, cap: int) -> None:
        self.sock = sock
        self.pool = pool  # the server's `custom_pool`: one greenthread per open connection
        self.cap = cap
        self.refused = 0  # connections answered 503
        self._log = RateLimitedLog(logger)
        self._answer = refusal(cap)

    def accept(self) -> tuple[Any, Any]:
        """The next connection that fits under the cap."""
        while True:
            client, address = self.sock.accept()
            if self.pool.running() < self.cap:
                return client, address
            self.refused += 1
            self._log.warning("refused a connection: %d open already (--max-connections)", self.cap)
            self._refuse(client)

    def _refuse(self, client: Any) -> None:
        client.setblocking(False)  # never wait on a client the server does not serve
        try:
            try:
                client.recv(DRAIN_BYTES)
            except BlockingIOError:
                pass
            client.send(self._answer)
            client.shutdown(2)
        except OSError:
            pass  # it went away first: refused all the same
        finally:
            client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)  # close(), getsockname() ... as the real socket


@dataclass
class _Session:
    opened_at: float  # time.monotonic() of the handshake (s)
    driver_bytes: TokenBucket  # spent while the session drives
    guest_bytes: TokenBucket  # spent while it does not
    messages_budget: TokenBucket
    websocket: Any = None  # the TCP socket of a WebSocket session (None for long-polling)
    messages: int = 0


class SessionGuard:
    """Engine.IO sessions: a cap on their number, idle handshakes dropped, floods disconnected."""

    def __init__(
        self,
        sio: socketio.Server,
        config: ServerConfig,
        is_driving: Callable[[str], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`is_driving(eio_sid)` says whether a session is the driving connection."""
        self.eio = sio.eio
        self.config = config
        self.is_driving = is_driving
        self.clock = clock
        self.sessions: dict[str, _Session] = {}
        self.refused = 0  # handshakes over the cap
        self.idle_dropped = 0  # sessions that sent nothing within idle_timeout_s
        self.flood_dropped = 0  # sessions that overdrew their budget
        self._log = RateLimitedLog(logger)
        self._connect = self.eio.handlers["connect"]
        self._message = self.eio.handlers["message"]
        self._disconnect = self.eio.handlers["disconnect"]
        self.eio.on("connect", self._on_connect)
        self.eio.on("message", self._on_message)
        self.eio.on("disconnect", self._on_disconnect)

    def _on_connect(self, eio_sid: str, environ: dict) -> Any:
        if len(self.sessions) >= self.config.max_connections:
            self.refused += 1
            self._log.warning("refused a session: %d open already (--max-connections)", len(self.sessions))
            return False  # engineio answers 401 and forgets the session
        now, cfg = self.clock(), self.config
        self.sessions[eio_sid] = _Session(
            now,
            TokenBucket(cfg.driver_bytes_per_s, cfg.driver_bytes_per_s * FLOOD_BURST_S, now),
            TokenBucket(cfg.guest_bytes_per_s, cfg.guest_bytes_per_s * FLOOD_BURST_S, now),
            TokenBucket(cfg.max_messages_per_s, cfg.max_messages_per_s * FLOOD_BURST_S, now),
            _websocket_of(environ),
        )
        return self._connect(eio_sid, environ)

    def _on_message(self, eio_sid: str, data: Any) -> None:
        session = self.sessions.get(eio_sid)
        if session is None:
            return  # disconnected by this guard: what was already in flight is dropped
        now = self.clock()
        session.messages += 1
        size = len(data) if isinstance(data, (str, bytes)) else 0
        driving = self.is_driving(eio_sid)
        budget = session.driver_bytes if driving else session.guest_bytes
        if budget.spend(size, now) and session.messages_budget.spend(1, now):
            self._message(eio_sid, data)
            return
        self.flood_dropped += 1
        self._log.warning(
            "disconnected %s client %s: it sent more than %.0f bytes/s or %.0f messages/s (flooding)",
            "the driving" if driving else "a", eio_sid, budget.rate, self.config.max_messages_per_s,
        )
        self._drop(eio_sid)

    def _on_disconnect(self, eio_sid: str, reason: Any = None) -> Any:
        self.sessions.pop(eio_sid, None)
        return self._disconnect(eio_sid, reason)

    def _drop(self, eio_sid: str) -> None:
        """Disconnect a session, and end its WebSocket connection now.

        Closing the Engine.IO session queues its CLOSE packet; the yield lets the
        session's writer send it and close the WebSocket. That close does not end
        the connection: eventlet's WSGI server still holds the socket (its request
        file), so the reader would go on reading a flooding client's messages.
        `shutdown` ends it for every holder: the reader sees the end of the stream.
        """
        session = self.sessions.pop(eio_sid, None)
        close_session(self.eio, eio_sid)
        self.eio.sleep(0)
        if session is not None and session.websocket is not None:
            try:
                session.websocket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def sweep(self) -> int:
        """Drop sessions that sent no message within `idle_timeout_s` of their handshake; return how many."""
        deadline = self.clock() - self.config.idle_timeout_s
        idle = [sid for sid, s in self.sessions.items() if s.messages == 0 and s.opened_at < deadline]
        for eio_sid in idle:
            self._drop(eio_sid)
        if idle:
            logger.info("dropped %d client(s) that sent nothing within %.1f s of the handshake", len(idle), self.config.idle_timeout_s)
        self.idle_dropped += len(idle)
        return len(idle)
