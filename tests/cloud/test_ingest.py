"""Ingest stores each (hub, seq) once, dead-letters what it cannot read, and acks the watermark.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import select

from cloud.db import DeadLetter, Event, Hub, StockBalance
from cloud.stock import check_balances, stock_of
from protocols import EVENT_TYPES, MAX_BATCH_BYTES, Ack
from tests.cloud.factories import (
    batch,
    events_topic,
    moved,
    sale,
    sales_batch,
)
from tests.cloud.helpers import count, ingest


def balances(sessions) -> dict[tuple[str, str], int]:
    with sessions() as session:
        return {(b.sku, b.location): b.qty for b in session.scalars(select(StockBalance))}


def hub_row(sessions, hub: str = "till-1") -> Hub:
    with sessions() as session:
        return session.get(Hub, hub)


def dead_letters(sessions) -> list[DeadLetter]:
    with sessions() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def test_a_valid_batch_is_stored_once_and_acknowledged(sessions):
    result = ingest(sessions, events_topic(), batch([sale(1), sale(2), moved(3, "TEA-250", 50)]))

    assert (result.stored, result.duplicates, result.dead_lettered) == (3, 0, 0)
    assert result.ack == Ack(seq=3)
    assert count(sessions, Event) == 3
    assert balances(sessions) == {("TEA-250", "store-a"): 50 - 2 - 2}
    hub = hub_row(sessions)
    assert (hub.acked_seq, hub.highest_seq) == (3, 3)


def test_a_pretty_printed_batch_is_stored_as_sent(sessions):
    events = [sale(1, [("TEA-250", 1)]), moved(2, "TEA-250", 5)]
    events[0]["body"]["cashier"] = 'Asha \\ "the fast" \u00e9'  # Escapes survive storage.
    payload = json.dumps(
        {"v": 1, "hub": "till-1", "sent_at": events[0]["at"], "events": events}, indent="\t"
    ).encode()

    result = ingest(sessions, events_topic(), payload)

    assert (result.stored, result.ack) == (2, Ack(seq=2))
    with sessions() as session:
        stored = session.scalars(select(Event).order_by(Event.seq)).all()
    for row, sent in zip(stored, events, strict=True):
        # Stored as sent, or re-encoded with defaults filled in: either way the same values.
        kind = EVENT_TYPES[sent["type"]]
        assert msgspec.convert(row.body, kind) == msgspec.convert(sent["body"], kind)
    assert stored[0].body["cashier"] == 'Asha \\ "the fast" \u00e9'
    assert str(stored[0].event_id) == events[0]["id"]
    assert balances(sessions) == {("TEA-250", "store-a"): 4}


def test_the_same_batch_again_changes_nothing(sessions):
    payload = batch([sale(1, [("TEA-250", 2), ("RICE-1KG", 1)]), moved(2, "RICE-1KG", 10)])
    ingest(sessions, events_topic(), payload)
    before = (count(sessions, Event), balances(sessions))

    again = ingest(sessions, events_topic(), payload)  # QoS 1 may deliver it twice.

    assert (again.stored, again.duplicates) == (0, 2)
    assert again.ack == Ack(seq=2)  # Acked again, so a hub that missed the first ack prunes.
    assert (count(sessions, Event), balances(sessions)) == before


def test_batches_out_of_order_are_stored_once_and_the_watermark_waits_for_the_gap(sessions):
    late = ingest(sessions, events_topic(), sales_batch(3, 4))
    assert late.stored == 2
    assert late.ack == Ack(seq=0)  # 1 and 2 are missing: nothing is contiguous yet.
    assert hub_row(sessions).highest_seq == 4

    early = ingest(sessions, events_topic(), sales_batch(1, 2))

    assert early.ack == Ack(seq=4)  # The gap filled; the watermark runs through 3 and 4.
    assert count(sessions, Event) == 4
    assert balances(sessions) == {("TEA-250", "store-a"): -4}


def test_overlapping_resends_store_only_the_new_part(sessions):
    events = [sale(seq, [("TEA-250", 1)]) for seq in range(1, 9)]
    ingest(sessions, events_topic(), batch(events[:5]))

    result = ingest(sessions, events_topic(), batch(events[3:]))  # Seqs 4-8: 4 and 5 again.

    assert (result.stored, result.duplicates, result.ack) == (3, 2, Ack(seq=8))
    assert balances(sessions) == {("TEA-250", "store-a"): -8}


def test_a_gap_that_never_fills_holds_the_watermark(sessions):
    ingest(sessions, events_topic(), sales_batch(1, 2))
    ingest(sessions, events_topic(), sales_batch(5, 6))  # 3 and 4 never arrive.

    result = ingest(sessions, events_topic(), sales_batch(7, 7))

    assert result.ack == Ack(seq=2)
    hub = hub_row(sessions)
    assert (hub.acked_seq, hub.highest_seq) == (2, 7)


def _float_qty() -> bytes:
    event = sale(1)
    event["body"]["lines"][0]["qty"] = 2.0
    return batch([event])


def _envelope_of_another_hub() -> bytes:
    return batch([sale(1), sale(2, hub="till-9")])


def _oversized() -> bytes:
    padding = [sale(n) for n in range(1, 2000)]
    payload = batch(padding)
    assert len(payload) > MAX_BATCH_BYTES
    return payload


BAD_BATCHES = {
    "malformed JSON": (lambda: b'{"v": 1, "hub": "till-1", "events": [', "", "not JSON"),
    "not an object": (lambda: b"[1, 2, 3]", "", "must be a JSON object"),
    "wrong batch version": (
        lambda: batch([sale(1)]).replace(b'"v": 1', b'"v": 7', 1),
        "v",
        "schema version 7 is not supported",
    ),
    "no events": (lambda: batch([]), "events", "length >= 1"),
    "batch of another hub": (lambda: batch([sale(1, hub="till-2")], hub="till-2"), "hub", "till-2"),
    "an event of another hub": (_envelope_of_another_hub, "events.hub", "till-9"),
    "oversized": (_oversized, "", f"the limit is {MAX_BATCH_BYTES}"),
}


@pytest.mark.parametrize("name", list(BAD_BATCHES))
def test_a_batch_that_cannot_be_read_becomes_one_dead_letter(sessions, name):
    make, field, reason_part = BAD_BATCHES[name]
    payload = make()

    result = ingest(sessions, events_topic(), payload)

    assert (result.stored, result.dead_lettered) == (0, 1)
    assert result.ack == Ack(seq=0)
    [letter] = dead_letters(sessions)
    assert (letter.hub_id, letter.field, letter.attempts) == ("till-1", field, 1)
    assert reason_part in letter.reason
    assert letter.payload == payload  # Kept whole, to be read again after a fix.
    assert count(sessions, Event) == 0


BAD_EVENTS = {
    "unknown event type": (
        lambda e: e.update(type="sale.voided"),
        "events.1.type",
        "unknown event type 'sale.voided'",
    ),
    "wrong schema version": (lambda e: e.update(v=2), "events.1.v", "schema version 2"),
    "float quantity": (
        lambda e: e["body"]["lines"][0].update(qty=2.5),
        "events.1.body.lines.0.qty",
        "Expected `int`, got `float`",
    ),
    "float that looks whole": (
        lambda e: e["body"]["lines"][0].update(qty=2.0),
        "events.1.body.lines.0.qty",
        "Expected `int`, got `float`",
    ),
    "totals that do not add up": (
        lambda e: e["body"].update(total_minor=e["body"]["total_minor"] + 1),
        "events.1.body.total_minor",
        "",
    ),
    "unknown body field": (
        lambda e: e["body"].update(loyalty_points=5),
        "events.1.body.loyalty_points",
        "is not a field",
    ),
}


@pytest.mark.parametrize("name", list(BAD_EVENTS))
def test_a_bad_event_is_dead_lettered_the_good_ones_stored_and_the_watermark_stops(sessions, name):
    breaks, field, reason_part = BAD_EVENTS[name]
    bad = sale(2, [("BAD-SKU", 1)])
    breaks(bad)

    result = ingest(sessions, events_topic(), batch([sale(1), bad, sale(3)]))

    assert (result.stored, result.dead_lettered) == (2, 1)
    assert result.ack == Ack(seq=1)  # Seq 2 is not stored, so it is not acknowledged.
    [letter] = dead_letters(sessions)
    assert (letter.hub_id, letter.seq) == ("till-1", 2)
    assert letter.field.startswith(field)
    assert reason_part in letter.reason
    assert json.loads(letter.payload) == bad  # The event alone, not the whole batch.
    assert ("BAD-SKU", "store-a") not in balances(sessions)


def test_broken_json_inside_the_events_list_is_refused_whole(sessions):
    payload = batch([sale(1), b'{"type": "sale.completed", "seq": 2,,}'])

    result = ingest(sessions, events_topic(), payload)

    assert (result.stored, result.dead_lettered) == (0, 1)
    [letter] = dead_letters(sessions)
    assert letter.seq is None and "not JSON" in letter.reason


def test_the_same_bad_event_again_adds_an_attempt_not_a_row(sessions):
    bad = sale(2)
    bad["body"]["lines"][0]["qty"] = 1.5
    payload = batch([sale(1), bad])

    ingest(sessions, events_topic(), payload)
    ingest(sessions, events_topic(), payload)  # The hub keeps unacked events and resends.
    ingest(sessions, events_topic(), b"not json at all")
    ingest(sessions, events_topic(), b"not json at all")

    letters = dead_letters(sessions)
    assert [(d.seq, d.attempts) for d in letters] == [(2, 2), (None, 2)]
    assert letters[0].last_seen_at >= letters[0].first_seen_at


def test_a_message_on_no_hubs_topic_is_dead_lettered_without_a_hub(sessions):
    result = ingest(sessions, "sf/v1/hub/Not A Hub/events", sales_batch(1, 1, hub="till-1"))

    assert (result.hub, result.ack, result.dead_lettered) == (None, None, 1)
    [letter] = dead_letters(sessions)
    assert (letter.hub_id, letter.field) == (None, "topic")
    assert count(sessions, Hub) == 0


def test_a_seq_reused_for_another_event_is_dead_lettered_not_stored(sessions):
    ingest(sessions, events_topic(), batch([sale(1)]))
    impostor = sale(1, [("RICE-1KG", 9)])  # Same seq, new id: a hub whose store was reset.

    result = ingest(sessions, events_topic(), batch([impostor, sale(2)]))

    assert (result.stored, result.duplicates, result.dead_lettered) == (1, 0, 1)
    [letter] = dead_letters(sessions)
    assert (letter.seq, letter.field) == (1, "id")
    assert "already stored with event id" in letter.reason
    assert ("RICE-1KG", "store-a") not in balances(sessions)


def test_an_event_id_stored_under_another_seq_is_dead_lettered(sessions):
    first = sale(1)
    ingest(sessions, events_topic(), batch([first]))
    copy = dict(sale(2), id=first["id"])  # All seqs new, so PostgreSQL tries COPY first.

    result = ingest(sessions, events_topic(), batch([copy, sale(3)]))

    assert (result.stored, result.dead_lettered) == (1, 1)
    assert result.ack == Ack(seq=1)
    [letter] = dead_letters(sessions)
    assert letter.seq == 2
    assert "already stored as hub till-1 seq 1" in letter.reason


def test_balances_equal_the_sum_of_the_ledger(sessions):
    sales = [sale(3, [("TEA-250", 3), ("RICE-1KG", 2)]), sale(4, [("TEA-250", 1)])]
    ingest(sessions, events_topic(), batch([moved(1, "TEA-250", 100), moved(2, "RICE-1KG", 40)]))
    ingest(sessions, events_topic(), batch(sales))
    ingest(
        sessions,
        events_topic("van-2"),
        batch([moved(1, "TEA-250", 5, "van-2", hub="van-2")], hub="van-2"),
    )
    ingest(sessions, events_topic(), batch([*sales, sale(5), sale(6)]))  # Partly a resend.

    assert balances(sessions) == {
        ("TEA-250", "store-a"): 100 - 3 - 1 - 2 - 2,
        ("RICE-1KG", "store-a"): 40 - 2,
        ("TEA-250", "van-2"): 5,
    }
    with sessions() as session:
        assert check_balances(session) == []
        assert [(s.location, s.on_hand) for s in stock_of(session, "TEA-250")] == [
            ("store-a", 92),
            ("van-2", 5),
        ]


def test_check_balances_reports_a_balance_that_drifted_from_the_ledger(sessions):
    ingest(sessions, events_topic(), batch([moved(1, "TEA-250", 10)]))
    with sessions() as session:
        session.get(StockBalance, ("TEA-250", "store-a")).qty = 7  # Someone edited the table.
        session.commit()

    with sessions() as session:
        [difference] = check_balances(session)

    assert (difference.sku, difference.stored, difference.ledger) == ("TEA-250", 7, 10)


@pytest.mark.parametrize(
    ("hub_ahead_s", "flagged"), [(0, False), (119, False), (-600, True), (3600, True)]
)
def test_a_hub_clock_further_off_than_the_threshold_is_flagged(sessions, hub_ahead_s, flagged):
    now = datetime.now(UTC)

    result = ingest(
        sessions,
        events_topic(),
        sales_batch(1, 1, sent_at=now + timedelta(seconds=hub_ahead_s)),
        received_at=now,
        clock_skew_flag_s=120,
    )

    assert result.clock_offset_s == pytest.approx(hub_ahead_s, abs=0.01)
    assert result.clock_off is flagged
    assert hub_row(sessions).clock_off is flagged


def test_a_clock_that_is_fixed_is_no_longer_flagged(sessions):
    now = datetime.now(UTC)
    ingest(sessions, events_topic(), sales_batch(1, 1, sent_at=now - timedelta(hours=1)), now)

    ingest(sessions, events_topic(), sales_batch(2, 2, sent_at=now), now)

    assert hub_row(sessions).clock_off is False


def test_a_large_batch_of_many_hubs_is_stored_exactly(sessions):
    for hub in ("till-1", "till-2"):
        for first in range(1, 2000, 500):
            ingest(sessions, events_topic(hub), sales_batch(first, first + 499, hub=hub))

    assert count(sessions, Event) == 4000
    assert [hub_row(sessions, h).acked_seq for h in ("till-1", "till-2")] == [2000, 2000]
    assert balances(sessions) == {("TEA-250", "store-a"): -4000}
