"""Fast WebSocket unmasking gives exactly eventlet's bytes."""

from __future__ import annotations

import numpy as np
import pytest
from eventlet.websocket import RFC6455WebSocket

from agent import wsmask


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 127, 16_001])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 6])
def test_same_bytes_as_eventlet(length, offset):
    rng = np.random.default_rng(length * 10 + offset)
    data = rng.integers(0, 256, length + 7, dtype=np.uint8).tobytes()  # longer than `length`
    mask = tuple(int(b) for b in rng.integers(0, 256, 4))
    assert wsmask.apply_mask(data, mask, length, offset) == wsmask.ORIGINAL_APPLY_MASK(data, mask, length, offset)


def test_mask_twice_restores_data():
    data = bytes(range(256)) * 10
    assert wsmask.apply_mask(wsmask.apply_mask(data, [9, 8, 7, 6]), [9, 8, 7, 6]) == data


def test_install_is_idempotent_and_used_by_eventlet():
    assert wsmask.install() and wsmask.install()
    assert RFC6455WebSocket._apply_mask is wsmask.apply_mask
