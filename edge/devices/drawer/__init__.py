"""Cash drawers: a kick (ESC p) through the print queue of the printer they are wired to."""

from __future__ import annotations

from ..bus import Bus
from .config import DrawerConfig, config_from
from .driver import DrawerDriver
from .protocol import kick_command, parse_kick

FAMILY = "drawer"


def make_driver(config: DrawerConfig, bus: Bus, *, db_path: str | None = None) -> DrawerDriver:
    return DrawerDriver(config, bus)


__all__ = [
    "FAMILY",
    "DrawerConfig",
    "DrawerDriver",
    "config_from",
    "kick_command",
    "make_driver",
    "parse_kick",
]
