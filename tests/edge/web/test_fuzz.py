"""Whatever a browser or a broken till posts, the API answers 4xx JSON, never a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
line = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["SOAP", "TEA-250", "NOPE", "", "OLD-JAM"]) | st.text(),
        "qty": st.integers(-2, 10**10) | st.floats() | st.text(),
    }
)
payment = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["cash", "card", "upi", "other", "cheque"]),
        "amount_minor": st.integers(-1, 10**16) | st.floats(),
    }
)
carts = st.fixed_dictionaries(
    {"lines": st.lists(line, max_size=3), "payments": st.lists(payment, max_size=3)},
    optional={"cashier": st.text() | st.none(), "sale_id": st.uuids().map(str) | st.text()},
)


def assert_answered(answer) -> None:
    assert answer.status_code in (201, 400, 404, 409, 422), answer.data
    if answer.status_code != 201:
        assert set(answer.json) == {"error", "field", "reason"} and answer.json["reason"]


@FUZZ
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_at_checkout(client, raw):
    assert_answered(client.post("/api/checkout", data=raw, content_type="application/json"))


@FUZZ
@given(value=json_values)
def test_arbitrary_json_at_checkout_and_movements(client, value):
    body = json.dumps(value)
    assert_answered(client.post("/api/checkout", data=body, content_type="application/json"))
    assert_answered(client.post("/api/stock/movements", data=body, content_type="application/json"))


@FUZZ
@given(cart=carts)
def test_cart_shaped_json_at_checkout(client, db, cart):
    answer = client.post("/api/checkout", json=cart)
    assert_answered(answer)
    if answer.status_code == 201:
        receipt = answer.json
        paid = sum(p["amount_minor"] for p in receipt["payments"])
        assert paid - receipt["change_minor"] == receipt["total_minor"]
