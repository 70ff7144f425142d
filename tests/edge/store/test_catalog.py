"""Catalog updates from the cloud: atomic, idempotent, and only in order."""

from __future__ import annotations

import msgspec
import pytest

from edge.store import apply_update, catalog_version, find_product, get_product, search_products
from protocols import CatalogProduct, CatalogUpdate
from tests.edge.helpers import SOAP_BARCODE, TEA_BARCODE, TEA_BOX_BARCODE


def product(sku: str, price: int = 1000, **kw) -> CatalogProduct:
    fields = {"name": f"Product {sku}", "tax_rate_bp": 500, "sold_by": "unit"} | kw
    return CatalogProduct(sku=sku, unit_price_minor=price, **fields)


def test_the_fixture_catalog_is_applied(db):
    assert catalog_version(db) == 1
    tea = get_product(db, TEA_BARCODE)
    assert tea.sku == "TEA-250" and set(tea.barcodes) == {TEA_BARCODE, TEA_BOX_BARCODE}
    assert find_product(db, "OLD-JAM").active is False


def test_an_update_upserts_products_and_replaces_their_barcodes(db):
    changed = apply_update(
        db,
        CatalogUpdate(
            version=2,
            since=1,
            products=[
                product("TEA-250", 15000, name="Tea 250 g", barcodes=[TEA_BARCODE]),
                product("COFFEE", 30000, barcodes=["COF-1"]),
            ],
        ),
    )
    assert changed and catalog_version(db) == 2
    tea = get_product(db, "TEA-250")
    assert tea.unit_price_minor == 15000 and tea.barcodes == (TEA_BARCODE,)
    assert find_product(db, TEA_BOX_BARCODE) is None  # Its old second barcode is gone.
    assert find_product(db, "COF-1").sku == "COFFEE"
    assert find_product(db, "SOAP").active  # Not listed, not full: untouched.


def test_the_same_update_twice_changes_nothing_the_second_time(db):
    update = CatalogUpdate(version=2, since=1, products=[product("SOAP", 5000)])
    assert apply_update(db, update)
    db.execute("UPDATE products SET unit_price_minor = 1 WHERE sku = 'SOAP'")  # A marker.
    assert not apply_update(db, update)
    assert find_product(db, "SOAP").unit_price_minor == 1


def test_an_older_update_is_ignored(db):
    apply_update(db, CatalogUpdate(version=5, since=0, products=[product("SOAP", 5000)]))
    assert not apply_update(db, CatalogUpdate(version=3, since=1, products=[product("SOAP", 1)]))
    assert find_product(db, "SOAP").unit_price_minor == 5000 and catalog_version(db) == 5


def test_an_update_starting_after_this_hubs_version_waits_for_a_fuller_one(db, caplog):
    gap = CatalogUpdate(version=4, since=3, products=[product("SOAP", 1)])
    assert not apply_update(db, gap)
    assert catalog_version(db) == 1 and find_product(db, "SOAP").unit_price_minor == 4500
    assert "cannot be applied to version 1" in caplog.text


def test_a_full_update_archives_what_it_does_not_list(db):
    apply_update(db, CatalogUpdate(version=9, since=0, full=True, products=[product("SOAP", 4700)]))
    assert [p.sku for p in search_products(db, "")] == ["SOAP"]
    tea = find_product(db, "TEA-250")
    assert tea is not None and not tea.active  # Archived, not deleted: old sales name it.
    # An archived product comes back when a later update lists it.
    apply_update(db, CatalogUpdate(version=10, since=9, products=[product("TEA-250", 14000)]))
    assert find_product(db, "TEA-250").active


def test_a_barcode_can_move_to_another_product(db):
    apply_update(
        db,
        CatalogUpdate(version=2, since=1, products=[product("SOAP-2", barcodes=[SOAP_BARCODE])]),
    )
    assert find_product(db, SOAP_BARCODE).sku == "SOAP-2"


def test_an_update_is_all_or_nothing(db):
    # The second product breaks a table rule; built without the contract's own check.
    worse = msgspec.structs.replace(product("WORSE"), tax_rate_bp=20_000)
    bad = CatalogUpdate(version=2, since=1, products=[product("NEW"), worse])
    with pytest.raises(Exception, match="CHECK constraint"):
        apply_update(db, bad)
    assert find_product(db, "NEW") is None and catalog_version(db) == 1


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("tea", ["TEA-250"]),
        ("SOAP", ["SOAP"]),
        (TEA_BOX_BARCODE, ["TEA-250"]),
        ("l", ["MILK-1L", "RICE-LOOSE"]),  # In their names, ordered by name.
        ("100%", []),
        ("jam", []),  # Archived products are not offered.
    ],
)
def test_search_finds_by_name_sku_or_barcode(db, query, skus):
    assert [p.sku for p in search_products(db, query)] == skus
