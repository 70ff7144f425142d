"""GET /api/sync: how far the outbox has reached the cloud, and whether the link is up."""

from __future__ import annotations

from flask import Blueprint

from ..store import sync_state
from .db import get_db, hub_config

bp = Blueprint("sync", __name__, url_prefix="/api/sync")


@bp.get("")
def state() -> dict[str, object]:
    s = sync_state(get_db())
    return {
        "hub": hub_config().hub.id,
        "last_seq": s.last_seq,
        "acked_seq": s.acked_seq,
        "outbox_depth": s.outbox_depth,
        "connected": s.connected,
        "refused": s.refused,
        "catalog_version": s.catalog_version,
        "changed_at": s.changed_at,
    }
