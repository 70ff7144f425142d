"""The event envelope and the batch that carries envelopes over MQTT."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union
from uuid import UUID

import msgspec
from msgspec import Meta

from .errors import InvalidPayload, blame, decode, from_msgspec
from .events import (
    EVENT_TYPES,
    DeviceStatus,
    HubId,
    HubStatus,
    LocationFix,
    SaleCompleted,
    Schema,
    StockMoved,
    UtcTime,
)

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MAX_BATCH_BYTES = 1_048_576
MAX_EVENTS_PER_BATCH = 2_000

Seq = Annotated[int, Meta(ge=1, le=2**63 - 1)]


class _Envelope(Schema, tag_field="type"):
    v: Literal[1]
    id: UUID
    hub: HubId
    seq: Seq
    at: UtcTime

    @property
    def type(self) -> str:
        """The event type: msgspec keeps a tagged union's tag on the class, not the instance."""
        return self.__struct_config__.tag


class SaleCompletedEvent(_Envelope, tag="sale.completed"):
    body: SaleCompleted


class StockMovedEvent(_Envelope, tag="stock.moved"):
    body: StockMoved


class HubStatusEvent(_Envelope, tag="hub.status"):
    body: HubStatus


class LocationFixEvent(_Envelope, tag="location.fix"):
    body: LocationFix


class DeviceStatusEvent(_Envelope, tag="device.status"):
    body: DeviceStatus


Event = Union[  # noqa: UP007
    SaleCompletedEvent, StockMovedEvent, HubStatusEvent, LocationFixEvent, DeviceStatusEvent
]
assert {cls.__struct_config__.tag for cls in Event.__args__} == set(EVENT_TYPES)


class Batch(Schema):
    """One MQTT message on a hub's events topic: up to MAX_EVENTS_PER_BATCH envelopes."""

    v: Literal[1]
    hub: HubId
    sent_at: UtcTime
    events: Annotated[list[Event], Meta(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]

    def __post_init__(self) -> None:
        for i, event in enumerate(self.events):
            if event.hub != self.hub:
                raise blame(f"events.{i}.hub", f"must be the batch's hub {self.hub!r}")


class _BatchHeader(Schema):
    v: Literal[1]
    hub: HubId
    sent_at: UtcTime
    events: Annotated[list[msgspec.Raw], Meta(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]


_event = msgspec.json.Decoder(Event)
_batch = msgspec.json.Decoder(Batch)
_header = msgspec.json.Decoder(_BatchHeader)
_any = msgspec.json.Decoder()


def utc_now() -> datetime:
    return datetime.now(UTC)


def encode_event(
    *, event_id: UUID, hub: str, seq: int, at: datetime, type: str, body: dict[str, Any]
) -> str:
    """Return the compact JSON of one envelope, after checking it against the contract."""
    raw = msgspec.json.encode(
        {
            "type": type,
            "v": PROTOCOL_VERSION,
            "id": event_id,
            "hub": hub,
            "seq": seq,
            "at": at.astimezone(UTC),
            "body": body,
        }
    )
    parse_event(raw)
    return raw.decode()


def encode_batch(hub: str, events_json: list[str], sent_at: datetime | None = None) -> bytes:
    """Join already-encoded envelopes into one batch message without re-encoding them."""
    head = msgspec.json.encode(
        {"v": PROTOCOL_VERSION, "hub": hub, "sent_at": (sent_at or utc_now()).astimezone(UTC)}
    )
    return head[:-1] + b',"events":[' + ",".join(events_json).encode() + b"]}"


def _supported(version: object) -> bool:
    return type(version) is int and version in SUPPORTED_VERSIONS


def _unsupported(version: object, seq: int | None = None) -> InvalidPayload:
    return InvalidPayload(
        "v",
        f"schema version {version!r} is not supported "
        f"(this side speaks {', '.join(map(str, sorted(SUPPORTED_VERSIONS)))})",
        seq=seq,
    )


def parse_event(raw: str | bytes) -> Event:
    """Validate one envelope and its body; raise InvalidPayload naming the broken field.

    The version and type are checked first so that an event from a newer hub is refused as
    unsupported rather than misread.
    """
    try:
        return _event.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as err:
        first_error = err
    data = decode(_any, raw)
    if not isinstance(data, dict):
        raise InvalidPayload("", f"an event must be a JSON object, got {type(data).__name__}")
    seq = data.get("seq") if type(data.get("seq")) is int else None
    if not _supported(data.get("v")):
        raise _unsupported(data.get("v"), seq)
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise InvalidPayload(
            "type",
            f"unknown event type {kind!r} (known: {', '.join(sorted(EVENT_TYPES))})",
            seq=seq,
        )
    if isinstance(first_error, UnicodeDecodeError):
        bad = InvalidPayload("", f"not valid UTF-8 (byte {first_error.start})")
    else:
        bad = from_msgspec(first_error)
    bad.seq = seq
    raise bad


def _check_size(raw: bytes) -> None:
    if len(raw) > MAX_BATCH_BYTES:
        raise InvalidPayload("", f"batch is {len(raw)} bytes, the limit is {MAX_BATCH_BYTES}")


def parse_batch(raw: bytes) -> Batch:
    """Validate a whole batch in one pass; raise InvalidPayload for the first problem.

    This is the fast path. When it fails, `split_batch` finds which events are bad so the
    good ones can still be stored.
    """
    _check_size(raw)
    return decode(_batch, raw)


def split_batch(raw: bytes) -> tuple[_BatchHeader, list[Any], list[tuple[InvalidPayload, bytes]]]:
    """Return (header, good events, [(error, raw event)]) of a batch that failed `parse_batch`.

    Raises InvalidPayload when the batch itself, not one of its events, is unusable.
    """
    _check_size(raw)
    data = decode(_any, raw)
    if not isinstance(data, dict):
        raise InvalidPayload("", f"a batch must be a JSON object, got {type(data).__name__}")
    if not _supported(data.get("v")):
        raise _unsupported(data.get("v"))
    header = decode(_header, raw)
    good, bad = [], []
    for i, item in enumerate(header.events):
        try:
            good.append(parse_event(item))
        except InvalidPayload as err:
            err.field = f"events.{i}.{err.field}".rstrip(".")
            bad.append((err, bytes(item)))
    return header, good, bad


def encode_body(event: Event) -> bytes:
    """The body of a parsed event as compact JSON, for storing beside its envelope columns."""
    return msgspec.json.encode(event.body)


__all__ = [
    "Batch",
    "Event",
    "HubStatus",
    "SaleCompleted",
    "StockMoved",
    "encode_batch",
    "encode_body",
    "encode_event",
    "parse_batch",
    "parse_event",
    "split_batch",
    "utc_now",
]
