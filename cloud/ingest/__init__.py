"""Ingest: hub batches and statuses from MQTT into the ledger, exactly once per (hub, seq)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from protocols import InvalidPayload, Topics

from ..deadletters import record_dead_letter
from .batch import ingest_batch
from .result import IngestResult
from .status import ingest_status


def ingest_message(
    session: Session,
    topic: str,
    payload: bytes,
    received_at: datetime,
    *,
    clock_skew_flag_s: float = 120.0,
) -> IngestResult:
    """Dispatch one message from the ingest subscriptions by its topic's last level."""
    kind = Topics.kind_of(topic)
    if kind == "events":
        return ingest_batch(
            session, topic, payload, received_at, clock_skew_flag_s=clock_skew_flag_s
        )
    if kind == "status":
        return ingest_status(
            session, topic, payload, received_at, clock_skew_flag_s=clock_skew_flag_s
        )
    err = InvalidPayload("topic", f"{topic!r} is neither a hub's events nor its status topic")
    record_dead_letter(session, err, topic=topic, payload=payload, at=received_at)
    return IngestResult(hub=None, dead_lettered=1)


__all__ = ["IngestResult", "ingest_batch", "ingest_message", "ingest_status"]
