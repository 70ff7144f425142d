"""The catalog the cloud owns: products, their barcodes and the catalog version.

Every change increments the catalog version once and stamps each changed product with it, so
"what changed after version N" is a plain query, and a hub that reports version N can be
brought up to date with exactly those products.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from protocols import CatalogProduct, InvalidPayload
from protocols.errors import decode, from_msgspec

from .db import Barcode, Catalog, Product
from .errors import Conflict, InvalidFile, NotFound

log = logging.getLogger(__name__)

_product = msgspec.json.Decoder(CatalogProduct)


def parse_product(data: bytes | Mapping[str, Any]) -> CatalogProduct:
    """Check a product against the contract's rules; raise InvalidPayload naming the field."""
    if isinstance(data, bytes | bytearray | str):
        product = decode(_product, data)
    else:
        try:
            product = msgspec.convert(data, CatalogProduct)
        except msgspec.ValidationError as err:
            raise from_msgspec(err) from None
    repeated = sorted({c for c in product.barcodes if product.barcodes.count(c) > 1})
    if repeated:
        raise InvalidPayload("barcodes", f"{', '.join(repeated)} listed more than once")
    return product


def current_version(session: Session) -> int:
    return session.execute(select(Catalog.version).where(Catalog.id == 1)).scalar_one()


def lock_catalog(session: Session) -> int:
    """Lock the catalog for this transaction and return its version.

    Every change takes this lock before it reads anything, so concurrent changes happen one
    after the other and each sees the ones before it: no lost update, no SKU or barcode
    taken twice. (SQLite has no row locks, but its transactions begin IMMEDIATE.)
    """
    query = select(Catalog.version).where(Catalog.id == 1).with_for_update()
    return session.execute(query).scalar_one()


def as_catalog_product(product: Product) -> CatalogProduct:
    return CatalogProduct(
        sku=product.sku,
        name=product.name,
        unit_price_minor=product.unit_price_minor,
        tax_rate_bp=product.tax_rate_bp,
        sold_by=product.sold_by,  # type: ignore[arg-type]
        barcodes=[b.code for b in product.barcodes],
        active=product.active,
    )


def product_dict(product: Product) -> dict[str, Any]:
    """A product as the API and CLI show it: its catalog fields and its version."""
    return msgspec.structs.asdict(as_catalog_product(product)) | {"version": product.version}


def get_product(session: Session, sku: str) -> Product:
    product = session.get(Product, sku)
    if product is None:
        raise NotFound(f"product {sku!r} does not exist")
    return product


def list_products(session: Session, *, since: int = 0) -> list[Product]:
    """Products in SKU order; with `since`, only those changed after that catalog version."""
    query = select(Product).order_by(Product.sku)
    if since:
        query = query.where(Product.version > since)
    return list(session.scalars(query))


def create_product(session: Session, product: CatalogProduct) -> Product:
    """Add a new product; raise Conflict if its SKU or one of its barcodes is taken."""
    lock_catalog(session)
    if session.get(Product, product.sku) is not None:
        raise Conflict("sku", f"product {product.sku!r} already exists; update it instead")
    return save_products(session, [product]).changed[0]


def update_product(session: Session, sku: str, changes: Mapping[str, Any]) -> Product:
    """Change some fields of a product; fields not named keep their value.

    The merged product is checked like a new one. A change that changes nothing does not
    take a new catalog version.
    """
    lock_catalog(session)
    existing = get_product(session, sku)
    if "sku" in changes and changes["sku"] != sku:
        raise InvalidPayload("sku", f"cannot change a product's sku ({sku!r}); add a new product")
    merged = msgspec.structs.asdict(as_catalog_product(existing)) | dict(changes)
    product = parse_product(msgspec.json.encode(merged))
    result = save_products(session, [product])
    return result.changed[0] if result.changed else existing


@dataclass(frozen=True)
class SaveResult:
    created: list[Product]
    changed: list[Product]  # Created and updated, in the order given.
    unchanged: int
    version: int  # The catalog version after the save.


def save_products(session: Session, products: Iterable[CatalogProduct]) -> SaveResult:
    """Create or update products under one new catalog version; raise Conflict on a barcode.

    Products identical to what is stored are left alone; if nothing differs, the catalog
    version stays where it was.
    """
    current = lock_catalog(session)
    products = list(products)
    skus = [p.sku for p in products]
    repeated = sorted({s for s in skus if skus.count(s) > 1})
    if repeated:
        raise InvalidPayload("sku", f"{', '.join(repeated)} given more than once")
    existing = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    todo = [
        p for p in products if p.sku not in existing or as_catalog_product(existing[p.sku]) != p
    ]
    if not todo:
        return SaveResult([], [], len(products), current)
    _check_barcodes(session, todo)
    version = current + 1
    session.execute(update(Catalog).where(Catalog.id == 1).values(version=version))
    created, changed, relabelled = [], [], []
    for new in todo:
        row = existing.get(new.sku)
        if row is None:
            row = Product(sku=new.sku)
            session.add(row)
            created.append(row)
        row.name = new.name
        row.unit_price_minor = new.unit_price_minor
        row.tax_rate_bp = new.tax_rate_bp
        row.sold_by = new.sold_by
        row.active = new.active
        row.version = version
        if [b.code for b in row.barcodes] != list(new.barcodes):
            row.barcodes = []
            relabelled.append((row, new.barcodes))
        changed.append(row)
    if relabelled:
        # Free every old code first: a code may move from one product of this save to another.
        session.flush()
        for row, codes in relabelled:
            row.barcodes = [Barcode(code=c, position=i) for i, c in enumerate(codes)]
    session.flush()
    log.info(
        "catalog version %d: %d product(s) created, %d updated",
        version,
        len(created),
        len(changed) - len(created),
    )
    return SaveResult(created, changed, len(products) - len(todo), version)


def _check_barcodes(session: Session, products: list[CatalogProduct]) -> None:
    """Raise Conflict when a barcode is given to two products, here or with what is stored."""
    owner: dict[str, str] = {}
    for product in products:
        for code in product.barcodes:
            if owner.setdefault(code, product.sku) != product.sku:
                raise Conflict(
                    "barcodes", f"barcode {code} is given to both {owner[code]} and {product.sku}"
                )
    if not owner:
        return
    taken = session.execute(select(Barcode.code, Barcode.sku).where(Barcode.code.in_(owner)))
    moving = {p.sku for p in products}
    for code, sku in taken:
        # A barcode may move between two products that change together.
        if sku != owner[code] and sku not in moving:
            raise Conflict("barcodes", f"barcode {code} already belongs to product {sku}")


CSV_COLUMNS = ("sku", "name", "unit_price_minor", "tax_rate_bp", "sold_by", "barcodes", "active")
_CSV_REQUIRED = ("sku", "name", "unit_price_minor", "tax_rate_bp", "sold_by")
_CSV_INTS = ("unit_price_minor", "tax_rate_bp")
_CSV_BOOLS = {
    "": True,
    "1": True,
    "true": True,
    "yes": True,
    "0": False,
    "false": False,
    "no": False,
}


def read_products_csv(lines: Iterable[str], path: str = "<csv>") -> list[CatalogProduct]:
    """Read products from CSV with a header row; raise InvalidFile listing every bad row.

    Columns: sku, name, unit_price_minor, tax_rate_bp, sold_by, and optionally barcodes
    (separated by spaces, `;` or `|`) and active (true/false, default true). Prices are whole
    minor units: `14000`, never `140.00`.
    """
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    problems = []
    missing = [c for c in _CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(
            f"line 1: unknown column(s) {', '.join(unknown)} (known: {', '.join(CSV_COLUMNS)})"
        )
    if problems:
        raise InvalidFile(path, problems)
    products: list[CatalogProduct] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"line {line}: more fields than the header has columns")
            continue
        data: dict[str, Any] = {k: (v or "").strip() for k, v in row.items()}
        try:
            for name in _CSV_INTS:
                if not re.fullmatch(r"-?\d+", data[name]):
                    raise InvalidPayload(name, f"must be a whole number, got {data[name]!r}")
                data[name] = int(data[name])
            data["barcodes"] = [c for c in re.split(r"[\s;|]+", data.get("barcodes", "")) if c]
            active = data.get("active", "").lower()
            if active not in _CSV_BOOLS:
                raise InvalidPayload("active", f"must be true or false, got {active!r}")
            data["active"] = _CSV_BOOLS[active]
            product = parse_product(data)
        except InvalidPayload as err:
            problems.append(f"line {line}: {err}")
            continue
        if product.sku in first_line:
            problems.append(
                f"line {line}: sku {product.sku} is already on line {first_line[product.sku]}"
            )
            continue
        first_line[product.sku] = line
        products.append(product)
    if problems:
        raise InvalidFile(path, problems)
    return products
