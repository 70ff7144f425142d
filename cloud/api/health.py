"""Is the API up, and is its database reachable and at the schema this code expects?"""

from __future__ import annotations

from alembic.migration import MigrationContext
from flask import Blueprint
from sqlalchemy.exc import SQLAlchemyError

from ..db import head_revision
from .db import get_session

bp = Blueprint("health", __name__, url_prefix="/api/health")


@bp.get("")
def health():
    head = head_revision()
    try:
        connection = get_session().connection()
        schema = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as err:
        lines = str(getattr(err, "orig", None) or err).strip().splitlines()
        return {
            "status": "unavailable",
            "reason": f"database unreachable: {lines[0] if lines else type(err).__name__}",
            "expected_schema": head,
        }, 503
    if schema != head:
        return {
            "status": "unavailable",
            "reason": "the database schema is not current; run `shopfloor cloud migrate`",
            "schema": schema,
            "expected_schema": head,
        }, 503
    return {"status": "ok", "schema": schema}
