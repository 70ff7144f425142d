"""Barcode scanners: USB HID (evdev) and serial, publishing each code as a Scan on the bus."""

from ..scan import Scan
from .config import ScannerConfig, config_from
from .driver import HidScannerDriver, SerialScannerDriver, make_driver

FAMILY = "scanner"

__all__ = [
    "FAMILY",
    "HidScannerDriver",
    "Scan",
    "ScannerConfig",
    "SerialScannerDriver",
    "config_from",
    "make_driver",
]
