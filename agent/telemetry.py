"""Decoding `telemetry` and encoding `steer`, as the Unity simulator sends and reads them.

The simulator sends every number as a JSON string (`"0.0000"`; on some system
locales with a decimal comma, `"0,0000"`), and the centre camera as a base64
JPEG of 320x160. It reads `steer` values back from their string form.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from recorder.formats import FRAME_SHAPE

__all__ = ["Telemetry", "TelemetryError", "decode_telemetry", "encode_steer", "STEER_ZERO"]

NUMERIC_FIELDS = ("steering_angle", "throttle", "speed")
# The protocol's only image format: PNG, WebP ... are refused, not decoded.
FRAME_FORMATS = ("JPEG",)


class TelemetryError(ValueError):
    """A telemetry message that cannot be driven on."""


@dataclass(frozen=True)
class Telemetry:
    """One decoded telemetry message."""

    image: np.ndarray  # centre camera, RGB uint8 (160, 320, 3)
    speed: float  # mph
    throttle: float  # the throttle the simulator applied (-1..1)
    steering_angle: float  # the wheel angle the simulator applied (degrees)
    received_at: float  # time.perf_counter() when the message arrived (s)


def _number(data: dict[str, Any], name: str) -> float:
    raw = data.get(name)
    if raw is None:
        raise TelemetryError(f"missing field {name!r}")
    try:
        value = float(raw.replace(",", ".") if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        raise TelemetryError(f"field {name!r} is not a number: {str(raw)[:40]!r}") from None
    if not math.isfinite(value):
        raise TelemetryError(f"field {name!r} is not finite: {raw!r}")
    return value


def _image(raw: Any) -> np.ndarray:
    if not isinstance(raw, str) or not raw:
        raise TelemetryError("missing or non-string field 'image'")
    try:
        jpeg = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise TelemetryError("field 'image' is not base64") from None
    try:
        # Reads the header only: a wrong size is refused before any pixel is decoded.
        # Pillow's decompression-bomb check (a warning, then an error, for huge sizes)
        # is made an error here, so a 60000x60000 header is one refused frame.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(jpeg), formats=FRAME_FORMATS) as header:
                size = header.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TelemetryError("field 'image' is a JPEG header of a huge image, expected 320x160") from None
    except (UnidentifiedImageError, OSError):
        raise TelemetryError("field 'image' is not a JPEG image (the simulator sends JPEG)") from None
    if size != FRAME_SHAPE[::-1]:  # PIL gives (width, height)
        raise TelemetryError(f"image is {size[0]}x{size[1]} JPEG, expected 320x160")
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.shape != (*FRAME_SHAPE, 3):
        raise TelemetryError("image cannot be decoded")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def decode_telemetry(data: Any, received_at: float) -> Telemetry:
    """Decode a non-empty telemetry payload.

    Raises:
        TelemetryError: not a dict, a missing, non-finite or negative-speed number,
            an image that is not a 320x160 JPEG.
    """
    if not isinstance(data, dict):
        raise TelemetryError(f"telemetry payload is {type(data).__name__}, not an object")
    numbers = {name: _number(data, name) for name in NUMERIC_FIELDS}
    if numbers["speed"] < 0:  # the simulator sends the speed's magnitude; -5 is not "5 mph behind"
        raise TelemetryError(f"field 'speed' is negative: {data['speed']!r}")
    return Telemetry(image=_image(data.get("image")), received_at=received_at, **numbers)


def encode_steer(steering: float, throttle: float) -> dict[str, str]:
    """The `steer` payload: normalised steering and throttle as strings."""
    return {"steering_angle": f"{steering:.6f}", "throttle": f"{throttle:.6f}"}


STEER_ZERO = encode_steer(0.0, 0.0)
