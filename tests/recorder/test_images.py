"""Finding images by file name in the log's own IMG/ and the JPEG checks."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np
import pytest

from recorder.images import check_image, file_name, resolve_image


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
    assert check_image(empty, decode=False)[0] == "empty_image"
    assert check_image(tmp_path / "gone.jpg", decode=False)[0] == "missing_image"
