"""The hub's MQTT client: session, last will and callbacks that only hand messages on.

paho runs callbacks on its network thread. They never touch SQLite: each one puts a small
tuple on the publisher's inbox queue and returns, so a slow disk never stalls keepalives.
Incoming QoS 1 messages are acknowledged by the publisher after it has handled them
(`manual_ack`), so a command is not lost if the hub stops between receipt and commit.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from protocols import Topics
from protocols.topics import QOS

from ..config import HubConfig
from ..errors import ConfigError

log = logging.getLogger(__name__)

# Inbox items: ("up",), ("down", reason), ("denied", reason), ("ack", message),
# ("cmd", message), ("published",), ("stop",).
Inbox = queue.Queue


class Link:
    """One paho client for one hub: client id = hub id, MQTT 5, persistent session."""

    def __init__(self, config: HubConfig, inbox: Inbox) -> None:
        self.config = config
        self.topics = Topics(config.hub.id)
        self.inbox = inbox
        mqtt_cfg = config.mqtt
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.hub.id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if mqtt_cfg.username:
            client.username_pw_set(mqtt_cfg.username, mqtt_cfg.password or None)
        if mqtt_cfg.tls:
            try:
                client.tls_set(ca_certs=mqtt_cfg.ca_file or None)
            except (OSError, ValueError) as err:
                raise ConfigError(
                    f"config key mqtt.ca_file = {mqtt_cfg.ca_file!r} cannot be used for TLS: {err}"
                ) from err
        client.reconnect_delay_set(mqtt_cfg.reconnect_min_s, mqtt_cfg.reconnect_max_s)
        # The publisher keeps its own window; these only stop paho from growing without bound.
        client.max_inflight_messages_set(config.sync.max_inflight_batches + 8)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        self.client = client

    @property
    def where(self) -> str:
        return f"{self.config.mqtt.host}:{self.config.mqtt.port}"

    def set_will(self, payload: bytes) -> None:
        """Status the broker publishes (retained) if the connection dies without a goodbye.

        paho reads the will at each (re)connect, so the latest one set is the one used.
        """
        self.client.will_set(self.topics.status, payload, qos=QOS, retain=True)

    def start(self) -> None:
        """Connect in the background; paho retries with capped backoff until stopped."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.mqtt.session_expiry_s
        self.client.connect_async(
            self.config.mqtt.host,
            self.config.mqtt.port,
            keepalive=self.config.mqtt.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self, *, with_will: bool = False) -> None:
        """Disconnect and end paho's thread.

        A clean disconnect makes the broker drop the will; `with_will` asks it to publish the
        will (the offline status) anyway (MQTT 5 reason code 0x04), for a goodbye that could
        not be confirmed.
        """
        if with_will:
            self.client.disconnect(
                reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")
            )
        else:
            self.client.disconnect()
        self.client.loop_stop()

    def publish_events(self, payload: bytes) -> mqtt.MQTTMessageInfo:
        return self.client.publish(self.topics.events, payload, qos=QOS, retain=False)

    def publish_status(self, payload: bytes) -> mqtt.MQTTMessageInfo:
        return self.client.publish(self.topics.status, payload, qos=QOS, retain=True)

    def ack(self, message: mqtt.MQTTMessage) -> None:
        """Acknowledge an incoming message once it has been handled."""
        if message.qos > 0:
            self.client.ack(message.mid, message.qos)

    # paho callbacks: run on paho's thread, so they only enqueue.

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            self.inbox.put(("denied", str(reason)))
            return
        # Subscribing here means every reconnect restores the subscriptions.
        client.subscribe([(self.topics.ack, QOS), (self.topics.cmd, QOS)])
        self.inbox.put(("up",))

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.inbox.put(("down", str(reason)))

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        kind = Topics.kind_of(message.topic)
        if kind in ("ack", "cmd"):
            self.inbox.put((kind, message))
        else:
            log.debug("Message on unexpected topic %s ignored", message.topic)
            self.ack(message)

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, properties: Any
    ) -> None:
        self.inbox.put(("published",))
