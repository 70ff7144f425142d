"""Fixtures for the hub's tests: a config, a real SQLite file with a catalog, the web client."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import HubConfig, load_config
from edge.store import apply_update, open_db
from tests.edge.helpers import CATALOG


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
