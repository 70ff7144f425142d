"""A hub with 100,000 outbox events reconnects: time until all are in PostgreSQL exactly once.

The pipeline is the real one: the hub's sync thread reads its SQLite outbox and publishes
batches to a private Mosquitto; two `shopfloor cloud ingest` workers share the subscription,
validate, store and acknowledge. The ceiling is a raw `INSERT ... ON CONFLICT DO NOTHING` of
the same rows, in batches of the same size, into a table of the same shape, in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2
import psycopg2.extras

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import hub_with_catalog  # noqa: E402

EVENTS = int(os.environ.get("BENCH_DRAIN_EVENTS", "100000"))
WORKERS = int(os.environ.get("BENCH_DRAIN_WORKERS", "2"))
PG_ADMIN_URL = os.environ.get(
    "SHOPFLOOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
HUB = "bench-hub"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(tmp: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 100000\nmessage_size_limit 0\n"
    )
    proc = subprocess.Popen(
        [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    raise SystemExit(f"mosquitto did not listen on {port}")


def fill_outbox(db_path: Path, config, skus: list[str], events: int) -> None:
    """Record one real checkout, then append `events` - 1 more sale events of its shape."""
    from edge.cart import cart
    from edge.store import append_event, checkout, open_db, read_batch, transaction

    db = open_db(db_path)
    checkout(db, config, cart([(sku, 2) for sku in skus], [("cash", 10**7)]))
    first = json.loads(read_batch(db, 0, 10, 10**6)[-1][1])
    body = first["body"]
    with transaction(db):
        db.execute("DELETE FROM outbox")  # The hub.status and the real sale are redone below.
        db.execute("UPDATE counters SET value = 0 WHERE name = 'event_seq'")
        for n in range(1, events + 1):
            append_event(
                db, HUB, "sale.completed", {**body, "sale_id": str(uuid.uuid4()), "receipt_no": n}
            )
    db.close()


def start_workers(db_url: str, mqtt_port: int, tmp: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SHOPFLOOR_CLOUD_MQTT_PORT": str(mqtt_port),
        "SHOPFLOOR_CLOUD_DATA_DIR": str(tmp),
    }
    procs, logs = [], []
    for n in range(WORKERS):
        log = tmp / f"ingest-{n}.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "shopfloor_cli", "cloud", "ingest"],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all("connected" in log.read_text() for log in logs):
            time.sleep(0.5)  # The SUBSCRIBE follows the CONNACK.
            return procs
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.1)
    for p in procs:
        p.kill()
    raise SystemExit(
        "ingest workers did not connect:\n" + "\n".join(log.read_text() for log in logs)
    )


def stored_through(cur) -> int:
    """The cloud's watermark for the hub: every seq up to it is committed in PostgreSQL.

    Cheaper to poll than counting rows, which would steal the database's CPU from ingest.
    """
    cur.execute("SELECT acked_seq FROM hubs WHERE id = %s", (HUB,))
    row = cur.fetchone()
    return row[0] if row else 0


def pipeline(db_url: str, dsn: str, hub_db: Path, config, tmp: Path) -> float:
    from edge.store import open_db, sync_state
    from edge.sync import Sync

    broker, port = start_broker(tmp)
    workers = start_workers(db_url, port, tmp)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    try:
        sync_config = config.__class__(
            **{
                **config.__dict__,
                "mqtt": config.mqtt.__class__(**{**config.mqtt.__dict__, "port": port}),
            }
        )
        start = time.perf_counter()
        with Sync(sync_config):
            deadline = time.monotonic() + 600
            while (n := stored_through(cur)) < EVENTS:
                if time.monotonic() > deadline:
                    raise SystemExit(f"drain stalled: {n} of {EVENTS} events in PostgreSQL")
                time.sleep(0.02)
            elapsed = time.perf_counter() - start
            db = open_db(hub_db)
            while sync_state(db).acked_seq < EVENTS and time.monotonic() < deadline:
                time.sleep(0.05)
            acked = sync_state(db).acked_seq
            db.close()
        cur.execute(
            "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM events "
            "WHERE hub_id = %s",
            (HUB,),
        )
        total, distinct, low, high = cur.fetchone()
        if (total, distinct, low, high) != (EVENTS, EVENTS, 1, EVENTS) or acked != EVENTS:
            raise SystemExit(
                f"not exactly once: {total} rows, {distinct} distinct seqs {low}..{high}, "
                f"hub acked {acked}"
            )
        return elapsed
    finally:
        for p in workers:
            p.terminate()
        for p in workers:
            p.wait(timeout=30)
        broker.terminate()
        broker.wait(timeout=10)
        conn.close()


def ceiling(dsn: str, hub_db: Path, batch_events: int) -> float:
    """Raw INSERT ... ON CONFLICT DO NOTHING of the same events, batch by batch."""
    import sqlite3

    src = sqlite3.connect(hub_db)
    rows = []
    for (event,) in src.execute("SELECT event FROM outbox_copy ORDER BY seq"):
        e = json.loads(event)
        rows.append((e["hub"], e["seq"], e["id"], e["type"], e["at"], json.dumps(e["body"])))
    src.close()
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute(
        "CREATE TABLE raw_events (hub_id text, seq bigint, event_id uuid UNIQUE, type text, "
        "occurred_at timestamptz, received_at timestamptz DEFAULT now(), body json, "
        "PRIMARY KEY (hub_id, seq))"
    )
    conn.commit()
    start = time.perf_counter()
    for i in range(0, len(rows), batch_events):
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO raw_events (hub_id, seq, event_id, type, occurred_at, body) "
            "VALUES %s ON CONFLICT DO NOTHING",
            rows[i : i + batch_events],
            page_size=batch_events,
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    from sqlalchemy import create_engine

    from cloud.db import migrate

    name = f"sf_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    dsn = PG_ADMIN_URL.rpartition("/")[0] + f"/{name}"
    db_url = dsn.replace("postgresql://", "postgresql+psycopg2://", 1)
    try:
        engine = create_engine(db_url)
        migrate(engine)
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            hub_db = tmp / "hub.db"
            config, skus = hub_with_catalog(hub_db, HUB)
            fill_outbox(hub_db, config, skus, EVENTS)
            # The pipeline prunes the outbox; keep the events for the ceiling.
            import sqlite3

            keep = sqlite3.connect(hub_db)
            keep.execute("CREATE TABLE outbox_copy AS SELECT * FROM outbox")
            keep.commit()
            keep.close()
            ours = pipeline(db_url, dsn, hub_db, config, tmp)
            raw = ceiling(dsn, hub_db, config.sync.batch_max_events)
        print(f"drain_events={EVENTS}")
        print(f"drain_seconds={ours:.2f}")
        print(f"drain_events_per_s={EVENTS / ours:.0f}")
        print(f"drain_ceiling_events_per_s={EVENTS / raw:.0f}")
        print(f"drain_ratio={raw / ours:.3f}")
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
