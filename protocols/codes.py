"""What a scanned code means: GTINs, variable-measure EAN-13 rules and GS1 element strings.

Every source of codes (HID and serial scanners, the camera) and the cloud read codes with
`interpret`. It returns a frozen `ScannedCode` or raises `InvalidPayload` naming the part that
is wrong (`gtin`, `expiry`, `lot`, ...). Variable-measure rules are data (`VariableMeasureRule`),
so a store or a country can bring its own table.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .barcodes import gtin_check_digit, is_valid_gtin
from .errors import InvalidPayload

GS = "\x1d"  # The GS1 group separator (FNC1 in the data), ASCII 29.
# Symbology identifiers (ISO/IEC 15424) whose data is a GS1 element string.
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]e0", "]Q3", "]J1"})
VALUE_KINDS = ("weight_g", "price_minor")
MAX_CODE_CHARS = 512


@dataclass(frozen=True)
class VariableMeasureRule:
    """One variable-measure EAN-13 layout: prefix, item code, value, check digit.

    The 13 digits are `prefix` + `item_digits` item code + an optional price check digit +
    `value_digits` value + the EAN-13 check digit. A `weight_g` value counts
    10^-value_decimals kilograms; a `price_minor` value counts 10^-value_decimals of the
    currency's major unit. For example `21IIIIIWWWWWC` is
    VariableMeasureRule("21", "weight_g", value_decimals=3).
    """

    prefix: str
    kind: str
    item_digits: int = 5
    value_digits: int = 5
    value_decimals: int = 3
    price_check: bool = False  # A GS1 price check digit sits before the value (GS1 GS 7.9.3).

    def __post_init__(self) -> None:
        if not (self.prefix.isascii() and self.prefix.isdigit() and self.prefix[0] == "2"):
            raise InvalidPayload("prefix", f"{self.prefix!r} must be digits starting with 2")
        if self.kind not in VALUE_KINDS:
            raise InvalidPayload("kind", f"{self.kind!r} must be one of {', '.join(VALUE_KINDS)}")
        if self.price_check and self.value_digits not in (4, 5):
            raise InvalidPayload("value_digits", "a price check digit needs a 4 or 5 digit value")
        used = len(self.prefix) + self.item_digits + self.price_check + self.value_digits + 1
        if self.item_digits < 1 or self.value_digits < 1 or used != 13:
            raise InvalidPayload(
                "value_digits",
                f"prefix, item, price check, value and check digit make {used} digits, not 13",
            )
        if not 0 <= self.value_decimals <= 6:
            raise InvalidPayload("value_decimals", f"{self.value_decimals} must be 0 to 6")


# Common defaults (Odoo's nomenclature: `2100005080002` is item 00005 weighing 8.000 kg, and
# `2305000123451` is item 05000 at 123.45). Stores with other layouts configure their own.
DEFAULT_RULES: tuple[VariableMeasureRule, ...] = (
    VariableMeasureRule("21", "weight_g", value_decimals=3),
    VariableMeasureRule("22", "weight_g", value_decimals=3),
    VariableMeasureRule("23", "price_minor", value_decimals=2),
    VariableMeasureRule("24", "price_minor", value_decimals=2),
)


def rules_from(tables: Iterable[Mapping[str, Any]]) -> tuple[VariableMeasureRule, ...]:
    """Build rules from config tables; InvalidPayload names `rules.N.key` for a bad one."""
    names = set(VariableMeasureRule.__dataclass_fields__)
    rules = []
    for i, table in enumerate(tables):
        unknown = sorted(set(table) - names)
        if unknown:
            raise InvalidPayload(f"rules.{i}.{unknown[0]}", "is not a rule key")
        for key, value in table.items():
            expected = str if key in ("prefix", "kind") else bool if key == "price_check" else int
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise InvalidPayload(f"rules.{i}.{key}", f"must be {expected.__name__}")
        try:
            rules.append(VariableMeasureRule(**table))
        except InvalidPayload as err:
            raise InvalidPayload(f"rules.{i}.{err.field}", err.reason) from None
        except TypeError as err:
            raise InvalidPayload(f"rules.{i}", str(err)) from None
    prefixes = [r.prefix for r in rules]
    for i, prefix in enumerate(prefixes):
        if any(p.startswith(prefix) or prefix.startswith(p) for p in prefixes[:i]):
            raise InvalidPayload(f"rules.{i}.prefix", f"{prefix!r} overlaps an earlier rule")
    return tuple(rules)


@dataclass(frozen=True)
class ScannedCode:
    """The meaning of one scanned code; fields a code does not carry are None.

    `kind` is "gtin" (a plain EAN/UPC/GTIN-14), "variable_measure" (prefix-2 EAN-13 read by
    a rule), "gs1" (an element string) or "text" (anything else, such as a store's own
    Code128 label). `gtin` is the 13-digit form when the GTIN-14 starts with 0.
    """

    text: str
    kind: str
    gtin: str | None = None
    lot: str | None = None
    expiry: str | None = None  # YYYY-MM-DD; day 00 in AI (17) means the month's last day.
    serial: str | None = None
    net_weight_g: int | None = None
    price_minor: int | None = None
    item_code: str | None = None
    symbology: str | None = None  # The ]xx identifier the scanner sent, if any.
    elements: tuple[tuple[str, str], ...] = field(default=())  # (AI, value) as read.

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, fields in a fixed order (for `shopfloor parse-code`)."""
        return {
            "gtin": self.gtin,
            "lot": self.lot,
            "expiry": self.expiry,
            "serial": self.serial,
            "net_weight_g": self.net_weight_g,
            "price_minor": self.price_minor,
            "item_code": self.item_code,
            "kind": self.kind,
            "symbology": self.symbology,
            "text": self.text,
            "elements": {ai: value for ai, value in self.elements},
        }


# --- check digits ---------------------------------------------------------------------------

# GS1 General Specifications 7.9.3: weighting factors as digit -> weighted digit tables.
_W2M = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)  # "2-": 2d, units minus tens.
_W3 = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)  # "3": units of 3d.
_W5P = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)  # "5+": 5d, units plus tens.
_W5M = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)  # "5-": 5d, units minus tens.


def price_check_digit(value: str) -> int:
    """The GS1 price check digit of a 4- or 5-digit price or weight (GS1 GS 7.9.3, 7.9.4)."""
    if not (value.isascii() and value.isdigit() and len(value) in (4, 5)):
        raise ValueError(f"price check digits need 4 or 5 digits, got {value!r}")
    d = [int(c) for c in value]
    if len(d) == 4:
        return (_W2M[d[0]] + _W2M[d[1]] + _W3[d[2]] + _W5M[d[3]]) * 3 % 10
    total = _W5P[d[0]] + _W2M[d[1]] + _W5M[d[2]] + _W5P[d[3]] + _W2M[d[4]]
    return _W5M.index((10 - total % 10) % 10)


# --- interpretation -------------------------------------------------------------------------


def interpret(
    text: str,
    *,
    rules: Sequence[VariableMeasureRule] = DEFAULT_RULES,
    separators: Iterable[str] = (GS,),
    minor_digits: int = 2,
) -> ScannedCode:
    """Read one scanned code; raise InvalidPayload naming the part that is malformed.

    `separators` are the characters that end a variable-length GS1 field (GS, or a
    substitute the scanner is set to send). `minor_digits` is the currency's (2 for INR).
    """
    if not text:
        raise InvalidPayload("code", "is empty")
    if len(text) > MAX_CODE_CHARS:
        raise InvalidPayload("code", f"is {len(text)} characters; at most {MAX_CODE_CHARS}")
    allowed = {GS, *separators}
    if any(not c.isprintable() and c not in allowed for c in text):
        raise InvalidPayload("code", f"{text!r} holds control characters other than GS")
    symbology = None
    body = text
    if text.startswith("]") and len(text) >= 3:
        symbology, body = text[:3], text[3:]
    for sep in separators:
        body = body.replace(sep, GS)
    if body.startswith("("):
        return _gs1(text, body, symbology, hri=True, minor_digits=minor_digits)
    if symbology in GS1_SYMBOLOGIES or GS in body:
        return _gs1(text, body.strip(GS), symbology, hri=False, minor_digits=minor_digits)
    if body.isascii() and body.isdigit() and len(body) in (8, 12, 13, 14):
        return _gtin(text, body, symbology, rules, minor_digits)
    if len(body) >= 16 and body[:2] in ("01", "02") and body[:16].isdigit():
        # A GS1 element string read without its symbology identifier.
        return _gs1(text, body, symbology, hri=False, minor_digits=minor_digits)
    return ScannedCode(text=text, kind="text", symbology=symbology)


def _gtin(
    text: str,
    digits: str,
    symbology: str | None,
    rules: Sequence[VariableMeasureRule],
    minor_digits: int,
) -> ScannedCode:
    if not is_valid_gtin(digits):
        expected = gtin_check_digit(digits[:-1])
        raise InvalidPayload("gtin", f"{digits} has check digit {digits[-1]}, expected {expected}")
    if len(digits) == 13:
        for rule in rules:
            if digits.startswith(rule.prefix):
                return _variable(text, digits, symbology, rule, minor_digits)
    return ScannedCode(text=text, kind="gtin", gtin=digits, symbology=symbology)


def _variable(
    text: str, digits: str, symbology: str | None, rule: VariableMeasureRule, minor_digits: int
) -> ScannedCode:
    at = len(rule.prefix)
    item = digits[at : at + rule.item_digits]
    at += rule.item_digits
    if rule.price_check:
        check = digits[at]
        at += 1
    value = digits[at : at + rule.value_digits]
    if rule.price_check and price_check_digit(value) != int(check):
        raise InvalidPayload(
            "price_check",
            f"{digits}: value {value} has price check digit {check}, "
            f"expected {price_check_digit(value)}",
        )
    unit_digits = 3 if rule.kind == "weight_g" else minor_digits
    amount = _scaled(int(value), rule.value_decimals, unit_digits, rule.kind)
    return ScannedCode(
        text=text,
        kind="variable_measure",
        item_code=item,
        symbology=symbology,
        net_weight_g=amount if rule.kind == "weight_g" else None,
        price_minor=amount if rule.kind == "price_minor" else None,
    )


def _scaled(number: int, decimals: int, unit_digits: int, name: str) -> int:
    """`number` * 10^-decimals in units of 10^-unit_digits, which must come out whole."""
    if decimals <= unit_digits:
        return number * 10 ** (unit_digits - decimals)
    whole, rest = divmod(number, 10 ** (decimals - unit_digits))
    if rest:
        raise InvalidPayload(name, f"{number}e-{decimals} is not a whole number of units")
    return whole


# AIs whose values `interpret` turns into fields; others are kept in `elements` only.
_FIELDS = {"01": "gtin", "10": "lot", "17": "expiry", "21": "serial"}


def _gs1(
    text: str, body: str, symbology: str | None, *, hri: bool, minor_digits: int
) -> ScannedCode:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse_hri(body) if hri else GS1Message.parse(body)
    except ParseError as err:
        named = re.search(r"\((\d{2,4})\)", str(err))
        ai = named[1] if named else ""
        raise InvalidPayload(_FIELDS.get(ai, f"gs1.{ai}" if ai else "gs1"), str(err)) from None
    except (ValueError, IndexError) as err:  # biip's own checks, e.g. an impossible date.
        raise InvalidPayload("gs1", f"{body!r} is not a GS1 element string: {err}") from None
    elements = [(es.ai.ai, es.value) for es in message.element_strings]
    seen: dict[str, str] = {}
    for ai, value in elements:
        if seen.setdefault(ai, value) != value:
            raise InvalidPayload(
                _FIELDS.get(ai, f"gs1.{ai}"), f"({ai}) appears twice: {seen[ai]!r} and {value!r}"
            )
    if not hri:
        _refuse_swallowed(message)
    found: dict[str, Any] = {}
    for es in message.element_strings:
        ai, value = es.ai.ai, es.value
        if ai == "01":
            if not is_valid_gtin(value):
                raise InvalidPayload("gtin", es.gtin_error or f"{value} is not a valid GTIN")
            found["gtin"] = value[1:] if value.startswith("0") else value
        elif ai in ("10", "21"):
            found[_FIELDS[ai]] = value
        elif ai == "17":
            found["expiry"] = _expiry(value)
        elif ai.startswith("310"):
            found["net_weight_g"] = _scaled(int(value), int(ai[3]), 3, "net_weight_g")
        elif ai.startswith("392"):
            found["price_minor"] = _scaled(int(value), int(ai[3]), minor_digits, "price_minor")
        elif ai.startswith("393"):
            found["price_minor"] = _scaled(int(value[3:]), int(ai[3]), minor_digits, "price_minor")
    return ScannedCode(
        text=text, kind="gs1", symbology=symbology, elements=tuple(elements), **found
    )


def _expiry(value: str) -> str:
    """AI (17) YYMMDD as YYYY-MM-DD; DD 00 is the month's last day (GS1 GS 3.4.5)."""
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:6])
    year = _century_year(yy)
    if not 1 <= mm <= 12:
        raise InvalidPayload("expiry", f"{value}: month {mm:02d} does not exist")
    last = calendar.monthrange(year, mm)[1]
    if dd == 0:
        dd = last
    if dd > last:
        raise InvalidPayload("expiry", f"{value}: day {dd:02d} does not exist in {year}-{mm:02d}")
    return dt.date(year, mm, dd).isoformat()


def _century_year(yy: int) -> int:
    """The year of a 2-digit YY by the GS1 sliding window (GS1 GS 7.12): -49..+50 years."""
    this_year = dt.date.today().year
    year = this_year // 100 * 100 + yy
    if year - this_year >= 51:
        year -= 100
    elif this_year - year > 49:
        year += 100
    return year


# Element strings a lot or serial may have swallowed when a scanner dropped the separator.
_SWALLOWABLE = ("10", "11", "15", "17", "21", "30", "310", "392")


def _refuse_swallowed(message: Any) -> None:
    """Refuse a final variable-length field whose tail reads as further elements.

    Without its FNC1/GS separator, `10ABC12321XYZ` is either lot ABC12321XYZ or lot ABC123
    and serial XYZ; guessing would put a wrong lot on a recall report.
    """
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    last = message.element_strings[-1] if message.element_strings else None
    if last is None or not last.ai.separator_required:
        return
    value = last.value
    for i in range(1, len(value) - 2):
        tail = value[i:]
        if not tail.startswith(_SWALLOWABLE):
            continue
        try:
            GS1Message.parse(tail)
        except (ParseError, ValueError, IndexError):
            continue
        raise InvalidPayload(
            _FIELDS.get(last.ai.ai, f"gs1.{last.ai.ai}"),
            f"({last.ai.ai}) {value!r} is ambiguous: it may end at {value[:i]!r} followed by "
            f"({tail[:2]}...); the GS1 separator (FNC1/GS) is missing",
        )
