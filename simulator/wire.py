"""The Udacity simulator's side of the autonomous-mode wire protocol, byte for byte.

The simulator (Unity, with a Socket.IO client from 2014) opens
`ws://HOST:PORT/socket.io/?EIO=4&transport=websocket` (WebSocket only, no
polling), reads the Engine.IO open packet `0{...}` and, without ever sending the
Socket.IO CONNECT packet `40`, emits `42["telemetry",{...}]` whose values are
all strings. It answers the server's pings (`2` -> `3`), takes `steer` and
`manual` events, stops on a close or disconnect, and ignores everything else (a
server's `40{...}` included).
This module speaks exactly that, over `websocket-client`, so a drive server
that works with it works with the real simulator.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from typing import Any

import cv2
import numpy as np
import websocket

from recorder.formats import JPEG_QUALITY

__all__ = [
    "SimulatorLink",
    "WireError",
    "event_packet",
    "jpeg_base64",
    "parse_event",
    "steer_values",
    "telemetry_payload",
]

logger = logging.getLogger(__name__)

# Engine.IO packet types (protocol v4) and the Socket.IO types carried in MESSAGE.
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE, EIO_NOOP = "0", "1", "2", "3", "4", "6"
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_CONNECT_ERROR = "0", "1", "2", "4"
# `manual` answers the simulator's empty telemetry (a key held); a simulator here never sends any,
# so a server answering `manual` this often in a row is broken, and the run would never end.
MAX_MANUAL_IN_A_ROW = 100


class WireError(ConnectionError):
    """The server broke the protocol, closed the connection or stopped answering."""


def event_packet(name: str, data: Any) -> str:
    """The text frame of a Socket.IO event on the default namespace: `42["name",data]`."""
    return EIO_MESSAGE + SIO_EVENT + json.dumps([name, data], separators=(",", ":"))


def parse_event(packet: str) -> tuple[str, Any] | None:
    """(name, first argument) of a `42...` event frame, any namespace or ack id; None otherwise."""
    if not packet.startswith(EIO_MESSAGE + SIO_EVENT):
        return None
    body = packet[2:]
    if body.startswith("/"):  # a namespace: "/name,[...]"
        body = body.partition(",")[2]
    body = body.lstrip("0123456789")  # an ack id
    try:
        args = json.loads(body)
    except json.JSONDecodeError as exc:
        raise WireError(f"bad event packet {packet[:80]!r}: {exc}") from exc
    if not isinstance(args, list) or not args or not isinstance(args[0], str):
        raise WireError(f"event packet is not [name, ...]: {packet[:80]!r}")
    return args[0], args[1] if len(args) > 1 else None


def telemetry_payload(steering_deg: float, throttle: float, speed_mph: float, jpeg_base64: str) -> dict[str, str]:
    """Telemetry as the simulator sends it: C# `ToString("N4")` strings and the base64 JPEG."""
    return {
        "steering_angle": f"{steering_deg:,.4f}",
        "throttle": f"{throttle:,.4f}",
        "speed": f"{speed_mph:,.4f}",
        "image": jpeg_base64,
    }


def jpeg_base64(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> str:
    """An RGB frame as the base64 JPEG text of the telemetry's `image`."""
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("cannot encode the camera frame as JPEG")
    return base64.b64encode(jpeg.tobytes()).decode("ascii")


def steer_values(data: object) -> tuple[float, float]:
    """(steering, throttle) of a `steer` event; the simulator parses the string form."""
    if not isinstance(data, dict):
        raise WireError(f"steer data is not an object: {data!r:.80}")
    try:
        steering, throttle = float(data["steering_angle"]), float(data["throttle"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"bad steer data {data!r:.120}: {exc}") from exc
    if not (math.isfinite(steering) and math.isfinite(throttle)):
        raise WireError(f"steer values are not finite: {data!r:.120}")
    return steering, throttle


class SimulatorLink:
    """One WebSocket connection to a drive server, behaving as the Unity simulator."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        """Connect and read the Engine.IO open packet.

        Raises:
            WireError: the server cannot be reached or does not open an Engine.IO session.
        """
        self.url = f"ws://{host}:{port}/socket.io/?EIO=4&transport=websocket"
        try:
            self._ws = websocket.create_connection(self.url, timeout=timeout)
        except (OSError, websocket.WebSocketException) as exc:
            raise WireError(f"cannot connect to {self.url}: {exc}") from exc
        try:
            self.session = self._open()
        except WireError:
            self.close()  # no `with` block owns the socket yet
            raise
        logger.info("connected to %s (sid %s)", self.url, self.session.get("sid"))

    def _open(self) -> dict[str, Any]:
        """The Engine.IO open packet's handshake (sid, ping interval)."""
        first = self._recv()
        if not first.startswith(EIO_OPEN):
            raise WireError(f"expected the Engine.IO open packet, got {first[:80]!r}")
        try:
            session = json.loads(first[1:] or "{}")
        except json.JSONDecodeError as exc:
            raise WireError(f"bad Engine.IO open packet {first[:80]!r}: {exc}") from exc
        if not isinstance(session, dict):
            raise WireError(f"Engine.IO open packet is not an object: {first[:80]!r}")
        return session

    def _send(self, text: str) -> None:
        try:
            self._ws.send(text)
        except (OSError, websocket.WebSocketException) as exc:
            raise WireError(f"cannot send to {self.url}: {exc}") from exc

    def _recv(self) -> str:
        try:
            frame = self._ws.recv()
        except websocket.WebSocketTimeoutException as exc:
            raise WireError(f"no message from {self.url} in {self._ws.gettimeout()} s") from exc
        except (OSError, websocket.WebSocketException) as exc:
            raise WireError(f"connection to {self.url} lost: {exc}") from exc
        if isinstance(frame, bytes):
            return frame.decode("utf-8", errors="replace")
        if frame == "":
            raise WireError(f"{self.url} closed the connection")
        return frame

    def emit(self, name: str, data: Any) -> None:
        """Send one event as `42["name",data]`."""
        self._send(event_packet(name, data))

    def next_event(self) -> tuple[str, Any]:
        """Wait for the next event, answering pings on the way.

        Raises:
            WireError: the server closed the session or timed out.
        """
        while True:
            packet = self._recv()
            kind = packet[:1]
            if kind == EIO_PING:
                self._send(EIO_PONG + packet[1:])
            elif kind == EIO_CLOSE:
                raise WireError(f"{self.url} closed the Engine.IO session")
            elif kind == EIO_MESSAGE and packet[1:2] == SIO_DISCONNECT:
                raise WireError(f"{self.url} disconnected the client")
            elif kind == EIO_MESSAGE and packet[1:2] == SIO_CONNECT_ERROR:
                raise WireError(f"{self.url} refused the connection: {packet[2:200]}")
            else:
                event = parse_event(packet)
                if event is not None:
                    return event
                logger.debug("ignored packet %.40r", packet)

    def ask(self, telemetry: dict[str, str]) -> tuple[float, float]:
        """Send telemetry and return the (steering, throttle) of the server's `steer` answer.

        A `manual` answer is met with the same telemetry again, as the simulator
        sends telemetry after each answer; other events are ignored.

        Raises:
            WireError: the server broke the protocol, answered `manual` too often or stopped answering.
        """
        self.emit("telemetry", telemetry)
        manual_in_a_row = 0
        while True:
            name, data = self.next_event()
            if name == "steer":
                return steer_values(data)
            if name == "manual":
                manual_in_a_row += 1
                if manual_in_a_row > MAX_MANUAL_IN_A_ROW:
                    raise WireError(f"the server answered `manual` {manual_in_a_row} times to full telemetry")
                self.emit("telemetry", telemetry)
            else:
                logger.debug("ignored event %r", name)

    def close(self) -> None:
        """Close the WebSocket (the simulator just drops the connection)."""
        self._ws.close()

    def __enter__(self) -> "SimulatorLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
