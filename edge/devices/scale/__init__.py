"""Scales on the hub: Mettler Toledo 8217, NCI SCP-01 and continuous output, in integer grams."""

from __future__ import annotations

from ..bus import Bus
from .config import ScaleConfig, config_from
from .driver import FAMILY, ScaleDriver, ScaleReading
from .protocol import Reading, ScaleStatus, Weight

__all__ = [
    "FAMILY",
    "Reading",
    "ScaleConfig",
    "ScaleDriver",
    "ScaleReading",
    "ScaleStatus",
    "Weight",
    "config_from",
    "make_driver",
]


def make_driver(config: ScaleConfig, bus: Bus, *, db_path: str | None = None) -> ScaleDriver:
    return ScaleDriver(config, bus)
