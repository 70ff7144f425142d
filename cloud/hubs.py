"""The hubs list: what each hub last said, how far its events are stored, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Hub
from .deadletters import count_by_hub


@dataclass(frozen=True)
class HubView:
    """One row of the hubs list.

    `backlog` is how many events the hub holds that the cloud has not acknowledged (its
    last reported seq, or the highest seq stored if that is newer, minus the watermark).
    `gap` is true while seqs above the watermark are stored but one below them is missing;
    `first_missing_seq` names it.
    """

    hub: str
    location: str | None
    online: bool
    last_seen_at: datetime | None
    acked_seq: int
    highest_seq: int
    last_seq: int
    backlog: int
    gap: bool
    first_missing_seq: int | None
    clock_offset_s: float | None
    clock_off: bool
    protocol: int | None
    software: str | None
    catalog_version: int
    refused: str | None
    dead_letters: int


def list_hubs(session: Session) -> list[HubView]:
    """Every hub the cloud has heard from, by id."""
    dead = count_by_hub(session)
    views = []
    for hub in session.scalars(select(Hub).order_by(Hub.id)):
        gap = hub.highest_seq > hub.acked_seq
        views.append(
            HubView(
                hub=hub.id,
                location=hub.location,
                online=hub.online,
                last_seen_at=hub.last_seen_at,
                acked_seq=hub.acked_seq,
                highest_seq=hub.highest_seq,
                last_seq=hub.last_seq,
                backlog=max(hub.last_seq, hub.highest_seq) - hub.acked_seq,
                gap=gap,
                first_missing_seq=hub.acked_seq + 1 if gap else None,
                clock_offset_s=hub.clock_offset_s,
                clock_off=hub.clock_off,
                protocol=hub.protocol,
                software=hub.software,
                catalog_version=hub.catalog_version,
                refused=hub.refused,
                dead_letters=dead.get(hub.id, 0),
            )
        )
    return views
