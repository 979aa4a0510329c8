"""The drive server: Socket.IO over eventlet, with a Flask app beside it for the dashboard.

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
Who may connect and how much each may send: `agent.guard` (Origin and Host:
the simulator sends no Origin; pages only from the server's own origin or
`--allow-origin`) and `agent.limits` (connection cap, idle timeouts, a sending
budget per connection). `agent.sessions` lets one connection drive at a time;
`agent.shutdown` stops the server in bounded time whatever the clients do.
"""

from __future__ import annotations

import logging
import socket
import sys
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
import socketio
from flask import Flask
from socketio import packet

from agent import wsmask
from agent.config import ServerConfig
from agent.controller import PIController
from agent.dashboard import Dashboard
from agent.driver import Driver, SteeringFn
from agent.guard import HostGuard, OriginPolicy, trusted_hosts
from agent.legacy import LegacyConnectAdapter
from agent.limits import CappedListener, SessionGuard
from agent.ratelimit import RateLimitedLog
from agent.recording import RunRecorder
from agent.sessions import Sessions
from agent.shutdown import close_all_sessions, stop_wsgi
from agent.stats import LatencyStats
from agent.telemetry import STEER_ZERO, TelemetryError, decode_telemetry, encode_steer
from training.preprocess import DEFAULT_PREPROCESS, Preprocessing

__all__ = ["DriveServer", "create_app"]

logger = logging.getLogger(__name__)

# How often the serving loop checks for stop() and due reports (s).
POLL_INTERVAL_S = 0.05
# How long stop() lets open connections finish before it cuts them (s); with the
# poll interval and the final report, a stop takes well under 3 s.
SHUTDOWN_GRACE_S = 1.0
# How often sessions that never sent a message are looked for (s).
SWEEP_EVERY_S = 0.5


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
        self._log = RateLimitedLog(logger)  # bad frames: one warning per second at most
        self._pool: eventlet.GreenPool | None = None  # one greenthread per open connection
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        wsmask.install()  # eventlet's byte-by-byte unmasking costs ~5 ms per frame
        self.sio = socketio.Server(
            async_mode="eventlet",
            async_handlers=False,  # in order, in the reader: one frame at a time per client
            always_connect=True,  # CONNECT goes out before the connect handler's `steer`
            cors_allowed_origins=OriginPolicy(config.allowed_origins),  # no Origin (the simulator) passes
            max_http_buffer_size=config.max_message_bytes,
            ping_interval=config.ping_interval_s,
            ping_timeout=config.ping_timeout_s,
        )
        self.legacy = LegacyConnectAdapter(self.sio, self._answer_bad_event)
        self.sessions = Sessions(driver)
        # In front of the adapter: budgets are spent before a message is decoded.
        self.guard = SessionGuard(self.sio, config, self._is_driving)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("telemetry", self._on_telemetry)
        self.sio.on("*", self._on_other)
        self.flask = Flask(__name__)
        self.dashboard = Dashboard(lambda: self.stats, self._dashboard_status)  # the page at /, /status.json, /frame.jpg
        self.dashboard.attach(self.flask)
        self.app = HostGuard(socketio.WSGIApp(self.sio, self.flask), trusted_hosts(config.host))

    # ----- handlers: decode -> decide -> encode -----

    def _on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        logger.info("client %s connected from %s", sid, environ.get("REMOTE_ADDR"))
        self.sio.emit("steer", STEER_ZERO, to=sid)

    def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.sessions.close(sid)
        logger.info("client %s disconnected (%s)", sid, reason)

    def _on_other(self, event: str, sid: str, *args: Any) -> None:
        self._log.warning("ignored unknown event %r from %s", event, sid)

    def _on_telemetry(self, sid: str, data: Any = None, *extra: Any) -> None:
        started = self.legacy.received_at
        if data == {} and not extra:
            self.manual_frames += 1
            self.sio.emit("manual", {}, to=sid)
            return
        driver = self.sessions.driver_for(sid)  # the run's driver, or this connection's own
        telemetry = None
        try:
            if extra:
                raise TelemetryError(f"telemetry has {len(extra)} argument(s) after the payload")
            telemetry = decode_telemetry(data, started)
            command = driver.decide(telemetry)
        except TelemetryError as exc:
            self.bad_frames += 1
            self._log.warning("bad telemetry from %s (%s); holding steering, throttle 0", sid, exc)
            command = driver.fallback()
        except Exception:  # the simulator sends its next frame only after a reply: always reply
            self.bad_frames += 1
            self._log.warning("driving failed on a frame; holding steering, throttle 0", exc_info=True)
            command = driver.fallback()
            telemetry = None
        self.sio.emit("steer", encode_steer(command.steering, command.throttle), to=sid)
        if telemetry is not None:
            self.stats.add(time.perf_counter() - started)
            if self.sessions.is_owner(sid):  # another connection neither feeds the run nor its view
                self.dashboard.keep(data["image"], telemetry.speed, command.steering, command.throttle)
                if self.recorder is not None:
                    self.recorder.add(telemetry.image, command.steering, command.throttle, telemetry.speed)

    def _dashboard_status(self) -> dict[str, Any]:
        """The counters of this server the dashboard shows beside its latency stats."""
        recorder = self.recorder
        return {"bad_frames": self.bad_frames, "manual_frames": self.manual_frames,
                "recording": None if recorder is None else {"folder": str(recorder.folder), "rows": recorder.rows}}

    def _is_driving(self, eio_sid: str) -> bool:
        return self.sessions.is_owner(self.sio.manager.sid_from_eio_sid(eio_sid, "/"))

    def _answer_bad_event(self, eio_sid: str) -> None:
        """Answer an event that could not be decoded with its connection's own fallback `steer`."""
        self.bad_frames += 1
        command = self.sessions.fallback(self.sio.manager.sid_from_eio_sid(eio_sid, "/"))
        steer = self.sio.packet_class(packet.EVENT, data=["steer", encode_steer(command.steering, command.throttle)])
        self.sio.eio.send(eio_sid, steer.encode())  # works before the session is connected to / too

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
        cfg = self.config
        self._pool = eventlet.GreenPool(cfg.max_connections)
        self.listener = CappedListener(eventlet.greenio.GreenSocket(self._sock), self._pool, cfg.max_connections)
        wsgi = eventlet.spawn(
            eventlet.wsgi.server, self.listener, self.app, log_output=False, custom_pool=self._pool,
            keepalive=cfg.idle_timeout_s,  # the wait for a request line, the first one included
            socket_timeout=cfg.idle_timeout_s,  # a request that stalls (WebSockets set their own)
        )
        self._ready.set()
        next_report = time.monotonic() + (cfg.stats_interval_s or float("inf"))
        next_sweep = time.monotonic() + SWEEP_EVERY_S
        try:
            while not self._stop.is_set() and not wsgi.dead:
                eventlet.sleep(POLL_INTERVAL_S)
                now = time.monotonic()
                if now >= next_sweep:
                    self.guard.sweep()
                    next_sweep = now + SWEEP_EVERY_S
                if now >= next_report:
                    self.stats.report()
                    next_report = now + cfg.stats_interval_s
        except KeyboardInterrupt:
            logger.info("interrupted")
        finally:
            self._shutdown(wsgi)

    def _shutdown(self, wsgi: Any) -> None:
        logger.info("drive server stopping")
        started = time.monotonic()
        sessions = close_all_sessions(self.sio.eio)  # waits for no client (see agent.shutdown)
        self.sio.shutdown()
        cut = stop_wsgi(wsgi, self._pool, SHUTDOWN_GRACE_S)
        if self._sock is not None:
            self._sock.close()
        logger.info(
            "drive server stopped in %.1f s (%d session(s) closed, %d connection(s) cut)",
            time.monotonic() - started, sessions, cut,
        )
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
    model: Any,
    controller: PIController,
    recorder: RunRecorder | None = None,
    preprocess_config: Preprocessing = DEFAULT_PREPROCESS,
) -> DriveServer:
    """Build a drive server (not yet listening) around a model and a speed controller.

    Args:
        config: where to listen, message cap, report interval.
        model: a steering callable from a preprocessed uint8 frame to a steering
            value (`agent.runtimes.load_steering` gives one for any model file),
            or a Keras model (wrapped in a warmed-up `CompiledSteering` here).
        controller: the speed controller of the run; it is reset when a connection starts
            driving (other connections get controllers of their own: `agent.sessions`).
        recorder: records each driven frame when given; the caller closes it.
        preprocess_config: the preprocessing the model was trained with.
    """
    # A Keras model can only exist if Keras was imported: the check imports nothing,
    # so serving an exported model never loads TensorFlow.
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):
        from agent.inference import CompiledSteering

        model = CompiledSteering(model)
    steering: SteeringFn = model
    return DriveServer(config, Driver(steering, controller, preprocess_config), recorder)
