"""ESC/POS as values: code pages, DLE EOT status, receipt and label layouts, and a decoder.

Pure: no pyserial, socket or escpos import. A layout is a list of `Op`s (text, barcode, QR,
cut, drawer kick) that `driver.render` turns into bytes through python-escpos; `decode`
turns printed bytes back into the same kind of values, so tests and the simulator read a
receipt by its content.

References: Epson "ESC/POS Application Programming Guide" and "ESC/POS Command Reference"
(DLE EOT n, GS k, GS ( k, GS V, ESC p).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from protocols import gtin_check_digit

from ..base import BadFrame

ESC = 0x1B
GS = 0x1D
DLE = 0x10
EOT = 0x04
LF = 0x0A

INIT = b"\x1b@"
# DLE EOT n: real-time status. 1 printer, 2 offline cause, 4 paper roll sensor.
STATUS_QUERIES = (b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04")

# ESC t n numbers (Epson TM-T88V table) of the code pages we choose between, with Python's
# codec for each. python-escpos knows them by the same names.
CODEPAGES: Mapping[str, tuple[int, str]] = {
    "CP437": (0, "cp437"),
    "CP850": (2, "cp850"),
    "CP860": (3, "cp860"),
    "CP863": (4, "cp863"),
    "CP865": (5, "cp865"),
    "CP1252": (16, "cp1252"),
    "CP866": (17, "cp866"),
    "CP852": (18, "cp852"),
    "CP858": (19, "cp858"),
}
_CODEC_BY_NUMBER = {number: codec for number, codec in CODEPAGES.values()}

# Characters the common code pages lack, and what a receipt prints instead.
DEFAULT_REPLACEMENTS: Mapping[str, str] = {
    "₹": "Rs.",
    "€": "EUR",
    "—": "-",
    "–": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
}


def codec_of(codepage: str) -> str:
    """Python's codec name for an ESC/POS code page name (`CP858`), or ValueError."""
    try:
        return CODEPAGES[codepage.upper()][1]
    except KeyError:
        raise ValueError(f"code page {codepage!r} is not one of {', '.join(CODEPAGES)}") from None


def printable_text(
    text: str, codepage: str, replacements: Mapping[str, str] = DEFAULT_REPLACEMENTS
) -> str:
    """`text` with every character the code page lacks replaced ("₹" -> "Rs.", else "?")."""
    codec = codec_of(codepage)
    out = []
    for char in text:
        if _encodable(char, codec):
            out.append(char)
        elif char in replacements and all(_encodable(c, codec) for c in replacements[char]):
            out.append(replacements[char])
        else:
            out.append("?")
    return "".join(out)


def _encodable(char: str, codec: str) -> bool:
    if char in "\n\t" or char.isprintable():
        try:
            char.encode(codec)
            return True
        except UnicodeEncodeError:
            return False
    return False


# ---------------------------------------------------------------------------------------------
# Status (DLE EOT n)


class Paper(enum.StrEnum):
    """What the paper roll sensor says."""

    OK = "ok"
    NEAR_END = "near end"
    OUT = "out"


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's answer to DLE EOT 1, 2 and 4."""

    online: bool = True
    paper: Paper = Paper.OK
    cover_open: bool = False
    drawer_open: bool = False  # Drawer kick connector pin 3; which level means open varies.

    @property
    def problem(self) -> str | None:
        """Why a job cannot be printed now ("paper out", "cover open", "offline"), or None."""
        if self.paper is Paper.OUT:
            return "paper out"
        if self.cover_open:
            return "cover open"
        if not self.online:
            return "offline"
        return None


def check_status_byte(n: int, byte: int) -> int:
    """Check the fixed bits of a DLE EOT `n` answer (bits 1 and 4 set, 0 and 7 clear)."""
    if not 0 <= byte <= 0xFF or byte & 0b1001_0011 != 0b0001_0010:
        raise BadFrame(
            f"DLE EOT {n} answer {byte:#04x} breaks the fixed bits (expected xxx1xx10 with "
            "bit 7 clear); is the port set to the printer's baud rate?"
        )
    return byte


def parse_status(answers: Sequence[bytes]) -> PrinterStatus:
    """Turn the three one-byte answers to STATUS_QUERIES into a PrinterStatus.

    DLE EOT 1: bit 2 drawer pin 3 high, bit 3 offline. DLE EOT 2: bit 2 cover open, bit 5
    printing stopped by paper end. DLE EOT 4: bits 2-3 paper near end, bits 5-6 paper out.
    """
    if len(answers) != 3 or any(len(a) != 1 for a in answers):
        raise BadFrame(f"printer status needs three one-byte answers, got {list(answers)!r}")
    printer, offline, paper = (
        check_status_byte(n, a[0]) for n, a in zip((1, 2, 4), answers, strict=True)
    )
    if paper & 0b0110_0000 or offline & 0b0010_0000:
        roll = Paper.OUT
    elif paper & 0b0000_1100:
        roll = Paper.NEAR_END
    else:
        roll = Paper.OK
    return PrinterStatus(
        online=not printer & 0b1000,
        paper=roll,
        cover_open=bool(offline & 0b0100),
        drawer_open=bool(printer & 0b0100),
    )


def status_bytes(status: PrinterStatus) -> tuple[bytes, bytes, bytes]:
    """The answers a printer in `status` gives to STATUS_QUERIES (for the simulator)."""
    printer = 0x12 | (0 if status.online else 0x08) | (0x04 if status.drawer_open else 0)
    offline = 0x12 | (0x04 if status.cover_open else 0) | (0x20 if status.paper is Paper.OUT else 0)
    paper = 0x12 | {Paper.OK: 0, Paper.NEAR_END: 0x0C, Paper.OUT: 0x6C}[status.paper]
    return bytes([printer]), bytes([offline]), bytes([paper])


# ---------------------------------------------------------------------------------------------
# Layout: what to print, as values


class Symbology(enum.StrEnum):
    """Barcodes a receipt or label carries; values are python-escpos names."""

    EAN13 = "EAN13"
    EAN8 = "EAN8"
    UPCA = "UPC-A"
    CODE128 = "CODE128"
    CODE39 = "CODE39"
    ITF = "ITF"


@dataclass(frozen=True)
class Text:
    text: str
    align: str = "left"  # left, center or right
    bold: bool = False
    double: bool = False


@dataclass(frozen=True)
class Barcode:
    symbology: Symbology
    data: str


@dataclass(frozen=True)
class QR:
    data: str


@dataclass(frozen=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True)
class Kick:
    """A drawer kick pulse: ESC p m t1 t2 (pin 2 is m=0, pin 5 is m=1; units of 2 ms)."""

    pin: int = 2
    on_ms: int = 100
    off_ms: int = 100


Op = Text | Barcode | QR | Cut | Kick


def check_barcode(symbology: Symbology, data: str) -> None:
    """Raise ValueError when `data` cannot be that barcode; python-escpos does not check digits."""
    lengths = {Symbology.EAN13: 13, Symbology.EAN8: 8, Symbology.UPCA: 12}
    if symbology in lengths:
        size = lengths[symbology]
        if len(data) != size or not data.isascii() or not data.isdigit():
            raise ValueError(f"{symbology} barcode needs {size} digits, got {data!r}")
        if gtin_check_digit(data[:-1]) != int(data[-1]):
            raise ValueError(
                f"{symbology} barcode {data!r} has check digit {data[-1]}, "
                f"expected {gtin_check_digit(data[:-1])}"
            )
    elif not data or not data.isascii() or not all(32 <= ord(c) < 127 for c in data):
        raise ValueError(f"{symbology} barcode needs printable ASCII, got {data!r}")


def format_money(amount_minor: int, currency: str, *, symbol: str | None = None) -> str:
    """An amount in minor units as the receipt shows it ("₹12.50"); two decimals."""
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    prefix = (
        symbol
        if symbol is not None
        else {"INR": "₹", "EUR": "€", "USD": "$"}.get(currency, currency + " ")
    )
    return f"{sign}{prefix}{whole}.{cents:02d}"


money = format_money


def columns(left: str, right: str, width: int) -> str:
    """`left` and `right` on one line of `width` characters; `left` is cut to make room."""
    room = max(width - len(right) - 1, 0)
    return f"{left[:room]:<{room}} {right}"


def local_time(at: str, timezone: tzinfo | None = None) -> str:
    """An RFC 3339 time as a receipt shows it, "2026-11-25 12:55", in `timezone` (else UTC)."""
    moment = datetime.fromisoformat(at)
    if timezone is not None:
        moment = moment.astimezone(timezone)
    return moment.strftime("%Y-%m-%d %H:%M")


def receipt_code(receipt_no: int) -> str:
    """What the receipt's barcode and QR carry, so a return can scan the receipt."""
    return f"R{receipt_no:08d}"


def receipt_layout(
    receipt: Any,
    *,
    width: int = 42,
    header: Sequence[str] = (),
    footer: Sequence[str] = (),
    hub: str = "",
    qr: bool = True,
    codepage: str | None = None,
    when: str | None = None,
) -> list[Op]:
    """The ops of one receipt: header, lines, tax by rate, total, payments, change, codes.

    `receipt` is an `edge.store.Receipt` (lines, taxes, payments in integer minor units).
    With `codepage`, amounts are laid out as they will print ("Rs." for "₹"), so columns
    still line up after the fallback. `when` is the sale's time as the store reads it
    (see `local_time`); without it the recorded UTC time is shown.
    """
    cur = receipt.currency

    def money(amount_minor: int, currency: str) -> str:
        shown = format_money(amount_minor, currency)
        return printable_text(shown, codepage) if codepage else shown

    ops: list[Op] = [Text(line, align="center", bold=i == 0) for i, line in enumerate(header)]
    where = f"{receipt.location} / {hub}" if hub else receipt.location
    ops += [
        Text(columns(f"Receipt {receipt.receipt_no}", when or local_time(receipt.at), width)),
        Text(columns(where, f"Cashier {receipt.cashier}", width)),
        Text("-" * width),
    ]
    for line in receipt.lines:
        ops.append(Text(columns(line.name, money(line.total_minor, cur), width)))
        if line.sold_by == "weight":
            detail = f"  {line.qty} g x {money(line.unit_price_minor, cur)}/kg"
        else:
            detail = f"  {line.qty} x {money(line.unit_price_minor, cur)}"
        ops.append(Text(detail))
    ops.append(Text("-" * width))
    ops.append(Text(columns("Net", money(receipt.net_minor, cur), width)))
    for tax in receipt.taxes:
        rate = f"{tax.rate_bp // 100}.{tax.rate_bp % 100:02d}%"
        label = f"Tax {rate} on {money(tax.net_minor, cur)}"
        ops.append(Text(columns(label, money(tax.tax_minor, cur), width)))
    ops.append(Text(columns("TOTAL", money(receipt.total_minor, cur), width), bold=True))
    for payment in receipt.payments:
        ops.append(Text(columns(f"Paid {payment.method}", money(payment.amount_minor, cur), width)))
    if receipt.change_minor:
        ops.append(Text(columns("Change", money(receipt.change_minor, cur), width)))
    code = receipt_code(receipt.receipt_no)
    ops.append(Barcode(Symbology.CODE128, code))
    if qr:
        ops.append(QR(code))
    ops += [Text(line, align="center") for line in footer]
    ops.append(Cut())
    return ops


@dataclass(frozen=True)
class Label:
    """A product or shelf label: name, price and one barcode of the product."""

    name: str
    price_minor: int
    currency: str
    code: str
    symbology: Symbology = Symbology.EAN13
    unit: str = ""  # "kg" for a price per kilogram; empty for a piece.

    def __post_init__(self) -> None:
        check_barcode(self.symbology, self.code)


def label_layout(label: Label, *, width: int = 42, copies: int = 1) -> list[Op]:
    """The ops of `copies` labels, each cut off: name, price, then the barcode or QR."""
    price = format_money(label.price_minor, label.currency) + (
        f"/{label.unit}" if label.unit else ""
    )
    one: list[Op] = [
        Text(label.name[:width], align="center", bold=True),
        Text(price, align="center", double=True),
        Barcode(label.symbology, label.code),
        Cut(partial=True),
    ]
    return one * copies


def qr_label_layout(name: str, data: str, *, width: int = 42) -> list[Op]:
    """A label that carries `data` as a QR code under `name` (a shelf link, a GS1 string)."""
    return [Text(name[:width], align="center", bold=True), QR(data), Cut(partial=True)]


# ---------------------------------------------------------------------------------------------
# Decoder: printed bytes back into values


@dataclass(frozen=True)
class Line:
    """A printed line of text and the style it started with."""

    text: str
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class PrintedBarcode:
    symbology: str
    data: str


@dataclass(frozen=True)
class PrintedQR:
    data: str


Printed = Line | PrintedBarcode | PrintedQR | Cut | Kick

# GS k m: function A (m 0-6, NUL-terminated) and function B (m 65-73, length-prefixed).
_BARCODES_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_BARCODES_B = {65 + m: name for m, name in _BARCODES_A.items()} | {72: "CODE93", 73: "CODE128"}

# Commands with a fixed count of argument bytes that only change how things look.
_ESC_ARGS = {
    ord("!"): 1, ord("E"): 1, ord("-"): 1, ord("M"): 1, ord("{"): 1, ord("G"): 1,
    ord("2"): 0, ord("3"): 1, ord("d"): 1, ord("J"): 1, ord("V"): 1, ord("c"): 2,
    ord("R"): 1, ord("r"): 1, ord(" "): 1, ord("$"): 2, ord("\\"): 2, ord("U"): 1,
}  # fmt: skip
_GS_ARGS = {
    ord("!"): 1, ord("b"): 1, ord("B"): 1, ord("h"): 1, ord("w"): 1, ord("f"): 1,
    ord("H"): 1, ord("L"): 2, ord("W"): 2, ord("a"): 1, ord("I"): 1,
}  # fmt: skip


@dataclass
class _Decoder:
    data: bytes
    pos: int = 0
    codec: str = "cp437"
    bold: bool = False
    align: str = "left"
    text: bytearray = field(default_factory=bytearray)
    line_bold: bool = False
    line_align: str = "left"
    qr_data: bytes | None = None
    out: list[Printed] = field(default_factory=list)

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise BadFrame(f"{what} at byte {self.pos} is cut short ({len(self.data)} bytes)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def flush(self) -> None:
        self.out.append(
            Line(self.text.decode(self.codec, "replace"), self.line_bold, self.line_align)
        )
        self.text.clear()

    def char(self, byte: int) -> None:
        if not self.text:
            self.line_bold, self.line_align = self.bold, self.align
        self.text.append(byte)

    def run(self) -> list[Printed]:
        while self.pos < len(self.data):
            byte = self.take(1, "byte")[0]
            if byte == LF:
                self.flush()
            elif byte == 0x0D:
                continue
            elif byte == 0x09:
                self.char(0x20)
            elif byte == ESC:
                self.esc()
            elif byte == GS:
                self.gs()
            elif byte == DLE:
                self.dle()
            elif byte >= 0x20 and byte != 0x7F:
                self.char(byte)
            else:
                raise BadFrame(f"control byte {byte:#04x} at byte {self.pos - 1} is not ESC/POS")
        if self.text:
            self.flush()
        return self.out

    def esc(self) -> None:
        start = self.pos - 1
        cmd = self.take(1, "ESC command")[0]
        if cmd == ord("@"):
            self.codec, self.bold, self.align = "cp437", False, "left"
        elif cmd == ord("t"):
            number = self.take(1, "ESC t")[0]
            if number not in _CODEC_BY_NUMBER:
                raise BadFrame(f"ESC t {number} at byte {start} selects an unknown code page")
            self.codec = _CODEC_BY_NUMBER[number]
        elif cmd == ord("E"):
            self.bold = bool(self.take(1, "ESC E")[0] & 1)
        elif cmd == ord("!"):
            self.bold = bool(self.take(1, "ESC !")[0] & 0x08)
        elif cmd == ord("a"):
            n = self.take(1, "ESC a")[0]
            self.align = {0: "left", 48: "left", 1: "center", 49: "center"}.get(n, "right")
        elif cmd == ord("p"):
            m, t1, t2 = self.take(3, "ESC p")
            self.out.append(Kick(pin=5 if m & 1 else 2, on_ms=t1 * 2, off_ms=t2 * 2))
        elif cmd in _ESC_ARGS:
            self.take(_ESC_ARGS[cmd], f"ESC {chr(cmd)}")
            if cmd in (ord("d"), ord("J")) and self.text:
                self.flush()
        else:
            raise BadFrame(f"unknown command ESC {cmd:#04x} at byte {start}")

    def gs(self) -> None:
        start = self.pos - 1
        cmd = self.take(1, "GS command")[0]
        if cmd == ord("V"):
            m = self.take(1, "GS V")[0]
            if m in (65, 66, 97, 98, 103, 104):
                self.take(1, "GS V feed")
            self.out.append(Cut(partial=m in (1, 49, 66, 98, 104)))
        elif cmd == ord("k"):
            self.barcode(start)
        elif cmd == ord("("):
            self.function(start)
        elif cmd == ord("v"):
            header = self.take(6, "GS v 0")
            width, height = header[2] | header[3] << 8, header[4] | header[5] << 8
            self.take(width * height, "GS v 0 raster image")
        elif cmd in _GS_ARGS:
            self.take(_GS_ARGS[cmd], f"GS {chr(cmd)}")
        else:
            raise BadFrame(f"unknown command GS {cmd:#04x} at byte {start}")

    def dle(self) -> None:
        cmd, n = self.take(2, "DLE command")
        if cmd != EOT or n not in (1, 2, 3, 4):
            raise BadFrame(f"unknown command DLE {cmd:#04x} {n:#04x} at byte {self.pos - 3}")

    def barcode(self, start: int) -> None:
        m = self.take(1, "GS k")[0]
        if m in _BARCODES_A:
            end = self.data.find(b"\x00", self.pos)
            if end < 0:
                raise BadFrame(f"GS k {m} at byte {start} has no NUL after its data")
            raw = self.take(end - self.pos, "GS k data")
            self.pos += 1
            symbology = _BARCODES_A[m]
        elif m in _BARCODES_B:
            raw = self.take(self.take(1, "GS k length")[0], "GS k data")
            symbology = _BARCODES_B[m]
        else:
            raise BadFrame(f"GS k {m} at byte {start} is not a barcode type")
        text = code128_text(raw) if symbology == "CODE128" else raw.decode("latin-1")
        self.out.append(PrintedBarcode(symbology, text))

    def function(self, start: int) -> None:
        kind, low, high = self.take(3, "GS ( function")
        body = self.take(low | high << 8, "GS ( body")
        # GS ( k cn=49 (QR): fn 80 stores the data (after m=48), fn 81 prints it.
        if kind == ord("k") and len(body) >= 2 and body[0] == 49:
            if body[1] == 80:
                self.qr_data = body[3:]
            elif body[1] == 81:
                if self.qr_data is None:
                    raise BadFrame(f"QR print at byte {start} with no stored data")
                self.out.append(PrintedQR(self.qr_data.decode("utf-8", "replace")))


def code128_text(raw: bytes) -> str:
    """The text of ESC/POS CODE128 data: `{A`/`{B`/`{C` pick a code set, `{{` is "{"."""
    out = []
    subset = "B"
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == ord("{") and i + 1 < len(raw):
            nxt = chr(raw[i + 1])
            i += 2
            if nxt in "ABC":
                subset = nxt
            elif nxt == "{":
                out.append("{")
            elif nxt == "1":
                out.append("\x1d")  # FNC1 inside GS1-128 data is the group separator.
            continue
        out.append(f"{byte:02d}" if subset == "C" else chr(byte))
        i += 1
    return "".join(out)


def decode(data: bytes) -> list[Printed]:
    """Turn ESC/POS bytes into lines, barcodes, QR codes, cuts and drawer kicks.

    Raises BadFrame for a command it does not know or one cut short; status queries
    (DLE EOT n) are skipped. Text is decoded with the code page the bytes selected.
    """
    return _Decoder(data).run()


def text_lines(printed: Sequence[Printed]) -> list[str]:
    """Only the text lines of a decoded print, for asserting on a receipt's wording."""
    return [item.text for item in printed if isinstance(item, Line)]
