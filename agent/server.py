"""The drive server: Socket.IO over eventlet, with a small Flask app beside it.

    server = create_app(ServerConfig(port=0), model, PIController())
    server.start()            # background thread; server.port is the bound port
    ...                       # ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket
    server.stop()

or `server.serve_forever()` in the main thread until `stop()` (e.g. from a
signal handler) or Ctrl-C. State lives on the `DriveServer`; the handlers only
decode, call `Driver.decide` and encode.

Why no `eventlet.monkey_patch()`: the server needs only eventlet's own green
sockets (`eventlet.wsgi`, `eventlet.websocket`), and TensorFlow is left with real
threads and locks. The model call (about 1 ms) runs in the server's thread and
blocks its event loop for that long, which is the intent: frames are answered
one at a time, in order, as the simulator sends them. Handing each call to an
OS thread (`eventlet.tpool`) measured slower and adds nothing for one client.

Two adaptations, each in its own module: `agent.legacy` connects the
simulator's client, which never sends CONNECT; `agent.wsmask` replaces
eventlet's byte-by-byte WebSocket unmasking (~5 ms per frame) with a fast one.
`cors_allowed_origins="*"`: the simulator is not a browser page of ours, so its
Origin header (if any) cannot be predicted; the server listens on 127.0.0.1 by default.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import warnings
from typing import Any

with warnings.catch_warnings():
    # eventlet 0.36+ warns on import that it is in maintenance mode; the drive server
    # uses it on purpose (python-socketio's eventlet mode, no monkey patching).
    warnings.simplefilter("ignore")
    import eventlet
import eventlet.greenio
import eventlet.wsgi
import keras
import socketio
from flask import Flask, jsonify

from agent import wsmask
from agent.config import ServerConfig
from agent.controller import PIController
from agent.driver import Driver, SteeringFn
from agent.inference import CompiledSteering
from agent.legacy import LegacyConnectAdapter
from agent.recording import RunRecorder
from agent.stats import LatencyStats
from agent.telemetry import STEER_ZERO, TelemetryError, decode_telemetry, encode_steer
from training.preprocess import DEFAULT_PREPROCESS, PreprocessConfig

__all__ = ["DriveServer", "create_app"]

logger = logging.getLogger(__name__)

# How often the serving loop checks for stop() and due reports (s).
POLL_INTERVAL_S = 0.05
# How long stop() waits for open connections to close (s).
SHUTDOWN_GRACE_S = 2.0
# At most one warning per this many seconds for a stream of bad frames.
WARN_EVERY_S = 1.0


class DriveServer:
    """One drive server: Socket.IO handlers, the driver, latency stats, optional recorder."""

    def __init__(self, config: ServerConfig, driver: Driver, recorder: RunRecorder | None = None) -> None:
        self.config = config
        self.driver = driver
        self.recorder = recorder
        self.stats = LatencyStats()
        self.bad_frames = 0  # telemetry answered with the fallback command
        self.manual_frames = 0  # empty telemetry (the user drives) answered with `manual`
        self.port = config.port  # the bound port once listening (config.port may be 0)
        self._last_warning = 0.0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        wsmask.install()  # eventlet's byte-by-byte unmasking costs ~5 ms per frame
        self.sio = socketio.Server(
            async_mode="eventlet",
            async_handlers=False,  # in order, in the reader: one frame at a time per client
            always_connect=True,  # CONNECT goes out before the connect handler's `steer`
            cors_allowed_origins="*",  # the simulator's Origin header is not ours to predict
            max_http_buffer_size=config.max_message_bytes,
            ping_interval=config.ping_interval_s,
            ping_timeout=config.ping_timeout_s,
        )
        self.legacy = LegacyConnectAdapter(self.sio)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("telemetry", self._on_telemetry)
        self.sio.on("*", self._on_other)
        self.flask = Flask(__name__)
        self.flask.add_url_rule("/", "status", self._status)
        self.app = socketio.WSGIApp(self.sio, self.flask)

    # ----- handlers: decode -> decide -> encode -----

    def _on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        logger.info("client %s connected from %s", sid, environ.get("REMOTE_ADDR"))
        self.driver.reset()
        self.sio.emit("steer", STEER_ZERO, to=sid)

    def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        logger.info("client %s disconnected (%s)", sid, reason)

    def _on_other(self, event: str, sid: str, *args: Any) -> None:
        self._warn("ignored unknown event %r from %s", event, sid)

    def _on_telemetry(self, sid: str, data: Any = None) -> None:
        started = self.legacy.received_at
        if data == {}:
            self.manual_frames += 1
            self.sio.emit("manual", {}, to=sid)
            return
        telemetry = None
        try:
            telemetry = decode_telemetry(data, started)
            command = self.driver.decide(telemetry)
        except TelemetryError as exc:
            self.bad_frames += 1
            self._warn("bad telemetry (%s); holding steering, throttle 0", exc)
            command = self.driver.fallback()
        except Exception:  # the simulator sends its next frame only after a reply: always reply
            self.bad_frames += 1
            logger.exception("driving failed on a frame; holding steering, throttle 0")
            command = self.driver.fallback()
            telemetry = None
        self.sio.emit("steer", encode_steer(command.steering, command.throttle), to=sid)
        if telemetry is not None:
            self.stats.add(time.perf_counter() - started)
            if self.recorder is not None:
                self.recorder.add(telemetry.image, command.steering, command.throttle, telemetry.speed)

    def _warn(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            logger.warning(message, *args)

    def _status(self) -> Any:
        summary = self.stats.summary()
        return jsonify(
            server="bcloning drive server", frames=summary.frames, p50_ms=summary.p50_ms,
            p99_ms=summary.p99_ms, bad_frames=self.bad_frames, manual_frames=self.manual_frames,
        )

    # ----- serving -----

    def listen(self) -> int:
        """Bind and listen (once); return the bound port. Raises OSError if the port is taken."""
        if self._sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.config.host, self.config.port))
            sock.listen(128)
            self._sock = sock
            self.port = sock.getsockname()[1]
        return self.port

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` or Ctrl-C; then log the final stats."""
        self.listen()
        logger.info("drive server listening on %s:%d", self.config.host, self.port)
        listener = eventlet.greenio.GreenSocket(self._sock)
        wsgi = eventlet.spawn(eventlet.wsgi.server, listener, self.app, log_output=False)
        self._ready.set()
        next_report = time.monotonic() + (self.config.stats_interval_s or float("inf"))
        try:
            while not self._stop.is_set() and not wsgi.dead:
                eventlet.sleep(POLL_INTERVAL_S)
                if time.monotonic() >= next_report:
                    self.stats.report()
                    next_report = time.monotonic() + self.config.stats_interval_s
        except KeyboardInterrupt:
            logger.info("interrupted")
        finally:
            self._shutdown(wsgi)

    def _shutdown(self, wsgi: Any) -> None:
        logger.info("drive server stopping")
        self.sio.eio.disconnect()  # close every client's socket, so their handlers end
        self.sio.shutdown()
        wsgi.kill()
        try:
            with eventlet.Timeout(SHUTDOWN_GRACE_S):
                wsgi.wait()
        except (eventlet.Timeout, eventlet.support.greenlets.GreenletExit):
            pass
        if self._sock is not None:
            self._sock.close()
        self.stats.report("final", force=True)
        if self.bad_frames or self.manual_frames:
            logger.info("bad frames: %d, manual frames: %d", self.bad_frames, self.manual_frames)

    def start(self, timeout: float = 10.0) -> "DriveServer":
        """Serve from a background thread; return once listening (see `port`)."""
        self.listen()
        self._thread = threading.Thread(target=self.serve_forever, name="drive-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("drive server did not start")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to stop; if it runs in a background thread, wait for it."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> "DriveServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def create_app(
    config: ServerConfig,
    model: keras.Model | SteeringFn,
    controller: PIController,
    recorder: RunRecorder | None = None,
    preprocess_config: PreprocessConfig = DEFAULT_PREPROCESS,
) -> DriveServer:
    """Build a drive server (not yet listening) around a model and a speed controller.

    Args:
        config: where to listen, message cap, report interval.
        model: a Keras model (wrapped in a warmed-up `CompiledSteering` here) or any
            callable from a preprocessed uint8 frame to a steering value.
        controller: the speed controller; its state is reset on each connection.
        recorder: records each driven frame when given; the caller closes it.
        preprocess_config: the preprocessing the model was trained with.
    """
    steering = CompiledSteering(model) if isinstance(model, keras.Model) else model
    return DriveServer(config, Driver(steering, controller, preprocess_config), recorder)
