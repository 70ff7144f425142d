"""Gap-free counters (receipt numbers, event seqs), taken inside the caller's transaction."""

from __future__ import annotations

import sqlite3

from ..errors import StoreError

RECEIPT_NO = "receipt_no"
EVENT_SEQ = "event_seq"


def take_next(db: sqlite3.Connection, name: str) -> int:
    """Return the next value of counter `name`; a rollback of the caller gives it back.

    It must run inside a write transaction (BEGIN IMMEDIATE), which serialises writers across
    processes, so no two callers ever see the same value and none is skipped.
    """
    if not db.in_transaction:
        raise StoreError(f"counter {name} must be taken inside a transaction, or gaps appear")
    row = db.execute(
        "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", (name,)
    ).fetchone()
    if row is None:
        raise StoreError(f"counter {name!r} does not exist in this database")
    return row[0]


def current(db: sqlite3.Connection, name: str) -> int:
    """Return the last value handed out by counter `name` (0 before the first)."""
    return db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]
