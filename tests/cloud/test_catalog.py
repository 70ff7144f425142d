"""The catalog: versions, barcodes that stay unique, and concurrent changes one at a time."""

from __future__ import annotations

import threading

import pytest

from cloud import catalog
from cloud.errors import Conflict, InvalidFile
from protocols import CatalogProduct

TEA = CatalogProduct(
    sku="TEA-250",
    name="Tea 250 g",
    unit_price_minor=14000,
    tax_rate_bp=500,
    sold_by="unit",
    barcodes=["4006381333931"],
)
RICE = CatalogProduct(
    sku="RICE-1KG", name="Rice 1 kg", unit_price_minor=9000, tax_rate_bp=0, sold_by="unit"
)


def test_each_change_takes_one_version_and_a_no_op_takes_none(sessions):
    with sessions() as session:
        first = catalog.save_products(session, [TEA, RICE])
        again = catalog.save_products(session, [TEA, RICE])
        session.commit()

    assert (first.version, len(first.created), again.version, again.unchanged) == (1, 2, 1, 2)


def test_a_barcode_can_move_between_products_changed_together(sessions):
    with sessions() as session:
        catalog.save_products(session, [TEA, RICE])
        moved = catalog.save_products(
            session,
            [
                CatalogProduct(**{**_fields(TEA), "barcodes": []}),
                CatalogProduct(**{**_fields(RICE), "barcodes": ["4006381333931"]}),
            ],
        )
        session.commit()
        assert [b.code for b in catalog.get_product(session, "RICE-1KG").barcodes] == [
            "4006381333931"
        ]
    assert moved.version == 2


def test_changes_since_a_version_are_exactly_the_products_changed_after_it(sessions):
    with sessions() as session:
        catalog.create_product(session, TEA)
        catalog.create_product(session, RICE)
        catalog.update_product(session, "TEA-250", {"unit_price_minor": 15000})
        session.commit()

        assert [p.sku for p in catalog.list_products(session, since=1)] == ["RICE-1KG", "TEA-250"]
        assert [p.sku for p in catalog.list_products(session, since=2)] == ["TEA-250"]


def test_two_writers_claiming_one_barcode_at_once_get_one_conflict(pg_engine):
    from cloud.db import make_sessionmaker

    sessions = make_sessionmaker(pg_engine)
    first = sessions()
    catalog.create_product(first, TEA)  # Holds the catalog lock until it commits.
    outcome: list[object] = []

    def second_writer() -> None:
        with sessions() as session:
            try:
                catalog.create_product(
                    session, CatalogProduct(**{**_fields(TEA), "sku": "TEA-500"})
                )
                session.commit()
                outcome.append("saved")
            except Conflict as err:
                outcome.append(err)

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # Waiting for the first writer's lock, not racing it.
    first.commit()
    first.close()
    thread.join(10)

    [result] = outcome
    assert isinstance(result, Conflict) and result.field == "barcodes"


def test_a_csv_is_read_whole_or_refused_with_every_problem():
    lines = [
        "sku,name,unit_price_minor,tax_rate_bp,sold_by,barcodes,active",
        "TEA-250,Tea,14000,500,unit,4006381333931 96385074,yes",
        "ONION,Onion,4000,0,weight,,no",
    ]
    products = catalog.read_products_csv(lines)
    assert [(p.sku, p.barcodes, p.active) for p in products] == [
        ("TEA-250", ["4006381333931", "96385074"], True),
        ("ONION", [], False),
    ]

    with pytest.raises(InvalidFile) as err:
        catalog.read_products_csv(["sku,name,price", "A,B,1"], "prices.csv")
    assert err.value.problems == [
        "line 1: missing column(s) unit_price_minor, tax_rate_bp, sold_by",
        "line 1: unknown column(s) price (known: sku, name, unit_price_minor, tax_rate_bp, "
        "sold_by, barcodes, active)",
    ]


def _fields(product: CatalogProduct) -> dict[str, object]:
    import msgspec

    return msgspec.structs.asdict(product)
