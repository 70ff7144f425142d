"""Each rule of protocols/README.md for the envelope and every event type, kept and broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from protocols import (
    EVENT_TYPES,
    InvalidPayload,
    encode_body,
    encode_event,
    parse_event,
    parse_status,
)
from tests.protocols.samples import BODIES, changed, dumps, envelope, status_body


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_a_valid_event_of_each_type_parses(event_type):
    event = parse_event(dumps(envelope(event_type)))
    assert (event.hub, event.seq, event.v) == ("till-1", 42, 1)
    assert event.at == datetime(2026, 11, 25, 7, 25, 0, 123456, tzinfo=UTC)
    assert type(event.body) is EVENT_TYPES[event_type]


def test_a_sale_keeps_its_numbers_exact():
    sale = parse_event(dumps(envelope("sale.completed"))).body
    assert sale.sale_id == UUID("0b6f2d8e-3a52-4c1e-9f0a-6d3e8c1b2a47")
    assert [line.qty for line in sale.lines] == [2, 1250]  # pieces, then grams
    assert (sale.net_minor, sale.tax_minor, sale.total_minor) == (31667, 1333, 33000)
    assert sum(p.amount_minor for p in sale.payments) - sale.change_minor == sale.total_minor


def test_optional_fields_may_be_left_out():
    raw = changed(changed_dict("stock.moved", "body.lot", drop=True), "body.reference", drop=True)
    body = parse_event(raw).body
    assert (body.lot, body.reference) == (None, None)


def test_a_time_with_another_utc_offset_is_the_same_instant():
    raw = changed(envelope(), "at", "2026-11-25T12:55:00+05:30")
    assert parse_event(raw).at == datetime(2026, 11, 25, 7, 25, tzinfo=UTC)
    assert parse_event(raw).at.utcoffset() == timedelta(hours=5, minutes=30)


def changed_dict(event_type: str, path: str, value=..., *, drop: bool = False) -> dict:
    return json.loads(changed(envelope(event_type), path, value, drop=drop))


ENVELOPE_BROKEN = [
    ("type", "refund.made", "type", "unknown event type 'refund.made'"),
    ("v", 2, "v", "schema version 2 is not supported"),
    ("v", "1", "v", "not supported"),
    ("id", "not-a-uuid", "id", "uuid"),
    ("hub", "Till 1", "hub", "regex"),
    ("hub", "till/1", "hub", "regex"),
    ("hub", "", "hub", "regex"),
    ("seq", 0, "seq", ">= 1"),
    ("seq", 42.0, "seq", "Expected `int`, got `float`"),
    ("seq", "42", "seq", "Expected `int`"),
    ("at", "2026-11-25T07:25:00", "at", "timezone"),
    ("at", "yesterday", "at", "datetime"),
    ("at", 1795591500, "at", "Expected `datetime`"),
    ("body", None, "body", "Expected `object`"),
    ("colour", "red", "colour", "is not a field of this schema"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), ENVELOPE_BROKEN)
def test_a_broken_envelope_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope(), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()


@pytest.mark.parametrize("path", ["type", "v", "id", "hub", "seq", "at", "body"])
def test_every_envelope_field_is_required(path):
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope(), path, drop=True))
    assert caught.value.field == path


def test_a_newer_version_is_refused_before_its_body_is_read():
    data = changed_dict("sale.completed", "body", {"anything": "from the future"})
    data["v"] = 2
    with pytest.raises(InvalidPayload) as caught:
        parse_event(dumps(data))
    assert (caught.value.field, caught.value.seq) == ("v", 42)


def test_the_error_carries_the_seq_so_the_cloud_can_dead_letter_it():
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope(), "body.cashier", ""))
    assert caught.value.seq == 42
    assert caught.value.as_dict() == {
        "error": "invalid_payload",
        "field": "body.cashier",
        "reason": caught.value.reason,
    }


SALE_BROKEN = [
    ("body.sale_id", "s-1", "body.sale_id", "uuid"),
    ("body.receipt_no", 0, "body.receipt_no", ">= 1"),
    ("body.location", "store a", "body.location", "regex"),
    ("body.cashier", "", "body.cashier", "length >= 1"),
    ("body.cashier", "x" * 201, "body.cashier", "length <= 200"),
    ("body.currency", "inr", "body.currency", "regex"),
    ("body.currency", "RUPEE", "body.currency", "regex"),
    ("body.tax_inclusive", "yes", "body.tax_inclusive", "Expected `bool`"),
    ("body.lines", [], "body.lines", "length >= 1"),
    ("body.lines.0.line_no", 0, "body.lines.0.line_no", ">= 1"),
    ("body.lines.0.sku", "", "body.lines.0.sku", "regex"),
    ("body.lines.0.name", "", "body.lines.0.name", "length >= 1"),
    ("body.lines.0.sold_by", "kg", "body.lines.0.sold_by", "Invalid enum value 'kg'"),
    ("body.lines.0.qty", 0, "body.lines.0.qty", ">= 1"),
    ("body.lines.0.qty", 2.0, "body.lines.0.qty", "Expected `int`, got `float`"),
    ("body.lines.1.qty", 1.25, "body.lines.1.qty", "Expected `int`, got `float`"),
    ("body.lines.0.unit_price_minor", -1, "body.lines.0.unit_price_minor", ">= 0"),
    ("body.lines.0.unit_price_minor", 140.0, "body.lines.0.unit_price_minor", "got `float`"),
    ("body.lines.0.tax_rate_bp", 10_001, "body.lines.0.tax_rate_bp", "<= 10000"),
    ("body.lines.0.tax_rate_bp", 0.05, "body.lines.0.tax_rate_bp", "got `float`"),
    ("body.lines.0.total_minor", 28001, "body.lines.0.total_minor", "got 28001"),
    ("body.taxes.0.rate_bp", -1, "body.taxes.0.rate_bp", ">= 0"),
    ("body.taxes.0.tax_minor", 0.0, "body.taxes.0.tax_minor", "got `float`"),
    ("body.net_minor", 31666, "body.total_minor", "must equal net_minor 31666 + tax_minor"),
    ("body.total_minor", 33001, "body.total_minor", "the lines' total 33000, got 33001"),
    ("body.payments", [], "body.payments", "length >= 1"),
    ("body.payments.0.method", "cheque", "body.payments.0.method", "Invalid enum value"),
    ("body.payments.0.amount_minor", 0, "body.payments.0.amount_minor", ">= 1"),
    ("body.payments.1.reference", "r" * 101, "body.payments.1.reference", "length <= 100"),
    ("body.change_minor", -1, "body.change_minor", ">= 0"),
    ("body.change_minor", 1999, "body.payments", "add up to 35000; minus change_minor 1999"),
    ("body.discount_minor", 0, "body.discount_minor", "is not a field of this schema"),
]

STOCK_BROKEN = [
    ("body.location", "", "body.location", "regex"),
    ("body.sku", "TEA 250", "body.sku", "regex"),
    ("body.delta", 2.5, "body.delta", "Expected `int`, got `float`"),
    ("body.delta", 10**13, "body.delta", "<="),
    ("body.reason", "stolen", "body.reason", "Invalid enum value 'stolen'"),
    ("body.lot", "", "body.lot", "regex"),
    ("body.reference", "r" * 101, "body.reference", "length <= 100"),
    ("body.qty", 1, "body.qty", "is not a field of this schema"),
]

STATUS_BROKEN = [
    ("state", "away", "state", "Invalid enum value 'away'"),
    ("protocol", 0, "protocol", ">= 1"),
    ("software", "", "software", "length >= 1"),
    ("software", "v" * 41, "software", "length <= 40"),
    ("location", "store a", "location", "regex"),
    ("catalog_version", -1, "catalog_version", ">= 0"),
    ("last_seq", -1, "last_seq", ">= 0"),
    ("last_seq", 41.0, "last_seq", "got `float`"),
    ("clock", "2026-11-25T07:25:00", "clock", "timezone"),
    ("uptime_s", 5, "uptime_s", "is not a field of this schema"),
]

REQUIRED = {
    "sale.completed": [
        "sale_id", "receipt_no", "location", "cashier", "currency", "tax_inclusive", "lines",
        "taxes", "net_minor", "tax_minor", "total_minor", "payments", "change_minor",
    ],
    "stock.moved": ["location", "sku", "delta", "reason"],
    "hub.status": [
        "state", "protocol", "software", "location", "catalog_version", "last_seq", "clock",
    ],
}  # fmt: skip


@pytest.mark.parametrize(("path", "value", "field", "reason"), SALE_BROKEN)
def test_a_broken_sale_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope("sale.completed"), path, value))
    assert (caught.value.field, caught.value.seq) == (field, 42)
    assert reason.lower() in caught.value.reason.lower()


@pytest.mark.parametrize(("path", "value", "field", "reason"), STOCK_BROKEN)
def test_a_broken_stock_movement_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope("stock.moved"), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()


def test_a_zero_delta_names_the_delta():
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope("stock.moved"), "body.delta", 0))
    assert caught.value.field == "body.delta"


def test_a_zero_delta_is_refused():
    with pytest.raises(InvalidPayload, match="non-zero"):
        parse_event(changed(envelope("stock.moved"), "body.delta", 0))


@pytest.mark.parametrize("delta", [-1, 1, -(10**12), 10**12])
def test_a_movement_goes_either_way(delta):
    assert parse_event(changed(envelope("stock.moved"), "body.delta", delta)).body.delta == delta


@pytest.mark.parametrize(
    "reason", ["receipt", "transfer_out", "transfer_in", "adjustment", "count", "write_off"]
)
def test_every_documented_movement_reason_is_accepted(reason):
    event = parse_event(changed(envelope("stock.moved"), "body.reason", reason))
    assert event.body.reason == reason


@pytest.mark.parametrize(("path", "value", "field", "reason"), STATUS_BROKEN)
def test_a_broken_status_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_status(changed(status_body(), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()
    # The same body inside a hub.status event is found one level down.
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope("hub.status"), f"body.{path}", value))
    assert caught.value.field == f"body.{field}"


@pytest.mark.parametrize(
    ("event_type", "name"), [(t, name) for t, names in REQUIRED.items() for name in names]
)
def test_every_required_body_field_is_required(event_type, name):
    with pytest.raises(InvalidPayload) as caught:
        parse_event(changed(envelope(event_type), f"body.{name}", drop=True))
    assert (caught.value.field, caught.value.reason) == (f"body.{name}", "is required")


def test_the_status_topic_payload_is_the_hub_status_body():
    status = parse_status(dumps(status_body()))
    assert (status.state, status.protocol, status.last_seq) == ("online", 1, 41)
    assert status.clock.tzinfo is not None


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_encode_event_round_trips(event_type):
    at = datetime(2026, 11, 25, 12, 55, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    raw = encode_event(
        event_id=UUID(int=7),
        hub="till-9",
        seq=3,
        at=at,
        type=event_type,
        body=BODIES[event_type](),
    )
    event = parse_event(raw)
    assert (event.id, event.hub, event.seq, event.at) == (UUID(int=7), "till-9", 3, at)
    assert event.at.utcoffset() == timedelta(0)  # Stored in UTC whatever the hub's zone.
    assert parse_event(changed(envelope(event_type), "body", json.loads(encode_body(event)))) == (
        parse_event(dumps(envelope(event_type)))
    )


def test_encode_event_refuses_what_parse_event_would():
    body = BODIES["stock.moved"]() | {"delta": 0}
    with pytest.raises(InvalidPayload):
        encode_event(
            event_id=UUID(int=1), hub="till-1", seq=1, at=datetime.now(UTC),
            type="stock.moved", body=body,
        )  # fmt: skip
