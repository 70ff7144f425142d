"""The schema of each event type's body, and the hub status both sides read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from .errors import blame, decode

# Hub ids and location codes appear in MQTT topics and URLs, so no '/', '+', '#' or spaces.
HubId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Code = Annotated[str, Meta(pattern=r"^[!-~]{1,64}$")]
Text = Annotated[str, Meta(min_length=1, max_length=200)]
Reference = Annotated[str, Meta(max_length=100)]
Minor = Annotated[int, Meta(ge=-(10**15), le=10**15)]
RateBp = Annotated[int, Meta(ge=0, le=10_000)]
UtcTime = Annotated[datetime, Meta(tz=True)]


class Schema(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Parsed from JSON strictly: no float for an int, no unknown field, immutable."""


class SaleLine(Schema):
    line_no: Annotated[int, Meta(ge=1)]
    sku: Code
    name: Text
    sold_by: Literal["unit", "weight"]
    qty: Annotated[int, Meta(gt=0, le=10**9)]
    unit_price_minor: Annotated[int, Meta(ge=0, le=10**12)]
    tax_rate_bp: RateBp
    net_minor: Minor
    tax_minor: Minor
    total_minor: Minor

    def __post_init__(self) -> None:
        if self.net_minor + self.tax_minor != self.total_minor:
            raise blame(
                "total_minor",
                f"must equal net_minor {self.net_minor} + tax_minor {self.tax_minor}, "
                f"got {self.total_minor}",
            )


class TaxLine(Schema):
    rate_bp: RateBp
    net_minor: Minor
    tax_minor: Minor


class Payment(Schema):
    method: Literal["cash", "card", "upi", "other"]
    amount_minor: Annotated[int, Meta(gt=0, le=10**15)]
    reference: Reference | None = None


class SaleCompleted(Schema):
    """A checkout committed at a till: lines, taxes by rate and payments."""

    sale_id: UUID
    receipt_no: Annotated[int, Meta(ge=1)]
    location: Code
    cashier: Text
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
    tax_inclusive: bool
    lines: Annotated[list[SaleLine], Meta(min_length=1, max_length=2000)]
    taxes: list[TaxLine]
    net_minor: Minor
    tax_minor: Minor
    total_minor: Minor
    payments: Annotated[list[Payment], Meta(min_length=1, max_length=20)]
    change_minor: Annotated[int, Meta(ge=0)]

    def __post_init__(self) -> None:
        lines_total = sum([line.total_minor for line in self.lines])
        if lines_total != self.total_minor:
            raise blame(
                "total_minor", f"must equal the lines' total {lines_total}, got {self.total_minor}"
            )
        if self.net_minor + self.tax_minor != self.total_minor:
            raise blame(
                "total_minor",
                f"must equal net_minor {self.net_minor} + tax_minor {self.tax_minor}, "
                f"got {self.total_minor}",
            )
        paid = sum([p.amount_minor for p in self.payments])
        if paid - self.change_minor != self.total_minor:
            raise blame(
                "payments",
                f"add up to {paid}; minus change_minor {self.change_minor} that must equal "
                f"total_minor {self.total_minor}",
            )


MoveReason = Literal["receipt", "transfer_out", "transfer_in", "adjustment", "count", "write_off"]


class StockMoved(Schema):
    """One stock movement not caused by a sale: delta in the product's base units."""

    location: Code
    sku: Code
    delta: Annotated[int, Meta(ge=-(10**12), le=10**12)]
    reason: MoveReason
    lot: Code | None = None
    reference: Reference | None = None

    def __post_init__(self) -> None:
        if self.delta == 0:
            raise blame("delta", "must be a non-zero count of base units, got 0")


class HubStatus(Schema):
    """What a hub says about itself: retained on its status topic and logged as an event."""

    state: Literal["online", "offline"]
    protocol: Annotated[int, Meta(ge=1)]
    software: Annotated[str, Meta(min_length=1, max_length=40)]
    location: Code
    catalog_version: Annotated[int, Meta(ge=0)]
    last_seq: Annotated[int, Meta(ge=0)]
    clock: UtcTime


class LocationFix(Schema):
    """A position from a van hub's GPS receiver, in exact integers.

    Latitude and longitude are in 1e-7 degrees (about 1 cm), speed in mm/s, course in
    hundredths of a degree clockwise from true north, altitude in mm above mean sea level.
    `fixed_at` is the receiver's UTC time of the fix, which is better than the hub's clock.
    """

    lat_e7: Annotated[int, Meta(ge=-900_000_000, le=900_000_000)]
    lon_e7: Annotated[int, Meta(ge=-1_800_000_000, le=1_800_000_000)]
    fixed_at: UtcTime
    quality: Literal["gps", "dgps", "rtk", "float_rtk", "estimated"]
    speed_mm_s: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    course_cdeg: Annotated[int, Meta(ge=0, le=35_999)] | None = None
    satellites: Annotated[int, Meta(ge=0, le=255)] | None = None
    hdop_centi: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    altitude_mm: Annotated[int, Meta(ge=-1_000_000_000, le=100_000_000)] | None = None


DeviceFamily = Literal["scanner", "scale", "camera", "printer", "drawer", "gps"]


class DeviceStatus(Schema):
    """A device at a hub changed state: `connected`, `disconnected` or `error` with a reason."""

    device: Code
    family: DeviceFamily
    state: Literal["connected", "disconnected", "error"]
    reason: Annotated[str, Meta(max_length=300)] | None = None


EVENT_TYPES: dict[str, type[Schema]] = {
    "sale.completed": SaleCompleted,
    "stock.moved": StockMoved,
    "hub.status": HubStatus,
    "location.fix": LocationFix,
    "device.status": DeviceStatus,
}

_status = msgspec.json.Decoder(HubStatus)


def parse_status(raw: bytes | str) -> HubStatus:
    """Parse a status topic payload; raise InvalidPayload naming the broken field."""
    return decode(_status, raw)
