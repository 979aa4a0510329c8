"""Frames the protocol refuses: other image formats, and JPEG headers that lie about the size."""

from __future__ import annotations

import cv2
import numpy as np


def encoded(rgb: np.ndarray, extension: str) -> bytes:
    """A frame in another image format than the simulator's JPEG (".png", ".webp")."""
    ok, data = cv2.imencode(extension, rgb[:, :, ::-1])
    assert ok
    return data.tobytes()


def with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its header (SOF0) changed to say width x height; the data stays 320x160."""
    data = bytearray(jpeg)
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)
