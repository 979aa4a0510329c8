"""scripts/review.py end to end: rows marked with the keyboard in headless Chromium, then train.py leaves them out."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from bcloning.commands import inspect_data, review, train
from recorder.exclusions import exclusions_path
from tests.browser import browser_fixture, wait_for
from tests.commands.test_train import TINY
from training.model import build_pilotnet
from training.model_file import save_model

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = re.compile(r"open (http://127\.0\.0\.1:\d+/)")

browser = browser_fixture()


def _address(process: subprocess.Popen, timeout: float = 60.0) -> str:
    """The page's address from the command's log (it picked a free port)."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    while True:
        line = lines.get(timeout=timeout)
        if match := ADDRESS.search(line):
            return match.group(1)


@pytest.mark.slow
def test_rows_marked_with_the_keyboard_are_left_out_by_train_and_inspect(browser, recording_factory, tmp_path, capsys):
    folder = recording_factory("lap", rows=40)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "review.py"), str(folder), "--port", "0"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    try:
        browser.get(_address(process))
        wait_for(lambda: browser.execute_script("return document.body.dataset.ready === '1'"), what="the page")
        page = browser.find_element("tag name", "body")
        page.send_keys(*[Keys.ARROW_RIGHT] * 5, "[", *[Keys.ARROW_RIGHT] * 9, "]")
        assert browser.find_element("id", "selection").text == "log rows 6-15 (10 rows)"
        page.send_keys("x")
        wait_for(lambda: browser.execute_script("return document.body.dataset.saved === '1'"), what="the save")
        assert "10 rows excluded" in browser.find_element("id", "save-status").text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0  # Ctrl-C is a clean stop
    saved = json.loads(exclusions_path(folder).read_text())
    assert saved["ranges"] == [{"first": 6, "last": 15, "note": ""}]

    assert train.main([str(folder), "--approach", "generator", "--out", str(tmp_path / "run"), "--no-emissions",
                       *TINY]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["samples"]["dropped_by_reason"] == {"excluded": 10} and report["samples"]["loaded"] == 30
    assert "excluded: 10 rows" in capsys.readouterr().out
    assert inspect_data.main([str(folder), "--out", str(tmp_path / "inspect")]) == 0
    assert "excluded               10" in capsys.readouterr().out


def test_user_errors_exit_2_with_one_line(recording_factory, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(review.ReviewServer, "serve_forever", lambda self: None)  # an accepted case returns 0
    assert review.main([str(tmp_path / "missing")]) == 2
    assert "missing: no such folder" in capsys.readouterr().err
    folder = recording_factory("lap", rows=5)
    exclusions_path(folder).write_text("{}")
    assert review.main([str(folder), "--port", "0"]) == 2
    assert "lap.exclusions.json: not an exclusions file" in capsys.readouterr().err
    exclusions_path(folder).unlink()
    assert review.main([str(folder), "--port", "0", "--model", str(tmp_path / "none.keras")]) == 2
    assert "none" in capsys.readouterr().err
    run = tmp_path / "run"
    save_model(build_pilotnet(seed=0), run / "model.keras")
    (run / "INCOMPLETE").write_text("{}")  # killed right after model.json was written
    assert review.main([str(folder), "--port", "0", "--model", str(run / "model.keras")]) == 2
    err = capsys.readouterr().err
    assert "has not finished" in err and err.count("\n") == 1, err
