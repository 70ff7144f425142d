"""The hub: the till, warehouse and van side of shopfloor (SQLite store, web API, MQTT sync)."""

__version__ = "0.1.0"
