"""Helpers the hub's tests share: waiting with a deadline and a fake cloud on a real broker."""

from __future__ import annotations

import json
import threading
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from protocols import (
    Batch,
    CatalogProduct,
    CatalogUpdate,
    HubStatus,
    Topics,
    gtin_check_digit,
    parse_batch,
    parse_status,
)
from tests.support import wait_until

T = TypeVar("T")


def ean13(body12: str) -> str:
    return body12 + str(gtin_check_digit(body12))


TEA_BARCODE = ean13("890123456789")
TEA_BOX_BARCODE = ean13("890123456790")
SOAP_BARCODE = ean13("890765432101")

# Prices are what a shelf shows: tax included, in paise.
CATALOG = CatalogUpdate(
    version=1,
    since=0,
    full=True,
    products=[
        CatalogProduct(
            sku="TEA-250",
            name="Tea 250 g",
            unit_price_minor=14000,
            tax_rate_bp=500,
            sold_by="unit",
            barcodes=[TEA_BARCODE, TEA_BOX_BARCODE],
        ),
        CatalogProduct(
            sku="SOAP",
            name="Bath soap",
            unit_price_minor=4500,
            tax_rate_bp=1800,
            sold_by="unit",
            barcodes=[SOAP_BARCODE],
        ),
        CatalogProduct(
            sku="RICE-LOOSE",
            name="Rice, loose",
            unit_price_minor=6550,
            tax_rate_bp=500,
            sold_by="weight",
        ),
        CatalogProduct(
            sku="MILK-1L", name="Milk 1 l", unit_price_minor=6800, tax_rate_bp=0, sold_by="unit"
        ),
        CatalogProduct(
            sku="OLD-JAM",
            name="Jam (discontinued)",
            unit_price_minor=9900,
            tax_rate_bp=1200,
            sold_by="unit",
            active=False,
        ),
    ],
)


class FakeCloud:
    """A paho client playing the cloud: collects batches and statuses, sends acks and commands.

    With `auto_ack`, it acknowledges the highest contiguous seq it has seen, as the real
    ingest does after committing, so a test can wait for the hub's outbox to drain.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", *, auto_ack: bool = False) -> None:
        self.auto_ack = auto_ack
        self.batches: list[Batch] = []
        self.raw_batches: list[bytes] = []
        self.statuses: list[tuple[str, HubStatus]] = []
        self.seen: dict[str, set[int]] = {}
        self.acked: dict[str, int] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"fake-cloud-{port}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.subscribed = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 2)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        self.client.connect(host, port, clean_start=False, properties=props)
        self.client.loop_start()
        wait_until(self.subscribed.is_set, 10, "the fake cloud to subscribe")

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any):
        client.subscribe([("sf/v1/hub/+/events", 1), ("sf/v1/hub/+/status", 1)])

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage):
        kind = Topics.kind_of(message.topic)
        hub = Topics.hub_of(message.topic)
        with self._lock:
            if kind == "status":
                self.statuses.append((hub, parse_status(message.payload)))
                return
            batch = parse_batch(message.payload)
            self.raw_batches.append(message.payload)
            self.batches.append(batch)
            seen = self.seen.setdefault(hub, set())
            seen.update(e.seq for e in batch.events)
            top = self.acked.get(hub, 0)
            while top + 1 in seen:
                top += 1
        if self.auto_ack and top > self.acked.get(hub, 0):
            self.ack(hub, top, wait=False)  # Waiting here would block paho's own thread.

    def ack(self, hub: str, seq: int, refused: str | None = None, *, wait: bool = True) -> None:
        """Publish the retained watermark, as the cloud does after storing up to `seq`."""
        body: dict[str, Any] = {"seq": seq}
        if refused is not None:
            body["refused"] = refused
        with self._lock:
            self.acked[hub] = max(seq, self.acked.get(hub, 0))
        self.publish(Topics(hub).ack, json.dumps(body).encode(), retain=True, wait=wait)

    def command(self, hub: str, payload: bytes | str) -> None:
        self.publish(Topics(hub).cmd, payload)

    def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, wait: bool = True
    ) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        if wait:
            info.wait_for_publish(10)

    def events(self, hub: str) -> list[Any]:
        with self._lock:
            return [e for b in self.batches if b.hub == hub for e in b.events]

    def seqs(self, hub: str) -> set[int]:
        with self._lock:
            return set(self.seen.get(hub, set()))

    def last_status(self, hub: str) -> HubStatus | None:
        with self._lock:
            found = [s for h, s in self.statuses if h == hub]
        return found[-1] if found else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retained_status(port: int, hub: str, timeout_s: float = 10.0) -> HubStatus:
    """What a newcomer sees on a hub's status topic: the retained message."""
    got: list[bytes] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    client.on_connect = lambda c, *_: c.subscribe(Topics(hub).status, 1)
    client.on_message = lambda c, u, m: got.append(m.payload)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        wait_until(lambda: got, timeout_s, f"a retained status for {hub}")
    finally:
        client.disconnect()
        client.loop_stop()
    return parse_status(got[0])
