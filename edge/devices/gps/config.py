"""GpsConfig: the receiver's port and line settings, and how often a fix becomes an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.errors import ConfigError

from ..tables import typed_values


@dataclass(frozen=True)
class GpsConfig:
    """One NMEA 0183 receiver on a serial port (the van hub's GPS)."""

    name: str
    port: str = ""  # A stable path: /dev/serial/by-id/... (ttyUSB numbers change on replug).
    baud: int = 9600  # Most receivers run 9600; older ones 4800.
    min_interval_s: float = 5.0  # Never two location.fix events closer than this...
    min_distance_m: float = 25.0  # ...nor for a van that moved less than this...
    max_interval_s: float = 60.0  # ...except one this often even when parked.
    silent_after_s: float = 5.0  # A receiver sends every second; this long silent means gone.
    reconnect_first_s: float = 0.5  # The first wait before reopening; doubles up to the max.
    reconnect_max_s: float = 30.0


def config_from(name: str, table: Mapping[str, Any]) -> GpsConfig:
    """Check one `[[devices]]` table with `family = "gps"`; raise ConfigError naming the key."""
    values = typed_values(GpsConfig, name, table, "a GPS")
    if not values.get("port"):
        raise ConfigError(
            f"port (device {name!r}): a GPS needs its serial port (a /dev/serial/by-id/... path)"
        )
    config = GpsConfig(name=name, **values)
    if config.max_interval_s < config.min_interval_s:
        raise ConfigError(
            f"max_interval_s (device {name!r}): must be at least min_interval_s "
            f"({config.min_interval_s}), got {config.max_interval_s}"
        )
    for key in ("silent_after_s", "reconnect_first_s", "reconnect_max_s"):
        if getattr(config, key) <= 0:
            raise ConfigError(f"{key} (device {name!r}): must be more than 0")
    if config.reconnect_max_s < config.reconnect_first_s:
        raise ConfigError(f"reconnect_max_s (device {name!r}): must be at least reconnect_first_s")
    return config
