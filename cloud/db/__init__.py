"""The cloud database: engine and session factory, models, and migrations to the latest schema."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .models import (
    Barcode,
    Base,
    Catalog,
    DeadLetter,
    Event,
    Hub,
    Product,
    StockBalance,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(
    url: str, *, pool_size: int = 5, echo: bool = False, pre_ping: bool = True
) -> Engine:
    """Open an engine on PostgreSQL or SQLite, set up for the cloud's transactions.

    SQLite gets WAL (readers do not block the writer), a busy timeout, enforced foreign keys
    and BEGIN IMMEDIATE, so a transaction takes the write lock when it starts rather than
    failing half-way when two workers write at once.

    `pre_ping` tests each pooled PostgreSQL connection before use. Ingest turns it off: it
    saves a round trip per batch, and a dead connection fails the batch, which is retried.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping, echo=echo
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (views render them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision and return it; running it again is a no-op."""
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None before the first migration."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


__all__ = [
    "Barcode",
    "Base",
    "Catalog",
    "DeadLetter",
    "Event",
    "Hub",
    "Product",
    "StockBalance",
    "current_revision",
    "head_revision",
    "make_engine",
    "make_sessionmaker",
    "migrate",
]
