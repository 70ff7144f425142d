"""A hub's status updates its row; an unsupported protocol gets the hub refused, not misread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cloud import catalog
from cloud.db import DeadLetter, Hub
from protocols import Ack, CatalogProduct
from tests.cloud.factories import events_topic, sales_batch, status, status_topic
from tests.cloud.helpers import count, ingest

TEA = CatalogProduct(
    sku="TEA-250", name="Tea 250 g", unit_price_minor=14000, tax_rate_bp=500, sold_by="unit"
)
RICE = CatalogProduct(
    sku="RICE-1KG", name="Rice 1 kg", unit_price_minor=9000, tax_rate_bp=0, sold_by="unit"
)


def hub_row(sessions, hub: str = "till-1") -> Hub:
    with sessions() as session:
        return session.get(Hub, hub)


def test_an_online_status_fills_in_the_hub(sessions):
    result = ingest(sessions, status_topic(), status(last_seq=42, catalog_version=0))

    assert result.ack is None and result.dead_lettered == 0
    hub = hub_row(sessions)
    assert (hub.online, hub.protocol, hub.software, hub.location) == (True, 1, "0.1.0", "store-a")
    assert (hub.last_seq, hub.catalog_version, hub.refused) == (42, 0, None)
    assert hub.last_seen_at is not None


def test_the_last_will_marks_the_hub_offline_without_touching_its_clock(sessions):
    now = datetime.now(UTC)
    ingest(sessions, status_topic(), status(clock=now), now)

    # The will was written at connect time, so its clock is an hour old by now.
    ingest(sessions, status_topic(), status(state="offline", clock=now - timedelta(hours=1)), now)

    hub = hub_row(sessions)
    assert hub.online is False
    assert hub.clock_off is False and abs(hub.clock_offset_s) < 1


def test_a_status_from_a_hub_with_a_wrong_clock_flags_it(sessions):
    now = datetime.now(UTC)

    result = ingest(sessions, status_topic(), status(clock=now + timedelta(minutes=10)), now)

    assert result.clock_off is True
    assert hub_row(sessions).clock_offset_s == 600


def test_an_unsupported_protocol_gets_the_hub_refused_and_its_events_dead_lettered(sessions):
    ingest(sessions, events_topic(), sales_batch(1, 3))

    refused = ingest(sessions, status_topic(), status(protocol=2))

    assert refused.ack.seq == 3 and "protocol 2 is not supported" in refused.ack.refused
    assert "protocol 2" in hub_row(sessions).refused
    result = ingest(sessions, events_topic(), sales_batch(4, 5))
    assert (result.stored, result.dead_lettered) == (0, 1)
    assert result.ack == Ack(seq=3, refused=refused.ack.refused)  # Nothing misread.


def test_a_newer_status_we_cannot_parse_still_gets_the_hub_refused(sessions):
    # A protocol 3 hub may say things this cloud has never heard of.
    result = ingest(sessions, status_topic(), status(protocol=3, battery_pct=80))

    assert result.ack.refused and "protocol 3" in result.ack.refused
    assert count(sessions, DeadLetter) == 0


def test_a_hub_that_speaks_a_supported_protocol_again_is_read_again(sessions):
    ingest(sessions, status_topic(), status(protocol=2))

    result = ingest(sessions, status_topic(), status(protocol=1))

    assert result.ack == Ack(seq=0)  # Replaces the retained refusal on the ack topic.
    assert hub_row(sessions).refused is None
    assert ingest(sessions, events_topic(), sales_batch(1, 2)).stored == 2


def test_a_broken_status_is_dead_lettered(sessions):
    result = ingest(sessions, status_topic(), status(state="asleep"))

    assert result.dead_lettered == 1
    with sessions() as session:
        letter = session.scalars(select(DeadLetter)).one()
    assert (letter.hub_id, letter.field) == ("till-1", "state")


def test_a_hub_behind_the_catalog_is_sent_what_it_lacks(sessions):
    with sessions() as session:
        catalog.create_product(session, TEA)  # Version 1.
        catalog.create_product(session, RICE)  # Version 2.
        session.commit()

    fresh = ingest(sessions, status_topic(), status(catalog_version=0)).catalog_update
    behind = ingest(sessions, status_topic(), status(catalog_version=1)).catalog_update
    current = ingest(sessions, status_topic(), status(catalog_version=2)).catalog_update

    assert (fresh.full, fresh.since, fresh.version) == (True, 0, 2)
    assert [p.sku for p in fresh.products] == ["RICE-1KG", "TEA-250"]
    assert (behind.full, behind.since, behind.version) == (False, 1, 2)
    assert behind.products == [RICE]
    assert current is None
