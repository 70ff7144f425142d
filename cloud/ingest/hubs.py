"""The hub row ingest works under: found or created, and locked for the batch's transaction."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import NamedTuple

import msgspec
from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.orm import Session

from protocols import InvalidPayload, Topics
from protocols.events import HubId

from ..db import Hub
from ..db.upsert import insert_for

log = logging.getLogger(__name__)


class HubState(NamedTuple):
    """What ingest needs to know about a hub, read under its row lock."""

    acked_seq: int
    highest_seq: int
    refused: str | None
    clock_off: bool
    clock_offset_s: float | None


def hub_of_topic(topic: str) -> str:
    """The hub id in `sf/v1/hub/{hub}/...`; raise InvalidPayload if the topic has none."""
    try:
        return msgspec.convert(Topics.hub_of(topic), HubId)
    except (ValueError, msgspec.ValidationError) as err:
        raise InvalidPayload(
            "topic", f"{topic!r} is not sf/v1/hub/{{hub}}/... with a valid hub id ({err})"
        ) from None


_hubs = Hub.__table__
# Built once: ingest runs these for every batch, and Core statements on the table skip the
# ORM's per-statement work.
_LOCK = (
    select(
        _hubs.c.acked_seq,
        _hubs.c.highest_seq,
        _hubs.c.refused,
        _hubs.c.clock_off,
        _hubs.c.clock_offset_s,
    )
    .where(_hubs.c.id == bindparam("hub_id"))
    .with_for_update(key_share=True)
)


def lock_hub(session: Session, hub_id: str) -> HubState:
    """Lock the hub's row for this transaction, creating it the first time the hub is heard.

    Concurrent workers handling the same hub queue here, so watermarks never race. SQLite has
    no row locks, but its transactions begin IMMEDIATE, which serialises writers anyway.
    """
    connection = session.connection()
    row = connection.execute(_LOCK, {"hub_id": hub_id}).one_or_none()
    if row is None:
        connection.execute(insert_for(session)(_hubs).values(id=hub_id).on_conflict_do_nothing())
        row = connection.execute(_LOCK, {"hub_id": hub_id}).one()
    return HubState(*row)


def update_clock(
    hub_id: str, state: HubState, hub_time: datetime, cloud_time: datetime, flag_s: float
) -> tuple[float, bool]:
    """Return the hub's clock offset (hub minus cloud, seconds) and whether it is off.

    Logged once when a hub's clock goes off and once when it is back. A message that waited
    in the broker (for example while no worker ran) looks like a hub clock running behind,
    so a negative offset can be delivery delay; a positive one cannot.
    """
    offset_s = round((hub_time - cloud_time).total_seconds(), 3)
    off = abs(offset_s) > flag_s
    if off and not state.clock_off:
        log.warning(
            "hub %s clock is %+.0f s off the cloud's (more than %.0f s); check its time sync",
            hub_id,
            offset_s,
            flag_s,
        )
    elif state.clock_off and not off:
        log.info("hub %s clock is back within %.0f s of the cloud's", hub_id, flag_s)
    return offset_s, off


def touch_hub(session: Session, hub_id: str, seen_at: datetime, **values: object) -> None:
    """Record that the hub was heard from, with any other column changes, in one UPDATE."""
    values["last_seen_at"] = seen_at
    session.connection().execute(
        _touch(tuple(sorted(values))),
        {"hub_id": hub_id, **{f"new_{k}": v for k, v in values.items()}},
    )


@functools.cache
def _touch(columns: tuple[str, ...]) -> Update:
    return (
        update(_hubs)
        .where(_hubs.c.id == bindparam("hub_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )
