"""The dead-letter table: every payload the cloud refused, kept with the field and the reason.

Nothing a hub sends is dropped. A payload that breaks the contract lands here, and a repeat
of it (the same hub and seq, or the same bytes on the same topic when there is no seq)
counts another attempt instead of adding a row.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from protocols import InvalidPayload

from .db import DeadLetter
from .db.upsert import insert_for

log = logging.getLogger(__name__)


def record_dead_letter(
    session: Session,
    error: InvalidPayload,
    *,
    topic: str,
    payload: bytes,
    at: datetime,
    hub_id: str | None = None,
    seq: int | None = None,
) -> int:
    """Keep a refused payload with its error, or count another attempt; return the attempts.

    `seq` is given for one event of a batch, so that its resends find the same row.
    """
    field, reason = error.field, error.reason
    if hub_id is None:
        seq = None  # A seq means nothing without the hub that numbered it.
    digest = hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()
    insert = insert_for(session)
    stmt = insert(DeadLetter).values(
        hub_id=hub_id,
        seq=seq,
        topic=topic,
        field=field,
        reason=reason,
        payload=payload,
        payload_sha256=digest,
        first_seen_at=at,
        last_seen_at=at,
        attempts=1,
    )
    if seq is None:
        target = {
            "index_elements": [DeadLetter.payload_sha256],
            "index_where": DeadLetter.seq.is_(None),
        }
    else:
        target = {
            "index_elements": [DeadLetter.hub_id, DeadLetter.seq],
            "index_where": DeadLetter.seq.is_not(None),
        }
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        **target,
        set_={
            "attempts": DeadLetter.attempts + 1,
            "last_seen_at": new.last_seen_at,
            "field": new.field,
            "reason": new.reason,
            "topic": new.topic,
            "payload": new.payload,
            "payload_sha256": new.payload_sha256,
        },
    ).returning(DeadLetter.attempts)
    attempts = session.execute(stmt).scalar_one()
    if attempts == 1:
        log.warning(
            "dead-lettered a message on %s (hub %s, seq %s): %s",
            topic,
            hub_id or "unknown",
            seq if seq is not None else "unknown",
            f"{field}: {reason}" if field else reason,
        )
    else:
        log.debug("dead letter on %s seen again (attempt %d)", topic, attempts)
    return attempts


@dataclass(frozen=True)
class DeadLetterView:
    id: int
    hub: str | None
    seq: int | None
    topic: str
    field: str
    reason: str
    attempts: int
    first_seen_at: datetime
    last_seen_at: datetime
    payload_bytes: int
    payload_preview: str


def list_dead_letters(
    session: Session, *, hub: str | None = None, limit: int = 100, preview_chars: int = 500
) -> list[DeadLetterView]:
    """The most recently seen dead letters first, optionally of one hub only."""
    query = select(
        DeadLetter.id,
        DeadLetter.hub_id,
        DeadLetter.seq,
        DeadLetter.topic,
        DeadLetter.field,
        DeadLetter.reason,
        DeadLetter.attempts,
        DeadLetter.first_seen_at,
        DeadLetter.last_seen_at,
        func.length(DeadLetter.payload),
        func.substr(DeadLetter.payload, 1, preview_chars * 4),
    )
    if hub is not None:
        query = query.where(DeadLetter.hub_id == hub)
    query = query.order_by(DeadLetter.last_seen_at.desc(), DeadLetter.id.desc()).limit(limit)
    return [
        DeadLetterView(
            *row[:9],
            payload_bytes=row[9],
            payload_preview=bytes(row[10]).decode("utf-8", "replace")[:preview_chars],
        )
        for row in session.execute(query)
    ]


def count_by_hub(session: Session) -> dict[str | None, int]:
    """How many dead letters each hub has (None: messages on no hub's topic)."""
    rows = session.execute(select(DeadLetter.hub_id, func.count()).group_by(DeadLetter.hub_id))
    return {hub: count for hub, count in rows}
