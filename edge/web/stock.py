"""POST /api/stock/movements records a movement; GET /api/stock/<sku> tells what is on hand."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from flask import Blueprint, Response, jsonify, request
from msgspec import Meta

from protocols import InvalidPayload
from protocols.events import Code

from ..errors import NotFound
from ..payloads import decode
from ..store import find_product, on_hand, record_movement
from .db import get_db, hub_config

bp = Blueprint("stock", __name__, url_prefix="/api/stock")


class MovementRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A stock movement not caused by a sale, in the product's base units."""

    sku: Code
    delta: Annotated[int, Meta(ge=-(10**12), le=10**12)]
    reason: Literal["receipt", "transfer_out", "transfer_in", "adjustment", "count", "write_off"]
    lot: Code | None = None
    reference: Annotated[str, Meta(max_length=100)] | None = None


_movement = msgspec.json.Decoder(MovementRequest)


def parse_movement(raw: bytes) -> MovementRequest:
    movement = decode(_movement, raw)
    if movement.delta == 0:
        raise InvalidPayload("delta", "must be a non-zero count of base units, got 0")
    return movement


@bp.post("/movements")
def move() -> tuple[Response, int]:
    m = parse_movement(request.get_data())
    movement = record_movement(
        get_db(),
        hub_config(),
        sku=m.sku,
        delta=m.delta,
        reason=m.reason,
        lot=m.lot,
        reference=m.reference,
    )
    return jsonify(movement.as_dict()), 201


@bp.get("/<path:code>")
def stock(code: str) -> dict[str, object]:
    """On hand at this hub's location of the product whose SKU or barcode is `code`."""
    db = get_db()
    product = find_product(db, code)
    if product is None:
        raise NotFound("sku", f"no product has SKU or barcode {code!r}")
    return on_hand(db, product.sku, hub_config().hub.location).as_dict()
