"""NMEA 0183 as values: checked sentences, RMC/GGA/VTG from any talker, one Position per epoch.

Pure: no pyserial here; pynmea2 splits sentences and checks checksums. Everything a receiver
says is turned into exact integers (1e-7 degrees, mm/s, hundredths of a degree, mm) from the
sentence's own text, never through a float. A receiver reports one epoch a second as several
sentences with the same UTC time (RMC: date, validity, speed; GGA: fix quality, satellites,
HDOP, altitude; VTG: speed and course, without a time); `EpochBuilder` puts them together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import pynmea2

from ..base import BadFrame

MAX_LINE = 120  # NMEA 0183 allows 82 characters; a longer line is two glued together.

# GGA fix quality (NMEA 0183): 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK,
# 6 estimated (dead reckoning), 7 manual input, 8 simulation. 0, 7 and 8 are not positions.
GGA_QUALITY = {1: "gps", 2: "dgps", 3: "gps", 4: "rtk", 5: "float_rtk", 6: "estimated"}
# RMC mode (NMEA 2.3+): A autonomous, D differential, E estimated, R RTK, F float RTK,
# P precise; N not valid, M manual and S simulator are not positions.
RMC_MODE = {"": "gps", "A": "gps", "D": "dgps", "E": "estimated", "R": "rtk", "F": "float_rtk",
            "P": "gps"}  # fmt: skip


def checksum(body: str) -> str:
    """The two hex digits NMEA puts after `*`: the XOR of the characters between `$` and `*`."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return f"{value:02X}"


def with_checksum(body: str) -> str:
    """`GPRMC,...` -> `$GPRMC,...*hh` (for the simulator and tests)."""
    return f"${body}*{checksum(body)}"


class LineFramer:
    """Cuts a byte stream into lines on LF; a run longer than MAX_LINE is dropped and counted."""

    def __init__(self) -> None:
        self.dropped = 0
        self._buffer = bytearray()
        self._overflow = False  # Inside an over-long run: drop up to the next LF.

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines = []
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._overflow:
                self._overflow = False
                continue
            lines.append(line)
        if len(self._buffer) > MAX_LINE:
            if not self._overflow:
                self.dropped += 1
            self._overflow = True
            self._buffer.clear()
        return lines


def parse_sentence(line: bytes | str) -> pynmea2.NMEASentence:
    """Check one line and split it into a sentence; BadFrame for anything else.

    A line without a checksum is refused as firmly as one with a wrong checksum: a receiver
    that drops bytes at start-up produces lines that look whole.
    """
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError as err:
            raise BadFrame(f"NMEA line {line[:40]!r} is not ASCII") from err
    text = line.strip()
    if len(text) > MAX_LINE:
        raise BadFrame(f"NMEA line of {len(text)} characters is longer than {MAX_LINE}")
    if not text.startswith("$") or "$" in text[1:]:
        raise BadFrame(f"NMEA line {text[:40]!r} is partial: it must be one $...*hh sentence")
    if not re.search(r"\*[0-9A-Fa-f]{2}$", text):
        raise BadFrame(f"NMEA line {text[:40]!r} has no *hh checksum")
    try:
        return pynmea2.parse(text, check=True)
    except pynmea2.ChecksumError as err:
        raise BadFrame(f"NMEA line {text[:40]!r} fails its checksum") from err
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise BadFrame(f"NMEA line {text[:40]!r} cannot be parsed: {err}") from err


def field(sentence: Any, name: str) -> str:
    """A sentence's field by name as its raw text; "" when the sentence is too short for it."""
    index = sentence.name_to_idx.get(name) if hasattr(sentence, "name_to_idx") else None
    if index is None or index >= len(sentence.data):
        return ""
    return str(sentence.data[index]).strip()


def _decimal(text: str, what: str) -> Decimal:
    if not re.fullmatch(r"[+-]?\d+(\.\d*)?|[+-]?\.\d+", text):
        raise BadFrame(f"NMEA {what} {text!r} is not a number")
    try:
        return Decimal(text)
    except InvalidOperation as err:  # pragma: no cover - ruled out by the pattern.
        raise BadFrame(f"NMEA {what} {text!r} is not a number") from err


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def parse_coordinate(text: str, hemisphere: str, is_lat: bool) -> int:
    """`ddmm.mmmm` / `dddmm.mmmm` and N/S/E/W -> 1e-7 degrees, exactly rounded."""
    what = "latitude" if is_lat else "longitude"
    if not re.fullmatch(r"\d{3,5}(\.\d+)?", text):
        raise BadFrame(f"NMEA {what} {text!r} is not (d)ddmm.mmmm")
    whole, _, fraction = text.partition(".")
    degrees = int(whole[:-2])
    minutes = Decimal(f"{whole[-2:]}.{fraction or '0'}")
    limit = 90 if is_lat else 180
    if minutes >= 60 or Decimal(degrees) + minutes / 60 > limit:
        raise BadFrame(f"NMEA {what} {text!r} is out of range")
    e7 = _round((Decimal(degrees) + minutes / 60) * 10_000_000)
    signs = {"N": 1, "S": -1} if is_lat else {"E": 1, "W": -1}
    if hemisphere not in signs:
        raise BadFrame(f"NMEA {what} hemisphere {hemisphere!r} is not {'/'.join(signs)}")
    return e7 * signs[hemisphere]


def parse_utc_time(text: str) -> time:
    """`hhmmss(.sss)` -> a UTC time of day."""
    match = re.fullmatch(r"(\d\d)(\d\d)(\d\d)(?:\.(\d{1,6}))?", text)
    if match is None:
        raise BadFrame(f"NMEA time {text!r} is not hhmmss.sss")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    micros = int((match[4] or "0").ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 60:
        raise BadFrame(f"NMEA time {text!r} is out of range")
    return time(hour, minute, min(second, 59), micros, tzinfo=UTC)  # A leap second is :59.


def parse_date(text: str) -> date:
    """RMC `ddmmyy` -> a date (years 2000-2099: NMEA has two digits)."""
    match = re.fullmatch(r"(\d\d)(\d\d)(\d\d)", text)
    if match is None:
        raise BadFrame(f"NMEA date {text!r} is not ddmmyy")
    try:
        return date(2000 + int(match[3]), int(match[2]), int(match[1]))
    except ValueError as err:
        raise BadFrame(f"NMEA date {text!r} is not a date") from err


def knots_to_mm_s(text: str) -> int:
    """Knots (1852 m per hour) -> mm/s, rounded once."""
    speed = _round(_decimal(text, "speed") * 1_852_000 / 3600)
    if not 0 <= speed <= 1_000_000:
        raise BadFrame(f"NMEA speed {text!r} knots is out of range")
    return speed


def kmh_to_mm_s(text: str) -> int:
    speed = _round(_decimal(text, "speed") * 1_000_000 / 3600)
    if not 0 <= speed <= 1_000_000:
        raise BadFrame(f"NMEA speed {text!r} km/h is out of range")
    return speed


def degrees_to_cdeg(text: str) -> int:
    course = _round(_decimal(text, "course") * 100)
    if not 0 <= course <= 36_000:
        raise BadFrame(f"NMEA course {text!r} is out of range")
    return course % 36_000


@dataclass(frozen=True)
class Position:
    """One epoch's fix in exact integers (protocols LocationFix)."""

    lat_e7: int
    lon_e7: int
    fixed_at: datetime  # The receiver's UTC date and time of the fix.
    quality: str  # gps, dgps, rtk, float_rtk or estimated.
    speed_mm_s: int | None = None
    course_cdeg: int | None = None
    satellites: int | None = None
    hdop_centi: int | None = None
    altitude_mm: int | None = None

    def as_body(self) -> dict[str, Any]:
        """The `location.fix` event body: every known field, the time as RFC 3339 UTC."""
        body: dict[str, Any] = {
            "lat_e7": self.lat_e7,
            "lon_e7": self.lon_e7,
            "fixed_at": utc_text(self.fixed_at),
            "quality": self.quality,
        }
        for name in ("speed_mm_s", "course_cdeg", "satellites", "hdop_centi", "altitude_mm"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True)
class NoFix:
    """An epoch in which the receiver had no usable position, and why."""

    reason: str


def utc_text(moment: datetime) -> str:
    """2026-03-15T08:30:05Z, with milliseconds only when the receiver gave them."""
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


@dataclass
class _Epoch:
    at: str  # The raw hhmmss.sss shared by the epoch's sentences.
    rmc: dict[str, Any] | None = None
    gga: dict[str, Any] | None = None
    vtg: dict[str, Any] | None = None


def _rmc(s: Any) -> dict[str, Any]:
    status, mode = field(s, "status"), field(s, "mode_indicator")
    values: dict[str, Any] = {"time": parse_utc_time(field(s, "timestamp")), "status": status,
                              "mode": mode}  # fmt: skip
    if field(s, "datestamp"):
        values["date"] = parse_date(field(s, "datestamp"))
    if status == "A" and mode in RMC_MODE:
        values["lat_e7"] = parse_coordinate(field(s, "lat"), field(s, "lat_dir"), True)
        values["lon_e7"] = parse_coordinate(field(s, "lon"), field(s, "lon_dir"), False)
        if field(s, "spd_over_grnd"):
            values["speed_mm_s"] = knots_to_mm_s(field(s, "spd_over_grnd"))
        if field(s, "true_course"):
            values["course_cdeg"] = degrees_to_cdeg(field(s, "true_course"))
    return values


def _gga(s: Any) -> dict[str, Any]:
    quality_text = field(s, "gps_qual")
    if not quality_text.isdigit():
        raise BadFrame(f"NMEA GGA fix quality {quality_text!r} is not a digit")
    values: dict[str, Any] = {
        "time": parse_utc_time(field(s, "timestamp")),
        "quality": int(quality_text),
    }
    if values["quality"] in GGA_QUALITY:
        values["lat_e7"] = parse_coordinate(field(s, "lat"), field(s, "lat_dir"), True)
        values["lon_e7"] = parse_coordinate(field(s, "lon"), field(s, "lon_dir"), False)
        if field(s, "num_sats").isdigit():
            values["satellites"] = min(int(field(s, "num_sats")), 255)
        if field(s, "horizontal_dil"):
            values["hdop_centi"] = _round(_decimal(field(s, "horizontal_dil"), "HDOP") * 100)
        if field(s, "altitude") and field(s, "altitude_units") in ("M", ""):
            altitude = _round(_decimal(field(s, "altitude"), "altitude") * 1000)
            if -1_000_000_000 <= altitude <= 100_000_000:
                values["altitude_mm"] = altitude
    return values


def _vtg(s: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"mode": field(s, "faa_mode")}
    if field(s, "spd_over_grnd_kts"):
        values["speed_mm_s"] = knots_to_mm_s(field(s, "spd_over_grnd_kts"))
    elif field(s, "spd_over_grnd_kmph"):
        values["speed_mm_s"] = kmh_to_mm_s(field(s, "spd_over_grnd_kmph"))
    if field(s, "true_track"):
        values["course_cdeg"] = degrees_to_cdeg(field(s, "true_track"))
    return values


READERS: dict[str, Callable[[Any], dict[str, Any]]] = {"RMC": _rmc, "GGA": _gga, "VTG": _vtg}


class EpochBuilder:
    """Turns checked sentences into one Position or NoFix per receiver epoch.

    An epoch is complete when it has both RMC and GGA, or when a sentence with another time
    arrives (a receiver that sends only RMC or only GGA costs one epoch of delay), or on
    `flush()`. GGA carries no date, so a GGA-only epoch takes the last RMC date. Other
    sentences (GSA, GSV, GLL, TXT, ...) are ignored.
    """

    def __init__(self) -> None:
        self._epoch: _Epoch | None = None
        self._done_at: str | None = None  # The epoch just emitted, whose stragglers are dropped.
        self._date: date | None = None
        self._last_time: time | None = None

    def feed(self, sentence: Any) -> list[Position | NoFix]:
        """Take one sentence from parse_sentence; BadFrame if its fields are malformed."""
        kind = getattr(sentence, "sentence_type", "")
        reader = READERS.get(kind)
        if reader is None:
            return []
        values = reader(sentence)  # May raise BadFrame; the epoch so far is kept.
        results: list[Position | NoFix] = []
        if kind == "VTG":
            if self._epoch is not None:
                self._epoch.vtg = values
            return results
        at = field(sentence, "timestamp")
        if at == self._done_at:
            return results
        if self._epoch is not None and self._epoch.at != at:
            results += self.flush()
        if self._epoch is None:
            self._epoch = _Epoch(at)
        if kind == "RMC":
            self._epoch.rmc = values
            if "date" in values:
                self._date = values["date"]
        else:
            self._epoch.gga = values
        if self._epoch.rmc is not None and self._epoch.gga is not None:
            self._done_at = at
            results += self.flush()
        return results

    def flush(self) -> list[Position | NoFix]:
        """Finish the epoch in progress, if any."""
        epoch, self._epoch = self._epoch, None
        if epoch is None:
            return []
        return [self._build(epoch)]

    def _build(self, epoch: _Epoch) -> Position | NoFix:
        rmc, gga, vtg = epoch.rmc, epoch.gga, epoch.vtg
        if rmc is not None and rmc["status"] != "A":
            return NoFix("RMC status V (receiver warning)")
        if rmc is not None and rmc["mode"] not in RMC_MODE:
            return NoFix(f"RMC mode {rmc['mode']} is not a fix")
        if gga is not None and gga["quality"] not in GGA_QUALITY:
            return NoFix(f"GGA fix quality {gga['quality']}")
        if vtg is not None and vtg["mode"] == "N":
            vtg = None
        source = rmc if rmc is not None else gga
        assert source is not None
        day = (rmc or {}).get("date") or self._date
        if day is None:
            return NoFix("no date yet (GGA without an RMC)")
        if gga is not None:
            quality = GGA_QUALITY[gga["quality"]]
        else:
            quality = RMC_MODE[rmc["mode"]] if rmc is not None else "gps"
        moment = datetime.combine(day, source["time"])
        if rmc is None and self._last_time is not None and source["time"] < self._last_time:
            return NoFix("GGA time passed midnight before an RMC gave the new date")
        self._last_time = source["time"]

        def pick(name: str) -> int | None:
            for values in (rmc, vtg, gga):
                if values is not None and values.get(name) is not None:
                    return values[name]
            return None

        return Position(
            lat_e7=source["lat_e7"],
            lon_e7=source["lon_e7"],
            fixed_at=moment,
            quality=quality,
            speed_mm_s=pick("speed_mm_s"),
            course_cdeg=pick("course_cdeg"),
            satellites=pick("satellites"),
            hdop_centi=pick("hdop_centi"),
            altitude_mm=pick("altitude_mm"),
        )


def distance_m(a: Position, b: Position) -> float:
    """Great-circle distance in metres between two positions (haversine, mean Earth radius)."""
    lat1, lat2 = math.radians(a.lat_e7 / 1e7), math.radians(b.lat_e7 / 1e7)
    dlat = lat2 - lat1
    dlon = math.radians((b.lon_e7 - a.lon_e7) / 1e7)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


class Throttle:
    """Which fixes become `location.fix` events: by time and by distance moved.

    A fix is sent when it is the first, when at least `min_interval_s` has passed and the van
    moved `min_distance_m`, or when `max_interval_s` has passed even if it is parked. Time is
    the receiver's (fixed_at); a clock that jumps back (receiver reset) sends at once.
    """

    def __init__(self, min_interval_s: float, min_distance_m: float, max_interval_s: float):
        self.min_interval_s = min_interval_s
        self.min_distance_m = min_distance_m
        self.max_interval_s = max_interval_s
        self.last: Position | None = None

    def admit(self, position: Position) -> bool:
        last = self.last
        if last is not None:
            elapsed = (position.fixed_at - last.fixed_at).total_seconds()
            if 0 <= elapsed < self.max_interval_s and (
                elapsed < self.min_interval_s or distance_m(last, position) < self.min_distance_m
            ):
                return False
        self.last = position
        return True
