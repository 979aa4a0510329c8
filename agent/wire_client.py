"""A client that speaks the Udacity simulator's wire protocol exactly, frame by frame.

The Unity simulator's Socket.IO client (2014) opens
`ws://host:port/socket.io/?EIO=4&transport=websocket` (WebSocket only, no
polling), never sends the namespace CONNECT packet `40`, sends events as text
frames `42["telemetry",{...}]` with every value a string, and answers the
server's pings (`2` -> `3`). This class does the same with raw WebSocket
frames (websocket-client), so tests and the benchmark exercise the server the
way the simulator does, not the way a modern Socket.IO client would.

    with SimulatorWireClient("127.0.0.1", 4567) as sim:
        event, data = sim.telemetry(make_telemetry(jpeg_bytes, speed=0.0))
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import websocket

__all__ = ["SimulatorWireClient", "make_telemetry", "measure_round_trips", "WireProtocolError"]

# Engine.IO v4 packet types (text frames start with the digit).
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
# Socket.IO packet types inside an Engine.IO message.
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT = "0", "1", "2"


class WireProtocolError(RuntimeError):
    """The server sent something the simulator would not understand."""


def make_telemetry(
    jpeg: bytes, speed: float = 0.0, throttle: float = 0.0, steering_angle: float = 0.0
) -> dict[str, str]:
    """A telemetry payload as the simulator formats it: every value a string."""
    return {
        "steering_angle": f"{steering_angle:.4f}",
        "throttle": f"{throttle:.4f}",
        "speed": f"{speed:.4f}",
        "image": base64.b64encode(jpeg).decode("ascii"),
    }


class SimulatorWireClient:
    """One simulator connection; `telemetry()` sends a frame and returns the reply event."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        url = f"ws://{host}:{port}/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=timeout)
        opening = self.ws.recv()
        if not isinstance(opening, str) or not opening.startswith(EIO_OPEN):
            raise WireProtocolError(f"expected the Engine.IO open packet, got {opening!r:.80}")
        self.handshake = json.loads(opening[1:])
        self.connected = False  # the server sent `40` (it connected us to / on its own)
        self.connect_steer: Any = None  # the `steer` the server sent on that connect
        self.pings_answered = 0

    def send_event(self, name: str, payload: Any) -> None:
        """Send `42["name",payload]` as one text frame, as the simulator does."""
        self.ws.send(EIO_MESSAGE + SIO_EVENT + json.dumps([name, payload], separators=(",", ":")))

    def send_raw(self, data: str | bytes) -> None:
        """Send one raw frame (text for str, binary for bytes)."""
        if isinstance(data, bytes):
            self.ws.send_binary(data)
        else:
            self.ws.send(data)

    def receive(self) -> tuple[str, Any]:
        """The next Socket.IO event `(name, data)`; answers pings and notes the connect."""
        while True:
            frame = self.ws.recv()
            if not isinstance(frame, str) or not frame:
                raise WireProtocolError(f"unexpected frame {frame!r:.80}")
            if frame == EIO_PING:
                self.ws.send(EIO_PONG)
                self.pings_answered += 1
                continue
            if frame.startswith(EIO_CLOSE):
                raise WireProtocolError("server closed the Engine.IO session")
            if not frame.startswith(EIO_MESSAGE):
                raise WireProtocolError(f"unexpected packet {frame!r:.80}")
            packet = frame[1:]
            if packet.startswith(SIO_CONNECT):
                # The server connected us to `/` itself; its connect handler's `steer`
                # follows before the answer to the frame that caused it.
                self.connected = True
                name, self.connect_steer = self._event(self.ws.recv())
                continue
            if packet.startswith(SIO_DISCONNECT):
                raise WireProtocolError("server disconnected the namespace")
            return self._event(frame)

    @staticmethod
    def _event(frame: Any) -> tuple[str, Any]:
        if not isinstance(frame, str) or not frame.startswith(EIO_MESSAGE + SIO_EVENT):
            raise WireProtocolError(f"expected an event, got {frame!r:.80}")
        body = json.loads(frame[2:])
        return body[0], (body[1] if len(body) > 1 else None)

    def telemetry(self, payload: Any) -> tuple[str, Any]:
        """Send one `telemetry` and return the event that answers it."""
        self.send_event("telemetry", payload)
        return self.receive()

    def close(self) -> None:
        """Close the WebSocket (the simulator just drops the connection)."""
        self.ws.close()

    def __enter__(self) -> "SimulatorWireClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def measure_round_trips(host: str, port: int, payload: dict[str, str], count: int) -> float:
    """Telemetry -> steer round trips per second over one simulator-like connection.

    The first exchange (the implicit connect) is not timed. Each reply must be `steer`.
    """
    with SimulatorWireClient(host, port) as sim:
        sim.telemetry(payload)
        start = time.perf_counter()
        for _ in range(count):
            event, _ = sim.telemetry(payload)
            if event != "steer":
                raise WireProtocolError(f"expected steer, got {event!r}")
        return count / (time.perf_counter() - start)
