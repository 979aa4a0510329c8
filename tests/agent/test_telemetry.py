"""Decoding telemetry and encoding steer exactly as the simulator formats them."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from agent.telemetry import STEER_ZERO, TelemetryError, decode_telemetry, encode_steer
from tests.agent.bad_frames import encoded, with_size
from tests.agent.conftest import camera_frame, jpeg_bytes
from tests.agent.sim_client import make_telemetry


def test_decodes_string_values_and_jpeg():
    frame = camera_frame()
    telemetry = decode_telemetry(make_telemetry(jpeg_bytes(frame, 95), speed=12.5, throttle=0.3), 1.0)
    assert (telemetry.speed, telemetry.throttle, telemetry.received_at) == (12.5, 0.3, 1.0)
    assert telemetry.image.shape == (160, 320, 3) and telemetry.image.dtype == np.uint8
    assert np.abs(telemetry.image.astype(int) - frame).mean() < 8  # RGB, not BGR


def test_decimal_comma_is_accepted():
    payload = {**make_telemetry(jpeg_bytes(camera_frame())), "speed": "12,5"}
    assert decode_telemetry(payload, 0.0).speed == 12.5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"speed": "nan"}, "not finite"),
        ({"throttle": "abc"}, "not a number"),
        ({"image": "%%%"}, "not base64"),
        ({"image": base64.b64encode(jpeg_bytes(camera_frame()[:, :160].copy())).decode()}, "expected 320x160"),
        ({"image": base64.b64encode(b"GIF89a").decode()}, "not a JPEG"),
        ({"speed": "-5"}, "'speed' is negative"),
        ({"image": base64.b64encode(encoded(camera_frame(), ".png")).decode()}, "not a JPEG"),
        ({"image": base64.b64encode(encoded(camera_frame(), ".webp")).decode()}, "not a JPEG"),
        ({"image": base64.b64encode(with_size(jpeg_bytes(camera_frame()), 60000, 60000)).decode()}, "huge image"),
        ({"image": base64.b64encode(with_size(jpeg_bytes(camera_frame()), 12000, 9000)).decode()}, "huge image"),
    ],
)
def test_bad_fields_are_named(change, message, recwarn):
    payload = {**make_telemetry(jpeg_bytes(camera_frame())), **change}
    with pytest.raises(TelemetryError, match=message):
        decode_telemetry(payload, 0.0)
    assert not [w for w in recwarn if "DecompressionBomb" in str(w.category)]


def test_zero_speed_is_accepted():
    assert decode_telemetry(make_telemetry(jpeg_bytes(camera_frame()), speed=-0.0), 0.0).speed == 0.0


def test_missing_field_and_wrong_type():
    payload = make_telemetry(jpeg_bytes(camera_frame()))
    del payload["speed"]
    with pytest.raises(TelemetryError, match="'speed'"):
        decode_telemetry(payload, 0.0)
    with pytest.raises(TelemetryError, match="not an object"):
        decode_telemetry(["speed"], 0.0)


def test_steer_values_are_strings():
    assert encode_steer(-0.25, 0.5) == {"steering_angle": "-0.250000", "throttle": "0.500000"}
    assert STEER_ZERO == {"steering_angle": "0.000000", "throttle": "0.000000"}
