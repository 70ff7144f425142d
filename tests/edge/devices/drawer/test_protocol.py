"""The drawer kick, ESC p m t1 t2, on bytes (Epson ESC/POS reference, "ESC p")."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.base import BadFrame
from edge.devices.drawer import kick_command, parse_kick
from edge.devices.printer.protocol import Kick


@pytest.mark.parametrize(
    ("kick", "data"),
    [
        (Kick(2, 100, 100), b"\x1b\x70\x00\x32\x32"),  # python-escpos cashdraw(2).
        (Kick(5, 100, 100), b"\x1b\x70\x01\x32\x32"),  # python-escpos cashdraw(5).
        (Kick(2, 50, 50), b"\x1b\x70\x00\x19\x19"),  # The common 25 x 2 ms pulse on pin 2.
        (Kick(5, 510, 2), b"\x1b\x70\x01\xff\x01"),
    ],
)
def test_a_kick_is_five_bytes_and_reads_back(kick, data):
    assert kick_command(kick) == data
    assert parse_kick(data) == kick


def test_ascii_pin_digits_are_accepted_as_epson_allows():
    assert parse_kick(b"\x1bp0\x19\x19") == Kick(2, 50, 50)
    assert parse_kick(b"\x1bp1\x19\x19") == Kick(5, 50, 50)


@pytest.mark.parametrize(
    ("kick", "message"),
    [(Kick(3, 100, 100), "pin"), (Kick(2, 0, 100), "on_ms"), (Kick(2, 100, 512), "off_ms"),
     (Kick(2, 101, 100), "on_ms")],
)  # fmt: skip
def test_a_kick_the_command_cannot_carry_is_refused(kick, message):
    with pytest.raises(ValueError, match=message):
        kick_command(kick)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=8))
def test_parse_kick_gives_a_kick_or_a_bad_frame(data):
    with contextlib.suppress(BadFrame):
        assert isinstance(parse_kick(data), Kick)
