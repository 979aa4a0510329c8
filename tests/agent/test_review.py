"""The review page's server over real sockets, and marking rows with the mouse in a real headless Chromium."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from agent.review import ReviewConfig, ReviewServer, model_steering
from recorder import LoadConfig, load_recordings
from recorder.exclusions import ExclusionsError, exclusions_path, load_exclusions
from recorder.timeline import build_timelines
from tests.browser import browser_fixture, wait_for
from training.preprocess import DEFAULT_PREPROCESS

browser = browser_fixture()


def _tree(folder):
    return {p.relative_to(folder): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def _request(url: str, body: bytes | None = None, kind: str = "application/json",
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    sent = {**({"Content-Type": kind} if body is not None else {}), **(headers or {})}
    request = urllib.request.Request(url, data=body, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _open_page(browser, server: ReviewServer) -> None:
    browser.get(f"http://127.0.0.1:{server.port}/")
    wait_for(lambda: browser.execute_script("return document.body.dataset.ready === '1'"), what="the page")


def _server(folders, exclusions_dir="", model=None) -> ReviewServer:
    return ReviewServer(ReviewConfig(port=0), build_timelines(folders, LoadConfig()), str(exclusions_dir), model)


def test_rows_images_and_saved_marks_while_the_recording_stays_untouched(recording_factory):
    folder = recording_factory("lap", rows=12)
    before = _tree(folder)
    with _server([folder]) as server:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _request(base + "/recordings.json")
        [recording] = json.loads(body)["recordings"]
        assert status == 200 and recording["lines"] == list(range(1, 13)) and recording["ranges"] == []
        assert recording["model"] is None and recording["cameras"][0] == [True, True, True]
        status, jpeg = _request(base + "/image/0/3/left")
        assert status == 200 and jpeg == (folder / "IMG").joinpath(
            load_recordings([folder]).samples[3].left.name).read_bytes()
        assert _request(base + "/image/0/99/left")[0] == 404 and _request(base + "/image/0/1/roof")[0] == 404
        ranges = {"ranges": [{"first": 4, "last": 6, "note": "kerb"}]}
        status, body = _request(base + "/exclusions/0", json.dumps({"version": 0, **ranges}).encode())
        assert status == 200 and json.loads(body)["rows"] == 3
    saved = load_exclusions(exclusions_path(folder), folder / "driving_log.csv")
    assert [(r.first, r.last, r.note) for r in saved.ranges] == [(4, 6, "kerb")]
    assert _tree(folder) == before  # the log and images were only read
    with _server([folder]) as server:  # opened again: the marks are loaded back
        body = _request(f"http://127.0.0.1:{server.port}/recordings.json")[1]
        assert json.loads(body)["recordings"][0]["ranges"] == ranges["ranges"]


def test_bad_saves_are_refused_with_a_reason(recording_factory, tmp_path):
    folder = recording_factory("lap", rows=5)
    marks = tmp_path / "marks"
    with _server([folder], exclusions_dir=marks) as server:
        base = f"http://127.0.0.1:{server.port}/exclusions"
        good = json.dumps({"version": 0, "ranges": [{"first": 1, "last": 2}]}).encode()
        assert _request(base + "/0", good, kind="text/plain")[0] == 400  # only the page's JSON saves
        status, body = _request(base + "/0", json.dumps({"version": 0, "ranges": [{"first": 3, "last": 1}]}).encode())
        assert status == 400 and "last (1) must be >= first (3)" in json.loads(body)["error"]
        assert _request(base + "/7", good)[0] == 404
        marks.write_text("")  # now the exclusions folder cannot be made
        status, body = _request(base + "/0", good)
        assert status == 500 and "--exclusions-dir" in json.loads(body)["error"]


def test_a_read_only_exclusions_folder_is_refused_at_start(recording_factory, tmp_path):
    folder = recording_factory("lap", rows=3)
    marks = tmp_path / "shared"
    marks.mkdir(mode=0o555)  # read-only for everyone, root included by this check
    with pytest.raises(ExclusionsError, match="read-only.*--exclusions-dir"):
        _server([folder], exclusions_dir=marks)


def test_model_steering_for_every_row_with_a_centre_image(recording_factory, steering_fn):
    folder = recording_factory("lap", rows=4)
    log = folder / "driving_log.csv"
    lines = log.read_text().splitlines()
    lines[2] = lines[2].replace("center_", "center_gone_")
    log.write_text("\n".join(lines) + "\n")
    [timeline] = build_timelines([folder])
    values = model_steering(timeline, steering_fn, DEFAULT_PREPROCESS)
    assert values[2] is None and all(isinstance(values[i], float) for i in (0, 1, 3))


@pytest.mark.slow
def test_a_range_dragged_with_the_mouse_is_saved_as_excluded(browser, recording_factory):
    folder = recording_factory("lap", rows=40)
    with _server([folder]) as server:
        _open_page(browser, server)
        plot = browser.find_element("id", "plot-speed")
        width = plot.size["width"]
        # from about a quarter to about half of the plot's x axis (offsets are from its centre)
        ActionChains(browser).move_to_element_with_offset(plot, -width // 4, 0).click_and_hold() \
            .move_by_offset(width // 4, 0).release().perform()
        selected = browser.find_element("id", "selection").text
        assert selected.startswith("log rows ")
        browser.find_element("id", "note").send_keys("dragged")
        browser.find_element("id", "exclude").click()
        wait_for(lambda: browser.execute_script("return document.body.dataset.saved === '1'"), what="the save")
    [marked] = load_exclusions(exclusions_path(folder), folder / "driving_log.csv").ranges
    assert selected.startswith(f"log rows {marked.first}-{marked.last} ") and marked.note == "dragged"
    assert 5 <= marked.first < marked.last <= 25
    assert load_recordings([folder]).dropped == {"excluded": marked.last - marked.first + 1}


def _save_body(first: int, last: int, version: int = 0, note: str = "") -> bytes:
    return json.dumps({"version": version, "ranges": [{"first": first, "last": last, "note": note}]}).encode()


def test_an_image_linked_outside_the_recording_is_never_served(recording_factory, tmp_path):
    folder = recording_factory("lap", rows=4)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the page")
    log = folder / "driving_log.csv"
    centre = log.read_text().splitlines()[0].split(",")[0]
    evil = folder / "IMG" / "center_evil.jpg"
    evil.symlink_to(secret)
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace(centre, "IMG/center_evil.jpg")
    log.write_text("\n".join(lines) + "\n")
    with _server([folder]) as server:
        base = f"http://127.0.0.1:{server.port}"
        recording = json.loads(_request(base + "/recordings.json")[1])["recordings"][0]
        assert recording["cameras"][0][0] is False and recording["dropped"][0][1] == "image_outside_recording"
        status, body = _request(base + "/image/0/0/center")
        assert status == 404 and b"not for the page" not in body
        assert _request(base + "/image/0/1/center")[0] == 200
        # a file swapped for a link after the page loaded is refused when served, by the same check
        good = server.timelines[0].images[1]["center"]
        good.unlink()
        good.symlink_to(secret)
        status, body = _request(base + "/image/0/1/center")
        assert status == 404 and b"not for the page" not in body


def test_a_foreign_host_or_origin_is_refused_and_writes_nothing(recording_factory):
    folder = recording_factory("lap", rows=5)
    with _server([folder]) as server:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _request(base + "/recordings.json", headers={"Host": "evil.example"})
        assert status == 421 and b"evil" not in body
        assert _request(base + "/exclusions/0", _save_body(1, 2), headers={"Host": f"evil.example:{server.port}"})[0] == 421
        status, body = _request(base + "/exclusions/0", _save_body(1, 2), headers={"Origin": "http://evil.example"})
        assert status == 403 and "another site" in json.loads(body)["error"]
        status, _ = _request(base + "/exclusions/0", _save_body(1, 2), headers={"Sec-Fetch-Site": "cross-site"})
        assert status == 403
        assert not exclusions_path(folder).exists()
        own = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
        assert _request(base + "/exclusions/0", _save_body(1, 2), headers=own)[0] == 200
        assert _request(f"http://localhost:{server.port}/recordings.json")[0] == 200


def test_a_stale_page_cannot_overwrite_marks_saved_by_another(recording_factory):
    folder = recording_factory("lap", rows=10)
    with _server([folder]) as server:
        base = f"http://127.0.0.1:{server.port}"
        version = json.loads(_request(base + "/recordings.json")[1])["recordings"][0]["version"]
        status, body = _request(base + "/exclusions/0", _save_body(2, 3, version, "first page"))
        assert status == 200
        newer = json.loads(body)["version"]
        status, body = _request(base + "/exclusions/0", _save_body(6, 7, version, "second page"))
        assert status == 409 and "reload" in json.loads(body)["error"]
        assert _request(base + "/exclusions/0", json.dumps({"ranges": []}).encode())[0] == 400  # no version: refused
        assert json.loads(_request(base + "/recordings.json")[1])["recordings"][0]["version"] == newer
    [kept] = load_exclusions(exclusions_path(folder), folder / "driving_log.csv").ranges
    assert (kept.first, kept.last, kept.note) == (2, 3, "first page")


@pytest.mark.parametrize("body, message", [
    (b'{"version": 0, "ranges": [{"first": 9, "last": 999999}]}', "past the last row 5"),
    (b'{"version": 0, "ranges": [{"first": -1, "last": 2}]}', "first must be a 1-based line number"),
    (b'{"version": 0, "ranges": [{"first": 1.5, "last": 2}]}', "first must be a 1-based line number"),
    (b'{"version": 0, "ranges": [{"first": 1, "last": Infinity}]}', "last must be a 1-based line number"),
    (b'{"version": 0, "ranges": [{"first": NaN, "last": 2}]}', "first must be a 1-based line number"),
    (b'{"version": 0, "ranges": [{"first": 1, "last": 1' + b"0" * 5000 + b'}]}', "not JSON"),
    (b'{"version": 0, "ranges": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not JSON"),
    (b'{"version": 0, "ranges": [' + b'{"first": 1, "last": 1},' * 1001 + b'{"first": 1, "last": 1}]}', "at most"),
])
def test_bad_ranges_are_refused_with_400_and_one_line(recording_factory, body, message):
    folder = recording_factory("lap", rows=5)
    with _server([folder]) as server:
        status, answer = _request(f"http://127.0.0.1:{server.port}/exclusions/0", body)
        assert status == 400, answer[:200]
        error = json.loads(answer)["error"]
        assert message in error and "\n" not in error
    assert not exclusions_path(folder).exists()


@pytest.mark.slow
def test_a_page_whose_marks_were_saved_by_another_shows_the_refusal(browser, recording_factory):
    folder = recording_factory("lap", rows=20)
    with _server([folder]) as server:
        _open_page(browser, server)
        assert _request(f"http://127.0.0.1:{server.port}/exclusions/0", _save_body(2, 3, 0, "other page"))[0] == 200
        page = browser.find_element("tag name", "body")
        page.send_keys(Keys.ARROW_RIGHT, "[", Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, "]", "x")
        status = browser.find_element("id", "save-status")
        wait_for(lambda: status.text.startswith("not saved"), what="the refusal")
        assert "reload the page" in status.text and status.get_attribute("class") == "error"
    [kept] = load_exclusions(exclusions_path(folder), folder / "driving_log.csv").ranges
    assert kept.note == "other page"
