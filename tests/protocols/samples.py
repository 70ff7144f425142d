"""Valid payloads of every kind in protocols/README.md, built fresh for each test to break."""

from __future__ import annotations

import copy
import json
from typing import Any

SALE_ID = "0b6f2d8e-3a52-4c1e-9f0a-6d3e8c1b2a47"
EVENT_ID = "4f1c9a7e-8b2d-4e3f-a1c5-9d7e6f5a4b3c"
AT = "2026-11-25T07:25:00.123456Z"


def sale_body() -> dict[str, Any]:
    """Two lines at 5 % and 18 %, one weighed, tax included, paid with cash and UPI."""
    return {
        "sale_id": SALE_ID,
        "receipt_no": 17,
        "location": "store-a",
        "cashier": "Asha",
        "currency": "INR",
        "tax_inclusive": True,
        "lines": [
            {
                "line_no": 1,
                "sku": "TEA-250",
                "name": "Assam tea 250 g",
                "sold_by": "unit",
                "qty": 2,
                "unit_price_minor": 14000,
                "tax_rate_bp": 500,
                "net_minor": 26667,
                "tax_minor": 1333,
                "total_minor": 28000,
            },
            {
                "line_no": 2,
                "sku": "ONION-LOOSE",
                "name": "Onion (loose)",
                "sold_by": "weight",
                "qty": 1250,
                "unit_price_minor": 4000,
                "tax_rate_bp": 0,
                "net_minor": 5000,
                "tax_minor": 0,
                "total_minor": 5000,
            },
        ],
        "taxes": [
            {"rate_bp": 0, "net_minor": 5000, "tax_minor": 0},
            {"rate_bp": 500, "net_minor": 26667, "tax_minor": 1333},
        ],
        "net_minor": 31667,
        "tax_minor": 1333,
        "total_minor": 33000,
        "payments": [
            {"method": "upi", "amount_minor": 20000, "reference": "UPI-7781"},
            {"method": "cash", "amount_minor": 15000},
        ],
        "change_minor": 2000,
    }


def stock_body() -> dict[str, Any]:
    return {
        "location": "store-a",
        "sku": "PARA-500",
        "delta": 120,
        "reason": "receipt",
        "lot": "B2611",
        "reference": "GRN-0042",
    }


def status_body() -> dict[str, Any]:
    return {
        "state": "online",
        "protocol": 1,
        "software": "0.1.0",
        "location": "store-a",
        "catalog_version": 3,
        "last_seq": 41,
        "clock": "2026-11-25T07:25:00Z",
    }


def fix_body() -> dict[str, Any]:
    """A van on the Bengaluru outer ring road, 12.9352 N 77.6245 E, at 11.2 m/s."""
    return {
        "lat_e7": 129352000,
        "lon_e7": 776245000,
        "fixed_at": "2026-11-25T07:24:59Z",
        "quality": "gps",
        "speed_mm_s": 11200,
        "course_cdeg": 27450,
        "satellites": 9,
        "hdop_centi": 90,
        "altitude_mm": 920000,
    }


def device_body() -> dict[str, Any]:
    return {"device": "receipt", "family": "printer", "state": "error", "reason": "paper out"}


BODIES = {
    "sale.completed": sale_body,
    "stock.moved": stock_body,
    "hub.status": status_body,
    "location.fix": fix_body,
    "device.status": device_body,
}


def envelope(type: str = "sale.completed", seq: int = 42, hub: str = "till-1") -> dict[str, Any]:
    return {
        "type": type,
        "v": 1,
        "id": EVENT_ID,
        "hub": hub,
        "seq": seq,
        "at": AT,
        "body": BODIES[type](),
    }


def batch(*events: dict[str, Any], hub: str = "till-1") -> dict[str, Any]:
    return {
        "v": 1,
        "hub": hub,
        "sent_at": "2026-11-25T07:25:01Z",
        "events": list(events) or [envelope(hub=hub)],
    }


def catalog_update() -> dict[str, Any]:
    return {
        "type": "catalog.update",
        "version": 7,
        "since": 5,
        "full": False,
        "products": [
            {
                "sku": "TEA-250",
                "name": "Tea 250 g",
                "unit_price_minor": 14000,
                "tax_rate_bp": 500,
                "sold_by": "unit",
                "barcodes": ["8901234567890"],
                "active": True,
            }
        ],
    }


def ack() -> dict[str, Any]:
    return {"seq": 41}


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def changed(payload: dict[str, Any], path: str, value: Any = ..., *, drop: bool = False) -> bytes:
    """Return `payload` as JSON with the dotted `path` set to `value` (or removed)."""
    data = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if drop:
        del node[key]
    else:
        node[key] = value
    return dumps(data)
