"""The stock ledger: movements with a stock.moved event each, and on hand beside them."""

from __future__ import annotations

import pytest

from edge.cart import cart
from edge.errors import NotFound
from edge.store import checkout, on_hand, record_movement, unbalanced
from protocols import InvalidPayload, StockMoved, parse_event


def test_a_receipt_adds_stock_and_emits_stock_moved(db, config):
    movement = record_movement(
        db, config, sku="TEA-250", delta=24, reason="receipt", reference="DN-778"
    )
    assert movement.seq == 1 and movement.location == "store-1"
    assert on_hand(db, "TEA-250", "store-1").qty == 24
    event = parse_event(db.execute("SELECT event FROM outbox WHERE seq = 1").fetchone()[0])
    assert event.body == StockMoved(
        location="store-1", sku="TEA-250", delta=24, reason="receipt", reference="DN-778"
    )


def test_on_hand_is_the_sum_of_movements_per_lot(db, config):
    record_movement(db, config, sku="SOAP", delta=10, reason="receipt", lot="L1")
    record_movement(db, config, sku="SOAP", delta=5, reason="receipt", lot="L2")
    record_movement(db, config, sku="SOAP", delta=-2, reason="write_off", lot="L1")
    checkout(db, config, cart([("SOAP", 3)], [("cash", 13500)]))  # A sale carries no lot.
    stock = on_hand(db, "SOAP", "store-1")
    assert stock.qty == 10
    assert stock.lots == {None: -3, "L1": 8, "L2": 5}
    assert unbalanced(db) == []


def test_an_unknown_sku_is_not_found_and_nothing_is_stored(db, config):
    with pytest.raises(NotFound, match="no product has SKU 'NOPE'"):
        record_movement(db, config, sku="NOPE", delta=1, reason="receipt")
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("delta", "reason", "field"),
    [(0, "receipt", "delta"), (5, "sale", "reason"), (5, "gift", "reason")],
)
def test_what_the_contract_refuses_is_refused_naming_the_field(db, config, delta, reason, field):
    with pytest.raises(InvalidPayload) as err:
        record_movement(db, config, sku="SOAP", delta=delta, reason=reason)
    assert err.value.field == field
    assert db.execute("SELECT count(*) FROM stock_movements").fetchone()[0] == 0
    assert db.execute("SELECT value FROM counters WHERE name = 'event_seq'").fetchone()[0] == 0


def test_a_drifted_balance_is_found(db, config):
    record_movement(db, config, sku="SOAP", delta=10, reason="receipt")
    db.execute("UPDATE stock_balances SET qty = 11")
    assert unbalanced(db) == [("SOAP", "store-1", "", 11, 10)]
