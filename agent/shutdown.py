"""Closing Engine.IO sessions and the WSGI server in bounded time, whatever the clients do.

python-engineio's own `Server.disconnect()` calls `Socket.close(wait=True)` on
every session, which puts the CLOSE packet on the session's queue and then
`queue.join()`s until a transport has taken it off. For a WebSocket the writer
greenthread does that at once; for a long-polling session only the client's
next GET does, and a client that made the polling handshake and went away
never sends one: the server then hangs in `disconnect()` for good (the issue's
`curl '.../socket.io/?EIO=4&transport=polling'` followed by Ctrl-C). So
`close_session` uses the same public `Socket.close` with `wait=False`: the
disconnect handlers run and the CLOSE packet is queued (a WebSocket's writer
still sends it), but nothing waits for a client.

eventlet's `wsgi.server` waits for every connection's greenthread when it is
killed (its docstring warns about this), so a half-open socket or a client
that stopped mid-message would hold it until the OS times the socket out.
`stop_wsgi` gives the connections a short grace to finish, then kills their
greenthreads, which closes their sockets.
"""

from __future__ import annotations

import logging
from typing import Any

import engineio
import eventlet

__all__ = ["close_all_sessions", "close_session", "stop_wsgi"]

logger = logging.getLogger(__name__)


def close_session(eio: engineio.Server, eio_sid: str) -> bool:
    """Close one Engine.IO session without waiting for its client; False if it was gone."""
    socket = eio.sockets.get(eio_sid)
    if socket is None or socket.closed:
        return False
    socket.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
    return True


def close_all_sessions(eio: engineio.Server) -> int:
    """Close every Engine.IO session (see `close_session`); return how many were open."""
    closed = sum(close_session(eio, sid) for sid in list(eio.sockets))
    eio.sockets.clear()  # engineio's service task would otherwise drop them one by one
    return closed


def stop_wsgi(server: Any, pool: eventlet.GreenPool, grace_s: float) -> int:
    """Stop an `eventlet.wsgi.server` greenthread and its connection greenthreads.

    Args:
        server: the greenthread running `eventlet.wsgi.server`.
        pool: the `custom_pool` it spawns a greenthread per connection in.
        grace_s: how long connections may take to finish on their own (s).
    Returns:
        How many connection greenthreads had to be killed.
    """
    server.kill()  # stops accepting; its `finally` now waits for the pool
    try:
        with eventlet.Timeout(grace_s):
            pool.waitall()
        killed = 0
    except eventlet.Timeout:
        stragglers = list(pool.coroutines_running)
        for greenthread in stragglers:
            greenthread.kill()
        killed = len(stragglers)
    try:
        with eventlet.Timeout(grace_s):
            server.wait()
    except (eventlet.Timeout, eventlet.support.greenlets.GreenletExit):
        pass
    return killed
