"""The drive server's tests talk to it as the Unity simulator does, through `simulator.wire`.

`SimulatorLink` is the built-in simulator's own side of the wire protocol (raw
WebSocket, no CONNECT packet, string values, pings answered). The tests need a
little more than the simulator does: to send malformed frames, and to see that
the server connected the client to `/` on its own (`40`, followed by its
connect handler's `steer` before the answer to the first telemetry).

    with SimulatorWireClient("127.0.0.1", port) as sim:
        event, data = sim.telemetry(make_telemetry(jpeg_bytes, speed=0.0))
"""

from __future__ import annotations

import base64
from typing import Any

from simulator.wire import (
    EIO_MESSAGE,
    EIO_PING,
    SIO_CONNECT,
    SimulatorLink,
    telemetry_payload,
)


def make_telemetry(
    jpeg: bytes, speed: float = 0.0, throttle: float = 0.0, steering_angle: float = 0.0
) -> dict[str, str]:
    """A telemetry payload as the simulator formats it: every value a string."""
    return telemetry_payload(steering_angle, throttle, speed, base64.b64encode(jpeg).decode("ascii"))


class SimulatorWireClient(SimulatorLink):
    """A simulator connection that also records the server's own CONNECT and the pings it answered."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.connected = False  # the server sent `40` (it connected us to / on its own)
        self.connect_steer: Any = None  # the `steer` its connect handler sent
        self.pings_answered = 0
        self._connect_steer_next = False
        super().__init__(host, port, timeout)
        self.handshake = self.session

    def _recv(self) -> str:
        packet = super()._recv()
        if packet.startswith(EIO_MESSAGE + SIO_CONNECT):
            self.connected = self._connect_steer_next = True
        elif packet == EIO_PING:
            self.pings_answered += 1  # `next_event` answers it
        return packet

    def receive(self) -> tuple[str, Any]:
        """The next event, the connect handler's `steer` set aside."""
        event = self.next_event()
        if self._connect_steer_next:
            self._connect_steer_next = False
            self.connect_steer = event[1]
            event = self.next_event()
        return event

    def telemetry(self, payload: Any) -> tuple[str, Any]:
        """Send one `telemetry` and return the event that answers it."""
        self.emit("telemetry", payload)
        return self.receive()

    def send_raw(self, data: str | bytes) -> None:
        """Send one raw frame (text for str, binary for bytes), malformed ones included."""
        if isinstance(data, bytes):
            self._ws.send_binary(data)
        else:
            self._ws.send(data)
