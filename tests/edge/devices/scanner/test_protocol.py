"""Scanner wire formats: key events to text with a US keymap, serial lines to codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.base import BadFrame
from edge.devices.scanner.protocol import (
    EV_KEY,
    KEY_DOWN,
    KEY_UP,
    KeyDecoder,
    LineFramer,
)
from edge.devices.scanner.simulator import key_events

ENTER, KPENTER, TAB = 28, 96, 15
LSHIFT, LCTRL, LALT, CAPS, NUMLOCK = 42, 29, 56, 58, 69
KEY_A, KEY_1, RIGHTBRACE, KP0, KP2, KP9 = 30, 2, 27, 82, 80, 73


def typed(decoder: KeyDecoder, presses, now_s: float = 0.0) -> list[str]:
    """Feed presses 1 ms apart and return the codes completed."""
    out = []
    for i, (code, value) in enumerate(presses):
        text = decoder.feed(EV_KEY, code, value, now_s + i * 0.001)
        if text is not None:
            out.append(text)
    return out


def tap(*codes: int) -> list[tuple[int, int]]:
    return [p for code in codes for p in ((code, KEY_DOWN), (code, KEY_UP))]


def hold(modifier: int, presses) -> list[tuple[int, int]]:
    return [(modifier, KEY_DOWN), *presses, (modifier, KEY_UP)]


@pytest.mark.parametrize(
    ("presses", "text"),
    [
        (tap(KEY_1, KEY_A, ENTER), "1a"),
        (hold(LSHIFT, tap(KEY_A, KEY_1)) + tap(ENTER), "A!"),
        (tap(CAPS, KEY_A, KEY_1, ENTER), "A1"),  # Caps Lock changes letters only.
        (tap(CAPS) + hold(LSHIFT, tap(KEY_A)) + tap(ENTER), "a"),  # Shift undoes Caps Lock.
        (tap(KP0, KP9, ENTER), "09"),  # Keypad digits with Num Lock on.
        (tap(NUMLOCK, KP0, KP9, KEY_1, ENTER), "1"),  # With Num Lock off they are arrows.
        (tap(KEY_1) + hold(LCTRL, tap(RIGHTBRACE)) + tap(KEY_1, ENTER), "1\x1d1"),  # Ctrl+]
        (tap(KEY_1) + hold(LALT, tap(KP0, KP0, KP2, KP9)) + tap(KEY_1, ENTER), "1\x1d1"),
        (tap(KEY_1, KPENTER), "1"),
    ],
)
def test_key_events_become_text_with_the_us_keymap(presses, text):
    assert typed(KeyDecoder(), presses) == [text]


def test_tab_ends_a_code_only_when_configured():
    assert typed(KeyDecoder(terminators=("tab",)), tap(KEY_1, ENTER, KEY_1, TAB)) == ["11"]


def test_a_configured_substitute_becomes_the_gs1_separator():
    decoder = KeyDecoder(gs_substitute="~")
    assert typed(decoder, key_events("01~10")) == ["01\x1d10"]


def test_every_printable_character_survives_the_round_trip():
    text = "".join(chr(c) for c in range(32, 127)) + "\x1d"
    assert typed(KeyDecoder(), key_events(text)) == [text]
    assert typed(KeyDecoder(), key_events(text, gs="alt")) == [text]


def test_a_half_read_code_is_dropped_after_silence_not_glued_to_the_next():
    decoder = KeyDecoder(timeout_s=0.05)
    assert typed(decoder, tap(KEY_1, KEY_1), now_s=0.0) == []  # The terminator was lost.
    assert typed(decoder, key_events("42"), now_s=1.0) == ["42"]
    assert decoder.dropped == 1


def test_silence_alone_drops_a_half_read_code():
    decoder = KeyDecoder(timeout_s=0.05)
    typed(decoder, tap(KEY_1))
    assert decoder.expire(0.01) is False
    assert decoder.expire(1.0) is True
    assert (decoder.pending, decoder.dropped) == (False, 1)


def test_other_event_types_and_key_releases_are_ignored():
    decoder = KeyDecoder()
    assert decoder.feed(0, 0, 0, 0.0) is None  # SYN_REPORT
    assert decoder.feed(4, 4, 458756, 0.0) is None  # MSC_SCAN
    assert typed(decoder, tap(ENTER)) == []  # An empty code is no code.


@pytest.mark.parametrize(
    ("suffix", "data", "lines"),
    [
        ("cr", b"4006381333931\r", ["4006381333931"]),
        ("lf", b"A\nB\n", ["A", "B"]),
        ("crlf", b"A\r\nB\r\n", ["A", "B"]),
        ("cr", b"A\r\nB\r\n", ["A", "B"]),  # A CRLF scanner on a CR port still reads.
        ("cr", b"01\x1d10AB\r", ["01\x1d10AB"]),  # GS is kept.
    ],
)
def test_serial_lines_end_at_the_configured_suffix(suffix, data, lines):
    assert LineFramer(suffix).feed(data) == lines


def test_a_serial_line_may_arrive_in_pieces():
    framer = LineFramer("cr")
    assert framer.feed(b"40063") == []
    assert framer.feed(b"81333931\r12") == ["4006381333931"]
    assert framer.feed(b"3\r") == ["123"]


def test_garbage_lines_become_bad_frames_and_reading_goes_on():
    framer = LineFramer("cr", max_bytes=16)
    out = framer.feed(b"\xff\xfe\x00\rOK\r")
    assert isinstance(out[0], BadFrame) and out[1:] == ["OK"]
    assert isinstance(framer.feed(b"x" * 40)[-1], BadFrame)  # Too long, no suffix.
    assert framer.feed(b"tail of it\rNEXT\r") == ["NEXT"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=10), st.sampled_from(["cr", "lf", "crlf"]))
def test_any_serial_bytes_give_lines_or_bad_frames(chunks, suffix):
    framer = LineFramer(suffix, max_bytes=64)
    for chunk in chunks:
        for item in framer.feed(chunk):
            assert isinstance(item, BadFrame) or (isinstance(item, str) and item)
    framer.feed(framer.suffix)  # Ends whatever partial line is left...
    assert framer.feed(b"OK" + framer.suffix) == ["OK"]  # ...and the reader keeps going.


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0, 1, 1, 1, 4]),
            st.integers(0, 120),
            st.sampled_from([0, 1, 2]),
        ),
        max_size=60,
    )
)
def test_any_key_events_give_text_or_nothing(events):
    decoder = KeyDecoder()
    for i, (type, code, value) in enumerate(events):
        text = decoder.feed(type, code, value, i * 0.001)
        assert text is None or isinstance(text, str)
    decoder.reset()
    assert typed(decoder, key_events("42"), now_s=10.0) == ["42"]  # Locks do not matter.
