"""GpsConfig: the receiver's port and line settings, and how often a fix becomes an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from edge.errors import ConfigError

# Keys every [[devices]] table carries, read by the device manager rather than the family.
COMMON_KEYS = frozenset({"name", "family", "enabled"})


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
    types = {f.name: f.type for f in fields(GpsConfig)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in COMMON_KEYS:
            continue
        if key not in types or key == "name":
            known = ", ".join(sorted(set(types) - {"name"}))
            raise ConfigError(f"{key} (device {name!r}): unknown key for a GPS (known: {known})")
        kind = types[key]
        if kind == "str" and not isinstance(value, str):
            raise ConfigError(f"{key} (device {name!r}): must be a string, got {value!r}")
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{key} (device {name!r}): must be a positive integer, got {value!r}")
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{key} (device {name!r}): must be a number >= 0, got {value!r}")
            value = float(value)
        values[key] = value
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
