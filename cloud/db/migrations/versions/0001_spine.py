"""The spine: hubs, the events ledger, stock balances, dead letters and the catalog.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hubs",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("location", sa.String(64), nullable=True),
        sa.Column("protocol", sa.Integer(), nullable=True),
        sa.Column("software", sa.String(40), nullable=True),
        sa.Column("catalog_version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("online", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_seen_at", AT, nullable=True),
        sa.Column("acked_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("highest_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("clock_off", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("refused", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
    )
    op.create_table(
        "events",
        sa.Column("hub_id", sa.String(63), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("occurred_at", AT, nullable=False),
        sa.Column("received_at", AT, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "seq", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
    )
    op.create_table(
        "stock_balances",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "location", name=op.f("pk_stock_balances")),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("hub_id", sa.String(63), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("first_seen_at", AT, nullable=False),
        sa.Column("last_seen_at", AT, nullable=False),
        sa.Column("attempts", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters") as batch:
        batch.create_index(batch.f("ix_dead_letters_hub_id"), ["hub_id"])
        # A repeat of a known (hub, seq), or of an unnumbered payload, adds an attempt.
        batch.create_index(
            "uq_dead_letters_hub_id_seq",
            ["hub_id", "seq"],
            unique=True,
            postgresql_where=sa.text("seq IS NOT NULL"),
            sqlite_where=sa.text("seq IS NOT NULL"),
        )
        batch.create_index(
            "uq_dead_letters_payload_sha256",
            ["payload_sha256"],
            unique=True,
            postgresql_where=sa.text("seq IS NULL"),
            sqlite_where=sa.text("seq IS NULL"),
        )
    catalog = op.create_table(
        "catalog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalog_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog")),
    )
    op.bulk_insert(catalog, [{"id": 1, "version": 0}])
    op.create_table(
        "products",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("sold_by", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("sold_by IN ('unit', 'weight')", name=op.f("ck_products_sold_by")),
        sa.CheckConstraint("unit_price_minor >= 0", name=op.f("ck_products_price_not_negative")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products") as batch:
        batch.create_index(batch.f("ix_products_version"), ["version"])
    op.create_table(
        "barcodes",
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_barcodes_sku_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_barcodes")),
    )
    with op.batch_alter_table("barcodes") as batch:
        batch.create_index(batch.f("ix_barcodes_sku"), ["sku"])


def downgrade() -> None:
    for table in ("barcodes", "products", "catalog", "dead_letters", "stock_balances"):
        op.drop_table(table)
    op.drop_table("events")
    op.drop_table("hubs")
