"""The cloud's tables: hubs, the events ledger, stock balances, dead letters and the catalog.

Portable between PostgreSQL and SQLite: JSON (not JSONB, which is twice as slow to insert),
`Uuid`, and times stored in UTC. Money and quantities are BigInteger, never float.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Names for every constraint, so migrations (and SQLite's batch mode) can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HUB_ID = String(63)
CODE = String(64)
# SQLite gives an automatic id only to a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime kept in UTC; SQLite stores no offset, so UTC is implied there."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"datetime {value!r} has no time zone; the cloud stores aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {int: BigInteger, datetime: UtcDateTime, dict[str, Any]: JSON}


class Hub(Base):
    """One hub as the cloud sees it: what it last said about itself and how far it is stored.

    `acked_seq` is the contiguous watermark (every seq up to it is stored), `highest_seq` the
    highest stored seq (above the watermark while a gap is open), `last_seq` the highest seq
    the hub says it has assigned. `clock_offset_s` is the hub's clock minus the cloud's.
    """

    __tablename__ = "hubs"

    id: Mapped[str] = mapped_column(HUB_ID, primary_key=True)
    location: Mapped[str | None] = mapped_column(CODE)
    protocol: Mapped[int | None] = mapped_column(Integer)
    software: Mapped[str | None] = mapped_column(String(40))
    catalog_version: Mapped[int] = mapped_column(server_default=text("0"))
    online: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    last_seen_at: Mapped[datetime | None]
    acked_seq: Mapped[int] = mapped_column(server_default=text("0"))
    highest_seq: Mapped[int] = mapped_column(server_default=text("0"))
    last_seq: Mapped[int] = mapped_column(server_default=text("0"))
    clock_offset_s: Mapped[float | None] = mapped_column(Float)
    clock_off: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    refused: Mapped[str | None] = mapped_column(String(500))


class Event(Base):
    """The ledger: every event a hub sent, stored once per (hub_id, seq).

    `occurred_at` is the hub's clock (it may be wrong), `received_at` the cloud's. `hub_id`
    names a row of hubs, which ingest creates before the hub's first event, in the same
    transaction; it is not declared a foreign key because checking one on every row costs
    about a fifth of PostgreSQL's time per stored event.
    """

    __tablename__ = "events"

    hub_id: Mapped[str] = mapped_column(HUB_ID, primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    body: Mapped[dict[str, Any]]


class StockBalance(Base):
    """On-hand quantity per SKU and location, materialised from the events ledger."""

    __tablename__ = "stock_balances"

    sku: Mapped[str] = mapped_column(CODE, primary_key=True)
    location: Mapped[str] = mapped_column(CODE, primary_key=True)
    qty: Mapped[int]


class DeadLetter(Base):
    """A message (or one event of a batch) the cloud refused, with the field and the reason.

    A repeat of the same hub and seq, or of the same payload on the same topic when the seq is
    unknown, counts another attempt on the existing row.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    hub_id: Mapped[str | None] = mapped_column(HUB_ID, index=True)
    seq: Mapped[int | None]
    topic: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(server_default=text("1"))

    __table_args__ = (
        Index(
            "uq_dead_letters_hub_id_seq",
            "hub_id",
            "seq",
            unique=True,
            postgresql_where=text("seq IS NOT NULL"),
            sqlite_where=text("seq IS NOT NULL"),
        ),
        Index(
            "uq_dead_letters_payload_sha256",
            "payload_sha256",
            unique=True,
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )


class Catalog(Base):
    """A single row holding the catalog version; every product change increments it."""

    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(server_default=text("0"))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class Product(Base):
    """A product as the cloud owns it; `version` is the catalog version of its last change."""

    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_price_minor: Mapped[int]
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    sold_by: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(index=True)
    barcodes: Mapped[list[Barcode]] = relationship(
        order_by="Barcode.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("sold_by IN ('unit', 'weight')", name="sold_by"),
        CheckConstraint("unit_price_minor >= 0", name="price_not_negative"),
    )


class Barcode(Base):
    """A code printed on a product; each code belongs to exactly one product."""

    __tablename__ = "barcodes"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    sku: Mapped[str] = mapped_column(
        CODE, ForeignKey("products.sku", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
