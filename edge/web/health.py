"""GET /api/health: whether the hub answers and its database is readable."""

from __future__ import annotations

from flask import Blueprint

from ..store import schema_version
from .db import get_db, hub_config

bp = Blueprint("health", __name__, url_prefix="/api/health")


@bp.get("")
def health() -> dict[str, object]:
    config = hub_config()
    return {
        "status": "ok",
        "hub": config.hub.id,
        "location": config.hub.location,
        "software": config.hub.software,
        "schema_version": schema_version(get_db()),
    }
