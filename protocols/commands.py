"""Messages flowing down to a hub: the ack watermark and commands such as catalog updates."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from .barcodes import GTIN_LENGTHS, is_valid_gtin
from .errors import InvalidPayload, blame, decode
from .events import Code, RateBp, Schema, Text


class Ack(Schema):
    """Retained on a hub's ack topic: every seq up to `seq` is durably stored in the cloud.

    `refused` is set when the cloud will not read this hub's events at all (for example an
    unsupported protocol version); the hub keeps its outbox and shows the reason.
    """

    seq: Annotated[int, Meta(ge=0)]
    refused: Annotated[str, Meta(max_length=500)] | None = None


Barcode = Annotated[str, Meta(pattern=r"^[!-~]{1,48}$")]


class CatalogProduct(Schema):
    """One product as the cloud publishes it; prices in minor units, tax in basis points.

    For `sold_by="weight"` the base unit is the gram and the price is per kilogram.
    """

    sku: Code
    name: Text
    unit_price_minor: Annotated[int, Meta(ge=0, le=10**12)]
    tax_rate_bp: RateBp
    sold_by: Literal["unit", "weight"]
    barcodes: Annotated[list[Barcode], Meta(max_length=50)] = []
    active: bool = True

    def __post_init__(self) -> None:
        for code in self.barcodes:
            if code.isdigit() and len(code) in GTIN_LENGTHS and not is_valid_gtin(code):
                raise blame("barcodes", f"{code!r} looks like a GTIN but its check digit is wrong")


class CatalogUpdate(Schema, tag_field="type", tag="catalog.update"):
    """Products changed after catalog version `since`, bringing the hub to `version`.

    A hub below `since` cannot apply it and waits for a fuller update; one at `version` or
    above has it already. With `full`, products not listed are archived.
    """

    version: Annotated[int, Meta(ge=1)]
    since: Annotated[int, Meta(ge=0)]
    products: Annotated[list[CatalogProduct], Meta(max_length=100_000)]
    full: bool = False


Command = CatalogUpdate  # Later commands join as a tagged union on "type".
COMMAND_TYPES = ("catalog.update",)


class _Kind(msgspec.Struct):
    type: str | None = None


_ack = msgspec.json.Decoder(Ack)
_command = msgspec.json.Decoder(Command)
_kind = msgspec.json.Decoder(_Kind)


def parse_ack(raw: bytes | str) -> Ack:
    return decode(_ack, raw)


def parse_command(raw: bytes | str) -> Command:
    """Parse a message on a hub's cmd topic; raise InvalidPayload naming the broken field."""
    # msgspec treats the tag of a lone tagged struct as optional; a command must name itself.
    kind = decode(_kind, raw).type
    if kind is None:
        raise InvalidPayload("type", "is required")
    if kind not in COMMAND_TYPES:
        raise InvalidPayload(
            "type", f"unknown command type {kind!r} (known: {', '.join(COMMAND_TYPES)})"
        )
    return decode(_command, raw)


def encode(message: msgspec.Struct) -> bytes:
    return msgspec.json.encode(message)
