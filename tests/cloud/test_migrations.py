"""`shopfloor cloud migrate` builds the schema on an empty database, and does nothing twice."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cloud.db import Base, current_revision, head_revision, make_engine, migrate


def test_migrations_build_the_schema_on_a_fresh_database_and_are_idempotent(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None

    assert migrate(engine) == head_revision()
    assert migrate(engine) == head_revision()  # Again: nothing to do, nothing breaks.

    tables = set(inspect(engine).get_table_names())
    assert {"hubs", "events", "stock_balances", "dead_letters", "products", "barcodes"} <= tables
    engine.dispose()


def test_the_migrated_schema_matches_the_models(engine):
    # Autogenerate finds nothing to do: a change to models.py needs its own migration.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
