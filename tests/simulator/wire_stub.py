"""A tiny drive-server stand-in that speaks raw WebSocket, for checking the simulator's wire bytes.

It does the RFC 6455 handshake by hand, sends the Engine.IO open packet, and
then answers every `42["telemetry",...]` with a fixed `steer` (or `manual` for
empty telemetry), optionally sending a ping first. It keeps every text frame it
received, so a test can assert exactly what the simulator put on the wire.
Test code only; the real drive server is agent.create_app.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


def _read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(conn: socket.socket) -> tuple[int, bytes]:
    head = _read_exact(conn, 2)
    opcode, masked, length = head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", _read_exact(conn, 2))[0]
    elif length == 127:
        length = struct.unpack(">Q", _read_exact(conn, 8))[0]
    mask = _read_exact(conn, 4) if masked else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(conn, length)))
    return opcode, payload


def _send_text(conn: socket.socket, text: str) -> None:
    payload = text.encode()
    if len(payload) < 126:
        head = bytes([0x81, len(payload)])
    else:
        head = bytes([0x81, 126]) + struct.pack(">H", len(payload))
    conn.sendall(head + payload)


class WireStub:
    """Serve one simulator connection on a free port in a background thread."""

    def __init__(
        self,
        steering: float = 0.0,
        throttle: float = 0.3,
        ping_every: int = 0,
        manual_first: int = 0,
        open_packet: str = '0{"sid":"stub","upgrades":[],"pingInterval":25000,"pingTimeout":20000}',
    ):
        self.steering, self.throttle = steering, throttle
        self.open_packet = open_packet  # the Engine.IO open packet sent after the handshake
        self.ping_every = ping_every  # send a ping before every n-th steer (0 = never)
        self.manual_first = manual_first  # answer the first n telemetries with `manual`
        self.received: list[str] = []  # text frames from the simulator, in order
        self.request = ""  # the HTTP upgrade request
        self.closed_by_client = False  # the simulator sent a WebSocket close frame
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            self.request = request.decode()
            key = next(
                line.split(":", 1)[1].strip()
                for line in self.request.split("\r\n")
                if line.lower().startswith("sec-websocket-key")
            )
            accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            conn.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
            _send_text(conn, self.open_packet)
            telemetries = 0
            try:
                while True:
                    opcode, payload = _read_frame(conn)
                    if opcode == 0x8:  # close
                        self.closed_by_client = True
                        return
                    text = payload.decode()
                    self.received.append(text)
                    if not text.startswith('42["telemetry"'):
                        continue
                    telemetries += 1
                    if telemetries == 1:  # python-socketio's answer to an implicit connect
                        _send_text(conn, '40{"sid":"stub-namespace"}')
                    if telemetries <= self.manual_first:
                        _send_text(conn, '42["manual",{}]')
                        continue
                    if self.ping_every and telemetries % self.ping_every == 0:
                        _send_text(conn, "2")
                    steer = {"steering_angle": str(self.steering), "throttle": str(self.throttle)}
                    _send_text(conn, "42" + json.dumps(["steer", steer]))
            except (ConnectionError, OSError):
                return

    def close(self) -> None:
        self._sock.close()
        self._thread.join(5)
