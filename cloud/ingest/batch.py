"""Store one batch from a hub's events topic: each event once, bad ones dead-lettered, and ack.

`ingest_batch` is a data function: it uses the caller's session and neither commits nor
publishes. The caller commits and only then publishes `result.ack`, so a hub never hears
that something is stored before it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from protocols import Ack, InvalidPayload, parse_batch, split_batch

from ..db import Event
from ..db.upsert import dialect_of
from ..deadletters import record_dead_letter
from ..stock import add_to_balances, sum_effects
from .hubs import hub_of_topic, lock_hub, touch_hub, update_clock
from .ledger import prepare_events, store_events
from .result import IngestResult

log = logging.getLogger(__name__)


def ingest_batch(
    session: Session,
    topic: str,
    payload: bytes,
    received_at: datetime,
    *,
    clock_skew_flag_s: float = 120.0,
) -> IngestResult:
    """Store a batch from `topic`; return what was stored and the ack to publish after commit.

    Never raises for bad input: a batch that cannot be read at all becomes one dead letter,
    and each bad event of an otherwise good batch becomes its own, while the good events are
    stored. Dead-lettered events are not acknowledged, so the watermark stops before them.
    """

    def reject(
        err: InvalidPayload,
        hub_id: str | None = None,
        event: bytes | None = None,
        seq: int | None = None,
    ) -> None:
        """Dead-letter the whole payload, or one `event` of it with its `seq`."""
        record_dead_letter(
            session,
            err,
            topic=topic,
            payload=payload if event is None else event,
            at=received_at,
            hub_id=hub_id,
            seq=seq,
        )

    try:
        hub_id = hub_of_topic(topic)
    except InvalidPayload as err:
        reject(err)
        return IngestResult(hub=None, dead_lettered=1)

    # Parse and prepare before taking the hub's lock: that is most of the CPU, and workers
    # that handle the same hub can do it side by side, queueing only for the writes.
    problem = None
    try:
        header, events, bad = _parse(payload)
        _check_hubs(hub_id, header.hub, events)
    except InvalidPayload as err:
        problem = err
    else:
        unique, repeats = _first_per_seq(events)
        whole = not bad and not repeats  # `unique` is every event of the payload, in order.
        pending = prepare_events(
            dialect_of(session), hub_id, unique, received_at, payload if whole else None
        )
        effects = sum_effects(e.body for e in unique)

    hub = lock_hub(session, hub_id)
    if hub.refused:
        reject(InvalidPayload("", f"hub {hub_id} is refused: {hub.refused}"), hub_id)
        touch_hub(session, hub_id, received_at)
        return IngestResult(
            hub=hub_id,
            acked_seq=hub.acked_seq,
            dead_lettered=1,
            ack=Ack(seq=hub.acked_seq, refused=hub.refused),
        )
    if problem is not None:
        reject(problem, hub_id)
        touch_hub(session, hub_id, received_at)
        return IngestResult(
            hub=hub_id, acked_seq=hub.acked_seq, dead_lettered=1, ack=Ack(seq=hub.acked_seq)
        )
    for err, raw in bad:
        reject(err, hub_id, raw, err.seq)

    new = store_events(session, pending, highest_seq=hub.highest_seq)
    present, conflicts = _sort_out_old(session, hub_id, unique, repeats, new)
    for err, event in conflicts:
        reject(err, hub_id, msgspec.json.encode(event), event.seq)
    if len(new) < len(unique):  # Only events stored now change stock.
        effects = sum_effects(e.body for e in unique if e.seq in new)
    add_to_balances(session, effects)

    highest = max(hub.highest_seq, max(new, default=0))
    acked = _advance_watermark(session, hub_id, hub.acked_seq, hub.highest_seq, present)
    offset_s, clock_off = update_clock(hub_id, hub, header.sent_at, received_at, clock_skew_flag_s)
    touch_hub(
        session,
        hub_id,
        received_at,
        acked_seq=acked,
        highest_seq=highest,
        clock_offset_s=offset_s,
        clock_off=clock_off,
    )
    duplicates = len(events) - len(new) - len(conflicts)
    log.debug(
        "hub %s: %d stored, %d duplicates, %d dead-lettered, acked %d",
        hub_id,
        len(new),
        duplicates,
        len(bad) + len(conflicts),
        acked,
    )
    return IngestResult(
        hub=hub_id,
        acked_seq=acked,
        stored=len(new),
        duplicates=duplicates,
        dead_lettered=len(bad) + len(conflicts),
        ack=Ack(seq=acked),
        clock_offset_s=offset_s,
        clock_off=clock_off,
    )


def _parse(payload: bytes) -> tuple[Any, Sequence[Any], list[tuple[InvalidPayload, bytes]]]:
    """(header, good events, [(error, raw event)]); the fast path when the whole batch is good."""
    try:
        batch = parse_batch(payload)
    except InvalidPayload:
        return split_batch(payload)
    return batch, batch.events, []


def _check_hubs(hub_id: str, batch_hub: str, events: Iterable[Any]) -> None:
    """Refuse a batch that names another hub than its topic does, in its header or an event."""
    if batch_hub != hub_id:
        raise InvalidPayload(
            "hub", f"batch names hub {batch_hub!r} but came on hub {hub_id!r}'s topic"
        )
    for event in events:
        if event.hub != hub_id:
            raise InvalidPayload(
                "events.hub",
                f"event seq {event.seq} names hub {event.hub!r} but came on hub {hub_id!r}'s topic",
            )


def _first_per_seq(events: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """Split events into the first of each seq and any later ones with the same seq."""
    seen: set[int] = set()
    unique, repeats = [], []
    for event in events:
        (repeats if event.seq in seen else unique).append(event)
        seen.add(event.seq)
    return unique, repeats


def _sort_out_old(
    session: Session, hub_id: str, unique: list[Any], repeats: list[Any], new: set[int]
) -> tuple[set[int], list[tuple[InvalidPayload, Any]]]:
    """Return the seqs now stored, and the events that clash with what is stored.

    An event that was not new is a duplicate when the same (hub, seq) is stored with the same
    event id. Otherwise it clashes: its seq is stored with another id (the hub reused a seq),
    or its id is stored under another seq. Clashes are dead-lettered.
    """
    old = [e for e in unique if e.seq not in new] + repeats
    if not old:
        return new, []
    stored = dict(
        session.execute(
            select(Event.seq, Event.event_id).where(
                Event.hub_id == hub_id, Event.seq.in_({e.seq for e in old})
            )
        ).all()
    )
    clashing_ids = [e.id for e in old if e.seq not in stored]
    owners = {}
    if clashing_ids:
        owners = {
            event_id: (hub, seq)
            for event_id, hub, seq in session.execute(
                select(Event.event_id, Event.hub_id, Event.seq).where(
                    Event.event_id.in_(clashing_ids)
                )
            )
        }
    conflicts = []
    for event in old:
        stored_id = stored.get(event.seq)
        if stored_id == event.id:
            continue
        if stored_id is not None:
            reason = f"seq {event.seq} is already stored with event id {stored_id}, not {event.id}"
        else:
            hub, seq = owners.get(event.id, ("?", "?"))
            reason = f"event id {event.id} is already stored as hub {hub} seq {seq}"
        conflicts.append((InvalidPayload("id", reason, seq=event.seq), event))
    return new | set(stored), conflicts


def _advance_watermark(
    session: Session, hub_id: str, acked: int, highest_before: int, present: set[int]
) -> int:
    """The highest seq up to which every seq of the hub is stored.

    Walks up from the old watermark through this batch's seqs. Only when that fills a gap
    below seqs stored by earlier batches does it ask the database where the next gap is.
    """
    mark = acked
    while mark + 1 in present:
        mark += 1
    if mark == acked or mark >= highest_before:
        return mark
    this, following = aliased(Event), aliased(Event)
    last_before_gap = (
        select(this.seq)
        .where(
            this.hub_id == hub_id,
            this.seq >= mark,
            ~exists().where(following.hub_id == hub_id, following.seq == this.seq + 1),
        )
        .order_by(this.seq)
        .limit(1)
    )
    return session.execute(last_before_gap).scalar_one()
