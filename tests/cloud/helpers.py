"""Helpers for cloud tests: settings without the environment, ingest as a worker does, waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cloud.config import CloudConfig, load_config
from cloud.ingest import IngestResult, ingest_message

T = TypeVar("T")


def settings(tmp_path: Path, **overrides: object) -> CloudConfig:
    """Settings that ignore the environment: only the defaults and `overrides`."""
    return load_config(env={}, overrides={"data_dir": str(tmp_path / "var"), **overrides})


def ingest(
    sessions: sessionmaker[Session],
    topic: str,
    payload: bytes,
    received_at: datetime | None = None,
    **kw: object,
) -> IngestResult:
    """Ingest one message in its own session and commit, as a worker does."""
    with sessions() as session:
        result = ingest_message(session, topic, payload, received_at or datetime.now(UTC), **kw)
        session.commit()
    return result


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def wait_until(check: Callable[[], T], timeout_s: float = 15.0, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s} s (last: {value!r})")
        time.sleep(0.05)
