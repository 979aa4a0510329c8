"""The review page: step through recordings in the browser and mark rows to leave out.

    app = ReviewServer(ReviewConfig(port=0), build_timelines(folders, load), load.exclusions_dir)
    app.start(); ...; app.stop()        # or app.serve_forever() until Ctrl-C

Routes (the page is agent/static/review.html, .js, plot.js, style.css):

    GET  /                          the page
    GET  /recordings.json           every row of every recording: numbers, dropped rows
                                    and why, the model's steering, the marked ranges and
                                    their version
    GET  /image/<rec>/<row>/<cam>   a camera's JPEG of a row, read from the recording
    POST /exclusions/<rec>          {"version": n, "ranges": [{"first", "last", "note"}]}:
                                    replace the marked ranges and save them (`recorder.exclusions`)

The recording is only read; marks go to its exclusions file, atomically. What
it refuses (docs/browser.md): a request for another Host name on loopback (421,
`agent.guard.HostGuard`, as the drive server: DNS rebinding); a POST that is not
JSON, or that a page of another site sent (403, `agent.guard.cross_site`); a
save from a page that loaded older marks than those saved since (409: two pages
on one recording never silently drop each other's marks); ranges that are not
whole row numbers of the log (400); an image that links outside IMG/ (404, the
loader's `check_inside`).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from flask import Flask, Response, jsonify, request, send_file
from tqdm import tqdm
from werkzeug.serving import make_server

from agent.guard import HostGuard, cross_site, trusted_hosts
from recorder.config_fields import check_range, setting
from recorder.exclusions import (
    ExcludedRange,
    Exclusions,
    check_writable,
    exclusions_path,
    load_exclusions,
    parse_ranges,
    save_exclusions,
)
from recorder.formats import CAMERAS, FRAME_SHAPE
from recorder.images import check_inside, read_rgb
from recorder.timeline import Timeline
from training.preprocess import PreprocessConfig, preprocess

__all__ = ["ReviewConfig", "ReviewServer", "model_steering"]

logger = logging.getLogger(__name__)

PAGE = "review.html"
# Port 4567 is the drive server's (the simulator's fixed address); the review page sits beside it.
REVIEW_PORT = 4568
# A save is a few ranges; a larger body is refused (413) before it is read.
MAX_BODY_BYTES = 1 << 20


@dataclass(frozen=True)
class ReviewConfig:
    """Where the review page is served."""

    host: str = setting("127.0.0.1", "interface to listen on (0.0.0.0 for all)")
    port: int = setting(REVIEW_PORT, "TCP port; 0 picks a free one")

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host: must not be empty")
        check_range("port", self.port, low=0, high=65535)


def model_steering(timeline: Timeline, steering: Any, config: PreprocessConfig) -> list[float | None]:
    """The model's steering for every row whose centre image decodes (None elsewhere), with a progress bar."""
    values: list[float | None] = []
    for images in tqdm(timeline.images, desc=f"model on {timeline.session}", unit="frame", leave=False):
        centre = images["center"]
        try:
            rgb = read_rgb(centre) if centre is not None else None
        except OSError:  # the loader names what is wrong with it among the dropped rows
            rgb = None
        if rgb is None or rgb.shape[:2] != FRAME_SHAPE:
            values.append(None)
            continue
        value = float(steering(preprocess(rgb, config)))
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
        self.versions = [0] * len(self.timelines)  # +1 per save: a page sends back the one it loaded
        self._lock = threading.Lock()  # one save at a time
        self.flask = Flask(__name__)  # static files: agent/static
        self.flask.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
        self.flask.add_url_rule("/", "page", lambda: self.flask.send_static_file(PAGE))
        self.flask.add_url_rule("/recordings.json", "recordings", self._recordings)
        self.flask.add_url_rule("/image/<int:rec>/<int:row>/<camera>", "image", self._image)
        self.flask.add_url_rule("/exclusions/<int:rec>", "exclusions", self._save, methods=["POST"])
        self.guard = HostGuard(self.flask, trusted_hosts(config.host))
        self._server = make_server(config.host, config.port, self.guard, threaded=True)
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
                "version": self.versions[i],
            })
        return jsonify(recordings=recordings, cameras=list(CAMERAS))

    def _image(self, rec: int, row: int, camera: str) -> Response:
        if not (0 <= rec < len(self.timelines) and 0 <= row < len(self.timelines[rec]) and camera in CAMERAS):
            return Response("no such row or camera", status=404, mimetype="text/plain")
        path = self.timelines[rec].images[row][camera]
        # checked again when served: a file of IMG/ may have become a link since the recording was read
        if path is None or check_inside(path, path.parent) is not None:
            return Response("no image for this row", status=404, mimetype="text/plain")
        # absolute: Flask would resolve a relative path against agent/, not the working folder
        return send_file(path.absolute(), mimetype="image/jpeg", max_age=3600)

    def _save(self, rec: int) -> Response | tuple[Response, int]:
        if not 0 <= rec < len(self.timelines):
            return jsonify(error=f"no recording {rec}"), 404
        foreign = cross_site(request.environ)
        if foreign is not None:
            logger.warning("refused a save from %s: only this server's own page saves marks", foreign)
            return jsonify(error=f"refused: a save from another site ({foreign}); use the page this server serves"), 403
        usage = 'send JSON {"version": n, "ranges": [{"first": ..., "last": ..., "note": ...}]}'
        try:
            body = json.loads(request.get_data()) if request.is_json else None
        except (ValueError, RecursionError) as exc:  # also an integer past Python's digit limit, deep nesting
            return jsonify(error=f"not JSON: {str(exc)[:120]}; {usage}"), 400
        if not isinstance(body, dict) or not isinstance(body.get("version"), int) or "ranges" not in body:
            return jsonify(error=usage), 400
        timeline, path = self.timelines[rec], self.paths[rec]
        try:
            ranges = parse_ranges(body["ranges"], last_row=max(timeline.lines))
        except ValueError as exc:
            return jsonify(error=f"bad range: {exc}"), 400
        with self._lock:
            if body["version"] != self.versions[rec]:
                return jsonify(error="not saved: the marks of this recording were saved from another page since "
                                     "this one loaded them; reload the page to see them, then mark again"), 409
            try:
                save_exclusions(path, timeline.log_file, ranges)
            except OSError as exc:
                logger.error("cannot save %s: %s", path, exc)
                return jsonify(error=f"cannot write {path}: {exc.strerror or exc}; "
                                     "choose a writable folder with --exclusions-dir"), 500
            self.ranges[rec] = ranges
            self.versions[rec] += 1
            version = self.versions[rec]
        rows = sum(1 for line in timeline.lines if any(line in r for r in ranges))
        logger.info("%s: %d ranges (%d rows) saved to %s", timeline.session, len(ranges), rows, path)
        return jsonify(ranges=[r.to_dict() for r in ranges], file=str(path), rows=rows, version=version)

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
