"""Opening, migrating and the one transaction helper that nests with savepoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.errors import StoreError
from edge.store import connect, migrate, open_db, schema_version, transaction
from edge.store.db import migrations


def test_a_new_database_is_created_with_its_folder_and_migrated(tmp_path: Path):
    path = tmp_path / "var" / "lib" / "hub.db"
    db = open_db(path)
    assert path.exists()
    assert schema_version(db) == len(migrations()) >= 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()


def test_migrating_again_changes_nothing(tmp_path: Path):
    path = tmp_path / "hub.db"
    open_db(path).close()
    db = connect(path)
    tables = db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(db) == len(migrations())
    assert db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall() == tables
    assert db.execute("SELECT value FROM counters WHERE name = 'event_seq'").fetchone()[0] == 0
    db.close()


def test_migrations_are_numbered_from_one_without_gaps():
    assert [number for number, _, _ in migrations()] == list(range(1, len(migrations()) + 1))


def test_a_database_from_newer_software_is_refused(tmp_path: Path):
    db = open_db(tmp_path / "hub.db")
    db.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer than this hub software"):
        migrate(db)
    db.close()


def test_transaction_commits_on_success_and_rolls_back_on_error(tmp_path: Path):
    db = open_db(tmp_path / "hub.db")
    with transaction(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('a', 1)")
    with pytest.raises(ZeroDivisionError), transaction(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('b', 2)")
        1 / 0  # noqa: B018
    keys = {row[0] for row in db.execute("SELECT key FROM meta")}
    assert "a" in keys and "b" not in keys
    assert not db.in_transaction
    db.close()


def test_a_nested_transaction_rolls_back_only_its_own_work(tmp_path: Path):
    db = open_db(tmp_path / "hub.db")
    with transaction(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('outer', 1)")
        with pytest.raises(ValueError), transaction(db):
            db.execute("INSERT INTO meta (key, value) VALUES ('inner', 2)")
            raise ValueError("inner fails")
        assert db.in_transaction  # The outer transaction goes on.
    keys = {row[0] for row in db.execute("SELECT key FROM meta")}
    assert "outer" in keys and "inner" not in keys
    db.close()


def test_a_write_transaction_takes_the_lock_before_reading(tmp_path: Path):
    # BEGIN IMMEDIATE: a second writer waits (here: fails fast) instead of reading a counter
    # that the first is about to change.
    path = tmp_path / "hub.db"
    first = open_db(path)
    second = connect(path, busy_timeout_s=0.05)
    with transaction(first):
        with pytest.raises(sqlite3.OperationalError, match="locked"), transaction(second):
            pass
        # Readers are never blocked by the writer (WAL).
        with transaction(second, write=False):
            assert second.execute("SELECT count(*) FROM products").fetchone()[0] == 0
    first.close()
    second.close()


def test_a_database_that_cannot_be_created_is_a_store_error(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(StoreError, match="not-a-folder"):
        open_db(blocker / "hub.db")
    with pytest.raises(StoreError, match="cannot be opened"):
        connect(blocker / "hub.db")
