"""Checkout: a sale, its lines, payments, stock movements and one event, all or nothing."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.cart import cart
from edge.config import HubConfig
from edge.errors import Conflict, Refused
from edge.store import checkout, connect, get_sale, on_hand, unbalanced
from protocols import SaleCompleted, parse_event
from tests.edge.helpers import TEA_BARCODE


def count(db: sqlite3.Connection, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counters(db: sqlite3.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT name, value FROM counters").fetchall())


def test_a_checkout_records_everything_in_one_go(db, config):
    receipt = checkout(
        db,
        config,
        cart(
            [("TEA-250", 2), (TEA_BARCODE, 1), ("RICE-LOOSE", 1234), ("SOAP", 1)],
            [("card", 40000, "slip-1"), ("cash", 20000)],
            cashier="asha",
        ),
    )
    assert receipt.receipt_no == 1 and receipt.seq == 1
    assert [(ln.sku, ln.qty) for ln in receipt.lines] == [
        ("TEA-250", 2),
        ("TEA-250", 1),
        ("RICE-LOOSE", 1234),
        ("SOAP", 1),
    ]
    # 28000 + 14000 + 8083 (6550/kg x 1.234 kg) + 4500, tax included.
    assert receipt.total_minor == 54583
    assert receipt.net_minor + receipt.tax_minor == receipt.total_minor
    assert receipt.change_minor == 60000 - 54583
    assert receipt.cashier == "asha"
    assert [(t.rate_bp, t.net_minor, t.tax_minor) for t in receipt.taxes] == [
        (500, 26667 + 13333 + 7698, 1333 + 667 + 385),
        (1800, 3814, 686),
    ]
    assert count(db, "sales") == 1 and count(db, "sale_lines") == 4
    assert count(db, "sale_payments") == 2
    moves = db.execute(
        "SELECT sku, location, delta, reason, reference, seq FROM stock_movements ORDER BY id"
    ).fetchall()
    assert [tuple(m) for m in moves] == [
        ("TEA-250", "store-1", -2, "sale", "1", 1),
        ("TEA-250", "store-1", -1, "sale", "1", 1),
        ("RICE-LOOSE", "store-1", -1234, "sale", "1", 1),
        ("SOAP", "store-1", -1, "sale", "1", 1),
    ]
    assert on_hand(db, "TEA-250", "store-1").qty == -3  # Selling before receiving is allowed.
    assert unbalanced(db) == []
    assert count(db, "outbox") == 1
    assert get_sale(db, 1) == receipt


def test_the_event_is_exactly_one_valid_sale_completed(db, config):
    receipt = checkout(db, config, cart([("SOAP", 3)], [("upi", 13500, "upi-42")]))
    (event_json,) = [row[0] for row in db.execute("SELECT event FROM outbox")]
    event = parse_event(event_json)
    assert event.hub == "till-1" and event.seq == receipt.seq == 1
    body = event.body
    assert isinstance(body, SaleCompleted)
    assert str(body.sale_id) == receipt.sale_id and body.receipt_no == 1
    assert body.location == "store-1" and body.currency == "INR" and body.tax_inclusive
    assert body.total_minor == 13500 and body.change_minor == 0
    assert body.lines[0].sku == "SOAP" and body.lines[0].qty == 3
    assert body.payments[0].reference == "upi-42"


def test_tax_exclusive_hubs_add_tax_on_top(make_config, db):
    config = make_config(hub={"tax_inclusive": False})
    receipt = checkout(db, config, cart([("SOAP", 1)], [("cash", 6000)]))
    assert (receipt.net_minor, receipt.tax_minor, receipt.total_minor) == (4500, 810, 5310)
    assert receipt.change_minor == 690 and receipt.tax_inclusive is False


def test_receipt_numbers_and_seqs_have_no_gaps_even_after_refusals(db, config):
    ok = cart([("MILK-1L", 1)], [("cash", 6800)])
    checkout(db, config, ok)
    with pytest.raises(Refused):
        checkout(db, config, cart([("MILK-1L", 1)], [("cash", 100)]))
    checkout(db, config, ok)
    assert [r[0] for r in db.execute("SELECT receipt_no FROM sales ORDER BY 1")] == [1, 2]
    assert [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY 1")] == [1, 2]


@pytest.mark.parametrize(
    ("lines", "payments", "field", "reason"),
    [
        (
            [("TEA-250", 1), ("SOAP", 1), ("NOPE", 1)],
            [("cash", 99999)],
            "lines.2.code",
            "no product has SKU or barcode 'NOPE'",
        ),
        ([("OLD-JAM", 1)], [("cash", 99999)], "lines.0.code", "no longer sold"),
        ([("TEA-250", 1)], [("cash", 13999)], "payments", "fall short"),
        ([("TEA-250", 1)], [("card", 15000)], "payments", "only be given from cash"),
    ],
)
def test_a_refused_checkout_leaves_nothing_behind(db, config, lines, payments, field, reason):
    before = counters(db)
    with pytest.raises(Refused, match=reason) as err:
        checkout(db, config, cart(lines, payments))
    assert err.value.field == field
    for table in (
        "sales",
        "sale_lines",
        "sale_payments",
        "stock_movements",
        "stock_balances",
        "outbox",
    ):
        assert count(db, table) == 0, table
    assert counters(db) == before


def test_a_failure_at_the_last_write_rolls_the_whole_sale_back(db, config):
    # The stock movements are written last; make the disk "fail" there.
    db.execute(
        "CREATE TEMP TRIGGER fail_movements BEFORE INSERT ON stock_movements "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
        checkout(db, config, cart([("SOAP", 1)], [("cash", 4500)]))
    assert not db.in_transaction
    for table in ("sales", "sale_lines", "sale_payments", "outbox"):
        assert count(db, table) == 0, table
    assert counters(db) == {"receipt_no": 0, "event_seq": 0}
    db.execute("DROP TRIGGER fail_movements")
    assert checkout(db, config, cart([("SOAP", 1)], [("cash", 4500)])).receipt_no == 1


def test_a_retried_checkout_with_the_same_sale_id_is_recorded_once(db, config):
    sale_id = uuid.uuid4()
    first = checkout(db, config, cart([("SOAP", 1)], [("cash", 5000)], sale_id=sale_id))
    # The till lost the answer (say, a reload) and sends the same cart again, by barcode.
    again = checkout(db, config, cart([("SOAP", 1)], [("cash", 5000)], sale_id=sale_id))
    assert again.replayed and not first.replayed
    assert (again.receipt_no, again.seq, again.sale_id) == (1, 1, str(sale_id))
    assert count(db, "sales") == 1 and count(db, "outbox") == 1
    with pytest.raises(Conflict, match="already recorded as receipt 1") as err:
        checkout(db, config, cart([("SOAP", 2)], [("cash", 9000)], sale_id=sale_id))
    assert err.value.field == "sale_id"


def test_concurrent_tills_on_one_database_never_share_or_skip_a_number(db, config: HubConfig):
    # Several connections (threads here; processes behave the same) check out at once.
    errors: list[BaseException] = []

    def sell(n: int) -> None:
        conn = connect(config.store.db_path, busy_timeout_s=30)
        try:
            for _ in range(n):
                checkout(conn, config, cart([("MILK-1L", 1), ("SOAP", 1)], [("cash", 20000)]))
        except BaseException as err:  # Reported below; a thread cannot fail the test itself.
            errors.append(err)
        finally:
            conn.close()

    threads = [threading.Thread(target=sell, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r[0] for r in db.execute("SELECT receipt_no FROM sales ORDER BY 1")] == list(
        range(1, 101)
    )
    assert [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY 1")] == list(range(1, 101))
    assert on_hand(db, "MILK-1L", "store-1").qty == -100
    assert unbalanced(db) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["TEA-250", "SOAP", "RICE-LOOSE", "MILK-1L", TEA_BARCODE]),
            st.integers(1, 5000),
        ),
        min_size=1,
        max_size=8,
    ),
    inclusive=st.booleans(),
)
def test_any_cart_makes_a_sale_whose_event_and_receipt_add_up(make_config, db, lines, inclusive):
    config = make_config(hub={"tax_inclusive": inclusive})
    receipt = checkout(db, config, cart(lines, [("cash", 10**9)]))
    stored = db.execute("SELECT event FROM outbox WHERE seq = ?", (receipt.seq,)).fetchone()[0]
    body = parse_event(stored).body  # The contract's own checks: every sum adds up.
    assert body.total_minor == receipt.total_minor == sum(ln.total_minor for ln in body.lines)
    assert sum(t.net_minor for t in body.taxes) == body.net_minor
    assert sum(t.tax_minor for t in body.taxes) == body.tax_minor
    assert body.change_minor == 10**9 - body.total_minor
    assert get_sale(db, receipt.receipt_no) == receipt
