"""NMEA on text: checksums, every talker, exact integers, no-fix filtering, epochs, throttle."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.base import BadFrame
from edge.devices.gps import NoFix, Position
from edge.devices.gps.protocol import (
    EpochBuilder,
    LineFramer,
    Throttle,
    checksum,
    distance_m,
    parse_coordinate,
    parse_sentence,
    with_checksum,
)
from protocols import encode_event

# The worked examples of gps-protocols.md section 4 (checksums cross-checked with pynmea2).
RMC = "$GPRMC,083005.000,A,1258.2960,N,07735.6760,E,19.44,90.0,150326,,,A*50"
GGA = "$GPGGA,083005.000,1258.2960,N,07735.6760,E,1,09,0.9,920.0,M,-86.0,M,,*78"
NO_FIX_RMC = "$GNRMC,083005.000,V,,,,,,,150326,,,N*5E"
AT = datetime(2026, 3, 15, 8, 30, 5, tzinfo=UTC)


def epochs(*lines: str) -> list[Position | NoFix]:
    builder = EpochBuilder()
    results = []
    for line in lines:
        results += builder.feed(parse_sentence(line))
    return results + builder.flush()


def test_the_checksum_is_the_xor_between_dollar_and_star():
    assert checksum("GPRMC,083005.000,A,1258.2960,N,07735.6760,E,19.44,90.0,150326,,,A") == "50"
    assert with_checksum("GNRMC,083005.000,V,,,,,,,150326,,,N") == NO_FIX_RMC


def test_rmc_and_gga_of_one_epoch_make_one_exact_position():
    assert epochs(RMC, GGA) == [
        Position(
            lat_e7=129_716_000,
            lon_e7=775_946_000,
            fixed_at=AT,  # The receiver's date and time, not the hub's clock.
            quality="gps",
            speed_mm_s=10_001,  # 19.44 kn = 10.0008 m/s.
            course_cdeg=9_000,
            satellites=9,
            hdop_centi=90,
            altitude_mm=920_000,
        )
    ]


@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA", "BD", "GB"])
def test_every_talker_is_read(talker):
    rmc = with_checksum(f"{talker}RMC,083005.000,A,1258.2960,N,07735.6760,E,19.44,90.0,150326,,,A")
    [position] = epochs(rmc)
    assert (position.lat_e7, position.lon_e7, position.fixed_at) == (129_716_000, 775_946_000, AT)


@pytest.mark.parametrize(
    ("text", "hemisphere", "is_lat", "e7"),
    [
        ("1258.2960", "N", True, 129_716_000),
        ("1258.2960", "S", True, -129_716_000),
        ("07735.6760", "E", False, 775_946_000),
        ("07735.6760", "W", False, -775_946_000),
        ("5130.0000", "N", True, 515_000_000),
        ("00000.0001", "E", False, 17),  # 0.0001' = 1.67e-6 degrees: rounded once, to 17.
        ("9000.0000", "N", True, 900_000_000),
    ],
)
def test_coordinates_become_exact_1e7_degrees(text, hemisphere, is_lat, e7):
    assert parse_coordinate(text, hemisphere, is_lat) == e7


@pytest.mark.parametrize(
    ("text", "hemisphere", "is_lat"),
    [("1260.0000", "N", True), ("9100.0000", "N", True), ("1258.2960", "E", True),
     ("12.58", "N", True), ("18100.0000", "E", False), ("", "N", True)],
)  # fmt: skip
def test_impossible_coordinates_are_refused(text, hemisphere, is_lat):
    with pytest.raises(BadFrame):
        parse_coordinate(text, hemisphere, is_lat)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (RMC[:-2] + "51", "checksum"),
        (RMC[: RMC.index("*")], "no \\*hh checksum"),  # A missing checksum is refused too.
        (RMC[20:], "partial"),  # The receiver started mid-sentence.
        (RMC[:30] + RMC, "partial"),  # A lost LF glued two sentences.
        ("$GPRMC,083005.000,A*" + checksum("GPRMC,083005.000,A") + "x" * 120, "longer"),
        ("\xb5b\x01\x07", "partial"),
    ],
)
def test_a_line_that_is_not_one_checked_sentence_is_refused(line, reason):
    with pytest.raises(BadFrame, match=reason):
        parse_sentence(line)


def test_binary_bytes_are_refused_as_not_ascii():
    with pytest.raises(BadFrame, match="not ASCII"):
        parse_sentence(b"\xb5\x62\x01\x07\xff\r\n")


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([NO_FIX_RMC], "RMC status V"),
        ([with_checksum("GPGGA,083005.000,,,,,0,00,99.99,,,,,,")], "GGA fix quality 0"),
        ([RMC, with_checksum("GPGGA,083005.000,1258.2960,N,07735.6760,E,0,09,0.9,920.0,M,,M,,")],
         "GGA fix quality 0"),  # RMC says valid, GGA says no fix: not a position.
        ([with_checksum("GPRMC,083005.000,A,1258.2960,N,07735.6760,E,0.0,,150326,,,N")],
         "mode N"),
        ([RMC, with_checksum("GPGGA,083005.000,1258.2960,N,07735.6760,E,8,09,0.9,920.0,M,,M,,")],
         "quality 8"),  # Simulation mode.
        ([GGA], "no date yet"),  # GGA has no date and no RMC gave one.
    ],
)  # fmt: skip
def test_an_epoch_without_a_fix_is_not_a_position(lines, reason):
    [result] = epochs(*lines)
    assert isinstance(result, NoFix) and reason in result.reason


@pytest.mark.parametrize(
    ("gga_quality", "quality"),
    [("1", "gps"), ("2", "dgps"), ("4", "rtk"), ("5", "float_rtk"), ("6", "estimated")],
)
def test_gga_fix_quality_names_the_fix(gga_quality, quality):
    gga = with_checksum(f"GPGGA,083005.000,1258.2960,N,07735.6760,E,{gga_quality},09,0.9,,M,,M,,")
    [position] = epochs(RMC, gga)
    assert position.quality == quality


def test_vtg_gives_speed_and_course_when_rmc_lacks_them():
    rmc = with_checksum("GNRMC,083005.000,A,1258.2960,N,07735.6760,E,,,150326,,,A")
    vtg = with_checksum("GNVTG,45.5,T,,M,,N,36.0,K,A")
    [position] = epochs(rmc, vtg)
    assert (position.speed_mm_s, position.course_cdeg) == (10_000, 4_550)


def test_a_gga_only_epoch_takes_the_last_rmc_date():
    gga = with_checksum("GPGGA,083006.000,1258.2960,N,07735.6760,E,2,09,0.9,920.0,M,,M,,")
    results = epochs(RMC, gga)  # RMC alone (083005), then a GGA-only epoch (083006).
    assert [r.fixed_at.second for r in results] == [5, 6]
    assert results[1].quality == "dgps" and results[1].speed_mm_s is None


def test_a_bad_sentence_does_not_lose_the_epoch():
    builder = EpochBuilder()
    assert builder.feed(parse_sentence(RMC)) == []
    bad = with_checksum("GPGGA,083005.000,1258.2960,N,07735.6760,E,x,09,0.9,920.0,M,,M,,")
    with pytest.raises(BadFrame):
        builder.feed(parse_sentence(bad))
    [position] = builder.flush()
    assert position.lat_e7 == 129_716_000


def test_a_position_becomes_a_location_fix_the_contract_accepts():
    [position] = epochs(RMC, GGA)
    body = position.as_body()
    assert body["fixed_at"] == "2026-03-15T08:30:05Z"
    encode_event(event_id=uuid.uuid4(), hub="van-1", seq=1, at=AT, type="location.fix", body=body)


def at(seconds: int, lat_e7: int = 129_716_000) -> Position:
    fixed_at = datetime.fromtimestamp(1_773_563_400 + seconds, UTC)
    return Position(lat_e7=lat_e7, lon_e7=775_946_000, fixed_at=fixed_at, quality="gps")


def test_the_throttle_sends_by_time_and_distance_and_when_parked():
    throttle = Throttle(min_interval_s=5, min_distance_m=25, max_interval_s=60)
    assert throttle.admit(at(0))  # The first fix always goes.
    assert not throttle.admit(at(3, lat_e7=129_726_000))  # 111 m away but only 3 s later.
    assert throttle.admit(at(6, lat_e7=129_726_000))  # 111 m and 6 s.
    assert not throttle.admit(at(20, lat_e7=129_726_100))  # 1 m moved: parked.
    assert throttle.admit(at(66, lat_e7=129_726_100))  # Still parked, but 60 s have passed.
    assert throttle.admit(at(10))  # The receiver's clock went back (a reset): send at once.


def test_distance_is_the_great_circle():
    assert round(distance_m(at(0, 0), at(0, 10_000_000))) == 111_195  # One degree of latitude.


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=100))
def test_any_bytes_give_a_sentence_or_a_bad_frame(data):
    builder = EpochBuilder()
    with contextlib.suppress(BadFrame):
        builder.feed(parse_sentence(data))
    # And reading goes on with the same builder.
    results = builder.feed(parse_sentence(RMC)) + builder.feed(parse_sentence(GGA))
    assert results[-1].lat_e7 == 129_716_000


FIELD = st.text(alphabet="0123456789.,-+NSEWAVTMKDN", max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["GPRMC", "GNGGA", "GLVTG", "BDRMC", "GAGGA"]), st.lists(FIELD, max_size=14))
def test_any_checked_sentence_gives_a_result_or_a_bad_frame(kind, fields):
    # A correct checksum over nonsense fields: only the field checks stand between it and a fix.
    builder = EpochBuilder()
    try:
        results = builder.feed(parse_sentence(with_checksum(",".join([kind, *fields]))))
        results += builder.flush()
    except BadFrame:
        return
    for result in results:
        assert isinstance(result, Position | NoFix)
        if isinstance(result, Position):
            encode_event(event_id=uuid.uuid4(), hub="van-1", seq=1, at=AT, type="location.fix",
                         body=result.as_body())  # fmt: skip


def test_lines_are_cut_on_lf_and_an_over_long_run_is_dropped_whole():
    framer = LineFramer()
    assert framer.feed(b"$GPRMC,1*00\r\n$GPG") == [b"$GPRMC,1*00\r"]
    assert framer.feed(b"GA,2*00\r\n") == [b"$GPGGA,2*00\r"]
    assert framer.feed(b"\xff" * 500) == []
    assert framer.feed(b"tail of the run\r\n" + RMC.encode() + b"\r\n") == [RMC.encode() + b"\r"]
    assert framer.dropped == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_any_byte_stream_leaves_the_reader_able_to_read_the_next_sentence(chunks):
    framer, builder = LineFramer(), EpochBuilder()
    for chunk in chunks:
        for line in framer.feed(chunk):
            with contextlib.suppress(BadFrame):
                builder.feed(parse_sentence(line))
    lines = framer.feed(b"\n" + RMC.encode() + b"\r\n" + GGA.encode() + b"\r\n")
    results = []
    for line in lines:
        with contextlib.suppress(BadFrame):
            results += builder.feed(parse_sentence(line))
    assert any(isinstance(r, Position) and r.lat_e7 == 129_716_000 for r in results)
