"""POST /api/sales/<receipt_no>/print queues a (re)print; GET /api/print/jobs shows the queue.

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
    db = get_db()
    job_id = printing.enqueue_receipt(db, _printer(), receipt_no, hub=hub_config().hub.id)
    job = printing.get_job(db, job_id)
    assert job is not None
    return jsonify(job.as_dict()), 202


@bp.get("/print/jobs")
def jobs() -> dict[str, object]:
    """The queue, oldest first; `?printer=` and `?state=pending|printed|failed` narrow it."""
    state = request.args.get("state")
    if state is not None and state not in ("pending", "printed", "failed"):
        raise InvalidPayload("state", f"must be pending, printed or failed, got {state!r}")
    found = printing.list_jobs(get_db(), request.args.get("printer"), state)
    return {"jobs": [job.as_dict() for job in found]}
