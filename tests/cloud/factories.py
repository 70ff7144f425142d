"""Hub messages for cloud tests: valid sales, movements, batches and statuses, as raw bytes.

Each builder returns plain dicts or JSON bytes, so a test can break any field before sending.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

HUB = "till-1"
LOCATION = "store-a"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sale_body(lines: list[tuple[str, int]], location: str = LOCATION, receipt_no: int = 1) -> dict:
    """A cash sale of (sku, qty) lines at 100.00 each plus 18 % tax."""
    body_lines = []
    for n, (sku, qty) in enumerate(lines, 1):
        net = qty * 10000
        tax = net * 18 // 100
        body_lines.append(
            {
                "line_no": n,
                "sku": sku,
                "name": f"Product {sku}",
                "sold_by": "unit",
                "qty": qty,
                "unit_price_minor": 10000,
                "tax_rate_bp": 1800,
                "net_minor": net,
                "tax_minor": tax,
                "total_minor": net + tax,
            }
        )
    net = sum(line["net_minor"] for line in body_lines)
    tax = sum(line["tax_minor"] for line in body_lines)
    return {
        "sale_id": str(uuid.uuid4()),
        "receipt_no": receipt_no,
        "location": location,
        "cashier": "Asha",
        "currency": "INR",
        "tax_inclusive": False,
        "lines": body_lines,
        "taxes": [{"rate_bp": 1800, "net_minor": net, "tax_minor": tax}],
        "net_minor": net,
        "tax_minor": tax,
        "total_minor": net + tax,
        "payments": [{"method": "cash", "amount_minor": net + tax}],
        "change_minor": 0,
    }


def envelope(seq: int, type: str, body: dict, hub: str = HUB, at: datetime | None = None) -> dict:
    return {
        "type": type,
        "v": 1,
        "id": str(uuid.uuid4()),
        "hub": hub,
        "seq": seq,
        "at": iso(at or datetime.now(UTC)),
        "body": body,
    }


def sale(seq: int, lines: list[tuple[str, int]] | None = None, **kw: Any) -> dict:
    """Envelope of a `sale.completed` with the given (sku, qty) lines (default 2 x TEA-250)."""
    location = kw.pop("location", LOCATION)
    return envelope(seq, "sale.completed", sale_body(lines or [("TEA-250", 2)], location), **kw)


def moved(seq: int, sku: str, delta: int, location: str = LOCATION, **kw: Any) -> dict:
    """Envelope of a `stock.moved` (a receipt when delta > 0, a write-off otherwise)."""
    body = {
        "location": location,
        "sku": sku,
        "delta": delta,
        "reason": "receipt" if delta > 0 else "write_off",
    }
    return envelope(seq, "stock.moved", body, **kw)


def batch(events: list[dict | bytes], hub: str = HUB, sent_at: datetime | None = None) -> bytes:
    """A batch message; raw bytes in `events` go in as they are (to plant broken JSON)."""
    head = json.dumps({"v": 1, "hub": hub, "sent_at": iso(sent_at or datetime.now(UTC))})
    parts = [e if isinstance(e, bytes) else json.dumps(e).encode() for e in events]
    return head[:-1].encode() + b', "events": [' + b", ".join(parts) + b"]}"


def sales_batch(first: int, last: int, hub: str = HUB, **kw: Any) -> bytes:
    """A batch of sales with seqs first..last, each selling 1 x TEA-250."""
    return batch([sale(s, [("TEA-250", 1)], hub=hub) for s in range(first, last + 1)], hub, **kw)


def status(
    *,
    state: str = "online",
    protocol: int = 1,
    catalog_version: int = 0,
    last_seq: int = 0,
    location: str = LOCATION,
    clock: datetime | None = None,
    **extra: Any,
) -> bytes:
    return json.dumps(
        {
            "state": state,
            "protocol": protocol,
            "software": "0.1.0",
            "location": location,
            "catalog_version": catalog_version,
            "last_seq": last_seq,
            "clock": iso(clock or datetime.now(UTC)),
            **extra,
        }
    ).encode()


def events_topic(hub: str = HUB) -> str:
    return f"sf/v1/hub/{hub}/events"


def status_topic(hub: str = HUB) -> str:
    return f"sf/v1/hub/{hub}/status"


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
