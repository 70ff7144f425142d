"""The batch on a hub's events topic: its rules, its limits, and how bad events are split out."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from protocols import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    InvalidPayload,
    encode_batch,
    parse_batch,
    split_batch,
)
from tests.protocols.samples import batch, changed, dumps, envelope


def test_a_batch_of_every_event_type_parses():
    events = [envelope("hub.status", 1), envelope("stock.moved", 2), envelope("sale.completed", 3)]
    parsed = parse_batch(dumps(batch(*events)))
    assert parsed.hub == "till-1"
    assert [e.seq for e in parsed.events] == [1, 2, 3]


BATCH_BROKEN = [
    ("v", 2, "v", "2"),
    ("hub", "Till-1", "hub", "regex"),
    ("sent_at", "2026-11-25 07:25:01", "sent_at", "timezone"),
    ("events", [], "events", "length >= 1"),
    ("events", {}, "events", "Expected `array`"),
    ("events.0.seq", 0, "events.0.seq", ">= 1"),
    ("events.0.type", "sale.voided", "events.0.type", "sale.voided"),
    ("events.0.body.lines.0.qty", 1.5, "events.0.body.lines.0.qty", "got `float`"),
    ("source", "till", "source", "is not a field of this schema"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), BATCH_BROKEN)
def test_a_broken_batch_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_batch(changed(batch(), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()


@pytest.mark.parametrize("path", ["v", "hub", "sent_at", "events"])
def test_every_batch_field_is_required(path):
    with pytest.raises(InvalidPayload) as caught:
        parse_batch(changed(batch(), path, drop=True))
    assert (caught.value.field, caught.value.reason) == (path, "is required")


def test_a_batch_holds_at_most_2000_events():
    events = [envelope("stock.moved", seq) for seq in range(1, MAX_EVENTS_PER_BATCH + 1)]
    assert len(parse_batch(dumps(batch(*events))).events) == 2000
    events.append(envelope("stock.moved", MAX_EVENTS_PER_BATCH + 1))
    with pytest.raises(InvalidPayload) as caught:
        parse_batch(dumps(batch(*events)))
    assert caught.value.field == "events"
    assert caught.value.reason == "Expected `array` of length <= 2000"


def test_a_batch_over_one_mebibyte_is_refused_before_it_is_decoded():
    raw = dumps(batch()) + b" " * (MAX_BATCH_BYTES - len(dumps(batch())))
    assert len(raw) == MAX_BATCH_BYTES
    parse_batch(raw)
    with pytest.raises(InvalidPayload, match="1048577 bytes, the limit is 1048576"):
        parse_batch(raw + b" ")
    with pytest.raises(InvalidPayload, match="the limit is 1048576"):
        split_batch(raw + b" ")


def test_an_event_from_another_hub_is_refused():
    with pytest.raises(InvalidPayload) as caught:
        parse_batch(dumps(batch(envelope(hub="till-2"), hub="till-1")))
    assert caught.value.field == "events.0.hub"


def test_encode_batch_round_trips_without_re_encoding_events():
    events = [json.dumps(envelope("stock.moved", seq)) for seq in (5, 6, 7)]
    sent_at = datetime(2026, 11, 25, 7, 25, 1, tzinfo=UTC)
    raw = encode_batch("till-1", events, sent_at=sent_at)
    for event in events:
        assert event.encode() in raw  # Outbox rows travel byte for byte.
    parsed = parse_batch(raw)
    assert (parsed.v, parsed.hub, parsed.sent_at) == (1, "till-1", sent_at)
    assert [e.seq for e in parsed.events] == [5, 6, 7]


def test_encode_batch_stamps_the_time_it_is_sent():
    before = datetime.now(UTC)
    parsed = parse_batch(encode_batch("till-1", [json.dumps(envelope())]))
    assert before <= parsed.sent_at <= datetime.now(UTC)


def test_split_batch_keeps_the_good_events_and_names_the_bad_ones():
    good_1, good_3 = envelope("stock.moved", 1), envelope("sale.completed", 3)
    bad_2 = envelope("stock.moved", 2)
    bad_2["body"]["delta"] = 2.5
    future_4 = envelope("stock.moved", 4) | {"v": 2}
    raw = dumps(batch(good_1, bad_2, good_3, future_4))
    with pytest.raises(InvalidPayload):
        parse_batch(raw)
    header, good, bad = split_batch(raw)
    assert (header.hub, len(header.events)) == ("till-1", 4)
    assert [e.seq for e in good] == [1, 3]
    assert [(err.field, err.seq) for err, _ in bad] == [
        ("events.1.body.delta", 2),
        ("events.3.v", 4),
    ]
    assert json.loads(bad[0][1]) == bad_2  # The raw event is kept for the dead-letter table.


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"[]", ""),
        (b"{", ""),
        (dumps(batch() | {"v": 2}), "v"),
        (dumps(batch() | {"hub": "Till 1"}), "hub"),
        (dumps(batch() | {"events": []}), "events"),
    ],
)
def test_split_batch_refuses_a_batch_that_is_unusable_as_a_whole(raw, field):
    with pytest.raises(InvalidPayload) as caught:
        split_batch(raw)
    assert caught.value.field == field
