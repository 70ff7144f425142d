"""INSERT ... ON CONFLICT for whichever database a session is bound to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_of(session: Session) -> str:
    """'postgresql' or 'sqlite'."""
    return session.get_bind().dialect.name


def insert_for(session: Session) -> Callable[[Any], Any]:
    """The dialect's `insert`, whose statements have on_conflict_do_nothing/do_update."""
    return postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
