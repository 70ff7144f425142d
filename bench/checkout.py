"""Checkouts/s of 5-line carts through the hub's checkout service, against raw SQLite.

The ceiling does the same durable writes (WAL, synchronous=FULL) with every value computed in
advance: one transaction per cart with the sale header, 5 lines, a payment, 5 movements,
5 balance upserts, two counters and one outbox row of the same size.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import hub_with_catalog, percentile, sample_cart  # noqa: E402

CARTS = int(os.environ.get("BENCH_CHECKOUTS", "3000"))

RAW_SCHEMA = """
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters VALUES ('receipt_no', 0), ('seq', 0);
CREATE TABLE sales (receipt_no INTEGER PRIMARY KEY, sale_id TEXT, at TEXT, cashier TEXT,
    net_minor INTEGER, tax_minor INTEGER, total_minor INTEGER, change_minor INTEGER);
CREATE TABLE sale_lines (receipt_no INTEGER, line_no INTEGER, sku TEXT, name TEXT, qty INTEGER,
    unit_price_minor INTEGER, tax_rate_bp INTEGER, net_minor INTEGER, tax_minor INTEGER,
    total_minor INTEGER, PRIMARY KEY (receipt_no, line_no));
CREATE TABLE sale_payments (receipt_no INTEGER, n INTEGER, method TEXT, amount_minor INTEGER,
    reference TEXT, PRIMARY KEY (receipt_no, n));
CREATE TABLE movements (id INTEGER PRIMARY KEY, sku TEXT, location TEXT, lot TEXT,
    delta INTEGER, reason TEXT, reference TEXT, at TEXT);
CREATE TABLE balances (sku TEXT, location TEXT, lot TEXT, qty INTEGER,
    PRIMARY KEY (sku, location, lot));
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, event_id TEXT, type TEXT, payload TEXT);
"""


def raw_ceiling(path: Path, carts: int, payload: str) -> list[float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(RAW_SCHEMA)
    lines = [(f"SKU-{i}", f"Product {i}", 2, 4500, 500, 8571, 429, 9000) for i in range(5)]
    latencies = []
    for n in range(carts):
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE counters SET value = value + 1 WHERE name = 'receipt_no'")
        rno = db.execute("SELECT value FROM counters WHERE name = 'receipt_no'").fetchone()[0]
        db.execute(
            "INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (rno, f"sale-{n}", "2026-11-25T00:00:00Z", "till", 42855, 2145, 45000, 0),
        )
        for i, line in enumerate(lines, 1):
            db.execute(
                "INSERT INTO sale_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (rno, i, *line)
            )
            db.execute(
                "INSERT INTO movements (sku, location, lot, delta, reason, reference, at) "
                "VALUES (?, 'store', '', ?, 'sale', ?, ?)",
                (line[0], -line[2], str(rno), "2026-11-25T00:00:00Z"),
            )
            db.execute(
                "INSERT INTO balances VALUES (?, 'store', '', ?) ON CONFLICT DO UPDATE "
                "SET qty = qty + excluded.qty",
                (line[0], -line[2]),
            )
        db.execute("INSERT INTO sale_payments VALUES (?, 1, 'cash', 45000, NULL)", (rno,))
        db.execute("UPDATE counters SET value = value + 1 WHERE name = 'seq'")
        seq = db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        db.execute(
            "INSERT INTO outbox VALUES (?, ?, 'sale.completed', ?)", (seq, f"ev-{n}", payload)
        )
        db.execute("COMMIT")
        latencies.append(time.perf_counter() - start)
    db.close()
    return latencies


def service(path: Path, carts: int) -> tuple[list[float], str]:
    from edge.store import checkout, open_db, read_batch

    config, skus = hub_with_catalog(path)
    db = open_db(path)

    cart = sample_cart(skus)
    latencies = []
    for _ in range(carts):
        start = time.perf_counter()
        checkout(db, config, cart)
        latencies.append(time.perf_counter() - start)
    payload = read_batch(db, after_seq=1, max_events=1, max_bytes=10**6)[0][1]
    db.close()
    return latencies, payload


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, payload = service(Path(tmp) / "hub.db", CARTS)
        raw = raw_ceiling(Path(tmp) / "raw.db", CARTS, payload)
        ours_ps = len(ours) / sum(ours)
        raw_ps = len(raw) / sum(raw)
        print(f"checkout_per_s={ours_ps:.0f}")
        print(f"checkout_p50_ms={statistics.median(ours) * 1000:.3f}")
        print(f"checkout_p99_ms={percentile(ours, 99) * 1000:.3f}")
        print(f"checkout_ceiling_per_s={raw_ps:.0f}")
        print(f"checkout_ceiling_p99_ms={percentile(raw, 99) * 1000:.3f}")
        print(f"checkout_ratio={ours_ps / raw_ps:.3f}")


if __name__ == "__main__":
    main()
