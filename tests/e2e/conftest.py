"""Whole-system fixtures: hubs and an ingest worker as real processes, the cloud API in-process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Broker
from tests.e2e.netcut import CuttableLink
from tests.support import free_port, wait_for_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def http(method: str, url: str, body: object | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@dataclass
class HubProcess:
    """`shopfloor hub run` in a process of its own, reaching the broker through a cuttable link."""

    hub_id: str
    location: str
    dir: Path
    broker: Broker
    http_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.link = CuttableLink(self.broker.port)
        self.db_path = self.dir / "hub.db"
        self.config = self.dir / "hub.toml"
        self.config.write_text(
            f'[hub]\nid = "{self.hub_id}"\nlocation = "{self.location}"\n'
            f'[store]\ndb_path = "{self.db_path}"\n'
            f"[http]\nport = {self.http_port}\n"
            f"[mqtt]\nport = {self.link.port}\n"
            "[sync]\nresend_after_s = 2.0\n"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> HubProcess:
        self.log = (self.dir / "hub.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shopfloor_cli", "hub", "run", "--config", str(self.config)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")},
        )
        wait_for_port(self.http_port, timeout_s=20)
        return self

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.link.close()

    def get(self, path: str) -> tuple[int, dict]:
        return http("GET", self.url + path)

    def post(self, path: str, body: object) -> tuple[int, dict]:
        return http("POST", self.url + path, body)

    def sync(self) -> dict:
        return self.get("/api/sync")[1]

    def all_acked(self) -> bool:
        state = self.sync()
        return state["acked_seq"] == state["last_seq"] and state["outbox_depth"] == 0


@dataclass
class IngestProcess:
    """`shopfloor cloud ingest` in a process of its own."""

    database_url: str
    broker: Broker
    dir: Path
    proc: subprocess.Popen | None = None

    def start(self) -> IngestProcess:
        self.log_path = self.dir / f"ingest-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
        env |= {
            "DATABASE_URL": self.database_url,
            "SHOPFLOOR_CLOUD_MQTT_PORT": str(self.broker.port),
            "SHOPFLOOR_CLOUD_DATA_DIR": str(self.dir),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shopfloor_cli", "cloud", "ingest"],
            cwd=ROOT,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        wait_until(
            lambda: "connected" in self.log_path.read_text() or self.proc.poll() is not None,
            what="the ingest worker to connect",
        )
        assert self.proc.poll() is None, self.log_path.read_text()
        time.sleep(0.3)  # Its SUBSCRIBE follows the CONNACK.
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
def cloud_config(pg_url, broker, tmp_path):
    from cloud.config import load_config
    from cloud.db import make_engine, migrate

    engine = make_engine(pg_url)
    migrate(engine)
    engine.dispose()
    return load_config(
        env={},
        overrides={
            "data_dir": str(tmp_path),
            "database": {"url": pg_url},
            "mqtt": {"port": broker.port},
        },
    )


@pytest.fixture
def cloud_api(cloud_config):
    from cloud.api import create_app

    return create_app(cloud_config).test_client()


@pytest.fixture
def ingest(pg_url, broker, tmp_path, cloud_config) -> Iterator[IngestProcess]:
    worker = IngestProcess(pg_url, broker, tmp_path).start()
    yield worker
    worker.stop()


@pytest.fixture
def make_hub(broker, tmp_path) -> Iterator[Callable[[str, str], HubProcess]]:
    hubs: list[HubProcess] = []

    def make(hub_id: str, location: str) -> HubProcess:
        d = tmp_path / hub_id
        d.mkdir()
        hub = HubProcess(hub_id, location, d, broker)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop()
