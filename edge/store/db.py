"""Opening the hub's SQLite database, migrating it and the one transaction helper.

Every connection is in autocommit mode (`isolation_level=None`) so that `transaction()` alone
decides where a transaction starts and ends. Write transactions start with BEGIN IMMEDIATE:
the write lock is taken before the first read, so two processes taking the next receipt
number or seq cannot both read the same value.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from ..errors import StoreError

log = logging.getLogger(__name__)

_savepoints = itertools.count(1)


def connect(path: str | os.PathLike[str], *, busy_timeout_s: float = 5.0) -> sqlite3.Connection:
    """Open the database at `path` with the hub's settings; the caller closes it.

    WAL lets the till keep selling while the publisher reads the outbox; synchronous=FULL
    makes a committed sale survive a power cut, which a Pi on a shop counter will see.
    """
    try:
        db = sqlite3.connect(
            os.fspath(path),
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=True,
            cached_statements=256,
        )
    except sqlite3.Error as err:
        raise StoreError(f"database {os.fspath(path)!r} cannot be opened: {err}") from err
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    except sqlite3.Error as err:
        db.close()
        raise StoreError(f"database {os.fspath(path)!r} cannot be opened: {err}") from err
    return db


@contextmanager
def transaction(db: sqlite3.Connection, *, write: bool = True) -> Iterator[sqlite3.Connection]:
    """Run the block in one transaction, or in a savepoint when one is already open.

    The outermost block commits on success and rolls back on any exception; a nested block
    rolls back only its own work. `write=False` starts a deferred (read) transaction, which
    gives a consistent snapshot across several queries.
    """
    if db.in_transaction:
        name = f"sp{next(_savepoints)}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        db.execute(f"RELEASE {name}")
        return
    db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with the hub: (version, file name, SQL), in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql"):
            number, _, _ = name.partition("_")
            found.append((int(number), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [number for number, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 1, 2, 3 ... without gaps, found {versions}")
    return found


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements; sqlite3.complete_statement knows about triggers."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise StoreError(f"migration ends with an unfinished statement: {buffer.strip()[:80]!r}")


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations this database lacks, each in its own transaction; return the version.

    The version is read again inside each transaction, so two processes migrating at once
    apply each step once. A database newer than this software is refused, not downgraded.
    """
    steps = migrations()
    newest = steps[-1][0] if steps else 0
    current = schema_version(db)
    if current > newest:
        raise StoreError(
            f"database schema version {current} is newer than this hub software knows "
            f"({newest}); upgrade the hub software"
        )
    for number, name, script in steps:
        if number <= current:
            continue
        with transaction(db):
            if schema_version(db) >= number:
                continue
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        log.info("Database migrated to schema version %d (%s)", number, name)
        current = number
    return current


def open_db(path: str | os.PathLike[str], *, busy_timeout_s: float = 5.0) -> sqlite3.Connection:
    """Open (creating it and its folder if needed) and migrate the hub database at `path`."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"folder for database {os.fspath(path)!r}: {err.strerror}") from err
    db = connect(path, busy_timeout_s=busy_timeout_s)
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db
