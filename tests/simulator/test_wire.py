"""Packet encoding and decoding of the simulator's side of the protocol."""

from __future__ import annotations

import json

import pytest

from simulator.wire import (
    SimulatorLink,
    WireError,
    event_packet,
    parse_event,
    telemetry_payload,
)
from tests.simulator.wire_stub import WireStub


def test_event_packet_is_what_the_unity_client_sends() -> None:
    packet = event_packet("telemetry", {"speed": "1.0000"})
    assert packet == '42["telemetry",{"speed":"1.0000"}]'


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        ('42["steer",{"steering_angle":"0.1","throttle":"0.2"}]', ("steer", {"steering_angle": "0.1", "throttle": "0.2"})),
        ('42/,["manual",{}]', ("manual", {})),
        ('4213["steer",{"a":1}]', ("steer", {"a": 1})),
        ('42["manual"]', ("manual", None)),
        ('40{"sid":"x"}', None),
        ("3", None),
    ],
)
def test_parse_event(packet: str, expected: object) -> None:
    assert parse_event(packet) == expected


def test_parse_event_rejects_garbage() -> None:
    with pytest.raises(WireError, match="bad event"):
        parse_event("42[not json")
    with pytest.raises(WireError, match="not \\[name"):
        parse_event('42{"a":1}')


def test_telemetry_values_are_n4_strings() -> None:
    payload = telemetry_payload(-3.14159, 0.5, 12.0, "QUJD")
    assert payload == {"steering_angle": "-3.1416", "throttle": "0.5000", "speed": "12.0000", "image": "QUJD"}
    assert all(isinstance(v, str) for v in json.loads(json.dumps(payload)).values())


@pytest.mark.parametrize(("open_packet", "message"), [("0{not json", "bad Engine.IO open"), ("0[1]", "not an object")])
def test_a_bad_open_packet_is_a_wire_error_and_the_socket_is_closed(open_packet: str, message: str) -> None:
    stub = WireStub(open_packet=open_packet)
    try:
        with pytest.raises(WireError, match=message):
            SimulatorLink("127.0.0.1", stub.port, timeout=5)
    finally:
        stub.close()
    assert stub.closed_by_client
