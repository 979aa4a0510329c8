"""The review page: step through recordings in the browser and mark rows to leave out.

    app = ReviewServer(ReviewConfig(port=0), build_timelines(folders, load), load.exclusions_dir)
    app.start(); ...; app.stop()        # or app.serve_forever() until Ctrl-C

Routes (the page is agent/static/review.html, .js, plot.js, style.css):

    GET  /                          the page
    GET  /recordings.json           every row of every recording: numbers, dropped rows
                                    and why, the model's steering, the marked ranges
    GET  /image/<rec>/<row>/<cam>   a camera's JPEG of a row, read from the recording
    POST /exclusions/<rec>          {"ranges": [{"first", "last", "note"}]}: replace the
                                    marked ranges and save them (`recorder.exclusions`)

The recording is only read; marks go to its exclusions file, atomically. A POST
must be JSON: a page of another site cannot send that without the server's
consent (a CORS preflight it never grants), so only this page saves.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

import cv2
from flask import Flask, Response, jsonify, request, send_file
from tqdm import tqdm
from werkzeug.serving import make_server

from recorder.exclusions import (
    ExcludedRange,
    Exclusions,
    check_writable,
    exclusions_path,
    load_exclusions,
    save_exclusions,
)
from recorder.formats import CAMERAS, FRAME_SHAPE
from recorder.timeline import Timeline
from training.preprocess import PreprocessConfig, preprocess

__all__ = ["ReviewConfig", "ReviewServer", "model_steering"]

logger = logging.getLogger(__name__)

PAGE = "review.html"
# Port 4567 is the drive server's (the simulator's fixed address); the review page sits beside it.
REVIEW_PORT = 4568


@dataclass(frozen=True)
class ReviewConfig:
    """Where the review page is served."""

    host: str = field(default="127.0.0.1", metadata={"help": "interface to listen on (0.0.0.0 for all)"})
    port: int = field(default=REVIEW_PORT, metadata={"help": "TCP port; 0 picks a free one"})

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host: must not be empty")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port: must be in 0..65535, got {self.port}")


def model_steering(timeline: Timeline, steering: Any, config: PreprocessConfig) -> list[float | None]:
    """The model's steering for every row whose centre image decodes (None elsewhere), with a progress bar."""
    values: list[float | None] = []
    for images in tqdm(timeline.images, desc=f"model on {timeline.session}", unit="frame", leave=False):
        centre = images["center"]
        bgr = cv2.imread(str(centre)) if centre is not None else None
        if bgr is None or bgr.shape[:2] != FRAME_SHAPE:
            values.append(None)
            continue
        value = float(steering(preprocess(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), config)))
        values.append(value if math.isfinite(value) else None)
    return values


class ReviewServer:
    """The review page over a set of recordings, their exclusions files and optional model steering."""

    def __init__(
        self,
        config: ReviewConfig,
        timelines: Sequence[Timeline],
        exclusions_dir: str = "",
        model: Sequence[Sequence[float | None]] | None = None,
    ) -> None:
        """Load each recording's exclusions.

        Raises:
            ExclusionsError: a file that cannot be used, or a read-only folder to save in.
        """
        self.config = config
        self.timelines = list(timelines)
        self.model = [list(m) for m in model] if model is not None else None
        self.paths = [exclusions_path(t.session, exclusions_dir) for t in self.timelines]
        for path in self.paths:
            check_writable(path)  # at start, not after a person marked a whole recording
        self.ranges: list[tuple[ExcludedRange, ...]] = [
            (load_exclusions(path, t.log_file) or Exclusions("")).ranges for path, t in zip(self.paths, self.timelines)
        ]
        self._lock = threading.Lock()  # one save at a time
        self.flask = Flask(__name__)  # static files: agent/static
        self.flask.add_url_rule("/", "page", lambda: self.flask.send_static_file(PAGE))
        self.flask.add_url_rule("/recordings.json", "recordings", self._recordings)
        self.flask.add_url_rule("/image/<int:rec>/<int:row>/<camera>", "image", self._image)
        self.flask.add_url_rule("/exclusions/<int:rec>", "exclusions", self._save, methods=["POST"])
        self._server = make_server(config.host, config.port, self.flask, threaded=True)
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    def _recordings(self) -> Response:
        recordings = []
        for i, timeline in enumerate(self.timelines):
            recordings.append({
                "name": timeline.session,
                "log_file": str(timeline.log_file),
                "exclusions_file": str(self.paths[i]),
                "lines": timeline.lines,
                "steering": timeline.steering,
                "throttle": timeline.throttle,
                "speed": timeline.speed,
                "model": self.model[i] if self.model is not None else None,
                "cameras": [[images[c] is not None for c in CAMERAS] for images in timeline.images],
                "dropped": [[index, reason, detail] for index, (reason, detail) in sorted(timeline.dropped.items())],
                "ranges": [r.to_dict() for r in self.ranges[i]],
            })
        return jsonify(recordings=recordings, cameras=list(CAMERAS))

    def _image(self, rec: int, row: int, camera: str) -> Response:
        if not (0 <= rec < len(self.timelines) and 0 <= row < len(self.timelines[rec]) and camera in CAMERAS):
            return Response("no such row or camera", status=404, mimetype="text/plain")
        path = self.timelines[rec].images[row][camera]
        if path is None:
            return Response("no image for this row", status=404, mimetype="text/plain")
        # absolute: Flask would resolve a relative path against agent/, not the working folder
        return send_file(path.absolute(), mimetype="image/jpeg", max_age=3600)

    def _save(self, rec: int) -> Response | tuple[Response, int]:
        if not 0 <= rec < len(self.timelines):
            return jsonify(error=f"no recording {rec}"), 404
        body = request.get_json(silent=True)
        if not request.is_json or not isinstance(body, dict) or not isinstance(body.get("ranges"), list):
            return jsonify(error='send JSON {"ranges": [{"first": ..., "last": ..., "note": ...}]}'), 400
        try:
            ranges = [ExcludedRange(int(r["first"]), int(r["last"]), str(r.get("note", ""))) for r in body["ranges"]]
        except (KeyError, TypeError, ValueError) as exc:
            return jsonify(error=f"bad range: {exc}"), 400
        timeline, path = self.timelines[rec], self.paths[rec]
        with self._lock:
            try:
                save_exclusions(path, timeline.log_file, ranges)
            except OSError as exc:
                logger.error("cannot save %s: %s", path, exc)
                return jsonify(error=f"cannot write {path}: {exc.strerror or exc}; "
                                     "choose a writable folder with --exclusions-dir"), 500
            self.ranges[rec] = tuple(ranges)
        rows = sum(1 for line in timeline.lines if any(line in r for r in ranges))
        logger.info("%s: %d ranges (%d rows) saved to %s", timeline.session, len(ranges), rows, path)
        return jsonify(ranges=[r.to_dict() for r in ranges], file=str(path), rows=rows)

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` or Ctrl-C."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            logger.info("interrupted")
        finally:
            self._server.server_close()

    def start(self) -> "ReviewServer":
        """Serve from a background thread (already listening: see `port`)."""
        self._thread = threading.Thread(target=self.serve_forever, name="review-server", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server run by `start()` (a server never started just closes its socket)."""
        if self._thread is None:
            self._server.server_close()
            return
        self._server.shutdown()
        self._thread.join(timeout)

    def __enter__(self) -> "ReviewServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
