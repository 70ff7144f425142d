"""On-hand stock of a SKU, per location and in total."""

from __future__ import annotations

from flask import Blueprint

from .. import catalog, stock
from .db import get_session

bp = Blueprint("stock", __name__, url_prefix="/api/stock")


@bp.get("/<sku>")
def stock_of(sku: str):
    session = get_session()
    locations = stock.stock_of(session, sku)
    if not locations:
        catalog.get_product(session, sku)  # 404 unless the SKU is at least in the catalog.
    return {
        "sku": sku,
        "locations": [{"location": s.location, "on_hand": s.on_hand} for s in locations],
        "total": sum(s.on_hand for s in locations),
    }
