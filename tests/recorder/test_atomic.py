"""Atomic writes: whole file or old content, with ordinary permissions."""

import os
import stat

import pytest

from recorder.atomic import atomic_path, write_text_atomic


def test_written_file_has_umask_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "out.json", "{}")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == "{}"


def test_failure_keeps_old_content_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
