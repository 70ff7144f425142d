"""What the cloud sends down: the ack watermark and the catalog.update command."""

from __future__ import annotations

import pytest

from protocols import (
    Ack,
    CatalogProduct,
    CatalogUpdate,
    InvalidPayload,
    encode,
    parse_ack,
    parse_command,
)
from tests.protocols.samples import ack, catalog_update, changed, dumps


def test_a_catalog_update_parses():
    update = parse_command(dumps(catalog_update()))
    assert isinstance(update, CatalogUpdate)
    assert (update.version, update.since, update.full) == (7, 5, False)
    assert update.products[0].barcodes == ["8901234567890"]


def test_full_active_and_barcodes_have_defaults():
    data = catalog_update()
    del data["full"]
    for name in ("barcodes", "active"):
        del data["products"][0][name]
    update = parse_command(dumps(data))
    assert update.full is False
    assert (update.products[0].barcodes, update.products[0].active) == ([], True)


@pytest.mark.parametrize("code", ["96385074", "036000291452", "4006381333931", "14006381333938"])
def test_a_product_may_carry_any_valid_gtin(code):
    update = parse_command(changed(catalog_update(), "products.0.barcodes", [code]))
    assert update.products[0].barcodes == [code]


@pytest.mark.parametrize("code", ["ABC-123", "12345", "123456789", "0123456789012345"])
def test_a_barcode_that_is_not_gtin_shaped_is_not_checked(code):
    assert parse_command(changed(catalog_update(), "products.0.barcodes", [code]))


CATALOG_BROKEN = [
    ("type", "catalog.delete", "type", "unknown command type 'catalog.delete'"),
    ("version", 0, "version", ">= 1"),
    ("version", 7.0, "version", "got `float`"),
    ("since", -1, "since", ">= 0"),
    ("full", "no", "full", "Expected `bool`"),
    ("products", None, "products", "Expected `array`"),
    ("products.0.sku", "", "products.0.sku", "regex"),
    ("products.0.name", "", "products.0.name", "length >= 1"),
    ("products.0.unit_price_minor", 140.0, "products.0.unit_price_minor", "got `float`"),
    ("products.0.unit_price_minor", -1, "products.0.unit_price_minor", ">= 0"),
    ("products.0.tax_rate_bp", 10_001, "products.0.tax_rate_bp", "<= 10000"),
    ("products.0.sold_by", "box", "products.0.sold_by", "Invalid enum value 'box'"),
    ("products.0.barcodes", ["8901234567893"], "products.0.barcodes", "'8901234567893'"),
    ("products.0.barcodes", ["96385075"], "products.0.barcodes", "check digit"),
    ("products.0.barcodes", ["has space"], "products.0.barcodes.0", "regex"),
    ("products.0.barcodes", ["1"] * 51, "products.0.barcodes", "length <= 50"),
    ("products.0.active", 1, "products.0.active", "Expected `bool`"),
    ("products.0.price", 1, "products.0.price", "is not a field of this schema"),
    ("note", "x", "note", "is not a field of this schema"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), CATALOG_BROKEN)
def test_a_broken_catalog_update_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_command(changed(catalog_update(), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()


@pytest.mark.parametrize("name", ["version", "since", "products"])
def test_every_catalog_update_field_is_required(name):
    with pytest.raises(InvalidPayload) as caught:
        parse_command(changed(catalog_update(), name, drop=True))
    assert (caught.value.field, caught.value.reason) == (name, "is required")


def test_a_command_without_a_type_is_refused():
    with pytest.raises(InvalidPayload) as caught:
        parse_command(changed(catalog_update(), "type", drop=True))
    assert caught.value.field == "type"


def test_a_catalog_update_round_trips():
    update = CatalogUpdate(
        version=2,
        since=1,
        products=[CatalogProduct("RICE-LOOSE", "Sona masoori rice", 6400, 0, "weight")],
        full=True,
    )
    assert parse_command(encode(update)) == update
    assert b'"type":"catalog.update"' in encode(update)


def test_an_ack_parses_with_and_without_a_refusal():
    assert parse_ack(dumps(ack())) == Ack(seq=41)
    assert parse_ack(b'{"seq": 0}').seq == 0  # Nothing stored yet.
    refused = parse_ack(b'{"seq": 9, "refused": "protocol 2 is not supported"}')
    assert refused.refused == "protocol 2 is not supported"
    assert parse_ack(encode(refused)) == refused


ACK_BROKEN = [
    ("seq", -1, "seq", ">= 0"),
    ("seq", 41.0, "seq", "got `float`"),
    ("seq", "41", "seq", "Expected `int`"),
    ("refused", "r" * 501, "refused", "length <= 500"),
    ("refused", 1, "refused", "Expected `str | null`"),
    ("hub", "till-1", "hub", "is not a field of this schema"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), ACK_BROKEN)
def test_a_broken_ack_names_its_field(path, value, field, reason):
    with pytest.raises(InvalidPayload) as caught:
        parse_ack(changed(ack(), path, value))
    assert caught.value.field == field
    assert reason.lower() in caught.value.reason.lower()


def test_an_ack_needs_its_seq():
    with pytest.raises(InvalidPayload) as caught:
        parse_ack(b"{}")
    assert (caught.value.field, caught.value.reason) == ("seq", "is required")
