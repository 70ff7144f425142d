"""GET /api/products: search the hub's catalog copy by name, SKU or barcode, or look one up."""

from __future__ import annotations

from flask import Blueprint, request

from protocols import InvalidPayload

from ..errors import NotFound
from ..store import get_product, search_products
from .db import get_db

bp = Blueprint("products", __name__, url_prefix="/api/products")

DEFAULT_LIMIT = 20
MAX_LIMIT = 200


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidPayload("limit", f"must be an integer from 1 to {MAX_LIMIT}, got {raw!r}")
    return int(raw)


@bp.get("")
def search() -> dict[str, object]:
    """Active products matching `q` (all when empty), exact barcode or SKU matches first."""
    query = request.args.get("q", "").strip()
    found = search_products(get_db(), query, limit=_limit())
    return {"query": query, "products": [p.as_dict() for p in found]}


@bp.get("/<path:code>")
def lookup(code: str) -> dict[str, object]:
    """The product whose SKU or barcode is `code`, archived ones included."""
    product = get_product(get_db(), code)
    if product is None:
        raise NotFound("code", f"no product has SKU or barcode {code!r}")
    return product.as_dict()
