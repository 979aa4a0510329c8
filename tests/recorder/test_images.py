"""Finding images by file name in the log's own IMG/ and the JPEG checks."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np
import pytest

from recorder.images import check_image, check_inside, file_name, resolve_image


@pytest.mark.parametrize(
    "field",
    ["C:\\Users\\me\\IMG\\center_1.jpg", "/home/me/IMG/center_1.jpg", "IMG/center_1.jpg", "center_1.jpg", " IMG\\center_1.jpg "],
)
def test_file_name_takes_the_part_after_the_last_separator(field):
    assert file_name(field) == "center_1.jpg"


def test_resolve_tries_both_unicode_forms(tmp_path):
    nfc = unicodedata.normalize("NFC", "centre_é.jpg")
    (tmp_path / nfc).write_bytes(b"x")
    found = resolve_image("/Users/me/IMG/" + unicodedata.normalize("NFD", "centre_é.jpg"), tmp_path)
    assert found is not None and found.is_file()
    assert resolve_image("C:\\x\\IMG\\absent.jpg", tmp_path) is None
    assert resolve_image("", tmp_path) is None


def test_check_image_reasons(tmp_path):
    ok, jpeg = cv2.imencode(".jpg", np.full((160, 320, 3), 90, np.uint8))
    assert ok
    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg.tobytes())
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg.tobytes()[: len(jpeg) // 2])
    png = tmp_path / "png.jpg"
    png.write_bytes(cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))[1].tobytes())
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert check_image(good, decode=True) is None
    assert check_image(cut, decode=False)[0] == "undecodable_image"
    assert check_image(png, decode=False)[0] == "undecodable_image"
    assert "89504e47" not in check_image(png, decode=False)[1]  # no byte of the file is quoted
    assert check_image(empty, decode=False)[0] == "empty_image"
    assert check_image(tmp_path / "gone.jpg", decode=False)[0] == "missing_image"


def test_check_inside_follows_links_and_refuses_targets_outside(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    img = tmp_path / "rec" / "IMG"
    img.mkdir(parents=True)
    (img / "real.jpg").write_bytes(b"x")
    (img / "inside.jpg").symlink_to(img / "real.jpg")
    (img / "outside.jpg").symlink_to(secret)
    (img / "loop.jpg").symlink_to(img / "loop.jpg")
    assert check_inside(img / "real.jpg", img) is None
    assert check_inside(img / "inside.jpg", img) is None
    reason, detail = check_inside(img / "outside.jpg", img)
    assert reason == "image_outside_recording" and "not yours" not in detail and "secret" not in detail
    assert check_inside(img / "loop.jpg", img)[0] == "missing_image"
    linked = tmp_path / "linked_rec" / "IMG"  # IMG/ itself a link (a recording kept on another disk)
    linked.parent.mkdir()
    linked.symlink_to(img)
    assert check_inside(linked / "real.jpg", linked) is None
