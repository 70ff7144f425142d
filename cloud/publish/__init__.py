"""Commands down to hubs: catalog updates, and the MQTT clients that carry them."""

from __future__ import annotations

from .catalog import build_catalog_update, push_catalog
from .mqtt import MqttPublisher, make_client

__all__ = ["MqttPublisher", "build_catalog_update", "make_client", "push_catalog"]
