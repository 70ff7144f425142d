"""The camera that reads barcodes: frames from a source, zxing-cpp or pyzbar, one Scan per code."""

from __future__ import annotations

from ..bus import Bus
from ..scan import Scan
from .config import CameraConfig, config_from
from .driver import CameraDriver
from .protocol import FORMATS, PHARMACY, RETAIL, Code, Decoder, Roi

FAMILY = "camera"

__all__ = [
    "FAMILY",
    "FORMATS",
    "PHARMACY",
    "RETAIL",
    "CameraConfig",
    "CameraDriver",
    "Code",
    "Decoder",
    "Roi",
    "Scan",
    "config_from",
    "make_driver",
]


def make_driver(config: CameraConfig, bus: Bus, *, db_path: str | None = None) -> CameraDriver:
    """The driver the device manager runs in its own thread for this camera."""
    return CameraDriver(config, bus)
