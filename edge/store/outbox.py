"""The outbox of events waiting for the cloud, and the sync state beside it.

Each event is appended in the same transaction as the fact it reports, with the next seq
from the gap-free counter. The text stored is exactly what `protocols.encode_event` returned,
so the publisher sends it without re-encoding. Rows are deleted only up to the watermark the
cloud acknowledged, never beyond.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocols import MAX_BATCH_BYTES, InvalidPayload, encode_event, utc_now

from . import counters
from .db import transaction

log = logging.getLogger(__name__)

# Room left in a batch for its header ({"v":1,"hub":...,"sent_at":...,"events":[]}), so that
# one event of any allowed size still fits in a batch of its own.
BATCH_HEADER_BYTES = 256
MAX_EVENT_BYTES = MAX_BATCH_BYTES - BATCH_HEADER_BYTES


@dataclass(frozen=True)
class SyncState:
    """What /api/sync and `shopfloor hub status` show."""

    last_seq: int
    acked_seq: int
    outbox_depth: int
    connected: bool
    refused: str | None
    changed_at: str | None
    catalog_version: int


def append_event(
    db: sqlite3.Connection,
    hub: str,
    type: str,
    body: Mapping[str, Any],
    *,
    at: datetime | None = None,
) -> int:
    """Append one event with the next seq and return the seq; raise InvalidPayload if invalid.

    The event is checked against the contract by `encode_event` before it is stored, so the
    cloud never receives an event this hub could have known was bad.
    """
    with transaction(db):
        seq = counters.take_next(db, counters.EVENT_SEQ)
        event = encode_event(
            event_id=uuid.uuid4(), hub=hub, seq=seq, at=at or utc_now(), type=type, body=body
        )
        if len(event) > MAX_EVENT_BYTES:
            raise InvalidPayload(
                "", f"{type} event is {len(event)} bytes; one event may be {MAX_EVENT_BYTES}"
            )
        db.execute("INSERT INTO outbox (seq, type, event) VALUES (?, ?, ?)", (seq, type, event))
    return seq


def read_batch(
    db: sqlite3.Connection, after_seq: int, max_events: int, max_bytes: int
) -> list[tuple[int, str]]:
    """Return (seq, event JSON) of the next events after `after_seq`, in seq order.

    The events plus their separators and a batch header stay within `max_bytes`, except that
    the first event is always returned so that a large one cannot block the outbox.
    """
    rows = db.execute(
        "SELECT seq, event FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
        (after_seq, max_events),
    ).fetchall()
    batch: list[tuple[int, str]] = []
    size = BATCH_HEADER_BYTES
    for seq, event in rows:
        size += len(event) + 1
        if batch and size > max_bytes:
            break
        batch.append((seq, event))
    return batch


def last_seq(db: sqlite3.Connection) -> int:
    """The highest seq this hub has assigned (0 before the first event)."""
    return counters.current(db, counters.EVENT_SEQ)


def record_ack(db: sqlite3.Connection, seq: int, refused: str | None = None) -> int:
    """Store the cloud's watermark (never lowering it), prune the outbox up to it, return it.

    Only rows at or below the watermark are deleted. An ack beyond the last seq this hub has
    assigned means the cloud holds events from another life of this hub id (a replaced SD
    card, a restored backup); the cloud would take this hub's next events for repeats and
    drop them, so numbering moves on past the watermark instead.
    """
    with transaction(db):
        row = db.execute("SELECT acked_seq, refused FROM sync_state WHERE id = 1").fetchone()
        top = last_seq(db)
        if seq > top:
            log.warning(
                "The cloud acknowledged seq %d but this hub has only assigned up to %d "
                "(was this hub id used before?); numbering continues from %d",
                seq,
                top,
                seq + 1,
            )
            db.execute("UPDATE counters SET value = ? WHERE name = ?", (seq, counters.EVENT_SEQ))
        acked = max(row["acked_seq"], seq)
        if acked != row["acked_seq"] or refused != row["refused"]:
            db.execute(
                "UPDATE sync_state SET acked_seq = ?, refused = ? WHERE id = 1", (acked, refused)
            )
        db.execute("DELETE FROM outbox WHERE seq <= ?", (acked,))
    if refused and refused != row["refused"]:
        log.warning("The cloud refuses this hub's events: %s", refused)
    elif row["refused"] and not refused:
        log.info("The cloud no longer refuses this hub's events")
    return acked


def acked_seq(db: sqlite3.Connection) -> int:
    return db.execute("SELECT acked_seq FROM sync_state WHERE id = 1").fetchone()[0]


def set_connected(db: sqlite3.Connection, connected: bool) -> None:
    """Record whether the MQTT link is up, for the web API and the status command."""
    with transaction(db):
        db.execute(
            "UPDATE sync_state SET connected = ?, changed_at = ? WHERE id = 1",
            (int(connected), utc_now().isoformat()),
        )


def sync_state(db: sqlite3.Connection) -> SyncState:
    """Read the outbox and sync state in one consistent snapshot."""
    with transaction(db, write=False):
        row = db.execute(
            "SELECT acked_seq, refused, connected, changed_at FROM sync_state WHERE id = 1"
        ).fetchone()
        depth = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        top = last_seq(db)
        version = db.execute("SELECT value FROM meta WHERE key = 'catalog_version'").fetchone()[0]
    return SyncState(
        last_seq=top,
        acked_seq=row["acked_seq"],
        outbox_depth=depth,
        connected=bool(row["connected"]),
        refused=row["refused"],
        changed_at=row["changed_at"],
        catalog_version=version,
    )
