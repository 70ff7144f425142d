"""The van hub's GPS: NMEA 0183 over serial, throttled `location.fix` events in integers."""

from __future__ import annotations

from ..bus import Bus
from .config import GpsConfig, config_from
from .driver import FAMILY, GpsDriver, GpsFix
from .protocol import NoFix, Position

__all__ = [
    "FAMILY",
    "GpsConfig",
    "GpsDriver",
    "GpsFix",
    "NoFix",
    "Position",
    "config_from",
    "make_driver",
]


def make_driver(config: GpsConfig, bus: Bus, *, db_path: str | None = None) -> GpsDriver:
    return GpsDriver(config, bus)
