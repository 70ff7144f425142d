"""The durable print queue: add receipt, label and drawer-kick jobs; take, finish and retry them.

A sale never waits for a printer: a checkout (or the till, right after it) only adds a job
in its own transaction, and each printer's worker thread takes its jobs with its own
connection. Jobs stay `pending` until printed, so a power cut or an unplugged printer only
delays them. A job that can never print (its receipt is gone, its label is invalid) is
marked `failed` with the reason instead of blocking the jobs behind it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from protocols import gtin_check_digit, utc_now

from ..errors import NotFound, Refused
from .catalog import get_product
from .db import transaction
from .sales import get_sale

KINDS = ("receipt", "label", "kick")


@dataclass(frozen=True)
class PrintJob:
    """One queued job; `payload` is the kind's JSON object."""

    id: int
    printer: str
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None
    created_at: str
    printed_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _job(row: sqlite3.Row) -> PrintJob:
    return PrintJob(
        id=row["id"],
        printer=row["printer"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        printed_at=row["printed_at"],
    )


def enqueue(db: sqlite3.Connection, printer: str, kind: str, payload: dict[str, Any]) -> int:
    """Add a job for `printer` and return its id."""
    if kind not in KINDS:
        raise ValueError(f"print job kind must be one of {', '.join(KINDS)}, got {kind!r}")
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO print_jobs (printer, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (printer, kind, json.dumps(payload, sort_keys=True), utc_now().isoformat()),
        )
    return int(cursor.lastrowid or 0)


def enqueue_receipt(db: sqlite3.Connection, printer: str, receipt_no: int, hub: str = "") -> int:
    """Queue (or queue again, for a reprint) the receipt of sale `receipt_no`.

    Raises NotFound when no sale has that receipt number.
    """
    with transaction(db):
        if get_sale(db, receipt_no) is None:
            raise NotFound("receipt_no", f"no sale has receipt number {receipt_no} at this hub")
        return enqueue(db, printer, "receipt", {"receipt_no": receipt_no, "hub": hub})


def enqueue_label(
    db: sqlite3.Connection, printer: str, code: str, *, currency: str, copies: int = 1
) -> int:
    """Queue `copies` shelf labels of the product with SKU or barcode `code`.

    The label carries the product's first valid EAN-13 barcode, else its SKU as Code128;
    a product sold by weight shows its price per kg. Raises NotFound for an unknown code.
    """
    if not 1 <= copies <= 100:
        raise Refused("copies", f"must be from 1 to 100, got {copies}")
    with transaction(db):
        product = get_product(db, code)
        if product is None:
            raise NotFound("code", f"no product has SKU or barcode {code!r}")
        eans = [b for b in product.barcodes if _is_ean13(b)]
        payload = {
            "name": product.name,
            "price_minor": product.unit_price_minor,
            "currency": currency,
            "code": eans[0] if eans else product.sku,
            "symbology": "EAN13" if eans else "CODE128",
            "unit": "kg" if product.sold_by == "weight" else "",
            "copies": copies,
        }
        return enqueue(db, printer, "label", payload)


def _is_ean13(code: str) -> bool:
    return (
        len(code) == 13
        and code.isascii()
        and code.isdigit()
        and gtin_check_digit(code[:12]) == int(code[12])
    )


def enqueue_kick(db: sqlite3.Connection, printer: str, pin: int = 2, pulse_ms: int = 100) -> int:
    """Queue a cash drawer kick on `printer`'s drawer connector (pin 2 or 5)."""
    if pin not in (2, 5):
        raise Refused("pin", f"a drawer hangs on pin 2 or 5, got {pin}")
    return enqueue(db, printer, "kick", {"pin": pin, "on_ms": pulse_ms, "off_ms": pulse_ms})


def next_job(db: sqlite3.Connection, printer: str) -> PrintJob | None:
    """The oldest pending job of `printer`, or None; jobs print in the order they came."""
    row = db.execute(
        "SELECT * FROM print_jobs WHERE printer = ? AND state = 'pending' ORDER BY id LIMIT 1",
        (printer,),
    ).fetchone()
    return _job(row) if row else None


def get_job(db: sqlite3.Connection, job_id: int) -> PrintJob | None:
    row = db.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return _job(row) if row else None


def list_jobs(
    db: sqlite3.Connection, printer: str | None = None, state: str | None = None
) -> list[PrintJob]:
    """Jobs, oldest first, optionally of one printer and in one state."""
    query = "SELECT * FROM print_jobs WHERE (? IS NULL OR printer = ?) AND (? IS NULL OR state = ?)"
    rows = db.execute(query + " ORDER BY id", (printer, printer, state, state))
    return [_job(row) for row in rows]


def mark_printed(db: sqlite3.Connection, job_id: int) -> None:
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET state = 'printed', printed_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            (utc_now().isoformat(), job_id),
        )


def mark_retry(db: sqlite3.Connection, job_id: int, reason: str) -> None:
    """Count a failed attempt; the job stays pending and is tried again."""
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (reason, job_id),
        )


def mark_failed(db: sqlite3.Connection, job_id: int, reason: str) -> None:
    """Give up on a job that can never print, so the jobs behind it go on."""
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET state = 'failed', attempts = attempts + 1, last_error = ? "
            "WHERE id = ?",
            (reason, job_id),
        )
