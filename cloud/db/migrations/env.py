"""Alembic's entry: migrate the connection it is handed, or the database the settings name.

SQLite cannot alter most of a table in place, so every migration runs in batch mode
(copy, change, swap), which works the same on PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from cloud.db.models import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    # Run by the alembic command line: use the cloud's own settings.
    from cloud.config import load_config
    from cloud.db import make_engine

    config = load_config()
    engine = make_engine(config.database.url)
    with engine.begin() as connection:
        _migrate(connection)
    engine.dispose()


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
