"""The adaptation for the simulator's no-CONNECT client, on a real python-socketio 5 server.

These tests feed Engine.IO messages to the Socket.IO server's own message handler
(no transport; test_server.py covers the same over real sockets). They show
both that the adaptation is needed and that it changes nothing for a client
that sends CONNECT.
"""

from __future__ import annotations

import logging

import socketio

from agent.legacy import LegacyConnectAdapter

TELEMETRY = '2["telemetry",{"speed":"1.0"}]'
# Telemetry nested 50,000 deep: more than the JSON decoder's recursion limit.
DEEP_JSON = '2["telemetry",' + "[" * 50_000 + "]" * 50_000 + "]"


def make_server(adapted: bool) -> tuple[socketio.Server, list, LegacyConnectAdapter | None]:
    # logger=False and engineio_logger=False keep the library's own warnings at ERROR.
    sio = socketio.Server(async_mode="threading", always_connect=True)
    seen: list = []
    sio.on("connect", lambda sid, environ, auth=None: seen.append(("connect", sid)))
    sio.on("telemetry", lambda sid, data: seen.append(("telemetry", data)))
    adapter = LegacyConnectAdapter(sio) if adapted else None
    sio.eio.handlers["connect"]("eio1", {"REMOTE_ADDR": "127.0.0.1"})  # Engine.IO handshake done
    return sio, seen, adapter


def test_unadapted_server_drops_events_without_connect():
    sio, seen, _ = make_server(adapted=False)
    sio.eio.handlers["message"]("eio1", TELEMETRY)
    assert seen == []  # "not connected to namespace /": the car would stand still


def test_adapter_connects_on_first_event_then_delivers_it():
    sio, seen, adapter = make_server(adapted=True)
    sio.eio.handlers["message"]("eio1", TELEMETRY)
    sio.eio.handlers["message"]("eio1", TELEMETRY)
    assert [kind for kind, _ in seen] == ["connect", "telemetry", "telemetry"]
    assert seen[1][1] == {"speed": "1.0"}
    assert adapter.implicit_connects == 1
    assert sio.manager.sid_from_eio_sid("eio1", "/") == seen[0][1]


def test_adapter_leaves_clients_that_connect_alone():
    sio, seen, adapter = make_server(adapted=True)
    sio.eio.handlers["message"]("eio1", "0")  # a modern client's CONNECT to /
    sio.eio.handlers["message"]("eio1", TELEMETRY)
    assert [kind for kind, _ in seen] == ["connect", "telemetry"]
    assert adapter.implicit_connects == 0


def test_adapter_does_not_connect_other_namespaces_or_non_events():
    sio, seen, adapter = make_server(adapted=True)
    sio.eio.handlers["message"]("eio1", '2/admin,["telemetry",{}]')
    sio.eio.handlers["message"]("eio1", "3[]")  # an ACK
    assert seen == [] and adapter.implicit_connects == 0


def test_malformed_messages_are_logged_not_raised(caplog):
    sio, seen, adapter = make_server(adapted=True)
    with caplog.at_level(logging.WARNING, logger="agent.legacy"):
        for bad in ('2["telemetry",', b"\x00\x01", "2{}", "2[]", "9", DEEP_JSON):
            sio.eio.handlers["message"]("eio1", bad)
        sio.eio.handlers["message"]("eio1", TELEMETRY)
    assert adapter.malformed == 6
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 1 and not warnings[0].exc_info  # rate-limited, no traceback
    assert seen[-1] == ("telemetry", {"speed": "1.0"})


def test_malformed_events_are_handed_on_for_an_answer():
    # Handlers in the reader, as the drive server runs them, so their errors reach the adapter.
    sio = socketio.Server(async_mode="threading", always_connect=True, async_handlers=False)
    sio.on("telemetry", lambda sid, data: None)  # takes one payload
    bad_events: list[str] = []
    LegacyConnectAdapter(sio, bad_events.append)
    sio.eio.handlers["connect"]("eio1", {})
    extra = '2["telemetry",{"speed":"1.0"},"extra"]'
    for bad in ('2["telemetry",', DEEP_JSON, extra, "2[]", b"\x00\x01", "9"):
        sio.eio.handlers["message"]("eio1", bad)
    assert bad_events == ["eio1"] * 4  # the events; a binary frame or a bad packet type is no frame
