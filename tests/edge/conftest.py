"""Fixtures for the hub tests: config, a SQLite file with a catalog, web client, fake cloud."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import HubConfig, load_config
from edge.store import apply_update, open_db
from edge.sync import Sync
from tests.edge.helpers import CATALOG, FakeCloud


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., HubConfig]:
    """Build a hub config whose database lives in this test's tmp_path; sections as kwargs."""

    def make(**sections: dict[str, Any]) -> HubConfig:
        overrides: dict[str, dict[str, Any]] = {
            "hub": {"id": "till-1", "location": "store-1"},
            "store": {"db_path": str(tmp_path / "hub.db")},
        }
        for name, values in sections.items():
            overrides.setdefault(name, {}).update(values)
        return load_config(env={}, overrides=overrides)

    return make


@pytest.fixture
def config(make_config: Callable[..., HubConfig]) -> HubConfig:
    return make_config()


@pytest.fixture
def db(config: HubConfig) -> Iterator[sqlite3.Connection]:
    """The hub's database, migrated and holding CATALOG."""
    conn = open_db(config.store.db_path)
    apply_update(conn, CATALOG)
    yield conn
    conn.close()


@pytest.fixture
def client(config: HubConfig, db: sqlite3.Connection):
    """A Flask test client on the hub's web app, over the same database as `db`."""
    from edge.web import create_app

    app = create_app(config, {"TESTING": True})
    return app.test_client()


@pytest.fixture
def sync_config(make_config: Callable[..., HubConfig], broker) -> Callable[..., HubConfig]:
    """A hub config pointing at the test's broker, with short timers; sections as kwargs."""

    def make(**sections: dict[str, Any]) -> HubConfig:
        mqtt = {"host": broker.host, "port": broker.port, "reconnect_max_s": 2}
        sync = {"resend_after_s": 2.0, "poll_s": 0.05}
        return make_config(
            mqtt=mqtt | sections.pop("mqtt", {}), sync=sync | sections.pop("sync", {}), **sections
        )

    return make


@pytest.fixture
def cloud(broker) -> Iterator[FakeCloud]:
    fake = FakeCloud(broker.port)
    yield fake
    fake.close()


@pytest.fixture
def start_sync() -> Iterator[Callable[[HubConfig], Sync]]:
    """Start a hub's sync; every one started is stopped at the end of the test."""
    started: list[Sync] = []

    def start(config: HubConfig) -> Sync:
        sync = Sync(config).start()
        started.append(sync)
        return sync

    yield start
    for sync in started:
        sync.stop()
