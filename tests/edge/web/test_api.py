"""The hub's local JSON API, as the till UI calls it."""

from __future__ import annotations

import uuid

import pytest

from tests.edge.helpers import SOAP_BARCODE, TEA_BARCODE


def table_counts(db) -> dict[str, int]:
    tables = ("sales", "sale_lines", "sale_payments", "stock_movements", "outbox")
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


NOTHING = {"sales": 0, "sale_lines": 0, "sale_payments": 0, "stock_movements": 0, "outbox": 0}


def test_health_says_who_answers(client):
    answer = client.get("/api/health")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok" and answer.json["hub"] == "till-1"
    assert answer.json["schema_version"] >= 1


def test_products_are_found_by_name_sku_or_barcode(client):
    assert [p["sku"] for p in client.get("/api/products?q=soap").json["products"]] == ["SOAP"]
    found = client.get(f"/api/products?q={TEA_BARCODE}").json["products"]
    assert [p["sku"] for p in found] == ["TEA-250"] and TEA_BARCODE in found[0]["barcodes"]
    assert len(client.get("/api/products?limit=2").json["products"]) == 2


def test_a_bad_limit_is_a_bad_request(client):
    answer = client.get("/api/products?limit=lots")
    assert answer.status_code == 400 and answer.json["field"] == "limit"


def test_one_product_by_sku_or_barcode(client):
    assert client.get("/api/products/SOAP").json["unit_price_minor"] == 4500
    assert client.get(f"/api/products/{SOAP_BARCODE}").json["sku"] == "SOAP"
    assert client.get("/api/products/OLD-JAM").json["active"] is False
    missing = client.get("/api/products/NOPE")
    assert missing.status_code == 404
    assert missing.json == {
        "error": "not_found",
        "field": "code",
        "reason": "no product has SKU or barcode 'NOPE'",
    }


def test_checkout_records_a_sale_and_answers_with_the_receipt(client, db):
    answer = client.post(
        "/api/checkout",
        json={
            "lines": [{"code": TEA_BARCODE, "qty": 2}, {"code": "RICE-LOOSE", "qty": 500}],
            "payments": [{"method": "cash", "amount_minor": 40000, "reference": None}],
            "cashier": "asha",
        },
    )
    assert answer.status_code == 201
    receipt = answer.json
    assert answer.headers["Location"] == "/api/sales/1"
    assert receipt["receipt_no"] == 1 and receipt["seq"] == 1
    assert receipt["total_minor"] == 28000 + 3275  # 6550/kg x 0.5 kg.
    assert receipt["net_minor"] + receipt["tax_minor"] == receipt["total_minor"]
    assert receipt["change_minor"] == 40000 - 31275
    assert [line["sku"] for line in receipt["lines"]] == ["TEA-250", "RICE-LOOSE"]
    assert receipt["taxes"] == [
        {"rate_bp": 500, "net_minor": 26667 + 3119, "tax_minor": 1333 + 156}
    ]
    assert client.get("/api/sales/1").json == receipt
    assert table_counts(db)["outbox"] == 1


def test_an_unknown_receipt_is_not_found(client):
    answer = client.get("/api/sales/42")
    assert answer.status_code == 404 and answer.json["field"] == "receipt_no"
    assert client.get("/api/sales/abc").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field", "reason"),
    [
        (b"{not json", 400, "", "not JSON"),
        (b"", 400, "", "not JSON"),
        (b"[]", 400, "", "Expected `object`, got `array`"),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1.0}], "payments": []}',
            400,
            "lines.0.qty",
            "Expected `int`, got `float`",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": "1"}], "payments": []}',
            400,
            "lines.0.qty",
            "Expected `int`, got `str`",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 0}], '
            b'"payments": [{"method": "cash", "amount_minor": 1}]}',
            400,
            "lines.0.qty",
            ">= 1",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": -2}], '
            b'"payments": [{"method": "cash", "amount_minor": 1}]}',
            400,
            "lines.0.qty",
            ">= 1",
        ),
        (
            b'{"lines": [], "payments": [{"method": "cash", "amount_minor": 1}]}',
            400,
            "lines",
            "length >= 1",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1}], '
            b'"payments": [{"method": "cash", "amount_minor": 4500.0}]}',
            400,
            "payments.0.amount_minor",
            "Expected `int`, got `float`",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1}], '
            b'"payments": [{"method": "cheque", "amount_minor": 4500}]}',
            400,
            "payments.0.method",
            "Invalid enum value 'cheque'",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1}], '
            b'"payments": [{"method": "cash", "amount_minor": 4500}], "discount": 5}',
            400,
            "discount",
            "is not a field of this schema",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1}, {"code": "NOPE", "qty": 1}], '
            b'"payments": [{"method": "cash", "amount_minor": 9000}]}',
            422,
            "lines.1.code",
            "no product has SKU or barcode 'NOPE'",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 2}], '
            b'"payments": [{"method": "cash", "amount_minor": 4500}]}',
            422,
            "payments",
            "fall short of the total 9000 by 4500",
        ),
        (
            b'{"lines": [{"code": "SOAP", "qty": 1}], '
            b'"payments": [{"method": "card", "amount_minor": 5000}]}',
            422,
            "payments",
            "change can only be given from cash",
        ),
    ],
)
def test_a_bad_checkout_is_answered_naming_the_field_and_stores_nothing(
    client, db, body, status, field, reason
):
    answer = client.post("/api/checkout", data=body, content_type="application/json")
    assert answer.status_code == status
    assert answer.json["error"] == ("invalid_payload" if status == 400 else "refused")
    assert answer.json["field"] == field
    assert reason in answer.json["reason"]
    assert table_counts(db) == NOTHING


def test_a_retried_checkout_answers_with_the_first_receipt(client, db):
    body = {
        "lines": [{"code": "SOAP", "qty": 1}],
        "payments": [{"method": "cash", "amount_minor": 5000}],
        "sale_id": str(uuid.uuid4()),
    }
    first = client.post("/api/checkout", json=body)
    again = client.post("/api/checkout", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["receipt_no"] == first.json["receipt_no"] and again.json["replayed"]
    body["lines"][0]["qty"] = 2
    body["payments"][0]["amount_minor"] = 9000
    clash = client.post("/api/checkout", json=body)
    assert clash.status_code == 409 and clash.json["field"] == "sale_id"
    assert table_counts(db)["sales"] == 1


def test_stock_movements_are_recorded_and_on_hand_follows(client, db):
    answer = client.post(
        "/api/stock/movements",
        json={"sku": "SOAP", "delta": 48, "reason": "receipt", "lot": "B-12", "reference": "DN-1"},
    )
    assert answer.status_code == 201 and answer.json["seq"] == 1
    client.post(
        "/api/checkout",
        json={
            "lines": [{"code": "SOAP", "qty": 3}],
            "payments": [{"method": "cash", "amount_minor": 13500}],
        },
    )
    stock = client.get("/api/stock/SOAP").json
    assert stock["on_hand"] == 45 and stock["location"] == "store-1"
    assert stock["lots"] == [{"lot": None, "qty": -3}, {"lot": "B-12", "qty": 48}]
    assert client.get(f"/api/stock/{SOAP_BARCODE}").json["sku"] == "SOAP"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"sku": "SOAP", "delta": 0, "reason": "receipt"}, 400, "delta"),
        ({"sku": "SOAP", "delta": 1.5, "reason": "receipt"}, 400, "delta"),
        ({"sku": "SOAP", "delta": 2, "reason": "sale"}, 400, "reason"),
        ({"sku": "SOAP", "delta": 2}, 400, "reason"),
        ({"sku": "NOPE", "delta": 2, "reason": "receipt"}, 404, "sku"),
    ],
)
def test_a_bad_movement_is_answered_naming_the_field(client, db, body, status, field):
    answer = client.post("/api/stock/movements", json=body)
    assert answer.status_code == status and answer.json["field"] == field
    assert table_counts(db) == NOTHING


def test_stock_of_an_unknown_product_is_not_found(client):
    assert client.get("/api/stock/NOPE").status_code == 404


def test_sync_shows_how_far_the_outbox_has_reached_the_cloud(client, db):
    client.post("/api/stock/movements", json={"sku": "SOAP", "delta": 5, "reason": "receipt"})
    client.post("/api/stock/movements", json={"sku": "SOAP", "delta": 5, "reason": "receipt"})
    db.execute("UPDATE sync_state SET acked_seq = 1")
    assert client.get("/api/sync").json == {
        "hub": "till-1",
        "last_seq": 2,
        "acked_seq": 1,
        "outbox_depth": 2,
        "connected": False,
        "refused": None,
        "catalog_version": 1,
        "changed_at": None,
    }


def test_an_unknown_route_answers_json(client):
    answer = client.get("/api/nothing-here")
    assert answer.status_code == 404 and answer.json["error"] == "not_found"
