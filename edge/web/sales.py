"""POST /api/checkout records a sale; GET /api/sales/<receipt_no> reads one back."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from ..cart import parse_cart
from ..errors import NotFound
from ..store import checkout, get_sale
from .db import get_db, hub_config

bp = Blueprint("sales", __name__, url_prefix="/api")


@bp.post("/checkout")
def check_out() -> tuple[Response, int, dict[str, str]]:
    """Record a sale; 201 with the receipt, or 200 with the first one for a retried sale_id."""
    cart = parse_cart(request.get_data())
    receipt = checkout(get_db(), hub_config(), cart)
    location = url_for("sales.sale", receipt_no=receipt.receipt_no)
    return jsonify(receipt.as_dict()), 200 if receipt.replayed else 201, {"Location": location}


@bp.get("/sales/<int:receipt_no>")
def sale(receipt_no: int) -> dict[str, object]:
    receipt = get_sale(get_db(), receipt_no)
    if receipt is None:
        raise NotFound("receipt_no", f"no sale has receipt number {receipt_no} at this hub")
    return receipt.as_dict()
