"""Finding a log's images in its own `IMG/` folder, checking they are JPEGs, reading them.

The simulator writes absolute paths of the machine it ran on (Windows
backslashes or POSIX), Udacity's sample data relative `IMG/...` paths. Only the
file name is trusted: the image is looked up in the `IMG/` folder beside the log,
and used only if, links followed, it lies inside that folder (`IMG/` itself may
be a link, e.g. to another disk; a file in it that links elsewhere is refused).
Files are only ever opened for reading, and no byte of a file is ever quoted
in a message.

JPEGs are read with simplejpeg (libjpeg-turbo, as OpenCV's decoder: the same
pixels). Unlike OpenCV and Pillow it reports libjpeg's warnings: a file cut
short that still ends with the end marker decodes, grey where data is missing,
and OpenCV only prints "Corrupt JPEG data" on stderr; here, with `strict`, it
is an error the loader drops the row for, and nothing is printed.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np
import simplejpeg

from recorder.formats import FRAME_SHAPE

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
    """Return (reason, detail) when `path` is not a usable JPEG of the simulator's size, else None.

    The cheap check reads the file: a JPEG starts with its start-of-image marker,
    a complete one ends with its end-of-image marker (a truncated file lacks
    it), and its header holds its size. `decode` adds a full decode that treats
    libjpeg's warnings as errors, which also catches corrupt data between the
    markers.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        return "missing_image", f"{path.name} cannot be read ({error.strerror or error})"
    if not data:
        return "empty_image", f"{path.name} has 0 bytes"
    if not data.startswith(_JPEG_START):
        return "undecodable_image", f"{path.name} is not a JPEG (no JPEG start marker)"
    if _JPEG_END not in data[-_TAIL_BYTES:]:
        return "undecodable_image", f"{path.name} is truncated (no JPEG end marker)"
    try:
        height, width, *_ = simplejpeg.decode_jpeg_header(data)
    except ValueError as error:
        return "undecodable_image", f"{path.name} has no readable JPEG header ({str(error)[:80]})"
    if (height, width) != FRAME_SHAPE:
        return "wrong_image_size", f"{path.name} is {width}x{height}, expected {FRAME_SHAPE[1]}x{FRAME_SHAPE[0]}"
    if decode:
        try:
            simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
        except ValueError as error:
            return "undecodable_image", f"{path.name} decodes with errors ({str(error)[:80]})"
    return None


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """A JPEG frame as an RGB uint8 array; OSError naming the file where it cannot be decoded.

    Not strict: a frame the loader let through (without `decode_images`) is used
    as libjpeg decodes it, without its warnings on stderr.
    """
    try:
        with open(path, "rb") as f:
            return simplejpeg.decode_jpeg(f.read(), colorspace="RGB")
    except ValueError as error:
        raise OSError(f"{path}: cannot be decoded as a JPEG ({str(error)[:80]})") from None
