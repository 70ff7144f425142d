"""MQTT topic names and the QoS and retain flag each one is used with."""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "sf/v1"
QOS = 1
SHARE_GROUP = "ingest"


@dataclass(frozen=True)
class Topics:
    """The four topics of one hub; a hub's broker identity may publish only under its own."""

    hub: str

    @property
    def events(self) -> str:
        """Hub -> cloud, QoS 1, not retained: batches of enveloped events."""
        return f"{ROOT}/hub/{self.hub}/events"

    @property
    def status(self) -> str:
        """Hub -> cloud, QoS 1, retained; the last will sets it offline."""
        return f"{ROOT}/hub/{self.hub}/status"

    @property
    def ack(self) -> str:
        """Cloud -> hub, QoS 1, retained: the highest contiguous seq the cloud has stored."""
        return f"{ROOT}/hub/{self.hub}/ack"

    @property
    def cmd(self) -> str:
        """Cloud -> hub, QoS 1, not retained; queued by the broker for the hub's session."""
        return f"{ROOT}/hub/{self.hub}/cmd"

    @staticmethod
    def hub_of(topic: str) -> str:
        """Return the hub id in `sf/v1/hub/{hub}/...`, or raise ValueError."""
        parts = topic.split("/")
        if len(parts) != 5 or "/".join(parts[:3]) != f"{ROOT}/hub" or not parts[3]:
            raise ValueError(f"topic {topic!r} is not under {ROOT}/hub/{{hub}}/")
        return parts[3]

    @staticmethod
    def kind_of(topic: str) -> str:
        """Return the last level of a hub topic: events, status, ack or cmd."""
        return topic.rsplit("/", 1)[-1]


# What ingest workers subscribe to; `$share` spreads messages over all workers in the group.
INGEST_SUBSCRIPTIONS = (
    f"$share/{SHARE_GROUP}/{ROOT}/hub/+/events",
    f"$share/{SHARE_GROUP}/{ROOT}/hub/+/status",
)
