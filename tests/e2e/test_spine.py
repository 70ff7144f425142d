"""The spine, end to end: sales at two hubs reach the cloud exactly once.

Everything here is a real process or a real service: two `shopfloor hub run` processes, a
`shopfloor cloud ingest` worker, a private Mosquitto and PostgreSQL. Only the cloud's HTTP API
runs in-process, through Flask's test client.
"""

from __future__ import annotations

import http.client
import random
import sqlite3
import threading
import uuid

import paho.mqtt.client as mqtt
import psycopg2
import pytest

from protocols import CatalogProduct, CatalogUpdate, Topics, encode, gtin_check_digit, parse_event
from tests.support import wait_until

BARCODE = "890123456789" + str(gtin_check_digit("890123456789"))
TEA = {
    "sku": "TEA-250",
    "name": "Assam tea 250 g",
    "unit_price_minor": 14000,
    "tax_rate_bp": 500,
    "sold_by": "unit",
    "barcodes": [BARCODE],
}


class Capture:
    """A test MQTT client that records what arrives on some topics and can publish."""

    def __init__(self, port: int, *topics: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = lambda c, u, m: self.messages.append((m.topic, m.payload))
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([(t, 1) for t in topics])
        self.client.loop_start()
        assert subscribed.wait(10)

    def on(self, topic: str) -> list[bytes]:
        return [payload for t, payload in self.messages if t == topic]

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def sell(hub, qty: int) -> dict:
    status, receipt = hub.post(
        "/api/checkout",
        {
            "lines": [{"code": BARCODE, "qty": qty}],
            "payments": [{"method": "cash", "amount_minor": TEA["unit_price_minor"] * qty}],
        },
    )
    assert status == 201, receipt
    return receipt


def events_in_cloud(pg_url: str) -> dict[str, tuple[int, int, int]]:
    """Per hub: (rows, distinct seqs, highest seq) in the cloud's events table."""
    dsn = pg_url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT hub_id, count(*), count(DISTINCT seq), max(seq) FROM events GROUP BY hub_id"
        )
        return {hub: (rows, distinct, high) for hub, rows, distinct, high in cur.fetchall()}


def test_two_hubs_sell_through_an_outage_and_the_cloud_counts_each_sale_once(
    cloud_api, ingest, make_hub, broker, pg_url
):
    capture = Capture(broker.port, Topics("till-a").events, Topics("till-a").ack)
    assert cloud_api.post("/api/products", json=TEA).status_code == 201
    a = make_hub("till-a", "store-a").start()
    b = make_hub("till-b", "store-b").start()
    for hub in (a, b):  # The cloud pushes its catalog to each hub that comes online.
        wait_until(lambda h=hub: h.get(f"/api/products/{BARCODE}")[0] == 200, what="catalog")
        status, _ = hub.post(
            "/api/stock/movements", {"sku": "TEA-250", "delta": 100, "reason": "receipt"}
        )
        assert status == 201
    sold = {"store-a": 0, "store-b": 0}
    for qty in (1, 2, 3):
        for hub in (a, b):
            sell(hub, qty)
            sold[hub.location] += qty

    b.link.cut()  # The van drives into a tunnel: till-b loses the broker, not its customers.
    wait_until(lambda: not b.sync()["connected"], what="till-b to notice the outage")
    for n in range(10):
        sell(b, n % 3 + 1)
        sold["store-b"] += n % 3 + 1
    for qty in (4, 5):
        sell(a, qty)
        sold["store-a"] += qty
    wait_until(a.all_acked, what="till-a's events to be acknowledged")
    assert b.sync()["outbox_depth"] >= 10  # Nothing is lost while offline.

    b.link.restore()
    wait_until(b.all_acked, timeout_s=60, what="till-b to catch up after the outage")

    stock = cloud_api.get("/api/stock/TEA-250").get_json()
    on_hand = {row["location"]: row["on_hand"] for row in stock["locations"]}
    assert on_hand == {"store-a": 100 - sold["store-a"], "store-b": 100 - sold["store-b"]}
    assert stock["total"] == 200 - sum(sold.values())
    for hub in (a, b):  # The hub's own ledger and the cloud agree.
        assert hub.get("/api/stock/TEA-250")[1]["on_hand"] == on_hand[hub.location]
    last = {hub.hub_id: hub.sync()["last_seq"] for hub in (a, b)}
    assert events_in_cloud(pg_url) == {h: (n, n, n) for h, n in last.items()}
    hubs = {row["hub"]: row for row in cloud_api.get("/api/hubs").get_json()["hubs"]}
    for hub_id, n in last.items():
        assert hubs[hub_id]["acked_seq"] == n
        assert not hubs[hub_id]["gap"]
        assert hubs[hub_id]["dead_letters"] == 0

    # A batch delivered again (a QoS 1 redelivery, a hub resend) changes nothing.
    batches = capture.on(Topics("till-a").events)
    acks_before = len(capture.on(Topics("till-a").ack))
    capture.publish(Topics("till-a").events, batches[0])
    wait_until(lambda: len(capture.on(Topics("till-a").ack)) > acks_before, what="an ack")
    assert events_in_cloud(pg_url) == {h: (n, n, n) for h, n in last.items()}
    assert cloud_api.get("/api/stock/TEA-250").get_json() == stock
    capture.close()


def test_garbage_on_a_hubs_topic_is_dead_lettered_and_sales_keep_flowing(
    cloud_api, ingest, make_hub, broker, pg_url
):
    assert cloud_api.post("/api/products", json=TEA).status_code == 201
    a = make_hub("till-a", "store-a").start()
    wait_until(lambda: a.get(f"/api/products/{BARCODE}")[0] == 200, what="catalog")
    rogue = Capture(broker.port, "unused/#")
    for payload in (b"{not json", b'{"v": 9, "hub": "till-a"}', b"\xff" * 10, b"x" * 1_100_000):
        rogue.publish(Topics("till-a").events, payload)
    sell(a, 1)
    wait_until(a.all_acked, what="the sale after the garbage to be acknowledged")
    letters = wait_until(
        lambda: (
            len(rows := cloud_api.get("/api/dead-letters?hub=till-a").get_json()["dead_letters"])
            >= 4
            and rows
        ),
        what="four dead letters",
    )
    reasons = " | ".join(row["reason"] for row in letters)
    assert "not JSON" in reasons
    assert "schema version 9 is not supported" in reasons
    assert "the limit is 1048576" in reasons
    rogue.close()


def test_a_hub_killed_again_and_again_mid_checkout_never_half_writes_a_sale(make_hub, broker):
    hub = make_hub("till-c", "store-c").start()
    fake_cloud = Capture(broker.port, "unused/#")
    wait_until(lambda: hub.sync()["connected"], what="till-c to connect")
    fake_cloud.publish(
        Topics("till-c").cmd,
        encode(CatalogUpdate(version=1, since=0, full=True, products=[CatalogProduct(**TEA)])),
    )
    wait_until(lambda: hub.get(f"/api/products/{BARCODE}")[0] == 200, what="catalog")

    answered: dict[str, dict] = {}  # sale_id -> the receipt the till was given
    carts: dict[str, dict] = {}  # sale_id -> the checkout the till sent
    rng = random.Random(20261125)

    def new_cart() -> dict:
        qty = rng.randint(1, 3)
        sale_id = str(uuid.uuid4())
        carts[sale_id] = {
            "sale_id": sale_id,
            "lines": [{"code": BARCODE, "qty": qty}, {"code": "TEA-250", "qty": 1}],
            "payments": [{"method": "upi", "amount_minor": 14000 * (qty + 1)}],
        }
        return carts[sale_id]

    for _round in range(6):
        stop = threading.Event()

        def checkout_loop(stop=stop) -> None:
            while not stop.is_set():
                cart = new_cart()
                try:
                    status, receipt = hub.post("/api/checkout", cart)
                except (OSError, http.client.HTTPException):
                    return  # The hub died under this checkout; whether it committed is open.
                assert status == 201, receipt
                answered[cart["sale_id"]] = receipt

        client = threading.Thread(target=checkout_loop)
        client.start()
        wait_until(lambda: len(answered) > 0, what="a first sale")
        threading.Event().wait(rng.uniform(0.1, 0.6))
        hub.kill9()  # Power cut, mid-checkout.
        stop.set()
        client.join(10)
        hub.start()
    # The till retries each checkout it got no answer for, unchanged: each one is recorded
    # once, whether or not the hub had committed it before it died.
    for sale_id, cart in carts.items():
        if sale_id not in answered:
            status, receipt = hub.post("/api/checkout", cart)
            assert status in (200, 201), receipt
            answered[sale_id] = receipt
    hub.stop()
    fake_cloud.close()

    db = sqlite3.connect(hub.db_path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    sales = db.execute(
        "SELECT receipt_no, sale_id, seq, total_minor FROM sales ORDER BY receipt_no"
    )
    sales = sales.fetchall()
    assert [s[0] for s in sales] == list(range(1, len(sales) + 1))  # Gap-free receipts.
    assert sorted(s[1] for s in sales) == sorted(carts)  # Each sale exactly once.
    by_id = {s[1]: s for s in sales}
    for sale_id, receipt in answered.items():  # Every answered sale survived the power cuts.
        assert by_id[sale_id][0] == receipt["receipt_no"]
        assert by_id[sale_id][3] == receipt["total_minor"]
    seqs = [row[0] for row in db.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # Gap-free events (no cloud acked any).
    counters = dict(db.execute("SELECT name, value FROM counters"))
    assert counters == {"receipt_no": len(sales), "event_seq": len(seqs)}
    events = {row[0]: row[1] for row in db.execute("SELECT seq, event FROM outbox")}
    for receipt_no, sale_id, seq, total in sales:  # Header, lines, payments, stock, event.
        lines = db.execute(
            "SELECT count(*), sum(total_minor) FROM sale_lines WHERE receipt_no = ?", (receipt_no,)
        ).fetchone()
        assert lines == (2, total)
        paid = db.execute(
            "SELECT sum(amount_minor) FROM sale_payments WHERE receipt_no = ?", (receipt_no,)
        ).fetchone()
        assert paid == (total,)
        moves = db.execute(
            "SELECT count(*) FROM stock_movements WHERE seq = ? AND reason = 'sale'", (seq,)
        ).fetchone()
        assert moves == (2,)
        event = parse_event(events[seq])
        assert (event.type, event.body.receipt_no, str(event.body.sale_id)) == (
            "sale.completed",
            receipt_no,
            sale_id,
        )
    balance = db.execute("SELECT qty FROM stock_balances WHERE sku = 'TEA-250'").fetchone()[0]
    ledger = db.execute("SELECT sum(delta) FROM stock_movements WHERE sku = 'TEA-250'").fetchone()
    assert (balance,) == ledger
    db.close()


@pytest.fixture(autouse=True)
def _no_hub_env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("SHOPFLOOR_"):
            monkeypatch.delenv(key)
