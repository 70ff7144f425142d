"""The hub's copy of the cloud's catalog: products, their barcodes and the catalog version."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass

from protocols import CatalogUpdate

from .db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Product:
    """A product as the till sells it; for sold_by "weight" the price is per kilogram."""

    sku: str
    name: str
    unit_price_minor: int
    tax_rate_bp: int
    sold_by: str
    active: bool
    barcodes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "sku": self.sku,
            "name": self.name,
            "unit_price_minor": self.unit_price_minor,
            "tax_rate_bp": self.tax_rate_bp,
            "sold_by": self.sold_by,
            "active": self.active,
            "barcodes": list(self.barcodes),
        }


_COLUMNS = "p.sku, p.name, p.unit_price_minor, p.tax_rate_bp, p.sold_by, p.active"
_WITH_BARCODES = (
    f"SELECT {_COLUMNS}, (SELECT json_group_array(code) FROM "
    "(SELECT code FROM barcodes b WHERE b.sku = p.sku ORDER BY code)) AS barcodes "
    "FROM products p"
)


def _product(row: sqlite3.Row, *, with_barcodes: bool = False) -> Product:
    return Product(
        sku=row["sku"],
        name=row["name"],
        unit_price_minor=row["unit_price_minor"],
        tax_rate_bp=row["tax_rate_bp"],
        sold_by=row["sold_by"],
        active=bool(row["active"]),
        barcodes=tuple(json.loads(row["barcodes"])) if with_barcodes else (),
    )


def catalog_version(db: sqlite3.Connection) -> int:
    """The catalog version this hub runs (0 before the first update)."""
    return db.execute("SELECT value FROM meta WHERE key = 'catalog_version'").fetchone()[0]


def find_product(db: sqlite3.Connection, code: str) -> Product | None:
    """The product whose SKU is `code`, else the one with barcode `code`, else None.

    Barcodes are not loaded; this is the till's hot path. Archived products are returned
    too (with active False) so the caller can say why one cannot be sold.
    """
    row = db.execute(f"SELECT {_COLUMNS} FROM products p WHERE p.sku = ?", (code,)).fetchone()
    if row is None:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM barcodes b JOIN products p ON p.sku = b.sku WHERE b.code = ?",
            (code,),
        ).fetchone()
    return None if row is None else _product(row)


def get_product(db: sqlite3.Connection, code: str) -> Product | None:
    """Like find_product, with the product's barcodes."""
    found = find_product(db, code)
    if found is None:
        return None
    row = db.execute(f"{_WITH_BARCODES} WHERE p.sku = ?", (found.sku,)).fetchone()
    return _product(row, with_barcodes=True)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_products(
    db: sqlite3.Connection, query: str, *, limit: int = 20, include_archived: bool = False
) -> list[Product]:
    """Products whose barcode is `query`, or whose SKU or name contains it, by name.

    An exact barcode or SKU match comes first, since that is what a scan produces.
    """
    pattern = _like(query)
    rows = db.execute(
        f"{_WITH_BARCODES} WHERE (? OR p.active) AND ("
        "p.sku = ? OR p.sku IN (SELECT sku FROM barcodes WHERE code = ?) "
        "OR p.sku LIKE ? ESCAPE '\\' OR p.name LIKE ? ESCAPE '\\') "
        "ORDER BY (p.sku = ? OR p.sku IN (SELECT sku FROM barcodes WHERE code = ?)) DESC, "
        "p.name COLLATE NOCASE, p.sku LIMIT ?",
        (include_archived, query, query, pattern, pattern, query, query, limit),
    ).fetchall()
    return [_product(row, with_barcodes=True) for row in rows]


def apply_update(db: sqlite3.Connection, update: CatalogUpdate) -> bool:
    """Apply a catalog.update in one transaction; return whether anything changed.

    Idempotent: an update this hub already has (version at or below its own) is ignored, and
    so is one that starts after this hub's version (`since` above it), which the hub cannot
    apply without the changes in between; its status keeps announcing the old version so the
    cloud sends a fuller update. Listed products are upserted and their barcodes replaced;
    with `full`, every product not listed is archived (kept, so old sales still name it).
    """
    with transaction(db):
        current = catalog_version(db)
        if update.version <= current:
            log.info(
                "Catalog update to version %d ignored: this hub already runs version %d",
                update.version,
                current,
            )
            return False
        if current < update.since:
            log.warning(
                "Catalog update %d..%d cannot be applied to version %d; waiting for a fuller one",
                update.since,
                update.version,
                current,
            )
            return False
        db.executemany(
            "INSERT INTO products "
            "(sku, name, unit_price_minor, tax_rate_bp, sold_by, active, catalog_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sku) DO UPDATE SET name = excluded.name, "
            "unit_price_minor = excluded.unit_price_minor, tax_rate_bp = excluded.tax_rate_bp, "
            "sold_by = excluded.sold_by, active = excluded.active, "
            "catalog_version = excluded.catalog_version",
            [
                (
                    p.sku,
                    p.name,
                    p.unit_price_minor,
                    p.tax_rate_bp,
                    p.sold_by,
                    int(p.active),
                    update.version,
                )
                for p in update.products
            ],
        )
        db.executemany("DELETE FROM barcodes WHERE sku = ?", [(p.sku,) for p in update.products])
        # A barcode may move from an unlisted product to a listed one; the code keeps its key.
        db.executemany(
            "INSERT INTO barcodes (code, sku) VALUES (?, ?) "
            "ON CONFLICT (code) DO UPDATE SET sku = excluded.sku",
            [(code, p.sku) for p in update.products for code in p.barcodes],
        )
        archived = 0
        if update.full:
            archived = db.execute(
                "UPDATE products SET active = 0, catalog_version = ? WHERE active = 1 "
                "AND sku NOT IN (SELECT value FROM json_each(?))",
                (update.version, json.dumps([p.sku for p in update.products])),
            ).rowcount
        db.execute("UPDATE meta SET value = ? WHERE key = 'catalog_version'", (update.version,))
    log.info(
        "Catalog updated from version %d to %d: %d products changed, %d archived",
        current,
        update.version,
        len(update.products),
        archived,
    )
    return True
