"""Helpers for cloud tests: settings without the environment, ingest as a worker does, waits."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cloud.config import CloudConfig, load_config
from cloud.ingest import IngestResult, ingest_message
from tests.support import wait_until

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


class FakeHub:
    """A hub as the broker sees it: publishes batches and statuses, collects acks and commands."""

    def __init__(self, port: int, hub: str = "till-1") -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

        from protocols import Topics

        self.hub = hub
        self.topics = Topics(hub)
        self.acks: list[dict] = []
        self.commands: list[dict] = []
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"fake-{hub}-{time.monotonic_ns()}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._subscribed.wait(10), "fake hub did not subscribe"

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        client.subscribe([(self.topics.ack, 1), (self.topics.cmd, 1)])

    def _on_message(self, client, userdata, message) -> None:
        data = json.loads(message.payload)
        (self.acks if message.topic == self.topics.ack else self.commands).append(data)

    def send(self, payload: bytes, topic: str | None = None) -> None:
        self.client.publish(topic or self.topics.events, payload, qos=1).wait_for_publish(10)

    def send_status(self, payload: bytes) -> None:
        self.client.publish(self.topics.status, payload, qos=1, retain=True).wait_for_publish(10)

    def wait_for_ack(self, seq: int, timeout_s: float = 20.0) -> dict:
        return wait_until(
            lambda: next((a for a in reversed(self.acks) if a["seq"] >= seq), None),
            timeout_s,
            f"ack of seq {seq} for {self.hub}",
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
