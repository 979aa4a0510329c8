"""Finding a log's images in its own `IMG/` folder, checking they are JPEGs, reading them.

The simulator writes absolute paths of the machine it ran on (Windows
backslashes or POSIX), Udacity's sample data relative `IMG/...` paths. Only the
file name is trusted: the image is looked up in the `IMG/` folder beside the log,
and used only if, links followed, it lies inside that folder (`IMG/` itself may
be a link, e.g. to another disk; a file in it that links elsewhere is refused).
Files are only ever opened for reading, and no byte of a file is ever quoted
in a message.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

__all__ = ["file_name", "resolve_image", "check_inside", "check_image", "read_rgb"]

# JPEG start-of-image marker (plus the first byte of the next marker) and end-of-image marker.
_JPEG_START = b"\xff\xd8\xff"
_JPEG_END = b"\xff\xd9"
# Encoders may pad after the end-of-image marker; look for it in this many final bytes.
_TAIL_BYTES = 64


def file_name(field: str) -> str:
    """The part of a recorded path after its last `\\` or `/`."""
    return field.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()


def resolve_image(field: str, image_dir: Path) -> Path | None:
    """Return `image_dir / name` for the file named in `field`, or None where absent.

    macOS writes decomposed Unicode (NFD) names, Windows and Linux composed
    (NFC) ones; both spellings are tried so a non-ASCII name found on disk is used.
    """
    name = file_name(field)
    if not name:
        return None
    for form in (name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)):
        candidate = image_dir / form
        if candidate.is_file():
            return candidate
    return None


def check_inside(path: Path, image_dir: Path) -> tuple[str, str] | None:
    """Return (reason, detail) when `path` (a name in `image_dir`) links to a file outside it."""
    if not os.path.islink(path):  # a plain file directly in image_dir: inside whatever image_dir is
        return None
    try:
        real, real_dir = path.resolve(strict=True), image_dir.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links (Python < 3.13)
        return "missing_image", f"{path.name} cannot be resolved ({getattr(error, 'strerror', None) or error})"
    if real_dir not in real.parents:
        return "image_outside_recording", f"{path.name} links to a file outside {image_dir}"
    return None


def check_image(path: Path, decode: bool) -> tuple[str, str] | None:
    """Return (reason, detail) when `path` is not a usable JPEG, else None.

    The cheap check reads the first and last bytes: a JPEG starts with its
    start-of-image marker and a complete one ends with its end-of-image marker
    (a truncated file lacks it). `decode` adds a full decode with Pillow, which
    also catches corrupt data between the markers.
    """
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty_image", f"{path.name} has 0 bytes"
        with open(path, "rb") as f:
            head = f.read(len(_JPEG_START))
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read()
    except OSError as error:
        return "missing_image", f"{path.name} cannot be read ({error.strerror or error})"
    if head != _JPEG_START:
        return "undecodable_image", f"{path.name} is not a JPEG (no JPEG start marker)"
    if _JPEG_END not in tail:
        return "undecodable_image", f"{path.name} is truncated (no JPEG end marker)"
    if decode:
        try:
            with Image.open(path) as image:
                image.load()
        except (OSError, SyntaxError, ValueError) as error:
            return "undecodable_image", f"{path.name} does not decode ({error})"
    return None


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """A frame as an RGB uint8 array (OpenCV decodes BGR); OSError naming the file where it cannot be decoded."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise OSError(f"{path}: cannot be decoded as an image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
