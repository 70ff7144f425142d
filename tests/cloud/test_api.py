"""The HTTP API on PostgreSQL, with catalog changes published to a fake hub on a real broker."""

from __future__ import annotations

import pytest

from cloud.api import create_app
from cloud.db import make_sessionmaker
from tests.cloud.factories import (
    batch,
    events_topic,
    moved,
    sale,
    sales_batch,
    status,
    status_topic,
)
from tests.cloud.helpers import FakeHub, ingest, settings
from tests.support import wait_until

TEA = {
    "sku": "TEA-250",
    "name": "Assam tea 250 g",
    "unit_price_minor": 14000,
    "tax_rate_bp": 500,
    "sold_by": "unit",
    "barcodes": ["4006381333931"],
}


@pytest.fixture
def app(tmp_path, pg_url, pg_engine, broker):
    config = settings(tmp_path, **{"database.url": pg_url, "mqtt.port": broker.port})
    app = create_app(config, {"TESTING": True})
    yield app
    app.extensions["shopfloor.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sessions(pg_engine):
    return make_sessionmaker(pg_engine)


def test_health_says_ok_on_a_migrated_database(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_health_says_what_to_run_on_a_database_without_the_schema(tmp_path, pg_url):
    app = create_app(settings(tmp_path, **{"database.url": pg_url}), {"TESTING": True})

    response = app.test_client().get("/api/health")

    assert response.status_code == 503
    assert "shopfloor cloud migrate" in response.json["reason"]
    app.extensions["shopfloor.engine"].dispose()


def test_stock_is_shown_per_location_and_in_total(client, sessions):
    ingest(sessions, events_topic(), batch([moved(1, "TEA-250", 30), sale(2, [("TEA-250", 4)])]))
    ingest(
        sessions,
        events_topic("van-1"),
        batch([moved(1, "TEA-250", 6, "van-1", hub="van-1")], hub="van-1"),
    )

    response = client.get("/api/stock/TEA-250")

    assert response.status_code == 200
    assert response.json == {
        "sku": "TEA-250",
        "locations": [
            {"location": "store-a", "on_hand": 26},
            {"location": "van-1", "on_hand": 6},
        ],
        "total": 32,
    }


def test_stock_of_an_unknown_sku_is_404_and_of_a_product_without_stock_zero(client):
    assert client.get("/api/stock/NOPE").status_code == 404
    client.post("/api/products", json=TEA)

    response = client.get("/api/stock/TEA-250")

    assert response.json == {"sku": "TEA-250", "locations": [], "total": 0}


def test_the_hubs_list_shows_watermark_backlog_and_an_open_gap(client, sessions):
    ingest(sessions, status_topic(), status(last_seq=9))
    ingest(sessions, events_topic(), sales_batch(1, 3))
    ingest(sessions, events_topic(), sales_batch(6, 7))  # 4 and 5 never arrive.
    ingest(sessions, events_topic(), b"garbage")

    [hub] = client.get("/api/hubs").json["hubs"]

    assert hub["hub"] == "till-1" and hub["location"] == "store-a" and hub["online"] is True
    assert (hub["acked_seq"], hub["highest_seq"], hub["last_seq"]) == (3, 7, 9)
    assert (hub["backlog"], hub["gap"], hub["first_missing_seq"]) == (6, True, 4)
    assert (hub["protocol"], hub["software"], hub["catalog_version"]) == (1, "0.1.0", 0)
    assert hub["refused"] is None and hub["clock_off"] is False
    assert abs(hub["clock_offset_s"]) < 5
    assert hub["dead_letters"] == 1
    assert hub["last_seen_at"].endswith("Z")


def test_dead_letters_can_be_listed_per_hub(client, sessions):
    ingest(sessions, events_topic(), b"garbage")
    ingest(sessions, events_topic("till-2"), b"{}")

    everything = client.get("/api/dead-letters").json["dead_letters"]
    mine = client.get("/api/dead-letters?hub=till-1").json["dead_letters"]

    assert len(everything) == 2
    [letter] = mine
    assert (letter["hub"], letter["attempts"], letter["payload_preview"]) == (
        "till-1",
        1,
        "garbage",
    )
    assert "not JSON" in letter["reason"]
    assert client.get("/api/dead-letters?limit=0").status_code == 400


def test_a_new_product_is_created_at_a_new_catalog_version(client):
    response = client.post("/api/products", json=TEA)

    assert response.status_code == 201
    assert response.json["product"] == TEA | {"active": True, "version": 1}
    assert response.json["catalog_version"] == 1
    assert client.get("/api/products").json["products"] == [TEA | {"active": True, "version": 1}]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"unit_price_minor": 140.0}, "unit_price_minor", "Expected `int`, got `float`"),
        ({"unit_price_minor": -1}, "unit_price_minor", ">= 0"),
        ({"sold_by": "litre"}, "sold_by", "Invalid enum value 'litre'"),
        ({"tax_rate_bp": 10_001}, "tax_rate_bp", "<= 10000"),
        ({"name": ""}, "name", "length >= 1"),
        ({"sku": "has space"}, "sku", "regex"),
        ({"colour": "red"}, "colour", "is not a field of this schema"),
        ({"barcodes": ["4006381333932"]}, "barcodes", "check digit is wrong"),
        ({"barcodes": ["4006381333931", "4006381333931"]}, "barcodes", "more than once"),
    ],
)
def test_an_invalid_product_is_refused_naming_the_field(client, change, field, reason):
    response = client.post("/api/products", json=TEA | change)

    assert response.status_code == 400
    assert response.json["error"] == "invalid_payload"
    assert response.json["field"] == field
    assert reason in response.json["reason"]


def test_a_body_that_is_not_json_is_refused(client):
    response = client.post("/api/products", data=b"sku=TEA", content_type="text/plain")

    assert response.status_code == 400
    assert "not JSON" in response.json["reason"]


def test_a_taken_sku_or_barcode_is_a_conflict(client):
    client.post("/api/products", json=TEA)

    same_sku = client.post("/api/products", json=TEA | {"barcodes": []})
    same_barcode = client.post("/api/products", json=TEA | {"sku": "TEA-500"})

    assert (same_sku.status_code, same_sku.json["field"]) == (409, "sku")
    assert (same_barcode.status_code, same_barcode.json["field"]) == (409, "barcodes")
    assert "already belongs to product TEA-250" in same_barcode.json["reason"]


def test_an_update_changes_only_the_fields_given_and_takes_a_new_version(client):
    client.post("/api/products", json=TEA)

    response = client.put("/api/products/TEA-250", json={"unit_price_minor": 15000})
    unchanged = client.put("/api/products/TEA-250", json={"unit_price_minor": 15000})

    assert response.status_code == 200
    assert response.json["product"] == TEA | {
        "unit_price_minor": 15000,
        "active": True,
        "version": 2,
    }
    assert unchanged.json["catalog_version"] == 2  # Nothing changed, so no new version.


@pytest.mark.parametrize(
    ("sku", "body", "status_code", "field"),
    [
        ("TEA-250", {"unit_price_minor": "15000"}, 400, "unit_price_minor"),
        ("TEA-250", {"sku": "TEA-999"}, 400, "sku"),
        ("TEA-250", [1, 2], 400, ""),
        ("NOPE", {"unit_price_minor": 1}, 404, None),
    ],
)
def test_a_bad_update_is_refused(client, sku, body, status_code, field):
    client.post("/api/products", json=TEA)

    response = client.put(f"/api/products/{sku}", json=body)

    assert response.status_code == status_code
    if field is not None:
        assert response.json["field"] == field


def test_a_catalog_change_is_published_to_the_hubs_that_lack_it(client, sessions, broker):
    hub = FakeHub(broker.port)
    try:
        ingest(sessions, status_topic(), status(catalog_version=0))
        created = client.post("/api/products", json=TEA)
        ingest(sessions, status_topic(), status(catalog_version=1))  # The hub applied it.

        changed = client.put("/api/products/TEA-250", json={"active": False})

        assert created.json["pushed_to"] == ["till-1"]
        assert changed.json["pushed_to"] == ["till-1"]
        full, delta = wait_until(lambda: len(hub.commands) >= 2 and hub.commands, what="updates")
        assert (full["type"], full["version"], full["since"], full["full"]) == (
            "catalog.update",
            1,
            0,
            True,
        )
        assert (delta["version"], delta["since"], delta["full"]) == (2, 1, False)
        assert delta["products"] == [TEA | {"active": False}]
    finally:
        hub.close()


def test_a_catalog_change_is_saved_when_the_broker_is_down(client, sessions, broker):
    ingest(sessions, status_topic(), status(catalog_version=0))
    broker.stop()

    response = client.post("/api/products", json=TEA)

    assert response.status_code == 201
    assert response.json["pushed_to"] == []  # The hub gets it when it next reports its version.
    assert client.get("/api/products").json["catalog_version"] == 1
