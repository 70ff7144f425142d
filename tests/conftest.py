"""Fixtures for the real services the tests talk to: a private Mosquitto and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from tests.support import free_port, wait_for_port

PG_ADMIN_URL = os.environ.get(
    "SHOPFLOOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Broker:
    """A private Mosquitto on a free loopback port, with stop/start to simulate an outage."""

    port: int
    conf: Path
    proc: subprocess.Popen | None = None

    host = "127.0.0.1"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def write_broker_conf(path: Path, port: int, extra: str = "") -> Path:
    data = path / "data"
    data.mkdir(parents=True, exist_ok=True)
    conf = path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        # As root, Mosquitto would switch to its own user and fail to write its persistence
        # file here; the option is ignored when the tests do not run as root.
        "user root\n"
        "persistence true\n"
        f"persistence_location {data}/\n"
        "max_queued_messages 100000\n"
        "max_inflight_messages 100\n"
        "message_size_limit 0\n" + extra
    )
    return conf


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto of this test's own, persistent so a restart keeps queued messages."""
    port = free_port()
    b = Broker(port=port, conf=write_broker_conf(tmp_path / "broker", port))
    b.start()
    yield b
    b.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg2://", 1)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
