"""Apply a hub's status message: online or offline, what it runs, and whether we can read it."""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec
from sqlalchemy.orm import Session

from protocols import SUPPORTED_VERSIONS, Ack, InvalidPayload, parse_status
from protocols.errors import decode

from ..deadletters import record_dead_letter
from ..publish.catalog import build_catalog_update
from .hubs import hub_of_topic, lock_hub, touch_hub, update_clock
from .result import IngestResult

log = logging.getLogger(__name__)


class _ProtocolOnly(msgspec.Struct):
    """Just the protocol of a status, read leniently: a newer hub may say more than we know."""

    protocol: int


_protocol_only = msgspec.json.Decoder(_ProtocolOnly)


def ingest_status(
    session: Session,
    topic: str,
    payload: bytes,
    received_at: datetime,
    *,
    clock_skew_flag_s: float = 120.0,
) -> IngestResult:
    """Update the hub's row from its status; refuse a hub whose protocol we do not speak.

    A refused hub gets `Ack(seq=<its watermark>, refused=<reason>)` and its events are
    dead-lettered until it announces a protocol we support. A hub that runs an older catalog
    than ours gets a `catalog_update` to publish after the commit.
    """

    def reject(err: InvalidPayload, hub_id: str | None = None) -> IngestResult:
        record_dead_letter(
            session, err, topic=topic, payload=payload, at=received_at, hub_id=hub_id
        )
        return IngestResult(hub=hub_id, dead_lettered=1)

    try:
        hub_id = hub_of_topic(topic)
    except InvalidPayload as err:
        return reject(err)
    try:
        status = parse_status(payload)
    except InvalidPayload as err:
        protocol = _protocol_of(payload)
        if protocol is None or protocol in SUPPORTED_VERSIONS:
            return reject(err, hub_id)
        # A status we cannot parse from a protocol we do not speak: refuse, do not misread.
        hub = lock_hub(session, hub_id)
        reason = _refusal(protocol)
        _log_refusal(hub_id, hub.refused, reason)
        touch_hub(session, hub_id, received_at, protocol=protocol, refused=reason)
        return IngestResult(
            hub=hub_id, acked_seq=hub.acked_seq, ack=Ack(seq=hub.acked_seq, refused=reason)
        )

    hub = lock_hub(session, hub_id)
    online = status.state == "online"
    reason = None if status.protocol in SUPPORTED_VERSIONS else _refusal(status.protocol)
    _log_refusal(hub_id, hub.refused, reason)
    values: dict[str, object] = {
        "online": online,
        "protocol": status.protocol,
        "software": status.software,
        "location": status.location,
        "catalog_version": status.catalog_version,
        "last_seq": status.last_seq,
        "refused": reason,
    }
    offset_s, clock_off = hub.clock_offset_s, hub.clock_off
    if online:
        # An offline status is the hub's last will, written when it connected: its clock is old.
        offset_s, clock_off = update_clock(
            hub_id, hub, status.clock, received_at, clock_skew_flag_s
        )
        values |= {"clock_offset_s": offset_s, "clock_off": clock_off}
    touch_hub(session, hub_id, received_at, **values)

    ack = None
    if reason:
        ack = Ack(seq=hub.acked_seq, refused=reason)
    elif hub.refused:
        ack = Ack(seq=hub.acked_seq)  # Replaces the retained refusal.
    update = None
    if online and not reason:
        update = build_catalog_update(session, since=status.catalog_version)
    return IngestResult(
        hub=hub_id,
        acked_seq=hub.acked_seq,
        ack=ack,
        catalog_update=update,
        clock_offset_s=offset_s,
        clock_off=bool(clock_off),
    )


def _protocol_of(payload: bytes) -> int | None:
    try:
        return decode(_protocol_only, payload).protocol
    except InvalidPayload:
        return None


def _refusal(protocol: int) -> str:
    speaks = ", ".join(map(str, sorted(SUPPORTED_VERSIONS)))
    fix = "upgrade the cloud" if protocol > max(SUPPORTED_VERSIONS) else "upgrade the hub"
    return f"protocol {protocol} is not supported (this cloud speaks {speaks}); {fix}"


def _log_refusal(hub_id: str, before: str | None, now: str | None) -> None:
    if now and now != before:
        log.warning("refusing hub %s: %s; its events are dead-lettered, not read", hub_id, now)
    elif before and not now:
        log.info("hub %s is no longer refused; reading its events again", hub_id)
