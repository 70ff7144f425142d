"""What a till sends to check out: the cart's lines, its payments and the cashier.

Parsed strictly where it enters (HTTP or an in-process caller's JSON): no float for an
integer, no unknown field. A bad cart raises `protocols.InvalidPayload` naming the field.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from protocols.errors import from_msgspec
from protocols.events import Code

from .payloads import decode


class CartLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`qty` of the product whose SKU or barcode is `code`: pieces, or grams if weighed."""

    code: Code
    qty: Annotated[int, Meta(gt=0, le=10**9)]


class Payment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One payment towards a sale; `reference` is a card slip or UPI transaction id."""

    method: Literal["cash", "card", "upi", "other"]
    amount_minor: Annotated[int, Meta(gt=0, le=10**15)]
    reference: Annotated[str, Meta(max_length=100)] | None = None


class Cart(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A checkout request. `sale_id`, made by the till, makes a retried checkout safe."""

    lines: Annotated[list[CartLine], Meta(min_length=1, max_length=2000)]
    payments: Annotated[list[Payment], Meta(min_length=1, max_length=20)]
    cashier: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    sale_id: UUID | None = None


_cart = msgspec.json.Decoder(Cart)


def parse_cart(raw: bytes | str) -> Cart:
    """Parse a checkout request body; raise InvalidPayload naming the broken field."""
    return decode(_cart, raw)


def cart(
    lines: list[tuple[str, int]],
    payments: list[tuple[str, int] | tuple[str, int, str | None]],
    *,
    cashier: str | None = None,
    sale_id: UUID | None = None,
) -> Cart:
    """Build a checked Cart from plain tuples, for in-process callers (tests, benchmarks)."""
    try:
        return msgspec.convert(
            {
                "lines": [{"code": code, "qty": qty} for code, qty in lines],
                "payments": [
                    {"method": p[0], "amount_minor": p[1], "reference": (*p, None)[2]}
                    for p in payments
                ],
                "cashier": cashier,
                "sale_id": sale_id,
            },
            Cart,
        )
    except msgspec.ValidationError as err:
        raise from_msgspec(err) from None


__all__ = ["Cart", "CartLine", "Payment", "cart", "parse_cart"]
