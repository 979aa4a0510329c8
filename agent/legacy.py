"""The one adaptation that lets python-socketio 5 serve the Udacity simulator.

The simulator's Socket.IO client (Unity, 2014) opens a WebSocket to
`/socket.io/?EIO=4&transport=websocket`, gets the Engine.IO open packet `0{...}`
and then sends `42["telemetry",{...}]` straight away: it never sends the
Socket.IO CONNECT packet `40` for the default namespace, because the servers of
its day connected `/` implicitly. python-socketio 5 follows the current
protocol, where a client must CONNECT before it sends events: its
`Server._handle_event` logs "not connected to namespace /" and drops the
event, so the car silently stands still.

No public hook covers this: the `connect` handler runs only for a CONNECT
packet, a catch-all `on("*")` handler only for connected clients, and
`namespaces="*"` only widens which namespaces a CONNECT may name. So
`LegacyConnectAdapter` sits between Engine.IO and Socket.IO, using only public
attributes: it takes the Socket.IO server's registered Engine.IO `message`
handler (`sio.eio.handlers["message"]`) and registers itself in its place
(`sio.eio.on("message", ...)`). When the first EVENT for `/` arrives from an
Engine.IO session that is not connected to `/`, it first feeds that handler the
packet the old client left out, `"0"` (CONNECT to `/`), so the library runs its
own connect code (the `connect` handler fires; the client gets `40{"sid":...}`,
which the old client ignores), then passes the event on unchanged. A modern
client sends `40` itself and never takes this path. Nothing else changes.

It also turns a message that is not a well-formed Socket.IO packet (bad JSON,
JSON nested too deep to decode, a stray binary frame, an event that is not
`[name, ...]` or has arguments its handler does not take) into one rate-limited
warning instead of a traceback from Engine.IO's handler guard; a malformed
*event* (`42...`) is also handed to `on_bad_event`, so the drive server can
answer it: the simulator sends its next frame only after an answer. It stamps
when each message arrived, so the drive server's latency includes JSON decoding.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import socketio
from socketio import packet

from agent.ratelimit import RateLimitedLog

__all__ = ["LegacyConnectAdapter"]

logger = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "/"
# The Socket.IO CONNECT packet for the default namespace, as Engine.IO delivers it.
CONNECT_DEFAULT_NAMESPACE = str(packet.CONNECT)
# How an Engine.IO message holding a Socket.IO EVENT starts ("2" of `42[...]`).
EVENT_PREFIX = str(packet.EVENT)
# How much of a bad message to show in the log.
LOG_EXCERPT_CHARS = 80


class LegacyConnectAdapter:
    """Connect clients that send events without CONNECT to `/`, as the simulator does."""

    def __init__(self, sio: socketio.Server, on_bad_event: Callable[[str], None] | None = None) -> None:
        """`on_bad_event(eio_sid)` is called for each malformed event message."""
        self.sio = sio
        self.on_bad_event = on_bad_event
        self._dispatch: Callable[[str, Any], None] = sio.eio.handlers["message"]
        self._log = RateLimitedLog(logger)
        sio.eio.on("message", self._on_message)
        self.received_at = 0.0  # perf_counter() when the message being handled arrived (s)
        self.implicit_connects = 0  # connections made on a client's behalf
        self.malformed = 0  # messages that were not well-formed Socket.IO packets

    def _on_message(self, eio_sid: str, data: Any) -> None:
        self.received_at = time.perf_counter()
        try:
            if self.sio.manager.sid_from_eio_sid(eio_sid, DEFAULT_NAMESPACE) is None:
                self._connect_if_event(eio_sid, data)
            self._dispatch(eio_sid, data)
        # The packet decoder raises ValueError (JSONDecodeError too) for bad input and
        # RecursionError for JSON nested too deep; the event dispatcher TypeError or
        # LookupError for an event that is not [name, ...] or has extra arguments.
        except (ValueError, TypeError, LookupError, RecursionError) as exc:
            self.malformed += 1
            excerpt = data[:LOG_EXCERPT_CHARS] if isinstance(data, (str, bytes)) else type(data)
            self._log.warning("ignored a malformed message from %s (%s): %r", eio_sid, str(exc)[:200], excerpt)
            if self.on_bad_event is not None and isinstance(data, str) and data.startswith(EVENT_PREFIX):
                self.on_bad_event(eio_sid)

    def _connect_if_event(self, eio_sid: str, data: Any) -> None:
        """Before the first event of a never-connected session, act as if `40` had come."""
        pkt = self.sio.packet_class(encoded_packet=data)
        is_event = pkt.packet_type in (packet.EVENT, packet.BINARY_EVENT)
        if is_event and (pkt.namespace or DEFAULT_NAMESPACE) == DEFAULT_NAMESPACE:
            logger.info("client %s sent an event without CONNECT (Udacity simulator): connecting it to /", eio_sid)
            self.implicit_connects += 1
            self._dispatch(eio_sid, CONNECT_DEFAULT_NAMESPACE)
