"""The ingest worker against a real private Mosquitto and PostgreSQL."""

from __future__ import annotations

import json

import psycopg2
import pytest

from cloud import catalog
from cloud.db import DeadLetter, Event, make_sessionmaker
from cloud.ingest.worker import IngestWorker
from protocols import CatalogProduct
from tests.cloud.factories import batch, sale, sales_batch, status
from tests.cloud.helpers import FakeHub, count, settings
from tests.support import wait_until


@pytest.fixture
def config(tmp_path, broker, pg_url, pg_engine):
    return settings(
        tmp_path,
        **{"database.url": pg_url, "mqtt.port": broker.port, "ingest.retry_s": 0.2},
    )


@pytest.fixture
def start_worker(config):
    workers = []

    def start() -> IngestWorker:
        worker = IngestWorker(config)
        worker.start()
        workers.append(worker)
        assert worker.wait_ready(10), "the worker did not subscribe"
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def hub(broker):
    hub = FakeHub(broker.port)
    yield hub
    hub.close()


@pytest.fixture
def sessions(pg_engine):
    return make_sessionmaker(pg_engine)


def test_the_worker_stores_a_batch_and_publishes_the_retained_ack(
    start_worker, hub, broker, sessions
):
    start_worker()

    hub.send(sales_batch(1, 3))

    assert hub.wait_for_ack(3) == {"seq": 3}
    assert count(sessions, Event) == 3
    late = FakeHub(broker.port)  # A hub reconnecting later still finds its watermark.
    try:
        assert late.wait_for_ack(3) == {"seq": 3}
    finally:
        late.close()


def test_a_bad_payload_is_dead_lettered_and_the_worker_goes_on(start_worker, hub, sessions):
    worker = start_worker()

    hub.send(b"\x00 not a batch")
    hub.send(sales_batch(1, 2))

    hub.wait_for_ack(2)
    assert count(sessions, DeadLetter) == 1
    assert count(sessions, Event) == 2
    assert worker.counts["dead_lettered"] == 1


def test_an_event_the_cloud_refuses_is_not_acknowledged(start_worker, hub, sessions):
    start_worker()
    bad = sale(2)
    bad["body"]["lines"][0]["qty"] = 0.5

    hub.send(batch([sale(1), bad, sale(3)]))

    assert hub.wait_for_ack(1) == {"seq": 1}  # The hub keeps 2 and 3 in its outbox.
    wait_until(lambda: count(sessions, DeadLetter) == 1, what="dead letter")
    assert count(sessions, Event) == 2


def test_two_workers_share_the_load_and_store_everything_once(start_worker, hub, sessions):
    first, second = start_worker(), start_worker()
    batches = [sales_batch(n, n + 49) for n in range(1, 1001, 50)]

    for payload in batches + batches[:5]:  # The first five arrive twice.
        hub.send(payload)

    hub.wait_for_ack(1000)
    wait_until(
        lambda: first.counts["messages"] + second.counts["messages"] == 25, what="resends handled"
    )
    assert count(sessions, Event) == 1000
    assert first.counts["messages"] > 0 and second.counts["messages"] > 0
    stored = first.counts["stored"] + second.counts["stored"]
    duplicates = first.counts["duplicates"] + second.counts["duplicates"]
    assert (stored, duplicates) == (1000, 250)


def test_a_hub_behind_the_catalog_is_sent_an_update(start_worker, hub, sessions):
    with sessions() as session:
        catalog.create_product(
            session,
            CatalogProduct(
                sku="TEA-250", name="Tea", unit_price_minor=14000, tax_rate_bp=500, sold_by="unit"
            ),
        )
        session.commit()
    start_worker()

    hub.send_status(status(catalog_version=0))

    [update] = wait_until(lambda: hub.commands, what="catalog update")
    assert (update["type"], update["version"], update["since"], update["full"]) == (
        "catalog.update",
        1,
        0,
        True,
    )
    assert [p["sku"] for p in update["products"]] == ["TEA-250"]


def test_a_hub_speaking_an_unsupported_protocol_gets_a_refusal(start_worker, hub):
    start_worker()

    hub.send_status(status(protocol=9))

    ack = wait_until(lambda: hub.acks and hub.acks[-1], what="refusal")
    assert ack["seq"] == 0 and "protocol 9 is not supported" in ack["refused"]


def test_a_database_outage_holds_the_batch_until_the_database_is_back(
    start_worker, hub, sessions, pg_url
):
    start_worker()
    hub.send(sales_batch(1, 1))
    hub.wait_for_ack(1)
    name = pg_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(pg_url.replace("+psycopg2", "").rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )

    hub.send(sales_batch(2, 3))  # Arrives while the database is down.
    with pytest.raises(AssertionError):
        hub.wait_for_ack(3, timeout_s=1.5)  # Not stored, so not acknowledged.
    with admin.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    admin.close()

    assert hub.wait_for_ack(3) == {"seq": 3}
    assert count(sessions, Event) == 3


def test_acks_never_step_back(start_worker, hub):
    start_worker()
    events = [sale(n) for n in range(1, 5)]
    hub.send(batch(events))
    hub.wait_for_ack(4)

    hub.send(batch(events[:2]))  # A late duplicate of the start.
    hub.send(batch([sale(5)]))

    hub.wait_for_ack(5)
    seqs = [a["seq"] for a in hub.acks]
    assert seqs == sorted(seqs), json.dumps(hub.acks)
