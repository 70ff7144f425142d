"""Bulk writes of events into the ledger, each (hub_id, seq) stored once.

This is the hot path of ingest, so it writes rows as tuples, never ORM objects, and picks the
cheapest statement that is still exactly-once:

- PostgreSQL, every seq above the hub's highest stored seq (the normal case, a hub sending
  its outbox in order): COPY, about twice as fast as a multi-row INSERT. No (hub_id, seq) can
  collide, since the hub's row is locked; should an event id collide anyway, a savepoint
  undoes the COPY and the INSERT below sorts it out.
- Otherwise (resends, batches arriving out of order, SQLite): INSERT ... ON CONFLICT DO
  NOTHING RETURNING seq, which says which rows were new.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import Text, bindparam, type_coerce
from sqlalchemy.orm import Session

from ..db import Event
from ..db.upsert import dialect_of, insert_for

COLUMNS = ("hub_id", "seq", "event_id", "type", "occurred_at", "received_at", "body")


class EventRow(NamedTuple):
    """One event as it goes into the ledger; `body` is its compact JSON."""

    seq: int
    event_id: UUID
    type: str
    occurred_at: datetime
    body: bytes


def store_events(
    session: Session,
    hub_id: str,
    rows: Sequence[EventRow],
    received_at: datetime,
    *,
    above_highest: bool,
) -> set[int]:
    """Insert `rows` for `hub_id`, skipping any (hub_id, seq) already stored; return new seqs.

    The caller holds the hub's row lock. `above_highest` says every seq is above the highest
    one stored for this hub, so none can already be there.
    """
    if not rows:
        return set()
    if dialect_of(session) == "postgresql":
        if above_highest and _copy_all_new(session, hub_id, rows, received_at):
            return {row.seq for row in rows}
        return _insert_values(session, hub_id, rows, received_at)
    return _insert_core(session, hub_id, rows, received_at)


def _copy_all_new(
    session: Session, hub_id: str, rows: Sequence[EventRow], received_at: datetime
) -> bool:
    """COPY rows into events; False (and nothing written) if any of them collided."""
    from psycopg2.errors import UniqueViolation

    received = received_at.isoformat().encode()
    head = hub_id.encode() + b"\t"
    lines = [
        b"\t".join(
            (
                head + str(row.seq).encode(),
                str(row.event_id).encode(),
                row.type.encode(),
                row.occurred_at.isoformat().encode(),
                received,
                # COPY's text format escapes backslash; compact JSON holds no raw tab or newline.
                row.body.replace(b"\\", b"\\\\"),
            )
        )
        for row in rows
    ]
    data = io.BytesIO(b"\n".join(lines) + b"\n")
    try:
        with session.begin_nested():
            cursor = session.connection().connection.cursor()
            cursor.copy_expert(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN", data)
    except UniqueViolation:
        return False
    return True


def _insert_values(
    session: Session, hub_id: str, rows: Sequence[EventRow], received_at: datetime
) -> set[int]:
    from psycopg2.extras import execute_values

    cursor = session.connection().connection.cursor()
    returned = execute_values(
        cursor,
        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES %s ON CONFLICT DO NOTHING RETURNING seq",
        [
            (hub_id, r.seq, str(r.event_id), r.type, r.occurred_at, received_at, r.body.decode())
            for r in rows
        ],
        page_size=len(rows),
        fetch=True,
    )
    return {seq for (seq,) in returned}


def _insert_core(
    session: Session, hub_id: str, rows: Sequence[EventRow], received_at: datetime
) -> set[int]:
    insert = insert_for(session)
    # The body is JSON already; coercing it to text stops the JSON type encoding it twice.
    stmt = (
        insert(Event)
        .values(
            hub_id=hub_id,
            seq=bindparam("seq"),
            event_id=bindparam("event_id"),
            type=bindparam("type"),
            occurred_at=bindparam("occurred_at"),
            received_at=received_at,
            body=type_coerce(bindparam("body"), Text),
        )
        .on_conflict_do_nothing()
        .returning(Event.seq)
    )
    params = [
        {
            "seq": r.seq,
            "event_id": r.event_id,
            "type": r.type,
            "occurred_at": r.occurred_at,
            "body": r.body.decode(),
        }
        for r in rows
    ]
    return set(session.execute(stmt, params).scalars())
