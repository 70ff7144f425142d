"""Printing from the API: reprint a receipt, print shelf labels, open the drawer, see the queue.

Printing never holds up a sale: these views only add a job to the durable queue and answer
202; the printer's worker thread prints it when the printer can.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from protocols import InvalidPayload

from ..store import printing
from .db import get_db, hub_config

bp = Blueprint("printing", __name__, url_prefix="/api")

DEFAULT_PRINTER = "receipt"  # The printer a request names none of; app config PRINTER.


def _printer() -> str:
    return request.args.get("printer") or current_app.config.get("PRINTER", DEFAULT_PRINTER)


@bp.post("/sales/<int:receipt_no>/print")
def print_receipt(receipt_no: int) -> tuple[Response, int]:
    """Queue the receipt of `receipt_no` on `?printer=` (default "receipt"); 404 if unknown."""
    job_id = printing.enqueue_receipt(get_db(), _printer(), receipt_no, hub=hub_config().hub.id)
    return jsonify(_job(job_id)), 202


@bp.post("/products/<code>/label")
def print_label(code: str) -> tuple[Response, int]:
    """Queue `?copies=` (default 1) shelf labels of a product by SKU or barcode; 404 if unknown."""
    copies = request.args.get("copies", "1")
    if not copies.isdigit():
        raise InvalidPayload("copies", f"must be a whole number, got {copies!r}")
    db = get_db()
    currency = hub_config().hub.currency
    job_id = printing.enqueue_label(db, _printer(), code, currency=currency, copies=int(copies))
    return jsonify(_job(job_id)), 202


@bp.post("/drawer/open")
def open_drawer() -> tuple[Response, int]:
    """Queue a kick for the cash drawer on `?printer=`, pin `?pin=` (2, default, or 5)."""
    pin = request.args.get("pin", "2")
    if pin not in ("2", "5"):
        raise InvalidPayload("pin", f"must be 2 or 5, got {pin!r}")
    return jsonify(_job(printing.enqueue_kick(get_db(), _printer(), int(pin)))), 202


def _job(job_id: int) -> dict[str, object]:
    job = printing.get_job(get_db(), job_id)
    assert job is not None
    return job.as_dict()


@bp.get("/print/jobs")
def jobs() -> dict[str, object]:
    """The queue, oldest first; `?printer=` and `?state=pending|printed|failed` narrow it."""
    state = request.args.get("state")
    if state is not None and state not in ("pending", "printed", "failed"):
        raise InvalidPayload("state", f"must be pending, printed or failed, got {state!r}")
    found = printing.list_jobs(get_db(), request.args.get("printer"), state)
    return {"jobs": [job.as_dict() for job in found]}
