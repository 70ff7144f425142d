"""One SQLite connection per request, kept on `g` and closed at teardown."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from flask import Flask, current_app, g

from ..config import HubConfig
from ..store import connect, open_db


def hub_config() -> HubConfig:
    return current_app.config["HUB_CONFIG"]


def get_db() -> sqlite3.Connection:
    """This request's connection, opened on first use."""
    if "db" not in g:
        store = hub_config().store
        g.db = connect(store.db_path, busy_timeout_s=store.busy_timeout_s)
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    store = app.config["HUB_CONFIG"].store
    with closing(open_db(store.db_path, busy_timeout_s=store.busy_timeout_s)):
        pass
    app.teardown_appcontext(close_db)
