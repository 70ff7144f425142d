"""The hub's sync against a real Mosquitto: batches up, acks and commands down, outages."""

from __future__ import annotations

import json
import logging

import msgspec

from edge.cart import cart
from edge.store import catalog_version, checkout, sync_state
from protocols import MAX_BATCH_BYTES, PROTOCOL_VERSION, CatalogProduct, CatalogUpdate
from tests.support import wait_until

HUB = "till-1"


def sell(db, config, n: int) -> None:
    for _ in range(n):
        checkout(db, config, cart([("MILK-1L", 1), ("SOAP", 2)], [("cash", 20000)]))


def outbox_seqs(db) -> list[int]:
    return [row[0] for row in db.execute("SELECT seq FROM outbox ORDER BY seq")]


def test_the_hub_announces_itself_online_with_its_catalog_and_last_seq(
    db, sync_config, cloud, start_sync
):
    config = sync_config()
    sell(db, config, 3)
    start_sync(config)
    status = wait_until(lambda: cloud.last_status(HUB), what="the hub's status")
    assert status.state == "online" and status.protocol == PROTOCOL_VERSION
    assert (status.catalog_version, status.last_seq) == (1, 3)
    assert status.location == "store-1" and status.software == config.hub.software
    wait_until(lambda: sync_state(db).connected, what="the link to be recorded as up")


def test_a_connected_hub_refreshes_its_status_so_the_cloud_sees_its_backlog(
    db, sync_config, cloud, start_sync
):
    config = sync_config(sync={"status_every_s": 1.0})
    start_sync(config)
    wait_until(lambda: cloud.last_status(HUB), what="the hub's first status")
    first = cloud.last_status(HUB).last_seq
    sell(db, config, 2)  # No reconnect and no catalog change: only the timer says so.
    status = wait_until(
        lambda: (s := cloud.last_status(HUB)) and s.last_seq == first + 2 and s,
        what="a status with the new last seq",
    )
    assert status.state == "online"


def test_the_outbox_reaches_the_cloud_in_batches_with_the_right_envelopes(
    db, sync_config, cloud, start_sync
):
    config = sync_config(sync={"batch_max_events": 4})
    sell(db, config, 10)
    start_sync(config)
    wait_until(lambda: cloud.seqs(HUB) >= set(range(1, 11)), what="seqs 1..10 at the cloud")
    for batch in cloud.batches:
        assert batch.hub == HUB and batch.v == 1
        assert 1 <= len(batch.events) <= 4
        seqs = [e.seq for e in batch.events]
        assert seqs == sorted(seqs) and seqs == list(range(seqs[0], seqs[-1] + 1))
        assert all(e.hub == HUB and e.body.location == "store-1" for e in batch.events)
    assert [e.seq for e in cloud.batches[0].events] == [1, 2, 3, 4]
    assert {type(e).__name__ for e in cloud.events(HUB)} == {"SaleCompletedEvent"}


def test_batches_stay_within_the_byte_limit(db, sync_config, cloud, start_sync):
    config = sync_config(sync={"batch_max_bytes": 4096, "max_inflight_batches": 1})
    sell(db, config, 20)
    start_sync(config)
    wait_until(lambda: cloud.seqs(HUB) >= set(range(1, 21)), what="seqs 1..20 at the cloud")
    assert len(cloud.raw_batches) > 1
    assert all(len(raw) <= 4096 < MAX_BATCH_BYTES for raw in cloud.raw_batches)


def test_an_ack_prunes_the_outbox_exactly_up_to_it(db, sync_config, cloud, start_sync):
    config = sync_config()
    sell(db, config, 6)
    start_sync(config)
    wait_until(lambda: cloud.seqs(HUB) >= set(range(1, 7)), what="seqs 1..6 at the cloud")
    cloud.ack(HUB, 4)
    wait_until(lambda: sync_state(db).acked_seq == 4, what="the ack to be recorded")
    assert outbox_seqs(db) == [5, 6]  # Not one beyond the watermark.
    cloud.ack(HUB, 6)
    wait_until(lambda: outbox_seqs(db) == [], what="the outbox to empty")
    state = sync_state(db)
    assert (state.last_seq, state.acked_seq, state.outbox_depth) == (6, 6, 0)


def test_sales_during_a_broker_outage_are_resent_and_arrive(
    db, sync_config, broker, cloud, start_sync
):
    cloud.auto_ack = True  # Like the real ingest: ack the highest contiguous seq stored.
    config = sync_config()
    start_sync(config)
    sell(db, config, 5)
    wait_until(lambda: sync_state(db).acked_seq == 5, what="the first sales to be acked")

    broker.stop()
    wait_until(lambda: not sync_state(db).connected, what="the link to be recorded as down")
    sell(db, config, 5)  # The till does not wait for the broker.
    assert outbox_seqs(db) == [6, 7, 8, 9, 10]

    broker.start()
    wait_until(lambda: sync_state(db).acked_seq == 10, 30, "the outage's sales to be acked")
    assert cloud.seqs(HUB) >= set(range(1, 11))
    assert outbox_seqs(db) == []
    assert sync_state(db).connected


def test_without_an_ack_the_hub_resends_from_the_watermark(db, sync_config, cloud, start_sync):
    config = sync_config(sync={"resend_after_s": 1.0})
    sell(db, config, 3)
    start_sync(config)
    wait_until(lambda: cloud.seqs(HUB) >= {1, 2, 3}, what="seqs 1..3 at the cloud")
    cloud.ack(HUB, 1)
    # Seqs 2 and 3 reached the cloud but were never acknowledged: they come again.
    wait_until(
        lambda: sum(1 for e in cloud.events(HUB) if e.seq == 2) >= 2, 15, "a resend of seq 2"
    )
    assert outbox_seqs(db) == [2, 3]
    resent = [b for b in cloud.batches[1:] if b.events[0].seq == 2]
    assert resent, "a resend starts at the watermark + 1"


def test_a_catalog_update_on_cmd_is_applied_and_announced(db, sync_config, cloud, start_sync):
    start_sync(sync_config())
    wait_until(lambda: cloud.last_status(HUB), what="the hub's status")
    update = CatalogUpdate(
        version=2,
        since=1,
        products=[
            CatalogProduct(
                sku="SOAP",
                name="Bath soap",
                unit_price_minor=4800,
                tax_rate_bp=1800,
                sold_by="unit",
            ),
        ],
    )
    cloud.command(HUB, msgspec.json.encode(update))
    wait_until(lambda: catalog_version(db) == 2, what="the update to be applied")
    wait_until(lambda: cloud.last_status(HUB).catalog_version == 2, what="a status with version 2")
    price = db.execute("SELECT unit_price_minor FROM products WHERE sku = 'SOAP'").fetchone()[0]
    assert price == 4800


def test_commands_sent_while_the_hub_is_away_arrive_when_it_returns(
    db, sync_config, cloud, start_sync
):
    config = sync_config()
    first = start_sync(config)
    wait_until(lambda: sync_state(db).connected, what="the first connection")
    first.stop()  # The broker keeps the session (7 days) and queues commands for it.
    update = CatalogUpdate(version=5, since=0, products=[])
    cloud.command(HUB, msgspec.json.encode(update))
    start_sync(config)
    wait_until(lambda: catalog_version(db) == 5, what="the queued command to be applied")


def test_garbage_on_ack_and_cmd_is_logged_and_skipped(db, sync_config, cloud, start_sync, caplog):
    caplog.set_level(logging.WARNING, logger="edge.sync")
    config = sync_config()
    sell(db, config, 3)
    sync = start_sync(config)
    wait_until(lambda: cloud.seqs(HUB) >= {1, 2, 3}, what="seqs 1..3 at the cloud")
    for junk in (
        b"\xff\xfe",
        b"[]",
        b'{"seq": 2.0}',
        b'{"seq": -1}',
        b'{"sq": 3}',
        b'{"seq": 3, "refused": "\xff"}',
    ):
        cloud.publish(f"sf/v1/hub/{HUB}/ack", junk, retain=True)
    for junk in (
        b"reboot",
        b'{"type": {}}',
        b'{"type": "catalog.update", "version": 2, "since": 1, "products": [], "x": "\x80"}',
        b'{"type": "catalog.update"}',
        b'{"type": "self.destruct"}',
        json.dumps(
            {
                "type": "catalog.update",
                "version": 2,
                "since": 1,
                "products": [
                    {
                        "sku": "X",
                        "name": "X",
                        "unit_price_minor": 1.5,
                        "tax_rate_bp": 0,
                        "sold_by": "unit",
                    }
                ],
            }
        ).encode(),
    ):
        cloud.command(HUB, junk)
    # The thread is still working: a good ack and a good command after the junk both apply.
    cloud.ack(HUB, 2)
    cloud.command(HUB, msgspec.json.encode(CatalogUpdate(version=3, since=0, products=[])))
    wait_until(lambda: sync_state(db).acked_seq == 2, what="the good ack")
    wait_until(lambda: catalog_version(db) == 3, what="the good command")
    assert outbox_seqs(db) == [3]
    assert sync.connected
    assert "Unexpected error" not in caplog.text  # Every piece of junk was expected junk.
    assert "Ack refused: seq: Expected `int`, got `float`" in caplog.text
    assert "Command refused: products.0.unit_price_minor: Expected `int`, got `float`" in (
        caplog.text
    )


def test_a_refusal_from_the_cloud_is_shown_and_the_outbox_kept(db, sync_config, cloud, start_sync):
    config = sync_config()
    sell(db, config, 2)
    start_sync(config)
    cloud.ack(HUB, 0, refused="protocol 1 is not supported by this cloud")
    wait_until(lambda: sync_state(db).refused, what="the refusal to be recorded")
    assert sync_state(db).refused == "protocol 1 is not supported by this cloud"
    assert outbox_seqs(db) == [1, 2]


def test_a_clean_stop_leaves_a_retained_offline_status(db, sync_config, broker, start_sync):
    from tests.edge.helpers import retained_status

    sync = start_sync(sync_config())
    wait_until(lambda: sync_state(db).connected, what="the connection")
    assert retained_status(broker.port, HUB).state == "online"
    sync.stop()
    assert retained_status(broker.port, HUB).state == "offline"
    assert not sync_state(db).connected


def test_a_goodbye_the_broker_did_not_confirm_still_leaves_the_hub_offline(
    db, sync_config, broker, start_sync
):
    from tests.edge.helpers import retained_status

    sync = start_sync(sync_config())
    wait_until(lambda: sync_state(db).connected, what="the connection")
    assert retained_status(broker.port, HUB).state == "online"
    # What a stop does when its offline status was not confirmed in time: the broker is
    # asked to publish the will, since a clean disconnect would leave "online" retained.
    sync.link.stop(with_will=True)
    wait_until(
        lambda: retained_status(broker.port, HUB).state == "offline", what="the will published"
    )


def test_a_command_that_meets_a_busy_database_is_applied_once_it_frees(
    db, sync_config, cloud, start_sync, caplog
):
    from edge.store import connect

    config = sync_config(store={"busy_timeout_s": 0.2})
    start_sync(config)
    wait_until(lambda: sync_state(db).connected, what="the connection")
    blocker = connect(config.store.db_path)
    blocker.execute("BEGIN IMMEDIATE")  # Another process holds the write lock.
    try:
        cloud.command(HUB, msgspec.json.encode(CatalogUpdate(version=2, since=1, products=[])))
        wait_until(lambda: "Command not applied yet" in caplog.text, what="a first try")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    wait_until(lambda: catalog_version(db) == 2, what="the command to be applied")
