"""Refused payloads, newest first, with the field and reason each was refused for."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, request

from protocols import InvalidPayload

from .. import deadletters
from .db import get_session

bp = Blueprint("deadletters", __name__, url_prefix="/api/dead-letters")

MAX_LIMIT = 1000


@bp.get("")
def list_dead_letters():
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidPayload(
            "limit", f"must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}"
        )
    rows = deadletters.list_dead_letters(
        get_session(), hub=request.args.get("hub") or None, limit=int(limit)
    )
    return {"dead_letters": [dataclasses.asdict(r) for r in rows]}
