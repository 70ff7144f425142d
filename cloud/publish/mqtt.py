"""MQTT clients for the cloud: one factory for every client, and a short-lived publisher."""

from __future__ import annotations

import logging
import os
import ssl
import threading
import uuid
from types import TracebackType

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from protocols.topics import QOS

from ..config import MqttConfig
from ..errors import BrokerUnavailable

log = logging.getLogger(__name__)


def make_client(config: MqttConfig, role: str, **kwargs: object) -> mqtt.Client:
    """A paho client (MQTT 5, callback API 2) with the broker's credentials and TLS.

    The client id is `<client_id>-<role>-<pid>-<random>`: unique per process, so two cloud
    processes never take over each other's connection.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{config.client_id}-{role}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
        protocol=MQTTProtocolVersion.MQTTv5,
        **kwargs,
    )
    if config.username:
        client.username_pw_set(config.username, config.password)
    if config.tls:
        client.tls_set(ca_certs=config.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def broker_name(config: MqttConfig) -> str:
    return f"{config.host}:{config.port}{' (TLS)' if config.tls else ''}"


class MqttPublisher:
    """Connect, publish at QoS 1, wait for the broker's PUBACKs, then disconnect.

    It connects at the first publish, so a block that ends up publishing nothing costs
    nothing. For the API, the CLI and tasks, which publish now and then:

        with MqttPublisher(config.mqtt) as publisher:
            publisher.publish(topic, payload)
    """

    def __init__(self, config: MqttConfig, role: str = "publisher") -> None:
        self.config = config
        self._client = make_client(config, role)
        self._connected = threading.Event()
        self._refused: str | None = None
        self._started = False
        self._pending: list[tuple[str, mqtt.MQTTMessageInfo]] = []
        self._client.on_connect = self._on_connect

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._refused = str(reason_code)
        self._connected.set()

    def __enter__(self) -> MqttPublisher:
        return self

    def connect(self) -> None:
        """Connect now; `publish` does this by itself the first time."""
        if self._started:
            return
        timeout_s = self.config.connect_timeout_s
        try:
            self._client.connect(self.config.host, self.config.port, self.config.keepalive_s)
        except (OSError, ssl.SSLError) as err:
            raise BrokerUnavailable(
                f"cannot reach the MQTT broker at {broker_name(self.config)}: {err}"
            ) from err
        self._started = True
        self._client.loop_start()
        if not self._connected.wait(timeout_s) or self._refused:
            self.close()
            why = self._refused or f"no answer in {timeout_s:.0f} s"
            raise BrokerUnavailable(f"MQTT broker at {broker_name(self.config)}: {why}")

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Queue a QoS 1 publish; leaving the `with` block waits until the broker has them all."""
        self.connect()
        self._pending.append((topic, self._client.publish(topic, payload, qos=QOS, retain=retain)))

    def wait(self) -> None:
        """Wait for the broker to confirm every publish so far; raise BrokerUnavailable if not."""
        pending, self._pending = self._pending, []
        for topic, info in pending:
            try:
                info.wait_for_publish(self.config.connect_timeout_s)
            except (RuntimeError, ValueError) as err:
                raise BrokerUnavailable(f"publish to {topic} failed: {err}") from err
            if not info.is_published():
                raise BrokerUnavailable(
                    f"the broker at {broker_name(self.config)} did not confirm {topic} in time"
                )

    def close(self) -> None:
        if self._started:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            self.close()
