"""Scale protocols as bytes <-> values: Mettler Toledo 8217, NCI SCP-01 and continuous output.

Pure: no pyserial here. Each protocol says what to send for a weight, zero, tare and clear, how
its replies are framed, and how one frame becomes a `Weight` or a `ScaleStatus`. Weights are
integer grams; the scales send kilograms with a decimal point, converted exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..base import BadFrame, DeviceError

STX = b"\x02"
ETX = b"\x03"
CR = b"\r"
LF = b"\n"

# A frame longer than this is line noise, not a reply (the longest real one is ~20 bytes).
MAX_FRAME = 64


@dataclass(frozen=True)
class Weight:
    """A weight the scale gave, in integer grams; `stable` is false while the pan moves."""

    grams: int
    stable: bool = True


@dataclass(frozen=True)
class ScaleStatus:
    """Why the scale gave no weight (or a weight the till must not use)."""

    motion: bool = False
    over_capacity: bool = False
    under_zero: bool = False
    not_zeroed: bool = False  # Outside the zero-capture range, or a zero error at power-up.
    at_zero: bool = False
    net: bool = False
    fault: bool = False  # The scale reports a RAM, ROM, EEPROM or calibration error.

    @property
    def reason(self) -> str:
        """The first condition that stops a sale, in words, or "ok"."""
        for flag, words in (
            (self.fault, "scale fault (RAM, ROM, EEPROM or calibration): service it"),
            (self.over_capacity, "over capacity"),
            (self.under_zero, "under zero"),
            (self.motion, "in motion"),
            (self.not_zeroed, "not zeroed"),
        ):
            if flag:
                return words
        return "ok"


Reading = Weight | ScaleStatus


def parse_kg(text: bytes, what: str = "weight", unit: bytes = b"kg") -> int:
    """Turn an ASCII figure such as b"  1.234" or b"+0001.234" in `unit` into integer grams."""
    raw = text.strip().replace(b" ", b"")
    if not re.fullmatch(rb"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        raise BadFrame(f"scale {what} {text!r} is not a decimal number of {unit.decode()}")
    try:
        grams = Decimal(raw.decode("ascii")) * (1000 if unit == b"kg" else 1)
    except InvalidOperation as err:  # pragma: no cover - the pattern above rules this out.
        raise BadFrame(f"scale {what} {text!r} is not a number") from err
    if grams != grams.to_integral_value():
        raise BadFrame(f"scale {what} {text!r} is finer than a gram")
    return int(grams)


class Framer:
    """Cuts a byte stream into frames ending with `terminator`, dropping what cannot be one.

    `feed` returns complete frames; bytes that cannot start a frame (before `start`, or a run
    longer than MAX_FRAME) are counted in `garbage_bytes` and dropped, so noise on the line
    never glues itself to the next reply.
    """

    def __init__(
        self, terminator: bytes, start: bytes | None = None, *, last_start: bool = True
    ) -> None:
        self.terminator = terminator
        self.start = start
        # The last start byte begins the frame unless the start byte may recur inside it.
        self.last_start = last_start
        self.garbage_bytes = 0
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames = []
        while True:
            end = self._buffer.find(self.terminator)
            if end < 0:
                if len(self._buffer) > MAX_FRAME:
                    self.garbage_bytes += len(self._buffer)
                    self._buffer.clear()
                return frames
            chunk = bytes(self._buffer[: end + len(self.terminator)])
            del self._buffer[: end + len(self.terminator)]
            if self.start is not None:
                begin = chunk.rfind(self.start) if self.last_start else chunk.find(self.start)
                if begin < 0:
                    self.garbage_bytes += len(chunk)
                    continue
                self.garbage_bytes += begin
                chunk = chunk[begin:]
            frames.append(chunk)

    def clear(self) -> None:
        """Forget a half-received frame, counting it as garbage (nobody asked for it)."""
        self.garbage_bytes += len(self._buffer)
        self._buffer.clear()


class ScaleProtocol:
    """One scale protocol: its requests, its framing and its reply parser."""

    name = ""
    weight_request: bytes | None = None  # None: the scale sends on its own (continuous).
    zero_request: bytes | None = None
    tare_request: bytes | None = None
    clear_request: bytes | None = None

    def framer(self) -> Framer:
        raise NotImplementedError

    def parse(self, frame: bytes) -> Reading:
        raise NotImplementedError

    def command(self, action: str) -> bytes:
        """The bytes for `zero`, `tare` or `clear`; DeviceError if the protocol has none."""
        request = getattr(self, f"{action}_request", None)
        if request is None:
            raise DeviceError(f"scale protocol {self.name!r} has no {action} command")
        return request


class Toledo8217(ScaleProtocol):
    """Mettler Toledo 8217: `W` asks; STX weight [N] CR, or STX ? status CR, answers."""

    name = "toledo8217"
    weight_request = b"W"
    zero_request = b"Z"
    tare_request = b"T"
    clear_request = b"C"

    def framer(self) -> Framer:
        return Framer(CR, start=STX)

    def parse(self, frame: bytes) -> Reading:
        """Turn one reply (STX ... CR) into grams or a scale status."""
        if not (frame.startswith(STX) and frame.endswith(CR)):
            raise BadFrame(f"scale reply {frame!r} is not framed STX ... CR")
        body = frame[1:-1]
        if body.startswith(b"?"):
            return parse_8217_status(body[1:])
        # A trailing N marks a net weight; a weight reply is always a stable one.
        return Weight(grams=parse_kg(body.removesuffix(b"N")), stable=True)


def parse_8217_status(body: bytes) -> ScaleStatus:
    """Decode the 8217 status byte: bit 0 motion, 1 over, 2 under zero, 3 outside zero capture,
    4 centre of zero, 5 net. Bit 6 is always set and bit 7 is parity; neither is an error."""
    if len(body) != 1 or not body[0] & 0x40:
        raise BadFrame(f"scale status {body!r} is not one byte with bit 6 set")
    bits = body[0]
    return ScaleStatus(
        motion=bool(bits & 0x01),
        over_capacity=bool(bits & 0x02),
        under_zero=bool(bits & 0x04),
        not_zeroed=bool(bits & 0x08),
        at_zero=bool(bits & 0x10),
        net=bool(bits & 0x20),
    )


def encode_8217_status(status: ScaleStatus) -> bytes:
    """The status byte a Toledo 8217 scale sends for `status` (for the simulator and tests)."""
    bits = 0x40
    for flag, bit in (
        (status.motion, 0x01),
        (status.over_capacity, 0x02),
        (status.under_zero, 0x04),
        (status.not_zeroed, 0x08),
        (status.at_zero, 0x10),
        (status.net, 0x20),
    ):
        bits |= bit if flag else 0
    return bytes([bits])


class NciScp01(ScaleProtocol):
    """NCI / Avery Weigh-Tronix SCP-01: `W\\r` asks; LF weight unit CR LF status CR ETX answers.

    The status bytes (NCI standard protocol): byte 1 bit 0 motion, bit 1 at zero, bits 2-3
    RAM/EEPROM error; byte 2 bit 0 under capacity, bit 1 over capacity, bits 2-3 ROM /
    calibration error; an optional byte 3 bit 3 initial zero error. Bits 4-5 are always set.
    Over and under capacity replace the figure with ^ or _ characters. SCP-01 has no tare
    command, so `tare` and `clear` are refused.
    """

    name = "nci"
    weight_request = b"W\r"
    zero_request = b"Z\r"
    status_request = b"S\r"

    def framer(self) -> Framer:
        return Framer(ETX, start=LF, last_start=False)  # LF also separates weight and status.

    def parse(self, frame: bytes) -> Reading:
        if not (frame.startswith(LF) and frame.endswith(CR + ETX)):
            raise BadFrame(f"scale reply {frame!r} is not framed LF ... CR ETX")
        parts = frame[1:-2].split(CR + LF)
        if len(parts) == 1 and parts[0].startswith(b"S"):
            return parse_nci_status(parts[0][1:])
        if len(parts) != 2:
            raise BadFrame(f"scale reply {frame!r} is not weight CR LF status")
        figure, status_bytes = parts
        status = parse_nci_status(status_bytes)
        if status.over_capacity or status.under_zero or set(figure.strip()) <= set(b"^_-"):
            return status
        match = re.fullmatch(rb"(.*?)(kg|g)", figure.rstrip())
        if match is None:
            raise BadFrame(f"scale unit in {figure!r} is not kg or g; set the scale to metric")
        grams = parse_kg(match[1], unit=match[2])
        if status.not_zeroed or status.fault:
            return status
        return Weight(grams=grams, stable=not status.motion)


def parse_nci_status(body: bytes) -> ScaleStatus:
    """Decode two or three NCI status bytes (each 0b0011xxxx)."""
    if len(body) not in (2, 3) or any(b & 0xF0 != 0x30 for b in body):
        raise BadFrame(f"scale status {body!r} is not two or three NCI status bytes")
    first, second = body[0], body[1]
    third = body[2] if len(body) == 3 else 0x30
    return ScaleStatus(
        motion=bool(first & 0x01),
        at_zero=bool(first & 0x02),
        under_zero=bool(second & 0x01),
        over_capacity=bool(second & 0x02),
        not_zeroed=bool(third & 0x08),
        fault=bool(first & 0x0C) or bool(second & 0x0C),
    )


def encode_nci_status(status: ScaleStatus) -> bytes:
    """The two NCI status bytes for `status` (for the simulator and tests)."""
    first = 0x30 | (0x01 if status.motion else 0) | (0x02 if status.at_zero else 0)
    second = 0x30 | (0x01 if status.under_zero else 0) | (0x02 if status.over_capacity else 0)
    return bytes([first, second])


class Continuous(ScaleProtocol):
    """Continuous output (Kern, CAS, Dini Argeo style): `ST,GS,+0001.234kg` CR LF, many a second.

    The first field is ST (stable), US (unstable) or OL (overload); the second GS (gross) or
    NT (net). Nothing is requested: a read takes the next line. `Z` and `T` (CR LF) zero and
    tare on the scales that accept commands; there is no separate clear.
    """

    name = "continuous"
    zero_request = b"Z\r\n"
    tare_request = b"T\r\n"

    _line = re.compile(rb"(ST|US|OL),(GS|NT),?\s*([+-]?[\d. ]*)\s*(kg|g)?\s*")

    def framer(self) -> Framer:
        return Framer(LF)

    def parse(self, frame: bytes) -> Reading:
        match = self._line.fullmatch(frame.rstrip(b"\r\n"))
        if match is None:
            raise BadFrame(f"scale line {frame!r} is not ST|US|OL,GS|NT,<weight><unit>")
        state, kind, figure, unit = match.groups()
        net = kind == b"NT"
        if state == b"OL":
            return ScaleStatus(over_capacity=True, net=net)
        if unit is None:
            raise BadFrame(f"scale line {frame!r} has no unit (kg or g)")
        grams = parse_kg(figure, unit=unit)
        if grams < 0 and not net:
            return ScaleStatus(under_zero=True)
        return Weight(grams=grams, stable=state == b"ST")


class Settling:
    """Stability without trusting a motion bit: N readings in a row within a tolerance.

    Some scales flag stable too early or not at all (devices.md: 3-10 consecutive readings
    within the motion tolerance). With `readings` = 1 the scale's own flag stands.
    """

    def __init__(self, readings: int = 1, tolerance_g: int = 1) -> None:
        self.readings = readings
        self.tolerance_g = tolerance_g
        self._window: list[int] = []

    def judge(self, reading: Reading) -> Reading:
        """The reading, with `stable` true only if the last N weights agree."""
        if not isinstance(reading, Weight):
            self._window.clear()
            return reading
        self._window = [*self._window, reading.grams][-self.readings :]
        settled = (
            len(self._window) == self.readings
            and max(self._window) - min(self._window) <= self.tolerance_g
        )
        return Weight(reading.grams, stable=reading.stable and settled)


PROTOCOLS: dict[str, type[ScaleProtocol]] = {p.name: p for p in (Toledo8217, NciScp01, Continuous)}


def protocol_named(name: str) -> ScaleProtocol:
    try:
        return PROTOCOLS[name]()
    except KeyError:
        raise ValueError(f"unknown scale protocol {name!r}; one of {sorted(PROTOCOLS)}") from None
