"""Barcode scanners: USB HID (evdev) and serial, publishing each code as a Scan on the bus."""

from .config import ScannerConfig, config_from
from .driver import HidScannerDriver, SerialScannerDriver, make_driver
from .protocol import Scan

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
