"""The hub's status as it announces it: retained on MQTT and recorded as hub.status events."""

from __future__ import annotations

import sqlite3

import msgspec

from protocols import PROTOCOL_VERSION, HubStatus, utc_now

from ..config import HubSection
from .catalog import catalog_version
from .db import transaction
from .outbox import append_event, last_seq


def hub_status(db: sqlite3.Connection, hub: HubSection, state: str) -> HubStatus:
    """What this hub says about itself now: its protocol, software, catalog and last seq."""
    with transaction(db, write=False):
        version = catalog_version(db)
        top = last_seq(db)
    return HubStatus(
        state=state,
        protocol=PROTOCOL_VERSION,
        software=hub.software,
        location=hub.location,
        catalog_version=version,
        last_seq=top,
        clock=utc_now(),
    )


def record_hub_status(db: sqlite3.Connection, hub: HubSection, state: str = "online") -> int:
    """Append a hub.status event (for example at start-up, so restarts are on record)."""
    with transaction(db):
        status = hub_status(db, hub, state)
        return append_event(db, hub.id, "hub.status", msgspec.to_builtins(status), at=status.clock)
