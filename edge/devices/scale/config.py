"""ScaleConfig: the port, its line settings and the protocol the scale speaks; checked at load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.errors import ConfigError

from ..tables import typed_values
from .protocol import PROTOCOLS

PARITIES = ("N", "E", "O")


@dataclass(frozen=True)
class ScaleConfig:
    """One scale on one serial port. Each port names its protocol; the hub never probes."""

    name: str
    port: str = ""  # A stable path: /dev/serial/by-id/... (ttyUSB numbers change on replug).
    protocol: str = "toledo8217"  # toledo8217, nci or continuous.
    baud: int = 9600
    bytesize: int = 7  # 8217 and SCP-01 run 7E1; most continuous-output scales 8N1.
    parity: str = "E"
    stopbits: int = 1
    reply_timeout_s: float = 0.5  # A request scale that stays silent this long missed a reply.
    silent_after: int = 3  # This many missed replies in a row means the scale is gone.
    poll_interval_s: float = 0.25  # How often an idle request scale is asked, for the bus.
    stable_readings: int = 1  # >1: also require this many readings in a row to agree...
    stable_tolerance_g: int = 1  # ...within this many grams (for a scale whose flag is early).
    reconnect_first_s: float = 0.5  # The first wait before reopening; doubles up to the max.
    reconnect_max_s: float = 30.0


def config_from(name: str, table: Mapping[str, Any]) -> ScaleConfig:
    """Check one `[[devices]]` table with `family = "scale"`; raise ConfigError naming the key."""
    values = typed_values(ScaleConfig, name, table, "a scale")
    for key in ("reply_timeout_s", "poll_interval_s", "reconnect_first_s", "reconnect_max_s"):
        if key in values and values[key] <= 0:
            raise ConfigError(
                f"{key} (device {name!r}): must be a positive number, got {values[key]!r}"
            )
    if not values.get("port"):
        raise ConfigError(
            f"port (device {name!r}): a scale needs its serial port (a /dev/serial/by-id/... path)"
        )
    if values.get("protocol", "toledo8217") not in PROTOCOLS:
        raise ConfigError(
            f"protocol (device {name!r}): must be one of "
            f"{', '.join(sorted(PROTOCOLS))}, got {values['protocol']!r}"
        )
    if values.get("bytesize", 7) not in (7, 8):
        raise ConfigError(f"bytesize (device {name!r}): must be 7 or 8, got {values['bytesize']!r}")
    if values.get("parity", "E") not in PARITIES:
        raise ConfigError(f"parity (device {name!r}): must be N, E or O, got {values['parity']!r}")
    if values.get("stopbits", 1) not in (1, 2):
        raise ConfigError(f"stopbits (device {name!r}): must be 1 or 2, got {values['stopbits']!r}")
    if values.get("protocol") == "continuous":
        values.setdefault("bytesize", 8)
        values.setdefault("parity", "N")
    return ScaleConfig(name=name, **values)
