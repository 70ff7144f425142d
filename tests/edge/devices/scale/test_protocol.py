"""Scale protocols on bytes: replies from the manuals become grams or a status."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.base import BadFrame, DeviceError
from edge.devices.scale import ScaleStatus, Weight
from edge.devices.scale.protocol import (
    Continuous,
    Framer,
    NciScp01,
    Settling,
    Toledo8217,
    encode_8217_status,
    encode_nci_status,
    parse_kg,
    protocol_named,
)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"\x02  1.234\r", Weight(1234)),
        (b"\x02  0.000\r", Weight(0)),
        (b"\x02 12.500N\r", Weight(12500)),  # N: a net weight, after a tare.
        (b"\x02001.005\r", Weight(1005)),
        (b"\x02?A\r", ScaleStatus(motion=True)),  # 0x41: bit 6 is always set, bit 0 motion.
        (b"\x02?B\r", ScaleStatus(over_capacity=True)),
        (b"\x02?D\r", ScaleStatus(under_zero=True)),
        (b"\x02?H\r", ScaleStatus(not_zeroed=True)),
        (b"\x02?P\r", ScaleStatus(at_zero=True)),
        (b"\x02?@\r", ScaleStatus()),  # Only bit 6: no condition at all, not an error.
        (b"\x02?\xc1\r", ScaleStatus(motion=True)),  # Bit 7 is parity, ignored.
    ],
)
def test_toledo_8217_replies(frame, expected):
    assert Toledo8217().parse(frame) == expected


@pytest.mark.parametrize(
    "frame",
    [b"  1.234\r", b"\x02  1.234", b"\x02abc\r", b"\x02?\r", b"\x02?AB\r", b"\x02?\x01\r",
     b"\x02 1.2345\r", b"\x02\r"],
)  # fmt: skip
def test_toledo_8217_refuses_what_is_not_a_reply(frame):
    with pytest.raises(BadFrame):
        Toledo8217().parse(frame)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"\n  1.234kg\r\n00\r\x03", Weight(1234)),
        (b"\n  1.234kg\r\n10\r\x03", Weight(1234, stable=False)),  # Byte 1 bit 0: motion.
        (b"\n  0.000kg\r\n20\r\x03", Weight(0)),  # Byte 1 bit 1: at zero.
        (b"\n   250g\r\n00\r\x03", Weight(250)),
        (b"\n^^^^^^^^\r\n02\r\x03", ScaleStatus(over_capacity=True)),
        (b"\n________\r\n01\r\x03", ScaleStatus(under_zero=True)),
        (b"\nS00\r\x03", ScaleStatus()),  # The answer to S: status only.
        (b"\nS10\r\x03", ScaleStatus(motion=True)),
        (b"\n  1.234kg\r\n008\r\x03", ScaleStatus(not_zeroed=True)),  # Byte 3: zero error.
        (b"\n  1.234kg\r\n48\r\x03", ScaleStatus(fault=True)),  # RAM error, calibration.
    ],
)
def test_nci_scp01_replies(frame, expected):
    assert NciScp01().parse(frame) == expected


@pytest.mark.parametrize(
    "frame",
    [b"  1.234kg\r\n00\r\x03", b"\n  1.234lb\r\n00\r\x03", b"\n  1.234kg\r\n0\r\x03",
     b"\n  1.234kg\r\nAB\r\x03", b"\n  1.234kg\r\x03"],
)  # fmt: skip
def test_nci_scp01_refuses_what_is_not_a_reply(frame):
    with pytest.raises(BadFrame):
        NciScp01().parse(frame)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"ST,GS,+0001.234kg\r\n", Weight(1234)),
        (b"US,GS,+0001.234kg\r\n", Weight(1234, stable=False)),
        (b"ST,NT,-0000.120kg\r\n", Weight(-120)),  # Net of a tare may go below zero.
        (b"ST,GS   1.234kg\r\n", Weight(1234)),  # The Kern spacing, no comma.
        (b"ST,GS,+00250g\r\n", Weight(250)),
        (b"OL,GS,+9999.999kg\r\n", ScaleStatus(over_capacity=True)),
        (b"ST,GS,-0000.005kg\r\n", ScaleStatus(under_zero=True)),
    ],
)
def test_continuous_lines(frame, expected):
    assert Continuous().parse(frame) == expected


@pytest.mark.parametrize(
    "frame", [b"XX,GS,+1.000kg\r\n", b"ST,GS,+1.000\r\n", b"ST,GS,+1.0.0kg\r\n"]
)
def test_continuous_refuses_other_lines(frame):
    with pytest.raises(BadFrame):
        Continuous().parse(frame)


@pytest.mark.parametrize(
    ("text", "grams"),
    [(b"1.234", 1234), (b"  0.5", 500), (b"+0001.000", 1000), (b"-0.001", -1), (b"12", 12000)],
)
def test_kilograms_become_exact_grams(text, grams):
    assert parse_kg(text) == grams


@pytest.mark.parametrize(
    ("status", "protocol"),
    [(ScaleStatus(motion=True), "toledo8217"), (ScaleStatus(over_capacity=True), "toledo8217"),
     (ScaleStatus(under_zero=True, net=True), "toledo8217"), (ScaleStatus(motion=True), "nci")],
)  # fmt: skip
def test_status_bytes_survive_a_round_trip(status, protocol):
    if protocol == "toledo8217":
        assert Toledo8217().parse(b"\x02?" + encode_8217_status(status) + b"\r") == status
    else:
        assert NciScp01().parse(b"\nS" + encode_nci_status(status) + b"\r\x03") == status


def test_commands_follow_each_manual():
    assert [Toledo8217().command(a) for a in ("zero", "tare", "clear")] == [b"Z", b"T", b"C"]
    assert NciScp01().command("zero") == b"Z\r"
    with pytest.raises(DeviceError, match="no tare command"):
        NciScp01().command("tare")  # SCP-01 has no tare; the till is told so plainly.
    with pytest.raises(ValueError, match="unknown scale protocol"):
        protocol_named("dibal")


def test_the_framer_drops_noise_before_a_reply_and_counts_it():
    framer = Framer(b"\r", start=b"\x02")
    assert framer.feed(b"\xff\x00junk\x02  1.2") == []
    assert framer.feed(b"34\r\x02?A\r") == [b"\x02  1.234\r", b"\x02?A\r"]
    assert framer.garbage_bytes == 6


def test_the_framer_forgets_a_run_too_long_to_be_a_frame():
    framer = Framer(b"\r", start=b"\x02")
    assert framer.feed(b"\x02" + b"9" * 200) == []
    assert framer.feed(b"\x02  0.100\r") == [b"\x02  0.100\r"]
    assert framer.garbage_bytes == 201


PARSERS = [Toledo8217(), NciScp01(), Continuous()]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.sampled_from(PARSERS))
def test_any_bytes_give_a_reading_or_a_bad_frame(data, protocol):
    try:
        result = protocol.parse(data)
    except BadFrame:
        return
    assert isinstance(result, Weight | ScaleStatus)
    if isinstance(result, Weight):
        assert isinstance(result.grams, int)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=30), max_size=10), st.sampled_from(PARSERS))
def test_a_reader_keeps_going_after_any_noise(chunks, protocol):
    framer = protocol.framer()
    for chunk in chunks:
        for frame in framer.feed(chunk):
            with contextlib.suppress(BadFrame):
                protocol.parse(frame)
    # Whatever came before, a good reply after a terminator is still read.
    good = {
        "toledo8217": b"\x02  1.234\r",
        "nci": b"\n  1.234kg\r\n00\r\x03",
        "continuous": b"ST,GS,+0001.234kg\r\n",
    }[protocol.name]
    frames = framer.feed(protocol.framer().terminator + good)
    assert protocol.parse(frames[-1]) == Weight(1234)


def test_settling_wants_n_agreeing_readings_before_it_trusts_stable():
    settling = Settling(readings=3, tolerance_g=2)
    judged = [settling.judge(Weight(g)) for g in (500, 507, 501, 502, 501)]
    assert [w.stable for w in judged] == [False, False, False, False, True]
    assert settling.judge(ScaleStatus(motion=True)) == ScaleStatus(motion=True)
    assert settling.judge(Weight(501)).stable is False  # A status starts the count again.
    assert Settling().judge(Weight(5, stable=True)).stable  # One reading: the scale's flag.
    assert not Settling(2).judge(Weight(5, stable=False)).stable  # Agreeing motion is motion.
