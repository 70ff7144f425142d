"""The outbox: gap-free seqs, batches within limits, pruning up to the ack and never beyond."""

from __future__ import annotations

import pytest

from edge.cart import cart
from edge.store import append_event, checkout, read_batch, record_ack, record_hub_status, sync_state
from protocols import HubStatus, InvalidPayload, parse_event


def sell(db, config, n: int) -> None:
    for _ in range(n):
        checkout(db, config, cart([("MILK-1L", 1)], [("cash", 6800)]))


def test_an_invalid_event_is_refused_before_it_is_stored(db):
    with pytest.raises(InvalidPayload) as err:
        append_event(
            db,
            "till-1",
            "stock.moved",
            {"location": "x", "sku": "y", "delta": 1.5, "reason": "receipt"},
        )
    assert err.value.field == "body.delta"
    assert sync_state(db).last_seq == 0


def test_batches_are_in_seq_order_and_within_the_limits(db, config):
    sell(db, config, 10)
    assert [seq for seq, _ in read_batch(db, 0, 4, 10**6)] == [1, 2, 3, 4]
    assert [seq for seq, _ in read_batch(db, 8, 4, 10**6)] == [9, 10]
    one = len(read_batch(db, 0, 1, 10**6)[0][1])
    small = read_batch(db, 0, 100, 256 + 3 * (one + 1))
    assert [seq for seq, _ in small] == [1, 2, 3]
    assert [seq for seq, _ in read_batch(db, 0, 100, 10)] == [1]  # One event always goes.


def test_an_ack_prunes_up_to_it_and_never_beyond(db, config):
    sell(db, config, 5)
    assert record_ack(db, 3) == 3
    assert [r[0] for r in db.execute("SELECT seq FROM outbox")] == [4, 5]
    assert record_ack(db, 2) == 3  # A late, lower ack does not lower the watermark.
    sell(db, config, 1)
    assert record_ack(db, 5) == 5
    assert [r[0] for r in db.execute("SELECT seq FROM outbox")] == [6]  # Beyond it: kept.
    state = sync_state(db)
    assert (state.last_seq, state.acked_seq, state.outbox_depth) == (6, 5, 1)


def test_an_ack_from_beyond_this_hubs_numbering_moves_the_numbering_on(db, config):
    # The cloud already holds seqs up to 99 of this hub id (say, an SD card was replaced):
    # new events numbered 4.. would be dropped there as repeats.
    sell(db, config, 3)
    assert record_ack(db, 99) == 99
    sell(db, config, 1)
    assert [r[0] for r in db.execute("SELECT seq FROM outbox")] == [100]


def test_a_refusal_is_stored_and_the_outbox_kept(db, config):
    sell(db, config, 2)
    record_ack(db, 0, refused="protocol 1 is not supported")
    state = sync_state(db)
    assert state.refused == "protocol 1 is not supported" and state.outbox_depth == 2
    record_ack(db, 2)
    assert sync_state(db).refused is None


def test_a_start_is_recorded_as_a_hub_status_event(db, config):
    sell(db, config, 2)
    seq = record_hub_status(db, config.hub, "online")
    event = parse_event(db.execute("SELECT event FROM outbox WHERE seq = ?", (seq,)).fetchone()[0])
    assert isinstance(event.body, HubStatus)
    assert event.body.state == "online" and event.body.last_seq == 2
    assert event.body.catalog_version == 1 and event.body.location == "store-1"
